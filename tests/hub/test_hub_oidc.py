"""CLIMPY_HUB_AUTH=oidc on a real hub against a real OpenID Connect provider on loopback.

The provider is ``oidc-provider-mock`` (PyPI; authlib's OIDC server behind a form where one picks
the user), started by the test with two users and their ``groups`` claims. The hub reads the
provider's discovery document at start, then does the full authorization-code flow with PKCE.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from hubharness import LiveHub

from climpy.deploy.hub import free_port

pytestmark = [pytest.mark.hub, pytest.mark.slow]

USERS = [
    {"sub": "u-1001", "preferred_username": "alice", "groups": ["paleo-class", "paleo-teachers"]},
    {"sub": "u-1002", "preferred_username": "bob", "groups": ["other-class"]},
]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    if importlib.util.find_spec("oidc_provider_mock") is None:
        pytest.skip("oidc-provider-mock is not installed (pip install oidc-provider-mock)")
    port = free_port()
    log = open(tmp_path_factory.mktemp("oidc") / "provider.log", "w")  # noqa: SIM115
    cmd = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for user in USERS:
        cmd += ["--user-claims", json.dumps(user)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    issuer = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, Path(log.name).read_text()
            time.sleep(0.1)
        yield issuer
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        log.close()


@pytest.fixture(scope="module")
def oidc_hub(hub_ready, course_notebooks, provider):
    workdir = Path(tempfile.mkdtemp(prefix="climpy-hub-test-"))
    hub = LiveHub(
        workdir,
        auth="oidc",
        admins=(),
        CLIMPY_HUB_OIDC_ISSUER=provider,
        CLIMPY_HUB_OIDC_CLIENT_ID="climpy-hub",
        CLIMPY_HUB_OIDC_CLIENT_SECRET="test-secret-" + "x" * 20,
        CLIMPY_HUB_ALLOWED_GROUPS="paleo-class",
        CLIMPY_HUB_ADMIN_GROUPS="paleo-teachers",
    )
    try:
        hub.prepare(course_notebooks)
        hub.start()
        yield hub
    finally:
        hub.close()
        shutil.rmtree(workdir, ignore_errors=True)


def oidc_login(hub: LiveHub, sub: str) -> tuple[requests.Session, requests.Response]:
    """The browser's way: hub login page -> provider's form -> pick the user -> hub callback."""
    s = requests.Session()
    page = s.get(f"{hub.url}/hub/login", timeout=30)
    assert "Sign in with institutional login" in page.text
    form = s.get(f"{hub.url}/hub/oauth_login?next=", timeout=30)  # redirected to the provider
    assert form.status_code == 200 and "/oauth2/authorize" in form.url, form.url
    answer = s.post(form.url, data={"sub": sub}, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:300]
    callback = answer.headers["Location"]
    assert re.match(rf"{re.escape(hub.url)}/hub/oauth_callback\?", callback), callback
    return s, s.get(callback, allow_redirects=False, timeout=60)


def test_class_member_logs_in_with_admin_from_the_groups_claim(oidc_hub):
    s, r = oidc_login(oidc_hub, "u-1001")
    assert r.status_code == 302 and oidc_hub.logged_in(s), r.text[:500]
    token = oidc_hub.user_token(s, "alice")
    me = oidc_hub.api("GET", "/hub/api/user", token).json()
    assert me["name"] == "alice" and me["admin"] is True
    assert set(me["groups"]) == {"paleo-class", "paleo-teachers"}


def test_user_outside_the_class_group_is_refused(oidc_hub):
    s, r = oidc_login(oidc_hub, "u-1002")
    assert r.status_code == 403 and not oidc_hub.logged_in(s)
    assert "User 'bob' not allowed" in oidc_hub.log_path.read_text()
