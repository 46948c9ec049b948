"""Fixtures of the pipeline tests: tiny notebooks and project folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import NOTEBOOKS


@pytest.fixture(scope="session")
def nbdir() -> Path:
    """Folder of the tiny test notebooks (no heavy imports: each runs in about 1 s)."""
    return NOTEBOOKS


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder with an input file ``in.txt`` holding ``1``."""
    p = tmp_path / "project"
    p.mkdir()
    (p / "in.txt").write_text("1")
    return p
