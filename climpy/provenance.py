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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from climpy import __version__

__all__ = ["PROVENANCE_ATTRS", "provenance"]

#: The attributes :func:`provenance` writes.
PROVENANCE_ATTRS = ("provenance", "climpy_version", "method")


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
