"""Class hub figures: start, spawn and login times, memory per student, how many students fit.

Runs a real hub (jupyterhub_config.py, npm configurable-http-proxy, Unix users created and deleted)
on loopback, as root. The baseline, measured in the same process, is a bare ``jupyter server`` of
the students' environment (no hub, no proxy): its start time and its memory.

    .venv/bin/python benchmarks/bench_hub.py [--quick]

``--quick``: 2 concurrent students instead of 4. Prints a plain-text table.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hub"))

from hubharness import (  # noqa: E402
    PASSWORD,
    STUDENT_ENV,
    LiveHub,
    browser_login,
    build_student_env,
    run_in_kernel,
    skip_reason,
)

MB = 1024 * 1024
CLIMPY_KERNEL = "import climpy, climpy.sample, xarray, panel, hvplot.xarray\nprint('ok')\n"


def tree_memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB of a process and its descendants (PSS shares libraries fairly)."""
    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    rss = pss = 0.0
    for p in procs:
        try:
            info = p.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except psutil.NoSuchProcess:
            pass
    return rss / MB, pss / MB


def bare_server() -> tuple[float, float, float]:
    """Baseline: start a bare jupyter server of the students' env; (seconds to /api, RSS MB, PSS MB)."""
    port = int(
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])",
            ],
            capture_output=True,
            text=True,
        ).stdout
    )
    token = secrets.token_hex(16)
    work = Path(tempfile.mkdtemp(prefix="bench-hub-bare-"))
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            str(STUDENT_ENV / "bin" / "jupyter-server"),
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            "--allow-root",
            f"--ServerApp.root_dir={work}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "PATH": f"{STUDENT_ENV / 'bin'}:/usr/bin:/bin", "HOME": str(work)},
    )
    try:
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        seconds = time.perf_counter() - t0
        time.sleep(3)
        rss, pss = tree_memory(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    return seconds, rss, pss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 concurrent students instead of 4")
    args = parser.parse_args()
    reason = skip_reason()
    if reason:
        print(f"bench_hub: skipped: {reason}")
        return
    n_students = 2 if args.quick else 4
    env_seconds = build_student_env()

    base_s, base_rss, base_pss = bare_server()
    rows = [("bare jupyter server start (baseline)", base_s, "s", base_s)]

    work = Path(tempfile.mkdtemp(prefix="bench-hub-"))
    hub = LiveHub(work)
    try:
        hub.prepare(ROOT / "notebooks")
        rows.append(("hub start to API ready", hub.start(), "s", base_s))
        hub.signup("teacher")
        s, _ = hub.login("teacher")
        admin = hub.user_token(s, "teacher")
        names = [f"s{i}" for i in range(n_students)]
        for name in names + ["browser"]:
            hub.signup(name)
            hub.api("PUT", f"/hub/api/authorizations/{name}", admin).raise_for_status()
        sessions = {name: hub.login(name)[0] for name in names}  # the hub knows a user once logged in

        # One student alone: spawn (first: creates the Unix user and copies the notebooks), then again.
        first = hub.start_server(names[0], admin)
        hub.stop_server(names[0], admin)
        again = hub.start_server(names[0], admin)
        rows.append(("spawn to ready, first (useradd + content)", first, "s", base_s))
        rows.append(("spawn to ready, again", again, "s", base_s))

        # Memory of an idle student server, then with a kernel that imported climpy and Panel.
        time.sleep(5)
        server = hub.server_processes(names[0])[0]
        idle_rss, idle_pss = tree_memory(server.pid)
        tok = hub.user_token(sessions[names[0]], names[0])
        out = run_in_kernel(
            f"{hub.url}/user/{names[0]}",
            tok,
            CLIMPY_KERNEL,
            timeout=300,
            on_done=lambda: tree_memory(server.pid),
        )
        kern_rss, kern_pss = out["on_done"]
        rows.append(("idle student server RSS", idle_rss, "MB", base_rss))
        rows.append(("idle student server PSS", idle_pss, "MB", base_pss))
        rows.append(("server + climpy/Panel kernel PSS", kern_pss, "MB", base_pss))

        # Concurrent spawns (the rest of the class logs in at once).
        t0 = time.perf_counter()
        with ThreadPoolExecutor(len(names) - 1 or 1) as pool:
            list(pool.map(lambda n: hub.start_server(n, admin), names[1:]))
        conc = time.perf_counter() - t0
        rows.append((f"{len(names) - 1} concurrent spawns, all ready", conc, "s", base_s))

        # The browser: login form -> JupyterLab with the start notebook rendered.
        if Path("/usr/bin/chromium").exists():
            res = browser_login(hub, "browser", PASSWORD)
            rows.append(("login click to first rendered notebook", res["seconds"], "s", base_s))

        total = psutil.virtual_memory().total / MB
        usable = 0.8 * total  # leave 20 % to the OS, the hub and the page cache
        rows.append(("students that fit, idle servers (80 % RAM)", usable / idle_pss, "", None))
        rows.append(("students that fit, each with a kernel", usable / kern_pss, "", None))
    finally:
        hub.close()
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"bench_hub: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB RAM, "
        f"load {os.getloadavg()[0]:.1f}; students' env refresh {env_seconds:.1f} s"
    )
    print(f"{'figure':46s} {'value':>10s} {'unit':>5s} {'ratio':>8s}")
    for name, value, unit, base in rows:
        ratio = f"{value / base:8.2f}" if base else f"{'':>8s}"
        print(f"{name:46s} {value:10.1f} {unit:>5s} {ratio}")
    print("ratio: against the bare jupyter server (start seconds, or its memory for memory rows)")


if __name__ == "__main__":
    main()
