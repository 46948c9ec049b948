"""Benchmark: heat flow, ahmcoef, PFT, regridding and coupling weights, with peak memory.

Usage::

    .venv/bin/python benchmarks/bench_products.py            # 1 and 0.1 degree sample, ORCA2 weights
    .venv/bin/python benchmarks/bench_products.py --quick    # 1 degree only, ORCA2 weights

Every case runs in a fresh child process. "peak MB" is the tracemalloc allocation peak of one
warm call (outputs included). The sample map is ``climpy.sample.paleogeography`` (0.1 degree =
1800 x 3600 = 6.5 million cells); heat flow and ahmcoef treat it as an ocean grid
(dims y, x, 2-D nav_lat/nav_lon, depth = -topo). Each case is timed warm (numba caches loaded by
a first call). The baseline is measured in the same child process:

* heatflow, ahmcoef, pft: a deep copy of the input Dataset (touching every cell once);
* regrid: ``xarray.Dataset.interp`` (linear, the legacy app's regridding) to the same grid;
* weights (ORCA2 182x149 <-> LMDZ 96x95): CDO ``gencon`` on the same grids when ``cdo`` is
  installed, else a deep copy of the grid.

The ratio column is our time / baseline time. Targets: every product on 6.5 M cells in seconds;
ORCA2 <-> 96x95 weights (both directions) under 10 s.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("CLIMPY_SHARED", ROOT.parent / "shared")) / "data"


def _rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_now_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _timed(fn, repeats: int) -> float:
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def _ocean_grid(lat, lon, z):
    import xarray as xr

    lon2, lat2 = np.meshgrid(lon, lat)
    return xr.Dataset(
        {"Bathymetry": (("y", "x"), np.clip(-z, 0, None))},
        coords={"nav_lat": (("y", "x"), lat2), "nav_lon": (("y", "x"), lon2)},
    )


def child(case: str, path: str, repeats: int) -> dict:
    import xarray as xr

    data = np.load(path)
    lat, lon, z = data["lat"], data["lon"], data["z"]
    topo = xr.Dataset({"topo": (("lat", "lon"), z)}, coords={"lat": lat, "lon": lon})
    if case == "heatflow":
        from climpy.heatflow import heatflow

        ds = _ocean_grid(lat, lon, z)
        run, base = (lambda: heatflow(ds)), (lambda: ds.copy(deep=True))
        base_name = "deep copy"
    elif case == "ahmcoef":
        from climpy.ahmcoef import ahmcoef

        ds = _ocean_grid(lat, lon, z)
        run, base = (lambda: ahmcoef(ds)), (lambda: ds.copy(deep=True))
        base_name = "deep copy"
    elif case == "pft":
        from climpy.pft import pft

        run, base = (lambda: pft(topo)), (lambda: topo.copy(deep=True))
        base_name = "deep copy"
    elif case.startswith("regrid"):
        from climpy.regrid import regrid, target_grid

        method = case.split("-")[1]
        tgt = target_grid(lon_step=1.0)
        run = lambda: regrid(topo, tgt, method=method)  # noqa: E731
        base = lambda: topo.interp(lat=tgt["lat"], lon=tgt["lon"], method="linear")  # noqa: E731
        base_name = "xarray interp"
    elif case == "weights":
        from climpy.weights import coupling_weights

        grid = xr.open_dataset(SHARED / "paleorca2_40Ma_grid.nc").load()
        bathy = xr.open_dataset(SHARED / "curvilinear.nc").load()
        mask = bathy["Bathymetry"].values > 0
        run = lambda: coupling_weights(grid, ocean_mask=mask)  # noqa: E731
        base, base_name = _cdo_baseline(grid), "cdo gencon o2a+a2o"
        if base is None:
            base, base_name = (lambda: grid.copy(deep=True)), "deep copy"
    else:
        raise SystemExit(f"unknown case {case}")
    gc.collect()
    rss0 = _rss_now_mb()
    t = time.perf_counter()
    run()
    first = time.perf_counter() - t
    rss_peak = _rss_peak_mb() - rss0
    warm = _timed(run, repeats)
    # allocation peak of one warm call (numpy registers its buffers with tracemalloc)
    gc.collect()
    tracemalloc.start()
    run()
    alloc_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    b = _timed(base, repeats)
    return {
        "cells": int(z.size) if case != "weights" else 182 * 149,
        "first_s": first,
        "warm_s": warm,
        "base_s": b,
        "base": base_name,
        "peak_mb": alloc_peak,
        "rss_peak_mb": rss_peak,
    }


def _cdo_baseline(grid):
    if shutil.which("cdo") is None:
        return None
    import xarray as xr

    from climpy.weights import _ocean_corners, atmosphere_grid

    tmp = Path(tempfile.mkdtemp(prefix="bench_cdo_"))
    lat, lon, clat, clon = _ocean_corners(grid)
    fin = np.isfinite(clat).all(-1) & np.isfinite(clon).all(-1)
    clat = np.where(fin[..., None], clat, lat[..., None])
    clon = np.where(fin[..., None], clon, lon[..., None])
    mask = fin.copy()
    mask[:, [0, -1]] = False
    mask[-1] = False
    xr.Dataset(
        {"f": (("y", "x"), np.where(mask, 1.0, np.nan), {"coordinates": "lat lon"})},
        coords={
            "lat": (("y", "x"), lat, {"units": "degrees_north", "bounds": "lat_bnds"}),
            "lon": (("y", "x"), lon, {"units": "degrees_east", "bounds": "lon_bnds"}),
            "lat_bnds": (("y", "x", "nv"), clat),
            "lon_bnds": (("y", "x", "nv"), clon),
        },
    ).to_netcdf(tmp / "orca.nc", encoding={"f": {"_FillValue": 1e20}})
    a = atmosphere_grid()
    (tmp / "atm.txt").write_text(
        "\n".join(
            [
                "gridtype = lonlat",
                "xsize = 96",
                "ysize = 95",
                "xvals = " + " ".join(map(repr, a["lon"].values.tolist())),
                "xbounds = " + " ".join(map(repr, a["lon_bnds"].values.ravel().tolist())),
                "yvals = " + " ".join(map(repr, a["lat"].values.tolist())),
                "ybounds = " + " ".join(map(repr, a["lat_bnds"].values[:, ::-1].ravel().tolist())),
            ]
        )
        + "\n"
    )
    subprocess.run(["cdo", "-s", "-f", "nc", "const,1,atm.txt", "atm.nc"], cwd=tmp, check=True)
    env = {**os.environ, "CDO_REMAP_NORM": "destarea"}

    def run():
        subprocess.run(["cdo", "-s", "gencon,atm.txt", "orca.nc", "o2a.nc"], cwd=tmp, env=env, check=True)
        subprocess.run(["cdo", "-s", "gencon,orca.nc", "atm.nc", "a2o.nc"], cwd=tmp, env=env, check=True)

    return run


def _sample(res: float):
    from climpy.sample import paleogeography

    ds = paleogeography(resolution=res, seed=0)
    return ds["lat"].values, ds["lon"].values, ds["topo"].values.astype(np.float64)


CASES = ["heatflow", "ahmcoef", "pft", "regrid-conservative", "regrid-bilinear", "regrid-nearest"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 degree only, one warm repeat")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.repeats)))
        return
    resolutions = [1.0] if args.quick else [1.0, 0.1]
    repeats = 1 if args.quick else 3
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for res in resolutions:
            lat, lon, z = _sample(res)
            path = os.path.join(tmp, f"map_{res}.npz")
            np.savez(path, lat=lat, lon=lon, z=z)
            jobs += [(case, f"{res:g} deg", path) for case in CASES]
        if (SHARED / "paleorca2_40Ma_grid.nc").exists():
            jobs.append(("weights", "ORCA2<->96x95", path))
        for case, label, path in jobs:
            cmd = [sys.executable, __file__, "--child", case, path, "--repeats", str(repeats)]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                rows.append((case, label, None, proc.stderr.strip().splitlines()[-1:]))
                continue
            rows.append((case, label, json.loads(proc.stdout.strip().splitlines()[-1]), None))
    head = (
        f"{'case':<22}{'grid':<16}{'cells':>10}{'first s':>9}{'warm s':>9}{'peak MB':>9}  "
        f"{'baseline':<20}{'base s':>8}{'ratio':>8}"
    )
    print(head)
    print("-" * len(head))
    for case, label, r, err in rows:
        if r is None:
            print(f"{case:<22}{label:<16} FAILED: {err}")
            continue
        ratio = r["warm_s"] / r["base_s"] if r["base_s"] > 0 else float("nan")
        print(
            f"{case:<22}{label:<16}{r['cells']:>10}{r['first_s']:>9.3f}{r['warm_s']:>9.3f}"
            f"{r['peak_mb']:>9.0f}  "
            f"{r['base']:<20}{r['base_s']:>8.3f}{ratio:>8.2f}"
        )
    print("ratio = our warm time / baseline time in the same process")
    print("peak MB = allocation peak of one warm call (tracemalloc: numpy buffers, outputs included)")


if __name__ == "__main__":
    main()
