"""The one provenance stamp of climpy products.

Every variable a science step returns carries the same provenance attributes, stamped by
:func:`provenance` (as xESMF stamps its regridding method on every result in
``xesmf/frontend.py``):

``provenance``
    ``"climpy <version>: <function>(<parameters>)"``, enough to run the step again;
``climpy_version``
    the version of climpy that made it;
``method``
    (when the step has one) a readable sentence on how the values were computed.

Write no other provenance attributes. The pipeline adds its own (step key, input hashes) to the
files it writes.

Every NetCDF file climpy writes (:func:`climpy.io.write_netcdf`, and each output of a pipeline step)
also carries the CF global attributes ``Conventions`` (:data:`CF_CONVENTIONS`) and ``history``: one
line per program that made or changed it, ``<ISO time>: climpy <version>: <command>``, newest first
as NCO and CDO write it (:func:`history_line`, :func:`cf_attrs`).
"""

from __future__ import annotations

import os
import time as _time
from collections.abc import Mapping
from typing import Any

from climpy import __version__

__all__ = ["CF_CONVENTIONS", "PROVENANCE_ATTRS", "cf_attrs", "history_line", "history_time", "provenance"]

#: The attributes :func:`provenance` writes.
PROVENANCE_ATTRS = ("provenance", "climpy_version", "method")
#: The CF version written in the ``Conventions`` global attribute of every NetCDF output.
CF_CONVENTIONS = "CF-1.8"


def provenance(
    func: str, params: Mapping[str, Any] | None = None, *, method: str | None = None, args: tuple = ()
) -> dict[str, str]:
    """Provenance attributes of a product (module docstring).

    Parameters
    ----------
    func : str
        Dotted name of the function, e.g. ``"climpy.passages.passages"``.
    params : mapping, optional
        The parameters that decided the result, rendered as ``name=repr(value)``.
    method : str, optional
        How the values were computed, in words.
    args : tuple
        Positional arguments rendered before ``params`` (e.g. an input file's name).

    Returns
    -------
    dict of str
        ``provenance``, ``climpy_version`` and, with ``method``, ``method``.
    """
    shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in (params or {}).items()]
    attrs = {"provenance": f"climpy {__version__}: {func}({', '.join(shown)})", "climpy_version": __version__}
    if method is not None:
        attrs["method"] = method
    return attrs


def history_time() -> str:
    """Now in ISO 8601 UTC, or ``$SOURCE_DATE_EPOCH`` when set (reproducible builds: same bytes)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime(int(epoch) if epoch.isdigit() else None))


def history_line(command: str, time: str) -> str:
    """One ``history`` line: ``"<time>: climpy <version>: <command>"``.

    Parameters
    ----------
    command : str
        The command line, function or pipeline step that made or changed the file.
    time : str
        ISO 8601 UTC time (``2026-01-31T12:00:00Z``).
    """
    return f"{time}: climpy {__version__}: {command}"


def cf_attrs(attrs: Mapping[str, Any], line: str) -> dict[str, str]:
    """``Conventions`` and ``history`` global attributes to set on a file whose attributes are ``attrs``.

    ``Conventions`` gains :data:`CF_CONVENTIONS` unless it already names a CF version (other
    conventions it lists are kept, comma-separated as CF asks when a name holds a blank).
    ``line`` goes on top of the existing ``history`` (newest first, as NCO and CDO write it),
    unless it already is the top line (re-writing with the same command and time adds nothing,
    so the bytes stay identical).

    Parameters
    ----------
    attrs : mapping
        The current global attributes (not modified).
    line : str
        The new history line (see :func:`history_line`).

    Returns
    -------
    dict
        ``Conventions`` and ``history``.

    Examples
    --------
    >>> cf_attrs({"Conventions": "GDT 1.2"}, "t: x")["Conventions"]
    'CF-1.8, GDT 1.2'
    """
    conv = str(attrs.get("Conventions", "") or "").strip()
    if "CF-" not in conv:
        conv = f"{CF_CONVENTIONS}, {conv}" if conv else CF_CONVENTIONS
    old = str(attrs.get("history", "") or "")
    history = old if old.split("\n", 1)[0] == line else (f"{line}\n{old}" if old else line)
    return {"Conventions": conv, "history": history}
