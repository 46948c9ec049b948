"""Wall time of each curated notebook under papermill with its default parameters (the 1 degree sample).

Usage::

    .venv/bin/python benchmarks/bench_notebooks.py            # every notebook
    .venv/bin/python benchmarks/bench_notebooks.py --quick    # three representative ones
    .venv/bin/python benchmarks/bench_notebooks.py 03_routing 07_heatflow

Each notebook runs in its own scratch copy of ``notebooks/`` (next to a copy of ``pipeline.yaml``), one at a
time, in a fresh kernel, as ``climpy run`` and nbval run them. The baseline is a bare papermill call of a
notebook holding only a ``parameters`` cell, measured in the same process: the fixed cost of a kernel start.
The ratio column is notebook time / baseline. Target: every notebook under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
QUICK = ["00_start_here", "03_routing", "07_heatflow"]
LIMIT_S = 60.0


def run(nb: Path, work: Path) -> float:
    t0 = time.perf_counter()
    pm.execute_notebook(
        str(nb), str(work / f"out_{nb.name}"), cwd=str(work), kernel_name="python3", progress_bar=False
    )
    return time.perf_counter() - t0


def baseline(tmp: Path) -> float:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('x = "sample:1.0"')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(x)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp / "bare.ipynb"
    nbformat.write(nb, path)
    return run(path, tmp)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    args = ap.parse_args(argv)
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.names:
        paths = [p for p in paths if p.stem in args.names]
    elif args.quick:
        paths = [p for p in paths if p.stem in QUICK]

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = baseline(tmp)
        rows.append(("bare papermill (baseline)", base, "ok"))
        for nb in paths:
            work = tmp / nb.stem / "notebooks"
            work.mkdir(parents=True)
            shutil.copy(ROOT / "pipeline.yaml", work.parent / "pipeline.yaml")
            # notebooks that run the engine need the other notebooks next to them
            shutil.copytree(NOTEBOOKS, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.nc"))
            try:
                secs, status = run(work / nb.name, work), "ok"
            except Exception as err:  # a benchmark reports failures and carries on
                secs, status = float("nan"), f"FAILED: {type(err).__name__}"
            rows.append((nb.stem, secs, status))
            print(f"  {nb.stem}: {secs:.1f} s {status}", file=sys.stderr, flush=True)

    print(f"{'notebook':28s} {'seconds':>8s} {'ratio':>6s}  {'< 60 s':6s} status")
    for name, secs, status in rows:
        ok = "yes" if secs < LIMIT_S else "NO"
        print(f"{name:28s} {secs:8.1f} {secs / base:6.2f}  {ok:6s} {status}")
    total = sum(s for _, s, _ in rows[1:] if s == s)
    print(f"{'total (notebooks)':28s} {total:8.1f}")
    return 0 if all(st == "ok" and s < LIMIT_S for _, s, st in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
