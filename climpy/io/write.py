"""Write files atomically; NetCDF with a fixed encoding and provenance attributes.

Every file climpy writes goes through :func:`atomic_output` (NetCDF through :func:`write_netcdf`,
text and bytes through :func:`write_bytes`): a temporary file in the target folder, flushed and
fsynced, then ``os.replace``-d over the target, so a reader never sees a half-written file and a
failure leaves the previous file intact. The encoding is fixed (zlib level 4, shuffle, no
``_FillValue`` on coordinates or on variables without missing values) and the global attributes
carry the climpy version, the creation time and the command or function that produced the file,
the CF ``Conventions`` (:data:`CF_CONVENTIONS`) and a ``history`` line (``<time>: climpy <version>:
<command>``), newest first as NCO and CDO write it, above the history the data already had.
Re-writing identical data with the same creation time gives identical bytes, so content hashes of
outputs are stable (set ``SOURCE_DATE_EPOCH`` or pass ``creation_time`` for that).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from climpy import __version__
from climpy._typing import PathLike
from climpy.exceptions import InputError
from climpy.provenance import CF_CONVENTIONS, cf_attrs, history_line

__all__ = [
    "CF_CONVENTIONS",
    "COMPLEVEL",
    "FILL_VALUE",
    "atomic_output",
    "check_output_path",
    "cf_attrs",
    "default_encoding",
    "history_line",
    "provenance_attrs",
    "write_bytes",
    "write_netcdf",
]

logger = logging.getLogger(__name__)

#: zlib level used for every variable (4: the level of the legacy reference files).
COMPLEVEL = 4
#: _FillValue written for floating-point variables that contain NaN (NEMO/IPSL convention: 1e20).
FILL_VALUE = 1.0e20


def _creation_time(creation_time: _dt.datetime | str | None) -> str:
    if isinstance(creation_time, str):
        return creation_time
    if creation_time is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch is not None and epoch.strip().isdigit():
            creation_time = _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC)
        else:
            creation_time = _dt.datetime.now(tz=_dt.UTC)
    if creation_time.tzinfo is None:
        creation_time = creation_time.replace(tzinfo=_dt.UTC)
    return creation_time.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def provenance_attrs(
    *, command: str | None = None, creation_time: _dt.datetime | str | None = None
) -> dict[str, str]:
    """Global attributes stamped on every written file.

    Parameters
    ----------
    command : str, optional
        The command line or function that produced the file; default: the running command line.
    creation_time : datetime or ISO str, optional
        Default: ``$SOURCE_DATE_EPOCH`` if set, else now (UTC).

    Returns
    -------
    dict
        ``climpy_version``, ``date_created`` (ISO 8601 UTC) and ``source`` (the command).
    """
    if command is None:
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "python"
    return {
        "climpy_version": __version__,
        "date_created": _creation_time(creation_time),
        "source": command,
    }


def default_encoding(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Return the fixed encoding of :func:`write_netcdf` for each variable of ``ds``.

    Numeric variables of 1 element or more are zlib-compressed (level ``COMPLEVEL``, shuffle).
    ``_FillValue`` is ``FILL_VALUE`` on floating-point data variables that contain NaN and absent
    everywhere else (coordinates, integer variables, variables without missing values), so
    legacy tools that do not understand fill values read plain numbers.
    """
    enc: dict[str, dict[str, Any]] = {}
    for name, var in ds.variables.items():
        e: dict[str, Any] = {}
        kind = var.dtype.kind
        if kind in "fiub" and var.ndim > 0:
            e.update(zlib=True, complevel=COMPLEVEL, shuffle=True)
        if kind == "f":
            has_nan = name not in ds.coords and bool(np.isnan(var.values).any())
            e["_FillValue"] = FILL_VALUE if has_nan else None
        elif kind in "iub":
            e["_FillValue"] = None
        enc[str(name)] = e
    return enc


