"""A student logs in on the hub page in a real Chromium and lands on JupyterLab at the start notebook."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hubharness import PASSWORD, browser_login

pytestmark = [pytest.mark.hub, pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")


def test_login_page_leads_to_jupyterlab_at_the_start_notebook(live_hub, artifacts_dir):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    assert "signup was successful" in live_hub.signup("teacher")
    session, _ = live_hub.login("teacher")
    admin = live_hub.user_token(session, "teacher")
    live_hub.signup("carol")
    assert live_hub.api("PUT", "/hub/api/authorizations/carol", admin).ok

    t0 = time.perf_counter()
    shot = artifacts_dir / "hub_lab_start_notebook.png"
    result = browser_login(live_hub, "carol", PASSWORD, screenshot=shot)
    elapsed = time.perf_counter() - t0

    assert result["url"].split("?")[0].endswith("/user/carol/lab/tree/notebooks/00_start_here.ipynb")
    assert result["tab"] == "00_start_here.ipynb"
    assert result["cells"] >= 1 and result["editors"] >= 1
    assert result["external_requests"] == []  # everything came from the hub on loopback
    assert shot.stat().st_size > 10_000
    assert elapsed < 300
    # The server that the page opened runs as carol's own Unix user.
    assert live_hub.server_processes("carol")
