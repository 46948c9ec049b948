"""Open topography, bathymetry and ORCA grid files, validate them and normalise them once.

What is safe to normalise is normalised, and each change is logged at WARNING: a transposed
variable, north-to-south latitudes, longitudes in 0..360 (wrapped and rolled to [-180, 180)), a
duplicated cyclic column, a depth given positive down where an elevation is wanted (or the
reverse), size-1 extra dimensions, 2-D coordinates of a regular grid (made 1-D). Anything else
raises :class:`~climpy.exceptions.InputError` naming the file, the variable and the fix.

Variables and coordinates are found with cf-xarray (``standard_name``, ``units``, ``axis``, names);
data variables in degrees (``nav_lat``/``nav_lon`` of legacy files) are promoted to coordinates first.

Internal convention (see :mod:`climpy.io`):

* topography: ``topo`` float64, metres, land > 0, ocean <= 0; regular grids on ``(lat, lon)`` with
  1-D ascending ``lat`` and ``lon`` in [-180, 180) (a regional grid across the dateline keeps
  contiguous ascending longitudes: it starts in [-180, 180) and ends beyond 180); curvilinear
  grids on ``(y, x)`` with 2-D ``lat``, ``lon`` (y increasing northwards);
* bathymetry: ``Bathymetry`` float64, metres, positive down, 0 on land, on ``(y, x)`` with 2-D
  ``nav_lat``/``nav_lon``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import cf_xarray  # noqa: F401  (registers the ``.cf`` accessor used to find coordinates)
import numpy as np
import xarray as xr

from climpy._typing import PathLike
from climpy.exceptions import InputError
from climpy.geo import is_periodic_lon, wrap_lon
from climpy.grid import Grid
from climpy.io.validate import NanPolicy, check_axis, check_land_and_ocean, check_metres, check_nans
from climpy.names import BATHY_NAMES, LAT_NAMES, LON_NAMES, TOPO_NAMES
from climpy.provenance import provenance

__all__ = ["open_bathymetry", "open_dataset", "open_grid", "open_topography"]

logger = logging.getLogger(__name__)

#: Names of elevation-like (positive up) and depth-like (positive down) variables.
_UP_NAMES = {n.lower() for n in TOPO_NAMES}
_DOWN_NAMES = {n.lower() for n in BATHY_NAMES}
_UP_STANDARD = {"surface_altitude", "height_above_mean_sea_level", "height_above_geoid", "altitude"}
_DOWN_STANDARD = {"sea_floor_depth_below_geoid", "sea_floor_depth_below_sea_surface", "sea_floor_depth"}
_AREA_UNITS = {"m2", "m^2", "m**2", "km2", "km^2"}
_TIME_HINTS = ("time", "t", "time_counter", "record", "month", "year")

#: Tolerance (degrees) when deciding that 2-D coordinates describe a regular grid.
REGULAR_ATOL = 1e-5


# ----------------------------------------------------------------------------- reading
def open_dataset(path: PathLike) -> xr.Dataset:
    """Read a NetCDF file fully into memory (the file is closed on return).

    Raises
    ------
    InputError
        If the file does not exist, is a folder, is truncated or is not NetCDF.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file; check the path")
    if p.is_dir():
        raise InputError(f"{p}: is a folder; give a NetCDF file")
    try:
        with xr.open_dataset(p, decode_times=False) as ds:
            return ds.load()
    except Exception as err:  # netCDF4/h5py/scipy raise OSError, ValueError, RuntimeError, KeyError...
        first = (str(err).splitlines() or [""])[0] or type(err).__name__
        raise InputError(
            f"{p}: not a readable NetCDF file ({first}); the file is truncated, corrupted or in another "
            "format: re-export it as NetCDF"
        ) from err


def _source(path: PathLike) -> str:
    return str(path)


def _promote_degree_variables(ds: xr.Dataset) -> xr.Dataset:
    """Make data variables in degrees (legacy nav_lat/nav_lon) coordinates, so cf-xarray sees them."""
    names = [
        str(v)
        for v, da in ds.data_vars.items()
        if str(da.attrs.get("units", "")).lower().startswith("degree") or str(v) in LAT_NAMES + LON_NAMES
    ]
    return ds.set_coords(names) if names else ds


