"""First-order conservative coupling weights between an atmosphere grid and an ORCA ocean grid.

Replaces the MOSAIC/MOSAIX Fortran tools of the legacy workflow. The atmosphere is a regular
lat/lon grid (LMDZ 96x95 by default: poles are the centres of half-height cells); the ocean is an
ORCA grid given by its cell corners (``bounds_lon``/``bounds_lat``). Overlap areas are exact:
ocean cells are spherical polygons with great-circle edges, atmosphere cells are boxes bounded by
meridians and parallels (:mod:`climpy.kernels.polygons`). One overlap computation gives both
directions. Duplicated ORCA cells (overlap columns, north-fold row) and cells without valid corners
are left out, so nothing is counted twice. Weights are written in the SCRIP remapping-file layout
that OASIS reads (``src_address``, ``dst_address``, ``remap_matrix`` ...).
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import xarray as xr

from climpy.exceptions import GridError, InputError
from climpy.geo import lon_diff, unit_vectors
from climpy.names import LAT_NAMES, LON_NAMES
from climpy.provenance import provenance

__all__ = ["atmosphere_grid", "atmosphere_mask", "coupling_weights", "remap"]

logger = logging.getLogger(__name__)

Normalization = Literal["destarea", "fracarea"]


def atmosphere_grid(nlon: int = 96, nlat: int = 95, *, lon0: float = -180.0) -> xr.Dataset:
    """Build the LMDZ regular atmosphere grid: ``nlon`` longitudes, ``nlat`` latitudes pole to pole.

    Parameters
    ----------
    nlon : int
        Longitudes ``lon0 + k * 360 / nlon`` (cell centres, degrees_east).
    nlat : int
        Latitudes from 90 to -90 in ``nlat - 1`` equal steps (degrees_north, north to south, as LMDZ
        writes them); the polar cells are half-height caps centred on the poles.
    lon0 : float
        First longitude.

    Returns
    -------
    xarray.Dataset
        Coordinates ``lat`` (lat), ``lon`` (lon) and ``lat_bnds`` (lat, 2), ``lon_bnds`` (lon, 2) in
        degrees; bounds are ordered (south, north) and (west, east).
    """
    if nlon < 3 or nlat < 3:
        raise InputError(f"atmosphere grid {nlon}x{nlat}: needs at least 3 longitudes and 3 latitudes")
    dlon = 360.0 / nlon
    dlat = 180.0 / (nlat - 1)
    lon = lon0 + dlon * np.arange(nlon)
    lat = 90.0 - dlat * np.arange(nlat)
    lat_b = np.stack([np.clip(lat - dlat / 2, -90, 90), np.clip(lat + dlat / 2, -90, 90)], axis=1)
    lon_b = np.stack([lon - dlon / 2, lon + dlon / 2], axis=1)
    return xr.Dataset(
        coords={
            "lat": ("lat", lat, {"units": "degrees_north", "long_name": "latitude", "bounds": "lat_bnds"}),
            "lon": ("lon", lon, {"units": "degrees_east", "long_name": "longitude", "bounds": "lon_bnds"}),
            "lat_bnds": (("lat", "nv"), lat_b, {"units": "degrees_north"}),
            "lon_bnds": (("lon", "nv"), lon_b, {"units": "degrees_east"}),
        },
        attrs={"title": f"LMDZ regular grid {nlon}x{nlat}"},
    )


def atmosphere_mask(topo: xr.Dataset, atm: xr.Dataset | None = None, *, variable: str = "topo") -> np.ndarray:
    """Active atmosphere cells for the coupler: those that contain any ocean of a land-sea map.

    Parameters
    ----------
    topo : xarray.Dataset
        ``variable`` on a regular (lat, lon) grid of any resolution, metres, ocean where ``<= 0`` (a
        topography from :func:`climpy.io.open_topography`; for a routing file open ``orog`` with
        ``nan_policy="ocean"``: its ocean cells are missing).
    atm : xarray.Dataset, optional
        Regular grid from :func:`atmosphere_grid` (default LMDZ 96x95).
    variable : str
        Name of the topography variable.

    Returns
    -------
    ndarray (lat, lon) of bool
        True where the conservatively regridded ocean fraction is > 0, in the row order of ``atm``
        (north to south for :func:`atmosphere_grid`).

    Raises
    ------
    InputError
        If ``variable`` is not in ``topo``.
    """
    from climpy.regrid import regrid

    if variable not in topo.data_vars:
        raise InputError(
            f"atmosphere mask: variable {variable!r} not found (have {sorted(map(str, topo.data_vars))}); "
            "pass variable=..."
        )
    atm = atmosphere_grid() if atm is None else atm
    sea = xr.Dataset(
        {"sea": (topo[variable] <= 0).astype(float)}, coords={"lat": topo["lat"], "lon": topo["lon"]}
    )
    target = atm.sortby("lat").drop_vars(["lat_bnds", "lon_bnds"], errors="ignore")
    frac = regrid(sea, target, method="conservative")["sea"]
    frac = frac.reindex(lat=atm["lat"].values)
    mask = np.nan_to_num(frac.values) > 0
    logger.info("atmosphere mask: %d of %d cells with ocean", mask.sum(), mask.size)
    return mask


def _ocean_corners(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Centres (ny, nx) and counter-clockwise corners (ny, nx, 4) of an ORCA grid, degrees."""
    lat_name = next((n for n in LAT_NAMES if n in ds.variables), None)
    lon_name = next((n for n in LON_NAMES if n in ds.variables), None)
    if lat_name is None or lon_name is None or "bounds_lat" not in ds or "bounds_lon" not in ds:
        raise InputError(
            "ocean grid: needs 2-D lon/lat (or nav_lon/nav_lat) and corner variables bounds_lon/bounds_lat "
            f"(found {sorted(map(str, ds.variables))}); use an ORCA grid file such as paleorca2_40Ma_grid.nc"
        )
    lat = np.asarray(ds[lat_name].values, dtype=float)
    lon = np.asarray(ds[lon_name].values, dtype=float)
    out = []
    for name in ("bounds_lat", "bounds_lon"):
        b = np.asarray(ds[name].values, dtype=float)
        if b.ndim == 4 and b.shape[:2] == (2, 2) and b.shape[2:] == lat.shape:
            # (TWO2, TWO1, y, x): [0,0] SW, [0,1] SE, [1,1] NE, [1,0] NW (checked on paleorca2_40Ma_grid.nc)
            c = np.stack([b[0, 0], b[0, 1], b[1, 1], b[1, 0]], axis=-1)
        elif b.ndim == 3 and b.shape[:2] == lat.shape:
            c = b
        elif b.ndim == 3 and b.shape[1:] == lat.shape:
            c = np.moveaxis(b, 0, -1)
        else:
            raise InputError(
                f"ocean grid: {name} has shape {b.shape}; expected (2, 2, y, x), (y, x, nv) or (nv, y, x) "
                f"for centres of shape {lat.shape}"
            )
        out.append(c)
    return lat, lon, out[0], out[1]


