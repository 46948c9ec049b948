"""`scripts/hub.sh --install-service`: systemd unit, settings file and log rotation, checked by the tools."""

from __future__ import annotations

import configparser
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def installed(tmp_path):
    env = {**os.environ, "CLIMPY_HUB_STATE": str(tmp_path / "srv" / "climpy-hub")}
    cmd = ["bash", str(ROOT / "scripts" / "hub.sh"), "--install-service", "--root", str(tmp_path / "dest")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "dest", proc


def _unit(dest: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(dest / "etc/systemd/system/climpy-hub.service")
    return parser


def test_unit_restarts_on_failure_with_hardening_that_keeps_spawning(installed):
    dest, proc = installed
    service = _unit(dest)["Service"]
    assert service["Restart"] == "on-failure" and service["User"] == "root"
    assert service["ExecStart"] == f"{ROOT}/.venv/bin/jupyterhub -f {ROOT}/jupyterhub_config.py"
    assert service["ProtectSystem"] == "true"  # /usr read-only; /etc stays writable for useradd
    assert service["PrivateTmp"] == "true" and service["NoNewPrivileges"] == "true"
    assert "ProtectHome" not in service  # students' homes live there
    assert "systemctl daemon-reload" in proc.stderr
    env = dest / "etc/climpy-hub/env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    token = [line for line in env.read_text().splitlines() if line.startswith("CONFIGPROXY_AUTH_TOKEN=")]
    assert len(token) == 1 and len(token[0].split("=", 1)[1]) == 64
    assert "AUTH_TOKEN" not in (dest / "etc/systemd/system/climpy-hub.service").read_text()


def test_second_install_keeps_the_operators_settings(installed, tmp_path):
    dest, _ = installed
    env = dest / "etc/climpy-hub/env"
    env.write_text("CLIMPY_HUB_AUTH=ldap\n")
    cmd = ["bash", str(ROOT / "scripts" / "hub.sh"), "--install-service", "--root", str(dest)]
    subprocess.run(cmd, capture_output=True, check=True)
    assert env.read_text() == "CLIMPY_HUB_AUTH=ldap\n"


def test_systemd_analyze_verifies_the_unit(installed):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (apt-get install -y systemd)")
    dest, _ = installed
    unit = dest / "etc/systemd/system/climpy-hub.service"
    proc = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "climpy-hub.service" not in proc.stderr, proc.stderr  # no warning about our unit
    # The check has teeth: a unit whose command does not exist fails it.
    bad = unit.with_name("climpy-hub-bad.service")
    bad.write_text(unit.read_text().replace(f"{ROOT}/.venv/bin/jupyterhub", "/nonexistent/jupyterhub"))
    proc = subprocess.run(["systemd-analyze", "verify", str(bad)], capture_output=True, text=True)
    assert proc.returncode != 0 and "/nonexistent/jupyterhub is not executable" in proc.stderr


def test_logrotate_accepts_the_rotation_rule(installed, tmp_path):
    if not shutil.which("logrotate"):
        pytest.skip("logrotate is not installed (apt-get install -y logrotate)")
    dest, _ = installed
    conf = dest / "etc/logrotate.d/climpy-hub"
    proc = subprocess.run(
        ["logrotate", "--debug", "--state", str(tmp_path / "state"), str(conf)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "rotating pattern: /var/log/climpy-hub/*.log  weekly (8 rotations)" in proc.stderr
    assert "log files >= 104857600 are rotated earlier" in proc.stderr
