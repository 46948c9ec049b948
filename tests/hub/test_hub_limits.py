"""Per-student memory and CPU limits on a real hub: cgroups made by the spawner, enforced by the kernel."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import requests
from hubharness import LiveHub, run_in_kernel

pytestmark = [pytest.mark.hub, pytest.mark.slow]

PASSWORD = "paleo-limits-workshop"
LIMIT_MB = 700  # an idle server with a kernel takes about 250 MB


@pytest.fixture(scope="module")
def limited_hub(hub_ready, course_notebooks):
    workdir = Path(tempfile.mkdtemp(prefix="climpy-hub-test-"))
    hub = LiveHub(
        workdir,
        auth="shared-password",
        CLIMPY_HUB_SHARED_PASSWORD=PASSWORD,
        CLIMPY_HUB_MEM_LIMIT=f"{LIMIT_MB}M",
        CLIMPY_HUB_CPU_LIMIT="0.5",
    )
    try:
        hub.prepare(course_notebooks)
        hub.start()
        yield hub
    finally:
        hub.close()
        shutil.rmtree(workdir, ignore_errors=True)


def test_allocation_past_the_memory_limit_is_killed_and_the_hub_stays_up(limited_hub):
    s, r = limited_hub.login("fay", PASSWORD, follow=True)
    assert limited_hub.logged_in(s), r.text[:300]
    token = limited_hub.user_token(s, "fay")
    limited_hub.wait_server("fay", token)
    if "cgroups not writable" in limited_hub.log_path.read_text():
        pytest.skip("cgroups are not writable here: only RLIMIT_AS applies")
    [server] = limited_hub.server_processes("fay")
    cgroups = Path(f"/proc/{server.pid}/cgroup").read_text()
    assert f"climpy-hub/{limited_hub.unix_name('fay')}" in cgroups, cgroups
    name = limited_hub.unix_name("fay")
    v1_quota = Path(f"/sys/fs/cgroup/cpu/climpy-hub/{name}/cpu.cfs_quota_us")
    v2_max = Path(f"/sys/fs/cgroup/climpy-hub/{name}/cpu.max")
    quota = v1_quota.read_text().strip() if v1_quota.exists() else v2_max.read_text().split()[0]
    assert quota == "50000"  # 0.5 core of each 100 ms period
    code = """
import subprocess, sys
grow = "b = []\\nfor i in range(40):\\n    b.append(bytearray(100 * 2**20))\\n"
grow += "    print((i + 1) * 100, flush=True)"
p = subprocess.run([sys.executable, "-c", grow], capture_output=True, text=True)
print("rc", p.returncode, "reached", (p.stdout.split() or ["0"])[-1])
"""
    out = run_in_kernel(f"{limited_hub.url}/user/fay", token, code, timeout=120)
    assert out["error"] is None, out
    words = out["stdout"].split()
    rc, reached = int(words[1]), int(words[3])
    assert rc == -9 and reached < LIMIT_MB, out  # killed by the kernel before it got past the limit
    # The hub and the student's server are still there.
    assert requests.get(f"{limited_hub.url}/hub/api/", timeout=10).ok
    assert limited_hub.api("GET", "/hub/api/users/fay", token).json()["servers"][""]["ready"]
