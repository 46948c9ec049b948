#!/usr/bin/env bash
# Build the Python environment the class hub's students run in: world-readable, outside the repository.
#
#   scripts/hub-env.sh            build or update /opt/climpy-hub-env (or $CLIMPY_HUB_ENV)
#
# Why a second environment: each student's server runs as that student's Unix user, and the repository
# (with its .venv) may sit under a folder other users cannot traverse (a CI clone under /root, mode 700).
# This environment is made from Debian's /usr/bin/python3.11 in a world-readable prefix, with climpy
# installed as a normal (non-editable) package, so it works wherever the repository is.
#
# Idempotent and cheap to re-run: the dependency step is skipped while a stamp of pyproject.toml and
# requirements/constraints.txt matches (the first build reuses pip's cache: about 1-2 min after setup.sh;
# about 4 min cold), and climpy itself is reinstalled only when its sources changed (a few seconds).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${CLIMPY_HUB_ENV:-/opt/climpy-hub-env}"
py="${CLIMPY_HUB_PYTHON:-/usr/bin/python3.11}"
umask 022

log() { printf '[hub-env] %s\n' "$*" >&2; }
pipq() {
  "$prefix/bin/python" -m pip install --quiet --disable-pip-version-check "$@" 2>&1 |
    grep -vE "is ignored: it is neither|DEPRECATION|pip 23.1 will enforce" >&2 || true
  return "${PIPESTATUS[0]}"
}

if [ ! -x "$py" ]; then
  echo "hub-env: $py not found; install Debian's python3.11 and python3.11-venv (or set CLIMPY_HUB_PYTHON)" >&2
  exit 1
fi
case "$("$py" -c 'import sys; print(sys.base_prefix)')" in
  /root* | /home/*)
    echo "hub-env: $py lives in a home folder other users cannot read; use Debian's /usr/bin/python3.11" >&2
    exit 1
    ;;
esac

constraints="$root/requirements/constraints.txt"
cons_args=()
[ -f "$constraints" ] && cons_args=(-c "$constraints")

# 1. Dependencies (pinned by the project's constraints file); `rm -rf` the prefix to rebuild from scratch.
# Bump when this script's dependency step changes (editing the rest of it needs no rebuild).
recipe="hub-env 2: climpy[editors,pipeline,hub] ipykernel"
dep_sum="$( (echo "$recipe"; cat "$root/pyproject.toml" "$constraints" 2>/dev/null) | sha256sum | cut -d' ' -f1)"
changed=0
if [ ! -x "$prefix/bin/python" ]; then
  log "creating $prefix from $py"
  "$py" -m venv "$prefix"
  rm -f "$prefix/.climpy-deps-stamp"
fi
if [ "$(cat "$prefix/.climpy-deps-stamp" 2>/dev/null)" != "$dep_sum" ]; then
  start=$(date +%s)
  # Incremental: pip only adds or changes what the constraints or pyproject.toml changed.
  log "installing the dependencies of climpy[editors,pipeline,hub] into $prefix"
  pipq --upgrade pip "setuptools>=68" wheel
  # The extras' requirements, read from pyproject.toml so the list lives in one place.
  mapfile -t reqs < <("$prefix/bin/python" - "$root/pyproject.toml" <<'EOF'
import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
reqs = list(project["dependencies"])
for extra in ("editors", "pipeline", "hub"):
    reqs += project["optional-dependencies"][extra]
print("\n".join(reqs))
EOF
  )
  pipq "${cons_args[@]}" "${reqs[@]}" ipykernel
  "$prefix/bin/python" -m pip check >&2
  echo "$dep_sum" > "$prefix/.climpy-deps-stamp"
  changed=1
  rm -f "$prefix/.climpy-src-stamp"
  log "dependencies installed in $(($(date +%s) - start)) s"
else
  log "dependencies up to date"
fi

# 2. climpy itself, non-editable (a copy in site-packages), reinstalled when its sources change.
src_sum="$(cd "$root" && find climpy pyproject.toml -name '*.py' -o -name '*.toml' -o -name '*.json' |
  LC_ALL=C sort | xargs cat | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$prefix/.climpy-src-stamp" 2>/dev/null)" != "$src_sum" ]; then
  start=$(date +%s)
  tmp="$(mktemp -d)"
  # Build from a clean copy: the work tree may hold build/ or egg-info folders owned by other tools.
  for f in pyproject.toml README.md LICENSE climpy; do
    [ -e "$root/$f" ] && cp -r "$root/$f" "$tmp/"
  done
  find "$tmp" -name __pycache__ -prune -exec rm -rf {} +
  if ! "$prefix/bin/python" -m pip install --quiet --no-deps --no-build-isolation --force-reinstall "$tmp" \
    >"$tmp.log" 2>&1; then
    cat "$tmp.log" >&2
    exit 1
  fi
  rm -f "$tmp.log"
  rm -rf "$tmp"
  echo "$src_sum" > "$prefix/.climpy-src-stamp"
  changed=1
  log "climpy installed in $(($(date +%s) - start)) s"
fi

# 3. Jupyter settings for students, from climpy itself (climpy/deploy/jupyter.py): the kernelspec gets
#    PANEL_INLINE and HOLOVIEWSRC so Panel/HoloViews outputs render offline, and Lab's announcements
#    toast is disabled. $prefix/etc/climpy/holoviewsrc is the fixed path jupyterhub_config.py gives
#    to c.Spawner.environment (a link to the file shipped in the installed climpy).
if [ "$changed" = 1 ] || [ ! -e "$prefix/etc/climpy/holoviewsrc" ]; then
  # From / so that python -m finds the installed climpy, not a repository in the working directory.
  (cd / && "$prefix/bin/python" -m climpy.deploy.jupyter --prefix "$prefix" 2>/dev/null)
  mkdir -p "$prefix/etc/climpy"
  ln -sfn "$(cd / && "$prefix/bin/python" -c 'from climpy.deploy.jupyter import HOLOVIEWSRC; print(HOLOVIEWSRC)')" \
    "$prefix/etc/climpy/holoviewsrc"
fi

if [ "$changed" = 1 ]; then
  chmod -R a+rX "$prefix"
  "$prefix/bin/python" -c 'import climpy, jupyterhub, jupyterlab, jupyterlab_git, jupyter_server_proxy, panel' >&2
fi
log "ready: $prefix"
