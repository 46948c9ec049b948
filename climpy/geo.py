"""Spherical geometry shared by every science module: radius, cell bounds, areas, distances.

Plain numpy, no xarray: the numba kernels and the xarray front ends both build on these.
Angles are in degrees, lengths in metres, areas in square metres.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EARTH_RADIUS",
    "bounds_from_centres",
    "cell_area_regular",
    "great_circle_distance",
    "is_periodic_lon",
    "lon_diff",
    "unit_vectors",
    "wrap_lon",
]

#: Earth radius in metres, as NEMO (``ra``) uses it for the ORCA grids.
EARTH_RADIUS = 6_371_229.0


def wrap_lon(lon, *, start: float = -180.0):
    """Wrap longitudes (degrees) into ``[start, start + 360)``."""
    return (np.asarray(lon, dtype=float) - start) % 360.0 + start


def lon_diff(a, b) -> np.ndarray:
    """Smallest signed difference ``a - b`` between longitudes (degrees), in ``[-180, 180)``."""
    return wrap_lon(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))


def unit_vectors(lat, lon) -> np.ndarray:
    """Return the unit vectors (..., 3) of points given in degrees (x towards 0E, z north)."""
    p = np.deg2rad(np.asarray(lat, dtype=float))
    q = np.deg2rad(np.asarray(lon, dtype=float))
    return np.stack([np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)], axis=-1)


def bounds_from_centres(centres, *, clip_lat: bool = False) -> np.ndarray:
    """Cell edges (n + 1) of a monotonic 1-D axis of cell centres (n), halfway between centres.

    The first and last edges are extrapolated by half a step. With ``clip_lat`` the edges are
    clipped to [-90, 90] so polar cells end at the pole.
    """
    c = np.asarray(centres, dtype=float)
    if c.ndim != 1 or c.size < 2:
        raise ValueError("bounds_from_centres needs a 1-D axis of at least 2 centres")
    mid = 0.5 * (c[1:] + c[:-1])
    edges = np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
    if clip_lat:
        edges = np.clip(edges, -90.0, 90.0)
    return edges


def cell_area_regular(lat, lon, *, radius: float = EARTH_RADIUS) -> np.ndarray:
    """Exact spherical areas (m2) of the cells of a regular lat/lon grid, shape (nlat, nlon).

    Parameters
    ----------
    lat : array (nlat,), degrees_north, monotonic (either direction)
    lon : array (nlon,), degrees_east, monotonic increasing

    Notes
    -----
    A lat/lon cell between latitudes p1, p2 and longitudes l1, l2 has area
    ``R**2 * |sin p2 - sin p1| * |l2 - l1|`` (radians). Latitude edges are clipped at the poles.
    """
    lat_b = np.deg2rad(bounds_from_centres(lat, clip_lat=True))
    lon_b = np.deg2rad(bounds_from_centres(lon))
    band = np.abs(np.diff(np.sin(lat_b)))
    width = np.abs(np.diff(lon_b))
    return radius**2 * np.outer(band, width)


def great_circle_distance(lat1, lon1, lat2, lon2, *, radius: float = EARTH_RADIUS):
    """Great-circle distance (m) between points given in degrees (haversine, broadcasting)."""
    p1, p2 = np.deg2rad(lat1), np.deg2rad(lat2)
    dp = p2 - p1
    dl = np.deg2rad(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * radius * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def is_periodic_lon(lon, *, rtol: float = 1e-3) -> bool:
    """Tell whether a regular 1-D longitude axis covers the full circle (n * step == 360)."""
    lo = np.asarray(lon, dtype=float)
    if lo.ndim != 1 or lo.size < 2:
        return False
    step = np.diff(lo)
    if not np.allclose(step, step[0], rtol=1e-3, atol=1e-9):
        return False
    return bool(abs(abs(step[0]) * lo.size - 360.0) <= rtol * 360.0)
