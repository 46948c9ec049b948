"""Rewrite environment.yml (conda-forge) from the dependencies of pyproject.toml.

Run after changing dependencies: ``.venv/bin/python scripts/sync_environment.py``.
tests/test_packaging.py fails when the two files drift apart.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {"cf-xarray": "cf_xarray"}


def pyproject_dependencies() -> dict[str, str]:
    """Map normalised PyPI name -> version specifier, over core and every extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        deps += extra
    out: dict[str, str] = {}
    for req in deps:
        m = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", req)
        out[m.group(1).lower().replace("_", "-")] = m.group(2).replace(" ", "")
    return out


def main() -> None:
    """Write environment.yml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    python = re.search(r"3\.\d+", project["requires-python"]).group(0)
    lines = [
        "# conda-forge environment for climpy: the same dependencies as pyproject.toml (a test checks they agree;",
        "# regenerate with scripts/sync_environment.py). Exact versions known to resolve together:",
        "# requirements/constraints.txt.",
        "#   conda env create -f environment.yml && conda activate climpy",
        "name: climpy",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={python}",
        "  - pip",
    ]
    for name, spec in sorted(pyproject_dependencies().items()):
        lines.append(f"  - {CONDA_NAMES.get(name, name)}{spec}")
    lines += ["  - pip:", "      - -e ."]
    (ROOT / "environment.yml").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