def _coord_candidates(ds: xr.Dataset, key: str, names: tuple[str, ...]) -> list[str]:
    found: list[str] = [str(n) for n in ds.cf.coordinates.get(key, [])]
    try:
        guessed = ds.cf.guess_coord_axis()
        found += [str(n) for n in guessed.cf.coordinates.get(key, [])]
    except (KeyError, ValueError, TypeError) as err:  # odd files: fall back on names and units
        logger.debug("cf-xarray could not guess the coordinates: %s", err)
    unit = "degrees_north" if key == "latitude" else "degrees_east"
    found += [
        str(n)
        for n in ds.variables
        if str(ds[n].attrs.get("units", "")).replace("degree_", "degrees_") == unit
    ]
    found += [n for n in names if n in ds.variables]
    out: list[str] = []
    for n in found:
        if n not in out:
            out.append(n)
    return out


def _find_latlon(ds: xr.Dataset, da: xr.DataArray, source: str) -> tuple[str, str]:
    """Names of the latitude and longitude coordinates of ``da`` (sharing its dims)."""
    dims = set(da.dims)
    picked = []
    for key, names in (("latitude", LAT_NAMES), ("longitude", LON_NAMES)):
        cands = [
            n for n in _coord_candidates(ds, key, names) if set(ds[n].dims) <= dims and ds[n].ndim in (1, 2)
        ]
        # bounds variables have an extra vertex dim and are filtered above; prefer 1-D dimension coords
        cands.sort(key=lambda n: (ds[n].ndim, n not in ds.dims))
        if not cands:
            raise InputError(
                f"{source}: no {key} coordinate found for variable {da.name!r} (dims {da.dims}; variables "
                f"{sorted(map(str, ds.variables))}); add a coordinate with units='degrees_"
                f"{'north' if key == 'latitude' else 'east'}' or name it "
                f"{'lat' if key == 'latitude' else 'lon'}"
            )
        picked.append(cands[0])
    lat, lon = picked
    if ds[lat].ndim != ds[lon].ndim:
        raise InputError(
            f"{source}: latitude {lat!r} is {ds[lat].ndim}-D but longitude {lon!r} is {ds[lon].ndim}-D; "
            "both must be 1-D (regular grid) or 2-D (curvilinear)"
        )
    return lat, lon


def _pick_variable(
    ds: xr.Dataset, variable: str | None, preferred: tuple[str, ...], source: str, what: str
) -> str:
    if variable is not None:
        if variable not in ds.data_vars:
            raise InputError(
                f"{source}: variable {variable!r} not found; it has {sorted(map(str, ds.data_vars))}: "
                "pass one of them as variable="
            )
        return variable
    for n in preferred:
        if n in ds.data_vars and ds[n].ndim >= 2:
            return n
    # cf-xarray standard names
    standard = _UP_STANDARD | _DOWN_STANDARD
    by_std = [
        str(v) for v, da in ds.data_vars.items() if da.attrs.get("standard_name") in standard and da.ndim >= 2
    ]
    if len(by_std) == 1:
        return by_std[0]
    fields = [
        str(v)
        for v, da in ds.data_vars.items()
        if da.ndim >= 2
        and np.issubdtype(da.dtype, np.number)
        and "bounds" not in str(v)
        and str(v) != "area"
        and str(da.attrs.get("units", "")).replace(" ", "") not in _AREA_UNITS
    ]
    if len(fields) == 1:
        return fields[0]
    if not fields:
        raise InputError(
            f"{source}: no 2-D numeric variable to use as {what}; it has {sorted(map(str, ds.data_vars))}"
        )
    raise InputError(
        f"{source}: several variables could be the {what} ({', '.join(fields)}); pass variable=... to choose"
    )


def _select_2d(da: xr.DataArray, keep: set[str], time_index: int | None, source: str) -> xr.DataArray:
    """Drop the dims that are not horizontal: size 1 squeezed, a time-like dim picked by time_index."""
    extra = [d for d in da.dims if d not in keep]
    for d in extra:
        n = da.sizes[d]
        if n == 1:
            logger.warning("%s: variable %r: dropped size-1 dimension %r", source, da.name, d)
            da = da.isel({d: 0}, drop=True)
        elif time_index is not None and (str(d).lower() in _TIME_HINTS or len(extra) == 1):
            if not -n <= time_index < n:
                raise InputError(
                    f"{source}: variable {da.name!r}: time_index={time_index} out of range for dimension "
                    f"{d!r} of size {n}; pass 0..{n - 1}"
                )
            logger.warning("%s: variable %r: selected %s=%d of %d", source, da.name, d, time_index, n)
            da = da.isel({d: time_index}, drop=True)
        else:
            raise InputError(
                f"{source}: variable {da.name!r} has dims {da.dims} (sizes {dict(da.sizes)}); only the "
                f"horizontal dims {tuple(sorted(keep))} can be kept: pass time_index=... to pick one {d!r}, "
                "or select the level first"
            )
    return da


