"""Executors (where step notebooks run) and the task each worker performs.

A registry in the papermill style (``papermill/engines.py``): :func:`register` / :func:`get`.
The DAG runner only sees ``submit(fn, task) -> concurrent.futures.Future``:

* ``local`` (default): a :class:`concurrent.futures.ProcessPoolExecutor` with ``jobs`` worker
  processes (``forkserver`` context), one task at a time per process. The kernel, not the worker,
  runs in the step's folder (see :meth:`KernelPool.take`).
* ``dask``: a ``distributed.Client`` on a new ``LocalCluster`` (``jobs`` single-threaded worker
  processes), or on an existing scheduler (``scheduler=ADDRESS``), seen through
  ``client.get_executor(pure=False)`` as in ``distributed/cfexecutor.py``.

Each task (:func:`execute_step`) runs one notebook with papermill in one fresh kernel, inside the
step's private work folder; then it checks the declared outputs exist, stamps provenance attributes
on NetCDF outputs (atomically: the folder only enters the store once complete) and hashes them. The
parent process alone renames the folder into the store and writes the database rows.

Batch speed (a step pays for its science, not for start-up):

* **Pre-started kernels** (:class:`KernelPool`): each worker process keeps one spare kernel that
  boots, and imports xarray and the climpy science modules (:data:`PRELOAD`), while the current
  step runs. A step takes the spare (it still gets a fresh kernel of its own: a kernel runs one step
  and is shut down, so no state leaks between steps) and starts the next spare.
* **Views are skipped headless**: cells tagged :data:`VIEW_TAG` (``view``) only display (maps,
  editors, the HoloViz imports); a batch run skips them (nbclient's ``skip_cells_with_tag``) unless
  the task asks for views. In JupyterLab every cell runs, so a student sees every map and editor.
* The numba kernels are compiled into the cache at set-up (:mod:`climpy.pipeline.warm`).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from climpy.exceptions import PipelineError, missing_dependency

__all__ = ["KILLED_ERRORS", "KernelPool", "PRELOAD", "VIEW_TAG", "execute_step", "get", "names", "register"]

logger = logging.getLogger(__name__)

_REGISTRY: dict[str, Callable[..., contextlib.AbstractContextManager[Executor]]] = {}

#: Where a step's kernel writes its own stderr (kept next to the executed notebook).
KERNEL_LOG = "_kernel.log"

#: Tag of notebook cells that only display (maps, editors, HoloViz imports): skipped headless.
VIEW_TAG = "view"

#: What a spare kernel imports while it waits for its step (the step notebooks' heavy imports).
PRELOAD = (
    "numpy",
    "xarray",
    "netCDF4",
    "climpy.io",
    "climpy.edits",
    "climpy.sample",
    "climpy.testing",
    "climpy.regrid",
    "climpy.internal_oceans",
    "climpy.routing",
    "climpy.orca_products",
    "climpy.passages",
    "climpy.subbasins",
    "climpy.heatflow",
    "climpy.ahmcoef",
    "climpy.pft",
    "climpy.checks",
    "climpy.weights",
)

#: Error names that mean "hand edits no longer apply" -> the step goes to needs-review.
REVIEW_ERRORS = {"EditReplayError"}

#: Error names that mean the step's process was killed from outside, not that its code failed:
#: the kernel died (nbclient), the worker process died (``concurrent.futures``), or Dask gave up
#: on a worker. The runner retries these (``retries:`` in the pipeline file); never a notebook error.
KILLED_ERRORS = {"DeadKernelError", "BrokenProcessPool", "KilledWorker"}


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
    as the calling process. Steps never run in the caller's process: the kernel client leaks event
    loops and sockets that CPython 3.11 may finalise in the middle of another thread's ``ast.parse``
    (a "recursion depth mismatch" error), and each worker keeps its own spare kernel.
    """
    import multiprocessing

    if scheduler:
        raise PipelineError("--scheduler only applies to --executor dask")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["climpy.pipeline.executors", "papermill", "jupyter_client.manager"])
    pool = ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def dask_executor(*, jobs: int = 1, scheduler: str | None = None):
    """Yield a :class:`~climpy.pipeline.remote.RemoteExecutor` on a Dask cluster.

    ``scheduler`` is a scheduler address (``tcp://host:8786``) or the path of a scheduler file
    (``*.json``, as ``dask scheduler --scheduler-file`` and dask-jobqueue write); without it a new
    LocalCluster of ``jobs`` single-threaded worker processes. Workers need not see the client's disk:
    files travel with the tasks (:mod:`climpy.pipeline.remote`), and every worker must run the
    client's environment (checked before the first step).
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise missing_dependency("distributed", "dask") from err
    from climpy.pipeline.remote import RemoteExecutor, check_workers

    cluster = None
    if scheduler and scheduler.endswith(".json"):
        client = Client(scheduler_file=scheduler)
    elif scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=max(1, jobs), threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    remote = None
    try:
        check_workers(client)
        remote = RemoteExecutor(client)
        yield remote
    finally:
        if remote is not None:
            logger.info(
                "dask: %d bytes sent to the workers (each file once), %d bytes of outputs returned",
                remote.bytes_sent, remote.bytes_received,
            )  # fmt: skip
            remote.close()
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


def _stamp_provenance(path: Path, attrs: dict[str, str], command: str = "", stamp: str = "") -> bool:
    """Add provenance, CF ``Conventions`` and a ``history`` line to a NetCDF file in place.

    ``command`` names what made the file (the pipeline step) in the ``history`` line, at time
    ``stamp`` (ISO 8601; default :func:`climpy.provenance.history_time`). Returns False if the file
    is not NetCDF.
    """
    try:
        import netCDF4
    except ImportError:  # pragma: no cover - netCDF4 is a core dependency
        return False
    from climpy.provenance import cf_attrs, history_line, history_time

    stamp = stamp or history_time()
    try:
        with netCDF4.Dataset(path, "a") as ds:
            ds.setncatts(attrs)
            if command:
                old = {k: ds.getncattr(k) for k in ds.ncattrs()}
                ds.setncatts(cf_attrs(old, history_line(command, stamp)))
    except OSError:
        return False
    return True


class KernelPool:
    """Pre-started Jupyter kernels of one worker process, one spare per kernel name.

    A kernel is started with its stderr going to a log file and :data:`PRELOAD` in its
    ``exec_lines``, so it imports xarray and climpy while it boots. :meth:`take` hands out the
    spare (or starts one) and immediately starts the next spare, which then boots while the step
    runs; :meth:`close` shuts down what is left (registered at process exit). Each kernel runs one
    step only: no state leaks between steps.

    Notes
    -----
    Written here because neither papermill nor nbclient keeps warm kernels: nbclient accepts a
    started kernel manager (``km=``) and leaves its shutdown to the caller, which is all we need.
    A spare whose worker dies exits by itself (ipykernel polls its parent process).
    """

    def __init__(self, *, preload: tuple[str, ...] = PRELOAD, startup_timeout: float = 120.0) -> None:
        self.preload = preload
        self.startup_timeout = startup_timeout
        self._spares: dict[str, tuple[Any, Path]] = {}
        self._lock = threading.Lock()
        self._count = itertools.count()
        self.started = 0
        self.reused = 0

    def _start(self, kernel_name: str, folder: Path) -> tuple[Any, Path]:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        log = folder / f".kernel-{os.getpid()}-{next(self._count)}.log"
        km = AsyncKernelManager(kernel_name=kernel_name)
        code = "import " + ", ".join(self.preload) if self.preload else ""
        with open(log, "ab") as fh:  # the kernel inherits the descriptor; ours is closed at once
            run_sync(km.start_kernel)(
                extra_arguments=[f"--IPKernelApp.exec_lines={code}"] if code else [],
                stdout=fh,
                stderr=fh,
                cwd=str(folder),
            )
        self.started += 1
        logger.debug("started kernel %s (log %s)", kernel_name, log)
        return km, log

    def take(self, kernel_name: str, workdir: Path, *, spare: bool = True) -> Any:
        """Return a started kernel manager for one step in ``workdir`` (its log moved there).

        With ``spare`` (default) the next kernel is started before returning. The kernel's
        working directory is set to ``workdir`` once it is ready.
        """
        with self._lock:
            got = self._spares.pop(kernel_name, None)
        if got is None:
            km, log = self._start(kernel_name, workdir)
        else:
            km, log = got
            self.reused += 1
        try:
            os.replace(log, workdir / KERNEL_LOG)  # same folder tree: the kernel keeps writing to it
        except OSError:  # another file system: keep the old place, copied at the end
            km._climpy_log = log
        if spare:
            with self._lock:
                if kernel_name not in self._spares:
                    self._spares[kernel_name] = self._start(kernel_name, workdir.parent)
        self._chdir(km, workdir)
        return km

    def _chdir(self, km: Any, workdir: Path) -> None:
        """Wait until the kernel is ready, then make ``workdir`` its working directory."""
        from jupyter_core.utils import run_sync

        async def go() -> None:
            kc = km.client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=self.startup_timeout)
                msg_id = kc.execute(f"import os as _os; _os.chdir({str(workdir)!r}); del _os", silent=True,
                                    store_history=False)
                while True:
                    reply = await kc.get_shell_msg(timeout=self.startup_timeout)
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
            finally:
                kc.stop_channels()

        run_sync(go)()

    def release(self, km: Any, workdir: Path) -> None:
        """Shut down a kernel that ran its step (and bring its log next to the executed notebook)."""
        from jupyter_core.utils import run_sync

        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception as err:  # a dead kernel has nothing to shut down
            logger.debug("kernel shutdown: %s", err)
        old = getattr(km, "_climpy_log", None)
        if old is not None:
            with contextlib.suppress(OSError):
                (workdir / KERNEL_LOG).write_bytes(Path(old).read_bytes())
                Path(old).unlink()

    def close(self) -> None:
        """Shut down the spare kernels."""
        from jupyter_core.utils import run_sync

        with self._lock:
            spares, self._spares = list(self._spares.values()), {}
        for km, log in spares:
            with contextlib.suppress(Exception):
                run_sync(km.shutdown_kernel)(now=True)
            with contextlib.suppress(OSError):
                log.unlink()


_POOL: KernelPool | None = None
_POOL_LOCK = threading.Lock()


def kernel_pool() -> KernelPool:
    """Return the kernel pool of this process (created on first use, closed at exit)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            import multiprocessing.util

            _POOL = KernelPool()
            atexit.register(_POOL.close)
            # pool workers leave through os._exit after multiprocessing's own finalizers: no atexit
            multiprocessing.util.Finalize(_POOL, _POOL.close, exitpriority=100)
        return _POOL


