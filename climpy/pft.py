"""ORCHIDEE vegetation (``maxvegetfrac``, 13 PFTs) from a table of latitude bands.

A table gives, for each latitude band, the percentage of each of the 13 ORCHIDEE plant functional
types (PFT 1 bare soil, 2-3 tropical broadleaf evergreen/raingreen, 4-6 temperate needleleaf
evergreen, broadleaf evergreen, broadleaf summergreen, 7-9 boreal needleleaf evergreen, broadleaf
summergreen, needleleaf summergreen, 10-11 C3/C4 grass, 12-13 C3/C4 crops). Every land cell of the
band gets that row; ocean cells are missing. The default table is the legacy tool's (a rough
conversion of BIOME4 megabiomes to ORCHIDEE PFTs, after Herold et al. 2014).
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import numpy as np
import xarray as xr

from climpy.exceptions import InputError
from climpy.provenance import provenance

__all__ = ["DEFAULT_LATITUDES", "DEFAULT_TABLE", "NPFT", "PFTTable", "pft", "pft_table", "pft_table_dataset"]

logger = logging.getLogger(__name__)

#: Number of ORCHIDEE PFTs.
NPFT = 13
#: Upper latitude (degrees, absolute) of each band of :data:`DEFAULT_TABLE`.
DEFAULT_LATITUDES = (15.0, 35.0, 50.0, 80.0, 90.0)
#: Percentages (bands x 13 PFTs) of the legacy tool, identical in both hemispheres.
DEFAULT_TABLE = (
    (0, 75, 25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    (0, 15, 55, 0, 0, 0, 0, 0, 0, 30, 0, 0, 0),
    (0, 0, 0, 0, 70, 30, 0, 0, 0, 0, 0, 0, 0),
    (0, 0, 0, 0, 40, 30, 0, 30, 0, 0, 0, 0, 0),
    (0, 0, 0, 0, 0, 30, 0, 0, 40, 30, 0, 0, 0),
)


class PFTTable(NamedTuple):
    """A PFT table: band upper latitudes (n,) and percentages (n, 13) per hemisphere."""

    latitudes: np.ndarray
    north: np.ndarray
    south: np.ndarray


def _check_table(table, latitudes, where: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(table, dtype=float)
    lat = np.asarray(latitudes, dtype=float)
    if t.ndim != 2 or t.shape[1] != NPFT:
        raise InputError(f"{where}: table has shape {t.shape}; expected (bands, {NPFT}) percentages")
    if lat.ndim != 1 or lat.size != t.shape[0]:
        raise InputError(
            f"{where}: {lat.size} band latitudes for {t.shape[0]} table rows; give one upper latitude per row"
        )
    if np.any(np.diff(lat) <= 0) or lat[0] <= 0 or abs(lat[-1] - 90.0) > 1e-9:
        raise InputError(
            f"{where}: band latitudes {lat.tolist()} must increase strictly from above 0 to 90 (upper edges)"
        )
    if not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(t > 100):
        raise InputError(f"{where}: table values must be percentages in 0..100")
    sums = t.sum(axis=1)
    bad = np.nonzero(np.abs(sums - 100.0) > 1e-6)[0]
    if bad.size:
        k = int(bad[0])
        raise InputError(
            f"{where}: row {k} (band up to {lat[k]} degrees) sums to {sums[k]:g}, not 100; "
            "every row must give percentages of the 13 PFTs that add up to 100"
        )
    return t, lat


def _band_index(abslat: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(edges, abslat, side="right"), edges.size - 1)


def pft(
    ds: xr.Dataset,
    *,
    variable: str = "topo",
    latitudes=DEFAULT_LATITUDES,
    table=DEFAULT_TABLE,
    south_latitudes=None,
    south_table=None,
    north_to_south: bool = True,
) -> xr.Dataset:
    """Vegetation fractions ``maxvegetfrac`` on a regular lat/lon grid from a band table.

    Parameters
    ----------
    ds : xarray.Dataset
        Topography ``variable`` (lat, lon), metres, land > 0, with 1-D ``lat``/``lon`` cell centres
        (degrees), as returned by ``climpy.io.open_topography``.
    variable : str
        Topography variable name.
    latitudes : sequence of float, degrees
        Upper edge (absolute latitude) of each band, strictly increasing, ending at 90.
        A cell belongs to the band ``lower <= |lat| < upper`` of its centre.
    table : array_like (bands, 13), % or xarray.Dataset
        PFT percentages per band; each row sums to 100. A Dataset with ``pft_table`` (band, veget)
        and ``band_lat`` (band), as the PFT editor edits it, gives both the table and the latitudes.
    south_latitudes, south_table : optional
        A different table for the southern hemisphere (default: the northern one mirrored).
    north_to_south : bool
        Order the output latitudes north to south, like the legacy files (default); else keep the
        input order.

    Returns
    -------
    xarray.Dataset
        ``maxvegetfrac`` (time_counter, veget, lat, lon), fraction 0..1, NaN on ocean; coordinates
        ``time_counter`` (1), ``veget`` (1..13, int32), ``lat``, ``lon`` with the legacy attributes.
        The table is stored in the attributes (``pft_latitudes``, ``pft_table_north``,
        ``pft_table_south``) for :func:`pft_table`.

    Raises
    ------
    InputError
        If a row does not sum to 100, the bands are not increasing to 90, or the grid is not 1-D lat/lon.

    Examples
    --------
    >>> from climpy.testing import topography_dataset
    >>> topo = topography_dataset(100.0, nlat=36, nlon=72)
    >>> veg = pft(topo)
    >>> veg["maxvegetfrac"].sizes["veget"], float(veg["maxvegetfrac"].sum("veget").min())
    (13, 1.0)

    Notes
    -----
    Deviations from the legacy ``generate_pft_netcdf``: any regular grid (not only 0.5 degree), cells
    assigned by their own centre (the legacy output was shifted by a quarter degree and its last row
    and column were missing), optional asymmetric hemispheres, errors instead of asserts.
    """
    if isinstance(table, xr.Dataset):
        latitudes, table = table["band_lat"].values, table["pft_table"].transpose(..., "veget").values
    tn, ln = _check_table(table, latitudes, "pft (north)")
    if south_table is None and south_latitudes is None:
        ts, ls = tn, ln
    else:
        ts, ls = _check_table(
            table if south_table is None else south_table,
            latitudes if south_latitudes is None else south_latitudes,
            "pft (south)",
        )
    if variable not in ds.data_vars:
        raise InputError(
            f"pft: dataset has no variable {variable!r} (found {sorted(map(str, ds.data_vars))}); "
            "pass variable=<topography variable>"
        )
    topo = ds[variable]
    if topo.dims != ("lat", "lon") or ds["lat"].ndim != 1:
        raise InputError(
            f"pft: variable {variable!r} has dims {topo.dims}; expected ('lat', 'lon') with 1-D lat/lon "
            "(regrid curvilinear data with climpy.regrid first)"
        )
    if north_to_south and topo["lat"].values[0] < topo["lat"].values[-1]:
        topo = topo.isel(lat=slice(None, None, -1))
    lat = np.asarray(topo["lat"].values, dtype=float)
    h = np.asarray(topo.values, dtype=float)
    north = lat >= 0
    rows = np.where(
        north[:, None],
        tn[_band_index(np.abs(lat), ln)],
        ts[_band_index(np.abs(lat), ls)],
    )  # (nlat, 13)
    land = np.isfinite(h) & (h > 0)
    frac = np.where(land[None, :, :], (rows.T / 100.0)[:, :, None], np.nan)
    out = xr.Dataset(
        data_vars={
            "maxvegetfrac": (
                ("time_counter", "veget", "lat", "lon"),
                frac[np.newaxis],
                {
                    "units": "1",
                    "long_name": "Vegetation fraction of each PFT",
                    **provenance(
                        "climpy.pft.pft",
                        dict(variable=variable, north_to_south=north_to_south),
                        method="latitude-band table",
                    ),
                },
            )
        },
        coords={
            "time_counter": (
                "time_counter",
                np.array([1]),
                {"units": "years since 0-1-1", "calendar": "gregorian", "axis": "T"},
            ),
            "veget": (
                "veget",
                np.arange(1, NPFT + 1, dtype=np.int32),
                {"valid_max": 13, "long_name": "Vegetation Classes", "valid_min": 1, "units": "-"},
            ),
            "lat": (
                "lat",
                lat,
                {
                    "bounds": "bounds_lat",
                    "valid_max": 90.0,
                    "long_name": "Latitude",
                    "valid_min": -90.0,
                    "units": "degrees_north",
                    "axis": "Y",
                },
            ),
            "lon": (
                "lon",
                np.asarray(topo["lon"].values, dtype=float),
                {
                    "bounds": "bounds_lon",
                    "valid_max": 180.0,
                    "long_name": "Longitude",
                    "valid_min": -180.0,
                    "axis": "X",
                    "units": "degrees_east",
                    "modulo": 360.0,
                    "topology": "circular",
                },
            ),
        },
        attrs={
            "pft_latitudes": ln,
            "pft_table_north": tn.ravel(),
            "pft_south_latitudes": ls,
            "pft_table_south": ts.ravel(),
        },
    )
    logger.info("pft: %d land cells, %d bands north, %d south", int(land.sum()), ln.size, ls.size)
    return out


def pft_table(ds: xr.Dataset, *, latitudes=None, south_latitudes=None) -> PFTTable:
    """Read a ``maxvegetfrac`` Dataset back into a band table (inverse of :func:`pft`).

    Parameters
    ----------
    ds : xarray.Dataset
        With ``maxvegetfrac`` ([time_counter,] veget, lat, lon), fractions 0..1, NaN on ocean.
    latitudes, south_latitudes : sequence of float, degrees, optional
        Band upper edges; default: the ``pft_latitudes`` attribute, else :data:`DEFAULT_LATITUDES`.

    Returns
    -------
    PFTTable
        Percentages per band: the mean over the band's land cells. A band without land cells (an
        all-ocean band) takes the row stored in the file's attributes when present, else 100 % bare
        soil (logged as a warning).

    Raises
    ------
    InputError
        If ``maxvegetfrac`` is missing or has the wrong number of PFTs.
    """
    if "maxvegetfrac" not in ds.data_vars:
        raise InputError(
            f"pft_table: dataset has no variable 'maxvegetfrac' (found {sorted(map(str, ds.data_vars))}); "
            "give a file written by climpy pft or the legacy app"
        )
    v = ds["maxvegetfrac"]
    if "time_counter" in v.dims:
        v = v.isel(time_counter=0)
    if v.sizes.get("veget") != NPFT:
        raise InputError(f"pft_table: 'maxvegetfrac' has {v.sizes.get('veget')} PFTs; expected {NPFT}")
    v = v.transpose("veget", "lat", "lon")
    lat = np.asarray(v["lat"].values, dtype=float)
    data = np.asarray(v.values, dtype=float) * 100.0
    land = np.isfinite(data).all(axis=0)
    attrs = ds.attrs
    ln = np.asarray(
        latitudes if latitudes is not None else attrs.get("pft_latitudes", DEFAULT_LATITUDES), float
    )
    ls = np.asarray(
        south_latitudes if south_latitudes is not None else attrs.get("pft_south_latitudes", ln), dtype=float
    )
    stored = {
        "north": attrs.get("pft_table_north"),
        "south": attrs.get("pft_table_south"),
    }

    def rows(edges: np.ndarray, hemi: np.ndarray, name: str) -> np.ndarray:
        band = _band_index(np.abs(lat), edges)
        out = np.empty((edges.size, NPFT))
        prev = np.asarray(stored[name], dtype=float) if stored[name] is not None else None
        for k in range(edges.size):
            sel = land & (hemi & (band == k))[:, None]
            if sel.any():
                out[k] = data[:, sel].mean(axis=1)
            elif prev is not None and prev.size == edges.size * NPFT:
                out[k] = prev.reshape(edges.size, NPFT)[k]
            else:
                logger.warning(
                    "pft_table: %s band %d (up to %g degrees) has no land cell; using 100%% bare soil",
                    name,
                    k,
                    edges[k],
                )
                out[k] = 0.0
                out[k, 0] = 100.0
        return out

    return PFTTable(ln, rows(ln, lat >= 0, "north"), rows(ls, lat < 0, "south"))


def pft_table_dataset(latitudes: Any = None, table: Any = None) -> xr.Dataset:
    """Build the PFT band table as a Dataset for an editor and :func:`climpy.edits.apply_edits`.

    Parameters
    ----------
    latitudes : sequence of float (band,), degrees, optional
        Upper absolute latitude of each band (default :data:`climpy.pft.DEFAULT_LATITUDES`).
    table : array (band, 13), %, optional
        Percent of each PFT per band (default :data:`climpy.pft.DEFAULT_TABLE`).

    Returns
    -------
    Dataset
        ``pft_table`` (band, veget), %, with coords ``band_lat`` (band) and ``veget`` (1..13).
    """
    lat = np.asarray(DEFAULT_LATITUDES if latitudes is None else latitudes, dtype=float)
    tab = np.asarray(DEFAULT_TABLE if table is None else table, dtype=float)
    if tab.shape != (lat.size, NPFT):
        raise InputError(f"PFT table has shape {tab.shape}; expected ({lat.size}, {NPFT}) (bands x PFTs)")
    return xr.Dataset(
        {"pft_table": (("band", "veget"), tab, {"units": "%", "long_name": "PFT percent per latitude band"})},
        coords={
            "band": ("band", np.arange(lat.size)),
            "band_lat": ("band", lat, {"units": "degrees", "long_name": "upper absolute latitude of band"}),
            "veget": ("veget", np.arange(1, NPFT + 1, dtype=np.int32), {"long_name": "PFT index"}),
        },
    )
