"""``climpy gc``: what it keeps (recent runs, pins, outputs/ links, running runs) and a gc racing a run."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pipeline_helpers import check_store, climpy_cmd, write_pipeline

from climpy.cli import main
from climpy.pipeline import run_pipeline
from climpy.pipeline.gc import collect
from climpy.pipeline.store import Artifact, Store

CHAIN = {
    "a": {"notebook": "add.ipynb", "inputs": {"in_path": "inputs.x"}, "outputs": {"out_path": "a.txt"}},
    "b": {
        "notebook": "add.ipynb",
        "parameters": {"value": 2},
        "inputs": {"in_path": "a.out_path"},
        "outputs": {"out_path": "b.txt"},
    },
    "c": {"notebook": "add.ipynb", "inputs": {"in_path": "b.out_path"}, "outputs": {"out_path": "c.txt"}},
}


def _integrity(project: Path) -> str:
    db = sqlite3.connect(project / ".climpy" / "runs.sqlite")
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def _builds(project: Path) -> dict[str, str]:
    db = sqlite3.connect(project / ".climpy" / "runs.sqlite")
    try:
        return dict(db.execute("SELECT key, step FROM builds"))
    finally:
        db.close()


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


def _fake_build(store: Store, run_id: str, key: str) -> None:
    tmp = store.new_tmp(key)
    (tmp / "x.txt").write_text(key)
    art = Artifact("out", "x.txt", "0" * 64, len(key))
    store.commit_build(key, "s", tmp, {"out": art}, run_id=run_id, duration=0.0, components={})


def test_a_running_run_keeps_the_builds_it_uses(tmp_path):
    """The reference counts alone (no kernel): in use by a running run -> kept; after it -> removable."""
    with Store(tmp_path) as store:
        store.start_run("r1", "p.yaml", executor="local", jobs=1, argv=[])
        _fake_build(store, "r1", "k" * 64)  # committed by the running run r1
        store.finish_run("r1", "ok")
        store.start_run("r2", "p.yaml", executor="local", jobs=1, argv=[])
        assert store.use_build("r2", "k" * 64) is not None  # r2 takes it as up to date
        assert collect(tmp_path, keep_runs=0).builds == []  # r2 still runs: kept
        store.record_step("r2", "s", step="s", key="k" * 64, status="up-to-date")
        store.finish_run("r2", "ok")
        assert collect(tmp_path, keep_runs=1, dry_run=True).builds == []  # r2, the last run, used it
        res = collect(tmp_path, keep_runs=0)
        assert [(s, k) for s, k, _ in res.builds] == [("s", "k" * 64)] and res.freed == 64
        assert store.use_build("r3", "k" * 64) is None and not store.build_dir("k" * 64).exists()
        assert not any((store.root / "trash").iterdir())


@pytest.mark.slow
@pytest.mark.notebooks
def test_gc_keeps_runs_pins_and_outputs_and_races_a_run_safely(project):
    pipe = write_pipeline(project, CHAIN, {"x": "in.txt"})
    p = ["--project", str(project)]
    r0 = run_pipeline(pipe, project=project, overrides=["b.value=5"])  # a, b5, c5
    r1 = run_pipeline(pipe, project=project)  # b2, c2; outputs/ shows a, b2, c2
    assert r0.exit_code == r1.exit_code == 0
    old = {s.node: s.key for s in r0.steps if s.node != "a"}

    r = _cli("gc", "--keep-runs", "1", "--dry-run", *p)
    assert r.exit_code == 0, r.output
    assert "would remove 2 build(s)" in r.output and old["b"][:12] in r.output and old["c"][:12] in r.output
    assert set(old.values()) <= set(_builds(project))  # a dry run removes nothing

    assert _cli("pin", "wide", r0.run_id, *p).output == f"pinned run {r0.run_id} as wide\n"
    r = _cli("gc", "--keep-runs", "0", *p)  # the pin keeps b5 and c5; outputs/ keeps a, b2, c2
    assert "removed 0 build(s)" in r.output and "pins: wide" in r.output
    assert _cli("unpin", "wide", *p).exit_code == 0

    # a run that takes b5 as up to date and runs c on it, while gc runs again and again
    proc = climpy_cmd(
        "run", str(pipe), *p, "--set", "b.value=5", "--set", "c.sleep=2", "--no-progress", cwd=project
    )
    removed: list[str] = []
    try:
        while proc.poll() is None:
            removed += [k for _, k, _ in collect(project, keep_runs=0).builds]
            time.sleep(0.05)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + err
    assert float((project / "outputs" / "c" / "c.txt").read_text()) == 1 + 1 + 5 + 1
    db = sqlite3.connect(project / ".climpy" / "runs.sqlite")
    (run2,) = db.execute("SELECT id FROM runs ORDER BY started DESC LIMIT 1").fetchone()
    used = dict(db.execute("SELECT node, key FROM steps WHERE run_id=?", (run2,)))
    assert db.execute("SELECT count(*) FROM inuse").fetchone()[0] == 0
    db.close()
    assert set(used.values()) <= set(_builds(project))  # nothing the run needed was removed
    assert old["c"] in removed  # c5 (not needed: c ran with a new sleep) went while the run went on
    assert _integrity(project) == "ok"
    check_store(project, allow_tmp=False)
    # once the run is over, gc leaves what outputs/ shows: a, b5 (kept, or rebuilt if gc took it
    # before the run started) and the new c
    res = collect(project, keep_runs=0)
    assert {k for _, k, _ in res.builds} <= {r1.steps[1].key, r1.steps[2].key}
    assert set(_builds(project)) == set(used.values()) and old["b"] == used["b"] and res.kept == 3
    assert collect(project, keep_runs=0).builds == []
