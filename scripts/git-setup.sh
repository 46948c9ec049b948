#!/usr/bin/env bash
# One command for contributors: nbstripout as a git filter (keeps outputs only in cells marked keep_output),
# nbdime as git diff/merge driver for notebooks, and the pre-commit hooks (ruff, nbstripout).
# Uses the project's .venv (created by scripts/setup.sh when missing), or the venv named by CLIMPY_VENV.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${CLIMPY_VENV:-$root/.venv}"
[ -x "$venv/bin/python" ] || { bash scripts/setup.sh; venv="$root/.venv"; }
bin="$venv/bin"
"$bin/nbstripout" --install --attributes .gitattributes --keep-id --keep-count
"$bin/nbdime" config-git --enable
"$bin/pre-commit" install
echo "git filters and hooks installed: nbstripout (keep_output cells kept), nbdime, pre-commit"
