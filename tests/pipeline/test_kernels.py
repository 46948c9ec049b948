"""The batch path's kernels: pre-started spares, one fresh kernel per step, `view` cells skipped headless.

Real papermill kernels on the tiny probe notebook (tests/pipeline/notebooks/probe.ipynb), which records the
pid and working directory of the kernel it ran in, whether state leaked from an earlier step, whether the
spare kernel had preloaded climpy, and whether its `view` cell ran.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipeline_helpers import check_store, write_pipeline

from climpy.pipeline import run_pipeline
from climpy.pipeline.executors import PRELOAD, VIEW_TAG

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def _probe_steps(n: int, marker: Path, **params) -> dict:
    steps = {}
    for i in range(n):
        steps[f"p{i}"] = {
            "notebook": "probe.ipynb",
            "parameters": {"view_marker": str(marker.with_suffix(f".{i}")), **params},
            "inputs": {},
            "outputs": {"out_path": f"p{i}.json"},
        }
    return steps


def _record(project: Path, step: str) -> dict:
    return json.loads((project / "outputs" / step / f"{step}.json").read_text())


def test_each_step_gets_a_fresh_preloaded_kernel_and_views_are_skipped(project, tmp_path):
    marker = tmp_path / "view"
    pipe = write_pipeline(project, _probe_steps(3, marker))
    res = run_pipeline(pipe, project=project, jobs=1)
    assert res.exit_code == 0, res.summary()
    recs = [_record(project, f"p{i}") for i in range(3)]
    # one worker process ran all three steps, each in a kernel of its own: distinct pids, nothing leaked
    assert len({r["pid"] for r in recs}) == 3
    assert all(r["leaked"] == [] for r in recs), recs
    # the steps after the first took a spare that had imported climpy while the previous step ran
    assert all(r["climpy_preloaded"] for r in recs[1:]), recs
    assert "climpy.routing" in PRELOAD
    # the kernel ran in the step's private work folder (renamed into the store afterwards)
    assert all(Path(r["cwd"]).parent == project / ".climpy" / "tmp" for r in recs)
    # headless: the cells tagged `view` did not run
    assert VIEW_TAG == "view"
    assert not list(tmp_path.glob("view.*"))
    # the kernel's own stderr is kept next to the executed notebook... of a failed step (below); no spare
    # kernel's log is left in the work area, and the store is consistent
    check_store(project, allow_tmp=False)


def test_views_run_on_request_and_failed_kernel_log_is_kept(project, tmp_path):
    marker = tmp_path / "shown"
    steps = _probe_steps(1, marker)
    steps["bad"] = {**_probe_steps(1, tmp_path / "bad")["p0"], "outputs": {"out_path": "bad.json"}}
    steps["bad"]["parameters"]["fail"] = True
    pipe = write_pipeline(project, steps)
    res = run_pipeline(pipe, project=project, jobs=2, views=True)
    by = {s.node: s for s in res.steps}
    assert by["p0"].status == "ok" and by["bad"].status == "failed", res.summary()
    assert (marker.with_suffix(".0")).read_text() == "view ran"  # --views: the view cell ran
    assert by["bad"].error_name == "RuntimeError"
    log = by["bad"].executed_notebook.with_suffix(".kernel.log")
    assert "probe fd2 line" in log.read_text()
    check_store(project, allow_tmp=False)
