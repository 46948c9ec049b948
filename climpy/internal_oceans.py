"""Internal oceans: ocean bodies not connected to the world ocean, their fixes, and pole checks.

Works on regular lat/lon topography (dims ``lat, lon``; ``topo`` positive up, ocean where
``topo <= 0``) and on ORCA or curvilinear bathymetry (dims ``y, x``; ``Bathymetry`` positive down,
ocean where ``> 0``). Connectivity is by shared faces (4-connectivity), periodic in longitude on
global grids, through the overlap columns and across the north fold on ORCA grids
(:meth:`climpy.grid.Grid.label_by_area`). The world ocean is the largest body by spherical area.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import xarray as xr

from climpy.exceptions import InputError
from climpy.fields import cells_array, flag_dataset, modified, ocean_field, ocean_mask, out_coords
from climpy.grid import Grid
from climpy.provenance import provenance

__all__ = [
    "fill_internal_oceans",
    "internal_oceans",
    "open_internal_oceans",
    "pole_problems",
]

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- internal oceans
def internal_oceans(ds: xr.Dataset, *, variable: str | None = None) -> xr.Dataset:
    """Label the ocean bodies of a topography or bathymetry map and find the internal oceans.

    Parameters
    ----------
    ds : xarray.Dataset
        Topography (``topo``, m, positive up; dims ``lat, lon``) or bathymetry (``Bathymetry``, m,
        positive down, 0 on land; dims ``y, x`` with 2-D ``nav_lat``/``nav_lon``).
    variable : str, optional
        Name of the elevation/depth variable (see :func:`ocean_field`).

    Returns
    -------
    xarray.Dataset
        ``label`` (dims of the input, int32): 0 on land, 1 on the world ocean, 2..n on the other
        bodies by decreasing area (duplicate ORCA cells carry their cell's label);
        ``internal`` (dims of the input, int8): 1 on internal-ocean cells;
        ``area`` (body), m2 and ``n_cells`` (body) per body, body 1 being the world ocean;
        ``n_internal`` (scalar): number of bodies minus one (0 when there is no ocean).

    Notes
    -----
    Differences from the legacy app (intended): the world ocean is the largest body by spherical
    area, not by cell count; bodies are merged across the date line transitively (union-find) and,
    on ORCA grids, through the overlap columns and the north fold; the count is the number of
    bodies minus one, counted once per physical cell.

    Examples
    --------
    A lake cut in two by the date line is one internal ocean:

    >>> import numpy as np
    >>> from climpy.testing import topography_dataset
    >>> t = np.full((6, 12), 500.0)
    >>> t[:, 5:7] = -3000.0  # world ocean
    >>> t[3, 0] = t[3, -1] = -10.0  # lake across the seam
    >>> res = internal_oceans(topography_dataset(t))
    >>> int(res.n_internal), res.n_cells.values.tolist()
    (1, [12, 2])
    """
    name, _ = ocean_field(ds, variable)
    grid = Grid.from_dataset(ds)
    mask = ocean_mask(ds, name)
    labels, areas, counts = grid.label_by_area(mask)
    n = areas.size
    dims = ds[name].dims
    params = dict(variable=name, **grid.kw)
    prov = provenance("climpy.internal_oceans.internal_oceans", params)
    out = xr.Dataset(coords=out_coords(ds, name))
    out["label"] = xr.DataArray(
        labels,
        dims=dims,
        attrs={
            "units": "1",
            "long_name": "ocean body label (0 land, 1 world ocean, >1 internal oceans)",
            **prov,
        },
    )
    out["internal"] = xr.DataArray(
        (labels > 1).astype(np.int8),
        dims=dims,
        attrs={"units": "1", "long_name": "internal ocean cells (not connected to the world ocean)", **prov},
    )
    body = np.arange(1, n + 1, dtype=np.int32)
    out = out.assign_coords(body=("body", body, {"long_name": "ocean body label", "units": "1"}))
    out["area"] = xr.DataArray(areas, dims="body", attrs={"units": "m2", "long_name": "body area", **prov})
    out["n_cells"] = xr.DataArray(
        counts.astype(np.int64), dims="body", attrs={"units": "1", "long_name": "grid cells per body", **prov}
    )
    out["n_internal"] = xr.DataArray(
        np.int64(max(n - 1, 0)), attrs={"units": "1", "long_name": "number of internal oceans", **prov}
    )
    out.attrs.update({"title": "ocean bodies and internal oceans", **prov})
    logger.info("internal_oceans(%s): %d bodies, %d internal", name, n, max(n - 1, 0))
    return out


def fill_internal_oceans(
    ds: xr.Dataset,
    bodies: Iterable[int] | None = None,
    *,
    height: float = 1.0,
    max_area: float | None = None,
    variable: str | None = None,
) -> xr.Dataset:
    """Turn internal oceans into land.

    Parameters
    ----------
    ds : xarray.Dataset
        Topography or bathymetry (as :func:`internal_oceans`); not modified.
    bodies : iterable of int, optional
        Body labels of :func:`internal_oceans` to fill (>= 2); default all internal oceans.
    height : float, m, positive up
        Elevation given to the filled cells of a topography (must be > 0). Bathymetry cells are set
        to 0 (land) whatever ``height``.
    max_area : float, m2, optional
        Only fill the chosen bodies smaller than this area (e.g. keep large inland seas).
    variable : str, optional
        Elevation/depth variable (see :func:`ocean_field`).

    Returns
    -------
    xarray.Dataset
        A copy of ``ds`` with the filled variable (its ``history`` attribute records the fix).

    Raises
    ------
    InputError
        If a label is the world ocean (1) or does not exist, or ``height <= 0``.
    """
    name, down = ocean_field(ds, variable)
    if not down and not height > 0:
        raise InputError(f"height={height}: filled cells must be land, give a height > 0 m")
    lab = internal_oceans(ds, variable=name)
    labels = lab["label"].values
    n = int(lab.sizes["body"])
    if bodies is None:
        chosen = list(range(2, n + 1))
    else:
        chosen = sorted({int(b) for b in bodies})
        bad = [b for b in chosen if b < 2 or b > n]
        if bad:
            raise InputError(
                f"bodies {bad} cannot be filled: labels of internal oceans are 2..{n} (1 is the world "
                f"ocean) for variable {name!r}. Run internal_oceans() to list them"
            )
    if max_area is not None:
        areas = lab["area"].values
        chosen = [b for b in chosen if areas[b - 1] < max_area]
    sel = np.isin(labels, chosen)
    vals = np.array(ds[name].values, dtype=float)
    vals[sel] = 0.0 if down else float(height)
    vals = Grid.from_dataset(ds).sync(vals)
    logger.warning("filled %d internal ocean(s) (%d cells) of %r", len(chosen), int(sel.sum()), name)
    return modified(ds, name, vals, f"filled internal oceans {chosen} to land ({height} m)")


def open_internal_oceans(
    ds: xr.Dataset,
    cells: Iterable[tuple[int, int]],
    *,
    depth: float = 100.0,
    variable: str | None = None,
) -> xr.Dataset:
    """Open land cells to the ocean (e.g. a strait joining an internal ocean to the world ocean).

    Parameters
    ----------
    ds : xarray.Dataset
        Topography or bathymetry; not modified.
    cells : iterable of (j, i)
        0-based (row, column) indices of the cells to turn into ocean. Cells that already are
        ocean keep their depth.
    depth : float, m, positive down
        Depth given to the opened cells (> 0).
    variable : str, optional
        Elevation/depth variable (see :func:`ocean_field`).

    Returns
    -------
    xarray.Dataset
        A copy of ``ds`` with the opened cells.

    Raises
    ------
    InputError
        If a cell is outside the grid or ``depth <= 0``.
    """
    name, down = ocean_field(ds, variable)
    if not depth > 0:
        raise InputError(f"depth={depth}: opened cells must be ocean, give a depth > 0 m (positive down)")
    ny, nx = ds[name].shape
    arr = cells_array(cells, (ny, nx), f"open_internal_oceans({name!r})")
    mask = ocean_mask(ds, name)
    vals = np.array(ds[name].values, dtype=float)
    j, i = arr[:, 0], arr[:, 1]
    land = ~mask[j, i]
    vals[j[land], i[land]] = depth if down else -depth
    grid = Grid.from_dataset(ds)
    # a cell given by its duplicate (overlap column, fold row) is opened on its physical cell
    phys = grid.canonical()[j[land], i[land]]
    vals.reshape(-1)[phys] = depth if down else -depth
    vals = grid.sync(vals)
    logger.warning("opened %d land cell(s) of %r to the ocean at %g m", int(land.sum()), name, depth)
    return modified(ds, name, vals, f"opened {int(land.sum())} cells to the ocean at {depth} m")


# --------------------------------------------------------------------------- pole checks
def pole_problems(
    ds: xr.Dataset,
    *,
    variable: str | None = None,
    south: float = -78.0,
    north: float = 86.0,
) -> xr.Dataset:
    """Cells breaking the pole rules of IPSL-CM5A2 boundary conditions, on any grid.

    Rules (from the legacy app): every cell south of ``south`` must be land; cells north of
    ``north`` must be all land or all ocean (the minority type, by area, is flagged).

    Parameters
    ----------
    ds : xarray.Dataset
        Topography or bathymetry (as :func:`internal_oceans`).
    variable : str, optional
    south, north : float, degrees_north

    Returns
    -------
    xarray.Dataset
        ``pole_problem`` (dims of the input, int8): 1 ocean south of ``south``, 2 minority cells north
        of ``north``; ``n_pole_problems`` (scalar, physical cells counted once).

    Notes
    -----
    The legacy app picks the majority north of 86 N by cell count; here it is by area, the same on
    a regular grid and meaningful on ORCA grids.
    """
    name, _ = ocean_field(ds, variable)
    grid = Grid.from_dataset(ds)
    ocean = ocean_mask(ds, name)
    flag = np.zeros(ocean.shape, dtype=np.int8)
    flag[(grid.lat < south) & ocean] = 1
    cap = grid.lat > north
    if cap.any():
        ocean_area = float(grid.cell_area[cap & ocean].sum())
        land_area = float(grid.cell_area[cap & ~ocean].sum())
        minority = (cap & ~ocean) if ocean_area >= land_area else (cap & ocean)
        flag[minority] = 2
    canon = grid.canonical_mask
    prov = provenance("climpy.internal_oceans.pole_problems", dict(variable=name, south=south, north=north))
    out = flag_dataset(
        ds,
        name,
        "pole_problem",
        flag,
        f"pole rule breaks (1 ocean south of {south}, 2 mixed north of {north})",
        "ok ocean_near_south_pole minority_type_near_north_pole",
        prov,
    )
    out["n_pole_problems"] = xr.DataArray(
        np.int64((flag[canon] > 0).sum()),
        attrs={"units": "1", "long_name": "number of pole rule breaks", **prov},
    )
    return out
