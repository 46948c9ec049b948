"""Diffusive passages: one-cell-wide ocean channels, and their fixes (widen or close).

In a one-cell-wide channel of the ocean model the flow is only diffusive. A cell is a
*meridional* passage when it is ocean, its north and south neighbours are ocean and its east and
west neighbours are land (the legacy app's 3x3 template ``[[0, 1, 0], [-1, 1, -1], [0, 1, 0]]``,
rows south to north); a *zonal* passage is the transposed template. Neighbours wrap in longitude
on global grids, skip the ORCA overlap columns and cross the north fold
(:func:`climpy.grid.halo`); a missing neighbour (edge of a regional grid, south edge)
matches neither land nor ocean, so border cells never match.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import xarray as xr

from climpy.exceptions import InputError
from climpy.fields import cells_array, flag_dataset, modified, ocean_field, ocean_mask
from climpy.grid import Grid, halo, sync_duplicates
from climpy.provenance import provenance

__all__ = ["close_passages", "find_passages", "passages", "widen_passages"]

logger = logging.getLogger(__name__)

MERIDIONAL = 1
ZONAL = 2


def find_passages(
    ocean: np.ndarray, *, periodic_x: bool = False, overlap: int = 0, fold: str | None = None
) -> np.ndarray:
    """Passage kind per cell of a boolean ocean mask.

    Parameters
    ----------
    ocean : bool ndarray (ny, nx)
        True on ocean.
    periodic_x, overlap, fold
        Grid topology (:attr:`climpy.grid.Grid.kw`).

    Returns
    -------
    int8 ndarray (ny, nx)
        0 none, 1 meridional passage (open north-south, land east and west), 2 zonal passage.
        Duplicate cells carry their physical cell's value.
    """
    kw: dict[str, Any] = {"periodic_x": periodic_x, "overlap": overlap, "fold": fold}
    o = sync_duplicates(np.asarray(ocean, dtype=bool), overlap=overlap, fold=fold)
    # two halos: "is ocean" and "is land", both False where there is no neighbour
    ho = halo(o.astype(np.int8), fill=0, **kw).astype(bool)
    hl = halo((~o).astype(np.int8), fill=0, **kw).astype(bool)
    n, s = (slice(2, None), slice(1, -1)), (slice(0, -2), slice(1, -1))
    e, w = (slice(1, -1), slice(2, None)), (slice(1, -1), slice(0, -2))
    mer = o & ho[n] & ho[s] & hl[e] & hl[w]
    zon = o & ho[e] & ho[w] & hl[n] & hl[s]
    out = np.zeros(o.shape, dtype=np.int8)
    out[mer] = MERIDIONAL
    out[zon] = ZONAL
    return sync_duplicates(out, overlap=overlap, fold=fold)


def passages(ds: xr.Dataset, *, variable: str | None = None) -> xr.Dataset:
    """Find the diffusive passages (one-cell-wide channels) of a topography or bathymetry map.

    Parameters
    ----------
    ds : xarray.Dataset
        Topography (``topo``, m, positive up; dims ``lat, lon``) or bathymetry (``Bathymetry``, m,
        positive down; dims ``y, x``).
    variable : str, optional
        Elevation/depth variable (:func:`climpy.internal_oceans.ocean_field`).

    Returns
    -------
    xarray.Dataset
        ``passage`` (dims of the input, int8): 0 none, 1 meridional, 2 zonal;
        ``cell_j``, ``cell_i`` (cell): 0-based row/column of each passage cell (physical cells only,
        row-major order) and ``kind`` (cell); scalars ``n_passages``, ``n_meridional``, ``n_zonal``.

    Notes
    -----
    The legacy app reported twice the number of passage cells (it summed the marker value 2) and
    ran its second template on an array already overwritten by the first; it also ignored the
    longitude wrap and the ORCA overlap columns (zero padding). Each physical cell is counted once here.

    Examples
    --------
    >>> import numpy as np
    >>> from climpy.testing import topography_dataset
    >>> t = np.full((8, 12), 300.0)
    >>> t[:2], t[-2:] = -2000.0, -2000.0  # two seas
    >>> t[2:6, 4] = -50.0  # joined by a one-cell strait
    >>> res = passages(topography_dataset(t))
    >>> int(res.n_passages), int(res.n_meridional)
    (4, 4)
    >>> int(passages(widen_passages(topography_dataset(t))).n_passages)
    0
    """
    name, _ = ocean_field(ds, variable)
    grid = Grid.from_dataset(ds)
    kinds = find_passages(ocean_mask(ds, name), **grid.kw)
    canon = grid.canonical_mask
    jj, ii = np.nonzero((kinds > 0) & canon)
    prov = provenance("climpy.passages.passages", dict(variable=name, **grid.kw))
    long_name = "diffusive passage cells (1 meridional, 2 zonal)"
    out = flag_dataset(ds, name, "passage", kinds, long_name, "none meridional zonal", prov)
    cell_attrs = {"units": "1", **prov}
    out["cell_j"] = xr.DataArray(
        jj.astype(np.int64), dims="cell", attrs={**cell_attrs, "long_name": "row index of passage cell"}
    )
    out["cell_i"] = xr.DataArray(
        ii.astype(np.int64), dims="cell", attrs={**cell_attrs, "long_name": "column index of passage cell"}
    )
    out["kind"] = xr.DataArray(
        kinds[jj, ii], dims="cell", attrs={**cell_attrs, "long_name": "passage kind (1 meridional, 2 zonal)"}
    )
    for var, count, long in (
        ("n_passages", jj.size, "number of passage cells"),
        ("n_meridional", int((kinds[jj, ii] == MERIDIONAL).sum()), "number of meridional passage cells"),
        ("n_zonal", int((kinds[jj, ii] == ZONAL).sum()), "number of zonal passage cells"),
    ):
        out[var] = xr.DataArray(np.int64(count), attrs={**cell_attrs, "long_name": long})
    out.attrs.update({"title": "diffusive passages", **prov})
    logger.info("passages(%s): %d cells", name, jj.size)
    return out


def _selection(kinds: np.ndarray, cells, shape, what: str) -> np.ndarray:
    sel = kinds > 0
    if cells is not None:
        arr = cells_array(cells, shape, what)
        chosen = np.zeros(shape, dtype=bool)
        chosen[arr[:, 0], arr[:, 1]] = True
        sel &= chosen
    return sel


def widen_passages(
    ds: xr.Dataset,
    *,
    cells: Iterable[tuple[int, int]] | None = None,
    depth: float | None = None,
    side: Literal["east", "west"] = "east",
    variable: str | None = None,
) -> xr.Dataset:
    """Widen diffusive passages to two cells by turning a land neighbour into ocean.

    Each meridional passage gains its ``side`` (east or west) neighbour; each zonal passage gains
    its north (``side="east"``) or south (``side="west"``) neighbour. Without ``cells`` this is
    repeated until no passage is left (widening can leave a one-cell channel next to the new
    cells); it always ends because every pass turns land into ocean and an all-ocean map has no
    passage. Passages whose neighbour does not exist (edge of a regional grid) stay.

    Parameters
    ----------
    ds : xarray.Dataset
        Topography or bathymetry; not modified.
    cells : iterable of (j, i), optional
        Passage cells to widen (0-based row, column); default all.
    depth : float, m, positive down, optional
        Depth of the new ocean cells; default the depth of the passage cell they widen.
    side : {"east", "west"}
    variable : str, optional

    Returns
    -------
    xarray.Dataset
        Copy of ``ds`` with the widened channels.

    Raises
    ------
    InputError
        If ``side`` is unknown, ``depth <= 0`` or a cell is outside the grid.
    """
    if side not in ("east", "west"):
        raise InputError(f"side={side!r}: choose 'east' or 'west'")
    if depth is not None and not depth > 0:
        raise InputError(f"depth={depth}: the new ocean cells need a depth > 0 m (positive down)")
    name, down = ocean_field(ds, variable)
    grid = Grid.from_dataset(ds)
    vals = np.array(ds[name].values, dtype=float)
    ny, nx = vals.shape
    shape = (ny, nx)
    ocean = ocean_mask(ds, name)
    kinds = find_passages(ocean, **grid.kw)
    sel = _selection(kinds, cells, shape, f"widen_passages({name!r})")
    canon = grid.canonical_mask
    # physical flat index of each cell's neighbours, through the halo (wrap, overlap, fold)
    idx = grid.halo(grid.canonical(), fill=-1)
    east = side == "east"
    target = {
        MERIDIONAL: (idx[1:-1, 2:] if east else idx[1:-1, :-2]).ravel(),
        ZONAL: (idx[2:, 1:-1] if east else idx[:-2, 1:-1]).ravel(),
    }
    total = 0
    while True:
        sel &= canon
        src = [np.flatnonzero(sel & (kinds == k)) for k in (MERIDIONAL, ZONAL)]
        tgt = np.concatenate([target[MERIDIONAL][src[0]], target[ZONAL][src[1]]])
        src_all = np.concatenate(src)
        ok = tgt >= 0
        ok[ok] = ~ocean.ravel()[tgt[ok]]  # only land targets: every pass must add ocean
        src_all, tgt = src_all[ok], tgt[ok]
        if src_all.size == 0:
            break
        flat = vals.reshape(-1)
        new_depth = np.full(src_all.size, float(depth)) if depth is not None else np.abs(flat[src_all])
        new_depth = np.where(new_depth > 0, new_depth, 1.0)  # passage cell at exactly 0 m topography
        flat[tgt] = new_depth if down else -new_depth
        vals = grid.sync(vals)
        total += int(np.unique(tgt).size)
        if cells is not None:  # only the cells asked for, once
            break
        with np.errstate(invalid="ignore"):
            ocean = (vals > 0) if down else (vals <= 0)
        kinds = find_passages(ocean, **grid.kw)
        sel = kinds > 0
    logger.warning("widened passages of %r: %d cells turned to ocean", name, total)
    return modified(ds, name, vals, f"widened diffusive passages ({total} cells to ocean, side={side})")


def close_passages(
    ds: xr.Dataset,
    *,
    cells: Iterable[tuple[int, int]] | None = None,
    height: float = 1.0,
    variable: str | None = None,
) -> xr.Dataset:
    """Close diffusive passages by turning the passage cells into land.

    Repeated until no passage is left (closing a channel can leave a new one-cell channel next
    to it); this always ends because every pass removes ocean. Closing may disconnect seas: run
    :func:`climpy.internal_oceans.internal_oceans` afterwards.

    Parameters
    ----------
    ds : xarray.Dataset
        Topography or bathymetry; not modified.
    cells : iterable of (j, i), optional
        Passage cells to close (0-based row, column); default all. Only the given cells are closed.
    height : float, m, positive up
        Elevation of the closed cells of a topography (> 0); bathymetry cells are set to 0.
    variable : str, optional

    Returns
    -------
    xarray.Dataset
        Copy of ``ds`` with the passages closed.

    Raises
    ------
    InputError
        If ``height <= 0`` or a cell is outside the grid.
    """
    name, down = ocean_field(ds, variable)
    if not down and not height > 0:
        raise InputError(f"height={height}: closed cells must be land, give a height > 0 m")
    grid = Grid.from_dataset(ds)
    vals = np.array(ds[name].values, dtype=float)
    ocean = ocean_mask(ds, name)
    kinds = find_passages(ocean, **grid.kw)
    sel = _selection(kinds, cells, vals.shape, f"close_passages({name!r})")
    total = 0
    while sel.any():
        vals[sel] = 0.0 if down else float(height)
        vals = grid.sync(vals)
        total += int(sel.sum())
        if cells is not None:
            break
        ocean &= ~sel
        ocean = grid.sync(ocean)
        kinds = find_passages(ocean, **grid.kw)
        sel = kinds > 0
    logger.warning("closed passages of %r: %d cells turned to land", name, total)
    return modified(ds, name, vals, f"closed diffusive passages ({total} cells to land)")
