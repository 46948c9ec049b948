"""Synthetic grids and assertion helpers for tests, doctests and notebooks.

Factories build small grids in the internal conventions (see :mod:`climpy.io`), in the spirit of
xESMF's ``util.grid_global`` and MetPy's test fixtures:

* :func:`latlon_grid` -- a regular lat/lon grid (global or regional), cell centres as 1-D coords;
* :func:`topography_dataset` -- the normalised ``topo`` Dataset from an array or a function of
  (lat, lon);
* :func:`periodic_strip` -- a thin global band (periodic in longitude) for seam tests;
* :func:`orca_like_grid` -- a tiny ORCA-like curvilinear grid with two overlap columns and a north
  fold (T or F pivot), with a consistent ``Bathymetry`` (positive down, 0 on land).

Assertion helpers raise ``AssertionError`` with a message saying what is wrong:
:func:`assert_topography_dataset`, :func:`assert_orca_consistent`, :func:`assert_has_metadata`.

Examples
--------
>>> from climpy.testing import topography_dataset, assert_topography_dataset
>>> ds = topography_dataset(lambda lat, lon: 1000.0 * (lat > 30) - 100.0, nlat=6, nlon=12)
>>> assert_topography_dataset(ds)
>>> ds.topo.shape
(6, 12)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from climpy.geo import EARTH_RADIUS
from climpy.provenance import provenance

__all__ = [
    "assert_has_metadata",
    "assert_orca_consistent",
    "assert_topography_dataset",
    "latlon_grid",
    "orca_like_grid",
    "periodic_strip",
    "topography_dataset",
]

TopoSource = np.ndarray | Callable[[np.ndarray, np.ndarray], np.ndarray] | float

LAT_ATTRS = {"units": "degrees_north", "standard_name": "latitude", "long_name": "latitude", "axis": "Y"}
LON_ATTRS = {"units": "degrees_east", "standard_name": "longitude", "long_name": "longitude", "axis": "X"}
TOPO_ATTRS = {
    "units": "m",
    "long_name": "surface elevation (land > 0, ocean <= 0)",
    "standard_name": "height_above_mean_sea_level",
    "positive": "up",
}


def _centres(lo: float, hi: float, n: int) -> np.ndarray:
    step = (hi - lo) / n
    return lo + step * (np.arange(n) + 0.5)


def latlon_grid(
    nlat: int,
    nlon: int,
    *,
    lat_range: tuple[float, float] = (-90.0, 90.0),
    lon_range: tuple[float, float] = (-180.0, 180.0),
) -> xr.Dataset:
    """Regular lat/lon grid of cell centres, in the internal convention.

    Parameters
    ----------
    nlat, nlon : int
        Number of cells along latitude and longitude.
    lat_range : (float, float), degrees_north
        Southern and northern cell edges (default the globe).
    lon_range : (float, float), degrees_east
        Western and eastern cell edges, within [-180, 180] (default the globe: periodic).

    Returns
    -------
    xarray.Dataset
        Coordinates ``lat`` (nlat, ascending) and ``lon`` (nlon, ascending), cell centres halfway
        between the edges; no data variables.
    """
    if nlat < 1 or nlon < 1:
        raise ValueError(f"latlon_grid needs nlat, nlon >= 1, got {nlat}, {nlon}")
    lat = _centres(*lat_range, nlat)
    lon = _centres(*lon_range, nlon)
    return xr.Dataset(coords={"lat": ("lat", lat, LAT_ATTRS), "lon": ("lon", lon, LON_ATTRS)})


def topography_dataset(
    values: TopoSource,
    *,
    nlat: int | None = None,
    nlon: int | None = None,
    lat_range: tuple[float, float] = (-90.0, 90.0),
    lon_range: tuple[float, float] = (-180.0, 180.0),
    lat: np.ndarray | None = None,
    lon: np.ndarray | None = None,
) -> xr.Dataset:
    """Normalised topography Dataset (``topo``, metres, positive up) on a regular grid.

    Parameters
    ----------
    values : ndarray (nlat, nlon), callable or float
        The elevation in metres (land > 0, ocean <= 0); a callable gets 2-D ``lat, lon`` (degrees)
        and returns the elevation; a float gives a constant field.
    nlat, nlon : int, optional
        Grid size; taken from ``values.shape`` when it is an array.
    lat_range, lon_range : (float, float), degrees
        Cell edges, see :func:`latlon_grid`.
    lat, lon : ndarray, optional
        Explicit 1-D ascending cell centres instead of ``nlat/nlon/ranges``.

    Returns
    -------
    xarray.Dataset
        ``topo`` (lat, lon) float64 in metres with ``units``, ``long_name`` and ``provenance``.
    """
    arr = None if callable(values) or np.isscalar(values) else np.asarray(values, dtype=np.float64)
    if lat is None or lon is None:
        if arr is not None:
            nlat, nlon = arr.shape if nlat is None or nlon is None else (nlat, nlon)
        if nlat is None or nlon is None:
            raise ValueError("topography_dataset needs nlat and nlon (or an array, or lat and lon)")
        grid = latlon_grid(nlat, nlon, lat_range=lat_range, lon_range=lon_range)
    else:
        grid = xr.Dataset(
            coords={
                "lat": ("lat", np.asarray(lat, dtype=float), LAT_ATTRS),
                "lon": ("lon", np.asarray(lon, dtype=float), LON_ATTRS),
            }
        )
    shape = (grid.sizes["lat"], grid.sizes["lon"])
    if callable(values):
        lat2, lon2 = np.meshgrid(grid.lat.values, grid.lon.values, indexing="ij")
        arr = np.asarray(values(lat2, lon2), dtype=np.float64)
        arr = np.broadcast_to(arr, shape).copy()
    elif arr is None:
        arr = np.full(shape, float(values))  # type: ignore[arg-type]
    if arr.shape != shape:
        raise ValueError(f"topography values have shape {arr.shape}; the grid is {shape}")
    attrs = {**TOPO_ATTRS, **provenance("climpy.testing.topography_dataset")}
    return grid.assign(topo=(("lat", "lon"), arr, attrs))


def periodic_strip(
    values: TopoSource | None = None, *, nlon: int = 36, nlat: int = 3, half_width: float = 15.0
) -> xr.Dataset:
    """Build a thin global band around the equator: periodic in longitude, few rows.

    Parameters
    ----------
    values : ndarray (nlat, nlon), callable or float, optional
        Elevation (m); by default an ocean (-1000 m) with one land block (500 m) straddling the
        dateline, so that anything crossing the seam is exercised.
    nlon, nlat : int
        Grid size.
    half_width : float, degrees
        The band covers latitudes ``[-half_width, half_width]``.

    Returns
    -------
    xarray.Dataset
        Normalised topography Dataset (see :func:`topography_dataset`).
    """
    if values is None:

        def values(lat, lon):
            return np.where(np.abs(lon) > 160.0, 500.0, -1000.0)

    return topography_dataset(
        values, nlat=nlat, nlon=nlon, lat_range=(-half_width, half_width), lon_range=(-180.0, 180.0)
    )


def _orca_canonical(ny: int, nx: int, fold: str) -> np.ndarray:
    from climpy.grid import Grid

    # a throw-away Grid only to reuse its topology rules
    dummy = np.zeros((ny, nx))
    g = Grid("orca", (ny, nx), dummy, dummy, True, 2, fold)  # type: ignore[arg-type]
    return g.canonical()


def orca_like_grid(
    ny: int = 10,
    nx: int = 14,
    *,
    fold: str = "T",
    bathymetry: TopoSource | None = None,
    lat_range: tuple[float, float] = (-78.0, 88.0),
) -> xr.Dataset:
    """Build a tiny ORCA-like curvilinear grid with two overlap columns and a north fold.

    The unique cells (columns ``1 .. nx-2``, rows below the fold) lie on a regular lat/lon
    lattice; overlap columns and fold rows are exact copies of the cells they duplicate, following
    :func:`climpy.grid.fold_partner`, so :meth:`climpy.grid.Grid.from_dataset` detects the
    overlap and the fold from the coordinates, as it does on real ORCA2 files.

    Parameters
    ----------
    ny, nx : int
        Grid shape (``nx`` even, ``>= 6``; ``ny >= 4``).
    fold : {"T", "F"}
        North-fold pivot (the shared PALEORCA2 files use "F").
    bathymetry : ndarray (ny, nx), callable or float, optional
        Depth in metres, positive down, 0 on land; a callable gets 2-D ``nav_lat, nav_lon``. By
        default 4000 m of ocean with a land block (columns 3-4, rows 2-4) and land in row 0.
        Values are made consistent on duplicated cells.
    lat_range : (float, float), degrees_north
        Latitudes of the first and last unique rows.

    Returns
    -------
    xarray.Dataset
        Dims ``(y, x)``; coords ``nav_lat``, ``nav_lon`` (2-D, degrees); variables ``Bathymetry``
        (m, positive down), ``area`` (m2, the regular lattice cell areas) and the cell corners
        ``bounds_lat``/``bounds_lon`` (TWO2, TWO1, y, x), degrees, in the layout of
        ``paleorca2_40Ma_grid.nc`` ([0, 0] SW, [0, 1] SE, [1, 1] NE, [1, 0] NW), so that
        :func:`climpy.weights.coupling_weights` runs on it.
    """
    if fold not in ("T", "F"):
        raise ValueError(f"fold={fold!r}; expected 'T' or 'F'")
    if nx < 6 or nx % 2 or ny < 4:
        raise ValueError(f"orca_like_grid needs an even nx >= 6 and ny >= 4, got ny={ny}, nx={nx}")
    nu = nx - 2
    # rows 0 .. ny-2 hold unique cells (all of them for "F", the western half of row ny-2 for "T")
    lat1 = np.linspace(lat_range[0], lat_range[1], ny - 1)
    lat1 = np.append(lat1, lat1[-1])
    dlat = lat1[1] - lat1[0]
    lon1 = -180.0 + (np.arange(nx) - 1 + 0.5) * 360.0 / nu
    lat2, lon2 = np.meshgrid(lat1, lon1, indexing="ij")
    canon = _orca_canonical(ny, nx, fold)
    lat2 = lat2.ravel()[canon]
    lon2 = lon2.ravel()[canon]
    north = np.deg2rad(np.clip(lat2 + dlat / 2, -90, 90))
    south = np.deg2rad(np.clip(lat2 - dlat / 2, -90, 90))
    area = EARTH_RADIUS**2 * np.deg2rad(360.0 / nu) * np.abs(np.sin(north) - np.sin(south))
    # corners of the lattice cells, copied onto duplicated cells like the centres; layout of
    # paleorca2_40Ma_grid.nc: (TWO2, TWO1, y, x) with [0, 0] SW, [0, 1] SE, [1, 1] NE, [1, 0] NW
    half_lat = abs(dlat) / 2
    lat_sn = np.clip(np.stack([lat1 - half_lat, lat1 + half_lat]), -90.0, 90.0)  # (2, ny)
    lon_we = np.stack([lon1 - 180.0 / nu, lon1 + 180.0 / nu])  # (2, nx)
    bounds_lat = np.broadcast_to(lat_sn[:, None, :, None], (2, 2, ny, nx)).reshape(2, 2, -1)[..., canon]
    bounds_lon = np.broadcast_to(lon_we[None, :, None, :], (2, 2, ny, nx)).reshape(2, 2, -1)[..., canon]
    if bathymetry is None:
        depth = np.full((ny, nx), 4000.0)
        depth[0, :] = 0.0
        depth[2:5, 3:5] = 0.0
    elif callable(bathymetry):
        depth = np.asarray(bathymetry(lat2, lon2), dtype=float)
    else:
        depth = np.broadcast_to(np.asarray(bathymetry, dtype=float), (ny, nx)).copy()
    depth = depth.ravel()[canon]
    dims = ("y", "x")
    return xr.Dataset(
        {
            "Bathymetry": (
                dims,
                depth,
                {
                    "units": "m",
                    "long_name": "Bathymetry",
                    "positive": "down",
                    **provenance("climpy.testing.orca_like_grid", dict(fold=fold)),
                },
            ),
            "area": (dims, area, {"units": "m2", "long_name": "cell area"}),
            "bounds_lat": (
                ("TWO2", "TWO1", *dims),
                bounds_lat,
                {"units": "degrees_north", "long_name": "latitude of the cell corners"},
            ),
            "bounds_lon": (
                ("TWO2", "TWO1", *dims),
                bounds_lon,
                {"units": "degrees_east", "long_name": "longitude of the cell corners"},
            ),
        },
        coords={
            "nav_lat": (dims, lat2, {"units": "degrees_north", "standard_name": "latitude"}),
            "nav_lon": (dims, lon2, {"units": "degrees_east", "standard_name": "longitude"}),
        },
    )


def assert_has_metadata(da: xr.DataArray, *, provenance: bool = True) -> None:
    """Assert a variable carries ``units`` and ``long_name`` (and ``provenance``) attributes."""
    missing = [
        k for k in ("units", "long_name") + (("provenance",) if provenance else ()) if k not in da.attrs
    ]
    assert not missing, f"variable {da.name!r} lacks attributes {missing}; it has {sorted(da.attrs)}"


def assert_topography_dataset(ds: xr.Dataset, *, variable: str = "topo", allow_nan: bool = False) -> None:
    """Assert ``ds`` follows the internal topography convention of :mod:`climpy.io`.

    Checks: ``variable`` float64 in metres; regular grids on dims ``(lat, lon)`` with 1-D ascending
    ``lat`` in [-90, 90] and ascending ``lon`` in [-180, 180); curvilinear grids on ``(y, x)`` with
    2-D ``lat``/``lon``; finite values (unless ``allow_nan``); land and ocean both present.
    """
    assert variable in ds, f"no variable {variable!r} in {list(ds.data_vars)}"
    da = ds[variable]
    assert da.dtype == np.float64, f"{variable!r} is {da.dtype}, expected float64"
    assert da.attrs.get("units") == "m", f"{variable!r} has units {da.attrs.get('units')!r}, expected 'm'"
    assert da.dims in (("lat", "lon"), ("y", "x")), f"{variable!r} has dims {da.dims}"
    if da.dims == ("lat", "lon"):
        lat = ds["lat"].values
        lon = ds["lon"].values
        assert lat.ndim == 1 and lon.ndim == 1, "lat/lon must be 1-D on a (lat, lon) grid"
        assert np.all(np.diff(lat) > 0), "lat must be strictly ascending (south to north)"
        assert np.all(np.diff(lon) > 0), "lon must be strictly ascending"
        assert lat.min() >= -90 and lat.max() <= 90, f"lat outside [-90, 90]: {lat.min()}..{lat.max()}"
        assert lon.min() >= -180 and lon.max() < 180, f"lon outside [-180, 180): {lon.min()}..{lon.max()}"
        assert ds["lat"].attrs.get("units") == "degrees_north", "lat units must be degrees_north"
        assert ds["lon"].attrs.get("units") == "degrees_east", "lon units must be degrees_east"
    else:
        assert ds["lat"].dims == ("y", "x") and ds["lon"].dims == ("y", "x"), "lat/lon must be 2-D (y, x)"
    values = da.values
    if not allow_nan:
        assert np.isfinite(values).all(), (
            f"{variable!r} has {int((~np.isfinite(values)).sum())} non-finite values"
        )
    assert np.nanmax(values) > 0 and np.nanmin(values) <= 0, (
        f"{variable!r} needs both land (> 0) and ocean (<= 0)"
    )


def assert_orca_consistent(ds: xr.Dataset, variable: str, *, atol: float = 0.0) -> None:
    """Assert a field on an ORCA grid is equal on every duplicated cell and the cell it copies."""
    from climpy.grid import Grid

    g = Grid.from_dataset(ds)
    assert g.kind == "orca", f"grid is {g.kind!r}, not an ORCA grid (no overlap columns or north fold found)"
    v = np.asarray(ds[variable].values, dtype=float)
    canon = g.canonical()
    diff = np.abs(v - v.ravel()[canon])
    bad = np.argwhere(~(diff <= atol) & ~(np.isnan(v) & np.isnan(v.ravel()[canon])))
    assert bad.size == 0, (
        f"{variable!r} differs on {len(bad)} duplicated cells, first (y, x) = {tuple(bad[0])}"
    )
