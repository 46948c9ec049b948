"""Shared helpers of the science steps: which variable holds the map, the ocean mask, outputs.

A topography (``topo``, m, positive up, ocean where ``<= 0``) and a bathymetry (``Bathymetry``,
m, positive down, ocean where ``> 0``) are both "ocean maps" to the connectivity steps
(:mod:`climpy.internal_oceans`, :mod:`climpy.passages`, :mod:`climpy.subbasins`,
:mod:`climpy.checks`, :mod:`climpy.heatflow`, :mod:`climpy.ahmcoef`); these helpers read them
the same way for all. Variable names come from :mod:`climpy.names`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from climpy import __version__
from climpy.exceptions import InputError
from climpy.names import BATHY_NAMES, LAT_NAMES, LON_NAMES, OCEAN_LAT, OCEAN_LON, TOPO_NAMES

__all__ = [
    "cells_array",
    "depth_field",
    "flag_dataset",
    "modified",
    "ocean_field",
    "ocean_grid_coords",
    "ocean_mask",
    "out_coords",
]


def ocean_field(ds: xr.Dataset, variable: str | None = None) -> tuple[str, bool]:
    """Name of the elevation/depth variable of ``ds`` and whether it is positive down.

    Parameters
    ----------
    ds : xarray.Dataset
    variable : str, optional
        Variable to use; by default the first of ``topo, topography, Z, ...`` (positive up) or
        ``Bathymetry, bathymetry, bathy, ...`` (positive down) found. A ``positive`` attribute
        (``"up"``/``"down"``) on the variable overrides the name.

    Returns
    -------
    (name, positive_down) : tuple of str and bool

    Raises
    ------
    InputError
        If no such variable exists, or it is not 2-D.
    """
    if variable is None:
        variable = next((n for n in (*TOPO_NAMES, *BATHY_NAMES) if n in ds.data_vars), None)
        if variable is None:
            raise InputError(
                f"no topography or bathymetry variable among {sorted(map(str, ds.data_vars))}; expected "
                f"one of {TOPO_NAMES + BATHY_NAMES}. Pass variable='<name>' (--variable on the command line)"
            )
    elif variable not in ds.data_vars:
        raise InputError(
            f"variable {variable!r} not found; the dataset has {sorted(map(str, ds.data_vars))}. "
            "Pass one of those as variable (--variable)"
        )
    da = ds[variable]
    if da.ndim != 2:
        raise InputError(f"variable {variable!r} has dims {da.dims}; expected a 2-D map (lat, lon) or (y, x)")
    positive = str(da.attrs.get("positive", "")).lower()
    if positive in ("up", "down"):
        return variable, positive == "down"
    return variable, variable in BATHY_NAMES


def ocean_mask(ds: xr.Dataset, variable: str | None = None) -> np.ndarray:
    """Boolean ocean mask (ny, nx): ``topo <= 0`` (positive up) or ``depth > 0`` (positive down).

    Missing values (NaN) count as land.
    """
    name, down = ocean_field(ds, variable)
    v = np.asarray(ds[name].values, dtype=float)
    with np.errstate(invalid="ignore"):
        return (v > 0) if down else (v <= 0)


def out_coords(ds: xr.Dataset, name: str) -> dict:
    """Coordinates for an output on the grid of ``ds[name]`` (with 2-D ``nav_lat``/``nav_lon``)."""
    coords = dict(ds[name].coords)
    for c in (OCEAN_LAT, OCEAN_LON):
        if c in ds.variables and c not in coords and ds[c].dims == ds[name].dims:
            coords[c] = ds[c]
    return coords


def flag_dataset(
    ds: xr.Dataset, name: str, var: str, flags: np.ndarray, long_name: str, meanings: str, prov: dict
) -> xr.Dataset:
    """Return a Dataset on the grid of ``ds[name]`` with the CF flag map ``var`` (0, 1, ... per meaning)."""
    out = xr.Dataset(coords=out_coords(ds, name))
    attrs = {
        "units": "1",
        "long_name": long_name,
        "flag_values": np.arange(len(meanings.split()), dtype=np.int8),
        "flag_meanings": meanings,
        **prov,
    }
    out[var] = xr.DataArray(flags, dims=ds[name].dims, attrs=attrs)
    return out


def modified(ds: xr.Dataset, name: str, values: np.ndarray, note: str) -> xr.Dataset:
    """Copy of ``ds`` with ``name`` replaced by ``values`` and ``note`` appended to its ``history``."""
    out = ds.copy()  # shallow: the other variables are shared, never written to
    da = ds[name].copy(data=values.astype(ds[name].dtype, copy=False))
    hist = da.attrs.get("history", "")
    da.attrs["history"] = (hist + "\n" if hist else "") + f"climpy {__version__}: {note}"
    out[name] = da
    return out


def cells_array(cells, shape: tuple[int, int], what: str) -> np.ndarray:
    """Check (j, i) cell indices against ``shape``; ``what`` names the caller in errors."""
    arr = np.asarray(list(cells) if not isinstance(cells, np.ndarray) else cells, dtype=np.int64)
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputError(f"{what}: cells must be a list of (j, i) index pairs, got shape {arr.shape}")
    ny, nx = shape
    bad = (arr[:, 0] < 0) | (arr[:, 0] >= ny) | (arr[:, 1] < 0) | (arr[:, 1] >= nx)
    if bad.any():
        raise InputError(
            f"{what}: cells {arr[bad][:5].tolist()} are outside the grid of shape {shape}; "
            "give 0-based (j, i) = (row, column) indices"
        )
    return arr


def ocean_grid_coords(ds: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    """Return the 2-D ``(nav_lat, nav_lon)`` coordinates of an ocean-grid Dataset.

    Parameters
    ----------
    ds : xarray.Dataset
        With 2-D latitude/longitude (y, x) named ``nav_lat``/``lat``/``latitude`` (and lon alike).

    Returns
    -------
    nav_lat, nav_lon : DataArray (y, x), degrees
        Renamed ``nav_lat``/``nav_lon`` with CF attributes.

    Raises
    ------
    InputError
        If no such coordinates exist.
    """
    lat = next((ds[n] for n in LAT_NAMES if n in ds.variables and ds[n].ndim == 2), None)
    lon = next((ds[n] for n in LON_NAMES if n in ds.variables and ds[n].ndim == 2), None)
    if lat is None or lon is None or lat.ndim != 2 or lon.shape != lat.shape:
        raise InputError(
            f"ocean grid dataset has no 2-D latitude/longitude among {sorted(map(str, ds.variables))}; "
            "expected nav_lat/nav_lon (y, x) as in curvilinear.nc; open it with climpy.io.open_bathymetry"
        )
    nav_lat = xr.DataArray(
        np.asarray(lat.values, dtype=float),
        dims=lat.dims,
        attrs={"units": "degrees_north", "long_name": "Latitude", "standard_name": "latitude"},
    )
    nav_lon = xr.DataArray(
        np.asarray(lon.values, dtype=float),
        dims=lon.dims,
        attrs={"units": "degrees_east", "long_name": "Longitude", "standard_name": "longitude"},
    )
    return nav_lat, nav_lon


def depth_field(ds: xr.Dataset, variable: str) -> xr.DataArray:
    """Return the 2-D depth variable (m, positive down) of an ocean-grid Dataset, checked."""
    if variable not in ds.data_vars:
        raise InputError(
            f"bathymetry dataset has no variable {variable!r} (found {sorted(map(str, ds.data_vars))}); "
            "pass variable=<name of the depth variable, metres positive down>"
        )
    da = ds[variable]
    if da.ndim != 2:
        raise InputError(f"bathymetry variable {variable!r} has dims {da.dims}; expected 2-D ('y', 'x')")
    return da
