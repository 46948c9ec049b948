"""Binder (binder/): files consistent, postBuild in a fresh venv, Lab with Binder's settings, repo2docker.

Docker does not run here, so the image is never built. What is checked instead: binder/requirements.txt
pins exactly the venv's versions and carries no hub, test or lint tools; a fresh venv installs it
(pip resolves it) and runs the start notebook; binder/postBuild succeeds in a fresh venv (its
dependencies borrowed from the project's .venv through a .pth file); JupyterLab started through
binder/start opens the start notebook and reaches the Panel editor through jupyter-server-proxy; and
repo2docker prints the Dockerfile it would build from binder/ (the GitHub workflow builds it).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
START_URLPATH = "lab/tree/notebooks/00_start_here.ipynb"
REPO2DOCKER_ENV = Path(os.environ.get("CLIMPY_REPO2DOCKER_ENV", "/opt/climpy-tools/repo2docker"))


def _pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith(("#", "-")):
            name, _, version = line.partition("==")
            out[name.lower().replace("_", "-").replace(".", "-")] = version
    return out


def test_binder_requirements_are_the_venvs_pins_and_only_the_demo_set():
    binder = _pins(BINDER / "requirements.txt")
    venv = _pins(ROOT / "requirements" / "constraints.txt")
    differ = {n: (v, venv.get(n)) for n, v in binder.items() if venv.get(n) != v}
    assert not differ, (
        f"binder/requirements.txt differs from the constraints: {differ}; run binder/sync_requirements.py"
    )
    for needed in ("panel", "holoviews", "hvplot", "jupyterlab", "ipywidgets", "jupyter-bokeh", "papermill"):
        assert needed in binder, needed
    for tool in ("jupyterhub", "pytest", "playwright", "ruff", "mypy", "ldap3", "oauthenticator", "dask"):
        assert tool not in binder, f"{tool} has no place in the Binder image"
    assert not (BINDER / "environment.yml").exists()  # else repo2docker would pick conda
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"


@pytest.mark.slow
def test_fresh_venv_installs_binder_requirements_and_runs_the_start_notebook(tmp_path):
    """What Binder's pip buildpack does, here: pip resolves binder/requirements.txt into a new venv."""
    if not (ROOT / "notebooks" / "00_start_here.ipynb").exists():
        pytest.skip("notebooks/00_start_here.ipynb does not exist yet")
    py = "/usr/bin/python3.11" if Path("/usr/bin/python3.11").exists() else sys.executable
    venv = tmp_path / "venv"
    subprocess.run([py, "-m", "venv", str(venv)], check=True)
    repo = _copy_repo(tmp_path / "repo")
    env = {**os.environ, "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    t0 = time.perf_counter()
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    proc = subprocess.run(
        [*pip, "-r", "binder/requirements.txt"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = subprocess.run([*pip, "--no-deps", "."], cwd=repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    install_seconds = time.perf_counter() - t0
    check = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "check"], env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout
    out = tmp_path / "out.ipynb"
    cmd = [str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--output", str(out)]
    cmd += ["--ExecutePreprocessor.timeout=600", str(repo / "notebooks" / "00_start_here.ipynb")]
    proc = subprocess.run(cmd, cwd=repo / "notebooks", env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ran = json.loads(out.read_text())
    assert not any(o.get("output_type") == "error" for c in ran["cells"] for o in c.get("outputs", []))
    print(f"binder requirements installed in {install_seconds:.0f} s")


def test_binder_scripts_are_executable_and_start_execs_its_arguments():
    for name in ("postBuild", "start"):
        path = BINDER / name
        assert path.stat().st_mode & 0o111, f"binder/{name} must be executable"
        assert path.read_text().startswith("#!/usr/bin/env bash")
    out = subprocess.run(
        [str(BINDER / "start"), "bash", "-c", "echo $PANEL_INLINE $CLIMPY_BINDER"],
        text=True,
        capture_output=True,
        check=True,
    ).stdout
    assert out.split() == ["true", "1"]


def _copy_repo(dest: Path) -> Path:
    """The repository's files as Binder sees them (tracked and new, not ignored)."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, text=True, capture_output=True, check=True
    ).stdout.split("\n")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(src.read_bytes())
            os.chmod(dest / rel, src.stat().st_mode & 0o777)
    return dest


@pytest.fixture(scope="module")
def binder_build(tmp_path_factory):
    """Run binder/postBuild, as repo2docker does, in a fresh venv over a copy of the repository."""
    base = tmp_path_factory.mktemp("binder")
    repo = _copy_repo(base / "repo")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    # The dependencies binder/requirements.txt would install: borrowed from the project's venv, with
    # the server-extension config files their packages install into <prefix>/etc/jupyter.
    (site / "_climpy_binder_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    shutil.copytree(Path(sys.prefix) / "etc" / "jupyter", venv / "etc" / "jupyter", dirs_exist_ok=True)
    for own in ("labconfig/page_config.json", "jupyter_server_config.json"):
        (venv / "etc" / "jupyter" / own).unlink(missing_ok=True)  # postBuild must write these
    env = {**os.environ, "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["./binder/postBuild"], cwd=repo, env=env, text=True, capture_output=True, timeout=600
    )
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return {"repo": repo, "venv": venv, "env": env, "seconds": seconds, "log": proc.stdout + proc.stderr}


@pytest.mark.slow
def test_postbuild_installs_climpy_and_configures_lab(binder_build):
    venv, env = binder_build["venv"], binder_build["env"]
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import climpy; print(climpy.__file__)"],
        env=env,
        text=True,
        capture_output=True,
        check=True,
        cwd="/",
    ).stdout.strip()
    assert where.startswith(str(venv / "lib")), where  # installed into the environment, not editable
    kernel = json.loads((venv / "share/jupyter/kernels/python3/kernel.json").read_text())
    assert kernel["env"]["PANEL_INLINE"] == "true" and Path(kernel["env"]["HOLOVIEWSRC"]).is_file()
    assert kernel["argv"][0] == str(venv / "bin" / "python")
    page = json.loads((venv / "etc/jupyter/labconfig/page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] is True
    proxy = json.loads((venv / "etc/jupyter/jupyter_server_config.json").read_text())
    entry = proxy["ServerProxy"]["servers"]["climpy-editor"]
    assert "{port}" in " ".join(entry["command"]) and entry["absolute_url"] is True
    dash = proxy["ServerProxy"]["servers"]["climpy-dashboard"]
    assert dash["command"][1:4] == ["-m", "climpy", "dashboard"]
    assert "--prefix={base_url}climpy-dashboard" in dash["command"] and dash["absolute_url"] is True
    assert dash["launcher_entry"]["title"] == "climpy pipeline dashboard"
    log = re.sub(r"\x1b\[[0-9;]*m", "", binder_build["log"])
    assert "Validation failed" not in log and log.count("Extension successfully enabled") == 3
    assert re.search(r"jupyter_server_proxy\s+\S+\s+OK", log)


@pytest.mark.slow
def test_lab_starts_with_binders_settings_and_proxies_the_panel_editor(binder_build):
    repo, venv, env = binder_build["repo"], binder_build["venv"], dict(binder_build["env"])
    if not (repo / "notebooks" / "00_start_here.ipynb").exists():
        pytest.skip("notebooks/00_start_here.ipynb does not exist yet")
    token = os.urandom(16).hex()
    # Lab's built assets and the prebuilt extensions come from the borrowed environment.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    cmd = [
        str(repo / "binder" / "start"),
        str(venv / "bin" / "python"),
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        "--port=0",
        f"--IdentityProvider.token={token}",
        f"--LabApp.app_dir={Path(sys.prefix) / 'share' / 'jupyter' / 'lab'}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(repo.parent / "lab.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        cmd, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        url = None
        for _ in range(900):
            m = re.search(r"(http://127\.0\.0\.1:\d+)/", (repo.parent / "lab.log").read_text())
            if m:
                url = m.group(1)
                break
            assert proc.poll() is None, (repo.parent / "lab.log").read_text()[-3000:]
            time.sleep(0.1)
        assert url, "Lab did not start"
        headers = {"Authorization": f"token {token}"}
        # The badge's urlpath: Binder sends the browser to <server>/<urlpath>.
        r = requests.get(f"{url}/{START_URLPATH}", headers=headers, timeout=60)
        assert r.status_code == 200 and r.url.endswith(START_URLPATH), r.url
        m = re.search(
            r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', r.text, re.S
        )
        page = json.loads(html.unescape(m.group(1)))
        assert "@jupyterlab/apputils-extension:announcements" in page["disabledExtensions"]  # a list here
        assert "@jupyterlab/git" in {e["name"] for e in page["federated_extensions"]}
        spec = requests.get(f"{url}/api/kernelspecs", headers=headers, timeout=60).json()
        assert spec["kernelspecs"]["python3"]["spec"]["env"]["PANEL_INLINE"] == "true"
        nb = requests.get(f"{url}/api/contents/notebooks/00_start_here.ipynb", headers=headers, timeout=60)
        assert nb.status_code == 200 and nb.json()["type"] == "notebook"
        # The Panel editor through jupyter-server-proxy (started on first request).
        r = requests.get(f"{url}/climpy-editor/", headers=headers, timeout=240)
        assert r.status_code == 200, r.text[:500]
        assert "climpy map editor" in r.text and "bokeh" in r.text.lower()
        # The pipeline dashboard the same way, under its own prefix.
        r = requests.get(f"{url}/climpy-dashboard/", headers=headers, timeout=240)
        assert r.status_code == 200, r.text[:500]
        assert "climpy dashboard" in r.text and "bokeh" in r.text.lower()
    finally:
        _stop_group(proc)
        log.close()


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the process group (Lab, the proxied Panel server, kernels), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def repo2docker() -> Path:
    """repo2docker in its own tool venv (built once, reused), as PLATFORM.md describes."""
    exe = REPO2DOCKER_ENV / "bin" / "repo2docker"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(REPO2DOCKER_ENV)], check=True)
        proc = subprocess.run(
            [
                str(REPO2DOCKER_ENV / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "jupyter-repo2docker",
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            pytest.skip(f"cannot install jupyter-repo2docker: {proc.stderr[-500:]}")
    return exe


def test_repo2docker_would_build_from_binder_folder(repo2docker, tmp_path):
    repo = _copy_repo(tmp_path / "repo")
    proc = subprocess.run(
        [str(repo2docker), "--no-build", "--no-run", "--debug", str(repo)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dockerfile = proc.stdout + proc.stderr
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile, dockerfile[-3000:]
    assert "RUN ./binder/postBuild" in dockerfile
    assert 'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile
