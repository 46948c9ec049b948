"""The map editor in a plain ipywidgets frontend: Voila renders it through pn.ipywidget and jupyter_bokeh.

Voila, VS Code and Colab speak only ipywidgets (no Panel JupyterLab extension); ``pn.ipywidget(editor)``
wraps the Panel layout in jupyter_bokeh's widget. The notebook is made by the test; Chromium loads
the Voila page with every non-local request aborted and must draw the editor's plots.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
import requests

from climpy.deploy.hub import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CELL = """import panel as pn
from climpy.editors.app import app_factory
from climpy.sample import paleogeography

pn.extension()
editor = app_factory(paleogeography(resolution=5.0), kind="map", source="sample")()
"""
#: The last line of the cell: the explicit ipywidget wrapper (what VS Code, Colab and other ipywidgets-only
#: frontends need; Panel picks it itself in VS Code and Colab), or the bare editor as the curated notebooks
#: show it (Voila >= 0.5 loads JupyterLab's federated extensions, Panel's among them).
SHOW = {"pn.ipywidget": "pn.ipywidget(editor)", "bare": "editor"}
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


@pytest.mark.parametrize("show", SHOW)
def test_editor_renders_through_pn_ipywidget_in_voila(show, tmp_path, artifacts_dir):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("voila")
    pytest.importorskip("jupyter_bokeh")
    from playwright.sync_api import sync_playwright

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL + SHOW[show])])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "editor.ipynb")
    port = free_port()
    log = open(tmp_path / "voila.log", "w")  # noqa: SIM115
    voila = Path(sys.executable).parent / "voila"
    cmd = [str(voila), "editor.ipynb", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    external: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname == "127.0.0.1":
            r.continue_()
        else:
            external.append(url)
            r.abort()

    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(300):
            try:
                if requests.get(url + "api/kernelspecs", timeout=2).status_code in (200, 403):
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, (tmp_path / "voila.log").read_text()[-2000:]
            time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1300, "height": 900})
                page.route("**/*", route)
                page.goto(url, timeout=120_000)
                page.locator("canvas").first.wait_for(state="attached", timeout=180_000)
                page.get_by_text("climpy map editor").first.wait_for(timeout=30_000)
                canvases = page.locator("canvas").count()
                page.wait_for_timeout(500)
                page.screenshot(path=str(artifacts_dir / f"voila_editor_{show}.png"))
            finally:
                browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        log.close()
    assert canvases >= 2  # the map and the histogram are drawn by BokehJS inside the ipywidget
    # Only stylesheets and fonts are asked of CDNs (they fail harmlessly); no script is.
    assert not [u for u in external if not re.search(r"\.(css|woff2?|ttf)(\?|$)", u)], external
