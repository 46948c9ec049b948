"""Consistency checks across the boundary-condition products of one experiment.

The products: the atmosphere topography (regular lat/lon, ``topo`` positive up), the river routing
file (``trip`` on the same grid, dims ``y, x``, missing on the ocean), and the ocean bathymetry on
the ORCA grid (``Bathymetry`` positive down, 0 on land). The checks:

* ``masks atmosphere/routing``: same grid, the land-sea masks must agree cell by cell (error).
* ``masks atmosphere/ocean``: each ocean-grid cell against the atmosphere cell containing its
  centre. Coastal disagreements are expected between grids of different resolutions (warning);
  an ocean-grid cell with no cell of its own type in the 3 x 3 atmosphere neighbourhood is an
  error (e.g. an ocean the atmosphere does not see).
* ``minimum depth``: no ocean cell shallower than ``min_depth`` (error).
* ``singular points``: the ORCA north-fold pivots (the grid's poles) must be land (error).
* ``sub-basins``: every ocean cell in exactly one basin and no land in a basin (error);
  ocean cells in no basin are a warning.
* ``internal oceans``, ``passages`` (ocean grid) and ``poles`` (atmosphere grid): reported as
  warnings, fixed with :mod:`climpy.internal_oceans` and :mod:`climpy.passages`.

Each check returns a :class:`CheckResult`; :func:`run_checks` runs those its inputs allow and
returns a :class:`CheckReport` whose :meth:`CheckReport.format` is what ``climpy check`` prints.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Literal

import numpy as np
import xarray as xr
from scipy import ndimage

from climpy.exceptions import GridError, InputError
from climpy.fields import ocean_field, ocean_mask
from climpy.geo import lon_diff, unit_vectors
from climpy.grid import Grid
from climpy.internal_oceans import internal_oceans, pole_problems
from climpy.passages import passages

__all__ = [
    "DEFAULT_MIN_DEPTH",
    "CheckReport",
    "CheckResult",
    "check_masks_atm_ocean",
    "check_masks_atm_routing",
    "check_min_depth",
    "check_singular_points",
    "check_subbasins",
    "run_checks",
]

logger = logging.getLogger(__name__)

Severity = Literal["ok", "warning", "error"]

#: Default minimum ocean depth (m): about the thickness of the first ORCA2 level.
DEFAULT_MIN_DEPTH = 10.0
#: How many offending cells a report line lists.
MAX_LISTED = 10


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Outcome of one check.

    Attributes
    ----------
    name : str
    severity : {"ok", "warning", "error"}
    message : str
        One readable sentence.
    cells : ndarray (n, 2) of int
        0-based (j, i) indices of the offending cells, on the grid named by ``grid``.
    grid : str
        Which product's grid ``cells`` index ("atmosphere", "routing", "ocean").
    """

    name: str
    severity: Severity
    message: str
    cells: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    grid: str = ""

    @property
    def count(self) -> int:
        """Number of offending cells."""
        return int(self.cells.shape[0])

    def format(self) -> str:
        """One or two lines: severity, name, message and the first offending cells."""
        line = f"[{self.severity.upper():7s}] {self.name}: {self.message}"
        if self.count:
            shown = ", ".join(f"({j}, {i})" for j, i in self.cells[:MAX_LISTED].tolist())
            more = f" and {self.count - MAX_LISTED} more" if self.count > MAX_LISTED else ""
            line += f"\n          {self.grid} cells (j, i): {shown}{more}"
        return line


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """All check results of a run."""

    results: tuple[CheckResult, ...]

    @property
    def errors(self) -> list[CheckResult]:
        """Results with severity ``error``."""
        return [r for r in self.results if r.severity == "error"]

    @property
    def warnings(self) -> list[CheckResult]:
        """Results with severity ``warning``."""
        return [r for r in self.results if r.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when no check is an error."""
        return not self.errors

    def format(self) -> str:
        """Render the readable report that ``climpy check`` prints."""
        head = (
            f"climpy check: {len(self.results)} checks, {len(self.errors)} error(s), "
            f"{len(self.warnings)} warning(s)"
        )
        return "\n".join([head, *(r.format() for r in self.results)])


def _cells(mask: np.ndarray) -> np.ndarray:
    return np.argwhere(mask).astype(np.int64)


# --------------------------------------------------------------------------- grid matching
def _nearest_index(atm: Grid, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Find the indices (j, i) of the atmosphere cell nearest to each point (degrees)."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    a_lat = atm.lat[:, 0]
    a_lon = atm.lon[0, :]
    regular = np.allclose(atm.lat, a_lat[:, None]) and np.allclose(atm.lon, a_lon[None, :])
    if regular and a_lat.size > 1 and a_lon.size > 1:
        jpos = (
            np.interp(lat, a_lat, np.arange(a_lat.size))
            if a_lat[1] > a_lat[0]
            else (a_lat.size - 1 - np.interp(lat, a_lat[::-1], np.arange(a_lat.size)))
        )
        j = np.clip(np.rint(jpos).astype(np.int64), 0, a_lat.size - 1)
        step = a_lon[1] - a_lon[0]
        ipos = lon_diff(lon, a_lon[0]) / step
        ipos = np.where(ipos < -0.5, ipos + 360.0 / abs(step), ipos)
        i = np.rint(ipos).astype(np.int64)
        i = i % a_lon.size if atm.periodic_x else np.clip(i, 0, a_lon.size - 1)
        return j, i
    from scipy.spatial import cKDTree  # curvilinear atmosphere grid: nearest centre in 3-D

    tree = cKDTree(unit_vectors(atm.lat.ravel(), atm.lon.ravel()))
    _, k = tree.query(unit_vectors(lat.ravel(), lon.ravel()))
    j, i = np.divmod(k.reshape(lat.shape), atm.shape[1])
    return j, i


def _routing_land(routing: xr.Dataset, variable: str) -> np.ndarray:
    if variable not in routing.data_vars:
        raise InputError(
            f"routing file: variable {variable!r} not found (has {sorted(map(str, routing.data_vars))}); "
            "pass routing_variable='<name>' (--routing-variable)"
        )
    v = np.asarray(routing[variable].values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(v) & (v > 0) & (v < 1e19)


# --------------------------------------------------------------------------- checks
def check_masks_atm_routing(
    topo: xr.Dataset, routing: xr.Dataset, *, variable: str | None = None, routing_variable: str = "trip"
) -> CheckResult:
    """Check that the atmosphere land-sea mask and the routing file's land (``trip``) agree.

    Parameters
    ----------
    topo : xarray.Dataset
        Atmosphere topography (``topo``, m, positive up; dims ``lat, lon``).
    routing : xarray.Dataset
        Routing file (``trip`` on dims ``y, x`` with 2-D ``nav_lat``/``nav_lon``; rows may run north
        to south as in the legacy files).
    variable, routing_variable : str
        Topography variable (default detected) and routing variable (``trip``).

    Returns
    -------
    CheckResult
        ``error`` with the differing cells (indices on the routing grid), else ``ok``.

    Raises
    ------
    GridError
        If the routing grid's cell centres are not those of the topography.
    """
    atm = Grid.from_dataset(topo)
    rgrid = Grid.from_dataset(routing)
    land_r = _routing_land(routing, routing_variable)
    j, i = _nearest_index(atm, rgrid.lat, rgrid.lon)
    dlat = np.abs(atm.lat[j, i] - rgrid.lat)
    dlon = np.abs(lon_diff(atm.lon[j, i], rgrid.lon))
    if rgrid.shape != atm.shape or max(float(dlat.max()), float(dlon.max())) > 1e-3:
        raise GridError(
            f"routing grid {rgrid.shape} is not the topography grid {atm.shape} (largest centre offset "
            f"{max(float(dlat.max()), float(dlon.max())):.3g} degrees); route the same topography again"
        )
    ocean_a = ocean_mask(topo, variable)[j, i]
    bad = land_r == ocean_a
    if bad.any():
        return CheckResult(
            "masks atmosphere/routing",
            "error",
            f"{int(bad.sum())} cells differ between the topography and {routing_variable!r} land masks; "
            "re-run routing on this topography",
            _cells(bad),
            "routing",
        )
    return CheckResult("masks atmosphere/routing", "ok", f"land-sea masks agree on {land_r.size} cells")


def check_masks_atm_ocean(topo: xr.Dataset, bathy: xr.Dataset, *, variable: str | None = None) -> CheckResult:
    """Check that the ocean-grid land-sea mask agrees with the atmosphere's, up to coasts.

    Parameters
    ----------
    topo : xarray.Dataset
        Atmosphere topography (positive up).
    bathy : xarray.Dataset
        Ocean bathymetry (``Bathymetry``, m, positive down, dims ``y, x``).

    Returns
    -------
    CheckResult
        ``error`` listing ocean-grid cells (j, i) with no cell of their type in the 3 x 3
        atmosphere neighbourhood of their centre; else ``warning`` listing coastal disagreements;
        else ``ok``.
    """
    atm = Grid.from_dataset(topo)
    og = Grid.from_dataset(bathy)
    ocean_a = ocean_mask(topo, variable)
    ocean_o = ocean_mask(bathy)
    j, i = _nearest_index(atm, og.lat, og.lon)
    mode = ("nearest", "wrap" if atm.periodic_x else "nearest")
    any_ocean = ndimage.maximum_filter(ocean_a, size=3, mode=mode)
    any_land = ndimage.maximum_filter(~ocean_a, size=3, mode=mode)
    canon = og.canonical_mask
    differ = (ocean_o != ocean_a[j, i]) & canon
    clear = ((ocean_o & ~any_ocean[j, i]) | (~ocean_o & ~any_land[j, i])) & canon
    if clear.any():
        return CheckResult(
            "masks atmosphere/ocean",
            "error",
            f"{int(clear.sum())} ocean-grid cells have no cell of their type (land/ocean) within one "
            f"atmosphere cell ({int(differ.sum())} differ); rebuild the bathymetry from this topography",
            _cells(clear),
            "ocean",
        )
    if differ.any():
        return CheckResult(
            "masks atmosphere/ocean",
            "warning",
            f"{int(differ.sum())} coastal ocean-grid cells differ from the atmosphere cell at their centre "
            "(expected between grids of different resolution)",
            _cells(differ),
            "ocean",
        )
    return CheckResult(
        "masks atmosphere/ocean", "ok", f"land-sea masks agree on {int(canon.sum())} ocean-grid cells"
    )


def check_min_depth(
    bathy: xr.Dataset, *, min_depth: float = DEFAULT_MIN_DEPTH, variable: str | None = None
) -> CheckResult:
    """Check that no ocean cell is shallower than ``min_depth``.

    Parameters
    ----------
    bathy : xarray.Dataset
        Bathymetry (positive down) or topography (positive up; depth = -topo).
    min_depth : float, m, positive down

    Returns
    -------
    CheckResult
        ``error`` listing the shallow ocean cells, else ``ok``.
    """
    name, down = ocean_field(bathy, variable)
    v = np.asarray(bathy[name].values, dtype=float)
    depth = v if down else -v
    ocean = ocean_mask(bathy, name)
    g = Grid.from_dataset(bathy)
    canon = g.canonical_mask
    shallow = ocean & (depth < min_depth) & canon
    if shallow.any():
        return CheckResult(
            "minimum depth",
            "error",
            f"{int(shallow.sum())} ocean cells of {name!r} are shallower than {min_depth:g} m (shallowest "
            f"{float(depth[shallow].min()):g} m); deepen them or make them land",
            _cells(shallow),
            "ocean",
        )
    return CheckResult(
        "minimum depth", "ok", f"every ocean cell of {name!r} is at least {min_depth:g} m deep"
    )


def check_singular_points(bathy: xr.Dataset, *, variable: str | None = None) -> CheckResult:
    """Check that the singular points of an ORCA grid (its north-fold pivots) are land.

    Returns
    -------
    CheckResult
        ``error`` listing the pivot cells that are ocean, ``ok`` otherwise or on grids without a fold.
    """
    g = Grid.from_dataset(bathy)
    pts = g.singular_points()
    if pts.size == 0:
        return CheckResult("singular points", "ok", "grid has no north fold (not ORCA); nothing to check")
    ocean = ocean_mask(bathy, variable)
    wet = pts[ocean[pts[:, 0], pts[:, 1]]]
    if wet.size:
        return CheckResult(
            "singular points",
            "error",
            f"{wet.shape[0]} of the {pts.shape[0]} cells at the ORCA grid's singular points are ocean; make "
            "them land (fill_internal_oceans / close_passages or edit the bathymetry)",
            wet,
            "ocean",
        )
    return CheckResult(
        "singular points", "ok", f"the {pts.shape[0]} cells at the ORCA singular points are land"
    )


def check_subbasins(bathy: xr.Dataset, subbasins: xr.Dataset, *, variable: str | None = None) -> CheckResult:
    """Check that the sub-basin masks cover every ocean cell once and no land cell.

    Parameters
    ----------
    bathy : xarray.Dataset
        Ocean bathymetry (``Bathymetry``, m, positive down, dims ``y, x``).
    subbasins : xarray.Dataset
        Sub-basins file (``atlmsk``, ``pacmsk``, ``indmsk`` on the same grid).

    Returns
    -------
    CheckResult
        ``error`` listing land cells inside a basin or cells in several basins; ``warning`` listing
        ocean cells in no basin (internal seas are often left out); else ``ok``.

    Raises
    ------
    InputError
        If a mask is missing; GridError if the masks are not on the bathymetry grid.
    """
    names = ("atlmsk", "pacmsk", "indmsk")
    missing = [n for n in names if n not in subbasins.data_vars]
    if missing:
        raise InputError(
            f"sub-basins file: variables {missing} not found (has {sorted(map(str, subbasins.data_vars))}); "
            "write it with climpy subbasins"
        )
    ocean = ocean_mask(bathy, variable)
    masks = np.stack([np.asarray(subbasins[n].values) > 0 for n in names])
    if masks.shape[1:] != ocean.shape:
        raise GridError(
            f"sub-basin masks have shape {masks.shape[1:]} but the bathymetry {ocean.shape}; "
            "recompute them on this ocean grid (climpy subbasins)"
        )
    g = Grid.from_dataset(bathy)
    canon = g.canonical_mask
    count = masks.sum(axis=0)
    bad = ((~ocean & (count > 0)) | (count > 1)) & canon
    if bad.any():
        return CheckResult(
            "sub-basins",
            "error",
            f"{int((~ocean & (count > 0) & canon).sum())} land cells in a basin and "
            f"{int(((count > 1) & canon).sum())} cells in several basins; fix the masks (sub-basin editor)",
            _cells(bad),
            "ocean",
        )
    none = ocean & (count == 0) & canon
    if none.any():
        return CheckResult(
            "sub-basins",
            "warning",
            f"{int(none.sum())} ocean cells are in no basin (internal seas are usually left out)",
            _cells(none),
            "ocean",
        )
    return CheckResult("sub-basins", "ok", "every ocean cell is in exactly one basin")


def _internal(ds: xr.Dataset, grid: str) -> CheckResult:
    r = internal_oceans(ds)
    n = int(r["n_internal"])
    if n:
        cells = _cells((r["internal"].values > 0) & _canon(ds))
        return CheckResult(
            f"internal oceans ({grid})",
            "warning",
            f"{n} internal ocean(s) not connected to the world ocean; fill or open them "
            "(climpy internal-oceans --fill)",
            cells,
            grid,
        )
    return CheckResult(f"internal oceans ({grid})", "ok", "every ocean cell is connected to the world ocean")


def _canon(ds: xr.Dataset) -> np.ndarray:
    g = Grid.from_dataset(ds)
    return g.canonical_mask


def _passages(ds: xr.Dataset, grid: str) -> CheckResult:
    r = passages(ds)
    n = int(r["n_passages"])
    if n:
        cells = np.stack([r["cell_j"].values, r["cell_i"].values], axis=1)
        return CheckResult(
            f"diffusive passages ({grid})",
            "warning",
            f"{n} one-cell-wide passage cells ({int(r['n_meridional'])} meridional, "
            f"{int(r['n_zonal'])} zonal); widen or close them (climpy passages --fix)",
            cells,
            grid,
        )
    return CheckResult(f"diffusive passages ({grid})", "ok", "no one-cell-wide passage")


def _poles(ds: xr.Dataset, grid: str) -> CheckResult:
    r = pole_problems(ds)
    n = int(r["n_pole_problems"])
    if n:
        return CheckResult(
            f"poles ({grid})",
            "warning",
            f"{n} cells break the pole rules (ocean south of 78S, mixed land/ocean north of 86N)",
            _cells((r["pole_problem"].values > 0) & _canon(ds)),
            grid,
        )
    return CheckResult(f"poles ({grid})", "ok", "pole rules hold")


def run_checks(
    *,
    topo: xr.Dataset | None = None,
    routing: xr.Dataset | None = None,
    bathy: xr.Dataset | None = None,
    subbasins: xr.Dataset | None = None,
    min_depth: float = DEFAULT_MIN_DEPTH,
    routing_variable: str = "trip",
) -> CheckReport:
    """Run every check the given products allow.

    Parameters
    ----------
    topo : xarray.Dataset, optional
        Atmosphere topography (positive up, dims ``lat, lon``).
    routing : xarray.Dataset, optional
        Routing file (needs ``topo``).
    bathy : xarray.Dataset, optional
        Ocean bathymetry (positive down, dims ``y, x``).
    subbasins : xarray.Dataset, optional
        Sub-basins file (needs ``bathy``).
    min_depth : float, m
    routing_variable : str

    Returns
    -------
    CheckReport

    Raises
    ------
    InputError
        If no product is given, or routing without topography.
    """
    if topo is None and routing is None and bathy is None and subbasins is None:
        raise InputError(
            "nothing to check: give at least one of topo, routing, bathy (--topo/--routing/--bathy)"
        )
    if routing is not None and topo is None:
        raise InputError("the routing file is checked against the topography: give topo too (--topo)")
    if subbasins is not None and bathy is None:
        raise InputError("the sub-basins file is checked against the bathymetry: give bathy too (--bathy)")
    results: list[CheckResult] = []
    if topo is not None:
        results.append(_poles(topo, "atmosphere"))
        if routing is not None:
            results.append(check_masks_atm_routing(topo, routing, routing_variable=routing_variable))
    if bathy is not None:
        if topo is not None:
            results.append(check_masks_atm_ocean(topo, bathy))
        results.append(check_min_depth(bathy, min_depth=min_depth))
        results.append(check_singular_points(bathy))
        results.append(_internal(bathy, "ocean"))
        results.append(_passages(bathy, "ocean"))
        if subbasins is not None:
            results.append(check_subbasins(bathy, subbasins))
    report = CheckReport(tuple(results))
    logger.info("checks: %d errors, %d warnings", len(report.errors), len(report.warnings))
    return report
