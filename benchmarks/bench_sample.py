"""Time the sample paleogeography generator and the atomic NetCDF writer.

Usage: .venv/bin/python benchmarks/bench_sample.py [--quick]

The baseline, measured in the same process, is the cost of touching every cell once
(``np.full`` of the float64 grid and one ``np.sin`` pass): the ratio column says how many such
passes the generator costs, which is what stays comparable across machines.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def _best(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only 1 and 0.5 degree, one repeat")
    args = ap.parse_args()

    from climpy.io.write import write_netcdf
    from climpy.sample import paleogeography

    paleogeography(5.0)  # warm-up: imports and first-call costs are not part of the timings
    resolutions = [1.0, 0.5] if args.quick else [1.0, 0.5, 0.25, 0.1, 0.05]
    repeat = 1 if args.quick else 2
    print(f"{'what':<28}{'cells':>12}{'baseline s':>12}{'time s':>10}{'ratio':>8}{'peak RSS MB':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for res in resolutions:
            shape = (round(180 / res), round(360 / res))

            def baseline(shape=shape):
                a = np.full(shape, 0.5)
                np.sin(a, out=a)

            base = _best(baseline, repeat)
            gen = _best(lambda res=res: paleogeography(res), 1 if res < 0.1 else repeat)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{f'paleogeography {res:g} deg':<28}{shape[0] * shape[1]:>12,}{base:>12.3f}{gen:>10.2f}"
                f"{gen / base:>8.1f}{rss:>13.0f}"
            )
            if res >= 0.25:
                ds = paleogeography(res)
                out = Path(tmp) / "s.nc"
                w = _best(lambda ds=ds, out=out: write_netcdf(ds, out, creation_time="2020-01-01"), repeat)
                print(
                    f"{f'write_netcdf {res:g} deg':<28}{shape[0] * shape[1]:>12,}{base:>12.3f}{w:>10.2f}"
                    f"{w / base:>8.1f}{rss:>13.0f}"
                )


if __name__ == "__main__":
    main()
