"""The editor inside a notebook in a real JupyterLab, with the browser offline.

The kernelspec comes from :func:`climpy.deploy.jupyter.install_kernel` (written into a temporary prefix
and put first on ``JUPYTER_PATH``), so this proves the offline-rendering recipe: without it the
Panel output would stay empty because BokehJS would be fetched from a CDN.
"""

from __future__ import annotations

import re
import secrets
import sys
import time

import nbformat
import pytest

from climpy.deploy.jupyter import disable_announcements, install_kernel

from .browser import VENV_BIN, Server, canvases, non_blank, offline_browser, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CELLS = [
    "import numpy as np\nimport xarray as xr\nimport panel as pn\n"
    "from climpy.editors import MapEditor\npn.extension()",
    "lat = np.arange(-88.0, 90.0, 4.0)\nlon = np.arange(-178.0, 180.0, 4.0)\n"
    "topo = 1000.0 * np.cos(np.deg2rad(lat))[:, None] * np.sin(np.deg2rad(lon))[None, :]\n"
    "ds = xr.Dataset({'topo': (('lat', 'lon'), topo, {'units': 'm'})}, coords={'lat': lat, 'lon': lon})\n"
    "ed = MapEditor(ds)\ned",
    "print('KERNEL', ed.state.changed_cells().size, 'cells changed by', len(ed.state.operations), 'ops')",
]


def _wait_idle(page, timeout: float = 60.0) -> None:
    """Wait until the status bar says the kernel is idle."""
    page.get_by_text(re.compile(r"\| Idle")).first.wait_for(timeout=timeout * 1000)


def test_editor_renders_offline_in_jupyterlab_and_edits_reach_the_kernel(tmp_path, artifacts_dir):
    require_chromium()
    prefix = tmp_path / "prefix"
    spec = install_kernel(prefix)
    assert '"PANEL_INLINE": "true"' in spec.read_text()
    disable_announcements(prefix)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    work = tmp_path / "work"
    work.mkdir()
    nbformat.write(nb, work / "edit.ipynb")
    token = secrets.token_hex(16)
    env = {
        "JUPYTER_PATH": str(prefix / "share" / "jupyter"),
        "JUPYTER_CONFIG_PATH": str(prefix / "etc" / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
    }
    from climpy.editors.app import free_port

    port = free_port()
    lab = Server(
        [str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={work}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=work, env=env, pattern=rf"http://127\.0\.0\.1:{port}/lab", timeout=120,
    )
    try:
        with offline_browser() as (new_page, blocked):
            page = new_page(1600, 1400)
            try:
                _drive(page, port, token, artifacts_dir)
            except BaseException:
                page.screenshot(path=str(artifacts_dir / "editor_lab_failure.png"), full_page=True)
                raise
            cdn = [u for u in blocked if "cdn.bokeh.org" in u and u.endswith(".js")]
            assert not cdn, f"BokehJS was requested from a CDN: {cdn[:3]}"
    finally:
        lab.stop()
    sys.stderr.write(f"blocked non-local requests: {len(blocked)}\n")


def _drive(page, port: int, token: str, artifacts_dir) -> None:
    """Open the notebook, run it, edit through the page, check the kernel saw the edit."""
    page.goto(f"http://127.0.0.1:{port}/lab/tree/edit.ipynb?token={token}")
    page.locator(".jp-Notebook").wait_for(timeout=60000)
    page.get_by_text("Python 3", exact=False).first.wait_for(timeout=60000)
    # Run > Run All Cells, once the kernel is up (retried: a click during start-up can be lost)
    started = page.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\d+|\*)\]"))
    for _attempt in range(3):
        _wait_idle(page, timeout=120)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            started.first.wait_for(timeout=20000)
            break
        except Exception:
            page.keyboard.press("Escape")
    t0 = time.monotonic()
    while len(canvases(page)) < 2 and time.monotonic() - t0 < 180:
        page.wait_for_timeout(500)
    boxes = sorted(canvases(page), key=lambda b: b["width"] * b["height"])
    page.screenshot(path=str(artifacts_dir / "editor_lab_rendered.png"), full_page=True)
    assert len(boxes) >= 2, "the editor output did not render (BokehJS not loaded offline?)"
    m = boxes[-1]
    assert non_blank(page, m, artifacts_dir / "editor_lab_map.png") > 10

    # an edit through the page: box-select (retried: the plot may not take events yet), Apply
    sel = page.get_by_text(re.compile(r"[1-9]\d* cells selected"))
    for _attempt in range(4):
        _wait_idle(page)
        page.mouse.move(m["x"] + 0.3 * m["width"], m["y"] + 0.3 * m["height"])
        page.mouse.down()
        page.mouse.move(m["x"] + 0.5 * m["width"], m["y"] + 0.6 * m["height"], steps=8)
        page.mouse.up()
        try:
            sel.first.wait_for(timeout=15000)
            break
        except Exception:
            continue
    n = int(re.search(r"(\d+) cells selected", sel.first.inner_text()).group(1))
    page.get_by_role("button", name="Apply").click()
    page.get_by_text(re.compile(rf"set 0 on {n} cells")).first.wait_for(timeout=30000)

    # re-run the last cell: the kernel's editor state holds the change
    _wait_idle(page)
    page.locator(".jp-Cell").nth(2).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    # the output of the first run ("KERNEL 0 cells ...") stays until the new one replaces it
    page.get_by_text(re.compile(rf"KERNEL {n} cells changed by 1 ops")).first.wait_for(timeout=60000)
    page.screenshot(path=str(artifacts_dir / "editor_lab_after_edit.png"), full_page=True)
