"""Fixtures of the dashboard tests: a small pipeline of the tiny test notebooks (one fails)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(_TESTS / "pipeline"))  # pipeline_helpers
sys.path.insert(0, str(_TESTS))  # editors.browser (the package of the other browser tests)

from pipeline_helpers import write_pipeline  # noqa: E402

#: a (slow enough to be seen running) -> b, n (a NetCDF map), c (broken on purpose)
STEPS = {
    "a": {
        "notebook": "add.ipynb",
        "parameters": {"sleep": 3.0},
        "inputs": {"in_path": "inputs.x"},
        "outputs": {"out_path": "a.txt"},
    },
    "b": {
        "notebook": "add.ipynb",
        "parameters": {"value": 10},
        "inputs": {"in_path": "a.out_path"},
        "outputs": {"out_path": "b.txt"},
    },
    "n": {"notebook": "netcdf.ipynb", "inputs": {"in_path": "a.out_path"}, "outputs": {"out_path": "n.nc"}},
    "c": {"notebook": "broken.ipynb", "inputs": {"in_path": "a.out_path"}, "outputs": {"out_path": "c.txt"}},
}


@pytest.fixture
def dash_project(tmp_path: Path) -> Path:
    """A project folder with ``pipeline.yaml`` (:data:`STEPS`) and its input ``in.txt``."""
    p = tmp_path / "project"
    p.mkdir()
    (p / "in.txt").write_text("1")
    write_pipeline(p, STEPS, {"x": "in.txt"})
    return p
