"""Drive a real JupyterHub on loopback for the hub tests and benchmarks/bench_hub.py.

Nothing here is mocked: the hub is ``jupyterhub -f jupyterhub_config.py`` in a subprocess with its
real npm configurable-http-proxy, students are real Unix users (``climpy-test-<random>-<name>``, all
deleted by :meth:`LiveHub.close`, even after a failure), forms are posted as a browser would.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[2]
STUDENT_ENV = Path(os.environ.get("CLIMPY_HUB_ENV", "/opt/climpy-hub-env"))
PASSWORD = "climpy-Test-pw-7431"


def build_student_env() -> float:
    """Run scripts/hub-env.sh (a no-op taking about a second when up to date); return seconds."""
    t0 = time.perf_counter()
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "hub-env.sh")], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/hub-env.sh failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t0


def skip_reason() -> str | None:
    """Why a live hub cannot run here, or None."""
    if os.geteuid() != 0:
        return "the hub tests need root (students are created with useradd)"
    if not Path("/usr/bin/python3.11").exists():
        return "Debian's /usr/bin/python3.11 is needed for the students' environment"
    sys.path.insert(0, str(ROOT))
    from climpy.deploy.hub import find_configurable_http_proxy
    from climpy.exceptions import MissingDependencyError

    try:
        find_configurable_http_proxy(ROOT)
    except MissingDependencyError as err:
        return str(err)
    return None


class LiveHub:
    """A JupyterHub process with its own state folder, content, shared data and test users."""

    def __init__(self, workdir: Path, *, auth: str = "native", admins: tuple[str, ...] = ("teacher",), **env):
        self.workdir = Path(workdir)
        self.state = self.workdir / "state"
        self.data = self.workdir / "shared-data"
        self.content = self.workdir / "content"
        self.tag = secrets.token_hex(2)
        self.prefix = f"climpy-test-{self.tag}-"
        self.token = secrets.token_hex(32)
        self.admins = admins
        self.env = dict(os.environ)
        for key in list(self.env):
            if key.startswith(("CLIMPY_HUB_", "JUPYTERHUB_")):
                del self.env[key]
        self.env.update(
            {
                "CONFIGPROXY_AUTH_TOKEN": self.token,
                "CLIMPY_HUB_AUTH": auth,
                "CLIMPY_HUB_ADMINS": ",".join(admins),
                "CLIMPY_HUB_PORT": "0",
                "CLIMPY_HUB_STATE": str(self.state),
                "CLIMPY_HUB_DATA": str(self.data),
                "CLIMPY_HUB_CONTENT": str(self.content),
                "CLIMPY_HUB_USER_PREFIX": self.prefix,
                "CLIMPY_HUB_ENV": str(STUDENT_ENV),
            }
        )
        self.env.update(env)
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.log_path = self.workdir / "jupyterhub.log"
        self.pids_seen: set[int] = set()

    # --- lifecycle -------------------------------------------------------------------------------------
    def prepare(self, notebooks: Path) -> None:
        """Stage course content (the repo's notebooks) and a shared data file."""
        import shutil

        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o755)  # students must traverse it to reach the shared data
        shutil.copytree(notebooks, self.content, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        self.data.mkdir()
        (self.data / "README.txt").write_text("shared course data: read-only for students\n")

    def start(self, timeout: float = 90, verify: bool | str = True) -> float:
        """Start the hub; return seconds until its API answers through the proxy.

        ``verify``: the CA file of a hub served over HTTPS (CLIMPY_HUB_SSL_CERT), as requests takes it.
        """
        t0 = time.perf_counter()
        log = open(self.log_path, "w")  # noqa: SIM115 - closed in close()
        self._log = log
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "jupyterhub"), "-f", str(ROOT / "jupyterhub_config.py")],
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # A shell running us in the background ignores SIGINT, and children inherit that: the hub
            # then waits 30 s for each service to ignore its SIGINT at shutdown. Restore the default.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited {self.proc.returncode}:\n{self.log_tail()}")
            m = re.search(
                r"JupyterHub is now running at (https?://127\.0\.0\.1:\d+)", self.log_path.read_text()
            )
            if m:
                self.url = m.group(1)
                try:
                    if requests.get(f"{self.url}/hub/api/", timeout=5, verify=verify).status_code == 200:
                        self._remember_pids()
                        return time.perf_counter() - t0
                except requests.ConnectionError:
                    pass
            time.sleep(0.1)
        raise TimeoutError(f"hub not ready after {timeout} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-n:])
        except OSError:
            return ""

    def _remember_pids(self) -> None:
        if self.proc is None:
            return
        try:
            hub = psutil.Process(self.proc.pid)
            self.pids_seen |= {hub.pid, *(p.pid for p in hub.children(recursive=True))}
        except psutil.NoSuchProcess:
            pass
        self.pids_seen |= {p.pid for p in self.user_processes()}

    def user_processes(self) -> list[psutil.Process]:
        """Processes run by this hub's test users."""
        uids = {e.pw_uid for e in pwd.getpwall() if e.pw_name.startswith(self.prefix)}
        out = []
        for p in psutil.process_iter(["uids"]):
            try:
                # a zombie has exited; it lingers only until something reaps it (in a container whose
                # PID 1 does not reap, that can be never), so it is not a running process
                if p.info["uids"] and p.info["uids"].real in uids and not _is_zombie(p.pid):
                    out.append(p)
            except psutil.NoSuchProcess:
                pass
        return out

    def stop(self, timeout: float = 60) -> list[int]:
        """Stop the hub (SIGTERM, as Ctrl-C would); return the pids still alive afterwards."""
        self._remember_pids()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        deadline = time.time() + 10
        alive = [pid for pid in self.pids_seen if psutil.pid_exists(pid) and not _is_zombie(pid)]
        while alive and time.time() < deadline:
            time.sleep(0.2)
            alive = [pid for pid in alive if psutil.pid_exists(pid) and not _is_zombie(pid)]
        return alive

    def close(self) -> None:
        """Stop everything this hub started and delete its test users (safe to call twice)."""
        alive = self.stop()
        for pid in alive + [p.pid for p in self.user_processes()]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for entry in pwd.getpwall():
            if entry.pw_name.startswith(self.prefix):
                subprocess.run(["userdel", "-r", "-f", entry.pw_name], capture_output=True)
        if getattr(self, "_log", None):
            self._log.close()

    # --- users -----------------------------------------------------------------------------------------
    def unix_name(self, name: str) -> str:
        return self.prefix + name

    def session(self) -> requests.Session:
        return requests.Session()

    def _xsrf(self, s: requests.Session, page: str) -> str:
        r = s.get(f"{self.url}{page}", timeout=30)
        r.raise_for_status()
        m = re.search(r'name="_xsrf" value="([^"]+)"', r.text)
        return m.group(1) if m else s.cookies.get("_xsrf", "")

    def signup(self, name: str, password: str = PASSWORD) -> str:
        """Post the real sign-up form; return the page's message."""
        s = self.session()
        xsrf = self._xsrf(s, "/hub/signup")
        form = {
            "_xsrf": xsrf,
            "username": name,
            "email": f"{name}@example.org",
            "signup_password": password,
            "signup_password_confirmation": password,
        }
        r = s.post(f"{self.url}/hub/signup", data=form, timeout=30)
        r.raise_for_status()
        m = re.search(r'<div class="alert[^"]*"[^>]*>\s*(.*?)\s*</div>', r.text, re.S)
        return re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else r.text

    def login(
        self, name: str, password: str = PASSWORD, *, follow: bool = False
    ) -> tuple[requests.Session, requests.Response]:
        """Post the real login form; the session holds the hub cookie when it worked."""
        s = self.session()
        xsrf = self._xsrf(s, "/hub/login")
        r = s.post(
            f"{self.url}/hub/login?next=",
            data={"_xsrf": xsrf, "username": name, "password": password},
            allow_redirects=follow,
            timeout=120,
        )
        return s, r

    def logged_in(self, s: requests.Session) -> bool:
        return any(
            c.name.startswith("jupyterhub-session-id") or c.name == "jupyterhub-hub-login" for c in s.cookies
        )

    def user_token(self, s: requests.Session, name: str) -> str:
        """Create an API token for ``name`` through the REST API, authenticated by the login cookie."""
        xsrf = s.cookies.get("_xsrf", path="/hub/") or s.cookies.get("_xsrf")
        r = s.post(
            f"{self.url}/hub/api/users/{name}/tokens",
            json={"note": "climpy test", "expires_in": 3600},
            headers={"X-XSRFToken": xsrf, "Referer": f"{self.url}/hub/token"},
            timeout=30,
        )
        r.raise_for_status()
        return r.json()["token"]

    def api(self, method: str, path: str, token: str, **kw) -> requests.Response:
        return requests.request(
            method, f"{self.url}{path}", headers={"Authorization": f"token {token}"}, timeout=120, **kw
        )

    def wait_server(self, name: str, token: str, timeout: float = 120) -> float:
        """Wait until ``name``'s default server is ready; return the seconds waited."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            r = self.api("GET", f"/hub/api/users/{name}", token)
            server = r.json().get("servers", {}).get("", {}) if r.ok else {}
            if server.get("ready"):
                self._remember_pids()
                return time.perf_counter() - t0
            time.sleep(0.1)
        raise TimeoutError(f"server of {name} not ready after {timeout} s:\n{self.log_tail()}")

    def start_server(self, name: str, token: str) -> float:
        """Ask the REST API to start ``name``'s server; return seconds until ready."""
        t0 = time.perf_counter()
        r = self.api("POST", f"/hub/api/users/{name}/server", token)
        if r.status_code not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"spawn {name}: {r.status_code} {r.text}")
        self.wait_server(name, token)
        return time.perf_counter() - t0

    def stop_server(self, name: str, token: str, timeout: float = 60) -> None:
        r = self.api("DELETE", f"/hub/api/users/{name}/server", token)
        if r.status_code not in (202, 204):
            raise RuntimeError(f"stop {name}: {r.status_code} {r.text}")
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            server = self.api("GET", f"/hub/api/users/{name}", token).json().get("servers", {})
            if "" not in server:
                return
            time.sleep(0.2)
        raise TimeoutError(f"server of {name} did not stop")

    def server_processes(self, name: str) -> list[psutil.Process]:
        """The single-user server process(es) of one student."""
        uid = pwd.getpwnam(self.unix_name(name)).pw_uid
        out = []
        for p in psutil.process_iter(["uids", "cmdline"]):
            try:
                if p.info["uids"].real == uid and any(
                    "jupyterhub-singleuser" in a for a in p.info["cmdline"] or []
                ):
                    out.append(p)
            except (psutil.NoSuchProcess, TypeError, AttributeError):
                pass
        return out


