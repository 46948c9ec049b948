"""Sub-basin masks (Atlantic, Pacific, Indian) of the ocean grid: a first guess from connectivity.

The legacy app split the grid into index thirds (columns 0-1/3 Pacific, 1/3-2/3 Atlantic, the rest
Indian), whatever the geography. Here each basin grows from seed points through the world ocean:
every world-ocean cell joins the basin of the nearest seed, the distance being the shortest path
*through ocean cells* (great-circle lengths between the centres of neighbouring cells, across the
date line and the ORCA fold). Continents therefore separate basins and open-ocean boundaries fall
half-way between seeds. The result is a first guess, meant to be corrected in the sub-basin editor.

The output follows the legacy sub-basins file: ``atlmsk``, ``pacmsk``, ``indmsk`` (1 in the basin,
0 elsewhere) and 2-D ``navlat``, ``navlon`` on dims ``(y, x)``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from climpy.exceptions import InputError
from climpy.fields import ocean_field, ocean_mask
from climpy.geo import EARTH_RADIUS, great_circle_distance
from climpy.grid import Grid
from climpy.kernels.labels import nearest_seed_numba
from climpy.provenance import provenance

__all__ = ["BASINS", "DEFAULT_SEEDS", "subbasins"]

logger = logging.getLogger(__name__)

#: Basin names and their variable in the sub-basins file.
BASINS = {"atlantic": "atlmsk", "pacific": "pacmsk", "indian": "indmsk"}

#: Default seed points (lat, lon in degrees) per basin: open-ocean points at low latitudes that
#: stay in their basin for Cenozoic geographies. Pass your own for other periods.
DEFAULT_SEEDS: dict[str, tuple[tuple[float, float], ...]] = {
    "atlantic": ((0.0, -25.0), (25.0, -45.0), (-25.0, -15.0)),
    "pacific": ((0.0, -140.0), (0.0, 170.0), (30.0, -160.0), (-30.0, -120.0)),
    "indian": ((-15.0, 75.0), (-30.0, 90.0)),
}

#: A seed farther than this (m) from any world-ocean cell is dropped with a warning.
MAX_SNAP_DISTANCE = 1_500_000.0


def _snap_seeds(
    seeds: Mapping[str, Sequence[tuple[float, float]]], lat: np.ndarray, lon: np.ndarray, cand: np.ndarray
) -> dict[str, list[int]]:
    """Flat index of the nearest candidate cell to each seed point, per basin."""
    out: dict[str, list[int]] = {}
    clat, clon = lat.ravel()[cand], lon.ravel()[cand]
    for basin, points in seeds.items():
        out[basin] = []
        for p in points:
            try:
                plat, plon = (float(v) for v in p)
            except (TypeError, ValueError) as err:
                raise InputError(
                    f"seed {p!r} of basin {basin!r}: expected a (lat, lon) pair in degrees"
                ) from err
            if cand.size == 0:
                continue
            # only cells within the snapping distance in latitude can be near enough: a cheap
            # pre-selection before the great-circle distances (millions of cells on fine grids)
            near = np.flatnonzero(np.abs(clat - plat) <= np.rad2deg(MAX_SNAP_DISTANCE / EARTH_RADIUS))
            if near.size == 0:
                logger.warning(
                    "seed (%g, %g) of the %s is far from the world ocean; ignored", plat, plon, basin
                )
                continue
            d = great_circle_distance(plat, plon, clat[near], clon[near])
            k = int(near[np.argmin(d)])
            dk = float(d.min())
            if dk > MAX_SNAP_DISTANCE:
                logger.warning(
                    "seed (%g, %g) of the %s is %.0f km from the world ocean; ignored",
                    plat,
                    plon,
                    basin,
                    dk / 1e3,
                )
                continue
            out[basin].append(int(cand[k]))
    return out


def subbasins(
    ds: xr.Dataset,
    *,
    seeds: Mapping[str, Sequence[tuple[float, float]]] | None = None,
    variable: str | None = None,
) -> xr.Dataset:
    """First-guess Atlantic, Pacific and Indian masks of an ocean grid, as the sub-basins file.

    Parameters
    ----------
    ds : xarray.Dataset
        Bathymetry on the ocean grid (``Bathymetry``, m, positive down, dims ``y, x`` with 2-D
        ``nav_lat``/``nav_lon``), or a lat/lon topography (``topo``, positive up).
    seeds : mapping of basin name to list of (lat, lon), optional
        Seed points in degrees for ``"atlantic"``, ``"pacific"`` and ``"indian"``; default
        :data:`DEFAULT_SEEDS`. Each point snaps to the nearest world-ocean cell.
    variable : str, optional
        Elevation/depth variable (:func:`climpy.internal_oceans.ocean_field`).

    Returns
    -------
    xarray.Dataset
        ``atlmsk``, ``pacmsk``, ``indmsk`` (dims ``y, x``, int64, 1 in the basin, 0 elsewhere;
        every world-ocean cell is in exactly one basin, land and internal oceans in none) and
        ``navlat``/``navlon`` (same dims, degrees) as in the legacy sub-basins file.

    Raises
    ------
    InputError
        If ``seeds`` names an unknown basin or a seed is not a (lat, lon) pair.

    Notes
    -----
    Shortest paths: a multi-source Dijkstra from all seeds at once
    (:func:`climpy.kernels.labels.nearest_seed_numba`), which also carries the seed each cell
    was reached from. A basin whose seeds all fall far from
    the world ocean is empty (warning). Differences from the legacy app (intended): no index thirds;
    internal oceans belong to no basin.
    """
    seeds = DEFAULT_SEEDS if seeds is None else seeds
    unknown = sorted(set(seeds) - set(BASINS))
    if unknown:
        raise InputError(f"unknown basin(s) {unknown} in seeds; valid names are {sorted(BASINS)}")
    name, _ = ocean_field(ds, variable)
    grid = Grid.from_dataset(ds)
    shape = grid.shape
    labels, _, _ = grid.label_by_area(ocean_mask(ds, name))
    canon = grid.canonical_mask
    world = (labels == 1) & canon
    nodes = np.flatnonzero(world)
    lat = np.array(grid.lat, dtype=float)  # writeable: the kernels are compiled for writeable arrays
    lon = np.array(grid.lon, dtype=float)
    snapped = _snap_seeds(seeds, lat, lon, nodes)

    names = list(BASINS)
    src = [(names.index(b) + 1, c) for b, cs in snapped.items() for c in cs]
    basin_of = np.zeros(shape, dtype=np.int8)  # 0 none, k = position in BASINS + 1
    if nodes.size and src:
        seeds_flat = np.array([c for _, c in src], dtype=np.int64)
        seed_labels = np.array([b for b, _ in src], dtype=np.int8)
        basin_of, dist = nearest_seed_numba(
            world,
            np.ascontiguousarray(lat),
            np.ascontiguousarray(lon),
            grid.canonical(),
            seeds_flat,
            seed_labels,
            bool(grid.periodic_x and not grid.overlap),
            EARTH_RADIUS,
        )
        reached = np.isfinite(dist)
        logger.debug(
            "subbasins: %d world-ocean cells, %d seeds, longest path %.0f km",
            nodes.size,
            seeds_flat.size,
            float(dist[reached].max()) / 1e3,
        )
    basin_map = grid.sync(basin_of)

    dims = ("y", "x")  # the legacy sub-basins file contract, whatever the input grid
    prov = provenance(
        "climpy.subbasins.subbasins",
        dict(variable=name, seeds={b: [tuple(p) for p in v] for b, v in seeds.items()}, **grid.kw),
    )
    out = xr.Dataset()
    out["navlat"] = xr.DataArray(
        np.array(lat),
        dims=dims,
        attrs={"units": "degrees_north", "long_name": "latitude", "standard_name": "latitude"},
    )
    out["navlon"] = xr.DataArray(
        np.array(lon),
        dims=dims,
        attrs={"units": "degrees_east", "long_name": "longitude", "standard_name": "longitude"},
    )
    for k, (basin, var) in enumerate(BASINS.items(), start=1):
        m = (basin_map == k).astype(np.int64)
        out[var] = xr.DataArray(
            m, dims=dims, attrs={"units": "1", "long_name": f"{basin} basin mask", **prov}
        )
        if not m.any():
            logger.warning("sub-basins: the %s basin is empty (no seed reached the world ocean)", basin)
    out.attrs.update({"title": "sub-basin masks", **prov})
    logger.info(
        "subbasins(%s): %s",
        name,
        ", ".join(f"{b} {int((basin_map[canon] == k).sum())} cells" for k, b in enumerate(BASINS, 1)),
    )
    return out
