"""Step notebooks under papermill, as the pipeline runs them: time, output contract, edit replay.

Real kernels (the venv's ``python3``), real files. Each run costs a kernel start plus the HoloViz imports
(PLATFORM.md: 10-20 s), so only a representative pair runs here; ``benchmarks/bench_notebooks.py`` times
them all and nbval (``pytest notebooks --nbval-lax``) runs every notebook.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LIMIT_S = 60.0


def _papermill(name: str, workdir: Path, artifacts: Path, **parameters) -> float:
    pm = pytest.importorskip("papermill")
    t0 = time.perf_counter()
    pm.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(artifacts / f"papermill_{name}.ipynb"),  # kept: the executed notebook, for CI to upload
        parameters=parameters,
        cwd=str(workdir),
        kernel_name="python3",
        progress_bar=False,
    )
    return time.perf_counter() - t0


def test_routing_notebook_writes_the_routing_file_in_time(tmp_path, artifacts_dir):
    xr = pytest.importorskip("xarray")
    out = tmp_path / "routing.nc"
    secs = _papermill("03_routing", tmp_path, artifacts_dir, topo_path="sample:1.0", routing_path=str(out))
    assert secs < LIMIT_S, f"03_routing took {secs:.1f} s (limit {LIMIT_S} s on 2 cores)"
    with xr.open_dataset(out) as ds:
        for name in ("trip", "basins", "topoind", "hdiff", "riverl", "orog"):
            assert ds[name].dims == ("y", "x"), name
            assert "units" in ds[name].attrs and "long_name" in ds[name].attrs, name
        assert ds.nav_lat.dims == ("y", "x") and ds.sizes == {"y": 180, "x": 360}
        assert float(ds.nav_lat[0, 0]) > float(ds.nav_lat[-1, 0]), "routing.nc rows are north-up"
        trip = ds.trip.values
        codes = set(np.unique(trip[np.isfinite(trip)]).astype(int))
        assert codes <= set(range(1, 9)) | {97, 98, 99} and 99 in codes


def test_interactive_step_in_batch_equals_the_students_session(tmp_path, artifacts_dir):
    """A student edits in the editor and saves the edit file; papermill replays it: same output."""
    xr = pytest.importorskip("xarray")
    from climpy.editors import EditorState
    from climpy.internal_oceans import fill_internal_oceans, internal_oceans
    from climpy.sample import paleogeography

    topo = paleogeography(resolution=1.0, seed=0)
    # the student's session: open a channel (set -200 m) across a box, and raise a plateau (+1500 m)
    state = EditorState(topo, variable="topo")
    state.select_box(10.0, 20.0, 30.0, 24.0)
    state.operation, state.value = "set", -200.0
    state.apply()
    state.select_box(-60.0, -10.0, -50.0, 0.0)
    state.filter = "land"
    state.operation, state.value = "add", 1500.0
    state.apply()
    edits = tmp_path / "internal_oceans.json"
    state.save_edits(edits)
    expected = fill_internal_oceans(state.edited_dataset(), height=1.0)

    out = tmp_path / "topo_out.nc"
    _papermill(
        "02_internal_oceans", tmp_path, artifacts_dir,
        topo_path="sample:1.0", topo_out_path=str(out), edits_path=str(edits),
    )  # fmt: skip
    with xr.open_dataset(out) as got:
        np.testing.assert_array_equal(got.topo.values, expected.topo.values)
        assert int(internal_oceans(got).n_internal) == 0
    assert not np.array_equal(expected.topo.values, topo.topo.values), "the edits changed nothing"