def check_output_path(path: PathLike, *, option_name: str = "path") -> Path:
    """Check that a NetCDF file can be written at ``path`` (before any work is done).

    Parameters
    ----------
    path : path
        Target file.
    option_name : str
        How the path is called in error messages (``--output`` from the CLI).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError
        If ``path`` is a folder, or its folder does not exist or is not writable.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"{option_name} {target}: is a folder; give a file name such as {target / 'out.nc'}")
    if not folder.is_dir():
        raise InputError(
            f"{option_name} {target}: folder {folder} does not exist; create it or choose another path"
        )
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise InputError(f"{option_name} {target}: {folder} is not writable; choose a writable path")
    return target


def write_netcdf(
    ds: xr.Dataset,
    path: PathLike,
    *,
    encoding: Mapping[str, Mapping[str, Any]] | None = None,
    command: str | None = None,
    creation_time: _dt.datetime | str | None = None,
    option_name: str = "path",
) -> Path:
    """Write ``ds`` to ``path`` (NetCDF4) atomically, with fixed encoding and provenance attrs.

    Parameters
    ----------
    ds : xarray.Dataset
        Not modified; its encodings from a previous read are ignored.
    path : path
        Target file; its folder must exist and be writable.
    encoding : mapping, optional
        Per-variable overrides merged over :func:`default_encoding`.
    command : str, optional
        Provenance ``source`` attribute and ``history`` line (default: the running command line).
    creation_time : datetime or str, optional
        Provenance ``date_created`` (default ``$SOURCE_DATE_EPOCH`` or now); fix it for identical bytes.
    option_name : str
        How the path is called in error messages (``--output`` from the CLI).

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    InputError
        If the folder does not exist or is not writable, or the path is a folder; the previous file (if
        any) is left unchanged and no temporary file remains.
    """
    target = check_output_path(path, option_name=option_name)
    out = ds.copy(deep=False)
    for v in out.variables.values():
        v.encoding = {}
    out.encoding = {}  # no unlimited dims or source carried over from a read: same bytes for same data
    prov = provenance_attrs(command=command, creation_time=creation_time)
    line = history_line(prov["source"], prov["date_created"])
    out.attrs = {**ds.attrs, **prov, **cf_attrs(ds.attrs, line)}
    enc = default_encoding(out)
    for name, over in (encoding or {}).items():
        enc.setdefault(name, {}).update(over)

    with atomic_output(target, option_name=option_name) as tmp:
        out.to_netcdf(tmp, format="NETCDF4", engine="netcdf4", encoding=enc)
    logger.info("wrote %s (%s)", target, ", ".join(map(str, out.data_vars)))
    return target


@contextlib.contextmanager
def atomic_output(
    path: PathLike, *, option_name: str = "path", mode: int = 0o644, make_parents: bool = False
) -> Iterator[Path]:
    """Give a temporary path to write; on success it replaces ``path`` atomically.

    The temporary file is in the target's folder (so ``os.replace`` is atomic), fsynced and given
    ``mode`` before the replace. On any error it is removed and the previous file is left intact.

    Parameters
    ----------
    path : path
        The file to replace (or create).
    option_name : str
        Name of the path in error messages, e.g. ``--output``.
    mode : int
        Permission bits of the written file.
    make_parents : bool
        Create the target's folder if missing.

    Yields
    ------
    pathlib.Path
        The temporary file (exists, empty) to write to.

    Raises
    ------
    InputError
        If the folder cannot hold a new file, or the write is refused (permissions, a folder).
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if make_parents:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise InputError(
            f"{option_name} {target}: cannot create a file in {folder} ({err.strerror}); "
            "choose a writable path"
        ) from err
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, PermissionError | IsADirectoryError):
            raise InputError(f"{option_name} {target}: cannot write ({err}); choose a writable path") from err
        raise


def write_bytes(
    path: PathLike,
    data: bytes | str,
    *,
    mode: int = 0o644,
    option_name: str = "path",
    make_parents: bool = True,
) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically (:func:`atomic_output`)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_output(path, option_name=option_name, mode=mode, make_parents=make_parents) as tmp:
        tmp.write_bytes(raw)
    return Path(path)
