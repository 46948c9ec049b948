"""THE grid room: regular lat/lon, curvilinear and ORCA grids, their topology and geometry.

A :class:`Grid` is built once from a validated Dataset (``Grid.from_dataset``) and passed to
science code, which uses it for cell areas, for the content hash of the coordinates (edit files
refuse to replay on another grid) and for the topology of the grid: which cells duplicate which
(ORCA overlap columns and north fold), which cells are neighbours, the one-cell halo, connected
bodies. No other module of climpy knows how an ORCA fold or overlap works: they call this one.
The numba kernels (:mod:`climpy.kernels`) get the topology as plain arrays or flags from here.

ORCA topology, as verified on ``paleorca2_40Ma_grid.nc``, ``curvilinear.nc`` and
``geothermal_heatingLMParaT.nc`` (182 x 149, indices 0-based, ``y`` south to north):

* overlap columns: ``x = 0`` duplicates ``x = nx - 2`` and ``x = nx - 1`` duplicates ``x = 1``
  (NEMO ``jpreci = 1`` halo; coordinates equal to 0 degrees);
* north fold: the last row ``y = ny - 1`` duplicates row ``y = ny - 2`` mirrored,
  ``(ny - 1, i) == (ny - 2, nx - 1 - i)`` (largest coordinate mismatch 3e-4 degrees, float32 noise).
  This is NEMO's F-point pivot rule for T points (``jperio = 6``). The T-point pivot rule
  (``jperio = 4``: ``(ny - 1, i) == (ny - 3, nx - i)`` and row ``ny - 2`` mirrored onto itself)
  does *not* hold on these files (58 degrees mismatch). Both rules are supported; the one that
  holds is detected from the coordinates (:func:`detect_north_fold`).

The topology functions below take ``(shape, overlap, fold)`` so they also serve arrays without
coordinates; the :class:`Grid` methods of the same names call them with the grid's own topology.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
from typing import Any, Literal

import numpy as np

from climpy._typing import GridKind
from climpy.exceptions import GridError
from climpy.geo import (
    EARTH_RADIUS,
    cell_area_regular,
    great_circle_distance,
    is_periodic_lon,
    lon_diff,
    unit_vectors,
    wrap_lon,
)
from climpy.names import LAT_NAMES, LON_NAMES

__all__ = [
    "FOLDS",
    "Grid",
    "NorthFold",
    "canonical_index",
    "canonical_mask",
    "detect_north_fold",
    "detect_overlap",
    "duplicate_map",
    "equivalent_pairs",
    "fold_partner",
    "halo",
    "label_bodies",
    "polygon_area",
    "singular_points",
    "sync_duplicates",
]

logger = logging.getLogger(__name__)

NorthFold = Literal["T", "F"]

#: Tolerance (degrees) when comparing coordinates of duplicated points (files store float32).
COORD_ATOL = 1e-3
#: Decimals kept when hashing coordinates (degrees): 1e-6 degree is about 0.1 m.
FINGERPRINT_DECIMALS = 6

#: The north-fold rules a grid may have (None: no fold).
FOLDS = (None, "T", "F")


def _same_point(lat1, lon1, lat2, lon2, atol: float = COORD_ATOL) -> bool:
    lat1 = np.asarray(lat1, dtype=float)
    lat2 = np.asarray(lat2, dtype=float)
    if lat1.size == 0:
        return False
    dlat = np.abs(lat1 - lat2)
    # near a pole longitude is meaningless: compare longitudes only away from the poles
    dlon = np.where(np.abs(lat1) > 89.999, 0.0, np.abs(lon_diff(lon1, lon2)))
    return bool(np.nanmax(dlat) <= atol and np.nanmax(dlon) <= atol)


def detect_overlap(lat: np.ndarray, lon: np.ndarray) -> int:
    """Count the duplicated east-west overlap columns of a 2-D grid (0 or 2).

    Parameters
    ----------
    lat, lon : ndarray (ny, nx), degrees
        Cell-centre coordinates.

    Returns
    -------
    int
        2 when ``x=0`` duplicates ``x=nx-2`` and ``x=nx-1`` duplicates ``x=1`` (ORCA), else 0.
    """
    nx = lat.shape[1]
    if nx < 4:
        return 0
    if _same_point(lat[:, 0], lon[:, 0], lat[:, nx - 2], lon[:, nx - 2]) and _same_point(
        lat[:, nx - 1], lon[:, nx - 1], lat[:, 1], lon[:, 1]
    ):
        return 2
    return 0


def fold_partner(
    j, i, *, ny: int, nx: int, fold: NorthFold, overlap: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Find the cell that a north-fold row cell duplicates (its mirror image across the fold).

    Parameters
    ----------
    j, i : int or int ndarray
        0-based row (south to north) and column indices of cells in the duplicated rows: row
        ``ny - 1`` for both folds, plus the eastern half (``i >= nx // 2``) of row ``ny - 2`` for
        a T fold.
    ny, nx : int
        Grid shape.
    fold : {"T", "F"}
        ``"F"`` (F-point pivot, the shared ORCA2 files): ``(ny-1, i) == (ny-2, nx-1-i)``.
        ``"T"`` (T-point pivot, NEMO ``jperio=4``): ``(ny-1, i) == (ny-3, (nx-i) % nx)`` with
        ``(ny-1, 0) == (ny-3, 2)`` (with overlap columns, as NEMO; ``(ny-3, 0)`` without), and
        ``(ny-2, i) == (ny-2, nx-i)`` for ``i >= nx // 2``.
    overlap : int
        Number of overlap columns of the grid (2 for ORCA, 0 otherwise).

    Returns
    -------
    (j2, i2) : tuple of int ndarray
        Indices of the mirrored cell, same shape as the inputs.
    """
    j = np.asarray(j)
    i = np.asarray(i)
    if fold == "F":
        return np.full_like(j, ny - 2), nx - 1 - i
    if fold == "T":
        top = j == ny - 1
        j2 = np.where(top, ny - 3, ny - 2)
        i2 = np.where(i == 0, 2 if overlap else 0, (nx - i) % nx)
        # row ny-2: i=0 would be ill-defined, but only its eastern half is duplicated
        return j2, i2
    raise GridError(f"unknown north fold {fold!r}; expected 'T' or 'F'")


