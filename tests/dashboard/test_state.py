"""DashboardState and the Dashboard viewer without a browser: real SQLite records, real runs."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pipeline_helpers import write_pipeline

from climpy.cli import main
from climpy.dashboard.state import DashboardState, find_pipeline, notebook_error
from climpy.exceptions import ClimpyError
from climpy.pipeline import run_pipeline
from climpy.pipeline.store import Store

SMALL = {
    "a": {"notebook": "add.ipynb", "inputs": {"in_path": "inputs.x"}, "outputs": {"out_path": "a.txt"}},
    "b": {
        "notebook": "add.ipynb",
        "parameters": {"value": 10},
        "inputs": {"in_path": "a.out_path"},
        "outputs": {"out_path": "b.txt"},
    },
}


def _small(tmp_path: Path) -> Path:
    p = tmp_path / "small"
    p.mkdir()
    (p / "in.txt").write_text("1")
    write_pipeline(p, SMALL, {"x": "in.txt"})
    return p


def test_find_pipeline_names_the_folder_and_the_fix(tmp_path):
    with pytest.raises(ClimpyError, match=r"no pipeline\.yaml in the project folder; pass the pipeline file"):
        find_pipeline(tmp_path)
    with pytest.raises(ClimpyError, match=r"nope\.yaml: no such pipeline file"):
        find_pipeline(tmp_path, tmp_path / "nope.yaml")


def test_a_project_without_pipeline_shows_a_message(tmp_path):
    st = DashboardState(tmp_path)
    try:
        assert st.steps == {} and st.message_kind == "danger" and "no pipeline.yaml" in st.message
        assert st.run() is False and "no pipeline file" in st.message
    finally:
        st.close()


def test_live_states_from_another_process_records(tmp_path):
    """queued / running / ok come from the run rows, whoever writes them (here: this process)."""
    project = _small(tmp_path)
    st = DashboardState(project)
    writer = Store(project)
    try:
        assert {n: s.status for n, s in st.steps.items()} == {"a": "stale", "b": "stale"}
        assert st.steps["a"].reason == "never built" and st.steps["b"].reason == "upstream a will re-run"
        assert st.poll() is False  # nothing changed: the cheap marker says so
        writer.start_run("r1", "p", executor="local", jobs=1, argv=[], dag={"a": [], "b": ["a"]})
        assert st.poll() is True
        assert st.active_run == "r1" and {n: s.status for n, s in st.steps.items()} == {
            "a": "queued",
            "b": "queued",
        }
        writer.record_step("r1", "a", step="a", status="running", started=time.time() - 5)
        assert st.poll() is True and st.steps["a"].status == "running"
        assert 4 < st.steps["a"].elapsed() < 60
        assert "run r1 is going on" in st.busy()
        assert st.run() is False and "not started: run r1 is going on" in st.message
        writer.record_step("r1", "a", step="a", status="ok", duration=1.5, finished=time.time())
        assert st.poll() and (st.steps["a"].status, st.steps["a"].duration) == ("ok", 1.5)
        writer.finish_run("r1", "interrupted")
        assert st.poll() and st.active_run == "" and st.steps["a"].status == "stale"  # nothing was built
        assert [r["id"] for r in st.runs] == ["r1"] and st.runs[0]["counts"] == {"ok": 1}
    finally:
        writer.close()
        st.close()


def test_a_dead_runs_row_is_not_shown_as_running(tmp_path):
    project = _small(tmp_path)
    writer = Store(project)
    writer.start_run("r1", "p", executor="local", jobs=1, argv=[], dag={"a": [], "b": ["a"]})
    writer.db.execute("UPDATE runs SET pid=? WHERE id='r1'", (2**22 + 12345,))  # no such process
    writer.close()
    st = DashboardState(project)
    try:
        assert st.active_run == "" and st.steps["a"].status == "stale"
    finally:
        st.close()


@pytest.mark.slow
def test_the_project_lock_refuses_a_run_started_from_the_page(tmp_path):
    project = _small(tmp_path)
    holder = Store(project)
    holder.lock.acquire(info="run held-by-test")
    st = DashboardState(project)
    try:
        assert st.run("stale") is True  # the subprocess starts, then meets the lock
        assert st.run("stale") is False and "still going" in st.message  # a second click: refused here
        st.wait(120)
        assert st.message_kind == "danger"
        assert "did not start" in st.message and "another climpy run is using this project" in st.message
        assert st.store.runs() == []  # no run was recorded
    finally:
        holder.close()
        st.close()


@pytest.mark.slow
@pytest.mark.notebooks
def test_step_details_param_diff_compare_and_viewer(tmp_path):
    project = _small(tmp_path)
    pipe = project / "pipeline.yaml"
    r1 = run_pipeline(pipe, project=project)
    r2 = run_pipeline(pipe, project=project, overrides=["b.value=20"])
    assert r1.exit_code == r2.exit_code == 0
    st = DashboardState(project, pipe)
    try:
        st.poll()
        d = st.step_details("b")
        assert d["parameters"] == {"value": 10}  # the pipeline file's value is the current one
        assert d["inputs"][0][:2] == ("in_path", "a.out_path") and len(d["inputs"][0][2]) == 64
        assert [h["run_id"] for h in d["history"]] == [r2.run_id, r1.run_id]
        assert st.param_diff("b", r1.run_id, r2.run_id) == [("value", 10, 20)]
        assert st.param_diff("a", r1.run_id, r2.run_id) == []
        cmp = {c["node"]: c for c in st.compare_runs(r1.run_id, r2.run_id)}
        assert cmp["a"]["changed"] is False and cmp["a"]["outputs_differ"] == []
        assert cmp["b"]["changed"] is True and cmp["b"]["outputs_differ"] == ["b.txt"]
        # the current pipeline (value 10) is built (run 1): up to date; its output hash is the stored one
        assert st.steps["b"].status == "up-to-date"
        ((_, path, sha, size),) = d["outputs"]
        assert Path(path).read_text() == "12.0" and size == 4 and len(sha) == 64
        assert "b.txt" in Path(path).name and d["executed"] and Path(d["executed"]).is_file()
        assert "<html" not in st.notebook_html(d["executed"])[:10] and "value" in st.notebook_html(
            d["executed"]
        )
        assert notebook_error(Path(d["executed"])) is None

        from climpy.dashboard import Dashboard

        dash = Dashboard(project, pipe, lab_url="/user/me/lab/tree/", lab_root=str(tmp_path))
        try:
            dash._tick()
            assert 'data-node="b" data-status="up-to-date"' in dash._graph.object
            dash._step.value = "b"
            assert "value" in dash._tables.object and "b.txt" in dash._tables.object
            # the executed notebook (outputs/b/, under the Lab root) gets a link; the source (elsewhere) not
            assert dash._tables.object.count("open in JupyterLab") == 1
            assert 'href="/user/me/lab/tree/small/outputs/b/_executed.ipynb"' in dash._tables.object
            assert r1.run_id in dash._history.object and r2.run_id in dash._history.object
            dash._diff_a.value, dash._diff_b.value = r1.run_id, r2.run_id
            assert "<td>value</td><td>10</td><td>20</td>" in dash._diff.object
            dash._cmp_a.value, dash._cmp_b.value = r1.run_id, r2.run_id
            assert r1.run_id in dash._runs.object and "<td>yes</td><td>b.txt</td>" in dash._cmp.object
            before = dict(dash._shown)
            dash._tick()  # nothing changed: nothing re-rendered
            assert dash._shown == before
        finally:
            dash.stop()
            dash.state.close()
        assert st.invalidate("b") and st.steps["b"].status == "stale"
        assert "invalidated with `climpy invalidate`" in st.steps["b"].reason
    finally:
        st.close()


def test_cli_dashboard_help_and_missing_pipeline(tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["dashboard", "--help"])
    assert r.exit_code == 0 and "--project" in r.output and "--prefix" in r.output
    r = runner.invoke(main, ["dashboard", "--project", str(tmp_path)])
    assert r.exit_code == 1 and "no pipeline.yaml in the project folder" in r.output


def test_notebook_error_reads_the_error_output(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "code", "source": "x = 1", "outputs": []},
            {
                "cell_type": "code",
                "source": "1/0",
                "outputs": [
                    {
                        "output_type": "error",
                        "ename": "ZeroDivisionError",
                        "evalue": "division by zero",
                        "traceback": ["\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"],
                    }
                ],
            },
        ]
    }
    p = tmp_path / "x.ipynb"
    p.write_text(json.dumps(nb))
    e = notebook_error(p)
    assert e is not None and e["cell"] == 1 and e["name"] == "ZeroDivisionError"
    assert e["traceback"] == "ZeroDivisionError: division by zero"  # ANSI colours removed
    assert notebook_error(tmp_path / "missing.ipynb") is None
    assert os.environ is not None


@pytest.mark.slow
def test_open_editor_serves_the_map_editor_on_an_output(tmp_path):
    from editors.conftest import latlon_topo

    project = _small(tmp_path)
    nc = tmp_path / "topo.nc"
    latlon_topo().to_netcdf(nc)
    st = DashboardState(project)
    try:
        assert st.open_editor(str(project / "in.txt")) is False and "pick a .nc output" in st.message
        assert st.open_editor(str(nc)) is True
        t0 = time.monotonic()
        while "map editor of topo.nc: http://" not in st.message and time.monotonic() - t0 < 90:
            st.poll()
            time.sleep(0.3)
        assert st.message_kind == "success", st.message
        assert str(project / "edits" / "dashboard" / "topo_edited.nc") in st.message
    finally:
        st.stop_editors()
        st.close()
