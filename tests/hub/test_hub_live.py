"""A class session on a real hub: sign-up, approval, login, spawns as Unix users, isolation, content, culler.

The steps run in file order on one hub (module-scoped ``live_hub``), as in a class: each test checks
one promise of jupyterhub_config.py. One step logs in through the page in Chromium (screenshot in the
artifacts folder). The last test stops the hub and checks every process is gone.
"""

from __future__ import annotations

import json
import os
import pwd
import stat
from pathlib import Path

import psutil
import pytest
import requests
from hubharness import PASSWORD, STUDENT_ENV, browser_login, run_as, run_in_kernel

pytestmark = [pytest.mark.hub, pytest.mark.slow]

A, B, ADMIN = "alice", "bob", "teacher"
START = "notebooks/00_start_here.ipynb"
#: What the culler's role grants (jupyterhub_config.py), and what a token of it may hold once expanded.
CULLER_SCOPES = {"list:users", "read:users:activity", "read:servers", "delete:servers"}


@pytest.fixture(scope="module")
def state():
    """What the steps hand on to each other (tokens, sessions)."""
    return {}


def test_students_sign_up_but_cannot_log_in_before_approval(live_hub, state):
    for name in (A, B):
        message = live_hub.signup(name)
        assert "sent to the admin" in message, message
        s, r = live_hub.login(name)
        assert r.status_code == 200 and "has not been authorized" in r.text
        assert not live_hub.logged_in(s)
    # A wrong password never works either, even for an existing account.
    s, r = live_hub.login(A, "not-the-password")
    assert not live_hub.logged_in(s)


def test_admin_approves_students_through_the_api(live_hub, state):
    assert "signup was successful" in live_hub.signup(ADMIN)  # an admin name is approved on sign-up
    s, r = live_hub.login(ADMIN)
    assert r.status_code == 302 and live_hub.logged_in(s)
    token = live_hub.user_token(s, ADMIN)
    state["admin"] = token
    pending = live_hub.api("GET", "/hub/api/authorizations", token).json()
    assert {"name": A, "authorized": False} in pending and {"name": B, "authorized": False} in pending
    for name in (A, B):
        r = live_hub.api("PUT", f"/hub/api/authorizations/{name}", token)
        assert r.status_code == 200 and r.json() == {"name": name, "authorized": True}, r.text[:300]
    assert live_hub.api("PUT", "/hub/api/authorizations/nobody", token).status_code == 404
    # Without an admin token nobody can approve.
    assert live_hub.api("PUT", f"/hub/api/authorizations/{A}", "not-a-token").status_code == 403


def test_students_log_in_through_the_form_and_spawn_as_own_unix_users(live_hub, state):
    for name in (A, B):
        s, r = live_hub.login(name, follow=True)  # the login form, then /hub/spawn as a browser goes
        assert live_hub.logged_in(s), r.text[:500]
        live_hub.wait_server(name, state["admin"])
        state[f"session-{name}"] = s
        state[f"token-{name}"] = live_hub.user_token(s, name)
        r = s.get(f"{live_hub.url}/user/{name}/lab/tree/{START}", timeout=60)
        assert r.status_code == 200 and "JupyterLab" in r.text
    uids = {}
    for name in (A, B):
        procs = live_hub.server_processes(name)
        assert len(procs) == 1, procs
        entry = pwd.getpwnam(live_hub.unix_name(name))
        assert procs[0].uids().real == procs[0].uids().effective == entry.pw_uid >= 1000
        assert procs[0].exe().startswith(str(STUDENT_ENV)) or str(STUDENT_ENV) in " ".join(procs[0].cmdline())
        assert stat.S_IMODE(os.stat(entry.pw_dir).st_mode) == 0o700
        uids[name] = entry.pw_uid
    assert uids[A] != uids[B]


def test_start_notebook_is_in_each_home(live_hub, state, course_notebooks):
    for name in (A, B):
        entry = pwd.getpwnam(live_hub.unix_name(name))
        path = Path(entry.pw_dir) / START
        assert path.read_bytes() == (course_notebooks / "00_start_here.ipynb").read_bytes()
        assert path.stat().st_uid == entry.pw_uid
        r = live_hub.api("GET", f"/user/{name}/api/contents/{START}", state[f"token-{name}"])
        assert r.status_code == 200 and r.json()["type"] == "notebook"
        # Lab opens at the start notebook.
        assert live_hub.api("GET", f"/hub/api/users/{name}", state["admin"]).json()["servers"][""]["url"]


