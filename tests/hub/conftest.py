"""Fixtures of the hub and Binder tests: the students' environment and a live hub on loopback."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hubharness import ROOT, LiveHub, build_student_env, skip_reason  # noqa: E402

START_NOTEBOOK = ROOT / "notebooks" / "00_start_here.ipynb"


@pytest.fixture(scope="session")
def hub_ready() -> None:
    """Skip (with the reason) where a live hub cannot run; else build/refresh the students' env."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    build_student_env()


@pytest.fixture(scope="session")
def course_notebooks() -> Path:
    """The curated notebooks (written by the notebooks work); the start notebook must be there.

    ``CLIMPY_HUB_TEST_CONTENT`` points the tests at another content folder (it must hold
    ``00_start_here.ipynb``).
    """
    other = os.environ.get("CLIMPY_HUB_TEST_CONTENT")
    if other:
        return Path(other)
    if not START_NOTEBOOK.exists():
        pytest.skip(f"{START_NOTEBOOK} does not exist yet (written with the curated notebooks)")
    return START_NOTEBOOK.parent


@pytest.fixture(scope="module")
def live_hub(hub_ready, course_notebooks):
    """A real hub (NativeAuthenticator, admin 'teacher') on loopback, stopped and cleaned at the end."""
    # Not under pytest's tmp_path: /tmp/pytest-of-root is 0700, and students must reach the shared data.
    workdir = Path(tempfile.mkdtemp(prefix="climpy-hub-test-"))
    hub = LiveHub(workdir)
    try:
        hub.prepare(course_notebooks)
        hub.start_seconds = hub.start()
        yield hub
    finally:
        hub.close()
        shutil.rmtree(workdir, ignore_errors=True)
