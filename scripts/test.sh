#!/usr/bin/env bash
# The whole test suite (called by `make test` after set-up): lint, then pytest over tests/ (unit, property,
# pipeline, browser, hub) and the curated notebooks through nbval. Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$root/.venv/node/bin:$PATH"
export CLIMPY_ARTIFACTS="${CLIMPY_ARTIFACTS:-$root/build/test-artifacts}"
# numba's on-disk cache in a writable place (the package folder may be read-only for other users)
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$root/build/numba-cache}"
mkdir -p "$CLIMPY_ARTIFACTS"

echo "== ruff check"
ruff check climpy tests benchmarks

targets=(tests)
nbargs=()
if compgen -G "notebooks/*.ipynb" >/dev/null; then
  targets+=(notebooks)
  nbargs+=(--nbval-lax)
  [ -f notebooks/sanitize.cfg ] && nbargs+=(--nbval-sanitize-with notebooks/sanitize.cfg)
fi
echo "== pytest ${targets[*]}"
start=$(date +%s)
set +e
python -m pytest "${targets[@]}" "${nbargs[@]}" "$@"
rc=$?
set -e
echo "== pytest finished in $(($(date +%s) - start)) s (exit $rc)"
# exit 5 = no tests collected: that is a failure of the suite, not a pass
exit $rc
