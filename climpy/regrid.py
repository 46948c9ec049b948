"""Regrid fields between regular lat/lon grids: nearest, bilinear and first-order conservative.

Every method here is separable on regular grids: the result is ``Wy @ field @ Wx.T`` with sparse
1-D weight matrices along latitude (``Wy``) and longitude (``Wx``). For the conservative method the
1-D weights are exact overlaps in ``sin(lat)`` and in longitude, so the area-weighted result is the
exact first-order conservative remapping on the sphere (a lat/lon cell has area
``R**2 * d(sin lat) * d(lon)``). We write these few lines instead of using xESMF because ESMPy is
not installable here (see PLATFORM.md) and the separable form is exact and fast (0.1 degree to
1 degree in well under a second). Longitude is periodic on global grids.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
import xarray as xr

from climpy._typing import RegridMethod
from climpy.exceptions import GridError, InputError
from climpy.geo import bounds_from_centres, is_periodic_lon
from climpy.provenance import provenance

__all__ = ["axis_weights", "regrid", "target_grid"]

logger = logging.getLogger(__name__)

_METHODS = ("nearest", "bilinear", "conservative")


def target_grid(
    *,
    lon_step: float,
    lat_step: float | None = None,
    lon_min: float = -180.0,
    lon_max: float = 180.0,
    lat_min: float = -90.0,
    lat_max: float = 90.0,
) -> xr.Dataset:
    """Build a regular lat/lon grid from its cell-edge limits and steps (degrees).

    Parameters
    ----------
    lon_step, lat_step : float, degrees
        Cell sizes; ``lat_step`` defaults to ``lon_step``. The limits must be multiples of the step
        apart.
    lon_min, lon_max, lat_min, lat_max : float, degrees
        Outer cell edges.

    Returns
    -------
    xarray.Dataset
        Empty Dataset with 1-D ``lat`` (ascending) and ``lon`` cell centres.

    Raises
    ------
    InputError
        If a step is not positive, the limits are inverted or not a whole number of steps apart.
    """
    lat_step = lon_step if lat_step is None else lat_step
    axes = {}
    for name, lo, hi, step, units in (
        ("lat", lat_min, lat_max, lat_step, "degrees_north"),
        ("lon", lon_min, lon_max, lon_step, "degrees_east"),
    ):
        if not step > 0:
            raise InputError(f"target grid: {name} step {step!r} must be positive (degrees)")
        if not hi > lo:
            raise InputError(f"target grid: {name} limits {lo}..{hi} are inverted; give min < max")
        n = (hi - lo) / step
        if abs(n - round(n)) > 1e-6:
            raise InputError(
                f"target grid: {name} range {lo}..{hi} is not a whole number of steps of {step}; "
                "adjust the limits or the step"
            )
        c = lo + step * (np.arange(round(n)) + 0.5)
        axes[name] = (name, c, {"units": units, "long_name": "latitude" if name == "lat" else "longitude"})
    if lat_min < -90 or lat_max > 90:
        raise InputError(f"target grid: latitude limits {lat_min}..{lat_max} exceed -90..90")
    return xr.Dataset(coords=axes)


def _nearest_1d(src: np.ndarray, dst: np.ndarray, *, periodic: bool) -> sp.csr_matrix:
    if periodic:
        # unwrap the source one cell beyond each end: nearest by sorted search, no n_dst x n_src matrix
        m = src.size
        ext = np.concatenate([[src[-1] - 360.0], src, [src[0] + 360.0]])
        x = (dst - ext[0]) % 360.0 + ext[0]
        k = np.clip(np.searchsorted(ext, x), 1, m + 1)
        k = np.where(np.abs(x - ext[k - 1]) <= np.abs(ext[k] - x), k - 1, k)
        idx = (k - 1) % m
    else:
        idx = np.clip(np.searchsorted(src, dst), 1, src.size - 1)
        idx = np.where(np.abs(dst - src[idx - 1]) <= np.abs(src[idx] - dst), idx - 1, idx)
    n = dst.size
    return sp.csr_matrix((np.ones(n), (np.arange(n), idx)), shape=(n, src.size))


def _linear_1d(src: np.ndarray, dst: np.ndarray, *, periodic: bool) -> sp.csr_matrix:
    n, m = dst.size, src.size
    if periodic:
        # unwrap the source one cell beyond each end, then map indices back modulo m
        ext = np.concatenate([[src[-1] - 360.0], src, [src[0] + 360.0]])
        x = (dst - ext[0]) % 360.0 + ext[0]
        k = np.clip(np.searchsorted(ext, x, side="right") - 1, 0, m)
        t = (x - ext[k]) / (ext[k + 1] - ext[k])
        i0, i1 = (k - 1) % m, k % m
    else:
        x = np.clip(dst, src[0], src[-1])  # constant extrapolation beyond the source edges
        k = np.clip(np.searchsorted(src, x, side="right") - 1, 0, m - 2)
        t = (x - src[k]) / (src[k + 1] - src[k])
        i0, i1 = k, k + 1
    rows = np.repeat(np.arange(n), 2)
    cols = np.stack([i0, i1], axis=1).ravel()
    vals = np.stack([1.0 - t, t], axis=1).ravel()
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, m))


def _overlap_1d(src_b: np.ndarray, dst_b: np.ndarray, *, period: float | None) -> sp.csr_matrix:
    """Overlap lengths (n_dst, n_src) between 1-D intervals given by ascending edges.

    With a period, destination intervals are compared with the source shifted by -period, 0 and
    +period, so overlaps across the seam are found.
    """
    shifts = (0.0,) if period is None else (-period, 0.0, period)
    rows, cols, vals = [], [], []
    for s in shifts:
        lo_s, hi_s = src_b[:-1] + s, src_b[1:] + s
        # candidate source range for each destination interval via searchsorted (sorted edges)
        first = np.searchsorted(hi_s, dst_b[:-1], side="right")
        last = np.searchsorted(lo_s, dst_b[1:], side="left")
        counts = np.maximum(last - first, 0)
        if counts.sum() == 0:
            continue
        r = np.repeat(np.arange(dst_b.size - 1), counts)
        c = np.concatenate([np.arange(a, b) for a, b in zip(first, last) if b > a])
        ov = np.minimum(dst_b[1:][r], hi_s[c]) - np.maximum(dst_b[:-1][r], lo_s[c])
        keep = ov > 0
        rows.append(r[keep])
        cols.append(c[keep])
        vals.append(ov[keep])
    if not rows:
        return sp.csr_matrix((dst_b.size - 1, src_b.size - 1))
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(dst_b.size - 1, src_b.size - 1),
    )


def axis_weights(
    src: np.ndarray, dst: np.ndarray, *, axis: str, method: RegridMethod, periodic: bool
) -> sp.csr_matrix:
    """Sparse 1-D weights (n_dst, n_src) along one axis of a regular grid.

    Parameters
    ----------
    src, dst : ndarray, degrees
        Ascending cell centres of the source and destination axes.
    axis : {"lat", "lon"}
    method : {"nearest", "bilinear", "conservative"}
    periodic : bool
        Longitude wraps around (ignored for latitude).

    Returns
    -------
    scipy.sparse.csr_matrix
        For ``conservative``, raw overlaps in ``sin(lat)`` (latitude) or degrees (longitude): row sums
        are the covered part of each destination cell.
    """
    periodic = periodic and axis == "lon"
    if method == "nearest":
        return _nearest_1d(src, dst, periodic=periodic)
    if method == "bilinear":
        return _linear_1d(src, dst, periodic=periodic)
    if axis == "lat":
        sb = np.sin(np.deg2rad(bounds_from_centres(src, clip_lat=True)))
        db = np.sin(np.deg2rad(bounds_from_centres(dst, clip_lat=True)))
        return _overlap_1d(sb, db, period=None)
    sb = bounds_from_centres(src)
    db = bounds_from_centres(dst)
    return _overlap_1d(sb, db, period=360.0 if periodic else None)


def _axis(ds: xr.Dataset, name: str, where: str) -> np.ndarray:
    if name not in ds.coords or ds[name].ndim != 1:
        raise GridError(
            f"{where}: no 1-D {name!r} coordinate; regrid works on regular lat/lon grids "
            "(open files with climpy.io.open_topography)"
        )
    a = np.asarray(ds[name].values, dtype=float)
    if a.size > 1 and np.any(np.diff(a) <= 0):
        raise GridError(
            f"{where}: {name!r} is not strictly ascending; normalise with climpy.io.open_topography"
        )
    return a


def regrid(
    ds: xr.Dataset,
    target: xr.Dataset,
    *,
    method: RegridMethod = "conservative",
    variables: Sequence[str] | None = None,
) -> xr.Dataset:
    """Regrid the (lat, lon) variables of ``ds`` onto the regular grid of ``target``.

    Parameters
    ----------
    ds : xarray.Dataset
        Source with 1-D ascending ``lat``/``lon`` (degrees) and data variables whose last two dims are
        ``("lat", "lon")``; global grids are treated as periodic in longitude.
    target : xarray.Dataset
        Any Dataset with 1-D ascending ``lat``/``lon`` cell centres (e.g. :func:`target_grid`).
    method : {"nearest", "bilinear", "conservative"}
        ``conservative`` is first-order area-weighted on the sphere: where the destination cell is
        covered by valid source cells, ``sum(area_dst * out) == sum(area_src * in)``. NaN source
        cells are left out and the remaining weights renormalised; destination cells with no valid
        source are NaN. ``bilinear`` and ``nearest`` propagate NaN.
    variables : sequence of str, optional
        Variables to regrid (default: every data variable on ``("lat", "lon")``).

    Returns
    -------
    xarray.Dataset
        The regridded variables on the target ``lat``/``lon``, attributes kept, plus ``regrid_method``
        and provenance attributes.

    Raises
    ------
    InputError
        If the method is unknown or a variable is not on (lat, lon).

    GridError
        If a grid has no ascending 1-D lat/lon.

    Examples
    --------
    >>> from climpy.testing import topography_dataset
    >>> topo = topography_dataset(lambda lat, lon: 1000.0 + lat, nlat=180, nlon=360)
    >>> out = regrid(topo, target_grid(lon_step=5.0), method="conservative")
    >>> out["topo"].shape, out["topo"].attrs["regrid_method"]
    ((36, 72), 'conservative')
    """
    if method not in _METHODS:
        raise InputError(f"regrid: unknown method {method!r}; choose one of {', '.join(_METHODS)}")
    slat, slon = _axis(ds, "lat", "regrid source"), _axis(ds, "lon", "regrid source")
    dlat, dlon = _axis(target, "lat", "regrid target"), _axis(target, "lon", "regrid target")
    periodic = is_periodic_lon(slon)
    if variables is None:
        variables = [str(n) for n, v in ds.data_vars.items() if v.dims[-2:] == ("lat", "lon")]
    wy = axis_weights(slat, dlat, axis="lat", method=method, periodic=False)
    wx = axis_weights(slon, dlon, axis="lon", method=method, periodic=periodic)
    wxt = wx.T.tocsr()
    out = xr.Dataset(coords={"lat": target["lat"], "lon": target["lon"]})
    for name in variables:
        if name not in ds.data_vars:
            raise InputError(
                f"regrid: no variable {name!r} in the source (found {sorted(map(str, ds.data_vars))})"
            )
        da = ds[name]
        if da.dims[-2:] != ("lat", "lon"):
            raise InputError(f"regrid: variable {name!r} has dims {da.dims}; expected (..., 'lat', 'lon')")
        lead = da.shape[:-2]
        arr = np.asarray(da.values, dtype=float).reshape((-1, slat.size, slon.size))
        res = np.empty((arr.shape[0], dlat.size, dlon.size))
        for k in range(arr.shape[0]):
            res[k] = _apply(arr[k], wy, wxt, conservative=method == "conservative")
        out[name] = (da.dims, res.reshape((*lead, dlat.size, dlon.size)), dict(da.attrs))
        out[name].attrs.update(
            {
                "regrid_method": method,  # as xESMF names it; the tests and users read it
                **provenance("climpy.regrid.regrid", dict(method=method), method=f"{method} regridding"),
            }
        )
        for c in da.dims[:-2]:
            if c in ds.coords:
                out = out.assign_coords({c: ds[c]})
    logger.info(
        "regrid %s: (%d, %d) -> (%d, %d), periodic=%s, %s",
        method,
        slat.size,
        slon.size,
        dlat.size,
        dlon.size,
        periodic,
        ", ".join(variables),
    )
    return out


def _apply(a: np.ndarray, wy: sp.csr_matrix, wxt: sp.csr_matrix, *, conservative: bool) -> np.ndarray:
    if not conservative:
        return np.asarray((wy @ a) @ wxt)
    valid = np.isfinite(a)
    if valid.all():
        num = (wy @ a) @ wxt
        den = np.outer(np.asarray(wy.sum(axis=1)).ravel(), np.asarray(wxt.sum(axis=0)).ravel())
    else:
        num = (wy @ np.where(valid, a, 0.0)) @ wxt
        den = (wy @ valid.astype(float)) @ wxt
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, np.asarray(num) / np.where(den > 0, den, 1.0), np.nan)
