#!/usr/bin/env bash
# The main job (called by `make run` after set-up): generate the sample paleogeography and run the
# boundary-condition pipeline on it headless, then print the summary and where everything is.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$PATH"
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$root/build/numba-cache}"
project="${1:-build/run}"
mkdir -p "$project"
exec climpy run pipeline.yaml --project "$project" --jobs "${JOBS:-2}"
