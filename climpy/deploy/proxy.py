"""jupyter-server-proxy entry: the pipeline dashboard in any Jupyter server.

Registered as ``jupyter_serverproxy_servers`` entry points in ``pyproject.toml``, so every
environment that has climpy and jupyter-server-proxy (a local ``make lab``, each student's server on the
class hub, the students' image) shows a Launcher tile and serves the dashboard at
``<base_url>climpy-dashboard/``: its process starts on the first request. Binder's ``postBuild`` writes
its own entry for the repository checkout (a config entry of the same name wins over an entry point).

The dashboard looks for the course's pipeline where the hub and a checkout put it: ``pipeline.yaml``
in the server's root folder, else in ``climpy/`` below it (the hub's clone of the course in each home,
see :mod:`climpy.deploy.hub`). Its project is ``build/run`` next to the pipeline, as ``make run``.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["dashboard", "find_pipeline"]

#: Where, below the server's root folder, a pipeline file is looked for (first match wins).
PIPELINE_PLACES = ("pipeline.yaml", "climpy/pipeline.yaml")


def find_pipeline(root: Path) -> Path | None:
    """Return the first of :data:`PIPELINE_PLACES` that exists below ``root``, or None."""
    for place in PIPELINE_PLACES:
        if (root / place).is_file():
            return root / place
    return None


def _dashboard_command(port: int, base_url: str) -> list[str]:
    root = Path.cwd()  # jupyter-server-proxy starts the process in the server's root folder
    pipeline = find_pipeline(root)
    # Without a pipeline, `climpy dashboard` exits with a message naming the folder (in the server's log).
    folder = pipeline.parent if pipeline else root
    # -P: the current folder is not put on sys.path; a home holds the course clone ``climpy/``, which
    # would otherwise shadow the installed package (as a namespace package without __version__)
    cmd = [sys.executable, "-P", "-m", "climpy", "dashboard"]
    if pipeline:
        cmd.append(str(pipeline))
    return [
        *cmd,
        "--project", str(folder / "build" / "run"),
        f"--port={port}", "--address=127.0.0.1",
        f"--prefix={base_url}climpy-dashboard", "--allow-websocket-origin=*",
        f"--lab-url={base_url}lab/tree/", f"--lab-root={root}",
    ]  # fmt: skip


def dashboard() -> dict:
    """Return the ``climpy-dashboard`` server of jupyter-server-proxy (see the module docstring)."""
    return {
        "command": _dashboard_command,
        "absolute_url": True,
        "timeout": 120,
        "launcher_entry": {"enabled": True, "title": "climpy pipeline dashboard"},
    }

