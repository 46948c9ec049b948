"""An HTML page for one run: the DAG, step times, executed notebooks (as HTML) and output files.

The page is self-contained (inline SVG and CSS, no JavaScript, nothing fetched from a CDN) and
links with relative paths to the notebooks it renders next to it (nbconvert's ``HTMLExporter``)
and to the files in the store, so the report folder can be opened offline.
"""

from __future__ import annotations

import html
import json
import logging
import os
import time
from pathlib import Path

from climpy._typing import PathLike
from climpy.pipeline.store import Store

__all__ = ["write_report"]

logger = logging.getLogger(__name__)

_COLOURS = {
    "ok": "#7bc47f",
    "up-to-date": "#b9e3bb",
    "failed": "#e06666",
    "needs-review": "#f6b26b",
    "blocked": "#cccccc",
    "interrupted": "#d5a6bd",
    "running": "#9fc5e8",
    "would-run": "#ffe599",
    "accepted": "#d9ead3",
}

_CSS = """
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
.status { font-weight: bold; }
svg text { font-size: 12px; font-family: sans-serif; }
"""


def _svg(dag: dict[str, list[str]], status: dict[str, str]) -> str:
    from climpy.pipeline.dag import grid_layout

    if not dag:
        return "<p>(no steps)</p>"
    w, h = 150, 28
    pos, width, height = grid_layout(dag, dx=200, dy=44, margin=20)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for n, ups in dag.items():
        x1, y1 = pos[n]
        for u in ups:
            if u in pos:
                x0, y0 = pos[u]
                parts.append(
                    f'<line x1="{x0 + w}" y1="{y0 + h / 2}" x2="{x1}" y2="{y1 + h / 2}" stroke="#666"/>'
                )
    for n, (x, y) in pos.items():
        colour = _COLOURS.get(status.get(n, ""), "#eeeeee")
        label = html.escape(n if len(n) <= 22 else n[:21] + "…")
        parts.append(
            f"<g><title>{html.escape(n)}: {html.escape(status.get(n, 'not run'))}</title>"
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="5" fill="{colour}" stroke="#333"/>'
            f'<text x="{x + 6}" y="{y + 18}">{label}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _notebook_html(src: Path, dest: Path) -> Path | None:
    """Render an executed notebook to HTML with nbconvert; None if it cannot be read."""
    try:
        import nbformat
        from nbconvert import HTMLExporter
    except ImportError:  # pragma: no cover - nbconvert is in the [pipeline] extra
        return None
    try:
        nb = nbformat.read(src, as_version=4)
        body, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    except Exception as err:  # a broken notebook must not break the whole report
        logger.warning("cannot render %s as HTML (%s); linking the .ipynb instead", src, err)
        return None
    tmp = dest.with_name(f".{dest.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, dest)
    return dest


def _compare_sets(store: Store, run_id: str, row, steps) -> str:
    """HTML table: this run's output hashes against the latest run of every other edit set."""
    others = store.db.execute(
        "SELECT r.id, r.edit_set FROM runs r WHERE r.dry_run=0 AND r.id != ? AND "
        "COALESCE(r.edit_set, '') != COALESCE(?, '') AND r.started = (SELECT max(started) FROM runs q "
        "WHERE q.dry_run=0 AND COALESCE(q.edit_set, '') = COALESCE(r.edit_set, '')) ORDER BY r.edit_set",
        (run_id, row["edit_set"]),
    ).fetchall()
    if not others:
        return ""

    def outputs(rows, prefix: str | None) -> dict[tuple[str, str], str]:
        out = {}
        for s in rows:
            if not s["key"] or s["status"] not in ("ok", "up-to-date", "accepted"):
                continue
            node = s["node"]
            if prefix and node.startswith(prefix + "/"):
                node = node[len(prefix) + 1 :]
            for a in store.artifacts(s["key"]).values():
                out[(node, a.name)] = a.sha256
        return out

    mine = outputs(steps, row["edit_set"])
    parts = []
    for other in others:
        theirs = outputs(store.run_steps(other["id"]), other["edit_set"])
        name = other["edit_set"] or "default"
        trs = []
        for node, fname in sorted(set(mine) | set(theirs)):
            a, b = mine.get((node, fname)), theirs.get((node, fname))
            verdict = "same" if a == b else ("differs" if a and b else "only in one set")
            trs.append(
                f"<tr><td>{html.escape(node)}</td><td>{html.escape(fname)}</td>"
                f"<td><code>{(a or '-')[:12]}</code></td><td><code>{(b or '-')[:12]}</code></td>"
                f'<td class="status">{verdict}</td></tr>'
            )
        parts.append(
            f"<h3>Against edit set <code>{html.escape(name)}</code> (run <code>{html.escape(other['id'])}"
            f"</code>)</h3><table><tr><th>step</th><th>output</th><th>this run</th>"
            f"<th>{html.escape(name)}</th><th></th></tr>{''.join(trs)}</table>"
        )
    return "<h2>Edit sets compared</h2>\n" + "\n".join(parts)


def write_report(run: str = "last", *, project: PathLike = ".", output: PathLike | None = None) -> Path:
    """Write the HTML report of a run and return its path.

    Parameters
    ----------
    run : str
        A run id, a unique prefix of one, or ``"last"``.
    project : path
        The project folder.
    output : path, optional
        The HTML file to write (default ``<project>/.climpy/reports/<run>/index.html``).

    Returns
    -------
    Path
        The written page.

    Raises
    ------
    PipelineError
        If the run does not exist.
    """
    store = Store(project)
    try:
        run_id = store.resolve_run(run)
        row = store.db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        steps = store.run_steps(run_id)
        out = Path(output) if output else store.root / "reports" / run_id / "index.html"
        out = out.resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        dag = json.loads(row["dag"] or "{}") or {s["node"]: [] for s in steps}
        status = {s["node"]: s["status"] for s in steps}
        rank = {n: i for i, n in enumerate(dag)}  # rows in DAG (topological) order
        steps = sorted(steps, key=lambda s: rank.get(s["node"], len(rank)))

        def rel(p: Path) -> str:
            return html.escape(os.path.relpath(p, out.parent))

        trs = []
        for s in steps:
            links = []
            nb = Path(s["executed_notebook"]) if s["executed_notebook"] else None
            if nb is not None and nb.is_file():
                rendered = _notebook_html(nb, out.parent / f"{s['node'].replace('/', '__')}.html")
                links.append(f'<a href="{rel(rendered or nb)}">executed notebook</a>')
            outs = []
            if s["key"] and s["status"] in ("ok", "up-to-date", "accepted"):
                for a in store.db.execute("SELECT name, size FROM artifacts WHERE key=?", (s["key"],)):
                    f = store.build_dir(s["key"]) / a["name"]
                    outs.append(f'<a href="{rel(f)}">{html.escape(a["name"])}</a> ({a["size"]} B)')
            err = ""
            if s["error_name"]:
                cell = f" (cell {s['error_cell']})" if s["error_cell"] is not None else ""
                err = html.escape(f"{s['error_name']}{cell}: {s['error_value']}")
            dur = f"{s['duration']:.1f} s" if s["duration"] is not None else "-"
            colour = _COLOURS.get(s["status"], "#fff")
            trs.append(
                f"<tr><td>{html.escape(s['node'])}</td>"
                f'<td class="status" style="background:{colour}">{html.escape(s["status"])}</td>'
                f"<td>{dur}</td><td><code>{html.escape((s['key'] or '')[:12])}</code></td>"
                f"<td>{err or html.escape(s['reason'] or '')}</td>"
                f"<td>{' '.join(links)}</td><td>{'<br>'.join(outs)}</td></tr>"
            )
        compare = _compare_sets(store, run_id, row, steps)
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(row["started"]))
        total = f"{row['finished'] - row['started']:.1f} s" if row["finished"] else "not finished"
        page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>climpy run {html.escape(run_id)}</title>
<style>{_CSS}</style></head><body>
<h1>climpy run <code>{html.escape(run_id)}</code></h1>
<p>Pipeline: <code>{html.escape(row["pipeline"] or "")}</code><br>
Started {started}; wall time {total}; status <b>{html.escape(row["status"])}</b>;
executor {html.escape(row["executor"] or "")} with {row["jobs"]} job(s).<br>
Edit set: <b>{html.escape(row["edit_set"] or "default (edits/*.json)")}</b></p>
<h2>DAG</h2>
{_svg(dag, status)}
<h2>Steps</h2>
<table><tr><th>step</th><th>status</th><th>time</th><th>key</th><th>why / error</th>
<th>notebook</th><th>outputs</th></tr>
{"".join(trs)}
</table>
{compare}
</body></html>
"""
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, out)
        logger.info("report of run %s written to %s", run_id, out)
        return out
    finally:
        store.close()