def _duplicate_rows_mask(shape: tuple[int, int], fold: NorthFold | None) -> np.ndarray:
    ny, nx = shape
    dup = np.zeros(shape, dtype=bool)
    if fold is None:
        return dup
    dup[ny - 1, :] = True
    if fold == "T":
        dup[ny - 2, nx // 2 + 1 :] = True  # (ny-2, nx//2) mirrors itself: keep it canonical
    return dup


def detect_north_fold(lat: np.ndarray, lon: np.ndarray) -> NorthFold | None:
    """Detect an ORCA north fold from the coordinates: ``"T"``, ``"F"`` or ``None``.

    The last row must coincide with the mirrored row(s) below it (see :func:`fold_partner`);
    only the columns ``1 .. nx-2`` are compared so the rule is independent of the overlap.
    """
    ny, nx = lat.shape
    if ny < 4 or nx < 4:
        return None
    i = np.arange(1, nx - 1)
    for fold in ("F", "T"):
        j2, i2 = fold_partner(np.full_like(i, ny - 1), i, ny=ny, nx=nx, fold=fold)
        if not _same_point(lat[ny - 1, i], lon[ny - 1, i], lat[j2, i2], lon[j2, i2]):
            continue
        if fold == "T":
            k = np.arange(nx // 2 + 1, nx - 1)
            j3, k3 = fold_partner(np.full_like(k, ny - 2), k, ny=ny, nx=nx, fold="T")
            if not _same_point(lat[ny - 2, k], lon[ny - 2, k], lat[j3, k3], lon[j3, k3]):
                continue
        return fold  # type: ignore[return-value]
    return None


# ------------------------------------------------------------- topology of (shape, overlap, fold)
def check_topology(shape: tuple[int, int], periodic_x: bool, overlap: int, fold: str | None) -> None:
    """Raise ``ValueError`` when a grid shape cannot carry the given topology."""
    if len(shape) != 2:
        raise ValueError(f"expected a 2-D array, got shape {shape}")
    if overlap not in (0, 2):
        raise ValueError(f"overlap must be 0 or 2 columns, got {overlap}")
    if fold not in FOLDS:
        raise ValueError(f"fold must be one of {FOLDS}, got {fold!r}")
    if overlap and not periodic_x:
        raise ValueError("overlap columns only make sense on a grid periodic in x (periodic_x=True)")
    ny, nx = shape
    if fold is not None and ny < 3:
        raise ValueError("a north fold needs at least 3 rows")
    if nx < 3 + overlap:
        raise ValueError(f"need at least {3 + overlap} columns, got {nx}")


def duplicate_map(
    shape: tuple[int, int], overlap: int = 0, fold: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices ``(dup, src)``: cell ``dup`` is a copy of the unique (physical) cell ``src``.

    Duplicates are the rows past the north fold (:func:`fold_partner`) and, on the other rows,
    the two overlap columns. Chains (an overlap cell of a fold row) are resolved, so every
    ``src`` is a physical cell.
    """
    ny, nx = shape
    dup: list[np.ndarray] = []
    src: list[np.ndarray] = []
    fold_rows = _duplicate_rows_mask(shape, fold)  # type: ignore[arg-type]
    if fold is not None:
        jj, ii = np.nonzero(fold_rows)
        j2, i2 = fold_partner(jj, ii, ny=ny, nx=nx, fold=fold, overlap=overlap)  # type: ignore[arg-type]
        dup.append(jj * nx + ii)
        src.append(j2 * nx + i2)
    if overlap:
        rows = np.arange(ny - 1 if fold is not None else ny)
        dup += [rows * nx + 0, rows * nx + (nx - 1)]
        src += [rows * nx + (nx - 2), rows * nx + 1]
    if not dup:
        e = np.empty(0, dtype=np.int64)
        return e, e
    d = np.concatenate(dup).astype(np.int64)
    s = np.concatenate(src).astype(np.int64)
    lut = np.arange(ny * nx, dtype=np.int64)
    lut[d] = s
    for _ in range(4):
        s = lut[s]
    keep = d != s
    return d[keep], s[keep]


def canonical_mask(shape: tuple[int, int], *, overlap: int = 0, fold: str | None = None) -> np.ndarray:
    """Boolean (ny, nx): True on the physical cells (not a duplicate halo copy).

    Sums over a grid (areas, counts) must use only these cells so nothing is counted twice.
    """
    m = np.ones(shape, dtype=bool)
    d, _ = duplicate_map(shape, overlap, fold)
    m.ravel()[d] = False
    return m


def canonical_index(shape: tuple[int, int], *, overlap: int = 0, fold: str | None = None) -> np.ndarray:
    """Flat index (ny, nx, int64) of the physical cell each cell stands for (identity off duplicates)."""
    lut = np.arange(shape[0] * shape[1], dtype=np.int64)
    d, s = duplicate_map(shape, overlap, fold)
    lut[d] = s
    return lut.reshape(shape)


def sync_duplicates(arr: np.ndarray, *, overlap: int = 0, fold: str | None = None) -> np.ndarray:
    """Copy of ``arr`` (ny, nx) with every duplicate cell set from its physical cell."""
    out = np.array(arr, copy=True)
    d, s = duplicate_map(out.shape, overlap, fold)
    if d.size:
        flat = out.reshape(-1)
        flat[d] = flat[s]
    return out


def equivalent_pairs(
    shape: tuple[int, int], *, periodic_x: bool = False, overlap: int = 0, fold: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Flat index pairs (a, b) of cells connected by a face or identity that a plain 2-D scan misses.

    These are: the seam faces of a periodic grid without overlap (column nx-1 to column 0), and
    every duplicate cell with its physical cell (overlap columns, fold row). A plain 2-D scan
    already joins a duplicate to its array neighbours, so identifying duplicates closes the seam
    and the fold.
    """
    check_topology(shape, periodic_x, overlap, fold)
    ny, nx = shape
    a, b = duplicate_map(shape, overlap, fold)
    if periodic_x and not overlap:
        rows = np.arange(ny, dtype=np.int64)
        a = np.concatenate([a, rows * nx + (nx - 1)])
        b = np.concatenate([b, rows * nx])
    return a, b


def halo(
    arr: np.ndarray,
    *,
    periodic_x: bool = False,
    overlap: int = 0,
    fold: str | None = None,
    fill=0,
) -> np.ndarray:
    """Pad ``arr`` (ny, nx) with one halo cell on each side holding each border cell's neighbour.

    ``out[1:-1, 1:-1] == arr``; ``out[j + 1, i + 2]`` is the east neighbour of ``(j, i)`` and so on.
    West/east halos wrap (skipping overlap duplicates), the north halo follows the fold, and
    sides with no neighbour (south edge, regional grids) hold ``fill``.
    """
    a = np.asarray(arr)
    check_topology(a.shape, periodic_x, overlap, fold)
    ny, nx = a.shape
    out = np.full((ny + 2, nx + 2), fill, dtype=a.dtype)
    out[1:-1, 1:-1] = a
    if periodic_x:
        # west of column 0 is column nx-1 (no overlap) or nx-3 (0 == nx-2); east of nx-1 is 0 or 2
        out[1:-1, 0] = a[:, nx - 1 - overlap]
        out[1:-1, -1] = a[:, overlap]
    if fold == "F":
        # north of (ny-1, i) == north of (ny-2, nx-1-i) == (ny-1, nx-1-i) == (ny-2, i)
        out[-1, 1:-1] = a[ny - 2, :]
    elif fold == "T":
        # north of (ny-1, i) == north of (ny-3, nx-i) == (ny-2, nx-i)
        out[-1, 1:-1] = a[ny - 2, (nx - np.arange(nx)) % nx]
    return out


def label_bodies(
    mask: np.ndarray, *, periodic_x: bool = False, overlap: int = 0, fold: str | None = None
) -> tuple[np.ndarray, int]:
    """Label the 4-connected bodies of ``mask`` across the grid's seam and fold.

    Parameters
    ----------
    mask : bool array (ny, nx)
        True on the cells to label (e.g. ocean).
    periodic_x, overlap, fold
        Grid topology (module docstring).

    Returns
    -------
    labels : int32 array (ny, nx)
        0 off the mask, 1..n on the bodies (duplicate cells carry their physical cell's label).
    n : int
        Number of bodies.
    """
    from climpy.kernels.labels import label_with_pairs

    m = np.asarray(mask, dtype=bool)
    check_topology(m.shape, periodic_x, overlap, fold)
    # duplicates must agree with their physical cell before labelling
    m = sync_duplicates(m, overlap=overlap, fold=fold)
    a, b = equivalent_pairs(m.shape, periodic_x=periodic_x, overlap=overlap, fold=fold)
    return label_with_pairs(m, a, b)


def singular_points(shape: tuple[int, int], *, overlap: int, fold: str | None) -> np.ndarray:
    """Physical cells (n, 2) touching the singular points (north-fold pivots) of an ORCA grid.

    F fold: the pivots lie between columns 0|1 and nx/2-1|nx/2 of row ny-2 (the cells on either
    side). T fold: the pivots are the T points (ny-2, 1) and (ny-2, nx/2). No fold: none.
    """
    ny, nx = shape
    if fold is None:
        return np.zeros((0, 2), dtype=np.int64)
    half = (nx - overlap) // 2
    if fold == "F":
        cols = (
            [1, nx - 2, half - 1 + overlap // 2, half + overlap // 2]
            if overlap
            else [0, nx - 1, half - 1, half]
        )
    else:
        cols = [1, half + overlap // 2] if overlap else [0, half]
    return np.array(sorted({(ny - 2, c) for c in cols}), dtype=np.int64)



def _triangle_area(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    # Van Oosterom & Strackee (1983): tan(E/2) = |a.(b x c)| / (1 + a.b + b.c + c.a)
    num = np.abs(np.einsum("...k,...k->...", a, np.cross(b, c)))
    den = 1.0 + np.einsum("...k,...k->...", a, b) + np.einsum("...k,...k->...", b, c)
    den = den + np.einsum("...k,...k->...", c, a)
    return 2.0 * np.arctan2(num, den)


def polygon_area(
    corner_lat: np.ndarray, corner_lon: np.ndarray, *, radius: float = EARTH_RADIUS
) -> np.ndarray:
    """Area (m2) of convex spherical polygons given by their corners (great-circle edges).

    Parameters
    ----------
    corner_lat, corner_lon : ndarray (..., ncorner), degrees
        Corners in order around each polygon (either orientation).
    radius : float, m

    Returns
    -------
    ndarray (...), m2

    Notes
    -----
    Fan triangulation from the first corner; each triangle's solid angle follows Van Oosterom &
    Strackee (1983). Written here because no installed library computes areas of many spherical
    quadrilaterals vectorised (pyproj/shapely are not dependencies).
    """
    v = unit_vectors(corner_lat, corner_lon)
    total = np.zeros(v.shape[:-2])
    for k in range(1, v.shape[-2] - 1):
        total += _triangle_area(v[..., 0, :], v[..., k, :], v[..., k + 1, :])
    return radius**2 * total


def _corners_from_bounds(bounds: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Corners (ny, nx, 4) in ring order from (2, 2, ny, nx) (ORCA files) or (ny, nx, 4) (CF) bounds."""
    b = np.asarray(bounds, dtype=float)
    if b.shape == (2, 2, *shape):
        # [j-side, i-side]: (0,0) SW, (0,1) SE, (1,1) NE, (1,0) NW
        return np.stack([b[0, 0], b[0, 1], b[1, 1], b[1, 0]], axis=-1)
    if b.shape == (*shape, 4):
        return b
    if b.shape == (4, *shape):
        return np.moveaxis(b, 0, -1)
    raise GridError(f"cell bounds have shape {b.shape}; expected (2, 2, ny, nx), (ny, nx, 4) or (4, ny, nx)")


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.flags.writeable and a.base is None:
        a.setflags(write=False)
        return a
    v = a.view()
    v.setflags(write=False)
    return v


@dataclasses.dataclass(frozen=True, eq=False)
class Grid:
    """A horizontal grid: coordinates, topology and cell areas.

    Attributes
    ----------
    kind : {"latlon", "curvilinear", "orca"}
    shape : tuple (ny, nx)
        ``(nlat, nlon)`` for lat/lon grids.
    lat, lon : ndarray (ny, nx), degrees_north / degrees_east
        Cell centres (read-only; broadcast views for lat/lon grids, no copy).
    periodic_x : bool
        True when the x axis wraps around the globe (global lat/lon, ORCA).
    overlap : int
        Number of duplicated east-west columns: 0 for lat/lon, 2 for ORCA (``x=0 == x=nx-2``,
        ``x=nx-1 == x=1``).
    north_fold : {None, "T", "F"}
        ORCA north-fold rule, see :func:`fold_partner`.
    area : ndarray (ny, nx), m2
        Cell areas: exact spherical areas for lat/lon grids, the file's ``area`` variable or
        areas of the spherical quadrilaterals of the cell bounds for curvilinear/ORCA grids.
    """

    kind: GridKind
    shape: tuple[int, int]
    lat: np.ndarray
    lon: np.ndarray
    periodic_x: bool
    overlap: int = 0
    north_fold: NorthFold | None = None
    area: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.lat.shape != self.shape or self.lon.shape != self.shape:
            raise GridError(
                f"grid coordinates have shapes {self.lat.shape} and {self.lon.shape}; expected {self.shape}"
            )
        if self.area is not None and self.area.shape != self.shape:
            raise GridError(f"cell areas have shape {self.area.shape}; expected {self.shape}")
        if self.north_fold not in (None, "T", "F"):
            raise GridError(f"north_fold={self.north_fold!r}; expected None, 'T' or 'F'")
        object.__setattr__(self, "lat", _readonly(self.lat))
        object.__setattr__(self, "lon", _readonly(self.lon))
        if self.area is not None:
            object.__setattr__(self, "area", _readonly(self.area))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def latlon(cls, lat, lon, *, periodic_x: bool | None = None) -> Grid:
        """Build a regular lat/lon grid from 1-D cell centres (degrees); periodicity detected if None."""
        lat1 = np.asarray(lat, dtype=float)
        lon1 = np.asarray(lon, dtype=float)
        if lat1.ndim != 1 or lon1.ndim != 1:
            raise GridError("Grid.latlon needs 1-D lat and lon axes")
        shape = (lat1.size, lon1.size)
        if periodic_x is None:
            periodic_x = is_periodic_lon(lon1)
        lat2 = np.broadcast_to(lat1[:, None], shape)
        lon2 = np.broadcast_to(lon1[None, :], shape)
        if lat1.size >= 2 and lon1.size >= 2:
            width = np.diff(lon1)
            if np.allclose(width, width[0]):
                # uniform longitudes: every column has the same area; broadcast (no nlat*nlon copy)
                col = cell_area_regular(lat1, lon1[:2])[:, :1]
                area = np.broadcast_to(col, shape)
            else:
                area = cell_area_regular(lat1, lon1)
        else:
            area = None
        return cls("latlon", shape, lat2, lon2, bool(periodic_x), 0, None, area)

    @classmethod
    def from_dataset(cls, ds) -> Grid:
        """Describe the grid of a Dataset (normalised topography, ORCA grid or bathymetry file).

        Parameters
        ----------
        ds : xarray.Dataset
            Either 1-D ``lat``/``lon`` dimension coordinates (regular grid), or 2-D ``lat``/``lon``
            or ``nav_lat``/``nav_lon`` on dims ``(y, x)``; optional ``area`` (m2) and
            ``bounds_lat``/``bounds_lon`` (or the coordinates' ``bounds`` attribute).

        Returns
        -------
        Grid

        Raises
        ------
        GridError
            If no latitude/longitude coordinates are found or their shapes disagree.
        """
        lat_name = next((n for n in LAT_NAMES if n in ds.variables), None)
        lon_name = next((n for n in LON_NAMES if n in ds.variables), None)
        if lat_name is None or lon_name is None:
            raise GridError(
                f"no latitude/longitude coordinates among {sorted(map(str, ds.variables))}; "
                f"expected one of {LAT_NAMES} and one of {LON_NAMES} (open the file with "
                "climpy.io.open_topography to normalise it)"
            )
        lat = ds[lat_name]
        lon = ds[lon_name]
        if lat.ndim == 1 and lon.ndim == 1:
            return cls.latlon(lat.values, lon.values)
        if lat.ndim != 2 or lon.shape != lat.shape:
            raise GridError(
                f"coordinates {lat_name!r} {lat.dims} and {lon_name!r} {lon.dims} must both be 1-D or both "
                "2-D (y, x) of the same shape"
            )
        shape = lat.shape
        area = None
        if "area" in ds.variables and ds["area"].shape == shape:
            area = np.asarray(ds["area"].values, dtype=float)
        else:
            blat = ds.get(lat.attrs.get("bounds", "bounds_lat"))
            blon = ds.get(lon.attrs.get("bounds", "bounds_lon"))
            if blat is not None and blon is not None:
                clat = _corners_from_bounds(blat.values, shape)
                clon = _corners_from_bounds(blon.values, shape)
                area = polygon_area(clat, clon)
        return cls.curvilinear(lat.values, lon.values, area=area)

    @classmethod
    def curvilinear(cls, lat, lon, *, area=None) -> Grid:
        """Build a grid from 2-D cell centres (degrees), detecting the ORCA overlap and north fold.

        Parameters
        ----------
        lat, lon : array (ny, nx), degrees
        area : array (ny, nx), m2, optional
            Cell areas; without them :attr:`cell_area` approximates them from the centres.
        """
        lat2 = np.asarray(lat, dtype=float)
        lon2 = np.asarray(lon, dtype=float)
        if lat2.ndim != 2 or lon2.shape != lat2.shape:
            raise GridError(f"curvilinear grids need 2-D lat/lon of one shape: {lat2.shape}, {lon2.shape}")
        shape = lat2.shape
        overlap = detect_overlap(lat2, lon2)
        fold = detect_north_fold(lat2, lon2)
        kind: GridKind = "orca" if (overlap or fold) else "curvilinear"
        periodic = bool(overlap) or _wraps_2d(lon2)
        if area is None:
            logger.debug("grid %s %s: no area or cell bounds; Grid.area is None", kind, shape)
        logger.debug("grid %s %s: overlap=%d north_fold=%s periodic=%s", kind, shape, overlap, fold, periodic)
        return cls(kind, shape, lat2, lon2, periodic, overlap, fold, area)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ identity
    def fingerprint(self) -> str:
        """Content hash (sha256 hex) of the kind, shape and rounded coordinates; stable across runs.

        Longitudes are wrapped to [-180, 180) and both coordinates rounded to
        ``FINGERPRINT_DECIMALS`` decimals, so float32/float64 storage and 0..360 conventions of the
        same grid give the same hash.
        """
        h = hashlib.sha256()
        h.update(f"climpy-grid-v1|{self.kind}|{self.shape[0]}x{self.shape[1]}|".encode())
        for a in (self.lat, wrap_lon(self.lon)):
            r = np.round(np.asarray(a, dtype=np.float64), FINGERPRINT_DECIMALS) + 0.0  # + 0.0: no -0.0
            if np.any(np.isclose(r, 180.0)):
                r = np.where(np.isclose(r, 180.0), -180.0, r)
            h.update(np.ascontiguousarray(r, dtype="<f8").tobytes())
        return h.hexdigest()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Grid):
            return NotImplemented
        return self.fingerprint() == other.fingerprint()

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    def __repr__(self) -> str:
        return (
            f"Grid(kind={self.kind!r}, shape={self.shape}, periodic_x={self.periodic_x}, "
            f"overlap={self.overlap}, north_fold={self.north_fold!r})"
        )

    # ------------------------------------------------------------------ topology
    @property
    def fold(self) -> NorthFold | None:
        """Short name of :attr:`north_fold`."""
        return self.north_fold

    @property
    def kw(self) -> dict[str, Any]:
        """Topology as the keyword arguments ``periodic_x``, ``overlap``, ``fold`` of the array functions."""
        return {"periodic_x": self.periodic_x, "overlap": self.overlap, "fold": self.north_fold}

    @property
    def unique_columns(self) -> slice:
        """Columns that are not overlap copies: ``1 .. nx-2`` on ORCA grids, all otherwise."""
        return slice(1, self.shape[1] - 1) if self.overlap == 2 else slice(0, self.shape[1])

    @property
    def duplicate_mask(self) -> np.ndarray:
        """Boolean (ny, nx): True on cells that duplicate another cell (overlap columns, fold rows)."""
        return self.canonical() != np.arange(self.shape[0] * self.shape[1]).reshape(self.shape)

    def canonical(self) -> np.ndarray:
        """Flat index (ny, nx, int64) of the unique cell each cell stands for.

        Identity for lat/lon and plain curvilinear grids. On ORCA grids overlap columns map to
        the columns they duplicate and the fold rows to their mirror images, so that
        ``values.ravel()[grid.canonical()]`` restores a consistent field.
        """
        return canonical_index(self.shape, overlap=self.overlap, fold=self.north_fold)

    @property
    def canonical_mask(self) -> np.ndarray:
        """Boolean (ny, nx): True on the physical cells (:func:`canonical_mask`)."""
        return canonical_mask(self.shape, overlap=self.overlap, fold=self.north_fold)

    def sync(self, arr: np.ndarray) -> np.ndarray:
        """Copy of ``arr`` (ny, nx) with every duplicate cell set from its physical cell."""
        return sync_duplicates(arr, overlap=self.overlap, fold=self.north_fold)

    def halo(self, arr: np.ndarray, *, fill=0) -> np.ndarray:
        """``arr`` padded with one halo cell on each side holding the neighbours (:func:`halo`)."""
        return halo(arr, fill=fill, **self.kw)

    def label(self, mask: np.ndarray) -> tuple[np.ndarray, int]:
        """Labels and count of the 4-connected bodies of ``mask`` on this grid (:func:`label_bodies`)."""
        return label_bodies(mask, **self.kw)

    def label_by_area(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bodies of ``mask`` labelled by decreasing area (1 = largest), their areas (m2) and cell counts.

        Areas are :attr:`cell_area` sums and counts are over physical cells, so duplicates never count.
        """
        labels, n = self.label(mask)
        if n == 0:
            return labels, np.zeros(0), np.zeros(0, dtype=np.int64)
        areas = np.bincount(labels.ravel(), weights=self.cell_area.ravel(), minlength=n + 1)[1:]
        counts = np.bincount(labels[self.canonical_mask], minlength=n + 1)[1:]
        order = np.lexsort((np.arange(n), -areas))  # decreasing area, stable on ties
        lut = np.zeros(n + 1, dtype=np.int32)
        lut[order + 1] = np.arange(1, n + 1, dtype=np.int32)
        return lut[labels], areas[order], counts[order]

    def singular_points(self) -> np.ndarray:
        """Cells (n, 2) at the north-fold pivots of an ORCA grid (:func:`singular_points`)."""
        return singular_points(self.shape, overlap=self.overlap, fold=self.north_fold)

    def neighbours(self, connectivity: Literal[4, 8] = 4) -> np.ndarray:
        """Flat indices (ny, nx, k) of each cell's neighbours, canonicalised; -1 off the grid.

        Order: N, S, E, W (then NE, NW, SE, SW for ``connectivity=8``). Neighbours wrap in x on
        periodic grids (through the overlap columns on ORCA) and cross the north fold; cells beyond
        the southern and northern edges (or the x edges of regional grids) are -1. A neighbour that
        is the cell itself (possible at a T-fold pivot) is kept, so callers can skip it.
        """
        if connectivity not in (4, 8):
            raise GridError(f"connectivity={connectivity!r}; expected 4 or 8")
        ny, nx = self.shape
        canon = self.canonical()
        offsets = [(1, 0), (-1, 0), (0, 1), (0, -1)]
        if connectivity == 8:
            offsets += [(1, 1), (1, -1), (-1, 1), (-1, -1)]
        jj, ii = np.indices(self.shape)
        # neighbours of a duplicate cell are those of the cell it stands for
        cj, ci = np.divmod(canon, nx)
        out = np.empty((ny, nx, len(offsets)), dtype=np.int64)
        for k, (dj, di) in enumerate(offsets):
            j2 = cj + dj
            i2 = ci + di
            valid = (j2 >= 0) & (j2 < ny)
            if self.periodic_x:
                if self.overlap == 2:
                    # columns 1..nx-2 are the unique ones; 0 and nx-1 are copies
                    i2 = np.where(i2 < 0, nx - 3, np.where(i2 >= nx, 2, i2))
                else:
                    i2 = i2 % nx
            else:
                valid &= (i2 >= 0) & (i2 < nx)
            flat = np.where(valid, np.clip(j2, 0, ny - 1) * nx + np.clip(i2, 0, nx - 1), -1)
            out[..., k] = np.where(flat >= 0, canon.ravel()[np.maximum(flat, 0)], -1)
        del jj, ii
        return out

    # ------------------------------------------------------------------ geometry
    @functools.cached_property
    def cell_area(self) -> np.ndarray:
        """Cell areas (ny, nx, m2) with duplicate cells at 0, so sums count every cell once.

        :attr:`area` where the grid knows it; otherwise (a curvilinear grid without an area
        variable or cell bounds) the rectangle spanned by half the distances to the four
        neighbours.
        """
        area = np.array(self.area, dtype=float) if self.area is not None else self._approx_area()
        return _readonly(np.where(self.canonical_mask, area, 0.0))

    def _approx_area(self) -> np.ndarray:
        hl = self.halo(np.asarray(self.lat, dtype=float), fill=np.nan)
        hn = self.halo(np.asarray(self.lon, dtype=float), fill=np.nan)

        def mean_dist(sides):
            d = [great_circle_distance(self.lat, self.lon, hl[s], hn[s]) for s in sides]
            return np.nanmean(np.stack(d), axis=0)

        ex = mean_dist([(slice(1, -1), slice(2, None)), (slice(1, -1), slice(0, -2))])
        ey = mean_dist([(slice(2, None), slice(1, -1)), (slice(0, -2), slice(1, -1))])
        return np.nan_to_num(ex * ey)

    @property
    def lon_step(self) -> float | None:
        """Constant longitude step (degrees) of a lat/lon grid with increasing longitudes, else None."""
        if self.kind != "latlon" or self.shape[1] < 2:
            return None
        d = np.diff(self.lon[0])
        if np.any(d <= 0) or not np.allclose(d, d[0], rtol=1e-4):
            return None
        return float(d[0])


def _wraps_2d(lon: np.ndarray) -> bool:
    """Tell whether the middle row of a 2-D longitude array spans the globe with a regular step."""
    row = lon[lon.shape[0] // 2]
    return is_periodic_lon(np.unwrap(row, period=360.0))