def _candidates(clat, clon, valid, lat_s, lat_n, lon_w, nlon, dlon):
    """Candidate (cell, box) pairs from corner bounding ranges; boxes indexed j * nlon + i."""
    n = clat.shape[0]
    lat_min = clat.min(axis=1)
    lat_max = clat.max(axis=1)
    ref = clon[:, :1]
    d = lon_diff(clon, ref)
    near_pole = np.abs(clat) > 89.999999
    lo = ref[:, 0] + np.where(near_pole, np.inf, d).min(axis=1)
    hi = ref[:, 0] + np.where(near_pole, -np.inf, d).max(axis=1)
    lo, hi = np.where(np.isfinite(lo), lo, ref[:, 0]), np.where(np.isfinite(hi), hi, ref[:, 0])
    # near the poles great-circle edges sweep wide longitude ranges: take every column
    wide = (np.maximum(np.abs(lat_min), np.abs(lat_max)) > 80.0) | (hi - lo > 90.0) | near_pole.any(axis=1)
    step = np.abs(lat_n - lat_s).max()
    # rows: box j overlaps [lat_min - step, lat_max + step] (margin for the great-circle bulge)
    order = np.argsort(lat_s)
    s_sorted = lat_s[order]
    n_sorted = lat_n[order]
    rows_lo = np.searchsorted(n_sorted, lat_min - step, side="left")
    rows_hi = np.searchsorted(s_sorted, lat_max + step, side="right")
    c0 = np.floor((lo - lon_w) / dlon).astype(np.int64)
    c1 = np.floor((hi - lon_w) / dlon).astype(np.int64)
    c0 = np.where(wide, 0, c0)
    c1 = np.where(wide, nlon - 1, c1)
    ncol = np.minimum(c1 - c0 + 1, nlon)
    nrow = np.maximum(rows_hi - rows_lo, 0)
    cnt = np.where(valid, ncol * nrow, 0)
    cell = np.repeat(np.arange(n), cnt)
    start = np.repeat(np.cumsum(cnt) - cnt, cnt)
    k = np.arange(cell.size) - start
    ncol_c = ncol[cell]
    r = rows_lo[cell] + k // ncol_c
    col = (c0[cell] + k % ncol_c) % nlon
    box = order[r] * nlon + col
    return cell.astype(np.int64), box.astype(np.int64)


