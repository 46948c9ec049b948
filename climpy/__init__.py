"""climpy: paleoclimate boundary conditions for the IPSL-CM5A2 Earth-system model.

The public API, by room (see CONTRIBUTING.md, "The rooms of the package"):

* reading and writing (:mod:`climpy.io`): :func:`open_topography`, :func:`open_bathymetry`,
  :func:`open_grid`, :func:`open_dataset`, :func:`write_netcdf`;
* the grid (:mod:`climpy.grid`): :class:`Grid`;
* science steps, Dataset in and Dataset out, one module each, named after its main function:
  :mod:`climpy.regrid`, :mod:`climpy.internal_oceans`, :mod:`climpy.routing`,
  :mod:`climpy.orca_products`, :mod:`climpy.passages`, :mod:`climpy.subbasins`,
  :mod:`climpy.heatflow`, :mod:`climpy.ahmcoef`, :mod:`climpy.pft`, :mod:`climpy.weights`,
  :mod:`climpy.checks`; the functions whose names are not module names are also here:
  :func:`route`, :func:`to_routing_file`, :func:`fill_internal_oceans`, :func:`bathymetry_on_orca`,
  :func:`soils`, :func:`relief`, :func:`close_passages`, :func:`widen_passages`,
  :func:`coupling_weights`, :func:`run_checks`;
* hand edits (:mod:`climpy.edits`, :mod:`climpy.io.edits`): :class:`EditFile`, :func:`apply_edits`,
  :func:`load_edits`;
* a sample world: :func:`paleogeography`.

Names are imported on first use, so ``import climpy`` stays light (no numba, no xarray).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.1.0"

#: Public name -> module that defines it (imported lazily by :func:`__getattr__`).
_API = {
    "open_topography": "climpy.io",
    "open_bathymetry": "climpy.io",
    "open_grid": "climpy.io",
    "open_dataset": "climpy.io",
    "write_netcdf": "climpy.io",
    "Grid": "climpy.grid",
    "fill_internal_oceans": "climpy.internal_oceans",
    "route": "climpy.routing",
    "to_routing_file": "climpy.routing",
    "bathymetry_on_orca": "climpy.orca_products",
    "soils": "climpy.orca_products",
    "relief": "climpy.orca_products",
    "close_passages": "climpy.passages",
    "widen_passages": "climpy.passages",
    "coupling_weights": "climpy.weights",
    "run_checks": "climpy.checks",
    "EditFile": "climpy.edits",
    "apply_edits": "climpy.edits",
    "load_edits": "climpy.io.edits",
    "paleogeography": "climpy.sample",
}

#: The science modules (a module attribute, not a function, for names shared with their function).
_MODULES = (
    "ahmcoef",
    "checks",
    "edits",
    "geo",
    "grid",
    "heatflow",
    "internal_oceans",
    "io",
    "orca_products",
    "passages",
    "pft",
    "regrid",
    "routing",
    "sample",
    "subbasins",
    "testing",
    "weights",
)

__all__ = ["__version__", *sorted(_API), *_MODULES]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    # PEP 562: science modules are imported on first use of one of their names
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'climpy' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API) | set(_MODULES))
