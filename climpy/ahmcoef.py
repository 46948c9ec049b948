"""NEMO lateral viscosity reduction ``icof`` (``ahmcoef`` file) on an ORCA-like ocean grid.

In a tropical band the lateral eddy viscosity is reduced to 0 % in the ocean interior, except
near western boundaries, where a taper (100, 96, 69, 31, 4, 0 % over the first cells east of the
coast) keeps the western boundary currents viscous. Outside the band and on land ``icof`` is 100.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import xarray as xr

from climpy.exceptions import InputError
from climpy.fields import depth_field, ocean_grid_coords
from climpy.grid import Grid, sync_duplicates
from climpy.provenance import provenance

__all__ = ["DEFAULT_TAPER", "ahmcoef"]

logger = logging.getLogger(__name__)

#: Western-boundary taper (%) of the legacy tool, from the coastal ocean cell eastwards.
DEFAULT_TAPER = (100.0, 96.0, 69.0, 31.0, 4.0, 0.0)


def ahmcoef(
    ds: xr.Dataset,
    *,
    variable: str = "Bathymetry",
    band: tuple[float, float] = (-20.0, 15.0),
    taper: Sequence[float] = DEFAULT_TAPER,
    outside: float = 100.0,
    periodic: bool | None = None,
) -> xr.Dataset:
    """Lateral viscosity coefficient ``icof`` (0..100 %) for NEMO from ocean-grid bathymetry.

    Parameters
    ----------
    ds : xarray.Dataset
        Ocean-grid bathymetry ``variable`` (y, x), metres positive down, 0 or NaN on land, with
        2-D ``nav_lat``/``nav_lon`` (degrees).
    variable : str
        Depth variable name.
    band : (float, float), degrees_north
        Latitude limits (inclusive) of the reduced-viscosity band, tested on each cell centre.
        The default selects rows 55-92 of ORCA2, the rows the legacy tool hard-coded.
    taper : sequence of float, %
        ``icof`` of the ocean cells 0, 1, 2 ... cells east of a western boundary (an ocean cell
        whose western neighbour is land); beyond the taper the last value holds.
    outside : float, %
        ``icof`` outside the band and on land.
    periodic : bool, optional
        Whether x wraps around (through the ORCA overlap columns when present); detected from the
        coordinates by default.

    Returns
    -------
    xarray.Dataset
        ``icof`` (y, x), %, with ``valid_min``/``valid_max``; coordinates ``nav_lon``/``nav_lat``.
        Overlap columns (ORCA ``x=0`` and ``x=nx-1``) repeat the columns they duplicate.

    Raises
    ------
    InputError
        If the variable is missing, the band is empty or the taper is empty or outside 0..100.

    Examples
    --------
    >>> import numpy as np
    >>> from climpy.testing import orca_like_grid
    >>> ds = orca_like_grid(12, 20, bathymetry=lambda lat, lon: np.where(np.abs(lon) < 30, 0.0, 4000.0))
    >>> icof = ahmcoef(ds, band=(-90, 90))["icof"]
    >>> sorted(set(icof.values.ravel().tolist()))
    [0.0, 4.0, 31.0, 69.0, 96.0, 100.0]

    Notes
    -----
    Deviations from the legacy ``create_ahmcoef`` (intended): the band is chosen by latitude, not by
    ORCA2 row numbers; where two western boundaries are within the taper length, a cell takes the
    taper of the nearest one (the legacy tool took the farthest, i.e. the smaller viscosity).
    """
    taper_arr = np.asarray(list(taper), dtype=float)
    if taper_arr.size == 0 or np.any(taper_arr < 0) or np.any(taper_arr > 100):
        raise InputError(f"ahmcoef: taper {list(taper)} must be a non-empty list of values in 0..100 (%)")
    lo, hi = band
    if not lo < hi:
        raise InputError(f"ahmcoef: band {band} is empty; give (south, north) latitudes with south < north")
    bathy = depth_field(ds, variable)
    nav_lat, nav_lon = ocean_grid_coords(ds)
    grid = Grid.curvilinear(nav_lat.values, nav_lon.values)
    if periodic is None:
        periodic = grid.periodic_x
    depth = np.asarray(bathy.values, dtype=float)
    ocean_full = np.isfinite(depth) & (depth > 0)
    ny, nx = depth.shape
    ov = grid.overlap if periodic else 0
    cols = grid.unique_columns if periodic else slice(0, nx)
    ocean = ocean_full[:, cols]

    def east_shift(a: np.ndarray) -> np.ndarray:
        # value of the western neighbour at each cell (periodic or closed boundary)
        s = np.roll(a, 1, axis=1)
        if not periodic:
            s[:, 0] = False
        return s

    dist = np.full(ocean.shape, taper_arr.size - 1, dtype=np.int64)
    reach = ocean & ~east_shift(ocean)
    assigned = reach.copy()
    dist[reach] = 0
    for k in range(1, taper_arr.size - 1):
        reach = ocean & east_shift(reach) & ~assigned
        dist[reach] = k
        assigned |= reach
    core = taper_arr[dist]

    lat = np.asarray(nav_lat.values)[:, cols]
    in_band = (lat >= lo) & (lat <= hi)
    icof_core = np.where(in_band & ocean, core, outside)
    icof = np.empty((ny, nx))
    icof[:, cols] = icof_core
    icof = sync_duplicates(icof, overlap=ov)  # the overlap columns only, as the legacy tool
    logger.info(
        "ahmcoef: band %s..%s N covers %d ocean cells, %d reduced below %s",
        lo,
        hi,
        int((in_band & ocean).sum()),
        int((icof_core < outside).sum()),
        outside,
    )
    out = xr.Dataset(
        {
            "icof": (
                bathy.dims,
                icof,
                {
                    "valid_min": 0.0,
                    "valid_max": 100.0,
                    "units": "%",
                    "long_name": "lateral eddy viscosity reduction coefficient",
                    **provenance(
                        "climpy.ahmcoef.ahmcoef",
                        dict(variable=variable, band=band, outside=outside, periodic=periodic),
                        method=f"band {lo}..{hi} degrees_north, western-boundary taper {list(taper_arr)}",
                    ),
                },
            )
        },
        coords={"nav_lon": nav_lon, "nav_lat": nav_lat},
    )
    return out