def coupling_weights(
    ocean: xr.Dataset,
    *,
    atm: xr.Dataset | None = None,
    ocean_mask=None,
    atm_mask=None,
    normalization: Normalization = "destarea",
) -> tuple[xr.Dataset, xr.Dataset]:
    """Conservative remapping weights ocean -> atmosphere and atmosphere -> ocean (SCRIP layout).

    Parameters
    ----------
    ocean : xarray.Dataset
        ORCA grid: 2-D ``lon``/``lat`` (or ``nav_lon``/``nav_lat``), degrees, and corners
        ``bounds_lon``/``bounds_lat`` as (2, 2, y, x) (the layout of ``paleorca2_40Ma_grid.nc``) or
        (y, x, 4) counter-clockwise.
    atm : xarray.Dataset, optional
        Regular grid from :func:`atmosphere_grid` (default LMDZ 96x95), with ``lat_bnds``/``lon_bnds``.
    ocean_mask : array_like (y, x) of bool, optional
        True on ocean cells (e.g. ``Bathymetry > 0`` of the bathymetry product). Default: every cell.
    atm_mask : array_like (lat, lon) of bool, optional
        True on active atmosphere cells (e.g. cells with ocean in the routing land-sea mask). Default:
        every cell.
    normalization : {"destarea", "fracarea"}
        SCRIP normalisation: ``destarea`` divides overlaps by the destination cell area (globally
        conservative; partly covered cells get partial sums, see ``dst_grid_frac``); ``fracarea``
        divides by the covered part (a constant maps to itself everywhere).

    Returns
    -------
    (o2a, a2o) : tuple of xarray.Dataset
        SCRIP remapping files: ``src_address``/``dst_address`` (num_links, 1-based int32),
        ``remap_matrix`` (num_links, num_wgts=1), ``src_grid_dims``/``dst_grid_dims`` ((nx, ny)),
        centres and corners (radians), ``*_grid_imask``, ``*_grid_area`` (sr) and ``*_grid_frac``.

    Raises
    ------
    InputError
        If the grids or masks have the wrong shapes, or the normalisation is unknown.
    GridError
        If the ocean grid has no usable cell.

    Examples
    --------
    >>> import xarray as xr
    >>> grid = xr.open_dataset("paleorca2_40Ma_grid.nc")  # doctest: +SKIP
    >>> o2a, a2o = coupling_weights(grid, ocean_mask=bathy["Bathymetry"].values > 0)  # doctest: +SKIP
    >>> o2a.attrs["normalization"], a2o.sizes["dst_grid_size"]  # doctest: +SKIP
    ('destarea', 27118)

    Notes
    -----
    Overlaps are exact spherical areas (:mod:`climpy.kernels.polygons`), so for a destination
    cell fully covered by unmasked source cells the weights sum to 1 within rounding (about 1e-13),
    and with ``destarea`` the area integral of any field is conserved over the covered region.
    ORCA duplicated cells (overlap columns and the north-fold row, from
    :meth:`climpy.grid.Grid.duplicate_mask`) and cells with missing corners get ``imask = 0``.
    """
    from climpy.grid import Grid
    from climpy.kernels.polygons import box_overlaps_numba, polygon_areas_numba

    if normalization not in ("destarea", "fracarea"):
        raise InputError(
            f"coupling weights: unknown normalization {normalization!r}; use destarea or fracarea"
        )
    atm = atmosphere_grid() if atm is None else atm
    olat, olon, clat, clon = _ocean_corners(ocean)
    ny, nx = olat.shape
    grid = Grid.curvilinear(olat, olon)
    dup = grid.duplicate_mask.ravel()
    clat_f = clat.reshape(-1, clat.shape[-1])
    clon_f = clon.reshape(-1, clon.shape[-1])
    finite = np.isfinite(clat_f).all(axis=1) & np.isfinite(clon_f).all(axis=1)
    corners = unit_vectors(np.where(finite[:, None], clat_f, 0.0), np.where(finite[:, None], clon_f, 0.0))
    signed = polygon_areas_numba(np.ascontiguousarray(corners))
    cw = signed < 0
    corners[cw] = corners[cw, ::-1]
    o_area = np.abs(signed)
    valid = finite & ~dup & (o_area > 0)
    if not valid.any():
        raise GridError("ocean grid: no cell has four finite corners; check bounds_lon/bounds_lat")
    logger.debug(
        "ocean grid %dx%d: %d valid cells, %d duplicated, %d without corners, %d clockwise",
        ny, nx, valid.sum(), dup.sum(), (~finite).sum(), cw.sum(),
    )  # fmt: skip

    alat = np.asarray(atm["lat"].values, dtype=float)
    alon = np.asarray(atm["lon"].values, dtype=float)
    latb = np.asarray(atm["lat_bnds"].values, dtype=float)
    lonb = np.asarray(atm["lon_bnds"].values, dtype=float)
    nlat, nlon = alat.size, alon.size
    dlon = 360.0 / nlon
    if not np.allclose(np.diff(lonb, axis=1), dlon):
        raise InputError(f"atmosphere grid: longitudes must cover 360 degrees in {nlon} equal cells")
    lat_s, lat_n = np.minimum(latb[:, 0], latb[:, 1]), np.maximum(latb[:, 0], latb[:, 1])
    lon_w = lonb[0, 0]
    box_w = np.deg2rad(np.broadcast_to(lonb[None, :, 0], (nlat, nlon))).ravel()
    box_e = np.deg2rad(np.broadcast_to(lonb[None, :, 1], (nlat, nlon))).ravel()
    z_s = np.broadcast_to(
        np.where(lat_s <= -90, -1.0, np.sin(np.deg2rad(lat_s)))[:, None], (nlat, nlon)
    ).ravel()
    z_n = np.broadcast_to(
        np.where(lat_n >= 90, 1.0, np.sin(np.deg2rad(lat_n)))[:, None], (nlat, nlon)
    ).ravel()
    a_area = (z_n - z_s) * (box_e - box_w)

    cell, box = _candidates(
        np.where(valid[:, None], clat_f, 0.0),
        np.where(valid[:, None], clon_f, 0.0),
        valid,
        lat_s,
        lat_n,
        lon_w,
        nlon,
        dlon,
    )
    ov = box_overlaps_numba(
        corners, cell, box, box_w, box_e, np.ascontiguousarray(z_s), np.ascontiguousarray(z_n)
    )
    keep = ov > 0
    cell, box, ov = cell[keep], box[keep], ov[keep]
    logger.info("coupling weights: %d candidate pairs, %d overlaps", keep.size, keep.sum())

    om = np.ones(ny * nx, dtype=bool) if ocean_mask is None else np.asarray(ocean_mask, dtype=bool).ravel()
    am = np.ones(nlat * nlon, dtype=bool) if atm_mask is None else np.asarray(atm_mask, dtype=bool).ravel()
    if om.size != ny * nx:
        raise InputError(f"ocean mask has {om.size} cells; expected {ny}x{nx} like the ocean grid")
    if am.size != nlat * nlon:
        raise InputError(
            f"atmosphere mask has {am.size} cells; expected {nlat}x{nlon} like the atmosphere grid"
        )
    om = om & valid
    o_area = np.where(valid, o_area, 0.0)

    o_grid = {
        "dims": np.array([nx, ny], dtype=np.int32),
        "lat": olat.ravel(),
        "lon": olon.ravel(),
        "clat": np.where(finite[:, None], clat_f, np.repeat(olat.ravel()[:, None], clat_f.shape[1], 1)),
        "clon": np.where(finite[:, None], clon_f, np.repeat(olon.ravel()[:, None], clon_f.shape[1], 1)),
        "mask": om,
        "area": o_area,
        "name": "ORCA",
    }
    a_lat2, a_lon2 = np.meshgrid(alat, alon, indexing="ij")
    a_clat = np.stack([lat_s, lat_s, lat_n, lat_n], axis=1)[:, None, :] * np.ones((1, nlon, 1))
    a_clon = np.stack([lonb[:, 0], lonb[:, 1], lonb[:, 1], lonb[:, 0]], axis=1)[None, :, :] * np.ones(
        (nlat, 1, 1)
    )
    a_grid = {
        "dims": np.array([nlon, nlat], dtype=np.int32),
        "lat": a_lat2.ravel(),
        "lon": a_lon2.ravel(),
        "clat": a_clat.reshape(-1, 4),
        "clon": a_clon.reshape(-1, 4),
        "mask": am,
        "area": a_area,
        "name": f"LMDZ {nlon}x{nlat}",
    }
    o2a = _scrip(o_grid, a_grid, cell, box, ov, normalization)
    a2o = _scrip(a_grid, o_grid, box, cell, ov, normalization)
    return o2a, a2o


