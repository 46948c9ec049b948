"""The notebook pipeline engine: a declarative DAG of papermill steps with a content-addressed store.

Public entry points (see :mod:`climpy.pipeline.spec` for the pipeline file schema)::

    from climpy.pipeline import load_pipeline, run_pipeline, pipeline_status
    result = run_pipeline("pipeline.yaml", project=".", jobs=2)
    print(result.summary())

Modules: ``spec`` (file schema and validation), ``dag`` (graph helpers), ``hashing`` (step keys),
``store`` (SQLite + immutable outputs), ``executors`` (local process pool, Dask), ``run`` (the
runner), ``report`` (HTML run report).
"""

from __future__ import annotations

from climpy.pipeline.run import RunResult, StepResult, invalidate, pipeline_status, run_pipeline
from climpy.pipeline.spec import Pipeline, SpecError, Step, load_pipeline, validate

__all__ = [
    "Pipeline",
    "RunResult",
    "SpecError",
    "Step",
    "StepResult",
    "invalidate",
    "load_pipeline",
    "pipeline_status",
    "run_pipeline",
    "validate",
]
