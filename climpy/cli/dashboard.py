"""``climpy dashboard``: serve the live pipeline dashboard of a project on a local port."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["COMMANDS"]


@click.command("dashboard")
@click.argument("pipeline", required=False)
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Project folder (its .climpy/ records are read; runs started from the page write there).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (default: a free one).")
@click.option("--address", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--prefix", default="", help="URL prefix (behind a proxy, e.g. jupyter-server-proxy).")
@click.option(
    "--allow-websocket-origin",
    "origins",
    multiple=True,
    help="Host[:port] a browser may connect from (repeatable; '*' behind a proxy).",
)
@click.option(
    "--poll",
    type=click.FloatRange(0.1, 60),
    default=1.0,
    show_default=True,
    help="Seconds between two looks at the records.",
)
@click.option(
    "--lab-url", default="", help="JupyterLab's tree URL, e.g. /user/me/lab/tree/: notebooks get links."
)
@click.option(
    "--lab-root",
    type=click.Path(file_okay=False),
    default="",
    help="The folder the --lab-url tree starts at (default: the current folder).",
)
@click.option("--show/--no-show", default=False, help="Open a browser tab.")
def dashboard_cmd(pipeline, project, port, address, prefix, origins, poll, lab_url, lab_root, show):
    """Serve a live page of every step's state, log and outputs; run steps from it (Ctrl+C stops it).

    PIPELINE defaults to pipeline.yaml in the project folder.
    """
    from climpy.dashboard.app import serve

    def ready(url: str) -> None:
        click.echo(f"climpy dashboard: serving {project.resolve()} at {url} (Ctrl+C to stop)")

    serve(
        project,
        pipeline,
        port=port,
        address=address,
        prefix=prefix,
        show=show,
        poll=poll,
        allow_websocket_origin=list(origins) or None,
        lab_url=lab_url,
        lab_root=lab_root,
        on_ready=ready,
    )


COMMANDS = [dashboard_cmd]