def test_student_is_refused_on_another_students_server_files_and_api(live_hub, state):
    sa, ta = state[f"session-{A}"], state[f"token-{A}"]
    # Students approve nobody.
    assert live_hub.api("PUT", f"/hub/api/authorizations/{A}", ta).status_code == 403
    # The page: B's server sends A to the hub's OAuth, which refuses (403), nothing of B's is served.
    r = sa.get(f"{live_hub.url}/user/{B}/lab", timeout=60)
    assert r.status_code == 403 and "/hub/api/oauth2/authorize" in r.url
    # The APIs: B's server refuses A's token; the hub hides B (404) or refuses (403).
    assert live_hub.api("GET", f"/user/{B}/api/contents/{START}", ta).status_code == 403
    assert live_hub.api("GET", f"/hub/api/users/{B}", ta).status_code == 404
    assert live_hub.api("POST", f"/hub/api/users/{B}/tokens", ta, json={}).status_code == 403
    assert live_hub.api("DELETE", f"/hub/api/users/{B}/server", ta).status_code == 404
    assert live_hub.server_processes(B), "B's server is still running"
    # Files: B's home is closed to A's Unix user.
    b_file = Path(pwd.getpwnam(live_hub.unix_name(B)).pw_dir) / START
    proc = run_as(live_hub.unix_name(A), f"open({str(b_file)!r})")
    assert proc.returncode != 0 and "PermissionError" in proc.stderr
    assert b_file.exists()


def test_student_cannot_write_the_shared_data_folder(live_hub, state):
    home = pwd.getpwnam(live_hub.unix_name(A)).pw_dir
    assert os.readlink(os.path.join(home, "data")) == str(live_hub.data.resolve())
    code = (
        "import os\n"
        "print(open(os.path.expanduser('~/data/README.txt')).read().strip())\n"
        "for target in ('~/data/new.txt', '~/data/README.txt'):\n"
        "    try:\n"
        "        open(os.path.expanduser(target), 'a').write('x')\n"
        "        print('WROTE', target)\n"
        "    except PermissionError:\n"
        "        print('refused', target)\n"
    )
    proc = run_as(live_hub.unix_name(A), code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[1:3] == ["refused ~/data/new.txt", "refused ~/data/README.txt"]
    assert (live_hub.data / "README.txt").read_text().startswith("shared course data")


def test_kernel_in_a_students_server_runs_climpy(live_hub, state):
    code = (
        "import getpass, os, numpy as np\n"
        "import climpy\n"
        "from climpy.geo import EARTH_RADIUS, cell_area_regular\n"
        "lat = np.arange(-89.5, 90, 1.0); lon = np.arange(-179.5, 180, 1.0)\n"
        "ratio = cell_area_regular(lat, lon).sum() / (4 * np.pi * EARTH_RADIUS**2)\n"
        "print(getpass.getuser(), climpy.__file__.startswith(os.environ['HOME']), f'{ratio:.12f}')\n"
        "print(os.environ['PANEL_INLINE'], os.path.exists(os.environ['HOLOVIEWSRC']))\n"
    )
    out = run_in_kernel(f"{live_hub.url}/user/{A}", state[f"token-{A}"], code)
    assert out["error"] is None, out
    first, second = out["stdout"].splitlines()[:2]
    assert first == f"{live_hub.unix_name(A)} False 1.000000000000"
    assert second == "true True"


def test_respawn_keeps_the_students_edited_notebook(live_hub, state):
    ta, admin = state[f"token-{A}"], state["admin"]
    nb = live_hub.api("GET", f"/user/{A}/api/contents/{START}", ta).json()["content"]
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "my own notes", "id": "mine"})
    r = live_hub.api("PUT", f"/user/{A}/api/contents/{START}", ta, json={"type": "notebook", "content": nb})
    assert r.status_code == 200, r.text
    home = Path(pwd.getpwnam(live_hub.unix_name(A)).pw_dir)
    others = sorted(p for p in (home / "notebooks").glob("*.ipynb") if p.name != "00_start_here.ipynb")
    if others:
        others[0].unlink()  # a course file the student deleted comes back
    live_hub.stop_server(A, admin)
    assert live_hub.server_processes(A) == []
    live_hub.start_server(A, admin)
    again = live_hub.api("GET", f"/user/{A}/api/contents/{START}", ta).json()["content"]
    assert again["cells"][0]["source"] == "my own notes"
    assert all(p.exists() for p in others)
    manifest = json.loads((home / "notebooks" / ".climpy-content.json").read_text())
    assert "00_start_here.ipynb" in manifest


def test_jupyterlab_git_and_kernel_culling_are_on(live_hub, state):
    ta = state[f"token-{A}"]
    assert live_hub.api("GET", f"/user/{A}/git/settings", ta).status_code == 200
    # The Lab page's config lists the federated extensions the front end loads.
    lab = live_hub.api("GET", f"/user/{A}/lab", ta)
    assert lab.status_code == 200 and '"name": "@jupyterlab/git"' in lab.text
    assert live_hub.api("GET", f"/user/{A}/lab/api/settings/@jupyterlab/git:plugin", ta).status_code == 200
    cmdline = " ".join(live_hub.server_processes(A)[0].cmdline())
    assert "--MappingKernelManager.cull_idle_timeout=1200" in cmdline


