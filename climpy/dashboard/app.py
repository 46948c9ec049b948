"""The dashboard's Panel view: a thin :class:`~panel.viewable.Viewer` over :class:`DashboardState`.

``climpy dashboard`` calls :func:`serve`; in a notebook cell ``Dashboard("path/to/project")``
shows the same page. ``panel serve climpy/dashboard/app.py --args PROJECT`` works too (that is
what jupyter-server-proxy runs on Binder and the class hub).

The page polls the records with ``pn.state.add_periodic_callback``; each tick first compares the
database's change marker and re-renders only the parts whose text changed (the graph, the status
line, the step page, the log), so an idle page costs almost nothing.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import panel as pn
import param
from panel.viewable import Viewer

from climpy.dashboard.state import DashboardState, StepState, notebook_error

__all__ = ["Dashboard", "graph_svg", "serve"]

logger = logging.getLogger(__name__)

COLOURS = {
    "up-to-date": "#b9e3bb",
    "ok": "#7bc47f",
    "stale": "#ffe599",
    "would-run": "#ffe599",
    "queued": "#e8e8e8",
    "running": "#9fc5e8",
    "failed": "#e06666",
    "blocked": "#bbbbbb",
    "needs-review": "#f6b26b",
    "interrupted": "#d5a6bd",
}
ICONS = {
    "up-to-date": "✔",
    "ok": "✔",
    "stale": "↻",
    "would-run": "↻",
    "queued": "…",
    "running": "▶",
    "failed": "✖",
    "blocked": "⊘",
    "needs-review": "!",
    "interrupted": "!",
}
_CSS = """
.cd-table { border-collapse: collapse; font-size: 13px; }
.cd-table td, .cd-table th { border: 1px solid #ddd; padding: 3px 8px; text-align: left;
  vertical-align: top; }
