"""`climpy warm`: after the set-up's warm-up run, a real run compiles nothing.

Both runs go through the CLI in new processes (the forkserver, its workers and their kernels inherit
the ``NUMBA_CACHE_DIR`` of the process that starts them), on an empty numba cache of their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from climpy.pipeline.warm import cache_files

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _climpy(*args: str, env: dict) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [sys.executable, "-m", "climpy", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
    )
    assert out.returncode == 0, f"climpy {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
    return out


def test_a_run_after_warm_compiles_no_kernel(tmp_path):
    cache = tmp_path / "numba-cache"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    out = _climpy("warm", str(ROOT / "pipeline.yaml"), "--sample", "sample:4", env=env)
    warmed = {p.relative_to(cache) for p in cache_files(cache)}
    # the kernels of the steps left their machine code (files "<module>.<function>-<line>.py311.nbi")
    kernels = {p.name.split("-")[0] for p in warmed if p.suffix == ".nbi"}
    expected = {"fill.priority_flood_numba", "flow.d8_directions_numba", "labels.nearest_seed_numba"}
    assert expected <= kernels, sorted(kernels)
    assert "files (+" in out.stdout and f"{len(warmed)} files" in out.stdout, out.stdout

    # another resolution and seed: numba keys its cache on argument types, not on array shapes
    project = tmp_path / "project"
    _climpy(
        "run", str(ROOT / "pipeline.yaml"), "--project", str(project), "--set", "inputs.topo=sample:3:7",
        "--jobs", "2", "--no-progress", env=env,
    )  # fmt: skip
    after = {p.relative_to(cache) for p in cache_files(cache)}
    assert after == warmed, f"the run compiled kernels the warm-up missed: {sorted(after - warmed)}"
    assert (project / "outputs" / "routing" / "routing.nc").is_file()
