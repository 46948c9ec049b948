"""Fixtures of the notebook tests: where the curated notebooks and the default pipeline are."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
PIPELINE = ROOT / "pipeline.yaml"
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="session")
def notebooks_dir() -> Path:
    return NOTEBOOKS


@pytest.fixture(scope="session")
def pipeline_file() -> Path:
    return PIPELINE


def read_nb(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)
