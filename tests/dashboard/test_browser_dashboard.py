"""The served dashboard (``climpy dashboard``) driven by a real, offline Chromium.

Start a run from the page and see the steps go queued -> running -> ok live, open the failed
step and read the notebook's error and its log, re-run one step from the page; afterwards the
page, ``climpy status`` and the SQLite records agree. Screenshots go to $CLIMPY_ARTIFACTS.
"""

from __future__ import annotations

import re
import sqlite3
import time

import pytest
from editors.browser import VENV_BIN, Server, offline_browser, require_chromium
from pipeline_helpers import check_store

from climpy.pipeline import pipeline_status

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.notebooks]


def _statuses(page) -> dict[str, str]:
    return {
        g.get_attribute("data-node"): g.get_attribute("data-status")
        for g in page.locator("g[data-node]").all()
    }


def _wait(page, cond, what: str, timeout: float = 60.0, seen: list | None = None) -> dict[str, str]:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        st = _statuses(page)
        if seen is not None:
            seen.append(st)
        if cond(st):
            return st
        page.wait_for_timeout(150)
    raise AssertionError(f"timed out waiting for {what}; last statuses {st}")


def test_dashboard_runs_shows_failure_and_reruns_a_step(dash_project, artifacts_dir):
    require_chromium()
    server = Server(
        [str(VENV_BIN / "climpy"), "dashboard", "--project", str(dash_project), "--poll", "0.5"],
        cwd=dash_project,
        pattern=r"climpy dashboard: serving .* at (http://\S+)",
    )
    try:
        url = server.match.group(1)
        with offline_browser() as (new_page, blocked):
            page = new_page(1400, 1000)
            page.goto(url)
            page.locator("g[data-node]").first.wait_for(timeout=30000)
            assert set(_statuses(page).values()) == {"stale"}

            page.get_by_role("button", name="Run stale steps").click()
            seen: list[dict[str, str]] = []
            _wait(page, lambda s: s.get("a") == "running" and s.get("b") == "queued", "a running", seen=seen)
            assert page.get_by_role("button", name="Run stale steps").is_disabled()  # no second run
            page.screenshot(path=str(artifacts_dir / "dashboard_mid_run.png"), full_page=True)
            final = _wait(
                page,
                lambda s: (
                    s.get("c") == "failed" and "running" not in s.values() and "queued" not in s.values()
                ),
                "the run to end",
                timeout=120,
                seen=seen,
            )
            assert final == {"a": "up-to-date", "b": "up-to-date", "n": "up-to-date", "c": "failed"}
            # each step was seen queued or running before it finished, and in that order
            for node in "bnc":
                trail = [s[node] for s in seen]
                assert "queued" in trail, (node, trail)
                done = "failed" if node == "c" else ("ok", "up-to-date")
                first_done = min(i for i, v in enumerate(trail) if v in done)
                assert trail.index("queued") < first_done
            assert any(s["a"] == "running" for s in seen)
            page.get_by_text("no run going on").wait_for(timeout=20000)

            # the failed step's page: the notebook's error and the log
            page.locator("select").first.select_option("c")
            page.get_by_role("heading", name=re.compile("Error in cell")).wait_for(timeout=20000)
            assert (
                page.locator("pre.cd-err").get_by_text("RuntimeError: this step is broken on purpose").count()
            )
            assert page.locator("pre.cd-log").get_by_text("failed in cell").count() >= 1
            page.screenshot(path=str(artifacts_dir / "dashboard_failed_step.png"), full_page=True)

            # the NetCDF output of n has a map preview (a Bokeh canvas)
            page.locator("select").first.select_option("n")
            page.get_by_text("n.nc", exact=True).wait_for(timeout=20000)
            page.locator("canvas").first.wait_for(timeout=30000)

            # re-run b (and what depends on it) from its page
            page.locator("select").first.select_option("b")
            page.get_by_role("button", name="Re-run this step and what depends on it").click()
            seen = []
            _wait(page, lambda s: s.get("b") in ("queued", "running"), "b to re-run", seen=seen)
            final = _wait(
                page,
                lambda s: (
                    s.get("b") == "ok"
                    or (
                        "running" not in s.values()
                        and "queued" not in s.values()
                        and any(x.get("b") in ("queued", "running") for x in seen)
                    )
                ),
                "b ok",
                timeout=90,
                seen=seen,
            )
            page.get_by_text("no run going on").wait_for(timeout=30000)
            page.get_by_text("finished: ok").wait_for(timeout=20000)
            after = _statuses(page)
            assert blocked == [], blocked
    finally:
        server.stop()

    # the page, `climpy status` and SQLite agree
    status = {r.node: r.status for r in pipeline_status(dash_project / "pipeline.yaml", project=dash_project)}
    assert after == status == {"a": "up-to-date", "b": "up-to-date", "n": "up-to-date", "c": "failed"}
    check_store(dash_project, allow_tmp=False)
    db = sqlite3.connect(dash_project / ".climpy" / "runs.sqlite")
    try:
        runs = db.execute("SELECT id, status FROM runs ORDER BY started").fetchall()
        assert [r[1] for r in runs] == ["failed", "ok"], runs  # one run per click, none concurrent
        last = dict(db.execute("SELECT node, status FROM steps WHERE run_id=?", (runs[1][0],)).fetchall())
        assert last == {"a": "up-to-date", "b": "ok"}  # only b re-ran; c is not downstream of b
    finally:
        db.close()