def _is_regular(lat2: np.ndarray, lon2: np.ndarray) -> bool:
    if lat2.shape[0] < 2 or lat2.shape[1] < 2:
        return False
    dl = np.abs(wrap_lon(lon2 - lon2[:1, :], start=-180.0))
    return bool(np.nanmax(np.abs(lat2 - lat2[:, :1])) <= REGULAR_ATOL and np.nanmax(dl) <= REGULAR_ATOL)


def _positive_down(da: xr.DataArray, values: np.ndarray) -> bool | None:
    """True/False when the variable says it is a depth/elevation (attrs or name), None if unknown."""
    pos = str(da.attrs.get("positive", "")).lower()
    if pos in ("down", "up"):
        return pos == "down"
    std = da.attrs.get("standard_name")
    if std in _DOWN_STANDARD:
        return True
    if std in _UP_STANDARD:
        return False
    name = str(da.name).lower()
    if name in _DOWN_NAMES:
        return True
    if name in _UP_NAMES:
        return False
    return None


# ----------------------------------------------------------------------------- regular grids
def _wrap_outside(lon: np.ndarray) -> np.ndarray:
    """Wrap only the longitudes outside [-180, 180), so values already inside keep every bit."""
    outside = (lon < -180.0) | (lon >= 180.0)
    return np.where(outside, wrap_lon(lon), lon) if outside.any() else lon


