"""kill -9 of a running `climpy run` at several points, and two runs on one project at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pipeline_helpers import check_store, climpy_cmd, write_pipeline

from climpy.cli import main
from climpy.pipeline import run_pipeline

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]

CHAIN = {
    "a": {
        "notebook": "add.ipynb",
        "parameters": {"sleep": 1.5},
        "inputs": {"in_path": "inputs.x"},
        "outputs": {"out_path": "a.txt"},
    },
    "b": {
        "notebook": "add.ipynb",
        "parameters": {"sleep": 1.5, "value": 10},
        "inputs": {"in_path": "a.out_path"},
        "outputs": {"out_path": "b.txt"},
    },
    "c": {
        "notebook": "add.ipynb",
        "parameters": {"value": 100},
        "inputs": {"in_path": "b.out_path"},
        "outputs": {"out_path": "c.txt"},
    },
}


def _query(project: Path, sql: str) -> list:
    db_path = project / ".climpy" / "runs.sqlite"
    if not db_path.exists():
        return []
    db = sqlite3.connect(db_path, timeout=10)
    try:
        return db.execute(sql).fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return []
    finally:
        db.close()


def _wait_for(cond, timeout=180.0):
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError("condition not reached")
        time.sleep(0.05)


def _kill(proc) -> None:
    """kill -9 the climpy process only, as a user would, and reap it (its orphans live on)."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _cleanup(proc) -> None:
    """Then end what we started (orphaned workers and kernels) before the next round."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)


KILL_POINTS = {
    "at start-up": lambda p: time.sleep(0.3),
    "while step a runs": lambda p: _wait_for(
        lambda: _query(p, "SELECT 1 FROM steps WHERE node='a' AND status='running'")
    ),
    "right after a is committed": lambda p: _wait_for(lambda: _query(p, "SELECT 1 FROM builds")),
    "while step b runs": lambda p: _wait_for(
        lambda: _query(p, "SELECT 1 FROM steps WHERE node='b' AND status='running'")
    ),
}


def test_kill_9_then_rerun_completes_with_a_consistent_store(project):
    pipe = write_pipeline(project, CHAIN, {"x": "in.txt"})
    for point, wait in KILL_POINTS.items():
        proc = climpy_cmd("run", str(pipe), "--project", str(project), cwd=project)
        wait(project)
        _kill(proc)
        state = check_store(project)  # no row points at a missing or different file
        _cleanup(proc)
        assert proc.returncode == -signal.SIGKILL, point
        assert state["builds"] <= 2, point
    r = run_pipeline(pipe, project=project)
    assert r.exit_code == 0 and all(s.status in ("ok", "up-to-date") for s in r.steps)
    assert float((project / "outputs" / "c" / "c.txt").read_text()) == 1 + 1 + 10 + 100
    assert check_store(project, allow_tmp=False) == {"builds": 3, "artifacts": 3, "running": 0}
    statuses = {s for (s,) in _query(project, "SELECT status FROM runs")}
    assert "running" not in statuses and "interrupted" in statuses


def test_a_second_run_refuses_or_waits(project):
    pipe = write_pipeline(project, {"a": CHAIN["a"]}, {"x": "in.txt"})
    proc = climpy_cmd("run", str(pipe), "--project", str(project), cwd=project)
    try:
        _wait_for(lambda: _query(project, "SELECT 1 FROM runs WHERE status='running'"))
        r = CliRunner().invoke(main, ["run", str(pipe), "--project", str(project)])
        assert r.exit_code == 1
        assert "another climpy run is using this project" in r.output and "--wait" in r.output
        r = CliRunner().invoke(main, ["run", str(pipe), "--project", str(project), "--wait"])
        assert r.exit_code == 0, r.output
        assert "0 kernel(s) started" in r.output  # it waited, then found the first run's build
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "1 kernel(s) started" in out
    finally:
        if proc.poll() is None:
            _cleanup(proc)
    assert check_store(project, allow_tmp=False)["builds"] == 1
