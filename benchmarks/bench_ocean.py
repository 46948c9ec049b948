"""Benchmark the ocean connectivity functions on the 0.1 degree sample and on ORCA2.

Usage: ``.venv/bin/python benchmarks/bench_ocean.py [--quick] [--resolution DEG]``

Prints one row per function: wall time, CPU time, the ratio of the wall time to a baseline
measured in the same process (``scipy.ndimage.label`` of the same ocean mask: the unavoidable
bulk of any connectivity work) and the peak memory traced by ``tracemalloc`` during a second call
(numpy allocations included). ``cpu s`` is the process CPU time, the figure to compare on a
shared machine (``wall s`` includes the time spent waiting for a core). ``--quick`` uses the
0.5 degree sample.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np
import xarray as xr
from scipy import ndimage


def _sample(resolution: float) -> xr.Dataset:
    try:
        from climpy.sample import paleogeography
    except ImportError:  # the sample module is not there: smoothed noise with the same shape
        rng = np.random.default_rng(0)
        ny, nx = int(round(180 / resolution)), int(round(360 / resolution))
        z = ndimage.gaussian_filter(rng.standard_normal((ny, nx)), 8, mode=("nearest", "wrap"))
        from climpy.testing import topography_dataset

        return topography_dataset(3000 * z / z.std() - 1000)
    return paleogeography(resolution=resolution)


def _measure(func, *args, **kwargs) -> tuple[float, float, float]:
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    func(*args, **kwargs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    func(*args, **kwargs)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return wall, cpu, peak


def _rows(label: str, ds: xr.Dataset, cases) -> list[tuple]:
    from climpy.fields import ocean_mask
    from climpy.grid import Grid

    mask = ocean_mask(ds)
    g = Grid.from_dataset(ds)
    base_wall, base_cpu, base_peak = _measure(ndimage.label, mask)
    rows = [(label, "baseline: scipy.ndimage.label", mask.size, base_wall, base_cpu, 1.0, base_peak)]
    for name, func in cases:
        wall, cpu, peak = _measure(func, ds)
        rows.append((label, name, mask.size, wall, cpu, wall / base_wall, peak))
    del g
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="0.5 degree sample instead of 0.1 degree")
    parser.add_argument("--resolution", type=float, help="sample resolution in degrees (overrides --quick)")
    args = parser.parse_args()
    res = args.resolution or (0.5 if args.quick else 0.1)

    from climpy.checks import run_checks
    from climpy.internal_oceans import (
        fill_internal_oceans,
        internal_oceans,
        open_internal_oceans,
        pole_problems,
    )
    from climpy.passages import close_passages, passages, widen_passages
    from climpy.subbasins import subbasins

    # compile / load the numba kernels outside the timings
    warm = _sample(5.0)
    for f in (internal_oceans, passages, subbasins, widen_passages):
        f(warm)

    t0 = time.perf_counter()
    ds = _sample(res)
    print(f"sample {res} degree: {ds.topo.shape} built in {time.perf_counter() - t0:.1f} s")
    cases = [
        ("internal_oceans", internal_oceans),
        ("fill_internal_oceans (all)", fill_internal_oceans),
        ("open_internal_oceans (10 cells)", lambda d: open_internal_oceans(d, [(5, i) for i in range(10)])),
        ("pole_problems", pole_problems),
        ("passages", passages),
        ("widen_passages (all)", widen_passages),
        ("close_passages (all)", close_passages),
        ("subbasins", subbasins),
        ("run_checks (topography)", lambda d: run_checks(topo=d)),
    ]
    rows = _rows(f"sample {res}deg", ds, cases)

    root = Path(os.environ.get("CLIMPY_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
    shared = root / "data" / "curvilinear.nc"
    if shared.exists():
        orca = xr.open_dataset(shared).load()
        orca_cases = [c for c in cases if c[0] != "run_checks (topography)"]
        orca_cases.append(("run_checks (bathymetry)", lambda d: run_checks(bathy=d)))
        rows += _rows("ORCA2 curvilinear.nc", orca, orca_cases)

    print("cpu s: process CPU time (comparable on a loaded machine); ratio: wall / baseline wall")
    head = ("grid", "function", "cells", "wall s", "cpu s", "ratio", "peak MB")
    widths = (22, 32, 10, 8, 8, 8, 9)
    print("  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths))))
    for r in rows:
        cells = [r[0], r[1], f"{r[2]:d}", f"{r[3]:.3f}", f"{r[4]:.3f}", f"{r[5]:.1f}", f"{r[6]:.0f}"]
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))))


if __name__ == "__main__":
    main()