def execute_step(task: dict[str, Any]) -> dict[str, Any]:
    """Run one step notebook with papermill (one kernel) and prepare its outputs.

    Parameters
    ----------
    task : dict
        ``notebook``, ``workdir`` (private folder), ``parameters`` (all injected values),
        ``outputs`` (param -> file name), ``kernel``, ``provenance`` (attrs to stamp),
        ``history`` and ``history_time`` (what made the outputs and when, for their CF ``history``
        line),
        ``progress`` (cell progress bar), ``timeout`` (seconds per cell or None), ``views``
        (run the cells tagged ``view`` too; default False), ``spare`` (start the next kernel
        while this step runs; default True).

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
    pool = kernel_pool()
    km = None
    views = bool(task.get("views", False))
    try:
        km = pool.take(task.get("kernel", "python3"), work, spare=task.get("spare", True))
        pm.execute_notebook(
            task["notebook"],
            str(executed),
            parameters=task["parameters"],
            kernel_name=task.get("kernel", "python3"),
            km=km,
            progress_bar=bool(task.get("progress", False)),
            log_output=False,
            execution_timeout=task.get("timeout"),
            # a tag that no cell carries runs every cell
            skip_cells_with_tag="climpy-never-skip" if views else VIEW_TAG,
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
    finally:
        if km is not None:
            pool.release(km, work)
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
            _stamp_provenance(f, prov, task.get("history", ""), task.get("history_time", ""))
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
    """Start the executor named ``name`` on the first ``submit`` only (a no-op run starts nothing).

    A process pool that lost a worker (killed, out of memory) refuses new work; the next
    ``submit`` then replaces it with a new pool, so a retried step has somewhere to run.
    """

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
        try:
            return self._pool.submit(fn, *args)
        except BrokenExecutor:
            logger.warning("a worker process died: starting a new %s executor", self._factory.__name__)
            self.__exit__(None, None, None)
            return self.submit(fn, *args)

    def __enter__(self) -> LazyExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._cm is not None:
            self._cm.__exit__(*exc)
            self._cm = self._pool = None


def submit(executor: Executor | LazyExecutor, task: dict[str, Any]) -> Future:
    """Submit :func:`execute_step` for ``task``."""
    return executor.submit(execute_step, task)
