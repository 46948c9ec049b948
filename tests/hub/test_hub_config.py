"""jupyterhub_config.py as JupyterHub loads it, and the helpers of climpy.deploy.hub (no live hub needed)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from climpy.deploy.hub import (
    MANIFEST,
    ensure_unix_user,
    find_configurable_http_proxy,
    protect_shared_data,
    sync_content,
    unix_username,
)
from climpy.exceptions import InputError, MissingDependencyError

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "jupyterhub_config.py"


@pytest.fixture
def hub_env(tmp_path, monkeypatch):
    """Environment variables of a hub whose state, data and students' env live under tmp_path."""
    student = tmp_path / "env"
    (student / "bin").mkdir(parents=True)
    (student / "bin" / "jupyterhub-singleuser").write_text("#!/bin/sh\n")
    chp = tmp_path / "chp"
    chp.write_text("#!/usr/bin/env node\n")
    for key in list(os.environ):
        if key.startswith("CLIMPY_HUB_"):
            monkeypatch.delenv(key)
    values = {
        "CONFIGPROXY_AUTH_TOKEN": "t" * 64,
        "CONFIGPROXY_COMMAND": str(chp),
        "CLIMPY_HUB_STATE": str(tmp_path / "state"),
        "CLIMPY_HUB_DATA": str(tmp_path / "data"),
        "CLIMPY_HUB_ENV": str(student),
        "CLIMPY_HUB_ADMINS": "teacher, ta",
        "CLIMPY_HUB_PORT": "0",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def load_config():
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()


def test_native_mode_needs_approval_and_has_least_privilege_culler(hub_env):
    c = load_config()
    assert c.JupyterHub.authenticator_class == "climpy.deploy.hub.ClimpyNativeAuthenticator"
    assert c.ClimpyNativeAuthenticator.open_signup is False
    assert c.Authenticator.admin_users == {"teacher", "ta"}
    [culler] = c.JupyterHub.services
    assert culler["name"] == "idle-culler" and "jupyterhub_idle_culler" in culler["command"]
    [role] = c.JupyterHub.load_roles
    assert role["services"] == ["idle-culler"]
    assert set(role["scopes"]) == {"list:users", "read:users:activity", "read:servers", "delete:servers"}
    secret = Path(c.JupyterHub.cookie_secret_file)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(secret.read_text()) == 64
    assert stat.S_IMODE(Path(hub_env["CLIMPY_HUB_STATE"]).stat().st_mode) == 0o700


def test_network_is_loopback_with_ports_chosen_at_start(hub_env):
    c = load_config()
    urls = [c.JupyterHub.bind_url, c.JupyterHub.hub_bind_url, c.ConfigurableHTTPProxy.api_url]
    assert all(u.startswith("http://127.0.0.1:") for u in urls)
    assert len({u.rsplit(":", 1)[1] for u in urls}) == 3
    assert c.ConfigurableHTTPProxy.command == [hub_env["CONFIGPROXY_COMMAND"]]
    assert c.ConfigurableHTTPProxy.auth_token == hub_env["CONFIGPROXY_AUTH_TOKEN"]


def test_students_run_the_world_readable_env_at_the_start_notebook(hub_env):
    c = load_config()
    env = Path(hub_env["CLIMPY_HUB_ENV"])
    assert c.JupyterHub.spawner_class == "climpy.deploy.hub.ClimpySpawner"
    assert c.Spawner.cmd == [str(env / "bin" / "jupyterhub-singleuser")]
    assert c.Spawner.default_url == "/lab/tree/climpy/notebooks/00_start_here.ipynb"
    assert c.Spawner.environment["PATH"].startswith(str(env / "bin"))
    assert c.Spawner.environment["PANEL_INLINE"] == "true" and "HOLOVIEWSRC" in c.Spawner.environment
    assert "--MappingKernelManager.cull_idle_timeout=1200" in c.Spawner.args
    assert (
        c.JupyterHub.concurrent_spawn_limit == 8
        and c.Spawner.mem_limit == "2G"
        and c.Spawner.cpu_limit == 1.0
    )
    # By default each home gets a clone of this repository, served through a world-readable mirror.
    assert c.ClimpySpawner.course_repo == str(ROOT) and "content_dir" not in c.ClimpySpawner
    assert c.ClimpySpawner.course_mirror == str(
        Path(hub_env["CLIMPY_HUB_STATE"]).parent / "climpy-course.git"
    )
    assert c.ClimpySpawner.env_bin == str(env / "bin")
    data = Path(hub_env["CLIMPY_HUB_DATA"])
    assert c.ClimpySpawner.shared_data_dir == str(data.resolve())
    assert stat.S_IMODE(data.stat().st_mode) == 0o755


def test_shared_password_workshop_mode(hub_env, monkeypatch):
    monkeypatch.setenv("CLIMPY_HUB_AUTH", "shared-password")
    monkeypatch.setenv("CLIMPY_HUB_SHARED_PASSWORD", "a long workshop phrase")
    c = load_config()
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert c.SharedPasswordAuthenticator.user_password == "a long workshop phrase"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CLIMPY_HUB_AUTH": "shared-password"}, "needs CLIMPY_HUB_SHARED_PASSWORD"),
        ({"CLIMPY_HUB_AUTH": "shared-password", "CLIMPY_HUB_SHARED_PASSWORD": "short"}, "at least 8"),
        (
            {"CLIMPY_HUB_AUTH": "github"},
            "'github' is unknown; use 'native', 'shared-password', 'ldap' or 'oidc'",
        ),
        ({"CONFIGPROXY_AUTH_TOKEN": ""}, "CONFIGPROXY_AUTH_TOKEN is not set"),
        ({"CLIMPY_HUB_ENV": "/nonexistent"}, "build the students' environment with scripts/hub-env.sh"),
        ({"CLIMPY_HUB_SPAWN_LIMIT": "many"}, "CLIMPY_HUB_SPAWN_LIMIT='many' is not an integer"),
        (
            {"CLIMPY_HUB_SSL_CERT": "/nonexistent.crt"},
            "HTTPS needs both CLIMPY_HUB_SSL_CERT and CLIMPY_HUB_SSL_KEY",
        ),
        ({"CLIMPY_HUB_IP": "0.0.0.0"}, "serves the hub beyond this machine: give CLIMPY_HUB_SSL_CERT"),
        ({"CLIMPY_HUB_CPU_LIMIT": "lots"}, "CLIMPY_HUB_CPU_LIMIT='lots' is not a number of cores"),
        ({"CLIMPY_HUB_COURSE_REPO": "/nonexistent"}, "'/nonexistent' is not a git repository"),
        ({"CLIMPY_HUB_AUTH": "ldap"}, "lets in everyone of the directory unless you set CLIMPY_HUB_ALLOWED"),
        ({"CLIMPY_HUB_AUTH": "ldap", "CLIMPY_HUB_ALLOWED_USERS": "a"}, "ldap needs CLIMPY_HUB_LDAP_URL"),
        (
            {"CLIMPY_HUB_AUTH": "ldap", "CLIMPY_HUB_ALLOW_ALL": "1", "CLIMPY_HUB_LDAP_URL": "http://x"},
            "CLIMPY_HUB_LDAP_URL='http://x' is not an LDAP server URL",
        ),
        (
            {"CLIMPY_HUB_AUTH": "ldap", "CLIMPY_HUB_ALLOW_ALL": "1", "CLIMPY_HUB_LDAP_URL": "ldap://x"},
            "ldap needs CLIMPY_HUB_LDAP_USER_DN",
        ),
        (
            {
                "CLIMPY_HUB_AUTH": "oidc",
                "CLIMPY_HUB_ALLOW_ALL": "1",
                "CLIMPY_HUB_OIDC_ISSUER": "http://sso.x",
            },
            "must be an https:// URL",
        ),
        (
            {
                "CLIMPY_HUB_AUTH": "oidc",
                "CLIMPY_HUB_ALLOW_ALL": "1",
                "CLIMPY_HUB_OIDC_ISSUER": "http://127.0.0.1:9",
            },
            "cannot read http://127.0.0.1:9/.well-known/openid-configuration",
        ),
    ],
)
def test_bad_settings_stop_the_hub_with_the_fix(hub_env, monkeypatch, env, message):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit, match=message):
        load_config()


def test_ldap_mode_maps_the_url_groups_and_admin_groups(hub_env, monkeypatch):
    people, klass, teachers = (
        "ou=people,dc=u,dc=fr",
        "cn=paleo,ou=groups,dc=u,dc=fr",
        "cn=t,ou=groups,dc=u,dc=fr",
    )
    monkeypatch.setenv("CLIMPY_HUB_AUTH", "ldap")
    monkeypatch.setenv("CLIMPY_HUB_LDAP_URL", "ldaps://ldap.u.fr")
    monkeypatch.setenv("CLIMPY_HUB_LDAP_USER_DN", f"uid={{username}},{people}; cn={{username}},{people}")
    monkeypatch.setenv("CLIMPY_HUB_ALLOWED_GROUPS", klass)
    monkeypatch.setenv("CLIMPY_HUB_ADMIN_GROUPS", teachers)
    c = load_config()
    ldap = c.LDAPAuthenticator
    assert c.JupyterHub.authenticator_class == "ldapauthenticator.LDAPAuthenticator"
    assert (ldap.server_address, ldap.server_port, ldap.tls_strategy) == ("ldap.u.fr", 636, "on_connect")
    assert ldap.bind_dn_template == [f"uid={{username}},{people}", f"cn={{username}},{people}"]
    assert ldap.allowed_groups == [klass, teachers] and ldap.allow_all is False
    hook = ldap.post_auth_hook
    member = hook(None, None, {"name": "ann", "auth_state": {"ldap_groups": [teachers]}})
    other = hook(None, None, {"name": "ben", "auth_state": {"ldap_groups": [klass]}})
    listed = hook(None, None, {"name": "teacher", "auth_state": {"ldap_groups": []}})
    assert (member["admin"], other["admin"], listed["admin"]) == (
        True,
        False,
        True,
    )  # teacher: CLIMPY_HUB_ADMINS


def test_ldap_url_parsing():
    from climpy.deploy.hub import ldap_server

    assert ldap_server("ldap://127.0.0.1:3890") == {
        "server_address": "127.0.0.1",
        "server_port": 3890,
        "tls_strategy": "before_bind",
    }
    for bad in ("ldap://", "ldaps://h/dc=x", "ldap://h:port"):
        with pytest.raises(InputError, match="is not an LDAP server URL"):
            ldap_server(bad)


def test_unix_username_maps_hub_names_like_tljh():
    assert unix_username("alice") == "jupyter-alice"
    assert unix_username("alice", "climpy-test-ab12-") == "climpy-test-ab12-alice"
    long_a, long_b = unix_username("a" * 40), unix_username("a" * 41)
    assert len(long_a) <= 32 and long_a != long_b
    odd = unix_username("Élise.Dupont")
    assert len(odd) <= 32 and odd.startswith("jupyter-") and odd.isascii()


def test_ensure_unix_user_refuses_bad_names_and_system_accounts():
    with pytest.raises(InputError, match="not a valid Unix user name"):
        ensure_unix_user("../etc")
    with pytest.raises(InputError, match="uid 0 < 1000.*choose another user name prefix"):
        ensure_unix_user("root")


def test_find_proxy_prefers_npm_and_refuses_the_pypi_port(tmp_path, monkeypatch):
    monkeypatch.delenv("CONFIGPROXY_COMMAND", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # no npm: only the listed places
    node_bin = tmp_path / ".venv" / "node" / "bin"
    node_bin.mkdir(parents=True)
    chp = node_bin / "configurable-http-proxy"
    chp.write_text("#!/usr/bin/env python3\n# the PyPI port\n")
    try:
        found = find_configurable_http_proxy(tmp_path)
        assert found != str(chp)
    except MissingDependencyError as err:
        assert "npm install -g configurable-http-proxy" in str(err)
    chp.write_text("#!/usr/bin/env node\n")
    assert find_configurable_http_proxy(tmp_path) == str(chp)
    monkeypatch.setenv("CONFIGPROXY_COMMAND", "/x/chp")
    assert find_configurable_http_proxy(tmp_path) == "/x/chp"


def test_protect_shared_data_removes_group_and_other_write(tmp_path):
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "sub" / "f.nc").write_bytes(b"x")
    os.chmod(data / "sub" / "f.nc", 0o666)
    os.chmod(data / "sub", 0o777)
    protect_shared_data(data)
    assert stat.S_IMODE((data / "sub" / "f.nc").stat().st_mode) == 0o644
    assert stat.S_IMODE((data / "sub").stat().st_mode) == 0o755


# --- course content: never overwrite a student's edit ---------------------------------------------------


@pytest.fixture
def course(tmp_path):
    src = tmp_path / "course"
    src.mkdir()
    (src / "00_start_here.ipynb").write_text('{"v": 1}')
    (src / "01_regrid.ipynb").write_text('{"r": 1}')
    (src / "README.md").write_text("read me")
    (src / "01_regrid.md").write_text("the lesson's jupytext source, for contributors")
    (src / "_sync.py").write_text("private")
    (src / "topo.nc").write_bytes(b"output of a notebook run")
    (src / ".ipynb_checkpoints").mkdir()
    (src / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    home = tmp_path / "home"
    home.mkdir()
    return src, home


def test_sync_copies_the_notebooks_only(course):
    src, home = course
    actions = sync_content(src, home)
    assert actions == {"00_start_here.ipynb": "copied", "01_regrid.ipynb": "copied", "README.md": "copied"}
    assert sorted(p.name for p in (home / "notebooks").iterdir()) == [
        MANIFEST,
        "00_start_here.ipynb",
        "01_regrid.ipynb",
        "README.md",
    ]
    assert sync_content(src, home) == dict.fromkeys(actions, "unchanged")


def test_sync_keeps_edits_updates_untouched_files_and_restores_deleted_ones(course):
    src, home = course
    sync_content(src, home)
    nb = home / "notebooks"
    (nb / "00_start_here.ipynb").write_text('{"v": 1, "mine": true}')  # the student's edit
    (nb / "README.md").unlink()  # deleted by the student
    (src / "00_start_here.ipynb").write_text('{"v": 2}')  # new course versions
    (src / "01_regrid.ipynb").write_text('{"r": 2}')
    actions = sync_content(src, home)
    assert actions == {"00_start_here.ipynb": "kept", "01_regrid.ipynb": "updated", "README.md": "copied"}
    assert (nb / "00_start_here.ipynb").read_text() == '{"v": 1, "mine": true}'
    assert (nb / "01_regrid.ipynb").read_text() == '{"r": 2}'
    # A file the student made themselves with a course name is theirs too.
    (src / "02_new.ipynb").write_text("{}")
    (nb / "02_new.ipynb").write_text("student's own")
    assert sync_content(src, home)["02_new.ipynb"] == "kept"


def test_sync_never_writes_through_a_students_symlink(course, tmp_path):
    src, home = course
    victim = tmp_path / "outside.txt"
    victim.write_text("not yours")
    (home / "notebooks").mkdir()
    (home / "notebooks" / "00_start_here.ipynb").symlink_to(victim)
    actions = sync_content(src, home)
    assert actions["00_start_here.ipynb"] == "kept" and victim.read_text() == "not yours"
    # A symlinked content folder is refused as a whole, the target untouched.
    home2 = tmp_path / "home2"
    home2.mkdir()
    (home2 / "notebooks").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    assert set(sync_content(src, home2).values()) == {"kept"}
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_sync_errors_name_the_fix(course):
    src, home = course
    with pytest.raises(InputError, match="course content folder not found; set CLIMPY_HUB_CONTENT"):
        sync_content(src / "missing", home)
    with pytest.raises(InputError, match="must be one plain folder name"):
        sync_content(src, home, dest="../x")


@pytest.mark.properties
@settings(max_examples=25, deadline=None)
@given(
    rounds=st.lists(
        st.tuples(
            st.sets(st.sampled_from(["a.ipynb", "b.ipynb", "c.md"])),  # files the course updates
            st.sets(st.sampled_from(["a.ipynb", "b.ipynb", "c.md"])),  # files the student edits
        ),
        min_size=1,
        max_size=4,
    )
)
def test_sync_property_student_edits_survive_and_the_rest_follows_the_course(tmp_path_factory, rounds):
    base = tmp_path_factory.mktemp("prop")
    src, home = base / "src", base / "home"
    src.mkdir()
    home.mkdir()
    names = ["a.ipynb", "b.ipynb", "c.md"]
    for n in names:
        (src / n).write_text(f"{n} v0")
    sync_content(src, home)
    edited: dict[str, str] = {}
    for i, (updates, edits) in enumerate(rounds, start=1):
        for n in updates:
            (src / n).write_text(f"{n} v{i}")
        for n in edits:
            edited[n] = f"{n} edited in round {i}"
            (home / "notebooks" / n).write_text(edited[n])
        sync_content(src, home)
        for n in names:
            got = (home / "notebooks" / n).read_text()
            assert got == edited.get(n, (src / n).read_text())


def test_default_gitconfig_is_written_once_and_never_over_the_students(tmp_path):
    from climpy.deploy.hub import write_default_gitconfig

    uid, gid = os.getuid(), os.getgid()
    assert write_default_gitconfig(tmp_path, "alice", "alice@climpy-hub.invalid", uid=uid, gid=gid)
    text = (tmp_path / ".gitconfig").read_text()
    assert "name = alice" in text and "email = alice@climpy-hub.invalid" in text
    (tmp_path / ".gitconfig").write_text("[user]\n\tname = Alice Smith\n")
    assert not write_default_gitconfig(tmp_path, "alice", "x@y", uid=uid, gid=gid)
    assert (tmp_path / ".gitconfig").read_text() == "[user]\n\tname = Alice Smith\n"


def test_copy_mode_when_a_content_folder_is_given(hub_env, monkeypatch):
    monkeypatch.setenv("CLIMPY_HUB_CONTENT", str(ROOT / "notebooks"))
    c = load_config()
    assert c.ClimpySpawner.content_dir == str(ROOT / "notebooks") and "course_repo" not in c.ClimpySpawner
    assert c.Spawner.default_url == "/lab/tree/notebooks/00_start_here.ipynb"


def _git(*args, cwd):
    import subprocess

    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_course_clone_is_pulled_without_clobbering_the_students_work(tmp_path):
    """nbgitpuller's rules on a real clone: edits kept, course updates arrive, deleted files return."""
    import sys

    from climpy.deploy.hub import sync_course_repo, update_course_mirror

    course = tmp_path / "course"
    (course / "notebooks").mkdir(parents=True)
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    nbformat.write(nb, course / "notebooks" / "a.ipynb")
    (course / "pipeline.yaml").write_text("steps: []\n")
    (course / "README.md").write_text("v1\n")
    _git("init", "-q", "-b", "main", cwd=course)
    _git("add", ".", cwd=course)
    _git("-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "course v1", cwd=course)
    mirror = update_course_mirror(course, tmp_path / "srv" / "course.git")
    home = tmp_path / "home"
    home.mkdir()
    bin_dir = Path(sys.executable).parent
    assert sync_course_repo(str(mirror), home, bin_dir=bin_dir) == "cloned"
    clone = home / "climpy"
    assert (clone / "pipeline.yaml").read_text() == "steps: []\n"
    assert "nbstripout --keep-id --keep-count" in _git("config", "filter.nbstripout.clean", cwd=clone)
    assert _git("config", "diff.jupyternotebook.command", cwd=clone).startswith("git-nbdiffdriver")
    # The student edits the README and deletes pipeline.yaml; the course changes README and adds a file.
    (clone / "README.md").write_text("my notes\n")
    (clone / "pipeline.yaml").unlink()
    (course / "README.md").write_text("v2\n")
    (course / "NEW.md").write_text("new\n")
    _git("add", ".", cwd=course)
    _git("-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "course v2", cwd=course)
    update_course_mirror(course, mirror)
    assert sync_course_repo(str(mirror), home, bin_dir=bin_dir) == "pulled"
    assert (clone / "README.md").read_text() == "my notes\n"  # the student's change wins
    assert (clone / "NEW.md").read_text() == "new\n" and (clone / "pipeline.yaml").exists()
    assert "course v2" in _git("log", "--format=%s", cwd=clone)
    # A folder in the way that is not a clone is left alone, with the fix in the message.
    (home / "other").mkdir()
    with pytest.raises(InputError, match="is not a git clone"):
        sync_course_repo(str(mirror), home, dest="other", bin_dir=bin_dir)


def test_student_cgroups_v1_and_v2_files(tmp_path):
    from climpy.deploy.hub import student_cgroups

    v1 = tmp_path / "v1"
    (v1 / "memory").mkdir(parents=True)
    (v1 / "cpu").mkdir()
    procs = student_cgroups("jupyter-ann", 2 * 2**30, 1.5, root=v1)
    assert [p.parent.relative_to(v1).as_posix() for p in procs] == [
        "memory/climpy-hub/jupyter-ann",
        "cpu/climpy-hub/jupyter-ann",
    ]
    assert (v1 / "memory/climpy-hub/jupyter-ann/memory.limit_in_bytes").read_text() == str(2 * 2**30)
    assert (v1 / "cpu/climpy-hub/jupyter-ann/cpu.cfs_quota_us").read_text() == "150000"
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    [procs2] = student_cgroups("jupyter-ann", 10**9, 0.5, root=v2)
    group = v2 / "climpy-hub" / "jupyter-ann"
    assert procs2 == group / "cgroup.procs"
    assert (group / "memory.max").read_text() == str(10**9) and (
        group / "cpu.max"
    ).read_text() == "50000 100000"
    assert (v2 / "cgroup.subtree_control").read_text() == "+memory +cpu"
