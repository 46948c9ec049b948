"""Helpers of the pipeline tests (a uniquely named module: tests/ folders are not packages)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

NOTEBOOKS = Path(__file__).parent / "notebooks"
ROOT = Path(__file__).resolve().parents[2]


def write_pipeline(
    project: Path, steps: dict, inputs: dict | None = None, name: str = "test", **top: object
) -> Path:
    """Write ``project/pipeline.yaml``; notebook names are resolved in tests/pipeline/notebooks.

    ``top`` adds top-level keys (``track_environment=False``).
    """
    spec = {"name": name, **top, "inputs": inputs or {}, "steps": {}}
    for step, s in steps.items():
        s = dict(s)
        s["notebook"] = str(NOTEBOOKS / s["notebook"])
        spec["steps"][step] = s
    path = project / "pipeline.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def check_store(project: Path, *, allow_tmp: bool = True) -> dict[str, int]:
    """Assert the store is consistent: every build row points at files with the recorded hashes."""
    root = project / ".climpy"
    if not (root / "runs.sqlite").exists():  # killed before the store was created
        return {"builds": 0, "artifacts": 0, "running": 0}
    db = sqlite3.connect(root / "runs.sqlite")
    try:
        builds = [r[0] for r in db.execute("SELECT key FROM builds")]
        n_art = 0
        for key in builds:
            for name, sha in db.execute("SELECT name, sha256 FROM artifacts WHERE key=?", (key,)):
                f = root / "store" / key / name
                assert f.is_file(), f"build {key[:12]} row points at missing {name}"
                assert hashlib.sha256(f.read_bytes()).hexdigest() == sha, f"{f} does not match its hash"
                n_art += 1
        running = db.execute("SELECT count(*) FROM runs WHERE status='running'").fetchone()[0]
    finally:
        db.close()
    if not allow_tmp:
        assert not any((root / "tmp").iterdir()), "work folders left behind"
        stored = {p.name for p in (root / "store").iterdir()}
        assert stored == set(builds), f"store folders without rows: {stored - set(builds)}"
    return {"builds": len(builds), "artifacts": n_art, "running": running}


def climpy_cmd(*args: str, cwd: Path, **kw) -> subprocess.Popen:
    """Start ``climpy ARGS`` in a subprocess (its own session, so it can be killed as a group)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "climpy", *args],
        cwd=cwd,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )
