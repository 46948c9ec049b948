#!/usr/bin/env bash
# `make hub`: build/refresh the students' environment, then run the class JupyterHub in the foreground.
#
# Needs root (students become Unix users). Settings come from the environment (see the table at the
# top of jupyterhub_config.py), e.g.:
#   CLIMPY_HUB_ADMINS=teacher make hub
#   CLIMPY_HUB_AUTH=shared-password CLIMPY_HUB_SHARED_PASSWORD='long workshop phrase' make hub
# The proxy token is generated for this run unless CONFIGPROXY_AUTH_TOKEN is already set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "$(id -u)" != 0 ]; then
  echo "hub: run as root (each student gets a Unix account, created on first spawn)" >&2
  exit 2
fi
bash "$root/scripts/hub-env.sh"
export CONFIGPROXY_AUTH_TOKEN="${CONFIGPROXY_AUTH_TOKEN:-$(openssl rand -hex 32 2>/dev/null ||
  "$root/.venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))')}"
state="${CLIMPY_HUB_STATE:-/srv/climpy-hub}"
mkdir -p "$state"
echo "[hub] state in $state; students sign up at <URL below>/hub/signup, admins approve at /hub/authorize" >&2
cd "$state"
exec "$root/.venv/bin/jupyterhub" -f "$root/jupyterhub_config.py"
