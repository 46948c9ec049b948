#!/usr/bin/env bash
# `make hub`: build/refresh the students' environment, then run the class JupyterHub in the foreground.
#
#   scripts/hub.sh                                 run the hub in this terminal
#   scripts/hub.sh --install-service [--root DIR]  write the systemd unit, its settings file and the log
#                                                  rotation (into DIR, e.g. a package's DESTDIR; default /)
#
# Needs root (students become Unix users). Settings come from the environment (see the table at the
# top of jupyterhub_config.py), e.g.:
#   CLIMPY_HUB_ADMINS=teacher make hub
#   CLIMPY_HUB_AUTH=shared-password CLIMPY_HUB_SHARED_PASSWORD='long workshop phrase' make hub
# The proxy token is generated for this run unless CONFIGPROXY_AUTH_TOKEN is already set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${CLIMPY_HUB_STATE:-/srv/climpy-hub}"
token() { openssl rand -hex 32 2>/dev/null || "$root/.venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))'; }

if [ "${1:-}" = "--install-service" ]; then
  dest=/
  if [ "${2:-}" = "--root" ]; then
    dest="${3:?--root needs a folder}"
  fi
  umask 022
  install -d "$dest/etc/systemd/system" "$dest/etc/logrotate.d" "$dest/etc/climpy-hub"
  sed -e "s|@REPO@|$root|g" -e "s|@STATE@|$state|g" "$root/deploy/climpy-hub.service.in" \
    > "$dest/etc/systemd/system/climpy-hub.service"
  install -m 0644 "$root/deploy/climpy-hub.logrotate" "$dest/etc/logrotate.d/climpy-hub"
  envfile="$dest/etc/climpy-hub/env"
  if [ ! -e "$envfile" ]; then  # never overwrite the operator's settings
    (
      umask 077
      cat > "$envfile" <<ENV
# Settings of the climpy hub service (see the table at the top of $root/jupyterhub_config.py).
CONFIGPROXY_AUTH_TOKEN=$(token)
CLIMPY_HUB_AUTH=native
CLIMPY_HUB_ADMINS=
ENV
    )
  fi
  install -d -m 0700 "$dest$state"
  echo "[hub] wrote $dest/etc/systemd/system/climpy-hub.service, $dest/etc/logrotate.d/climpy-hub and $envfile" >&2
  echo "[hub] next: edit $envfile, then: systemctl daemon-reload && systemctl enable --now climpy-hub" >&2
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "hub: run as root (each student gets a Unix account, created on first spawn)" >&2
  exit 2
fi
bash "$root/scripts/hub-env.sh"
export CONFIGPROXY_AUTH_TOKEN="${CONFIGPROXY_AUTH_TOKEN:-$(token)}"
mkdir -p "$state"
echo "[hub] state in $state; students sign up at <URL below>/hub/signup, admins approve at /hub/authorize" >&2
cd "$state"
exec "$root/.venv/bin/jupyterhub" -f "$root/jupyterhub_config.py"
