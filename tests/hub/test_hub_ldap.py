"""CLIMPY_HUB_AUTH=ldap on a real hub against a real directory (Debian's slapd on a free port).

Two directory users, ``alice`` in the class group (and the teachers' group), ``bob`` in none:
alice logs in through the hub's login page in Chromium and lands in her own server as an admin;
bob's right password is refused, as is a wrong password.
"""

from __future__ import annotations

import pwd
import shutil
import tempfile
from pathlib import Path

import pytest
import slapd
from hubharness import LiveHub, browser_login

from climpy.deploy.hub import free_port

pytestmark = [pytest.mark.hub, pytest.mark.slow]

PASSWORDS = {"alice": "alice-Ldap-pw-42", "bob": "bob-Ldap-pw-42"}


@pytest.fixture(scope="module")
def directory():
    reason = slapd.skip_reason()
    if reason:
        pytest.skip(reason)
    d = slapd.Directory(free_port())
    try:
        d.start()
        for uid, password in PASSWORDS.items():
            d.add_user(uid, password)
        d.class_group = d.add_group("paleo-class", ["alice"])
        d.teachers = d.add_group("paleo-teachers", ["alice"])
        yield d
    finally:
        d.close()


@pytest.fixture(scope="module")
def ldap_hub(hub_ready, course_notebooks, directory):
    workdir = Path(tempfile.mkdtemp(prefix="climpy-hub-test-"))
    hub = LiveHub(
        workdir,
        auth="ldap",
        admins=(),
        CLIMPY_HUB_LDAP_URL=directory.url,
        CLIMPY_HUB_LDAP_TLS="insecure",  # loopback only; a real directory is reached with TLS
        CLIMPY_HUB_LDAP_USER_DN=directory.user_dn("{username}"),
        CLIMPY_HUB_ALLOWED_GROUPS=directory.class_group,
        CLIMPY_HUB_ADMIN_GROUPS=directory.teachers,
    )
    try:
        hub.prepare(course_notebooks)
        hub.start()
        yield hub
    finally:
        hub.close()
        shutil.rmtree(workdir, ignore_errors=True)


def test_non_member_and_wrong_password_are_refused(ldap_hub):
    s, r = ldap_hub.login("bob", PASSWORDS["bob"])  # a valid directory account, not in the class group
    assert r.status_code == 403 and not ldap_hub.logged_in(s)
    s, r = ldap_hub.login("alice", "not-her-password")
    assert r.status_code == 403 and not ldap_hub.logged_in(s)
    assert "User 'bob' not allowed" in ldap_hub.log_path.read_text()
    assert not any(e.pw_name == ldap_hub.unix_name("bob") for e in pwd.getpwall())


@pytest.mark.browser
def test_group_member_logs_in_in_chromium_and_gets_a_server_as_admin(ldap_hub, artifacts_dir):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api")
    result = browser_login(
        ldap_hub, "alice", PASSWORDS["alice"], screenshot=artifacts_dir / "hub_ldap_lab.png"
    )
    assert "/user/alice/lab" in result["url"] and result["cells"] >= 1
    assert result["external_requests"] == []
    [proc] = ldap_hub.server_processes("alice")
    assert proc.uids().real == pwd.getpwnam(ldap_hub.unix_name("alice")).pw_uid
    # Admin rights came from the teachers' group: her token may list every user.
    s, r = ldap_hub.login("alice", PASSWORDS["alice"])
    assert ldap_hub.logged_in(s)
    token = ldap_hub.user_token(s, "alice")
    me = ldap_hub.api("GET", "/hub/api/user", token).json()
    assert me["admin"] is True
    assert ldap_hub.api("GET", "/hub/api/users", token).status_code == 200