def _is_zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def run_in_kernel(base_url: str, token: str, code: str, timeout: float = 120, on_done=None) -> dict:
    """Start a kernel in a single-user server, execute ``code``, return stdout/error, delete the kernel.

    Parameters: ``base_url`` like ``http://127.0.0.1:8000/user/alice``; ``token`` a token of that user;
    ``on_done`` an optional callable run after the code, before the kernel is deleted.
    """
    import websocket  # websocket-client

    headers = {"Authorization": f"token {token}"}
    r = requests.post(f"{base_url}/api/kernels", json={"name": "python3"}, headers=headers, timeout=60)
    r.raise_for_status()
    kid = r.json()["id"]
    ws_url = base_url.replace("http://", "ws://") + f"/api/kernels/{kid}/channels"
    ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"], timeout=timeout)
    msg_id = uuid.uuid4().hex
    ws.send(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "username": "test",
                    "session": uuid.uuid4().hex,
                    "msg_type": "execute_request",
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "content": {"code": code, "silent": False, "store_history": False},
                "channel": "shell",
            }
        )
    )
    out: dict = {"stdout": "", "error": None}
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out["stdout"] += msg["content"]["text"]
            elif kind == "error":
                out["error"] = f"{msg['content']['ename']}: {msg['content']['evalue']}"
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        if on_done is not None:
            out["on_done"] = on_done()  # e.g. measure memory while the kernel is still alive
    finally:
        ws.close()
        requests.delete(f"{base_url}/api/kernels/{kid}", headers=headers, timeout=60)
    return out


