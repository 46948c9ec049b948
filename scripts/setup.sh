#!/usr/bin/env bash
# Set up everything climpy needs on a fresh machine (Python 3.11, root), idempotently.
#
#   scripts/setup.sh          the Python environment .venv/ (all extras, pinned) and the Jupyter kernel set-up
#   scripts/setup.sh --test   the same, plus what the test suite drives: Debian's chromium and cdo, the npm
#                             configurable-http-proxy (JupyterHub's proxy), and the hub's student environment
#
# A second run does nothing and takes seconds: the pip step is skipped while a stamp of the inputs
# (pyproject.toml, requirements/constraints.txt, this script) matches. Versions are pinned in ONE place:
# requirements/constraints.txt (regenerate with scripts/lock.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

log() { printf '[setup] %s\n' "$*" >&2; }

# 1. A Python 3.11. Debian's interpreter is preferred: a venv made from it is usable by other Unix users
#    (the class hub's students), which a venv made from an interpreter under /root is not.
pick_python() {
  for cand in /usr/bin/python3.11 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
      "$cand" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$cand"
      return 0
    fi
  done
  return 1
}

if [ ! -x "$venv/bin/python" ]; then
  py="$(pick_python)" || {
    echo "setup: no Python 3.11 with venv found; install python3.11 and python3.11-venv" >&2
    exit 1
  }
  log "creating $venv from $py"
  "$py" -m venv "$venv"
fi

# 2. Python packages, pinned by the constraints file; skipped when nothing changed.
stamp="$venv/.climpy-setup-stamp"
sum="$(cat pyproject.toml requirements/constraints.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  log "installing climpy and its dependencies into .venv (a few minutes the first time)"
  start=$(date +%s)
  pip_log="$venv/setup-pip.log"
  if ! { "$venv/bin/python" -m pip install --upgrade pip &&
    "$venv/bin/python" -m pip install -c requirements/constraints.txt -e ".[editors,pipeline,dask,hub,dev]"; } \
    >"$pip_log" 2>&1; then
    grep -vE "is ignored: it is neither" "$pip_log" | tail -40 >&2
    echo "setup: pip install failed; the full log is $pip_log" >&2
    exit 1
  fi
  "$venv/bin/python" -m pip check >&2
  echo "$sum" > "$stamp"
  log "python packages installed in $(($(date +%s) - start)) s"
else
  log "python packages up to date"
fi

# 3. Jupyter: kernelspec environment so Panel/HoloViews outputs render offline (BokehJS inlined).
if [ -f climpy/deploy/jupyter.py ]; then
  "$venv/bin/python" -m climpy.deploy.jupyter >&2
fi

# 3b. numba: compile every kernel into the cache the pipeline's kernels read (the same NUMBA_CACHE_DIR as
#     scripts/run.sh and scripts/test.sh), by running the pipeline once on a small map, so that the user's
#     first `climpy run` loads machine code instead of compiling it. Skipped while climpy's sources and the
#     environment are unchanged.
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$root/build/numba-cache}"
warm_stamp="$NUMBA_CACHE_DIR/.climpy-warm-stamp"
warm_sum="$(cat "$stamp" pipeline.yaml $(find climpy notebooks -name '*.py' -o -name '*.ipynb' | sort) | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$warm_stamp" 2>/dev/null)" != "$warm_sum" ]; then
  log "compiling the numba kernels (a warm-up run of the pipeline on a small map)"
  mkdir -p "$NUMBA_CACHE_DIR"
  if PATH="$venv/bin:$PATH" "$venv/bin/climpy" -q warm pipeline.yaml >&2; then
    echo "$warm_sum" > "$warm_stamp"
  else  # not fatal: the kernels then compile on first use
    echo "setup: WARNING: the numba warm-up run failed (see above); \`climpy run\` will compile on first use" >&2
  fi
else
  log "numba kernels already compiled"
fi

# 4. What the tests drive: a real Chromium, CDO, and the real (npm) configurable-http-proxy.
if [ "$want_test" = 1 ]; then
  # chromium for the browser tests; cdo to compare our coupling weights with CDO's (skipped without it)
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v cdo >/dev/null 2>&1 || missing+=(cdo)
  # ncdump -h: the pipeline tests read the CF Conventions and history of every NetCDF output with it
  command -v ncdump >/dev/null 2>&1 || missing+=(netcdf-bin)
  # the class hub's tests: a real LDAP directory (slapd, ldap-utils); systemd-analyze and logrotate check
  # the service files of scripts/hub.sh --install-service
  [ -x /usr/sbin/slapd ] || missing+=(slapd)
  command -v ldapadd >/dev/null 2>&1 || missing+=(ldap-utils)
  command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
  command -v logrotate >/dev/null 2>&1 || missing+=(logrotate)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${missing[@]}" >&2
  fi
  chp="$venv/node/bin/configurable-http-proxy"
  if [ ! -x "$chp" ]; then
    log "installing configurable-http-proxy (npm) into .venv/node"
    npm install --silent --no-fund --no-audit --global --prefix "$venv/node" configurable-http-proxy@5 >&2
  fi
  # the class hub's student environment (world-readable, outside the repository; see scripts/hub-env.sh)
  bash scripts/hub-env.sh
fi
log "done"
