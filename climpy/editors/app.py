"""Serve an editor as a web app: one editor per browser session.

``climpy edit FILE`` calls :func:`serve`; ``panel serve climpy/editors/app.py --args FILE [KIND]``
works too. The file is read once; every session (browser tab) builds its own editor state over it,
so users never share selections, edits or undo history (the legacy app shared one set of widgets).
"""

from __future__ import annotations

import logging
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xarray as xr

from climpy._typing import PathLike
from climpy.exceptions import InputError

__all__ = ["app_factory", "free_port", "open_for_editing", "serve"]

logger = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that was free a moment ago (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def open_for_editing(path: PathLike) -> xr.Dataset:
    """Read a NetCDF file fully into memory, as stored (no renaming), for an editor.

    Raises
    ------
    InputError
        If the file is missing or is not readable NetCDF.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: file not found; check the path")
    try:
        with xr.open_dataset(p) as ds:
            return ds.load()
    except Exception as err:
        raise InputError(f"{p}: not a readable NetCDF file ({err}); check the file") from err


def app_factory(
    ds: xr.Dataset, *, kind: str = "map", variable: str | None = None, source: str = "",
    output: PathLike | None = None, warm: bool = False,
) -> Callable[[], Any]:
    """Return a function that builds a fresh editor for each session (what ``pn.serve`` calls)."""
    from climpy.editors.diagnostics import editor_for

    cls = editor_for(kind)
    cls.state_class(ds, variable=variable, source=source)  # fail now (InputError), not per session
    if warm:
        # build and render one editor now: the first real page then finds datashader's numba
        # functions compiled and the HoloViz modules imported (about 3 s saved on first render)
        t0 = time.perf_counter()
        cls(ds, variable=variable, source=source, output=output).__panel__().get_root()
        logger.debug("editor warm-up in %.1f s", time.perf_counter() - t0)

    def build() -> Any:
        editor = cls(ds, variable=variable, source=source, output=output, defer=True)
        logger.info("new %s editor session", kind)
        return editor

    return build


def serve(
    path: PathLike,
    *,
    kind: str = "map",
    variable: str | None = None,
    output: PathLike | None = None,
    port: int = 0,
    address: str = "127.0.0.1",
    show: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the editor of ``path`` until interrupted; ``on_ready(url)`` is called once listening."""
    import panel as pn

    ds = open_for_editing(path)
    factory = app_factory(ds, kind=kind, variable=variable, source=str(path), output=output, warm=True)
    port = port or free_port(address)
    url = f"http://{address}:{port}/"
    server = pn.serve(
        {"/": factory}, port=port, address=address, show=show, start=False,
        title=f"climpy {kind} editor: {Path(path).name}", allow_websocket_origin=[f"{address}:{port}",
                                                                                  f"localhost:{port}"],
    )
    if on_ready is not None:
        server.io_loop.add_callback(on_ready, url)
    try:
        server.start()
        server.io_loop.start()
    except KeyboardInterrupt:  # Ctrl+C: a clean stop
        logger.info("editor server stopped")
    finally:
        server.stop()


if __name__.startswith("bokeh_app"):  # `panel serve climpy/editors/app.py --args FILE [KIND]`
    _args = sys.argv[1:]
    if not _args:
        raise InputError("panel serve climpy/editors/app.py --args FILE [KIND]: give the file to edit")
    _ds = open_for_editing(_args[0])
    app_factory(_ds, kind=_args[1] if len(_args) > 1 else "map", source=_args[0])().servable()