def run_as(unix_name: str, code: str) -> subprocess.CompletedProcess:
    """Run Python ``code`` as a Unix user with the students' interpreter."""
    entry = pwd.getpwnam(unix_name)
    return subprocess.run(
        [str(STUDENT_ENV / "bin" / "python"), "-c", code],
        user=entry.pw_uid,
        group=entry.pw_gid,
        extra_groups=[],
        cwd=entry.pw_dir,
        env={"HOME": entry.pw_dir, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def wait_for(cond, timeout: float = 30, step: float = 0.2):
    """Poll ``cond()`` until truthy; return its value (or the last falsy one)."""
    t0 = time.time()
    value = cond()
    while not value and time.time() - t0 < timeout:
        time.sleep(step)
        value = cond()
    return value


__all__ = [
    "LiveHub",
    "PASSWORD",
    "ROOT",
    "STUDENT_ENV",
    "build_student_env",
    "run_as",
    "run_in_kernel",
    "skip_reason",
]


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def browser_login(hub: LiveHub, name: str, password: str, *, screenshot: Path | None = None) -> dict:
    """Log in through the hub's login page in Chromium; wait for Lab to render the start notebook.

    Every request leaving 127.0.0.1 is aborted and listed in ``external_requests``. Returns the
    final URL, the active tab's label, the rendered cell and editor counts and the seconds from
    the click on "Sign in" to the first rendered notebook cell.
    """
    from urllib.parse import urlparse

    from playwright.sync_api import sync_playwright

    external: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in {"127.0.0.1", "localhost"}:
            r.continue_()
        else:
            external.append(url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            ctx.route("**/*", route)
            page = ctx.new_page()
            page.goto(f"{hub.url}/hub/login", timeout=60_000)
            page.fill("#username_input", name)
            page.fill("#password_input", password)
            t0 = time.perf_counter()
            page.click("#login_submit")
            page.wait_for_url(re.compile(rf"/user/{name}/lab"), timeout=240_000)
            cell = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first
            cell.wait_for(state="visible", timeout=240_000)
            page.locator(".jp-NotebookPanel .jp-CodeCell .cm-editor").first.wait_for(
                state="visible", timeout=60_000
            )
            seconds = time.perf_counter() - t0
            tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel").first
            result = {
                "url": page.url,
                "tab": tab.inner_text().strip(),
                "cells": page.locator(".jp-NotebookPanel .jp-Cell").count(),
                "editors": page.locator(".jp-NotebookPanel .jp-CodeCell .cm-editor").count(),
                "seconds": seconds,
            }
            if screenshot is not None:
                page.wait_for_timeout(500)
                page.screenshot(path=str(screenshot))
        finally:
            browser.close()
    result["external_requests"] = external
    return result
