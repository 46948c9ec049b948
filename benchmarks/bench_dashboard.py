"""Time the pipeline dashboard on a project with 200 recorded runs: load, and the CPU of polling.

Usage: .venv/bin/python benchmarks/bench_dashboard.py [--quick] [--no-browser] [--runs N] [--seconds S]

Targets (issue 14): the dashboard of a project with 200 recorded runs loads in under 2 s; polling
costs under 5 % of one core.

The project is real: a 3-step pipeline of the tiny test notebooks run once with kernels, then
N - 1 more real (no-op) runs that record their rows like any ``climpy run``. Baselines, measured
in the same process: the dashboard of the same pipeline with no run recorded, and a bare Panel
page (one Markdown pane). Rows:

* ``build``: ``Dashboard(project)`` plus its Bokeh models (``get_root``), what each browser
  session costs the server;
* ``page``: a served page in headless Chromium, from request until the DAG is drawn;
* ``CPU idle`` / ``CPU during a run``: CPU seconds of the *server process* (psutil) per wall
  second over ``--seconds`` with one browser session polling every second; during a run another
  process runs the pipeline (its CPU is not counted).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "pipeline"))

STEPS = {
    "a": {
        "notebook": "add.ipynb",
        "parameters": {"sleep": 0.0},
        "inputs": {"in_path": "inputs.x"},
        "outputs": {"out_path": "a.txt"},
    },
    "b": {"notebook": "add.ipynb", "inputs": {"in_path": "a.out_path"}, "outputs": {"out_path": "b.txt"}},
    "n": {"notebook": "netcdf.ipynb", "inputs": {"in_path": "a.out_path"}, "outputs": {"out_path": "n.nc"}},
}


def _project(folder: Path, runs: int) -> Path:
    from pipeline_helpers import write_pipeline

    from climpy.pipeline import run_pipeline

    folder.mkdir(parents=True)
    (folder / "in.txt").write_text("1")
    pipe = write_pipeline(folder, STEPS, {"x": "in.txt"})
    for _ in range(runs):
        assert run_pipeline(pipe, project=folder).exit_code == 0
    return folder


def _build(project: Path, repeat: int) -> float:
    from climpy.dashboard import Dashboard

    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        d = Dashboard(project)
        d.__panel__().get_root()
        best = min(best, time.perf_counter() - t)
        d.stop()
        d.state.close()
    return best


def _bare(repeat: int) -> float:
    import panel as pn

    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        pn.Column(pn.pane.Markdown("# bare page")).get_root()
        best = min(best, time.perf_counter() - t)
    return best


def _served(cmd: list[str], cwd: Path, pattern: str, seconds: float, selector: str, during=None):
    """Page load (request -> ``selector`` visible) and the server's CPU share over ``seconds``."""
    import psutil

    from tests.editors.browser import Server, offline_browser

    server = Server(cmd, cwd=cwd, pattern=pattern, timeout=120)
    try:
        url = server.match.group(1)
        proc = psutil.Process(server.proc.pid)
        with offline_browser() as (new_page, _blocked):
            page = new_page()
            page.goto(url)  # a first session warms the server (imports on first use)
            page.locator(selector).first.wait_for(timeout=60000)
            page.close()
            page = new_page()
            t0 = time.monotonic()
            page.goto(url)
            page.locator(selector).first.wait_for(timeout=60000)
            load = time.monotonic() - t0
            page.wait_for_timeout(2000)  # let the session settle
            shares = []
            for run in ([None] if during is None else [None, during]):
                if run is not None:
                    started = run()
                c0, w0 = sum(proc.cpu_times()[:2]), time.monotonic()
                page.wait_for_timeout(seconds * 1000)
                shares.append((sum(proc.cpu_times()[:2]) - c0) / (time.monotonic() - w0))
                if run is not None:
                    started.wait(300)
        return load, shares
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repeat, 10 s CPU windows")
    ap.add_argument("--no-browser", action="store_true", help="only the in-process build times")
    ap.add_argument("--runs", type=int, default=200, help="recorded runs in the project")
    ap.add_argument("--seconds", type=float, default=None, help="length of each CPU window")
    args = ap.parse_args()
    repeat = 1 if args.quick else 3
    seconds = args.seconds or (10.0 if args.quick else 20.0)
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / "build" / "numba-cache"))

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        big = _project(Path(tmp) / "runs", args.runs)
        t_make = time.perf_counter() - t
        empty = _project(Path(tmp) / "empty", 0)
        rows = [
            ("build, bare Panel page", _bare(repeat), None),
            ("build, no run recorded", _build(empty, repeat), None),
            (f"build, {args.runs} runs recorded", _build(big, repeat), 2.0),
        ]
        cpu = []
        if not args.no_browser and Path("/usr/bin/chromium").exists():
            from tests.editors.browser import VENV_BIN

            bare = Path(tmp) / "bare.py"
            bare.write_text("import panel as pn\npn.pane.Markdown('# bare page').servable()\n")
            from climpy.editors.app import free_port

            port = free_port()
            load_b, (cpu_b,) = _served(
                [str(VENV_BIN / "panel"), "serve", str(bare), f"--port={port}", "--address=127.0.0.1",
                 f"--allow-websocket-origin=127.0.0.1:{port}"],
                Path(tmp), r"Bokeh app running at: (http://\S+)", seconds, "h1",
            )
            dash = [str(VENV_BIN / "climpy"), "dashboard", "--project"]
            pat = r"climpy dashboard: serving .* at (http://\S+)"
            load_e, (cpu_e,) = _served([*dash, str(empty)], empty, pat, seconds, "g[data-node]")

            def during():  # a run of `seconds` + 10 s from another process (a's sleep changes its key)
                return subprocess.Popen(
                    [str(VENV_BIN / "climpy"), "-q", "run", str(big / "pipeline.yaml"), "--project", str(big),
                     "--set", f"a.sleep={seconds + 10}"],
                    cwd=big, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )

            load_r, (cpu_r, cpu_run) = _served([*dash, str(big)], big, pat, seconds, "g[data-node]", during)
            rows += [
                ("page, bare Panel page", load_b, None),
                ("page, no run recorded", load_e, None),
                (f"page, {args.runs} runs recorded", load_r, 2.0),
            ]
            cpu = [
                ("CPU idle, bare Panel page", cpu_b, None),
                ("CPU idle, no run recorded", cpu_e, None),
                (f"CPU idle, {args.runs} runs recorded", cpu_r, 0.05),
                (f"CPU during a run, {args.runs} runs", cpu_run, 0.05),
            ]

    base = rows[0][1]
    print(f"dashboard benchmark: {args.runs} recorded runs (made in {t_make:.0f} s), best of {repeat}; "
          f"CPU windows {seconds:g} s; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"{'what':<34}{'seconds':>10}{'target':>9}{'ratio to bare':>15}")
    for what, t, target in rows:
        if what.startswith("page") and rows[3:]:
            base = rows[3][1]
        print(f"{what:<34}{t:>10.3f}{(f'{target:g}' if target else '-'):>9}{t / base:>15.1f}")
    if cpu:
        print(f"{'what':<34}{'% core':>10}{'target':>9}{'minus bare':>15}")
        for what, share, target in cpu:
            tgt = f"{100 * target:g}" if target else "-"
            print(f"{what:<34}{100 * share:>10.2f}{tgt:>9}{100 * (share - cpu[0][1]):>15.2f}")


if __name__ == "__main__":
    main()