def _scrip(src, dst, s_idx, d_idx, ov, normalization) -> xr.Dataset:
    live = src["mask"][s_idx] & dst["mask"][d_idx]
    s_idx, d_idx, ov = s_idx[live], d_idx[live], ov[live]
    covered_dst = np.bincount(d_idx, weights=ov, minlength=dst["area"].size)
    covered_src = np.bincount(s_idx, weights=ov, minlength=src["area"].size)
    with np.errstate(invalid="ignore", divide="ignore"):
        dst_frac = np.where(dst["area"] > 0, covered_dst / dst["area"], 0.0)
        src_frac = np.where(src["area"] > 0, covered_src / src["area"], 0.0)
    denom = dst["area"][d_idx] if normalization == "destarea" else covered_dst[d_idx]
    w = ov / denom
    order = np.lexsort((s_idx, d_idx))
    s_idx, d_idx, w = s_idx[order], d_idx[order], w[order]

    def grid_vars(prefix: str, g: dict) -> dict:
        nc = g["clat"].shape[1]
        return {
            f"{prefix}_grid_dims": ((f"{prefix}_grid_rank",), g["dims"]),
            f"{prefix}_grid_center_lat": (
                (f"{prefix}_grid_size",),
                np.deg2rad(g["lat"]),
                {"units": "radians"},
            ),
            f"{prefix}_grid_center_lon": (
                (f"{prefix}_grid_size",),
                np.deg2rad(g["lon"]),
                {"units": "radians"},
            ),
            f"{prefix}_grid_corner_lat": (
                (f"{prefix}_grid_size", f"{prefix}_grid_corners"),
                np.deg2rad(g["clat"]).reshape(-1, nc),
                {"units": "radians"},
            ),
            f"{prefix}_grid_corner_lon": (
                (f"{prefix}_grid_size", f"{prefix}_grid_corners"),
                np.deg2rad(g["clon"]).reshape(-1, nc),
                {"units": "radians"},
            ),
            f"{prefix}_grid_imask": (
                (f"{prefix}_grid_size",),
                g["mask"].astype(np.int32),
                {"units": "unitless"},
            ),
            f"{prefix}_grid_area": (
                (f"{prefix}_grid_size",),
                g["area"],
                {"units": "square radians", "long_name": "cell area on the unit sphere"},
            ),
            f"{prefix}_grid_frac": (
                (f"{prefix}_grid_size",),
                src_frac if prefix == "src" else dst_frac,
                {
                    "units": "unitless",
                    "long_name": "fraction of the cell covered by unmasked cells of the other grid",
                },
            ),
        }

    data = {**grid_vars("src", src), **grid_vars("dst", dst)}
    data["src_address"] = (
        ("num_links",),
        (s_idx + 1).astype(np.int32),
        {"long_name": "source cell, 1-based"},
    )
    data["dst_address"] = (
        ("num_links",),
        (d_idx + 1).astype(np.int32),
        {"long_name": "destination cell, 1-based"},
    )
    data["remap_matrix"] = (
        ("num_links", "num_wgts"),
        w[:, None],
        {
            "units": "1",
            "long_name": "first-order conservative remapping weights",
            **provenance(
                "climpy.weights.coupling_weights",
                dict(normalization=normalization),
                method="first-order conservative, exact spherical overlaps",
            ),
        },
    )
    ds = xr.Dataset({k: xr.Variable(*v) for k, v in data.items()})
    ds.attrs = {
        "title": f"{src['name']} to {dst['name']} first-order conservative",
        "normalization": normalization,
        "map_method": "Conservative remapping",
        "conventions": "SCRIP",
        "source_grid": src["name"],
        "dest_grid": dst["name"],
        "edge_convention": "ORCA edges great circles; atmosphere edges meridians and parallels; exact areas",
    }
    return ds


def remap(weights: xr.Dataset, field) -> np.ndarray:
    """Apply SCRIP weights to a source field: ``dst[d] = sum(w * src[s])`` over the links.

    Parameters
    ----------
    weights : xarray.Dataset
        A remapping file from :func:`coupling_weights` (or any SCRIP file with one weight).
    field : array_like
        Source values, ``src_grid_size`` elements (any shape, flattened in C order).

    Returns
    -------
    ndarray (dst_grid_size,)
        Remapped values; 0 on destination cells without links.
    """
    f = np.asarray(field, dtype=float).ravel()
    n_src = weights.sizes["src_grid_size"]
    if f.size != n_src:
        raise InputError(f"remap: field has {f.size} values; the weights expect {n_src} source cells")
    s = weights["src_address"].values - 1
    d = weights["dst_address"].values - 1
    w = weights["remap_matrix"].values[:, 0]
    return np.bincount(d, weights=w * f[s], minlength=weights.sizes["dst_grid_size"])
