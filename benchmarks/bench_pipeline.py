"""Benchmark the pipeline engine against bare papermill calls measured in the same process.

Usage::

    .venv/bin/python benchmarks/bench_pipeline.py [--quick] [--default-pipeline]

Measures
--------
* per-step overhead: N independent tiny steps run serially by the engine vs N bare
  ``papermill.execute_notebook`` calls (target: overhead <= 0.5 s a step);
* no-op re-run of a 100-step pipeline (10 chains of 10; target < 0.5 s and zero kernels);
* independent steps that each compute for a while, on 2 workers vs 1 (target: >= 1.7x);
* with ``--default-pipeline``: the repository's pipeline.yaml on the 1 degree sample, cold, 2 jobs;
* the batch path (issue 12): the default pipeline (``pipeline.yaml``) as a user runs it, ``climpy run
  --jobs 2`` in a new process on a fresh project (numba cache as after set-up), the same in a second
  fresh project, a one-parameter change of ``heatflow`` (only heatflow re-runs), against the same
  notebooks run one after another with plain ``papermill.execute_notebook`` (every cell, a new kernel
  each) in this process as the baseline (target: cold < 30 s and >= 4x faster; heatflow < 5 s).
  Without ``--quick`` also ``--views`` (every cell, as before views were skipped headless).

Prints a plain-text table with a ratio column against the baseline of each row.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "tests" / "pipeline" / "notebooks" / "add.ipynb"


def _write(project: Path, steps: dict, inputs: dict) -> Path:
    spec = {"name": "bench", "inputs": inputs, "steps": {}}
    for name, s in steps.items():
        spec["steps"][name] = {**s, "notebook": str(NB)}
    p = project / "pipeline.yaml"
    p.write_text(yaml.safe_dump(spec, sort_keys=False))
    return p


def _independent(project: Path, n: int, sleep: float = 0.0, tag: int = 0) -> Path:
    (project / "in.txt").write_text("1")
    steps = {
        f"s{i:03d}": {
            "parameters": {"value": i + 1000 * tag, "sleep": sleep},
            "inputs": {"in_path": "inputs.x"},
            "outputs": {"out_path": f"s{i:03d}.txt"},
        }
        for i in range(n)
    }
    return _write(project, steps, {"x": "in.txt"})


def _chains(project: Path, n: int, width: int = 10) -> Path:
    (project / "in.txt").write_text("1")
    steps = {}
    for i in range(n):
        src = "inputs.x" if i < width else f"s{i - width:03d}.out_path"
        steps[f"s{i:03d}"] = {
            "parameters": {"value": i},
            "inputs": {"in_path": src},
            "outputs": {"out_path": f"s{i:03d}.txt"},
        }
    return _write(project, steps, {"x": "in.txt"})


def bare_papermill(n: int, work: Path) -> float:
    """Seconds per bare papermill call (papermill imported once, as in a warm worker)."""
    import papermill as pm

    (work / "in.txt").write_text("1")
    pm.execute_notebook(
        str(NB),
        str(work / "warm.ipynb"),
        parameters={"in_path": str(work / "in.txt"), "out_path": str(work / "warm.txt")},
        kernel_name="python3",
        progress_bar=False,
    )
    t0 = time.perf_counter()
    for i in range(n):
        pm.execute_notebook(
            str(NB),
            str(work / f"o{i}.ipynb"),
            parameters={"in_path": str(work / "in.txt"), "out_path": str(work / f"o{i}.txt"), "value": i},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(work),
        )
    return (time.perf_counter() - t0) / n


def _climpy_run(project: Path, *extra: str) -> tuple[float, str]:
    """Wall seconds of ``climpy run pipeline.yaml --project PROJECT --jobs 2 EXTRA`` in a new process."""
    import subprocess

    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "climpy", "run", str(ROOT / "pipeline.yaml"), "--project", str(project),
         "--jobs", "2", "--no-progress", *extra],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    secs = time.perf_counter() - t0
    if out.returncode:
        raise SystemExit(f"climpy run failed:\n{out.stdout}\n{out.stderr}")
    return secs, out.stdout


def _ran(out: str) -> list[str]:
    """The steps the summary table of ``climpy run`` shows as run (status ``ok``; not ``cached``)."""
    return [w[0] for w in (line.split() for line in out.splitlines()) if w[1:2] == ["ok"]]


def plain_papermill(work: Path) -> tuple[float, int]:
    """Seconds to run the default pipeline's notebooks one after another with plain papermill.

    Every cell runs (maps and editors included), each notebook in a new kernel, the outputs of one step
    being the inputs of the next, as the engine wires them; papermill is imported once (no CLI start).
    """
    import papermill as pm

    from climpy.io import write_netcdf
    from climpy.pipeline import load_pipeline
    from climpy.pipeline.spec import parse_sample
    from climpy.sample import paleogeography

    pipe = load_pipeline(ROOT / "pipeline.yaml")
    res, seed = parse_sample(pipe.inputs["topo"])
    inputs = {"topo": work / "input.nc"}
    write_netcdf(paleogeography(resolution=res, seed=seed), inputs["topo"])
    outputs: dict[str, dict[str, Path]] = {}
    t0 = time.perf_counter()
    for name in pipe.order():
        s = pipe.steps[name]
        folder = work / name
        folder.mkdir()
        params = dict(s.parameters)
        for param, ref in s.inputs.items():
            params[param] = str(inputs[ref.name] if ref.step is None else outputs[ref.step][ref.name])
        outputs[name] = {p: folder / f for p, f in s.outputs.items()}
        params.update({p: str(f) for p, f in outputs[name].items()})
        params.update({p: "" for p in s.edits})
        pm.execute_notebook(
            str(s.notebook), str(folder / "out.ipynb"), parameters=params, kernel_name="python3",
            progress_bar=False, cwd=str(folder),
        )  # fmt: skip
    return time.perf_counter() - t0, len(pipe.steps)


def bench_batch(tmp: Path, *, quick: bool) -> list[tuple[str, str, str, str, str]]:
    """Rows of the batch-path measurements (see the module docstring)."""
    rows = []
    (tmp / "plain").mkdir()
    base, n = plain_papermill(tmp / "plain")
    rows.append((f"plain papermill, {n} notebooks in turn (s)", f"{base:.1f}", f"{base:.1f}", "1.00",
                 "baseline"))  # fmt: skip
    for label, name in (("cold, fresh project", "p1"), ("cold, 2nd fresh project", "p2")):
        secs, out = _climpy_run(tmp / name)
        ran = len(_ran(out))
        rows.append((f"climpy run --jobs 2, {label} (s)", f"{secs:.1f}", f"{base:.1f}", f"{base / secs:.2f}",
                     f"{ran} steps ok (target < 30 s, ratio >= 4)"))  # fmt: skip
    secs, out = _climpy_run(tmp / "p2", "--set", "heatflow.coefficient=500.0")
    ran = _ran(out)
    rows.append(("one parameter of heatflow changed (s)", f"{secs:.1f}", f"{base:.1f}", f"{base / secs:.2f}",
                 f"re-ran {ran} (target: heatflow only, < 5 s)"))  # fmt: skip
    if not quick:
        secs, out = _climpy_run(tmp / "p3", "--views")
        rows.append(("climpy run --jobs 2 --views, fresh project (s)", f"{secs:.1f}", f"{base:.1f}",
                     f"{base / secs:.2f}", "every cell, maps and editors too"))  # fmt: skip
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps (about 1 minute)")
    ap.add_argument("--only-batch", action="store_true", help="only the batch-path rows (issue 12)")
    ap.add_argument(
        "--default-pipeline",
        action="store_true",
        help="also run the repository's pipeline.yaml cold on the 1 degree sample",
    )
    args = ap.parse_args()

    n_over = 3 if args.quick else 6
    n_noop = 30 if args.quick else 100
    n_par, sleep = (4, 2.0) if args.quick else (6, 3.0)
    rows: list[tuple[str, str, str, str, str]] = []
    tmp = Path(tempfile.mkdtemp(prefix="climpy-bench-"))
    try:
        # 0. the batch path: the default pipeline as a user runs it, against plain papermill
        rows += bench_batch(tmp, quick=args.quick)
        if not args.only_batch:
            rows += bench_engine(tmp, args, n_over, n_noop, n_par, sleep)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _print(rows)


def bench_engine(tmp: Path, args, n_over: int, n_noop: int, n_par: int, sleep: float) -> list:
    """Rows of the engine measurements (overhead, no-op re-run, parallel speed-up, default pipeline)."""
    from climpy.pipeline import run_pipeline

    rows: list[tuple[str, str, str, str, str]] = []
    # 1. per-step overhead over a bare papermill call
    (tmp / "bare").mkdir()
    bare = bare_papermill(n_over, tmp / "bare")
    proj = tmp / "overhead"
    proj.mkdir()
    warm = run_pipeline(_independent(proj, 1, tag=99), project=proj, jobs=1)  # starts the forkserver
    assert warm.exit_code == 0
    t0 = time.perf_counter()
    r = run_pipeline(_independent(proj, n_over), project=proj, jobs=1)
    per_step = (time.perf_counter() - t0) / n_over
    assert r.exit_code == 0 and r.kernels_started == n_over
    rows.append(("bare papermill call (s/step)", f"{bare:.2f}", f"{bare:.2f}", "1.00", "baseline"))
    rows.append(
        (
            "engine, serial, warm (s/step)",
            f"{per_step:.2f}",
            f"{bare:.2f}",
            f"{per_step / bare:.2f}",
            f"overhead {per_step - bare:+.2f} s (target <= 0.5)",
        )
    )

    # 2. no-op re-run of a large pipeline
    proj = tmp / "noop"
    proj.mkdir()
    pipe = _chains(proj, n_noop)
    t0 = time.perf_counter()
    cold = run_pipeline(pipe, project=proj, jobs=2)
    t_cold = time.perf_counter() - t0
    assert cold.exit_code == 0, cold.summary()
    times, kernels = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        again = run_pipeline(pipe, project=proj, jobs=2)
        times.append(time.perf_counter() - t0)
        kernels.append(again.kernels_started)
    noop = statistics.median(times)
    rows.append(
        (
            f"cold run, {n_noop} steps, 2 jobs (s)",
            f"{t_cold:.1f}",
            "-",
            "-",
            f"{cold.kernels_started} kernels",
        )
    )
    rows.append(
        (
            f"no-op re-run, {n_noop} steps (s)",
            f"{noop:.3f}",
            "0.500",
            f"{noop / 0.5:.2f}",
            f"kernels started: {max(kernels)} (target < 0.5 s, 0 kernels)",
        )
    )

    # 3. independent steps: 2 workers vs serial
    res = {}
    for jobs in (1, 2):
        proj = tmp / f"par{jobs}"
        proj.mkdir()
        warm = run_pipeline(_independent(proj, 1, tag=98), project=proj, jobs=jobs)
        t0 = time.perf_counter()
        r = run_pipeline(_independent(proj, n_par, sleep=sleep), project=proj, jobs=jobs)
        res[jobs] = time.perf_counter() - t0
        assert r.exit_code == 0 and r.kernels_started == n_par
    rows.append(
        (
            f"{n_par} independent steps ({sleep:g} s each), 1 job (s)",
            f"{res[1]:.1f}",
            f"{res[1]:.1f}",
            "1.00",
            "baseline",
        )
    )
    rows.append(
        (
            f"{n_par} independent steps ({sleep:g} s each), 2 jobs (s)",
            f"{res[2]:.1f}",
            f"{res[1]:.1f}",
            f"{res[1] / res[2]:.2f}",
            "speed-up (target >= 1.7)",
        )
    )

    # 4. the default pipeline, cold
    if args.default_pipeline:
        proj = tmp / "default"
        proj.mkdir()
        t0 = time.perf_counter()
        r = run_pipeline(
            ROOT / "pipeline.yaml", project=proj, jobs=2, overrides=["inputs.topo=sample:1.0"]
        )
        total = time.perf_counter() - t0
        for s in r.steps:
            rows.append((f"  default pipeline: {s.node}", f"{s.duration or 0:.1f}", "-", "-", s.status))
        rows.append(
            (
                "default pipeline, 1 deg sample, cold, 2 jobs (s)",
                f"{total:.1f}",
                "-",
                "-",
                f"{r.kernels_started} kernels, {r.status}",
            )
        )
    return rows


def _print(rows: list) -> None:
    head = ("measurement", "value", "baseline", "ratio", "note")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    for r in [head, tuple("-" * w for w in widths), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    sys.stdout.flush()


if __name__ == "__main__":
    main()
