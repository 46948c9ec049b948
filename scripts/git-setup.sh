#!/usr/bin/env bash
# One command for contributors: nbstripout as a git filter (keeps outputs only in cells marked keep_output),
# nbdime as git diff/merge driver for notebooks, and the pre-commit hooks (ruff, the jupytext sync of
# notebooks/NN_*.md with their .ipynb, nbstripout).
# Uses the project's .venv (created by scripts/setup.sh when missing), or the venv named by CLIMPY_VENV.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${CLIMPY_VENV:-$root/.venv}"
[ -x "$venv/bin/python" ] || { bash scripts/setup.sh; venv="$root/.venv"; }
bin="$venv/bin"
"$bin/nbstripout" --install --attributes .gitattributes
# nbstripout --install does not record flags: keep cell ids and execution counts (nbval compares only cells
# that have a count; the keep_output cells keep theirs, every other output is still stripped)
git config filter.nbstripout.clean "\"$bin/python\" -m nbstripout --keep-id --keep-count"
"$bin/nbdime" config-git --enable
"$bin/pre-commit" install
echo "git filters and hooks installed: nbstripout (keep_output cells kept), nbdime, pre-commit (ruff, jupytext sync, nbstripout)"
