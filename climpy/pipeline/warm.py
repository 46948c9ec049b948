"""Fill numba's on-disk cache the way the pipeline's kernels will read it (``climpy warm``).

numba compiles a kernel the first time it is called with given argument types (``cache=True``
keeps the machine code on disk, keyed by the source file and the types). Without a warm cache, a
user's first ``climpy run`` spends ~10-15 s compiling inside the routing and sub-basins steps. The
set-up script therefore runs :func:`warm` once: the pipeline itself, on a small sample map, in a
throw-away project, with the environment the real runs use (same Python, kernelspec and
``NUMBA_CACHE_DIR``), so every kernel is compiled for exactly the types the steps pass it. Running
the real steps (rather than a list of kernel calls) keeps the warm-up right when a step changes.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from climpy._typing import PathLike
from climpy.exceptions import PipelineError

__all__ = ["WarmResult", "cache_dir", "cache_files", "warm"]

logger = logging.getLogger(__name__)


@dataclass
class WarmResult:
    """What :func:`warm` did."""

    seconds: float
    #: numba cache files (``*.nbi``/``*.nbc``) before and after.
    files_before: int
    files_after: int
    cache: Path
    status: str

    def summary(self) -> str:
        """Return one line for the set-up log."""
        new = self.files_after - self.files_before
        return (
            f"numba cache {self.cache}: {self.files_after} files ({new:+d}) after a warm-up run "
            f"of the pipeline in {self.seconds:.1f} s ({self.status})"
        )


def cache_dir() -> Path:
    """Return where numba caches climpy's kernels (``NUMBA_CACHE_DIR``, else next to the sources)."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    if env:
        return Path(env)
    import climpy.kernels

    return Path(climpy.kernels.__file__).resolve().parent / "__pycache__"


def cache_files(folder: PathLike | None = None) -> list[Path]:
    """Return the numba cache files (index ``.nbi`` and data ``.nbc``) under ``folder``."""
    root = Path(folder) if folder is not None else cache_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in (".nbi", ".nbc"))


def warm(
    pipeline: PathLike, *, sample: str = "sample:2", jobs: int = 2, keep: PathLike | None = None
) -> WarmResult:
    """Run ``pipeline`` once on a small sample map so that numba's cache holds every kernel.

    Parameters
    ----------
    pipeline : path
        The pipeline file whose steps will run later (``pipeline.yaml``).
    sample : str
        The input map of the warm-up run (every input of the pipeline is set to it).
    jobs : int
        Steps at once.
    keep : path, optional
        Project folder of the warm-up run (default: a temporary folder, removed afterwards).

    Returns
    -------
    WarmResult

    Raises
    ------
    PipelineError
        If a step of the warm-up run fails (the message names the step and its executed notebook).
    """
    from climpy.pipeline.run import run_pipeline
    from climpy.pipeline.spec import load_pipeline

    pipe = load_pipeline(pipeline)
    before = len(cache_files())
    t0 = time.perf_counter()
    project = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="climpy-warm-"))
    try:
        result = run_pipeline(
            pipe,
            project=project,
            overrides=[f"inputs.{name}={sample}" for name in pipe.inputs],
            jobs=jobs,
            progress=False,
        )
        if result.exit_code:
            bad = "; ".join(map(str, result.failures())) or result.status
            raise PipelineError(f"{pipeline}: the warm-up run failed ({bad}); run `climpy run` to see why")
    finally:
        if not keep:
            shutil.rmtree(project, ignore_errors=True)
    res = WarmResult(time.perf_counter() - t0, before, len(cache_files()), cache_dir(), result.status)
    logger.info(res.summary())
    return res
