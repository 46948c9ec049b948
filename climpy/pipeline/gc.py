"""``climpy gc``: remove the builds of the store that nothing keeps, safely while a run reads them.

A build is kept when any of these references it:

* a step row of one of the ``keep_runs`` most recent runs (dry runs excluded), of a run still
  running, or of a pinned run (:func:`pin`: ``climpy pin NAME [RUN]``, a named run);
* a link of ``outputs/`` (the latest outputs of each step, what the user looks at);
* a running ``climpy run`` that uses it (the ``inuse`` table: a run marks each build it takes as
  up to date, and each build it commits, in the same write transaction that checks the build
  exists; see :meth:`climpy.pipeline.store.Store.use_build`).

Everything else goes: the rows first, and the folder moved to ``.climpy/trash/`` in the same
SQLite write transaction (so a run committing or taking a build is ordered before or after it,
never in between), then deleted; plus the ``failed/<run>/`` notebooks of runs no longer kept.
Two ``climpy gc`` at once queue on ``.climpy/gc.lock``.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from climpy._typing import PathLike
from climpy.exceptions import PipelineError
from climpy.pipeline.store import Store, StoreLock, _rmtree

__all__ = ["GcResult", "collect", "pin", "pins", "unpin"]

logger = logging.getLogger(__name__)

#: Runs ``climpy gc`` keeps by default (with every build their steps used).
DEFAULT_KEEP_RUNS = 5


@dataclass
class GcResult:
    """What :func:`collect` removed (or would remove, with ``dry_run``)."""

    dry_run: bool
    #: (step, key, bytes) of each removed build.
    builds: list[tuple[str, str, int]] = field(default_factory=list)
    #: (run id, bytes) of each removed ``failed/<run>/`` folder.
    failed: list[tuple[str, int]] = field(default_factory=list)
    kept: int = 0
    kept_runs: list[str] = field(default_factory=list)
    pinned: dict[str, str] = field(default_factory=dict)
    in_use: int = 0

    @property
    def freed(self) -> int:
        """Bytes freed on disk (hard links shared with a kept build are not counted)."""
        return sum(b for *_, b in self.builds) + sum(b for _, b in self.failed)

    def summary(self) -> str:
        """Return the lines ``climpy gc`` prints."""
        verb = "would remove" if self.dry_run else "removed"
        lines = [f"  {step}  {key[:12]}  {_size(n)}" for step, key, n in self.builds]
        lines += [f"  failed notebooks of run {run}  {_size(n)}" for run, n in self.failed]
        pins = ", ".join(f"{k} ({v})" for k, v in sorted(self.pinned.items())) or "none"
        lines.append(
            f"{verb} {len(self.builds)} build(s) and {len(self.failed)} failed-run folder(s): "
            f"{_size(self.freed)} freed; kept {self.kept} build(s) (of {len(self.kept_runs)} run(s), "
            f"pins: {pins}, outputs/ links, {self.in_use} in use by a running run)"
        )
        return "\n".join(lines)


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


def _view_keys(store: Store) -> set[str]:
    """Keys of the builds the links of ``outputs/`` point at."""
    keys: set[str] = set()
    view = store.project / "outputs"
    base = (store.root / "store").resolve()
    for folder, dirs, files in os.walk(view):
        for name in files + dirs:
            p = Path(folder) / name
            if p.is_symlink():
                target = (p.parent / os.readlink(p)).resolve(strict=False)
                if target.parent.parent == base:
                    keys.add(target.parent.name)
    return keys


def _freed_bytes(folders: list[Path]) -> dict[Path, int]:
    """Bytes each folder frees: a file counts once, and only if no link outside the folders remains."""
    seen: dict[tuple[int, int], int] = {}
    files: dict[Path, list[tuple[tuple[int, int], int, int]]] = {}
    for d in folders:
        files[d] = []
        for f in d.rglob("*"):
            if f.is_file() and not f.is_symlink():
                st = f.stat()
                ino = (st.st_dev, st.st_ino)
                seen[ino] = seen.get(ino, 0) + 1
                files[d].append((ino, st.st_size, st.st_nlink))
    out: dict[Path, int] = {}
    counted: set[tuple[int, int]] = set()
    for d, entries in files.items():
        total = 0
        for ino, size, nlink in entries:
            if nlink <= seen[ino] and ino not in counted:
                total += size
                counted.add(ino)
        out[d] = total
    return out


def collect(
    project: PathLike = ".", *, keep_runs: int = DEFAULT_KEEP_RUNS, dry_run: bool = False
) -> GcResult:
    """Remove the builds no kept run, pin, ``outputs/`` link or running run references.

    Parameters
    ----------
    project : path
        The project folder.
    keep_runs : int
        How many of the most recent runs keep every build their steps used (0: only pins,
        ``outputs/`` and running runs keep builds).
    dry_run : bool
        Only say what would be removed.

    Returns
    -------
    GcResult

    Raises
    ------
    PipelineError
        If ``keep_runs`` is negative.
    """
    if keep_runs < 0:
        raise PipelineError(f"--keep-runs {keep_runs}: give a number of runs >= 0")
    store = Store(project)
    gc_lock = StoreLock(store.root / "gc.lock")
    try:
        gc_lock.acquire(wait=True, info="gc")
        trash = store.root / "trash"
        for p in trash.iterdir():  # a gc killed while deleting
            _rmtree(p)
        result = GcResult(dry_run=dry_run)
        moved: list[tuple[str, str, Path]] = []
        with store.transaction() as db:
            recent = [
                r["id"]
                for r in db.execute(
                    "SELECT id FROM runs WHERE dry_run=0 ORDER BY started DESC LIMIT ?", (keep_runs,)
                )
            ]
            running = [r["id"] for r in db.execute("SELECT id FROM runs WHERE status='running'")]
            result.pinned = {r["name"]: r["run_id"] for r in db.execute("SELECT name, run_id FROM pins")}
            kept_runs = sorted(set(recent) | set(running) | set(result.pinned.values()))
            result.kept_runs = kept_runs
            marks = ",".join("?" * len(kept_runs))
            keep = {
                r["key"]
                for r in db.execute(
                    f"SELECT DISTINCT key FROM steps WHERE key IS NOT NULL AND run_id IN ({marks})",
                    kept_runs,
                )
            }
            in_use = {r["key"] for r in db.execute("SELECT key FROM inuse")}
            result.in_use = len(in_use)
            keep |= in_use | _view_keys(store)
            builds = [(r["key"], r["step"]) for r in db.execute("SELECT key, step FROM builds")]
            doomed = [(k, s) for k, s in builds if k not in keep]
            result.kept = len(builds) - len(doomed)
            sizes = _freed_bytes([store.build_dir(k) for k, _ in doomed if store.build_dir(k).is_dir()])
            result.builds = [(s, k, sizes.get(store.build_dir(k), 0)) for k, s in doomed]
            if not dry_run:
                for key, step in doomed:
                    db.execute("DELETE FROM accepted WHERE key=?", (key,))
                    db.execute("DELETE FROM artifacts WHERE key=?", (key,))
                    db.execute("DELETE FROM builds WHERE key=?", (key,))
                    src = store.build_dir(key)
                    if src.exists():  # inside the write transaction: no run commits or takes it meanwhile
                        dest = trash / f"{key}-{uuid.uuid4().hex[:6]}"
                        os.rename(src, dest)
                        moved.append((step, key, dest))
        for _, _, dest in moved:
            _rmtree(dest)
        failed = [p for p in (store.root / "failed").iterdir() if p.name not in kept_runs]
        fsizes = _freed_bytes(failed)
        result.failed = [(p.name, fsizes[p]) for p in failed]
        if not dry_run:
            for p in failed:
                _rmtree(p)
        logger.info(
            "gc%s: %d build(s), %d failed-run folder(s), %d bytes",
            " (dry run)" if dry_run else "",
            len(result.builds),
            len(result.failed),
            result.freed,
        )
        return result
    finally:
        gc_lock.release()
        store.close()


def pin(project: PathLike, name: str, run: str = "last") -> str:
    """Pin run ``run`` (an id, a prefix or ``last``) under ``name``: ``climpy gc`` keeps its builds.

    Returns
    -------
    str
        The full run id.
    """
    import time

    with Store(project) as store:
        run_id = store.resolve_run(run)
        store.db.execute("INSERT OR REPLACE INTO pins VALUES (?,?,?)", (name, run_id, time.time()))
        return run_id


def unpin(project: PathLike, name: str) -> None:
    """Remove pin ``name``.

    Raises
    ------
    PipelineError
        If there is no such pin.
    """
    with Store(project) as store:
        if store.db.execute("DELETE FROM pins WHERE name=?", (name,)).rowcount == 0:
            known = [r["name"] for r in store.db.execute("SELECT name FROM pins ORDER BY name")]
            raise PipelineError(f"{store.db_path}: no pin named {name!r} (pins: {known})")


def pins(project: PathLike) -> dict[str, str]:
    """Return pin name -> run id."""
    with Store(project) as store:
        rows = store.db.execute("SELECT name, run_id FROM pins ORDER BY name")
        return {r["name"]: r["run_id"] for r in rows}
