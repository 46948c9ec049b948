"""Executors (where step notebooks run) and the task each worker performs.

A registry in the papermill style (``papermill/engines.py``): :func:`register` / :func:`get`.
The DAG runner only sees ``submit(fn, task) -> concurrent.futures.Future``:

* ``local`` (default): a :class:`concurrent.futures.ProcessPoolExecutor` with ``jobs`` worker
  processes (``spawn`` context). One task at a time per process, so papermill's ``cwd`` (which
  changes the whole process's directory) is safe.
* ``dask``: a ``distributed.Client`` on a new ``LocalCluster`` (``jobs`` single-threaded worker
  processes), or on an existing scheduler (``scheduler=ADDRESS``), seen through
  ``client.get_executor(pure=False)`` as in ``distributed/cfexecutor.py``.

Each task (:func:`execute_step`) runs one notebook with papermill in one kernel, inside the step's
private work folder; then it checks the declared outputs exist, stamps provenance attributes on
NetCDF outputs (atomically: the folder only enters the store once complete) and hashes them. The
parent process alone renames the folder into the store and writes the database rows.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from climpy.exceptions import PipelineError, missing_dependency

__all__ = ["execute_step", "get", "names", "register"]

logger = logging.getLogger(__name__)

_REGISTRY: dict[str, Callable[..., contextlib.AbstractContextManager[Executor]]] = {}

_PROCESS_LOCK = threading.Lock()

#: Where a step's kernel writes its own stderr (kept next to the executed notebook).
KERNEL_LOG = "_kernel.log"

#: Error names that mean "hand edits no longer apply" -> the step goes to needs-review.
REVIEW_ERRORS = {"EditReplayError"}


def register(name: str, factory: Callable[..., contextlib.AbstractContextManager[Executor]]) -> None:
    """Register an executor factory ``factory(jobs=..., scheduler=...) -> context manager of Executor``."""
    _REGISTRY[name] = factory


def names() -> list[str]:
    """Return the registered executor names."""
    return sorted(_REGISTRY)


def get(name: str) -> Callable[..., contextlib.AbstractContextManager[Executor]]:
    """Return the executor factory called ``name``.

    Raises
    ------
    PipelineError
        If no executor has that name (the message lists the valid names).
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise PipelineError(f"unknown executor {name!r}; valid executors are {names()}") from None


