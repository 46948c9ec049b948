#!/usr/bin/env bash
# One command for contributors: nbstripout as a git filter (keeps outputs only in cells marked keep_output),
# nbdime as git diff/merge driver for notebooks, and the pre-commit hooks (ruff, nbstripout).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -x .venv/bin/python ] || bash scripts/setup.sh
bin="$root/.venv/bin"
"$bin/nbstripout" --install --attributes .gitattributes --keep-id
"$bin/nbdime" config-git --enable
"$bin/pre-commit" install
echo "git filters and hooks installed: nbstripout (keep_output cells kept), nbdime, pre-commit"
