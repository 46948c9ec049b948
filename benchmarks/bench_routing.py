"""Benchmark: full river routing on the sample paleogeography at 1, 0.5, 0.25 and 0.1 degree.

Usage::

    .venv/bin/python benchmarks/bench_routing.py [--quick] [--resolutions 1,0.5]

Each resolution runs in a fresh child process so that its peak RSS is its own. The child loads
the map (built once by the parent and saved as .npy), then times ``climpy.routing.route``
(fill, directions, basins, accumulation, lengths, outlets and products): the first call
separately (numba cache load, or compilation on a cold cache), then warm calls. It times the
fill kernel alone, then the baseline in the same process on the same map: the original app's
fill, scikit-image morphological reconstruction (erosion) on the map tiled three times in
longitude and seeded from the padded border. The ratio column is baseline time / our time.

Targets (issue 3): 1 degree < 0.2 s; 0.1 degree (6.5 M cells) < 5 s; fill >= 4 Mcell/s;
peak memory <= 100 bytes per cell; 1e8 cells feasible in 24 GB.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


def _rss_now_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sample_map(res: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    try:
        from climpy.sample import paleogeography

        ds = paleogeography(resolution=res, seed=0)
        return ds.lat.values, ds.lon.values, ds.topo.values.astype(np.float64), "climpy.sample.paleogeography"
    except ImportError:  # the sample module is another helper's; a stand-in until it lands
        nlat, nlon = round(180 / res), round(360 / res)
        lat = -90 + res * (np.arange(nlat) + 0.5)
        lon = -180 + res * (np.arange(nlon) + 0.5)
        rng = np.random.default_rng(0)
        la, lo = np.meshgrid(np.deg2rad(lat), np.deg2rad(lon), indexing="ij")
        z = 1500 * np.cos(la) * np.sin(2 * lo) * np.cos(3 * la) - 200 + rng.normal(0, 150, la.shape)
        return lat, lon, z, "synthetic stand-in"


def _legacy_fill(z: np.ndarray) -> np.ndarray:
    """The original app's fill: reconstruction by erosion on 3 tiled copies, seeded from the border."""
    from skimage.morphology import reconstruction

    dem = np.hstack((z, z, z))
    padded = np.pad(dem, 1, "maximum")
    seed = padded.copy()
    seed[1:-1, 1:-1] = dem.max() + 1
    filled = reconstruction(seed, padded, method="erosion")[1:-1, 1:-1]
    return filled[:, z.shape[1] : 2 * z.shape[1]]


