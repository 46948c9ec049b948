"""The dashboard behind jupyter-server-proxy in a real Jupyter server, as each student's server on the hub.

The entry point (``pyproject.toml``: ``jupyter_serverproxy_servers``) is found by the installed
jupyter-server-proxy; the server's root folder is laid out as a student's home on the class hub (the
course clone in ``climpy/``), so the dashboard finds ``climpy/pipeline.yaml`` there.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from climpy.deploy.proxy import find_pipeline

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_find_pipeline_prefers_the_root_then_the_course_clone(tmp_path):
    assert find_pipeline(tmp_path) is None
    (tmp_path / "climpy").mkdir()
    (tmp_path / "climpy" / "pipeline.yaml").write_text("steps: {}\n")
    assert find_pipeline(tmp_path) == tmp_path / "climpy" / "pipeline.yaml"
    (tmp_path / "pipeline.yaml").write_text("steps: {}\n")
    assert find_pipeline(tmp_path) == tmp_path / "pipeline.yaml"


def test_jupyter_server_lists_and_proxies_the_dashboard(tmp_path):
    home = tmp_path / "home"
    course = home / "climpy"
    course.mkdir(parents=True)
    shutil.copy(ROOT / "pipeline.yaml", course / "pipeline.yaml")
    (course / "notebooks").symlink_to(ROOT / "notebooks")
    token = os.urandom(16).hex()
    cmd = [
        sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", "--port=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}",
    ]  # fmt: skip
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=home, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = None
        for _ in range(600):
            m = re.search(r"(http://127\.0\.0\.1:\d+)/", log.read_text())
            if m:
                url = m.group(1)
                break
            assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(0.1)
        assert url, "the Jupyter server did not start"
        headers = {"Authorization": f"token {token}"}
        # the Launcher's list of proxied servers (what draws the tile)
        info = requests.get(f"{url}/server-proxy/servers-info", headers=headers, timeout=60).json()
        entry = next(s for s in info["server_processes"] if s["name"] == "climpy-dashboard")
        assert entry["launcher_entry"]["title"] == "climpy pipeline dashboard"
        r = requests.get(f"{url}/climpy-dashboard/", headers=headers, timeout=240)
        assert r.status_code == 200, r.text[:500] + log.read_text()[-3000:]
        assert "climpy dashboard" in r.text and "bokeh" in r.text.lower()
        # the dashboard process serves the course clone's pipeline and project
        children = psutil.Process(proc.pid).children(recursive=True)
        dash = [c.cmdline() for c in children if "dashboard" in c.cmdline()]
        assert len(dash) == 1, dash
        assert str(course / "pipeline.yaml") in dash[0]
        assert dash[0][dash[0].index("--project") + 1] == str(course / "build" / "run")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