@contextlib.contextmanager
def local_executor(*, jobs: int = 1, scheduler: str | None = None):
    """Yield a process pool of ``jobs`` workers (``scheduler`` must be None).

    Workers are forked from a ``forkserver`` that has already imported papermill, so a worker
    starts in milliseconds instead of re-importing papermill (about 2.5 s); the server lives as long
    as the calling process. Steps never run in the caller's process: papermill changes the process's
    working directory, and the kernel client leaks event loops and sockets that CPython 3.11 may
    finalise in the middle of another thread's ``ast.parse`` (a "recursion depth mismatch" error).
    """
    import multiprocessing

    if scheduler:
        raise PipelineError("--scheduler only applies to --executor dask")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["climpy.pipeline.executors", "papermill"])
    pool = ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def dask_executor(*, jobs: int = 1, scheduler: str | None = None):
    """Yield a Dask ``Client`` (new LocalCluster, or ``scheduler``) as a concurrent.futures Executor."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise missing_dependency("distributed", "dask") from err
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=max(1, jobs), threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


register("local", local_executor)
register("dask", dask_executor)


# ---------------------------------------------------------------------------- the worker task
def _error_cell(nb_path: Path) -> tuple[int | None, str, str]:
    """(index, ename, evalue) of the first failing cell of an executed notebook.

    The index counts the cells of the *source* notebook (0-based): the cells papermill inserts
    (injected parameters, error banners) are skipped.
    """
    try:
        nb = json.loads(nb_path.read_text())
    except (OSError, ValueError):
        return None, "", ""
    src_index = 0
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags or "papermill-error-cell-tag" in tags:
            continue
        for out in cell.get("outputs", []) or []:
            if out.get("output_type") == "error":
                return src_index, out.get("ename", ""), out.get("evalue", "")
        src_index += 1
    return None, "", ""


def _stamp_provenance(path: Path, attrs: dict[str, str]) -> bool:
    """Add provenance global attributes to a NetCDF file in place; False if it is not NetCDF."""
    try:
        import netCDF4
    except ImportError:  # pragma: no cover - netCDF4 is a core dependency
        return False
    try:
        with netCDF4.Dataset(path, "a") as ds:
            ds.setncatts(attrs)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def _stderr_to(path: Path, enabled: bool = True):
    """Send this process's file descriptor 2 (inherited by the kernel it starts) to ``path``.

    Keeps kernel start-up noise out of the terminal while the run's own progress and summary
    stay readable; the log is kept next to the executed notebook.
    """
    if not enabled:
        yield
        return
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def execute_step(task: dict[str, Any]) -> dict[str, Any]:
    """Run one step notebook with papermill (one kernel) and prepare its outputs.

    Parameters
    ----------
    task : dict
        ``notebook``, ``workdir`` (private folder), ``parameters`` (all injected values),
        ``outputs`` (param -> file name), ``kernel``, ``provenance`` (attrs to stamp),
        ``progress`` (cell progress bar), ``timeout`` (seconds per cell or None).

    Returns
    -------
    dict
        ``status`` ('ok' | 'failed' | 'needs-review'), ``duration`` (s), ``artifacts``
        (param -> [name, sha256, size]) or ``error_cell``/``error_name``/``error_value``, and
        ``executed`` (the executed notebook path).
    """
    import papermill as pm

    from climpy.pipeline.hashing import sha256_file
    from climpy.pipeline.store import EXECUTED_NAME, PROVENANCE_NAME

    t0 = time.perf_counter()
    work = Path(task["workdir"])
    executed = work / EXECUTED_NAME
    result: dict[str, Any] = {"executed": str(executed), "pid": os.getpid()}
    try:
        # one step at a time per process: papermill's cwd and our fd-2 redirect are process-wide, and
        # the workers of an existing Dask cluster (--scheduler) may run several tasks in threads
        with _PROCESS_LOCK, _stderr_to(work / KERNEL_LOG, enabled=not task.get("progress", False)):
            pm.execute_notebook(
                task["notebook"],
                str(executed),
                parameters=task["parameters"],
                kernel_name=task.get("kernel", "python3"),
                cwd=str(work),
                progress_bar=bool(task.get("progress", False)),
                log_output=False,
                execution_timeout=task.get("timeout"),
            )
    except pm.PapermillExecutionError as err:
        cell, _, _ = _error_cell(executed)
        status = "needs-review" if err.ename in REVIEW_ERRORS else "failed"
        result.update(
            status=status,
            error_cell=cell if cell is not None else err.cell_index,
            error_name=err.ename,
            error_value=str(err.evalue),
        )
        result["duration"] = time.perf_counter() - t0
        return result
    except Exception as err:  # kernel died, bad notebook...: record it, never crash the run
        result.update(status="failed", error_cell=None, error_name=type(err).__name__, error_value=str(err))
        result["duration"] = time.perf_counter() - t0
        return result
    missing = [name for name in task["outputs"].values() if not (work / name).is_file()]
    if missing:
        result.update(
            status="failed",
            error_cell=None,
            error_name="MissingOutput",
            error_value=f"the notebook did not write {missing} (it must write each output_path it is given)",
        )
        result["duration"] = time.perf_counter() - t0
        return result
    prov = dict(task.get("provenance", {}))
    artifacts = {}
    for param, name in task["outputs"].items():
        f = work / name
        if f.suffix in (".nc", ".nc4", ".netcdf"):
            _stamp_provenance(f, prov)
        artifacts[param] = [name, sha256_file(f), f.stat().st_size]
    (work / PROVENANCE_NAME).write_text(
        json.dumps(
            {**prov, "outputs": {p: {"file": a[0], "sha256": a[1]} for p, a in artifacts.items()}},
            indent=1,
            sort_keys=True,
        )
    )
    result.update(status="ok", artifacts=artifacts, duration=time.perf_counter() - t0)
    return result


class LazyExecutor:
    """Start the executor named ``name`` on the first ``submit`` only (a no-op run starts nothing)."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        self._factory = get(name)
        self._kwargs = kwargs
        self._cm: contextlib.AbstractContextManager[Executor] | None = None
        self._pool: Executor | None = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Submit ``fn(*args)``, starting the executor if needed."""
        if self._pool is None:
            self._cm = self._factory(**self._kwargs)
            self._pool = self._cm.__enter__()
        return self._pool.submit(fn, *args)

    def __enter__(self) -> LazyExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._cm is not None:
            self._cm.__exit__(*exc)
            self._cm = self._pool = None


def submit(executor: Executor | LazyExecutor, task: dict[str, Any]) -> Future:
    """Submit :func:`execute_step` for ``task``."""
    return executor.submit(execute_step, task)
