"""Shared fixtures and markers: where the legacy reference data live, synthetic grids."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The legacy app's sample data and reference outputs (read-only, never copied into the repo).
SHARED = Path(os.environ.get("CLIMPY_SHARED", ROOT.parent / "shared")).resolve()
SHARED_DATA = SHARED / "data"
SHARED_REFERENCE = SHARED / "reference"

# Notebooks under tests/ are fixtures of the pipeline tests, not lessons: nbval must not collect them.
collect_ignore_glob = ["**/*.ipynb"]


def _have_shared() -> bool:
    return (SHARED_DATA / "input.nc").exists() and SHARED_REFERENCE.is_dir()


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason=f"legacy reference data not found at {SHARED} (set CLIMPY_SHARED)")
    if _have_shared():
        return
    for item in items:
        if "requires_shared_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the original app's sample inputs (``../shared/data``)."""
    if not _have_shared():
        pytest.skip(f"legacy data not found at {SHARED}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """Folder of the original app's reference outputs (``../shared/reference``)."""
    if not _have_shared():
        pytest.skip(f"legacy reference outputs not found at {SHARED}")
    return SHARED_REFERENCE


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests keep screenshots and executed notebooks (uploaded by CI)."""
    p = Path(os.environ.get("CLIMPY_ARTIFACTS", ROOT / "build" / "test-artifacts"))
    p.mkdir(parents=True, exist_ok=True)
    return p


@pytest.fixture
def restore_climpy_logger():
    """Undo a test's logging configuration of the ``climpy`` logger (closing the handlers it added)."""
    logger = logging.getLogger("climpy")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield logger
    for h in logger.handlers:
        if h not in saved[0]:
            h.close()
    logger.handlers[:], logger.level, logger.propagate = saved