def _normalise_regular(
    da: xr.DataArray, lat: np.ndarray, lon: np.ndarray, lat_dim: str, lon_dim: str, source: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return values (nlat, nlon) south-to-north and lon ascending in [-180, 180), logging each change."""
    name = da.name
    if da.dims != (lat_dim, lon_dim):
        logger.warning("%s: variable %r had dims %s; transposed to (lat, lon)", source, name, da.dims)
        da = da.transpose(lat_dim, lon_dim)
    values = np.asarray(da.values, dtype=np.float64)
    if check_axis(lat, source=source, name=lat_dim) < 0:
        logger.warning("%s: latitudes ran north to south; flipped to south to north", source)
        lat = lat[::-1]
        values = values[::-1]
    if lat.min() < -90.0 - 1e-6 or lat.max() > 90.0 + 1e-6:
        raise InputError(
            f"{source}: latitude {lat_dim!r} spans {lat.min():g}..{lat.max():g}, outside [-90, 90]; "
            "fix the coordinate (is it really latitude?)"
        )
    if check_axis(lon, source=source, name=lon_dim) < 0:
        logger.warning("%s: longitudes decreased; reversed to increasing", source)
        lon = lon[::-1]
        values = values[:, ::-1]
    if lon.size > 2 and np.isclose(lon[-1] - lon[0], 360.0) and np.allclose(np.diff(lon), lon[1] - lon[0]):
        logger.warning(
            "%s: dropped the last longitude column (%g), a duplicate of %g", source, lon[-1], lon[0]
        )
        lon = lon[:-1]
        values = values[:, :-1]
    if lon[-1] - lon[0] >= 360.0:
        raise InputError(
            f"{source}: longitude {lon_dim!r} spans {lon[0]:g}..{lon[-1]:g}, more than 360 degrees; "
            "remove the repeated columns"
        )
    wrapped = _wrap_outside(lon)
    if not np.array_equal(wrapped, lon) and not is_periodic_lon(lon) and lon[0] < 180.0 <= lon[-1]:
        # a regional grid across the dateline: rolling would split it in two, so keep it contiguous
        # (ascending, starting in [-180, 180), the eastern part beyond 180)
        shift = 360.0 * np.floor((lon[0] + 180.0) / 360.0)
        logger.warning(
            "%s: regional grid crosses the dateline; longitudes kept contiguous (%g..%g)",
            source,
            lon[0] - shift,
            lon[-1] - shift,
        )
        return values, lat, lon - shift if shift else lon
    if not np.array_equal(wrapped, lon):
        order = np.argsort(wrapped, kind="stable")
        logger.warning(
            "%s: longitudes %g..%g wrapped to [-180, 180) and rolled by %d columns",
            source,
            lon[0],
            lon[-1],
            int(order[0]),
        )
        lon = wrapped[order]
        values = values[:, order]
        check_axis(lon, source=source, name=lon_dim)
    return values, lat, lon


# ----------------------------------------------------------------------------- public openers
def _provenance(func: str, path: PathLike, **kw) -> str:
    shown = {k: v for k, v in kw.items() if v is not None}
    return provenance(f"climpy.io.{func}", shown, args=(os.path.basename(str(path)),))["provenance"]


def _read_field(path: PathLike, variable: str | None, preferred: tuple[str, ...], what: str, time_index):
    """Read a file and pick its 2-D field: source, Dataset, name, field, coordinate names and values."""
    source = _source(path)
    ds = _promote_degree_variables(open_dataset(path))
    name = _pick_variable(ds, variable, preferred, source, what)
    da = ds[name]
    lat_name, lon_name = _find_latlon(ds, da, source)
    hdims = {str(d) for d in (*ds[lat_name].dims, *ds[lon_name].dims)}
    da = _select_2d(da, hdims, time_index, source)
    if da.ndim != 2:
        raise InputError(f"{source}: variable {name!r} has dims {da.dims}; expected 2 horizontal dims")
    lat_v = np.asarray(ds[lat_name].values, dtype=np.float64)
    lon_v = np.asarray(ds[lon_name].values, dtype=np.float64)
    return source, ds, name, da, (lat_name, lon_name), (lat_v, lon_v)


def open_topography(
    path: PathLike,
    variable: str | None = None,
    *,
    time_index: int | None = None,
    nan_policy: NanPolicy = "error",
) -> xr.Dataset:
    """Open a topography/bathymetry file as the normalised topography Dataset.

    Parameters
    ----------
    path : path
        NetCDF file with an elevation (or depth, converted) on a regular or curvilinear grid.
    variable : str, optional
        Variable to read; by default the first of ``topo, Z, elevation, orog, ...``, a variable with a
        topography/depth ``standard_name``, or the only 2-D numeric variable.
    time_index : int, optional
        Index to pick along a time-like (or the single extra) dimension of size > 1.
    nan_policy : {"error", "ocean"}
        NaN/missing cells raise (default) or become ocean at 0 m with a warning.

    Returns
    -------
    xarray.Dataset
        ``topo`` float64, metres, land > 0, ocean <= 0, with ``units``, ``long_name``, ``provenance``;
        regular grids on ``(lat, lon)`` (1-D ascending ``lat``, ``lon`` ascending in [-180, 180)),
        curvilinear grids on ``(y, x)`` with 2-D ``lat``/``lon``. Attributes ``source_file`` and
        ``periodic_lon`` (regular grids) describe the input.

    Raises
    ------
    InputError
        Unreadable file; no such variable or ambiguous choice; no latitude/longitude; non-monotonic or
        duplicated coordinates; extra dimensions; all-NaN, NaN holes (``nan_policy="error"``); values
        not in metres; all land or all ocean. The message names the file, the variable and the fix.
    """
    source, ds, name, da, (lat_name, lon_name), (lat_v, lon_v) = _read_field(
        path, variable, TOPO_NAMES + BATHY_NAMES, "topography", time_index
    )

    raw = np.asarray(da.values, dtype=np.float64)
    positive_down = _positive_down(da, raw)
    check_metres(raw, source=source, variable=name, units=da.attrs.get("units"))
    attrs = {
        "units": "m",
        "long_name": "surface elevation (land > 0, ocean <= 0)",
        "standard_name": "height_above_mean_sea_level",
        "positive": "up",
        "provenance": _provenance("open_topography", path, variable=name, time_index=time_index),
    }

    if lat_v.ndim == 2 and _is_regular(lat_v, lon_v):
        logger.info(
            "%s: 2-D coordinates %r/%r describe a regular grid; using 1-D lat/lon", source, lat_name, lon_name
        )
        ydim, xdim = ds[lat_name].dims
        lat_v, lon_v = lat_v[:, 0], lon_v[0, :]
        lat_dim, lon_dim = str(ydim), str(xdim)
    elif lat_v.ndim == 1:
        lat_dim, lon_dim = str(ds[lat_name].dims[0]), str(ds[lon_name].dims[0])
    else:
        lat_dim = lon_dim = ""

    if lat_dim:
        values, lat1, lon1 = _normalise_regular(da, lat_v, lon_v, lat_dim, lon_dim, source)
        values = _to_elevation(values, positive_down, source, name)
        values = check_nans(
            values, source=source, variable=name, nan_policy=_topo_policy(nan_policy), fill=0.0
        )
        check_land_and_ocean(values, source=source, variable=name, positive_down=False)
        periodic = is_periodic_lon(lon1)
        if not periodic:
            logger.info("%s: regional grid (longitudes %g..%g, not periodic)", source, lon1[0], lon1[-1])
        out = xr.Dataset(
            {"topo": (("lat", "lon"), values, attrs)},
            coords={
                "lat": (
                    "lat",
                    lat1,
                    {
                        "units": "degrees_north",
                        "standard_name": "latitude",
                        "long_name": "latitude",
                        "axis": "Y",
                    },
                ),
                "lon": (
                    "lon",
                    lon1,
                    {
                        "units": "degrees_east",
                        "standard_name": "longitude",
                        "long_name": "longitude",
                        "axis": "X",
                    },
                ),
            },
            attrs={"source_file": os.path.basename(source), "periodic_lon": int(periodic)},
        )
        return out

    # curvilinear: dims of the 2-D coordinates become (y, x), y increasing northwards
    ydim, xdim = (str(d) for d in ds[lat_name].dims)
    if ds[lon_name].dims != ds[lat_name].dims:
        raise InputError(
            f"{source}: 2-D latitude {lat_name!r} {ds[lat_name].dims} and longitude {lon_name!r} "
            f"{ds[lon_name].dims} have different dims; they must share (y, x)"
        )
    if da.dims != (ydim, xdim):
        logger.warning("%s: variable %r had dims %s; transposed to (y, x)", source, name, da.dims)
        da = da.transpose(ydim, xdim)
    values = np.asarray(da.values, dtype=np.float64)
    if not (np.isfinite(lat_v).all() and np.isfinite(lon_v).all()):
        raise InputError(
            f"{source}: 2-D coordinates {lat_name!r}/{lon_name!r} contain NaN; fix the coordinates"
        )
    if np.nanmean(np.diff(lat_v, axis=0)) < 0:
        logger.warning("%s: rows ran north to south; flipped so y increases northwards", source)
        values, lat_v, lon_v = values[::-1], lat_v[::-1], lon_v[::-1]
    lon_w = _wrap_outside(lon_v)
    if not np.array_equal(lon_w, lon_v):
        logger.warning("%s: longitudes wrapped to [-180, 180)", source)
    values = _to_elevation(values, positive_down, source, name)
    values = check_nans(values, source=source, variable=name, nan_policy=_topo_policy(nan_policy), fill=0.0)
    check_land_and_ocean(values, source=source, variable=name, positive_down=False)
    return xr.Dataset(
        {"topo": (("y", "x"), values, attrs)},
        coords=_coords_2d(lat_v, lon_w, names=("lat", "lon")),
        attrs={"source_file": os.path.basename(source)},
    )


def _coords_2d(lat: np.ndarray, lon: np.ndarray, *, names: tuple[str, str]) -> dict:
    """CF-annotated 2-D latitude/longitude coordinates on (y, x), under the given names."""
    lat_name, lon_name = names
    return {
        lat_name: (
            ("y", "x"),
            lat,
            {"units": "degrees_north", "standard_name": "latitude", "long_name": "latitude"},
        ),
        lon_name: (
            ("y", "x"),
            lon,
            {"units": "degrees_east", "standard_name": "longitude", "long_name": "longitude"},
        ),
    }


def _topo_policy(nan_policy: str) -> NanPolicy:
    if nan_policy not in ("error", "ocean"):
        raise InputError(f"nan_policy={nan_policy!r}; expected 'error' or 'ocean'")
    return nan_policy  # type: ignore[return-value]


def _to_elevation(values: np.ndarray, positive_down: bool | None, source: str, name: str) -> np.ndarray:
    if not positive_down:
        return values
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() >= 0 and (finite == 0).any():
        raise InputError(
            f"{source}: variable {name!r} is a depth with 0 on land (no land heights), so land and sea "
            "level cannot be told apart; open it with climpy.io.open_bathymetry"
        )
    logger.warning(
        "%s: variable %r is a depth (positive down); negated to an elevation (positive up)", source, name
    )
    return -values


def open_bathymetry(
    path: PathLike,
    variable: str | None = None,
    *,
    time_index: int | None = None,
    nan_policy: NanPolicy = "error",
) -> xr.Dataset:
    """Open an ocean-grid (ORCA/curvilinear) bathymetry as a positive-down depth.

    Parameters
    ----------
    path : path
        NetCDF file with a depth (positive down) or an elevation (positive up, converted).
    variable : str, optional
        By default the first of ``Bathymetry, bathy, depth, ...`` then of the topography names.
    time_index : int, optional
        Index along a time-like dimension of size > 1.
    nan_policy : {"error", "land"}
        NaN/missing cells raise (default) or become land (0 m) with a warning.

    Returns
    -------
    xarray.Dataset
        ``Bathymetry`` (y, x) float64, metres, positive down, 0 on land; 2-D coordinates ``nav_lat``,
        ``nav_lon`` (degrees; the legacy ORCA file contract). A regular lat/lon input is broadcast to
        2-D coordinates.

    Raises
    ------
    InputError
        As :func:`open_topography`.
    """
    source, ds, name, da, (lat_name, lon_name), (lat_v, lon_v) = _read_field(
        path, variable, BATHY_NAMES + TOPO_NAMES, "bathymetry", time_index
    )
    if lat_v.ndim == 1:
        logger.info("%s: regular lat/lon grid; broadcast to 2-D nav_lat/nav_lon on (y, x)", source)
        da = da.transpose(ds[lat_name].dims[0], ds[lon_name].dims[0])
        lon_v, lat_v = np.meshgrid(lon_v, lat_v)
    else:
        if da.dims != ds[lat_name].dims:
            logger.warning("%s: variable %r had dims %s; transposed to (y, x)", source, name, da.dims)
            da = da.transpose(*ds[lat_name].dims)
    raw = np.asarray(da.values, dtype=np.float64)
    if nan_policy not in ("error", "land"):
        raise InputError(f"nan_policy={nan_policy!r}; expected 'error' or 'land' for bathymetry")
    values = check_nans(raw, source=source, variable=name, nan_policy=nan_policy, fill=0.0)
    check_metres(values, source=source, variable=name, units=da.attrs.get("units"))
    positive_down = _positive_down(da, values)
    if positive_down is None:
        positive_down = bool(np.mean(values > 0) > np.mean(values < 0))  # more ocean than land on ocean grids
    if not positive_down:
        logger.warning(
            "%s: variable %r is an elevation (positive up); converted to a depth (positive down)",
            source,
            name,
        )
        values = -values
    if (values < 0).any():
        logger.warning("%s: %d negative depths (land heights) set to 0 m", source, int((values < 0).sum()))
        values = np.maximum(values, 0.0)
    values = values + 0.0  # no -0.0
    check_land_and_ocean(values, source=source, variable=name, positive_down=True)
    return xr.Dataset(
        {
            "Bathymetry": (
                ("y", "x"),
                values,
                {
                    "units": "m",
                    "long_name": "Bathymetry",
                    "standard_name": "sea_floor_depth_below_geoid",
                    "positive": "down",
                    "provenance": _provenance("open_bathymetry", path, variable=name, time_index=time_index),
                },
            )
        },
        coords=_coords_2d(lat_v, lon_v, names=("nav_lat", "nav_lon")),
        attrs={"source_file": os.path.basename(source)},
    )


def open_grid(path: PathLike) -> Grid:
    """Open an ocean grid file (e.g. ``paleorca2_40Ma_grid.nc``: 2-D lon/lat, area, bounds) as a Grid.

    Raises
    ------
    InputError
        If the file is unreadable or has no 2-D latitude/longitude.
    """
    source = _source(path)
    ds = _promote_degree_variables(open_dataset(path))
    lat = next((n for n in _coord_candidates(ds, "latitude", LAT_NAMES) if ds[n].ndim == 2), None)
    lon = next((n for n in _coord_candidates(ds, "longitude", LON_NAMES) if ds[n].ndim == 2), None)
    if lat is None or lon is None:
        raise InputError(
            f"{source}: no 2-D latitude/longitude (found {sorted(map(str, ds.variables))}); an ocean grid "
            "file needs lat/lon (or nav_lat/nav_lon) on (y, x)"
        )
    keep = ds[[v for v in ("area", "bounds_lat", "bounds_lon") if v in ds.variables]]
    gds = keep.assign_coords(lat=ds[lat].variable, lon=ds[lon].variable)
    for c, b in (("lat", "bounds_lat"), ("lon", "bounds_lon")):
        if b in gds:
            gds[c].attrs["bounds"] = b
    return Grid.from_dataset(gds)
