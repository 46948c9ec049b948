"""The Dask executor on a real LocalCluster gives the same outputs as the local one (fan-out batch)."""

from __future__ import annotations

import netCDF4
import numpy as np
import pytest
from pipeline_helpers import check_store, write_pipeline

from climpy.pipeline import run_pipeline

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]

STEPS = {
    "nc": {
        "notebook": "netcdf.ipynb",
        "parameters": {"scale": 3.0},
        "inputs": {"in_path": "inputs.x"},
        "outputs": {"out_path": "field.nc"},
    },
}


def _fanout_project(root):
    root.mkdir()
    (root / "maps").mkdir()
    for name, v in (("student1", "1"), ("student2", "5")):
        (root / "maps" / f"{name}.txt").write_text(v)
    (root / "in.txt").write_text("0")
    return write_pipeline(root, STEPS, {"x": "in.txt"})


def test_dask_matches_local_on_a_fanout_batch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # the time of the CF history line: reproducible bytes
    results = {}
    for executor in ("local", "dask"):
        proj = tmp_path / executor
        pipe = _fanout_project(proj)
        r = run_pipeline(pipe, project=proj, over=["x=maps/*.txt"], jobs=2, executor=executor)
        assert r.exit_code == 0 and r.kernels_started == 2, r.summary()
        results[executor] = {
            s.node: (s.key, {p.name: p.read_bytes() for p in s.outputs.values()}) for s in r.steps
        }
        check_store(proj, allow_tmp=False)
        with netCDF4.Dataset(proj / "outputs" / "student2" / "nc" / "field.nc") as ds:
            np.testing.assert_array_equal(ds["field"][:], np.full((2, 3), 5 * 3.0))
    assert set(results["dask"]) == {"student1/nc", "student2/nc"}
    for node, (key, outs) in results["local"].items():
        dkey, douts = results["dask"][node]
        assert dkey == key  # same keys: they hash contents, never paths or the executor
        assert douts == outs  # byte-identical NetCDF, provenance attributes included


def test_existing_scheduler(tmp_path):
    from distributed import LocalCluster

    proj = tmp_path / "sched"
    pipe = _fanout_project(proj)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        r = run_pipeline(
            pipe,
            project=proj,
            over=["x=maps/student2.txt"],
            executor="dask",
            scheduler=cluster.scheduler_address,
        )
        assert r.exit_code == 0 and r.kernels_started == 1, r.summary()
        prefixes = cluster.scheduler.task_prefixes  # the step ran as a task of that scheduler
        assert "run_remote" in prefixes, sorted(prefixes)  # execute_step, wrapped by climpy.pipeline.remote
    with netCDF4.Dataset(proj / "outputs" / "student2" / "nc" / "field.nc") as ds:
        np.testing.assert_array_equal(ds["field"][:], np.full((2, 3), 15.0))
