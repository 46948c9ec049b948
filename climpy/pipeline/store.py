"""The project store: immutable step outputs on disk and an SQLite record of every run.

Layout of a project folder::

    <project>/.climpy/runs.sqlite        runs, steps, builds, artifacts, edits, accepted, inuse, pins (WAL)
    <project>/.climpy/lock               held (flock) by the one `climpy run` writing the store
    <project>/.climpy/store/<key>/       outputs of one build + _executed.ipynb + provenance.json
    <project>/.climpy/tmp/               work folders of running steps (removed at the next run)
    <project>/.climpy/trash/             builds `climpy gc` is deleting
    <project>/.climpy/failed/<run>/      executed notebooks of failed steps (error cell marked)
    <project>/.climpy/inputs/            materialised ``sample:<res>`` inputs
    <project>/outputs/<step>/            symlinks to the latest outputs of each step

Atomicity: a step runs in ``tmp/<unique>/``; on success the whole folder is renamed to
``store/<key>/`` (one ``rename``), and only then the ``builds`` and ``artifacts`` rows are inserted
in one transaction. A killed run therefore leaves at worst a folder without a row, which
:meth:`Store.repair` removes; never a row pointing at a missing file. Store files are made
read-only (immutable).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import stat
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from climpy._typing import PathLike
from climpy.exceptions import PipelineError

__all__ = ["LockedError", "Store", "StoreLock"]

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, pipeline TEXT, started REAL, finished REAL, status TEXT,
    pid INTEGER, executor TEXT, jobs INTEGER, argv TEXT, dry_run INTEGER DEFAULT 0, dag TEXT
);
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL, node TEXT NOT NULL, step TEXT NOT NULL, member TEXT, key TEXT,
    status TEXT NOT NULL, reason TEXT, started REAL, finished REAL, duration REAL,
    notebook TEXT, executed_notebook TEXT, error_cell INTEGER, error_name TEXT, error_value TEXT,
    components TEXT, PRIMARY KEY (run_id, node)
);
CREATE INDEX IF NOT EXISTS steps_key ON steps(key);
CREATE INDEX IF NOT EXISTS steps_node ON steps(node);
CREATE TABLE IF NOT EXISTS builds (
    key TEXT PRIMARY KEY, step TEXT NOT NULL, created REAL, run_id TEXT, duration REAL,
    components TEXT
);
CREATE INDEX IF NOT EXISTS builds_step ON builds(step);
CREATE TABLE IF NOT EXISTS artifacts (
    key TEXT NOT NULL, param TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER,
    PRIMARY KEY (key, param)
);
CREATE TABLE IF NOT EXISTS edits (
    run_id TEXT NOT NULL, node TEXT NOT NULL, param TEXT NOT NULL, path TEXT, sha256 TEXT,
    PRIMARY KEY (run_id, node, param)
);
CREATE TABLE IF NOT EXISTS invalidated (
    key TEXT PRIMARY KEY, step TEXT NOT NULL, at REAL
);
CREATE TABLE IF NOT EXISTS accepted (
    key TEXT PRIMARY KEY, step TEXT NOT NULL, source_key TEXT NOT NULL, at REAL, run_id TEXT
);
CREATE TABLE IF NOT EXISTS inuse (
    run_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS pins (
    name TEXT PRIMARY KEY, run_id TEXT NOT NULL, at REAL
);
CREATE TABLE IF NOT EXISTS filehash (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER, sha256 TEXT
);
"""

#: Version of the database layout (``PRAGMA user_version``); :meth:`Store._migrate` upgrades older ones.
SCHEMA_VERSION = 2
EXECUTED_NAME = "_executed.ipynb"
PROVENANCE_NAME = "provenance.json"


class LockedError(PipelineError):
    """Another ``climpy run`` holds the project lock."""


@dataclass(frozen=True)
class Artifact:
    """One output file of a build."""

    param: str
    name: str
    sha256: str
    size: int


