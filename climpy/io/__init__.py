"""The edge of climpy: the only package that reads or writes files.

``open_*`` functions read and validate a file once and return a normalised Dataset; ``write_netcdf``
writes atomically with a fixed encoding and provenance attributes; :class:`climpy.grid.Grid`
(re-exported here) describes a grid
(kind, periodicity, ORCA overlap and north fold, cell areas, content hash).
"""

from __future__ import annotations

from climpy.grid import Grid, detect_north_fold, fold_partner
from climpy.io.open import open_bathymetry, open_dataset, open_grid, open_topography
from climpy.io.validate import validate_bathymetry, validate_topography
from climpy.io.write import check_output_path, write_netcdf

__all__ = [
    "Grid",
    "check_output_path",
    "detect_north_fold",
    "fold_partner",
    "open_bathymetry",
    "open_dataset",
    "open_grid",
    "open_topography",
    "validate_bathymetry",
    "validate_topography",
    "write_netcdf",
]
