"""Retries: a step whose kernel or worker process is killed re-runs; a notebook error never does."""

from __future__ import annotations

import pytest
from pipeline_helpers import check_store, write_pipeline

from climpy.pipeline import run_pipeline
from climpy.pipeline.spec import SpecError, load_pipeline
from climpy.pipeline.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]


def _killed(marker, kill: str, out: str, **extra) -> dict:
    return {
        "notebook": "killed.ipynb",
        "parameters": {"marker": str(marker), "kill": kill},
        "outputs": {"out_path": out},
        **extra,
    }


def test_killed_kernels_and_workers_are_retried_notebook_errors_are_not(project, tmp_path):
    steps = {
        "kernel": _killed(tmp_path / "m-kernel", "kernel", "k.txt"),  # SIGKILL of its kernel, once
        "worker": _killed(tmp_path / "m-worker", "worker", "w.txt"),  # SIGKILL of the worker process, once
        "broken": {"notebook": "broken.ipynb", "outputs": {"out_path": "e.txt"}},  # raises RuntimeError
        "no_retry": _killed(tmp_path / "m-none", "kernel", "n.txt", retries=0),
    }
    pipe = write_pipeline(project, steps)
    r = run_pipeline(pipe, project=project)
    st = {s.node: s for s in r.steps}
    assert {n: s.status for n, s in st.items()} == {
        "kernel": "ok",
        "worker": "ok",
        "broken": "failed",
        "no_retry": "failed",
    }
    assert st["kernel"].reason == "after 1 retry (DeadKernelError: Kernel died)"
    assert st["worker"].reason.startswith("after 1 retry (BrokenProcessPool: ")
    assert (project / "outputs" / "worker" / "w.txt").read_text() == "survived"
    assert st["broken"].error_name == "RuntimeError" and "retry" not in st["broken"].reason
    assert st["no_retry"].error_name == "DeadKernelError" and "retry" not in st["no_retry"].reason
    assert r.kernels_started == 2 + 2 + 1 + 1  # one kernel per attempt: the notebook error ran once
    failed = project / ".climpy" / "failed" / r.run_id
    assert (failed / "kernel.attempt1.ipynb").is_file() and (failed / "broken.ipynb").is_file()
    assert not list(failed.glob("broken.attempt*"))
    assert "ok (after 1 retry (DeadKernelError: Kernel died))" in r.summary()
    # the killed worker's spare kernel leaves only its log in tmp/, which the next run's repair removes
    check_store(project)
    left = [p.name for p in (project / ".climpy" / "tmp").iterdir()]
    assert all(n.startswith(".kernel-") and n.endswith(".log") for n in left), left
    with Store(project) as store:
        store.repair()
    check_store(project, allow_tmp=False)


def test_retries_must_be_a_count(project):
    pipe = write_pipeline(project, {"a": {"notebook": "add.ipynb", "retries": -1}}, retries="two")
    with pytest.raises(SpecError) as err:
        load_pipeline(pipe)
    assert "step 'a': 'retries' must be a whole number >= 0, not -1" in str(err.value)
    assert "'retries' must be a whole number >= 0, not 'two'" in str(err.value)
