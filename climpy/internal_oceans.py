"""Internal oceans: ocean bodies not connected to the world ocean, their fixes, and pole checks.

Works on regular lat/lon topography (dims ``lat, lon``; ``topo`` positive up, ocean where
``topo <= 0``) and on ORCA or curvilinear bathymetry (dims ``y, x``; ``Bathymetry`` positive down,
ocean where ``> 0``). Connectivity is by shared faces (4-connectivity), periodic in longitude on
global grids, through the overlap columns and across the north fold on ORCA grids
(:mod:`climpy.kernels.labels`). The world ocean is the largest body by spherical area.

The helpers :func:`ocean_field` and :func:`grid_topology` are shared with
:mod:`climpy.passages`, :mod:`climpy.subbasins` and :mod:`climpy.checks`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import xarray as xr

from climpy import __version__
from climpy.exceptions import GridError, InputError
from climpy.geo import cell_area_regular, great_circle_distance, is_periodic_lon
from climpy.io.grid import Grid
from climpy.kernels.labels import (
    canonical_index,
    canonical_mask,
    halo,
    label_bodies,
    sync_duplicates,
)

__all__ = [
    "GridTopology",
    "fill_internal_oceans",
    "grid_topology",
    "internal_oceans",
    "ocean_field",
    "ocean_mask",
    "open_internal_oceans",
    "pole_problems",
]

logger = logging.getLogger(__name__)

#: Variables recognised as elevation (positive up) and as depth (positive down), in order of preference.
_UP_NAMES = ("topo", "Z", "z", "elevation", "orog", "RELIEF")
_DOWN_NAMES = ("Bathymetry", "bathy", "depth", "Bathy")


def provenance(func: str, **params) -> dict[str, str]:
    """Provenance attributes stamped on every output variable (function, parameters, version)."""
    args = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return {"provenance": f"climpy {__version__}: {func}({args})"}


# --------------------------------------------------------------------------- fields and grids
@dataclasses.dataclass(frozen=True)
class GridTopology:
    """Topology and geometry of a Dataset's horizontal grid, as plain arrays.

    Attributes
    ----------
    dims : tuple of str
        ``("lat", "lon")`` or ``("y", "x")``.
    lat, lon : ndarray (ny, nx), degrees
    area : ndarray (ny, nx), m2
        Cell areas, 0 on duplicated cells (overlap columns, fold row) so sums count each cell once.
    periodic_x : bool
    overlap : int
        0 or 2 duplicated columns (ORCA).
    fold : {None, "T", "F"}
        North fold rule (:mod:`climpy.kernels.labels`).
    """

    dims: tuple[str, str]
    lat: np.ndarray
    lon: np.ndarray
    area: np.ndarray
    periodic_x: bool
    overlap: int
    fold: str | None

    @property
    def kw(self) -> dict[str, Any]:
        """Keyword arguments of the kernels in :mod:`climpy.kernels.labels`."""
        return {"periodic_x": self.periodic_x, "overlap": self.overlap, "fold": self.fold}

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        return self.lat.shape  # type: ignore[return-value]


def _coord(ds: xr.Dataset, names: Sequence[str]) -> xr.DataArray | None:
    for n in names:
        if n in ds.variables:
            return ds[n]
    return None


def _approx_area(lat: np.ndarray, lon: np.ndarray, kw: dict) -> np.ndarray:
    # Fallback when a curvilinear grid has neither an area variable nor cell bounds: the cell is
    # approximated by the rectangle spanned by half the distances to its four neighbours.
    def dist(a_lat, a_lon, b_lat, b_lon):
        return great_circle_distance(a_lat, a_lon, b_lat, b_lon)

    hl = halo(lat, fill=np.nan, **kw)
    hn = halo(lon, fill=np.nan, **kw)
    dx = []
    for s in ((slice(1, -1), slice(2, None)), (slice(1, -1), slice(0, -2))):
        dx.append(dist(lat, lon, hl[s], hn[s]))
    dy = []
    for s in ((slice(2, None), slice(1, -1)), (slice(0, -2), slice(1, -1))):
        dy.append(dist(lat, lon, hl[s], hn[s]))
    ex = np.nanmean(np.stack(dx), axis=0)
    ey = np.nanmean(np.stack(dy), axis=0)
    return np.nan_to_num(ex * ey)


def grid_topology(ds: xr.Dataset) -> GridTopology:
    """Describe the horizontal grid of ``ds``: coordinates, periodicity, overlap, fold, cell areas.

    Parameters
    ----------
    ds : xarray.Dataset
        Regular grid with 1-D ``lat``/``lon`` (dims ``lat, lon``) or curvilinear/ORCA grid with 2-D
        ``nav_lat``/``nav_lon`` (or ``lat``/``lon``) on dims ``(y, x)``; optional ``area`` (m2).

    Returns
    -------
    GridTopology

    Raises
    ------
    GridError
        If no latitude/longitude coordinates are found.
    """
    lat = _coord(ds, ("lat", "nav_lat", "latitude"))
    lon = _coord(ds, ("lon", "nav_lon", "longitude"))
    if lat is None or lon is None:
        raise GridError(
            f"no latitude/longitude among {sorted(map(str, ds.variables))}; expected 1-D 'lat'/'lon' or "
            "2-D 'nav_lat'/'nav_lon'. Open the file with climpy.io.open_topography/open_bathymetry"
        )
    if lat.ndim == 1 and lon.ndim == 1:
        lat1 = np.asarray(lat.values, dtype=float)
        lon1 = np.asarray(lon.values, dtype=float)
        shape = (lat1.size, lon1.size)
        lat2 = np.broadcast_to(lat1[:, None], shape)
        lon2 = np.broadcast_to(lon1[None, :], shape)
        area = cell_area_regular(lat1, lon1)
        return GridTopology(
            (str(lat.dims[0]), str(lon.dims[0])), lat2, lon2, area, is_periodic_lon(lon1), 0, None
        )
    if lat.ndim != 2 or lat.shape != lon.shape:
        raise GridError(f"latitude {lat.dims} and longitude {lon.dims} must both be 1-D or both 2-D (y, x)")
    lat2 = np.asarray(lat.values, dtype=float)
    lon2 = np.asarray(lon.values, dtype=float)
    # the io Grid detects the overlap and the fold and knows areas from the file or the cell bounds
    g = Grid.from_dataset(ds)
    periodic, overlap, fold = bool(g.periodic_x), int(g.overlap), g.north_fold
    if g.area is not None:
        area = np.array(g.area, dtype=float)
    else:
        area = _approx_area(lat2, lon2, {"periodic_x": periodic, "overlap": overlap, "fold": fold})
    area = np.where(canonical_mask(lat2.shape, overlap=overlap, fold=fold), area, 0.0)
    return GridTopology((str(lat.dims[0]), str(lat.dims[1])), lat2, lon2, area, periodic, overlap, fold)


def ocean_field(ds: xr.Dataset, variable: str | None = None) -> tuple[str, bool]:
    """Name of the elevation/depth variable of ``ds`` and whether it is positive down.

    Parameters
    ----------
    ds : xarray.Dataset
    variable : str, optional
        Variable to use; by default the first of ``topo, Z, elevation, ...`` (positive up) or
        ``Bathymetry, bathy, depth`` (positive down) found. A ``positive`` attribute
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
        variable = next((n for n in (*_UP_NAMES, *_DOWN_NAMES) if n in ds.data_vars), None)
        if variable is None:
            raise InputError(
                f"no topography or bathymetry variable among {sorted(map(str, ds.data_vars))}; expected "
                f"one of {_UP_NAMES + _DOWN_NAMES}. Pass variable='<name>' (--variable on the command line)"
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
    return variable, variable in _DOWN_NAMES


def ocean_mask(ds: xr.Dataset, variable: str | None = None) -> np.ndarray:
    """Boolean ocean mask (ny, nx): ``topo <= 0`` (positive up) or ``depth > 0`` (positive down).

    Missing values (NaN) count as land.
    """
    name, down = ocean_field(ds, variable)
    v = np.asarray(ds[name].values, dtype=float)
    with np.errstate(invalid="ignore"):
        return (v > 0) if down else (v <= 0)


def _out_coords(ds: xr.Dataset, name: str) -> dict:
    coords = dict(ds[name].coords)
    for c in ("nav_lat", "nav_lon"):
        if c in ds.variables and c not in coords and ds[c].dims == ds[name].dims:
            coords[c] = ds[c]
    return coords


# --------------------------------------------------------------------------- internal oceans
def _label_by_area(mask: np.ndarray, topo: GridTopology) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels renumbered by decreasing area (1 = world ocean), areas and cell counts per body."""
    labels, n = label_bodies(mask, **topo.kw)
    if n == 0:
        return labels, np.zeros(0), np.zeros(0, dtype=np.int64)
    areas = np.bincount(labels.ravel(), weights=topo.area.ravel(), minlength=n + 1)[1:]
    canon = canonical_mask(mask.shape, overlap=topo.overlap, fold=topo.fold)
    counts = np.bincount(labels[canon], minlength=n + 1)[1:]
    order = np.lexsort((np.arange(n), -areas))  # decreasing area, stable on ties
    lut = np.zeros(n + 1, dtype=np.int32)
    lut[order + 1] = np.arange(1, n + 1, dtype=np.int32)
    return lut[labels], areas[order], counts[order]


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
    topo = grid_topology(ds)
    mask = ocean_mask(ds, name)
    labels, areas, counts = _label_by_area(mask, topo)
    n = areas.size
    dims = ds[name].dims
    params = dict(variable=name, **topo.kw)
    prov = provenance("climpy.internal_oceans.internal_oceans", **params)
    out = xr.Dataset(coords=_out_coords(ds, name))
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


def _modified(ds: xr.Dataset, name: str, values: np.ndarray, note: str) -> xr.Dataset:
    out = ds.copy()  # shallow: the other variables are shared, never written to
    da = ds[name].copy(data=values.astype(ds[name].dtype, copy=False))
    hist = da.attrs.get("history", "")
    da.attrs["history"] = (hist + "\n" if hist else "") + f"climpy {__version__}: {note}"
    out[name] = da
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
    topo = grid_topology(ds)
    vals = sync_duplicates(vals, overlap=topo.overlap, fold=topo.fold)
    logger.warning("filled %d internal ocean(s) (%d cells) of %r", len(chosen), int(sel.sum()), name)
    return _modified(ds, name, vals, f"filled internal oceans {chosen} to land ({height} m)")


def _cells_array(cells, shape: tuple[int, int], what: str) -> np.ndarray:
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
    arr = _cells_array(cells, (ny, nx), f"open_internal_oceans({name!r})")
    mask = ocean_mask(ds, name)
    vals = np.array(ds[name].values, dtype=float)
    j, i = arr[:, 0], arr[:, 1]
    land = ~mask[j, i]
    vals[j[land], i[land]] = depth if down else -depth
    topo = grid_topology(ds)
    # a cell given by its duplicate (overlap column, fold row) is opened on its physical cell
    phys = canonical_index(vals.shape, overlap=topo.overlap, fold=topo.fold)[j[land], i[land]]
    vals.reshape(-1)[phys] = depth if down else -depth
    vals = sync_duplicates(vals, overlap=topo.overlap, fold=topo.fold)
    logger.warning("opened %d land cell(s) of %r to the ocean at %g m", int(land.sum()), name, depth)
    return _modified(ds, name, vals, f"opened {int(land.sum())} cells to the ocean at {depth} m")


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
    topo = grid_topology(ds)
    ocean = ocean_mask(ds, name)
    flag = np.zeros(ocean.shape, dtype=np.int8)
    flag[(topo.lat < south) & ocean] = 1
    cap = topo.lat > north
    if cap.any():
        ocean_area = float(topo.area[cap & ocean].sum())
        land_area = float(topo.area[cap & ~ocean].sum())
        minority = (cap & ~ocean) if ocean_area >= land_area else (cap & ocean)
        flag[minority] = 2
    canon = canonical_mask(ocean.shape, overlap=topo.overlap, fold=topo.fold)
    prov = provenance("climpy.internal_oceans.pole_problems", variable=name, south=south, north=north)
    out = xr.Dataset(coords=_out_coords(ds, name))
    out["pole_problem"] = xr.DataArray(
        flag,
        dims=ds[name].dims,
        attrs={
            "units": "1",
            "long_name": f"pole rule breaks (1 ocean south of {south}, 2 mixed north of {north})",
            "flag_values": np.array([0, 1, 2], dtype=np.int8),
            "flag_meanings": "ok ocean_near_south_pole minority_type_near_north_pole",
            **prov,
        },
    )
    out["n_pole_problems"] = xr.DataArray(
        np.int64((flag[canon] > 0).sum()),
        attrs={"units": "1", "long_name": "number of pole rule breaks", **prov},
    )
    return out