def child(path: str, repeats: int, baseline: bool) -> dict:
    import xarray as xr

    data = np.load(path)
    lat, lon, z = data["lat"], data["lon"], data["z"]
    ds = xr.Dataset({"topo": (("lat", "lon"), z)}, coords={"lat": lat, "lon": lon})
    from climpy.kernels.fill import priority_flood_numba
    from climpy.routing import route

    gc.collect()
    base_now = _rss_now_mb()
    t = time.perf_counter()
    r = route(ds)
    first = time.perf_counter() - t
    peak = _rss_peak_mb()
    nbasins = int(np.nanmax(r["basins"].values))
    del r
    gc.collect()
    warm, warm_cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        r = route(ds)
        warm.append(time.perf_counter() - t)
        warm_cpu.append(time.process_time() - c)
        del r
    ocean = (z <= 0).astype(np.uint8)
    seeds = np.zeros(0, dtype=np.int64)
    fill_t, fill_cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        priority_flood_numba(z, ocean, seeds, True, False)
        fill_t.append(time.perf_counter() - t)
        fill_cpu.append(time.process_time() - c)
    out = {
        "cells": int(z.size),
        "land": int((z > 0).sum()),
        "basins": nbasins,
        "first_s": first,
        "warm_s": float(np.median(warm)),
        "fill_s": float(np.median(fill_t)),
        "warm_cpu_s": float(np.median(warm_cpu)),
        "fill_cpu_s": float(np.median(fill_cpu)),
        "load_avg": os.getloadavg()[0],
        "rss_base_mb": base_now,
        "rss_peak_mb": max(peak, _rss_peak_mb()),
    }
    out["bytes_per_cell"] = (out["rss_peak_mb"] - base_now) * 2**20 / z.size
    if baseline:
        t, c = time.perf_counter(), time.process_time()
        _legacy_fill(z)
        out["skimage_fill_s"] = time.perf_counter() - t
        out["skimage_fill_cpu_s"] = time.process_time() - c
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 and 0.5 degree only, one warm repeat")
    ap.add_argument("--resolutions", help="comma-separated degrees (default 1,0.5,0.25,0.1)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the scikit-image baseline")
    ap.add_argument(
        "--upsample",
        type=int,
        default=1,
        help="repeat each cell K x K (e.g. 0.1 deg with K=4: 1.04e8 cells, the feasibility run)",
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeats, not args.no_baseline)))
        return
    if args.resolutions:
        res_list = [float(r) for r in args.resolutions.split(",")]
    else:
        res_list = [1.0, 0.5] if args.quick else [1.0, 0.5, 0.25, 0.1]
    repeats = 1 if args.quick else 3
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for res in res_list:
            lat, lon, z, source = _sample_map(res)
            if args.upsample > 1:
                k = args.upsample
                z = np.repeat(np.repeat(z, k, axis=0), k, axis=1)
                lat = -90 + res / k * (np.arange(z.shape[0]) + 0.5)
                lon = -180 + res / k * (np.arange(z.shape[1]) + 0.5)
                res = res / k
                source += f" upsampled {k}x{k}"
            path = os.path.join(tmp, f"map_{res}.npz")
            np.savez(path, lat=lat, lon=lon, z=z)
            size = z.size
            del z
            cmd = [sys.executable, __file__, "--child", path, "--repeats", str(repeats if res >= 0.25 else 1)]
            if args.no_baseline or size > 3e7:  # the tiled skimage fill would need > 24 GB
                cmd.append("--no-baseline")
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                raise SystemExit(f"child for {res} degree failed")
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            row["res"] = res
            rows.append(row)
    print(f"map: {source}; route = fill + directions + basins + accumulation + lengths + outlets + products")
    print("baseline: scikit-image reconstruction fill as the original app ran it (3 tiled copies)")
    hdr = (
        f"{'res':>5} {'cells':>10} {'land':>9} {'basins':>6} {'first s':>8} {'warm s':>7} {'cpu s':>7} "
        f"{'Mcell/s':>7} {'fill s':>7} {'fill cpu':>8} {'fill Mc/s':>9} {'peak MB':>7} {'B/cell':>6} "
        f"{'skimage s':>9} {'ratio fill':>10} {'ratio route':>11} {'load':>5}"
    )
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        sk = r.get("skimage_fill_cpu_s")
        base = (
            f"{sk:>9.2f} {sk / r['fill_cpu_s']:>10.1f} {sk / r['warm_cpu_s']:>11.1f}"
            if sk
            else f"{'-':>9} {'-':>10} {'-':>11}"
        )
        print(
            f"{r['res']:>5g} {r['cells']:>10d} {r['land']:>9d} {r['basins']:>6d} {r['first_s']:>8.3f} "
            f"{r['warm_s']:>7.3f} {r['warm_cpu_s']:>7.3f} {r['cells'] / r['warm_cpu_s'] / 1e6:>7.1f} "
            f"{r['fill_s']:>7.3f} {r['fill_cpu_s']:>8.3f} {r['cells'] / r['fill_cpu_s'] / 1e6:>9.1f} "
            f"{r['rss_peak_mb']:>7.0f} {r['bytes_per_cell']:>6.1f} {base} {r['load_avg']:>5.1f}"
        )
    print(
        "s = wall-clock seconds, cpu = process CPU seconds (the rates and ratios use CPU time because the "
        "machine is shared: see the load column, 1-minute load average on 2 cores)"
    )
    big = max(rows, key=lambda r: r["cells"])
    print()
    print("targets: 1 deg < 0.2 s; 0.1 deg < 5 s; fill >= 4 Mcell/s; <= 100 B/cell; 1e8 cells in 24 GB")
    bpc = big["bytes_per_cell"]
    by_size = sorted(rows, key=lambda r: r["cells"])
    if len(by_size) >= 2:
        # small maps are dominated by fixed costs (numba runtime, caches): the slope between the two
        # largest maps is the memory a further cell costs
        a, b = by_size[-2], by_size[-1]
        slope = (b["rss_peak_mb"] - a["rss_peak_mb"]) * 2**20 / (b["cells"] - a["cells"])
        print(f"marginal memory between {a['res']:g} and {b['res']:g} deg: {slope:.0f} B/cell")
        bpc = min(bpc, slope) if big["cells"] < 1e6 else bpc
    print(
        f"extrapolated: 1e8 cells at {bpc:.0f} B/cell (+8 B/cell input, {big['res']:g} deg run) "
        f"need about {(bpc + 8) * 1e8 / 2**30:.1f} GiB"
    )


if __name__ == "__main__":
    main()
