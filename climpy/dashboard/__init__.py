"""The live pipeline dashboard: every step's state, log and outputs on one page (``climpy dashboard``).

``Dashboard(project)`` is a Panel viewer usable in a notebook cell; :func:`serve` serves it on a
free local port. The state logic (:class:`DashboardState`) needs no Panel.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Dashboard", "DashboardState", "serve"]


def __getattr__(name: str) -> Any:  # Panel is imported only when the viewer is asked for
    if name == "DashboardState":
        from climpy.dashboard.state import DashboardState

        return DashboardState
    if name in ("Dashboard", "serve"):
        from climpy.dashboard import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
