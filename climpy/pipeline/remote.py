"""Steps on Dask workers that share no disk with the client: files travel with the task.

The DAG runner hands an executor a task whose paths are on the client's disk (the notebook, the
input files in the content-addressed store, the edit files, the private work folder). On a real
cluster (dask-jobqueue on SLURM or PBS, dask-gateway, a cloud cluster) a worker sees none of them.
:class:`RemoteExecutor` therefore

1. reads each file the task names (the notebook, and every parameter that is an existing file
   outside the work folder), hashes it, and scatters its bytes once per run (keyed by the
   content hash: ten steps reading one topography send it once, and a worker keeps a copy it has
   already fetched for the next task that needs it);
2. runs :func:`run_remote` on a worker: it writes those bytes into a scratch folder of its own
   (under the worker's ``local_directory``), rewrites the task's paths to it, runs the ordinary
   :func:`climpy.pipeline.executors.execute_step` there, and returns the result together with the
   bytes of every file the step left in its work folder (outputs, executed notebook, provenance,
   kernel log); the scratch folder is removed;
3. writes those files into the task's work folder on the client, which alone then moves it into the
   store and records it in SQLite, exactly as for a local step.

A worker that dies mid-step (``kill -9``, pre-emption by the batch system) loses only its scratch
folder: the scheduler re-runs the task on another worker (``distributed.scheduler.allowed-failures``)
and nothing reaches the store until a task has returned. A notebook error is a result, not an
exception, so it is never retried.

Why not fsspec paths: a shared object store is one more service a class or a laptop does not have;
the bytes of a step's inputs at IPSL resolutions are megabytes, which Dask's own transport moves
well. Where inputs are too large for that, point the pipeline at files the workers can read (a path
that exists on the worker is not shipped; see :func:`shipped_files`).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from climpy.exceptions import PipelineError

__all__ = ["RemoteExecutor", "check_workers", "run_remote", "shipped_files", "worker_environment"]

logger = logging.getLogger(__name__)


def shipped_files(task: dict[str, Any]) -> dict[str, Path]:
    """Return the files a task reads from the client's disk: parameter name -> path.

    Every string parameter that names an existing file outside the task's work folder (the step's
    inputs in the store, its edit files, the project's input maps); outputs are inside the work
    folder and are not shipped.
    """
    work = Path(task["workdir"]).resolve()
    out: dict[str, Path] = {}
    for name, value in task["parameters"].items():
        if not isinstance(value, str) or not value or "\n" in value or len(value) > 4096:
            continue
        p = Path(value)
        if p.is_absolute() and p.is_file() and work not in p.resolve().parents:
            out[name] = p
    return out


def worker_environment() -> dict[str, Any]:
    """Return what this process runs: Python, climpy, the kernel packages' versions, the kernelspecs."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from jupyter_client.kernelspec import KernelSpecManager

    import climpy

    pkgs = {}
    for name in ("numpy", "xarray", "numba", "scipy", "netCDF4", "papermill", "ipykernel"):
        try:
            pkgs[name] = version(name)
        except PackageNotFoundError:
            pkgs[name] = None
    return {
        "python": platform.python_version(),
        "climpy": climpy.__version__,
        "packages": pkgs,
        "kernels": sorted(KernelSpecManager().find_kernel_specs()),
    }


def check_workers(client: Any, kernel: str = "python3") -> dict[str, dict[str, Any]]:
    """Fail fast unless every worker runs the client's Python, climpy and kernel packages.

    Returns
    -------
    dict
        Worker address -> :func:`worker_environment`.

    Raises
    ------
    PipelineError
        Naming the first worker that differs, what differs and the fix.
    """
    mine = worker_environment()
    theirs = client.run(worker_environment)
    if not theirs:
        addr = client.scheduler.address
        raise PipelineError(f"the Dask cluster at {addr} has no worker; start one, or wait for its jobs")
    for addr, env in theirs.items():
        diff = [f"{w} {env[w]} (client: {mine[w]})" for w in ("python", "climpy") if env[w] != mine[w]]
        diff += [
            f"{name} {v} (client: {mine['packages'].get(name)})"
            for name, v in env["packages"].items()
            if v != mine["packages"].get(name)
        ]
        if kernel not in env["kernels"]:
            diff.append(f"no Jupyter kernel {kernel!r} (it has {env['kernels']})")
        if diff:
            raise PipelineError(
                f"Dask worker {addr} runs another environment than this client: {'; '.join(diff)}. "
                "Start the workers from the same environment (e.g. in the job script prologue: "
                "`source /path/to/climpy/.venv/bin/activate`)"
            )
    return theirs


def _scratch_root() -> Path:
    try:
        from distributed import get_worker

        return Path(get_worker().local_directory)
    except (ImportError, ValueError):  # not inside a worker (tests call run_remote directly)
        return Path(tempfile.gettempdir())


