"""Workshop mode (CLIMPY_HUB_AUTH=shared-password) on a real hub: only the password lets anyone in."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hubharness import LiveHub

pytestmark = [pytest.mark.hub, pytest.mark.slow]

WORKSHOP_PASSWORD = "paleo-workshop-2026"


@pytest.fixture(scope="module")
def workshop_hub(hub_ready, course_notebooks):
    workdir = Path(tempfile.mkdtemp(prefix="climpy-hub-test-"))
    hub = LiveHub(workdir, auth="shared-password", CLIMPY_HUB_SHARED_PASSWORD=WORKSHOP_PASSWORD)
    try:
        hub.prepare(course_notebooks)
        hub.start()
        yield hub
    finally:
        hub.close()
        shutil.rmtree(workdir, ignore_errors=True)


def test_only_the_workshop_password_lets_anyone_in(workshop_hub):
    s, r = workshop_hub.login("dana", "a-wrong-password")
    assert r.status_code == 403 and not workshop_hub.logged_in(s)
    s, r = workshop_hub.login("dana", WORKSHOP_PASSWORD)
    assert r.status_code == 302 and workshop_hub.logged_in(s)
    # Admins (teacher) need the admin password, which is not set: the shared one is refused.
    s, r = workshop_hub.login("teacher", WORKSHOP_PASSWORD)
    assert not workshop_hub.logged_in(s)
    # There is no sign-up page in this mode.
    assert s.get(f"{workshop_hub.url}/hub/signup", timeout=30).status_code == 404
