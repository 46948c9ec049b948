"""The runner on real papermill kernels: invalidation precision, failures, provenance, fan-out.

Each tiny notebook runs in about 1 s; the scenarios are chained in few tests to keep kernels few.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import netCDF4
import pytest
from pipeline_helpers import check_store, write_pipeline

import climpy
from climpy.exceptions import StepFailedError
from climpy.pipeline import pipeline_status, run_pipeline

pytestmark = pytest.mark.notebooks

STEPS = {
    "a": {"notebook": "add.ipynb", "inputs": {"in_path": "inputs.x"}, "outputs": {"out_path": "a.txt"}},
    "b": {
        "notebook": "add.ipynb",
        "parameters": {"value": 10},
        "inputs": {"in_path": "a.out_path"},
        "outputs": {"out_path": "b.txt"},
    },
    "c": {
        "notebook": "edited.ipynb",
        "inputs": {"in_path": "a.out_path"},
        "edits": {"edits_path": "edits/c.json"},
        "outputs": {"out_path": "c.txt"},
    },
    "g": {"notebook": "geo.ipynb", "inputs": {"in_path": "inputs.y"}, "outputs": {"out_path": "g.txt"}},
    "d": {
        "notebook": "combine.ipynb",
        "inputs": {"a_path": "b.out_path", "b_path": "g.out_path"},
        "outputs": {"out_path": "d.txt"},
    },
}


def _ncdump_h(path: Path) -> str:
    """``ncdump -h path`` (the netcdf-bin tool NCO/CDO users read headers with)."""
    exe = shutil.which("ncdump")
    if exe is None:
        pytest.skip("ncdump (Debian netcdf-bin, installed by scripts/setup.sh --test) is not installed")
    return subprocess.run([exe, "-h", str(path)], check=True, capture_output=True, text=True).stdout


def _ran(result) -> set[str]:
    return {s.node for s in result.steps if s.status not in ("up-to-date",)}


def _value(project: Path, step: str, name: str) -> float:
    return float((project / "outputs" / step / name).read_text())


@pytest.mark.slow
def test_invalidation_precision(project, tmp_path):
    (project / "y.txt").write_text("3")
    pipe = write_pipeline(project, STEPS, {"x": "in.txt", "y": "y.txt"})
    src = tmp_path / "src" / "climpy"  # a copy of climpy's sources whose hashes enter the keys
    shutil.copytree(Path(climpy.__file__).parent, src, ignore=shutil.ignore_patterns("__pycache__"))

    def run(*overrides):
        return run_pipeline(pipe, project=project, overrides=overrides, module_root=src)

    r = run()
    assert r.exit_code == 0 and _ran(r) == set(STEPS) and r.kernels_started == 5
    assert _value(project, "d", "d.txt") == 1 + 1 + 10 + 6

    r = run()  # nothing changed
    assert r.kernels_started == 0 and all(s.status == "up-to-date" for s in r.steps)

    r = run("b.value=20")  # a parameter: b and its descendant d
    assert _ran(r) == {"b", "d"} and r.kernels_started == 2
    assert _value(project, "d", "d.txt") == 2 + 20 + 6

    (project / "in.txt").write_text("1")  # identical bytes, new mtime: nothing
    (project / "y.txt").write_text("3")
    assert run("b.value=20").kernels_started == 0

    a_out = (project / "outputs" / "a" / "a.txt").read_bytes()
    (project / "edits").mkdir()
    (project / "edits" / "c.json").write_text(
        json.dumps({"grid": hashlib.sha256(a_out).hexdigest(), "add": 5})
    )
    r = run("b.value=20")  # an edit file: c only
    assert _ran(r) == {"c"}
    assert _value(project, "c", "c.txt") == 2 + 5

    geo = src / "geo.py"
    geo.write_text(geo.read_text() + "\n# a comment changes the source hash\n")
    status = {
        s.node: s for s in pipeline_status(pipe, project=project, overrides=["b.value=20"], module_root=src)
    }
    assert status["g"].status == "stale" and "climpy module climpy.geo changed" in status["g"].reason
    assert {n for n, s in status.items() if s.status == "up-to-date"} == {"a", "b", "c"}
    r = run("b.value=20")  # a climpy module: only g imports it; g's output is unchanged, so d is cut off
    assert _ran(r) == {"g"}

    (project / "in.txt").write_text("2")  # new input content: a, b, d re-run; c's edits no longer apply
    r = run("b.value=20")
    st = {s.node: s.status for s in r.steps}
    assert st == {"a": "ok", "b": "ok", "c": "needs-review", "g": "up-to-date", "d": "ok"}
    assert r.exit_code == 1
    assert _value(project, "c", "c.txt") == 7  # previous outputs kept, never silently overwritten
    rows = {
        s.node: s for s in pipeline_status(pipe, project=project, overrides=["b.value=20"], module_root=src)
    }
    assert rows["c"].status == "needs-review" and "EditReplayError" in rows["c"].reason
    check_store(project, allow_tmp=False)


@pytest.mark.slow
def test_failure_semantics_and_provenance(project):
    steps = {
        "a": {"notebook": "add.ipynb", "inputs": {"in_path": "inputs.x"}, "outputs": {"out_path": "a.txt"}},
        "broken": {
            "notebook": "broken.ipynb",
            "inputs": {"in_path": "a.out_path"},
            "outputs": {"out_path": "e.txt"},
        },
        "after": {
            "notebook": "add.ipynb",
            "inputs": {"in_path": "broken.out_path"},
            "outputs": {"out_path": "f.txt"},
        },
        "nc": {
            "notebook": "netcdf.ipynb",
            "parameters": {"scale": 2.0},
            "inputs": {"in_path": "a.out_path"},
            "outputs": {"out_path": "field.nc"},
        },
    }
    pipe = write_pipeline(project, steps, {"x": "in.txt"})
    r = run_pipeline(pipe, project=project, jobs=2)
    st = {s.node: s for s in r.steps}
    assert {n: s.status for n, s in st.items()} == {
        "a": "ok",
        "broken": "failed",
        "after": "blocked",
        "nc": "ok",
    }
    assert r.exit_code == 1 and r.kernels_started == 3
    assert "upstream broken failed" in st["after"].reason
    # the executed notebook is kept with papermill's error cell; the run record has the cell and error
    bad = st["broken"]
    assert bad.error_cell == 3 and bad.error_name == "RuntimeError"
    nb = json.loads(bad.executed_notebook.read_text())
    assert any("papermill-error-cell-tag" in c["metadata"].get("tags", []) for c in nb["cells"])
    db = sqlite3.connect(project / ".climpy" / "runs.sqlite")
    row = db.execute(
        "SELECT status, error_cell, error_name, error_value, executed_notebook FROM steps "
        "WHERE run_id=? AND node='broken'",
        (r.run_id,),
    ).fetchone()
    assert row[:3] == ("failed", 3, "RuntimeError") and "broken on purpose" in row[3]
    assert db.execute("SELECT status FROM runs WHERE id=?", (r.run_id,)).fetchone()[0] == "failed"
    db.close()
    (err,) = r.failures()
    assert isinstance(err, StepFailedError) and err.cell_index == 3
    summary = r.summary()
    assert "failed (RuntimeError cell 3)" in summary and "blocked (upstream broken failed)" in summary
    assert str(project / "outputs") in summary
    # provenance: the NetCDF output carries the step key and the hashes of its inputs and parameters
    with netCDF4.Dataset(project / "outputs" / "nc" / "field.nc") as ds:
        attrs = ds.__dict__
        assert float(ds["field"][0, 0]) == 4.0
    assert attrs["climpy_step"] == "nc" and attrs["climpy_step_key"] == st["nc"].key
    assert attrs["climpy_version"] == climpy.__version__
    a_sha = hashlib.sha256((project / "outputs" / "a" / "a.txt").read_bytes()).hexdigest()
    assert json.loads(attrs["climpy_inputs"]) == {"in_path": a_sha}
    assert json.loads(attrs["climpy_parameters"]) == {"scale": 2.0}
    prov = json.loads((project / "outputs" / "nc" / "provenance.json").read_text())
    assert prov["climpy_step_key"] == st["nc"].key and prov["outputs"]["out_path"]["file"] == "field.nc"
    # CF: `ncdump -h` of every NetCDF output shows Conventions and a history line naming the step
    ncs = sorted((project / "outputs").rglob("*.nc"))
    assert ncs
    for nc in ncs:
        header = _ncdump_h(nc)
        assert ':Conventions = "CF-1.8"' in header, header
        assert f"climpy {climpy.__version__}: pipeline test: step nc (key {st['nc'].key[:12]})" in header
    # a re-run retries only the failed step; the blocked one stays blocked
    r2 = run_pipeline(pipe, project=project)
    assert r2.kernels_started == 1 and {s.node: s.status for s in r2.steps}["after"] == "blocked"
    check_store(project, allow_tmp=False)
