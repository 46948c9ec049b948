"""Schema checks of topography and bathymetry, shared by the openers and usable on any Dataset.

The openers in :mod:`climpy.io.open` call these on what they read; :func:`validate_topography` and
:func:`validate_bathymetry` check that a Dataset already follows the internal convention (for code
that receives a Dataset built elsewhere). Every error is an :class:`~climpy.exceptions.InputError`
whose message names the file, the variable and the fix.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Literal

import numpy as np
import xarray as xr

from climpy.exceptions import ClimpyWarning, InputError
from climpy.geo import is_periodic_lon
from climpy.names import OCEAN_LAT, OCEAN_LON

__all__ = [
    "MAX_ABS_METRES",
    "MIN_MAX_ABS_METRES",
    "NanPolicy",
    "check_axis",
    "check_metres",
    "check_nans",
    "validate_bathymetry",
    "validate_topography",
]

logger = logging.getLogger(__name__)

NanPolicy = Literal["error", "ocean", "land"]

#: Largest plausible |elevation| in metres (the Challenger Deep is about 10 935 m below sea level).
MAX_ABS_METRES = 12_000.0
#: A field whose largest |value| is below this is not in metres (km, or a normalised field).
MIN_MAX_ABS_METRES = 10.0

_NOT_METRES = {
    "km": "kilometres",
    "kilometers": "kilometres",
    "kilometres": "kilometres",
    "ft": "feet",
    "feet": "feet",
    "foot": "feet",
    "cm": "centimetres",
    "mm": "millimetres",
}
#: Units accepted as metres: "m", "meter(s)", "metre(s)", optionally followed by words ("m above sea level").
_METRES_RE = re.compile(r"^(m|meters?|metres?)(\s.*)?$")


def _where(source: str, variable: str) -> str:
    return f"{source}: variable {variable!r}"


def check_axis(values: np.ndarray, *, source: str, name: str, what: str = "coordinate") -> int:
    """Check a 1-D coordinate is strictly monotonic without duplicates; return +1 or -1 (direction).

    Raises
    ------
    InputError
        If it contains NaN, duplicated values or changes direction.
    """
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        raise InputError(
            f"{source}: {what} {name!r} has {v.size} value(s); a grid needs at least 2 along each axis"
        )
    if not np.isfinite(v).all():
        raise InputError(f"{source}: {what} {name!r} contains NaN or infinite values; fix the coordinate")
    d = np.diff(v)
    if np.any(d == 0):
        k = int(np.flatnonzero(d == 0)[0])
        raise InputError(
            f"{source}: {what} {name!r} has duplicated values ({v[k]:g} at positions {k} and {k + 1}); "
            "remove the duplicated rows/columns"
        )
    if np.all(d > 0):
        return 1
    if np.all(d < 0):
        return -1
    k = int(np.flatnonzero(np.sign(d) != np.sign(d[0]))[0])
    raise InputError(
        f"{source}: {what} {name!r} is not monotonic (changes direction at position {k + 1}); "
        "sort the file along this axis"
    )


def check_metres(values: np.ndarray, *, source: str, variable: str, units: str | None) -> None:
    """Reject values that are clearly not metres (units attribute, or magnitude heuristics).

    Raises
    ------
    InputError
        If the units are km, feet, cm, mm or not a length, or max |value| < 10 (km?) or > 12 000
        (feet? cm?).
    """
    u = (units or "").strip().lower()
    if u in _NOT_METRES:
        raise InputError(
            f"{_where(source, variable)} is in {_NOT_METRES[u]} (units={units!r}); "
            "convert it to metres (and set units='m')"
        )
    if u and not _METRES_RE.match(u):
        raise InputError(
            f"{_where(source, variable)} has units {units!r}, not a length in metres; pick the elevation "
            "variable with variable=..., or set its units attribute to 'm' if it is in metres"
        )
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0:
        return
    top = float(finite.max())
    if top > MAX_ABS_METRES:
        raise InputError(
            f"{_where(source, variable)} reaches |{top:.6g}|, more than any elevation on Earth in metres "
            f"(> {MAX_ABS_METRES:g}); it looks like feet or centimetres, or holds fill values: convert it "
            "to metres or mask the fill values"
        )
    if top < MIN_MAX_ABS_METRES:
        raise InputError(
            f"{_where(source, variable)} never exceeds |{top:.6g}|; elevations in metres reach hundreds "
            "or thousands: it looks like kilometres or a normalised field, convert it to metres"
        )


def check_nans(
    values: np.ndarray, *, source: str, variable: str, nan_policy: NanPolicy, fill: float = 0.0
) -> np.ndarray:
    """Apply the NaN policy: error on NaN holes, or replace them by ``fill`` with a warning.

    Parameters
    ----------
    values : ndarray
        The field (not modified).
    nan_policy : {"error", "ocean", "land"}
        ``"error"`` raises on any NaN; ``"ocean"``/``"land"`` replace NaN by ``fill`` (0 m) and warn.

    Returns
    -------
    ndarray
        ``values`` itself when there is no NaN, else a filled copy.

    Raises
    ------
    InputError
        If every value is NaN, or some are and ``nan_policy="error"``.
    """
    bad = ~np.isfinite(values)
    n_bad = int(bad.sum())
    if n_bad == 0:
        return values
    if n_bad == values.size:
        raise InputError(
            f"{_where(source, variable)} is entirely NaN/missing; check the variable name "
            "(pass variable=...) or the file"
        )
    if nan_policy == "error":
        raise InputError(
            f"{_where(source, variable)} has {n_bad} NaN/missing cells ({100 * n_bad / values.size:.3g} %); "
            "fill them, or pass nan_policy='ocean' (topography) / 'land' (bathymetry) to set them to 0 m"
        )
    msg = f"{_where(source, variable)}: {n_bad} NaN/missing cells set to {fill:g} m ({nan_policy})"
    logger.warning(msg)
    warnings.warn(msg, ClimpyWarning, stacklevel=3)
    out = np.array(values, dtype=np.float64, copy=True)
    out[bad] = fill
    return out


def _land_and_ocean(values: np.ndarray, *, source: str, variable: str, land: np.ndarray) -> None:
    if land.all():
        raise InputError(
            f"{_where(source, variable)} is land everywhere (min {np.nanmin(values):g} m); "
            "check the sign convention (topography is positive up) or pick another variable"
        )
    if not land.any():
        raise InputError(
            f"{_where(source, variable)} is ocean everywhere (max {np.nanmax(values):g} m); "
            "check the sign convention (bathymetry is positive down) or pick another variable"
        )


def check_land_and_ocean(values: np.ndarray, *, source: str, variable: str, positive_down: bool) -> None:
    """Raise when a field is all land or all ocean (land: > 0 up, or 0 in a positive-down depth)."""
    land = values <= 0 if positive_down else values > 0
    _land_and_ocean(values, source=source, variable=variable, land=land)


def validate_topography(ds: xr.Dataset, *, source: str = "<dataset>", variable: str = "topo") -> None:
    """Check a Dataset follows the internal topography convention; raise ``InputError`` if not.

    Convention: ``variable`` float64 metres (land > 0, ocean <= 0), finite, both land and ocean;
    dims ``(lat, lon)`` with 1-D ascending ``lat`` in [-90, 90] and ascending ``lon`` in [-180, 180),
    or dims ``(y, x)`` with 2-D ``lat``/``lon``.
    """
    if variable not in ds:
        raise InputError(
            f"{source}: no variable {variable!r} (has {sorted(map(str, ds.data_vars))}); pass variable="
        )
    da = ds[variable]
    if da.dims not in (("lat", "lon"), ("y", "x")):
        raise InputError(
            f"{_where(source, variable)} has dims {da.dims}; expected ('lat', 'lon') or ('y', 'x'): "
            "open the file with climpy.io.open_topography"
        )
    if da.dims == ("lat", "lon"):
        if check_axis(ds["lat"].values, source=source, name="lat") < 0:
            raise InputError(f"{source}: 'lat' runs north to south; flip it (open_topography does)")
        if check_axis(ds["lon"].values, source=source, name="lon") < 0:
            raise InputError(f"{source}: 'lon' decreases; sort it (open_topography does)")
        lat, lon = ds["lat"].values, ds["lon"].values
        if lat.min() < -90 or lat.max() > 90:
            raise InputError(
                f"{source}: 'lat' outside [-90, 90] ({lat.min():g}..{lat.max():g}); fix the coordinate"
            )
        crosses = lon[0] >= -180 and lon[0] < 180 <= lon[-1] < lon[0] + 360 and not is_periodic_lon(lon)
        if (lon.min() < -180 or lon.max() >= 180) and not crosses:
            raise InputError(
                f"{source}: 'lon' outside [-180, 180) ({lon.min():g}..{lon.max():g}); "
                "wrap and roll it (open_topography does)"
            )
    values = np.asarray(da.values)
    if values.dtype != np.float64:
        raise InputError(f"{_where(source, variable)} is {values.dtype}; expected float64")
    check_nans(values, source=source, variable=variable, nan_policy="error")
    check_metres(values, source=source, variable=variable, units=da.attrs.get("units", "m"))
    check_land_and_ocean(values, source=source, variable=variable, positive_down=False)


def validate_bathymetry(ds: xr.Dataset, *, source: str = "<dataset>", variable: str = "Bathymetry") -> None:
    """Check an ocean-grid bathymetry Dataset (``Bathymetry`` (y, x), m, positive down, 0 on land)."""
    if variable not in ds:
        raise InputError(
            f"{source}: no variable {variable!r} (has {sorted(map(str, ds.data_vars))}); pass variable="
        )
    da = ds[variable]
    if da.dims != ("y", "x"):
        raise InputError(
            f"{_where(source, variable)} has dims {da.dims}; expected ('y', 'x'): open the file with "
            "climpy.io.open_bathymetry"
        )
    for c in (OCEAN_LAT, OCEAN_LON):
        if c not in ds.variables or ds[c].dims != ("y", "x"):
            raise InputError(
                f"{source}: no 2-D coordinate {c!r} on ('y', 'x'); open the file with open_bathymetry"
            )
    values = np.asarray(da.values)
    check_nans(values, source=source, variable=variable, nan_policy="error")
    if (values < 0).any():
        raise InputError(
            f"{_where(source, variable)} has negative depths (min {values.min():g}); bathymetry is positive "
            "down with 0 on land: clip it at 0 (open_bathymetry does)"
        )
    check_metres(values, source=source, variable=variable, units=da.attrs.get("units", "m"))
    check_land_and_ocean(values, source=source, variable=variable, positive_down=True)
