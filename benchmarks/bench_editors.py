"""Time the editors on the 0.25 degree sample (1 million cells): apply, undo, replay, first render.

Usage: .venv/bin/python benchmarks/bench_editors.py [--quick] [--no-browser]

Targets (issue 5): apply of a box selection < 100 ms server-side, undo < 100 ms, first render of
the served app < 3 s after the page is requested.

The baseline, measured in the same process, is one full copy of the grid's float64 array
(``values.copy()``): what a snapshot-based undo would pay per operation. The ratio column says
how many such copies each step costs. ``--quick`` uses the 1 degree sample and one repeat.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _best(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _first_render(path: Path, out: Path) -> list[tuple[float, float]]:
    """Seconds from page request to page loaded and to map drawn, for a first and a second session."""
    from tests.editors.browser import VENV_BIN, Server, canvases, offline_browser

    server = Server([str(VENV_BIN / "climpy"), "edit", str(path), "-o", str(out)], cwd=path.parent,
                    pattern=r"at (http://\S+)", timeout=180)
    times = []
    try:
        url = server.match.group(1)
        with offline_browser() as (new_page, _blocked):
            for _ in range(2):
                page = new_page()
                t0 = time.monotonic()
                page.goto(url)  # returns on the load event: server document built, BokehJS parsed
                loaded = time.monotonic() - t0
                while not canvases(page) and time.monotonic() - t0 < 60:
                    page.wait_for_timeout(50)
                times.append((loaded, time.monotonic() - t0))
                page.close()
    finally:
        server.stop()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 degree sample, one repeat")
    ap.add_argument("--no-browser", action="store_true", help="skip the served-app render timing")
    args = ap.parse_args()

    from climpy.editors.state import EditorState
    from climpy.edits import apply_edits
    from climpy.sample import paleogeography

    res = 1.0 if args.quick else 0.25
    repeat = 1 if args.quick else 5
    ds = paleogeography(res)
    s = EditorState(ds)
    n = s.values.size
    base = _best(lambda: s.values.copy(), repeat)

    rows = []

    def row(what, cells, t, target=None):
        rows.append((what, cells, t, target))

    # box selection of 20 x 30 degrees, then apply (selection and apply timed apart and together)
    t_sel = _best(lambda: s.select_box(-10, -10, 20, 10), repeat)
    cells = s.n_selected
    s.operation, s.value = "add", 100.0

    def apply_undo():
        s.apply()
        s.undo()

    # apply and undo alternate so every apply starts from the same state
    t_apply = t_undo = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        s.apply()
        t_apply = min(t_apply, time.perf_counter() - t)
        t = time.perf_counter()
        s.undo()
        t_undo = min(t_undo, time.perf_counter() - t)
    row("select box (20x30 deg)", cells, t_sel)
    row("apply add on the box", cells, t_apply, 0.100)
    row("undo", cells, t_undo, 0.100)
    t_redo = _best(lambda: (s.redo(), s.undo()), repeat)
    row("redo + undo", cells, t_redo)
    s.select_box(-180, -90, 180, 90)
    t_big = _best(lambda: (s.apply(), s.undo()), max(1, repeat // 2))
    row("apply + undo, whole grid", n, t_big)
    s.select_lasso([-40, 40, 0], [-20, -20, 50])
    row("lasso selection", s.n_selected, _best(lambda: s.select_lasso([-40, 40, 0], [-20, -20, 50]), repeat))
    s.apply()
    s.select_box(0, 0, 60, 60)
    s.apply()
    ef = s.edit_file()
    t_replay = _best(lambda: apply_edits(ds, ef), repeat)
    row(f"replay edit file ({len(ef.operations)} ops)", ef.n_cells, t_replay)

    render = None
    if not args.no_browser and Path("/usr/bin/chromium").exists():
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "sample.nc"
            ds.to_netcdf(src)
            render = _first_render(src, Path(tmp) / "out.nc")

    print(f"editors benchmark: {res:g} degree sample, {n:,} cells, best of {repeat}; "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"{'what':<34}{'cells':>11}{'time ms':>10}{'target ms':>11}{'baseline ms':>13}{'ratio':>8}")
    for what, c, t, target in rows:
        tgt = f"{1e3 * target:.0f}" if target else "-"
        print(f"{what:<34}{c:>11,}{1e3 * t:>10.2f}{tgt:>11}{1e3 * base:>13.2f}{t / base:>8.2f}")
    if render is not None:
        for k, (loaded, drawn) in enumerate(render):
            for what, t, target in ((f"page loaded, session {k + 1}", loaded, "-"),
                                    (f"map drawn, session {k + 1}", drawn, "3000")):
                print(f"{what:<34}{n:>11,}{1e3 * t:>10.0f}{target:>11}{1e3 * base:>13.2f}{t / base:>8.0f}")


if __name__ == "__main__":
    main()
