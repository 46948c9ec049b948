"""The one provenance stamp of climpy products.

Every variable a science step returns carries a ``provenance`` attribute naming the climpy
version, the function and its parameters (as xESMF stamps its regridding method on every
result). Stamp it with :func:`provenance`; do not write other provenance attributes.
"""

from __future__ import annotations

from climpy import __version__

__all__ = ["provenance"]


def provenance(func: str, **params) -> dict[str, str]:
    """Provenance attributes stamped on every output variable (function, parameters, version)."""
    args = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return {"provenance": f"climpy {__version__}: {func}({args})"}
