"""Named edit sets: ``edits/<set>/<step>.json``, ``climpy run --edits SET``, compared in the report."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pipeline_helpers import write_pipeline

from climpy.cli import main
from climpy.pipeline import run_pipeline
from climpy.pipeline.spec import edit_set_path

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]

STEPS = {
    "a": {"notebook": "add.ipynb", "inputs": {"in_path": "inputs.x"}, "outputs": {"out_path": "a.txt"}},
    "c": {
        "notebook": "edited.ipynb",
        "inputs": {"in_path": "a.out_path"},
        "edits": {"edits_path": "edits/c.json"},
        "outputs": {"out_path": "c.txt"},
    },
    "d": {"notebook": "add.ipynb", "inputs": {"in_path": "c.out_path"}, "outputs": {"out_path": "d.txt"}},
    "g": {"notebook": "add.ipynb", "inputs": {"in_path": "a.out_path"}, "outputs": {"out_path": "g.txt"}},
}


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_two_edit_sets_give_two_output_sets(project):
    pipe = write_pipeline(project, STEPS, {"x": "in.txt"})
    grid = hashlib.sha256(b"2.0").hexdigest()  # the edits are made on a's output
    for name, add in (("wide", 5), ("closed", 7)):  # what an editor saves into each set
        f = project / edit_set_path("edits/c.json", name)
        f.parent.mkdir(parents=True)
        f.write_text(json.dumps({"grid": grid, "add": add}))
    p = ["--project", str(project)]

    r = _cli("run", str(pipe), "--edits", "wide", *p)
    assert r.exit_code == 0, r.output
    assert "4 kernel(s) started" in r.output and "wide/c" in r.output
    res = run_pipeline(pipe, project=project, edit_set="closed")
    st = {s.node: s.status for s in res.steps}
    # a and g have no edits: the same keys, shared builds, nothing re-runs
    assert st == {"closed/a": "up-to-date", "closed/g": "up-to-date", "closed/c": "ok", "closed/d": "ok"}

    out = project / "outputs"
    for step, name in (("a", "a.txt"), ("g", "g.txt")):
        assert _sha(out / "wide" / step / name) == _sha(out / "closed" / step / name)
    for step, name in (("c", "c.txt"), ("d", "d.txt")):
        assert _sha(out / "wide" / step / name) != _sha(out / "closed" / step / name)
    assert float((out / "wide" / "d" / "d.txt").read_text()) == 2 + 5 + 1
    assert float((out / "closed" / "d" / "d.txt").read_text()) == 2 + 7 + 1

    r = _cli("status", str(pipe), "--edits", "wide", *p)
    assert r.exit_code == 0 and r.output.split()[:2] == ["wide/a", "up-to-date"]
    page = Path(_cli("report", "last", *p).output.strip()).read_text()
    assert "Edit set: <b>closed</b>" in page and "Against edit set <code>wide</code>" in page
    assert page.count(">same</td>") == 2 and page.count(">differs</td>") == 2

    r = _cli("run", str(pipe), "--edits", "narrow", *p)
    assert (
        r.exit_code == 2
        and "no edit set 'narrow'" in r.output
        and "known sets: ['closed', 'wide']" in r.output
    )
