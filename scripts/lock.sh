#!/usr/bin/env bash
# Re-resolve every dependency in a scratch venv and rewrite requirements/constraints.txt (the one place where
# versions are pinned). Run after changing dependencies in pyproject.toml; review the diff; commit it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3.11 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet -e "$root[editors,pipeline,dask,hub,dev]"
"$tmp/venv/bin/pip" check
"$tmp/venv/bin/pip" freeze --exclude-editable | grep -viE '^(-e|climpy)' > "$root/requirements/constraints.txt"
echo "wrote $root/requirements/constraints.txt"
