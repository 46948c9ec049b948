"""scripts/git-setup.sh really installs the notebook filter, the nbdime drivers and the hooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_git_setup_strips_outputs_but_keeps_keep_output_cells(tmp_path):
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(ROOT), str(clone))
    # Files checked out in the second the index was written are "racily clean": git would re-hash them
    # (through the notebook filter, a Python start each) on the next add. Settle the index first.
    time.sleep(1.1)
    _git(clone, "update-index", "-q", "--really-refresh")
    env = {**os.environ, "CLIMPY_VENV": str(Path(sys.executable).parents[1])}
    subprocess.run(["bash", "scripts/git-setup.sh"], cwd=clone, env=env, check=True, capture_output=True)

    config = _git(clone, "config", "--local", "--list")
    assert "filter.nbstripout.clean=" in config
    assert "diff.jupyternotebook.command=" in config and "merge.jupyternotebook.driver=" in config
    assert (clone / ".git/hooks/pre-commit").exists()

    nb = nbformat.v4.new_notebook()
    kept = nbformat.v4.new_code_cell("print(3)  # NBVAL_CHECK_OUTPUT", metadata={"keep_output": True})
    kept.outputs = [nbformat.v4.new_output("stream", name="stdout", text="3\n")]
    kept.execution_count = 1  # nbval compares only cells with an execution count: it must be kept too
    dropped = nbformat.v4.new_code_cell("print(4)")
    dropped.outputs = [nbformat.v4.new_output("stream", name="stdout", text="4\n")]
    nb.cells = [kept, dropped]
    nbformat.write(nb, clone / "lesson.ipynb")
    _git(clone, "add", "lesson.ipynb")
    stored = json.loads(_git(clone, "show", ":lesson.ipynb"))
    assert "".join(stored["cells"][0]["outputs"][0]["text"]) == "3\n"
    assert stored["cells"][0]["execution_count"] == 1
    assert stored["cells"][1]["outputs"] == []
    # the working copy keeps its outputs: only what git stores is stripped
    assert nbformat.read(clone / "lesson.ipynb", as_version=4).cells[1].outputs
