from climpy.cli import main

main()