class StoreLock:
    """An exclusive ``flock`` on ``.climpy/lock`` (released when the process dies, even on kill -9)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, *, wait: bool | float = False, info: str = "") -> None:
        """Take the lock; wait forever (``True``), ``wait`` seconds, or fail at once (``False``).

        Raises
        ------
        LockedError
            If another process holds it, naming that process and the fix.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if wait is True else time.monotonic() + float(wait or 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
                    os.close(fd)
                    raise LockedError(
                        f"{self.path.parent.parent}: another climpy run is using this project ({holder}); "
                        "wait for it to finish, or pass --wait to queue behind it"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} {info}".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _make_readonly(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _rmtree(path: Path) -> None:
    def _onerror(func, p, exc_info):  # read-only store files: make writable, retry
        with contextlib.suppress(OSError):
            os.chmod(p, 0o755)
            os.chmod(os.path.dirname(p), 0o755)
            func(p)

    if path.is_symlink() or path.is_file():  # e.g. a spare kernel's log left by a killed run
        path.unlink()
    elif path.exists():
        shutil.rmtree(path, onerror=_onerror)


class Store:
    """The content-addressed output store and SQLite run database of one project folder.

    Parameters
    ----------
    project : path
        The project folder (created if needed); state goes to ``<project>/.climpy``.
    """

    def __init__(self, project: PathLike) -> None:
        self.project = Path(project).resolve()
        self.root = self.project / ".climpy"
        for sub in ("store", "tmp", "failed", "inputs", "reports", "trash"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.db_path = self.root / "runs.sqlite"
        self.db = sqlite3.connect(self.db_path, timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self._migrate()
        self.lock = StoreLock(self.root / "lock")

    # ------------------------------------------------------------------ basics
    def _migrate(self) -> None:
        """Bring a database written by an older climpy up to :data:`SCHEMA_VERSION`."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        cols = {r["name"] for r in self.db.execute("PRAGMA table_info(runs)")}
        if "dag" not in cols:  # version 0 -> 1: the DAG of each run, for reports
            self.db.execute("ALTER TABLE runs ADD COLUMN dag TEXT")
        if "edit_set" not in cols:  # 1 -> 2: the named edit set a run replayed (NULL: edits/*.json)
            self.db.execute("ALTER TABLE runs ADD COLUMN edit_set TEXT")
        self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the database and release the lock if held."""
        self.lock.release()
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on error)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def build_dir(self, key: str) -> Path:
        """Folder of the build ``key``."""
        return self.root / "store" / key

    def new_tmp(self, key: str) -> Path:
        """Create a fresh private work folder for a step about to run."""
        p = self.root / "tmp" / f"{key[:16]}-{uuid.uuid4().hex[:8]}"
        p.mkdir(parents=True)
        return p

    # ------------------------------------------------------------------ file hashes
    def file_hash(self, path: PathLike) -> str:
        """Content hash of a file, cached on (size, mtime, inode) in the database."""
        from climpy.pipeline.hashing import file_state, sha256_file

        p = str(Path(path).resolve())
        size, mtime, ino = file_state(p)
        row = self.db.execute(
            "SELECT size, mtime_ns, ino, sha256 FROM filehash WHERE path=?", (p,)
        ).fetchone()
        if row is not None and (row["size"], row["mtime_ns"], row["ino"]) == (size, mtime, ino):
            return row["sha256"]
        digest = sha256_file(p)
        self.db.execute("INSERT OR REPLACE INTO filehash VALUES (?,?,?,?,?)", (p, size, mtime, ino, digest))
        return digest

    # ------------------------------------------------------------------ builds
    def get_build(self, key: str) -> dict[str, Artifact] | None:
        """Artifacts of build ``key`` (param -> Artifact) if it exists and its folder is intact."""
        row = self.db.execute("SELECT key FROM builds WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        arts = {
            r["param"]: Artifact(r["param"], r["name"], r["sha256"], r["size"])
            for r in self.db.execute("SELECT * FROM artifacts WHERE key=?", (key,))
        }
        d = self.build_dir(key)
        if not all((d / a.name).is_file() for a in arts.values()):
            logger.warning("build %s lost files on disk; it will be rebuilt", key[:12])
            self.drop_build(key)
            return None
        return arts

    def last_build_components(self, step: str) -> dict | None:
        """Components of the most recent build of ``step`` (for 'why is it stale')."""
        row = self.db.execute(
            "SELECT components FROM builds WHERE step=? ORDER BY created DESC LIMIT 1", (step,)
        ).fetchone()
        return json.loads(row["components"]) if row and row["components"] else None

    def commit_build(
        self,
        key: str,
        step: str,
        tmp: Path,
        artifacts: dict[str, Artifact],
        *,
        run_id: str,
        duration: float,
        components: dict,
        accepted_from: str | None = None,
    ) -> Path:
        """Move a finished work folder into the store and record it (rename, then rows, one transaction).

        The rename happens inside the database's write transaction, so :meth:`gc` (which moves
        folders out in its own write transaction) never races it; the build is marked in use by
        ``run_id`` until the run finishes. ``accepted_from`` marks a build made by
        :meth:`accept_build` (the key whose outputs it holds).

        Returns
        -------
        Path
            The build folder ``store/<key>``.
        """
        final = self.build_dir(key)
        _make_readonly(tmp)
        with self.transaction() as db:
            row = db.execute("SELECT 1 FROM builds WHERE key=?", (key,)).fetchone()
            if row is not None and final.is_dir():  # a concurrent identical build: keep the first
                db.execute("INSERT OR IGNORE INTO inuse VALUES (?,?)", (run_id, key))
                _rmtree(tmp)
                return final
            if final.exists():  # an orphan of a killed run (no row)
                _rmtree(final)
            os.rename(tmp, final)
            db.execute("DELETE FROM invalidated WHERE key=?", (key,))
            db.execute(
                "INSERT OR REPLACE INTO builds VALUES (?,?,?,?,?,?)",
                (key, step, time.time(), run_id, duration, json.dumps(components, sort_keys=True)),
            )
            db.execute("DELETE FROM artifacts WHERE key=?", (key,))
            db.executemany(
                "INSERT INTO artifacts VALUES (?,?,?,?,?)",
                [(key, a.param, a.name, a.sha256, a.size) for a in artifacts.values()],
            )
            db.execute("DELETE FROM accepted WHERE key=?", (key,))
            if accepted_from is not None:
                db.execute(
                    "INSERT INTO accepted VALUES (?,?,?,?,?)", (key, step, accepted_from, time.time(), run_id)
                )
            db.execute("INSERT OR IGNORE INTO inuse VALUES (?,?)", (run_id, key))
        return final

    def use_build(self, run_id: str, key: str) -> dict[str, Artifact] | None:
        """Like :meth:`get_build`, and mark the build in use by run ``run_id`` so :meth:`gc` keeps it.

        The check and the mark are one write transaction: a concurrent ``climpy gc`` either removed
        the build before (None is returned, the step re-runs) or keeps it until the run finishes.
        """
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM builds WHERE key=?", (key,)).fetchone() is None:
                return None
            db.execute("INSERT OR IGNORE INTO inuse VALUES (?,?)", (run_id, key))
        arts = self.get_build(key)
        if arts is None:
            self.db.execute("DELETE FROM inuse WHERE run_id=? AND key=?", (run_id, key))
        return arts

    def accept_build(
        self, key: str, step: str, source: str, *, run_id: str, components: dict
    ) -> dict[str, Artifact]:
        """Record the outputs of build ``source`` as build ``key`` (``climpy accept``), without running.

        The files are hard links to those of ``source`` (copies on another file system), so the new
        build owns them: removing ``source`` later leaves it intact.

        Raises
        ------
        PipelineError
            If ``source`` is not an intact build.
        """
        arts = self.use_build(run_id, source)  # a concurrent `climpy gc` keeps it while we link it
        if arts is None:
            raise PipelineError(f"{self.root}: build {source[:12]} of {step!r} is gone; run the step instead")
        tmp = self.new_tmp(key)
        src = self.build_dir(source)
        for name in [a.name for a in arts.values()] + [EXECUTED_NAME, PROVENANCE_NAME]:
            if (src / name).is_file():
                try:
                    os.link(src / name, tmp / name)
                except OSError:
                    shutil.copy2(src / name, tmp / name)
        self.commit_build(
            key, step, tmp, arts, run_id=run_id, duration=0.0, components=components, accepted_from=source
        )
        return arts

    def accepted(self, key: str) -> sqlite3.Row | None:
        """Return the ``accepted`` row of build ``key`` (source_key, at, run_id), None for a built one."""
        return self.db.execute("SELECT * FROM accepted WHERE key=?", (key,)).fetchone()

    def current_key(self, step: str, view: Path) -> str | None:
        """Key of the build ``view`` (``outputs/<step>``) shows, else of the newest build of ``step``."""
        link = view / EXECUTED_NAME
        if link.is_symlink():
            key = Path(os.readlink(link)).parent.name
            if self.db.execute("SELECT 1 FROM builds WHERE key=?", (key,)).fetchone():
                return key
        row = self.db.execute(
            "SELECT key FROM builds WHERE step=? ORDER BY created DESC LIMIT 1", (step,)
        ).fetchone()
        return row["key"] if row else None

    def drop_build(self, key: str) -> None:
        """Forget a build: delete its rows first, then its folder (never a row without files)."""
        with self.transaction() as db:
            db.execute("DELETE FROM accepted WHERE key=?", (key,))
            db.execute("DELETE FROM artifacts WHERE key=?", (key,))
            db.execute("DELETE FROM builds WHERE key=?", (key,))
        _rmtree(self.build_dir(key))

    def invalidate(self, step: str) -> list[str]:
        """Drop every build of ``step``; return the dropped keys."""
        keys = [r["key"] for r in self.db.execute("SELECT key FROM builds WHERE step=?", (step,))]
        for k in keys:
            self.drop_build(k)
            self.db.execute("INSERT OR REPLACE INTO invalidated VALUES (?,?,?)", (k, step, time.time()))
        return keys

    def stale_reasons(self, step: str, key: str, components: dict) -> list[str]:
        """Why build ``key`` of ``step`` is missing: invalidated, or what changed since the last build."""
        from climpy.pipeline.hashing import diff_components

        if self.db.execute("SELECT 1 FROM invalidated WHERE key=?", (key,)).fetchone():
            return ["invalidated with `climpy invalidate`"]
        return diff_components(self.last_build_components(step), components)

    def repair(self) -> dict[str, int]:
        """Make the store consistent after a killed run (call with the lock held).

        Removes work folders, store folders without a build row, build rows whose files are gone,
        and marks runs and steps left ``running`` as ``interrupted``.

        Returns
        -------
        dict
            Counts of what was fixed.
        """
        fixed = {"tmp": 0, "orphans": 0, "lost": 0, "interrupted": 0}
        for p in (self.root / "tmp").iterdir():
            _rmtree(p)
            fixed["tmp"] += 1
        view = self.project / "outputs"
        if view.is_dir():  # half-made links of link_outputs (".<name>.<6 hex>"), not counted
            for p in view.rglob(".*"):
                if p.is_symlink() and len(p.suffix) == 7:
                    p.unlink()
        keys = {r["key"] for r in self.db.execute("SELECT key FROM builds")}
        for p in (self.root / "store").iterdir():
            if p.name not in keys:
                _rmtree(p)
                fixed["orphans"] += 1
        for k in keys:
            arts = self.db.execute("SELECT name FROM artifacts WHERE key=?", (k,)).fetchall()
            d = self.build_dir(k)
            if not d.is_dir() or not all((d / a["name"]).is_file() for a in arts):
                self.drop_build(k)
                fixed["lost"] += 1
        with self.transaction() as db:
            n = db.execute("UPDATE runs SET status='interrupted' WHERE status='running'").rowcount
            db.execute("UPDATE steps SET status='interrupted' WHERE status='running'")
            db.execute("DELETE FROM inuse")  # every run that used builds is over (we hold the lock)
        fixed["interrupted"] = n
        if any(fixed.values()):
            logger.warning("store repaired after an interrupted run: %s", fixed)
        return fixed

    # ------------------------------------------------------------------ run records
    def start_run(
        self,
        run_id: str,
        pipeline: str,
        *,
        executor: str,
        jobs: int,
        argv: list[str],
        dry_run: bool = False,
        dag: dict[str, list[str]] | None = None,
        edit_set: str | None = None,
    ) -> None:
        """Insert the run row (status ``running``); ``dag`` maps node -> upstream nodes."""
        self.db.execute(
            "INSERT INTO runs (id, pipeline, started, finished, status, pid, executor, jobs, argv, dry_run, "
            "dag, edit_set) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run_id,
                pipeline,
                time.time(),
                None,
                "running",
                os.getpid(),
                executor,
                jobs,
                json.dumps(argv),
                int(dry_run),
                json.dumps(dag or {}),
                edit_set,
            ),
        )

    def finish_run(self, run_id: str, status: str) -> None:
        """Close the run row (its builds are no longer in use: the run's step rows now keep them)."""
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished=?, status=? WHERE id=?", (time.time(), status, run_id))
            db.execute("DELETE FROM inuse WHERE run_id=?", (run_id,))

    def record_step(self, run_id: str, node: str, **fields: Any) -> None:
        """Insert or update the row of ``node`` in run ``run_id``."""
        cols = ["run_id", "node", *fields]
        vals = [run_id, node, *fields.values()]
        updates = ", ".join(f"{c}=excluded.{c}" for c in fields)
        self.db.execute(
            f"INSERT INTO steps ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT(run_id, node) DO UPDATE SET {updates}",
            vals,
        )

    def record_edits(self, run_id: str, node: str, edits: dict[str, tuple[str, str | None]]) -> None:
        """Record the edit files a step replays (param -> (path, sha256 or None))."""
        self.db.executemany(
            "INSERT OR REPLACE INTO edits VALUES (?,?,?,?,?)",
            [(run_id, node, p, path, h) for p, (path, h) in edits.items()],
        )

    def last_attempt(self, node: str, key: str) -> sqlite3.Row | None:
        """Latest step row of ``node`` with ``key`` that ran (ok, failed, needs-review)."""
        return self.db.execute(
            "SELECT s.* FROM steps s JOIN runs r ON r.id = s.run_id WHERE s.node=? AND s.key=? "
            "AND s.status IN ('ok','failed','needs-review') ORDER BY s.started DESC LIMIT 1",
            (node, key),
        ).fetchone()

    def runs(self) -> list[sqlite3.Row]:
        """All runs, newest first."""
        return self.db.execute("SELECT * FROM runs ORDER BY started DESC").fetchall()

    def resolve_run(self, run: str) -> str:
        """Full run id from an id prefix, ``last`` or ``latest``.

        Raises
        ------
        PipelineError
            If no run (or several) match.
        """
        if run in ("last", "latest"):
            row = self.db.execute(
                "SELECT id FROM runs WHERE dry_run=0 ORDER BY started DESC LIMIT 1"
            ).fetchone()
            if row is None:
                raise PipelineError(f"{self.project}: no run recorded yet; start one with `climpy run`")
            return row["id"]
        rows = self.db.execute("SELECT id FROM runs WHERE id LIKE ?", (run + "%",)).fetchall()
        if len(rows) != 1:
            known = [r["id"] for r in self.runs()[:5]]
            what = "no run" if not rows else f"{len(rows)} runs"
            raise PipelineError(
                f"{self.db_path}: {what} match {run!r}; give a longer run id or 'last' (recent: {known})"
            )
        return rows[0]["id"]

    def run_steps(self, run_id: str) -> list[sqlite3.Row]:
        """Step rows of a run in start order."""
        return self.db.execute(
            "SELECT * FROM steps WHERE run_id=? ORDER BY COALESCE(started, 1e300), node", (run_id,)
        ).fetchall()

    # ------------------------------------------------------------------ read-only queries (dashboard)
    def data_version(self) -> tuple[int, int]:
        """Return a cheap change marker: ``PRAGMA data_version`` and the number of step rows.

        ``data_version`` changes whenever another connection (another process, e.g. a running
        ``climpy run``) commits to the database; a poller compares markers before querying more.
        """
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        rowid = self.db.execute("SELECT COALESCE(max(rowid), 0) FROM steps").fetchone()[0]
        return int(version), int(rowid)

    def run_row(self, run_id: str) -> sqlite3.Row | None:
        """Return the row of run ``run_id`` (None if unknown)."""
        return self.db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()

    def latest_run(self, *, include_dry_runs: bool = False) -> sqlite3.Row | None:
        """Return the most recently started run (None before the first run)."""
        where = "" if include_dry_runs else "WHERE dry_run=0"
        return self.db.execute(f"SELECT * FROM runs {where} ORDER BY started DESC LIMIT 1").fetchone()

    def run_summaries(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return the runs newest first with their number of steps per status (one query, no N+1).

        Returns
        -------
        list of dict
            The run columns plus ``counts`` (status -> number of steps).
        """
        sql = "SELECT * FROM runs WHERE dry_run=0 ORDER BY started DESC"
        args: tuple = ()
        if limit is not None:
            sql += " LIMIT ?"
            args = (int(limit),)
        runs = [dict(r) for r in self.db.execute(sql, args)]
        if not runs:
            return runs
        ids = {r["id"]: r for r in runs}
        for r in runs:
            r["counts"] = {}
        marks = ",".join("?" * len(ids))
        for row in self.db.execute(
            f"SELECT run_id, status, count(*) AS n FROM steps WHERE run_id IN ({marks}) "
            "GROUP BY run_id, status",
            tuple(ids),
        ):
            ids[row["run_id"]]["counts"][row["status"]] = row["n"]
        return runs

    def step_history(self, node: str, limit: int = 20) -> list[sqlite3.Row]:
        """Return the last ``limit`` rows of ``node`` that ran or were checked, newest first."""
        return self.db.execute(
            "SELECT s.*, r.started AS run_started FROM steps s JOIN runs r ON r.id = s.run_id "
            "WHERE s.node=? AND r.dry_run=0 ORDER BY COALESCE(s.started, r.started) DESC LIMIT ?",
            (node, int(limit)),
        ).fetchall()

    def step_row(self, run_id: str, node: str) -> sqlite3.Row | None:
        """Return the row of ``node`` in run ``run_id``."""
        return self.db.execute("SELECT * FROM steps WHERE run_id=? AND node=?", (run_id, node)).fetchone()

    def build_components(self, key: str) -> dict | None:
        """Return the key components recorded with build ``key`` (None if there is no such build)."""
        row = self.db.execute("SELECT components FROM builds WHERE key=?", (key,)).fetchone()
        return json.loads(row["components"]) if row and row["components"] else None

    def artifacts(self, key: str) -> dict[str, Artifact]:
        """Return the recorded artifacts of build ``key`` (param -> Artifact), without touching the files.

        Unlike :meth:`get_build`, this never drops a build whose files are gone: it only reads.
        """
        return {
            r["param"]: Artifact(r["param"], r["name"], r["sha256"], r["size"])
            for r in self.db.execute("SELECT * FROM artifacts WHERE key=? ORDER BY param", (key,))
        }

    # ------------------------------------------------------------------ outputs view
    def link_outputs(self, view: Path, key: str, artifacts: dict[str, Artifact]) -> None:
        """Point ``view`` (``outputs/<step>``) at build ``key`` with relative symlinks, atomically.

        Each link is created under a temporary name and ``os.replace``-d over the old one.
        """
        view.mkdir(parents=True, exist_ok=True)
        build = self.build_dir(key)
        names = [a.name for a in artifacts.values()] + [EXECUTED_NAME, PROVENANCE_NAME]
        for name in names:
            target = build / name
            if not target.exists():
                continue
            link = view / name
            rel = os.path.relpath(target, view)
            if link.is_symlink() and os.readlink(link) == rel:
                continue  # already current: a no-op run touches nothing
            tmp = view / f".{name}.{uuid.uuid4().hex[:6]}"
            os.symlink(rel, tmp)
            os.replace(tmp, link)
