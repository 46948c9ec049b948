"""The editor notebooks render their Panel output in a real JupyterLab, in headless Chromium, offline.

One JupyterLab server (started and stopped here, free port, token) serves a scratch copy of ``notebooks/``;
Chromium (Debian's, through Playwright) aborts every request that does not go to that server, opens each
notebook that embeds an editor, runs all cells from the page (Run > Run All Cells), and waits until the
kernel is done. The test asserts that no cell raised and that the editor drew: a Bokeh canvas with
non-blank pixels. A screenshot of each page is kept in the artifacts folder.

The kernels get the offline-render settings from the venv's kernelspec (``python -m climpy.deploy.jupyter``,
run by the set-up script); without them Panel's outputs stay empty offline (PLATFORM.md).
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.notebooks, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]  # fmt: skip
#: the notebooks that embed an editor (one browser test each)
EDITOR_NOTEBOOKS = ["01_regrid", "02_internal_oceans", "05_passages", "06_subbasins", "09_pft"]
RUN_TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kernel_is_offline_ready() -> bool:
    spec = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    try:
        return json.loads(spec.read_text()).get("env", {}).get("PANEL_INLINE") == "true"
    except (OSError, ValueError):
        return False


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a scratch copy of the notebooks: (base url, token, root folder)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found (apt-get install -y chromium)")
    if not _kernel_is_offline_ready():
        pytest.skip("the python3 kernelspec lacks the offline-render env: python -m climpy.deploy.jupyter")
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns("*.nc", "_*.py"))
    shutil.copy(ROOT / "pipeline.yaml", root / "pipeline.yaml")
    # every cell in the DOM (JupyterLab 4 virtualises long notebooks by default)
    settings = root / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), secrets.token_hex(16)
    log = open(root / "lab.log", "w")  # noqa: SIM115  (closed at teardown)
    proc = subprocess.Popen(
        [
            str(Path(sys.prefix) / "bin" / "jupyter"), "lab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        stdout=log, stderr=subprocess.STDOUT, cwd=root,
        env={**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(root / "lab-settings")},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"JupyterLab did not start:\n{(root / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, token, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _nonblank(png: bytes) -> float:
    """Standard deviation of the grey levels of a PNG (0 for a blank image)."""
    import numpy as np
    from PIL import Image

    return float(np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float).std())


@pytest.mark.parametrize("name", EDITOR_NOTEBOOKS)
def test_editor_notebook_renders_offline_in_lab(name, lab, browser, artifacts_dir):
    base, token, _root = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []

    def only_local(route):
        url = route.request.url
        if url.startswith(base) or url.startswith("data:") or url.startswith("blob:"):
            return route.continue_()
        outside.append(url)
        return route.abort()

    page.route("**/*", only_local)
    try:
        # a workspace of its own, so no notebook of an earlier test is open in the page
        url = f"{base}/lab/workspaces/{name}/tree/notebooks/{name}.ipynb?token={token}&reset"
        page.goto(url, wait_until="domcontentloaded")
        panel = page.locator(".jp-NotebookPanel:visible")
        panel.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        status = page.locator(".jp-StatusBar-Widget").first

        def kernel_state() -> str:
            text = status.inner_text()
            return "idle" if "| Idle" in text else "busy" if "| Busy" in text else "starting"

        deadline = time.monotonic() + 120
        while kernel_state() != "idle":  # the kernel is started and connected
            assert time.monotonic() < deadline, f"{name}: kernel not ready: {status.inner_text()!r}"
            time.sleep(1.0)
        def prompts() -> list[str]:
            return [p.strip() for p in panel.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()]

        for _attempt in range(3):  # a click that lands while Lab is still settling can be lost: retry
            page.get_by_role("menuitem", name="Run", exact=True).click()
            item = page.get_by_role("menuitem", name="Run All Cells", exact=True)
            item.wait_for(state="visible", timeout=10_000)
            item.click()
            page.wait_for_timeout(3000)
            if any(p != "[ ]:" for p in prompts()):
                break
        # Run All queues every cell: done when no cell is queued or running and the kernel is idle
        deadline, idle_polls = time.monotonic() + RUN_TIMEOUT_S, 0
        while idle_polls < 3:
            done = kernel_state() == "idle" and not any(p in ("[ ]:", "[*]:") for p in prompts())
            idle_polls = idle_polls + 1 if done else 0
            assert time.monotonic() < deadline, f"{name}: still running after {RUN_TIMEOUT_S} s: {prompts()}"
            time.sleep(1.0)
        # every code cell ran (a numbered prompt; windowing is off, so all cells are in the DOM), none raised
        unrun = [i for i, p in enumerate(prompts()) if not re.fullmatch(r"\[\d+\]:", p)]
        assert not unrun, f"{name}: code cells {unrun} did not run: {prompts()}"
        raised = panel.locator(".jp-OutputArea-output", has_text="Traceback (most recent call last)").count()
        assert raised == 0, f"{name}: {raised} cell(s) raised (screenshot lab_{name}.png)"
        panel.locator(".jp-OutputArea-output canvas").first.scroll_into_view_if_needed(timeout=30_000)
        page.wait_for_timeout(2000)
        canvases = panel.locator(".jp-OutputArea-output canvas")
        assert canvases.count() > 0, f"{name}: no Bokeh canvas rendered (screenshot lab_{name}.png)"
        drawn = max(_nonblank(canvases.nth(i).screenshot()) for i in range(min(canvases.count(), 6)))
        assert drawn > 2.0, f"{name}: the canvases are blank (std {drawn:.2f})"
    finally:
        page.screenshot(path=str(artifacts_dir / f"lab_{name}.png"), full_page=True)
        page.close()
