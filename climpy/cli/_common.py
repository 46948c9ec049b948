"""Helpers shared by the ``climpy`` sub-commands: the command line, opening and writing files.

A private module (its name starts with ``_``), so command discovery in :mod:`climpy.cli` skips it.
Imports of xarray and :mod:`climpy.io` stay inside the functions to keep ``climpy --help`` fast.
"""

from __future__ import annotations

import sys
from typing import Literal

import click

__all__ = ["command_line", "file_kind", "open_any", "open_map", "write"]

FileKind = Literal["topography", "bathymetry", "grid"]


def command_line() -> str:
    """Return the running command, as recorded in the ``source`` attribute of written files."""
    return " ".join(["climpy", *sys.argv[1:]])


def file_kind(path: str, variable: str | None = None) -> FileKind:
    """Tell how to open ``path``: as a topography, an ocean bathymetry or a grid file.

    A bathymetry when ``variable`` is a depth name, or when the file has a depth variable
    (``Bathymetry`` ...) and no elevation variable; a grid file when it has no 2-D field other
    than cell bounds and areas; a topography otherwise.
    """
    from climpy.io import open_dataset
    from climpy.names import BATHY_NAMES, BOUNDS_NAMES, TOPO_NAMES

    if variable is not None:
        return "bathymetry" if variable in BATHY_NAMES else "topography"
    ds = open_dataset(path)
    if not any(n in ds.data_vars for n in TOPO_NAMES) and any(n in ds.data_vars for n in BATHY_NAMES):
        return "bathymetry"
    fields = [v for v in ds.data_vars if ds[v].ndim >= 2 and "bounds" not in str(v) and v not in BOUNDS_NAMES]
    return "topography" if fields else "grid"


def open_any(path: str):
    """Open any NetCDF file fully into memory (InputError naming the file when unreadable)."""
    from climpy.io import open_dataset

    return open_dataset(path)


def open_map(path: str, variable: str | None = None):
    """Open a topography (positive up) or an ocean bathymetry (positive down) through climpy.io."""
    from climpy.io import open_bathymetry, open_topography

    opener = open_bathymetry if file_kind(path, variable) == "bathymetry" else open_topography
    return opener(path, variable)


def write(
    ds, path: str, *, option_name: str = "--output", command: str | None = None, echo: bool = False
) -> None:
    """Write ``ds`` atomically with :func:`climpy.io.write_netcdf`, recording the command line."""
    from climpy.io import write_netcdf

    write_netcdf(ds, path, command=command or command_line(), option_name=option_name)
    if echo:
        click.echo(f"wrote {path}")
