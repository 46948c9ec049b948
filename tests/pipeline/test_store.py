"""The store: atomic commits, repair after a kill, the project lock, run records."""

from __future__ import annotations

import hashlib

import pytest

from climpy.exceptions import PipelineError
from climpy.pipeline.store import Artifact, LockedError, Store


def _art(work, name="o.txt", text="x"):
    (work / name).write_text(text)
    return {"out": Artifact("out", name, hashlib.sha256(text.encode()).hexdigest(), len(text))}


def test_commit_is_atomic_and_immutable(tmp_path):
    with Store(tmp_path) as store:
        work = store.new_tmp("k" * 64)
        arts = _art(work)
        assert store.get_build("k" * 64) is None
        final = store.commit_build("k" * 64, "a", work, arts, run_id="r", duration=1.0, components={"p": 1})
        assert not work.exists() and (final / "o.txt").read_text() == "x"
        assert store.get_build("k" * 64) == arts
        assert not (final / "o.txt").stat().st_mode & 0o222
        assert store.last_build_components("a") == {"p": 1}
        assert store.invalidate("a") == ["k" * 64]
        assert store.get_build("k" * 64) is None and not final.exists()


def test_repair_after_a_kill(tmp_path):
    with Store(tmp_path) as store:
        store.new_tmp("a" * 64)  # a work folder of a killed step
        (store.root / "store" / ("b" * 64)).mkdir()  # renamed but no row (killed before the commit)
        work = store.new_tmp("c" * 64)
        store.commit_build("c" * 64, "c", work, _art(work), run_id="r", duration=0, components={})
        (store.build_dir("c" * 64) / "o.txt").unlink()  # a build whose file vanished
        store.start_run("r1", "p.yaml", executor="local", jobs=1, argv=[])
        store.record_step("r1", "c", step="c", status="running")
        fixed = store.repair()
        assert fixed == {"tmp": 1, "orphans": 1, "lost": 1, "interrupted": 1}
        assert not any((store.root / "tmp").iterdir()) and not any((store.root / "store").iterdir())
        assert store.db.execute("SELECT status FROM steps").fetchone()[0] == "interrupted"


def test_lock_refuses_a_second_writer_with_a_clear_message(tmp_path):
    a, b = Store(tmp_path), Store(tmp_path)
    try:
        a.lock.acquire(info="run first")
        with pytest.raises(
            LockedError, match=r"another climpy run is using this project \(pid \d+ run first\).*--wait"
        ):
            b.lock.acquire(wait=0.3)
        a.lock.release()
        b.lock.acquire(wait=0.3)
    finally:
        a.close()
        b.close()


def test_wal_mode_and_run_lookup(tmp_path):
    with Store(tmp_path) as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with pytest.raises(PipelineError, match=r"no run recorded yet"):
            store.resolve_run("last")
        store.start_run("20260101T000000-abcdef", "p", executor="local", jobs=1, argv=[])
        assert store.resolve_run("2026") == store.resolve_run("last") == "20260101T000000-abcdef"
        with pytest.raises(PipelineError, match=r"no run match 'zz'"):
            store.resolve_run("zz")


def test_file_hash_cache_follows_content(tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("1")
    with Store(tmp_path) as store:
        h = store.file_hash(f)
        f.write_text("1")  # identical rewrite: new mtime, same hash
        assert store.file_hash(f) == h
        f.write_text("2")
        assert store.file_hash(f) != h


def test_older_database_is_migrated(tmp_path):
    import sqlite3

    (tmp_path / ".climpy").mkdir()
    db = sqlite3.connect(tmp_path / ".climpy" / "runs.sqlite")
    db.execute(
        "CREATE TABLE runs (id TEXT PRIMARY KEY, pipeline TEXT, started REAL, finished REAL, status TEXT, "
        "pid INTEGER, executor TEXT, jobs INTEGER, argv TEXT, dry_run INTEGER DEFAULT 0)"
    )
    db.commit()
    db.close()
    with Store(tmp_path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 2
        store.start_run("r", "p", executor="local", jobs=1, argv=[], dag={"a": []})
        assert store.db.execute("SELECT dag FROM runs").fetchone()[0] == '{"a": []}'