def run_remote(fn: Any, task: dict[str, Any], blobs: dict[str, bytes]) -> dict[str, Any]:
    """Run ``fn(task)`` (``execute_step``) on a worker, in a scratch folder holding the shipped files.

    ``task["ship"]`` maps a parameter (and ``"notebook"``) to ``[sha256, file name]``; ``blobs``
    maps each sha256 to its bytes. Returns ``fn``'s result plus ``files`` (path relative to the
    work folder -> bytes) and ``bytes_in``/``bytes_out``.

    The shipped files stay in the worker process's folder (``climpy-<pid>/in/<sha256>/``) for the
    next step that reads them; the step's own work folder is removed once its files are returned.
    The work folder's parent is that process folder too, where the spare kernel of the next step
    boots (:class:`~climpy.pipeline.executors.KernelPool` starts it next to the work folder).
    """
    base = _scratch_root() / f"climpy-{os.getpid()}"
    base.mkdir(parents=True, exist_ok=True)
    local = dict(task)
    params = dict(task["parameters"])
    for param, (sha, name) in task["ship"].items():
        path = base / "in" / sha[:32] / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
            tmp.write_bytes(blobs[sha])
            os.replace(tmp, path)
        if param == "notebook":
            local["notebook"] = str(path)
        else:
            params[param] = str(path)
    work = Path(tempfile.mkdtemp(prefix="step-", dir=base))
    try:
        for param, name in task["outputs"].items():
            params[param] = str(work / name)
        local.update(parameters=params, workdir=str(work))
        res = dict(fn(local))
        files = {
            str(p.relative_to(work)): p.read_bytes()
            for p in sorted(work.rglob("*"))
            if p.is_file() and not p.is_symlink()
        }
        res.update(
            files=files,
            bytes_in=sum(len(blobs[sha]) for sha in {sha for sha, _ in task["ship"].values()}),
            bytes_out=sum(len(b) for b in files.values()),
            worker_host=os.uname().nodename,
        )
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


class RemoteExecutor:
    """A ``submit(fn, task) -> Future`` over a ``distributed.Client`` whose workers share no disk.

    Parameters
    ----------
    client : distributed.Client
        Connected to the cluster (a LocalCluster, ``--scheduler ADDRESS``, a jobqueue or gateway
        cluster).
    retries : int
        Extra attempts Dask gives a task whose worker died (on top of the scheduler's own
        ``allowed-failures`` rescheduling).
    """

    def __init__(self, client: Any, *, retries: int = 0) -> None:
        self.client = client
        self.retries = retries
        self._blobs: dict[str, Any] = {}  # sha256 -> scattered future, kept for the run
        self._hashes: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256
        self._lock = threading.Lock()
        #: bytes scattered to the cluster (each distinct file once) and bytes returned by tasks.
        self.bytes_sent = 0
        self.bytes_received = 0

    def _sha(self, path: Path) -> str:
        from climpy.pipeline.hashing import sha256_file

        st = path.stat()
        k = (str(path), st.st_size, st.st_mtime_ns)
        if k not in self._hashes:
            self._hashes[k] = sha256_file(path)
        return self._hashes[k]

    def _blob(self, path: Path) -> tuple[str, Any]:
        sha = self._sha(path)
        with self._lock:
            if sha not in self._blobs:
                data = path.read_bytes()
                self._blobs[sha] = self.client.scatter(data, hash=False)
                self.bytes_sent += len(data)
            return sha, self._blobs[sha]

    def submit(self, fn: Any, task: dict[str, Any]) -> Future:
        """Ship the task's files, run ``fn`` on a worker, and unpack its outputs into ``task["workdir"]``."""
        ship: dict[str, list[str]] = {}
        blobs: dict[str, Any] = {}
        files = {"notebook": Path(task["notebook"]), **shipped_files(task)}
        for param, path in files.items():
            sha, fut = self._blob(path)
            ship[param] = [sha, path.name]
            blobs[sha] = fut
        remote = {**task, "ship": ship}
        inner = self.client.submit(run_remote, fn, remote, blobs, pure=False, retries=self.retries)
        outer: Future = Future()
        work = Path(task["workdir"])

        def done(f: Any) -> None:
            try:
                res = f.result()
                written = _unpack(res.pop("files"), work)
                self.bytes_received += sum(written.values())
                if "executed" in res:
                    res["executed"] = str(work / Path(res["executed"]).name)
                outer.set_result(res)
            except BaseException as err:  # the worker died for good, or the task could not run
                outer.set_exception(err)

        inner.add_done_callback(done)
        outer._climpy_inner = inner  # type: ignore[attr-defined]  (keeps the Dask future alive)
        return outer

    def close(self) -> None:
        """Release the scattered files."""
        with self._lock:
            blobs, self._blobs = list(self._blobs.values()), {}
        for fut in blobs:
            fut.release()


def _unpack(files: dict[str, bytes], work: Path) -> dict[str, int]:
    """Write the returned files into ``work`` (each atomically); return name -> size."""
    from climpy.io.write import atomic_output

    sizes = {}
    for rel, data in files.items():
        with atomic_output(work / rel, make_parents=True) as tmp:
            tmp.write_bytes(data)
        sizes[rel] = len(data)
    return sizes