def test_student_commits_and_pushes_from_lab_with_jupyterlab_git(live_hub, state):
    """The REST calls Lab's git panel makes: set identity, init, stage, commit, add remote, push."""
    ta, user = state[f"token-{A}"], live_hub.unix_name(A)
    remote = Path(pwd.getpwnam(user).pw_dir) / "course-remote.git"  # stands in for the class's git server
    made = run_as(
        user,
        f"import subprocess; subprocess.run(['git', 'init', '-q', '--bare', {str(remote)!r}], check=True)",
    )
    assert made.returncode == 0, made.stderr
    steps = [
        ("init", {}),  # works at once: the hub gave a default identity (~/.gitconfig)
        ("config", {"options": {"user.name": "Alice Student", "user.email": "alice@example.org"}}),
        ("add_all_untracked", {}),
        ("commit", {"commit_msg": "my routing exercise"}),
        ("remote/add", {"url": str(remote), "name": "origin"}),
        ("push", {"remote": "origin"}),
    ]
    for endpoint, body in steps:
        r = live_hub.api("POST", f"/user/{A}/git/notebooks/{endpoint}", ta, json=body)
        assert r.ok and r.json()["code"] == 0, (endpoint, r.text[:300])
    log = run_as(
        user,
        f"import subprocess; print(subprocess.run(['git', '--git-dir', {str(remote)!r}, 'log', "
        "'--format=%an|%s'], capture_output=True, text=True, check=True).stdout)",
    )
    lines = log.stdout.strip().splitlines()
    assert lines[0] == "Alice Student|my routing exercise"
    assert len(lines) == 2 and lines[1].startswith(f"{A}|")  # Lab's initial commit, by the default identity


def test_culler_runs_as_a_service_holding_only_its_scopes(live_hub, state):
    hub = psutil.Process(live_hub.proc.pid)
    cullers = [p for p in hub.children() if "jupyterhub_idle_culler" in " ".join(p.cmdline())]
    assert len(cullers) == 1
    token = cullers[0].environ()["JUPYTERHUB_API_TOKEN"]
    me = live_hub.api("GET", "/hub/api/user", token).json()
    assert me["kind"] == "service" and me["name"] == "idle-culler"
    # Exactly the role's four scopes, plus read:users:name which list:users implies.
    assert set(me["scopes"]) == CULLER_SCOPES | {"read:users:name"}
    # The role as loaded in the hub's database holds the four and nothing else.
    roles = live_hub.api("GET", "/hub/api/services/idle-culler", state["admin"]).json()["roles"]
    assert roles == ["idle-culler"]
    # Its token reaches no student's server.
    assert live_hub.api("GET", f"/user/{A}/api/contents", token).status_code == 403


def test_secrets_cookie_file_and_proxy_token(live_hub, state):
    secret = live_hub.state / "jupyterhub_cookie_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    hub = psutil.Process(live_hub.proc.pid)
    proxies = [p for p in hub.children() if "configurable-http-proxy" in " ".join(p.cmdline())]
    assert len(proxies) == 1
    proxy = proxies[0]
    assert Path(proxy.cmdline()[0]).name in {"node", "nodejs"}  # the npm proxy, not the PyPI port
    assert proxy.environ()["CONFIGPROXY_AUTH_TOKEN"] == live_hub.token
    assert live_hub.token not in " ".join(proxy.cmdline())
    for f in live_hub.state.iterdir():  # the token is in no state file
        if f.is_file():
            assert live_hub.token.encode() not in f.read_bytes()
    listening = {c.laddr.ip for c in proxy.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN}
    assert listening == {"127.0.0.1"}
    # The proxy's REST API refuses requests without the token.
    args = proxy.cmdline()
    api = f"http://127.0.0.1:{args[args.index('--api-port') + 1]}/api/routes"
    assert requests.get(api, timeout=10).status_code == 403
    assert requests.get(api, headers={"Authorization": f"token {live_hub.token}"}, timeout=10).ok


@pytest.mark.browser
def test_login_page_in_chromium_lands_on_lab_at_the_start_notebook(live_hub, state, artifacts_dir):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api")
    live_hub.signup("carol")
    assert live_hub.api("PUT", "/hub/api/authorizations/carol", state["admin"]).ok
    shot = artifacts_dir / "hub_lab_start_notebook.png"
    result = browser_login(live_hub, "carol", PASSWORD, screenshot=shot)
    assert result["url"].split("?")[0].endswith(f"/user/carol/lab/tree/{START}")
    assert result["tab"] == "00_start_here.ipynb"
    assert result["cells"] >= 1 and result["editors"] >= 1  # the notebook editor is rendered
    assert result["external_requests"] == []  # everything came from the hub on loopback
    assert shot.stat().st_size > 10_000
    # The server the page opened runs as carol's own Unix user.
    [proc] = live_hub.server_processes("carol")
    assert proc.uids().real == pwd.getpwnam(live_hub.unix_name("carol")).pw_uid


def test_every_process_stops_with_the_hub(live_hub, state):
    assert live_hub.user_processes(), "the students' servers should be running before the stop"
    alive = live_hub.stop()
    assert alive == []
    assert live_hub.user_processes() == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{live_hub.url}/hub/api/", timeout=5)
