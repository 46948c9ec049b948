"""Helpers for the browser tests: Debian's Chromium through Playwright, offline, and servers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found (apt-get install -y chromium, or scripts/setup.sh --test)")
    pytest.importorskip("playwright.sync_api")


@contextmanager
def offline_browser():
    """A Chromium page factory in which every non-local request is aborted (and recorded)."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def route(r):
        host = urlparse(r.request.url).hostname or ""
        if r.request.url.startswith(("data:", "blob:")) or host in {"127.0.0.1", "localhost"}:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            def new_page(width=1500, height=1000):
                ctx = browser.new_context(viewport={"width": width, "height": height})
                ctx.route("**/*", route)
                return ctx.new_page()

            yield new_page, blocked
        finally:
            browser.close()


class Server:
    """A command started in its own process group, whose output is read for a URL."""

    def __init__(self, cmd: list[str], *, cwd: Path, env: dict | None = None, pattern: str,
                 timeout: float = 90.0):
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        found = threading.Event()
        self.match: re.Match | None = None

        def pump():
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line)
                m = re.search(pattern, line)
                if m and self.match is None:
                    self.match = m
                    found.set()

        self._pump = threading.Thread(target=pump, daemon=True)
        self._pump.start()
        t0 = time.monotonic()
        while not found.wait(0.2):
            if self.proc.poll() is not None or time.monotonic() - t0 > timeout:
                self.stop()
                raise RuntimeError("server did not start:\n" + "".join(self.lines[-40:]))

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(5)
        self._pump.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def canvases(page) -> list[dict]:
    """Bounding boxes of the visible canvases (Playwright's CSS pierces Bokeh's shadow DOM)."""
    out = []
    for c in page.locator("canvas").all():
        box = c.bounding_box()
        if box and box["width"] > 50 and box["height"] > 50:
            out.append(box)
    return out


def non_blank(page, box: dict, path: Path) -> int:
    """Number of distinct colours in a screenshot of ``box`` (1 means a blank canvas)."""
    import numpy as np
    from PIL import Image

    page.screenshot(path=str(path), clip=box)
    img = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    return len(np.unique(img, axis=0))
