"""``climpy run --until STEP``, ``climpy run STEP...`` (targets and their ancestors), ``climpy accept``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pipeline_helpers import NOTEBOOKS, write_pipeline

from climpy.cli import main
from climpy.pipeline import pipeline_status, run_pipeline

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]


def _steps(b_notebook: Path) -> dict:
    """a -> b -> c, and s (a sibling branch of b) also reads a."""
    return {
        "a": {"notebook": "add.ipynb", "inputs": {"in_path": "inputs.x"}, "outputs": {"out_path": "a.txt"}},
        "b": {
            "notebook": str(b_notebook),
            "inputs": {"in_path": "a.out_path"},
            "outputs": {"out_path": "b.txt"},
        },
        "c": {"notebook": "add.ipynb", "inputs": {"in_path": "b.out_path"}, "outputs": {"out_path": "c.txt"}},
        "s": {"notebook": "add.ipynb", "inputs": {"in_path": "a.out_path"}, "outputs": {"out_path": "s.txt"}},
    }


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


def _table(output: str) -> dict[str, str]:
    """Step -> status of a `climpy run` summary table."""
    lines = output.splitlines()
    rows = {}
    for line in lines[2:]:
        if not line.strip():
            break
        rows[line.split()[0]] = line.split()[1]
    return rows


def test_until_targets_and_accept(project, tmp_path):
    b_nb = tmp_path / "b.ipynb"
    shutil.copy(NOTEBOOKS / "add.ipynb", b_nb)
    pipe = write_pipeline(project, _steps(b_nb), {"x": "in.txt"})
    p = ["--project", str(project)]

    r = _cli("run", str(pipe), "--until", "b", *p)  # exactly b and its ancestors: not c, not the sibling s
    assert r.exit_code == 0, r.output
    assert _table(r.output) == {"a": "ok", "b": "ok"} and "2 kernel(s) started" in r.output
    assert not (project / "outputs" / "c").exists() and not (project / "outputs" / "s").exists()

    res = run_pipeline(pipe, project=project, targets=["c"])  # a target: what it needs is up to date
    assert {s.node: s.status for s in res.steps} == {"a": "up-to-date", "b": "up-to-date", "c": "ok"}
    assert res.kernels_started == 1

    # a harmless change: a comment in b's notebook
    nb = json.loads(b_nb.read_text())
    nb["cells"][-1]["source"].append("  # the result is the same")
    b_nb.write_text(json.dumps(nb))
    st = {s.node: s for s in pipeline_status(pipe, project=project)}
    assert (st["b"].status, st["b"].reason) == ("stale", "notebook source changed")
    assert st["c"].status == "stale" and st["s"].status == "stale"

    r = _cli("accept", str(pipe), "b", *p)
    assert r.exit_code == 0, r.output
    assert r.output.startswith("b: outputs of build ") and " accepted as " in r.output
    st = {s.node: s for s in pipeline_status(pipe, project=project)}
    assert st["b"].status == "up-to-date" and st["b"].reason.startswith("accepted with `climpy accept` on ")
    assert st["c"].status == "up-to-date"  # b's outputs are the same bytes: c's key did not change
    r = _cli("status", str(pipe), *p)
    assert "accepted with `climpy accept`" in r.output

    r = _cli("run", str(pipe), "c", *p)  # accept, then run: no kernel
    assert r.exit_code == 0, r.output
    assert "0 kernel(s) started" in r.output and "up-to-date (accepted with `climpy accept`" in r.output
    assert (project / "outputs" / "b" / "b.txt").read_text() == "3.0"
    page = Path(_cli("report", "last", *p).output.strip()).read_text()
    assert "accepted with `climpy accept`" in page

    r = _cli("accept", str(pipe), "s", *p)  # never built: nothing to accept
    assert r.exit_code == 1 and "the step has no outputs yet; run it first" in r.output
    r = _cli("run", str(pipe), "--until", "nope", *p)
    assert r.exit_code == 2 and "unknown step(s) ['nope']" in r.output