.cd-table th { background: #f4f4f4; }
.cd-log { background: #1e1e1e; color: #e8e8e8; padding: 8px; font-size: 12px; max-height: 320px;
          overflow: auto; white-space: pre-wrap; margin: 0; }
.cd-err { background: #fdecea; border-left: 4px solid #e06666; padding: 6px 10px; white-space: pre-wrap;
          font-size: 12px; margin: 0; }
code { font-size: 12px; }
"""


def _fmt_time(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"


def _fmt_secs(s: float | None) -> str:
    if s is None:
        return "-"
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def _table(head: list[str], rows: list[list[Any]], *, raw: bool = False) -> str:
    def cell(v: Any) -> str:
        return str(v) if raw else html.escape(str(v))

    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f'<table class="cd-table"><tr>{th}</tr>{body}</table>' if rows else "<p><i>none</i></p>"


def graph_svg(
    steps: dict[str, StepState], dag: dict[str, list[str]], *, selected: str = "", now: float | None = None
) -> str:
    """Draw the DAG as an inline SVG: one box per node coloured by its state, with its time.

    Each node is a ``<g data-node=... data-status=...>`` (what the browser tests read).
    """
    from climpy.pipeline.dag import grid_layout

    if not dag:
        return "<p>(no steps: this project has no pipeline file)</p>"
    w, h = 170, 42
    pos, width, height = grid_layout(dag, dx=215, dy=56, margin=10)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'style="font-family: sans-serif">'
    ]
    for n, ups in dag.items():
        x1, y1 = pos[n]
        for u in ups:
            if u in pos:
                x0, y0 = pos[u]
                parts.append(
                    f'<line x1="{x0 + w}" y1="{y0 + h / 2}" x2="{x1}" y2="{y1 + h / 2}" '
                    'stroke="#888" stroke-width="1.5"/>'
                )
    for n, (x, y) in pos.items():
        s = steps.get(n)
        status = s.status if s else "queued"
        label = n if len(n) <= 21 else n[:20] + "…"
        sub = f"{ICONS.get(status, '')} {status}"
        el = s.elapsed(now) if s else None
        if el is not None and status in ("running", "ok", "up-to-date", "failed", "needs-review"):
            sub += f" · {_fmt_secs(el)}"
        tip = f"{n}: {status}" + (f" ({s.reason})" if s and s.reason else "")
        stroke = ' stroke="#000" stroke-width="3"' if n == selected else ' stroke="#555"'
        parts.append(
            f'<g data-node="{html.escape(n)}" data-status="{html.escape(status)}">'
            f"<title>{html.escape(tip)}</title>"
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{COLOURS.get(status, "#eee")}"'
            f"{stroke}/>"
            f'<text x="{x + 8}" y="{y + 17}" font-size="13" font-weight="bold">{html.escape(label)}</text>'
            f'<text x="{x + 8}" y="{y + 34}" font-size="12">{html.escape(sub)}</text></g>'
        )
    parts.append("</svg>")
    legend = " ".join(
        f'<span style="background:{COLOURS[k]};padding:1px 6px;border-radius:3px;margin-right:4px;'
        f'font-size:12px">{ICONS[k]} {k}</span>'
        for k in ("up-to-date", "ok", "stale", "queued", "running", "failed", "blocked", "needs-review")
    )
    return "".join(parts) + f"<div>{legend}</div>"


def _map_preview(path: str) -> Any:
    """Make a Bokeh image of the first 2-D variable of a NetCDF file (thinned to at most 300x600)."""
    import numpy as np
    import xarray as xr
    from bokeh.models import ColorBar, LinearColorMapper
    from bokeh.palettes import Viridis256
    from bokeh.plotting import figure

    with xr.open_dataset(path) as ds:
        names = [v for v in ds.data_vars if ds[v].ndim >= 2 and np.issubdtype(ds[v].dtype, np.number)]
        if not names:
            return pn.pane.HTML(f"<i>{html.escape(Path(path).name)}: no 2-D numeric variable to show</i>")
        da = ds[names[0]]
        while da.ndim > 2:
            da = da.isel({da.dims[0]: 0})
        sy, sx = max(1, da.shape[0] // 300), max(1, da.shape[1] // 600)
        arr = np.asarray(da.values[::sy, ::sx], dtype=float)
        units = da.attrs.get("units", "")
    finite = arr[np.isfinite(arr)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    mapper = LinearColorMapper(palette=Viridis256, low=lo, high=hi if hi > lo else lo + 1, nan_color="white")
    ny, nx = arr.shape
    fig = figure(
        width=min(560, 120 + 4 * nx),
        height=min(320, 60 + 4 * ny),
        x_range=(0, nx),
        y_range=(0, ny),
        title=f"{Path(path).name}: {names[0]} ({units})" if units else f"{Path(path).name}: {names[0]}",
        tools="hover,pan,wheel_zoom,reset",
        tooltips=[("value", "@image")],
        toolbar_location="right",
    )
    fig.image(image=[arr], x=0, y=0, dw=nx, dh=ny, color_mapper=mapper)
    fig.add_layout(ColorBar(color_mapper=mapper, width=10), "right")
    return pn.pane.Bokeh(fig)


def _html(text: str = "") -> pn.pane.HTML:
    """Make an HTML pane with the page's CSS (each pane renders in its own shadow DOM)."""
    return pn.pane.HTML(text, sizing_mode="stretch_width", stylesheets=[_CSS])


class Dashboard(Viewer):
    """The live pipeline dashboard of a project, for a notebook cell or a served page.

    Parameters
    ----------
    project : path
        The project folder.
    pipeline : path, optional
        The pipeline file (default: ``pipeline.yaml`` in the project).
    poll : float
        Seconds between two looks at the records.

    Examples
    --------
    In a notebook cell::

        from climpy.dashboard import Dashboard
        Dashboard("build/run", pipeline="pipeline.yaml")
    """

    poll = param.Number(default=1.0, bounds=(0.1, 60), doc="Seconds between two looks at the records.")
    lab_url = param.String(default="", doc="JupyterLab's tree URL (e.g. /lab/tree/): notebooks get links.")
    lab_root = param.String(default="", doc="The folder Lab's tree URL starts at (default: cwd).")

    def __init__(
        self, project: str | os.PathLike = ".", pipeline: str | os.PathLike | None = None, **params: Any
    ) -> None:
        super().__init__(**params)
        self.state = DashboardState(project, pipeline)
        self._callback: Any = None
        self._shown: dict[str, str] = {}
        self._build()
        self._render_all()

    def _lab_link(self, path: str | None) -> str:
        """Return a link opening ``path`` in JupyterLab (with ``lab_url``), if it lies under ``lab_root``."""
        if not (self.lab_url and path):
            return ""
        try:
            # abspath, not resolve: outputs/<step>/ holds symlinks into the hidden store
            rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(self.lab_root or os.getcwd()))
        except ValueError:
            return ""
        if any(part.startswith(".") for part in rel.parts):  # Jupyter does not serve hidden paths
            return ""
        href = self.lab_url.rstrip("/") + "/" + "/".join(quote(p) for p in rel.parts)
        return f' <a href="{html.escape(href)}" target="_blank">open in JupyterLab</a>'

    def _view_notebook(self, node: str) -> str | None:
        """Return ``outputs/<step>/_executed.ipynb`` (a link into the store that Lab can open)."""
        p = Path(self.state.project) / "outputs" / Path(node) / "_executed.ipynb"
        return str(p) if p.exists() and self.state.steps[node].status in ("ok", "up-to-date") else None

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        st = self.state
        self._title = pn.pane.HTML(
            f"<h2 style='margin:4px 0'>climpy pipeline dashboard</h2><div>project <code>"
            f"{html.escape(st.project)}</code> · pipeline <code>{html.escape(st.pipeline or '-')}"
            "</code></div>",
            sizing_mode="stretch_width",
        )
        self._alert = pn.pane.Alert("", alert_type="info", visible=False, sizing_mode="stretch_width")
        self._run_stale = pn.widgets.Button(label="Run stale steps", color="primary")
        self._run_all = pn.widgets.Button(label="Run every step", color="default")
        self._status = _html()
        self._graph = _html()
        self._run_stale.on_click(lambda e: self._act(st.run, "stale"))
        self._run_all.on_click(lambda e: self._act(st.run, "all"))

        self._step = pn.widgets.Select(
            label="Step", options=list(st.steps), value=st.selected or None, width=260
        )
        self._step.param.watch(self._on_select, "value")
        self._rerun = pn.widgets.Button(label="Re-run this step and what depends on it", color="warning")
        self._invalidate = pn.widgets.Button(label="Invalidate", color="light")
        self._rerun.on_click(lambda e: self._act(st.run, "step", self._step.value))
        self._invalidate.on_click(lambda e: self._act(st.invalidate, self._step.value, downstream=True))
        self._step_head = _html()
        self._error = _html()
        self._tables = _html()
        self._previews = pn.Column(sizing_mode="stretch_width")
        self._log = _html()
        self._history = _html()
        self._diff_a = pn.widgets.Select(label="Run A", options=[], width=260)
        self._diff_b = pn.widgets.Select(label="Run B", options=[], width=260)
        self._diff = _html()
        for w in (self._diff_a, self._diff_b):
            w.param.watch(lambda e: self._render_diff(), "value")
        self._show_nb = pn.widgets.Toggle(label="Show the executed notebook", value=False)
        self._show_nb.param.watch(lambda e: self._render_notebook(), "value")
        self._notebook = _html()
        step_page = pn.Column(
            pn.Row(self._step, pn.Column(pn.Spacer(height=14), pn.Row(self._rerun, self._invalidate))),
            self._step_head,
            self._error,
            self._tables,
            self._previews,
            pn.pane.HTML("<h4>Log</h4>"),
            self._log,
            pn.pane.HTML("<h4>Last runs of this step</h4>"),
            self._history,
            pn.pane.HTML("<h4>Parameters: what changed between two runs</h4>"),
            pn.Row(self._diff_a, self._diff_b),
            self._diff,
            self._show_nb,
            self._notebook,
            name="Step",
            sizing_mode="stretch_width",
        )
        self._runs = _html()
        self._cmp_a = pn.widgets.Select(label="Compare run", options=[], width=260)
        self._cmp_b = pn.widgets.Select(label="with run", options=[], width=260)
        self._cmp = _html()
        for w in (self._cmp_a, self._cmp_b):
            w.param.watch(lambda e: self._render_compare(), "value")
        runs_page = pn.Column(
            self._runs, pn.Row(self._cmp_a, self._cmp_b), self._cmp, name="Runs", sizing_mode="stretch_width"
        )
        self._tabs = pn.Tabs(step_page, runs_page, dynamic=False, sizing_mode="stretch_width")
        self._layout = pn.Column(
            self._title,
            self._alert,
            pn.Row(self._run_stale, self._run_all, self._status),
            self._graph,
            self._tabs,
            stylesheets=[_CSS],
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        if self._callback is None:
            self._callback = pn.state.add_periodic_callback(self._tick, period=int(self.poll * 1000))
            if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
                pn.state.on_session_destroyed(lambda ctx: self.close())
        return self._layout

    def close(self) -> None:
        """Stop polling, stop the editors started from this page and close the database."""
        self.stop()
        self.state.stop_editors()
        self.state.close()

    def stop(self) -> None:
        """Stop polling (the page stays as it is; runs already started keep going)."""
        if self._callback is not None:
            self._callback.stop()
            self._callback = None

    # ------------------------------------------------------------------ updating
    def _set(self, name: str, pane: Any, text: str) -> bool:
        """Set ``pane.object`` only when its text changed (no needless re-render in the browser)."""
        if self._shown.get(name) == text:
            return False
        self._shown[name] = text
        pane.object = text
        return True

    def _tick(self) -> None:
        try:
            changed = self.state.poll()
        except Exception as err:  # the page must survive a locked or damaged database
            logger.warning("dashboard poll failed: %s", err)
            self._show_message(f"cannot read the records: {err}", "danger")
            return
        self._show_message(self.state.message, self.state.message_kind)
        if changed:
            self._render_all()
        elif self.state.active_run:  # only the elapsed times move
            self._render_graph()
            self._render_status()
            self._render_log()

    def _act(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except Exception as err:  # an action never shows a traceback on the page
            logger.exception("dashboard action failed")
            self.state.param.update(message=f"{type(err).__name__}: {err}", message_kind="danger")
        self._show_message(self.state.message, self.state.message_kind)
        self._tick()

    def _show_message(self, text: str, kind: str) -> None:
        if self._shown.get("alert") == f"{kind}:{text}":
            return
        self._shown["alert"] = f"{kind}:{text}"
        body = re.sub(r"(http://\S+?)(?=[ )]|$)", r'<a href="\1" target="_blank">\1</a>', html.escape(text))
        self._alert.param.update(object=body, alert_type=kind, visible=bool(text))

    def _on_select(self, event: Any) -> None:
        if event.new:
            self.state.selected = event.new
            self._show_nb.value = False
            self._render_graph()
            self._render_step(full=True)

    def _render_all(self) -> None:
        st = self.state
        opts = list(st.steps)
        if list(self._step.options) != opts:
            self._step.options = opts
        if st.selected and self._step.value != st.selected:
            self._step.value = st.selected
        busy = bool(st.active_run) or bool(st.busy())
        self._run_stale.disabled = self._run_all.disabled = self._rerun.disabled = busy
        self._render_graph()
        self._render_status()
        self._render_step(full=True)
        self._render_runs()

    def _render_graph(self) -> None:
        self._set(
            "graph", self._graph, graph_svg(self.state.steps, self.state.dag, selected=self.state.selected)
        )

    def _render_status(self) -> None:
        st = self.state
        counts: dict[str, int] = {}
        for s in st.steps.values():
            counts[s.status] = counts.get(s.status, 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in counts.items())
        if st.active_run:
            took = _fmt_secs(time.time() - st.active_started) if st.active_started else "-"
            text = f"<b>run {html.escape(st.active_run)} going on for {took}</b>: {html.escape(summary)}"
        else:
            text = f"no run going on · {html.escape(summary)} · {len(st.runs)} run(s) recorded"
        self._set("status", self._status, f"<div style='padding-top:8px'>{text}</div>")

    def _render_step(self, *, full: bool) -> None:
        st = self.state
        node = st.selected
        s = st.steps.get(node)
        if s is None:
            self._set("step_head", self._step_head, "<p>(no step)</p>")
            return
        reason = f" — {html.escape(s.reason)}" if s.reason else ""
        self._set(
            "step_head",
            self._step_head,
            f"<h3 style='margin:6px 0'><span style='background:{COLOURS.get(s.status, '#eee')};"
            f"padding:2px 8px;border-radius:4px'>{ICONS.get(s.status, '')} {html.escape(s.status)}"
            f"</span> {html.escape(node)}</h3><div>{reason}</div>",
        )
        d = st.step_details(node)
        err = ""
        if s.status in ("failed", "needs-review") and s.executed_notebook:
            e = notebook_error(Path(s.executed_notebook))
            if e is not None:
                cell = s.error_cell if s.error_cell is not None else e["cell"]
                err = (
                    f"<h4>Error in cell {cell}</h4><pre class='cd-err'>"
                    f"{html.escape(e['traceback'] or e['name'] + ': ' + e['value'])}</pre>"
                    f"<div>executed notebook: <code>{html.escape(s.executed_notebook)}</code></div>"
                )
        elif s.status in ("failed", "needs-review"):
            err = f"<pre class='cd-err'>{html.escape(s.error_name)}: {html.escape(s.error_value)}</pre>"
        self._set("error", self._error, err)
        params = _table(["parameter", "value"], [[k, json.dumps(v)] for k, v in d["parameters"].items()])
        ins = _table(["input", "from", "sha256"], [[p, src, h[:16]] for p, src, h in d["inputs"]])
        outs = _table(
            ["output", "file", "size", "sha256"],
            [[p, Path(f).name, f"{size} B", h[:16]] for p, f, h, size in d["outputs"]],
        )
        nb = (
            f"<div>notebook <code>{html.escape(d['notebook'])}</code>{self._lab_link(d['notebook'])}"
            + (f" · executed <code>{html.escape(d['executed'])}</code>" if d["executed"] else "")
            + (self._lab_link(self._view_notebook(node)) if d["executed"] else "")
            + "</div>"
        )
        self._set(
            "tables",
            self._tables,
            f"<div style='display:flex;gap:24px;flex-wrap:wrap'><div><h4>Parameters</h4>{params}</div>"
            f"<div><h4>Inputs</h4>{ins}</div><div><h4>Outputs</h4>{outs}</div></div>{nb}",
        )
        ncs = tuple(f for _, f, _, _ in d["outputs"] if f.endswith(".nc"))
        if self._shown.get("previews") != repr(ncs):
            self._shown["previews"] = repr(ncs)
            views = []
            for f in ncs:
                try:
                    views.append(_map_preview(f))
                except Exception as e:  # a preview must not break the page
                    views.append(
                        pn.pane.HTML(f"<i>cannot preview {html.escape(f)}: {html.escape(str(e))}</i>")
                    )
            for f in ncs:
                edit = pn.widgets.Button(label=f"Open {Path(f).name} in the map editor", color="light")
                edit.on_click(lambda e, f=f: self._act(self.state.open_editor, f))
                views.append(edit)
            self._previews.objects = views
        hist = d["history"]
        rows = [
            [
                h["run_id"],
                h["status"],
                _fmt_time(h["started"] or h["run_started"]),
                _fmt_secs(h["duration"]),
                (h["key"] or "")[:12],
            ]
            for h in hist
        ]
        self._set("history", self._history, _table(["run", "status", "started", "took", "key"], rows))
        runs = [h["run_id"] for h in hist if h["key"]]
        if list(self._diff_a.options) != runs:
            self._diff_a.options = runs
            self._diff_b.options = runs
            if len(runs) >= 2:
                self._diff_a.value, self._diff_b.value = runs[1], runs[0]
        self._render_diff()
        self._render_log()
        if full:
            self._render_notebook()

    def _render_log(self) -> None:
        node = self.state.selected
        text = self.state.step_log(node) if node else ""
        self._set("log", self._log, f"<pre class='cd-log'>{html.escape(text)}</pre>")

    def _render_diff(self) -> None:
        a, b, node = self._diff_a.value, self._diff_b.value, self.state.selected
        if len(self._diff_a.options) < 2:
            text = "<p><i>this step has run once so far: nothing to compare</i></p>"
        elif not (a and b and node):
            text = "<p><i>pick two runs of this step</i></p>"
        elif a == b:
            text = "<p><i>the same run</i></p>"
        else:
            rows = [[k, json.dumps(va), json.dumps(vb)] for k, va, vb in self.state.param_diff(node, a, b)]
            text = _table(["what", f"run {a}", f"run {b}"], rows) if rows else "<p>no difference</p>"
        self._set("diff", self._diff, text)

    def _render_notebook(self) -> None:
        s = self.state.steps.get(self.state.selected)
        text = ""
        if self._show_nb.value and s is not None:
            d = self.state.step_details(s.node)
            if d["executed"]:
                body = self.state.notebook_html(d["executed"])
                text = (
                    f'<iframe style="width:100%;height:600px;border:1px solid #ccc" '
                    f'srcdoc="{html.escape(body)}"></iframe>'
                )
            else:
                text = "<p><i>no executed notebook for this step yet</i></p>"
        self._set("notebook", self._notebook, text)

    def _render_runs(self) -> None:
        runs = self.state.runs
        rows = []
        for r in runs[:50]:
            took = _fmt_secs(r["finished"] - r["started"]) if r["finished"] else "-"
            counts = ", ".join(f"{n} {k}" for k, n in sorted(r["counts"].items()))
            rows.append([r["id"], _fmt_time(r["started"]), took, r["status"], counts])
        more = f"<p>{len(runs)} runs recorded; the 50 latest are listed.</p>" if len(runs) > 50 else ""
        self._set("runs", self._runs, _table(["run", "started", "took", "status", "steps"], rows) + more)
        ids = [r["id"] for r in runs]
        if list(self._cmp_a.options) != ids:
            self._cmp_a.options = ids
            self._cmp_b.options = ids
            if len(ids) >= 2:
                self._cmp_a.value, self._cmp_b.value = ids[1], ids[0]
        self._render_compare()

    def _render_compare(self) -> None:
        a, b = self._cmp_a.value, self._cmp_b.value
        if len(self._cmp_a.options) < 2:
            self._set("cmp", self._cmp, "<p><i>one run recorded so far: nothing to compare</i></p>")
            return
        if not (a and b) or a == b:
            self._set("cmp", self._cmp, "<p><i>pick two different runs to compare</i></p>")
            return
        rows = [
            [
                c["node"],
                c["status_a"],
                c["status_b"],
                "yes" if c["changed"] else "no",
                ", ".join(c["outputs_differ"]) or "-",
            ]
            for c in self.state.compare_runs(a, b)
        ]
        self._set(
            "cmp",
            self._cmp,
            _table(["step", f"in {a}", f"in {b}", "build changed", "outputs that differ"], rows),
        )


def serve(
    project: str | os.PathLike = ".",
    pipeline: str | os.PathLike | None = None,
    *,
    port: int = 0,
    address: str = "127.0.0.1",
    prefix: str = "",
    show: bool = False,
    poll: float = 1.0,
    allow_websocket_origin: list[str] | None = None,
    lab_url: str = "",
    lab_root: str = "",
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the dashboard of ``project`` (one :class:`Dashboard` per browser session) until stopped."""
    from climpy.dashboard.state import find_pipeline
    from climpy.editors.app import free_port

    pipeline = find_pipeline(Path(project).resolve(), pipeline)  # fail early, before serving
    port = port or free_port(address)
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    url = f"http://{address}:{port}{prefix}/"
    origins = allow_websocket_origin or [f"{address}:{port}", f"localhost:{port}"]
    server = pn.serve(
        {"/": lambda: Dashboard(project, pipeline, poll=poll, lab_url=lab_url, lab_root=lab_root)},
        port=port,
        address=address,
        show=show,
        start=False,
        title="climpy dashboard",
        prefix=prefix,
        allow_websocket_origin=origins,
    )
    if on_ready is not None:
        server.io_loop.add_callback(on_ready, url)
    try:
        server.start()
        server.io_loop.start()
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        logger.info("dashboard server stopped")
    finally:
        server.stop()


if __name__.startswith("bokeh_app"):  # `panel serve climpy/dashboard/app.py --args PROJECT [PIPELINE]`
    _args = sys.argv[1:]
    Dashboard(_args[0] if _args else ".", _args[1] if len(_args) > 1 else None).servable(
        title="climpy dashboard"
    )
