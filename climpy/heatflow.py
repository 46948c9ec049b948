"""Geothermal heat flow at the sea floor of an ocean grid, from bathymetry or seafloor age.

The seafloor age is inverted from depth with the GDH1 depth-age model [Stein1992]_ and the heat
flow follows the legacy IPSL recipe ``q = 490 / sqrt(age)`` (mW m-2, age in Ma), capped at
400 mW m-2, with a constant 48 mW m-2 on continental shelves. Output follows the NEMO forcing
contract of ``geothermal_heatingLMParaT.nc`` (``heatflow`` on ``(time_counter, y, x)``,
``time_steps``, ``nav_lon``, ``nav_lat``).
"""

from __future__ import annotations

import logging

import numpy as np
import xarray as xr

from climpy.exceptions import InputError
from climpy.fields import depth_field, ocean_grid_coords
from climpy.grid import Grid
from climpy.provenance import provenance

__all__ = ["GDH1", "heatflow", "seafloor_age"]

logger = logging.getLogger(__name__)

#: GDH1 constants [Stein1992]_: ridge depth (m), subsidence (m Ma-1/2), transition age (Ma),
#: asymptotic depth (m), depth range of the exponential branch (m), decay (Ma-1).
GDH1 = {
    "ridge_depth": 2600.0,
    "subsidence": 365.0,
    "transition_age": 20.0,
    "asymptotic_depth": 5651.0,
    "depth_range": 2473.0,
    "decay": 0.0278,
}


def seafloor_age(
    depth,
    *,
    ridge_depth: float = GDH1["ridge_depth"],
    subsidence: float = GDH1["subsidence"],
    transition_age: float = GDH1["transition_age"],
    asymptotic_depth: float = GDH1["asymptotic_depth"],
    depth_range: float = GDH1["depth_range"],
    decay: float = GDH1["decay"],
    max_age: float = 200.0,
) -> np.ndarray:
    """Invert the GDH1 depth-age relation: seafloor age (Ma) from ocean depth (m, positive down).

    GDH1 [Stein1992]_: ``d = ridge_depth + subsidence * sqrt(t)`` for ``t < transition_age`` and
    ``d = asymptotic_depth - depth_range * exp(-decay * t)`` beyond.

    Parameters
    ----------
    depth : array_like, metres, positive down
    ridge_depth, subsidence, transition_age, asymptotic_depth, depth_range, decay : float
        GDH1 constants (m, m Ma-1/2, Ma, m, m, Ma-1).
    max_age : float, Ma
        Age given to depths at or beyond the depth of that age on the exponential branch,
        where the inversion diverges (``asymptotic_depth`` and deeper).

    Returns
    -------
    ndarray, Ma
        Same shape as ``depth``; 0 at and above the ridge depth, ``max_age`` for the deepest cells,
        continuous and non-decreasing with depth. NaN where depth is NaN.
    """
    d = np.asarray(depth, dtype=float)
    d_transition = ridge_depth + subsidence * np.sqrt(transition_age)
    # evaluate each branch only where it applies (most cells of a map are land or shelf)
    age = np.where(np.isnan(d), np.nan, 0.0)
    young = (d > ridge_depth) & (d < d_transition)
    age[young] = ((d[young] - ridge_depth) / subsidence) ** 2
    old = d >= d_transition
    ratio = (asymptotic_depth - d[old]) / depth_range
    with np.errstate(divide="ignore", invalid="ignore"):
        age[old] = np.where(ratio > 0, -np.log(np.where(ratio > 0, ratio, 1.0)) / decay, np.inf)
    return np.minimum(age, max_age)


def heatflow(
    ds: xr.Dataset,
    *,
    variable: str = "Bathymetry",
    age: xr.DataArray | None = None,
    coefficient: float = 490.0,
    max_heatflow: float = 400.0,
    shelf_depth: float = 2500.0,
    shelf_heatflow: float = 48.0,
    max_age: float = 200.0,
    steep_gradient: float | None = None,
    steep_min_heatflow: float = 100.0,
    gdh1: dict[str, float] | None = None,
) -> xr.Dataset:
    """Geothermal heat flow (mW m-2) on an ocean grid from its bathymetry.

    Parameters
    ----------
    ds : xarray.Dataset
        Ocean-grid bathymetry: ``variable`` (y, x) in metres, positive down, 0 (or NaN) on land,
        with 2-D ``nav_lat``/``nav_lon`` (or ``lat``/``lon``).
    variable : str
        Name of the depth variable.
    age : DataArray (y, x), Ma, optional
        Seafloor age; where finite and positive it replaces the depth inversion (shelves included).
    coefficient : float, mW m-2 Ma1/2
        ``q = coefficient / sqrt(age)``.
    max_heatflow : float, mW m-2
        Cap for young crust (age 0 at the ridge gives the cap).
    shelf_depth : float, m
        Ocean shallower than this gets ``shelf_heatflow``.
    shelf_heatflow : float, mW m-2
    max_age : float, Ma
        Age of the deepest cells (see :func:`seafloor_age`); sets the minimum abyssal heat flow
        ``coefficient / sqrt(max_age)`` (34.6 mW m-2 by default).
    steep_gradient : float, optional
        Opt-in legacy smoothing: ocean cells whose ``|d2 depth / dy dx|`` (m) exceeds it and whose heat
        flow exceeds ``steep_min_heatflow`` take the median of their valid ocean neighbours (the
        legacy tool used 500 m and 100 mW m-2 but left those cells at 0). Off by default, since it
        breaks the monotonic depth relation.
    steep_min_heatflow : float, mW m-2
    gdh1 : dict, optional
        Overrides of the :data:`GDH1` constants (keys of :func:`seafloor_age`).

    Returns
    -------
    xarray.Dataset
        ``heatflow`` (time_counter, y, x), mW m-2: positive and finite on every ocean cell,
        0 on land; ``time_steps`` (time_counter); coordinates ``time_counter``, ``nav_lon``,
        ``nav_lat``. Attributes follow ``geothermal_heatingLMParaT.nc``.

    Raises
    ------
    InputError
        If the variable is missing or not 2-D, or a parameter is not positive.

    Notes
    -----
    Deviations from the legacy ``create_heatflow`` (all intended): depths beyond 5651 m get
    ``max_age`` instead of 0 heat flow; cells between 2500 m and the ridge depth get the cap (the
    legacy value too, by accident of its formula); steep cells are not zeroed. Without an age grid,
    heat flow is non-increasing with depth beyond the shelf.

    Examples
    --------
    >>> from climpy.testing import orca_like_grid
    >>> ds = orca_like_grid(10, 14, bathymetry=4000.0)
    >>> hf = heatflow(ds)
    >>> hf["heatflow"].dims
    ('time_counter', 'y', 'x')
    >>> round(float(hf["heatflow"].max()), 1)
    127.8

    References
    ----------
    .. [Stein1992] Stein, C. A. and Stein, S. (1992), A model for the global variation in oceanic
       depth and heat flow with lithospheric age, Nature 359, 123-129, doi:10.1038/359123a0.
    """
    for name, val in (
        ("coefficient", coefficient),
        ("max_heatflow", max_heatflow),
        ("shelf_heatflow", shelf_heatflow),
        ("max_age", max_age),
    ):
        if not val > 0:
            raise InputError(f"heatflow: parameter {name}={val!r} must be positive")
    bathy = depth_field(ds, variable)
    nav_lat, nav_lon = ocean_grid_coords(ds)
    depth = np.asarray(bathy.values, dtype=float)
    ocean = np.isfinite(depth) & (depth > 0)

    t = seafloor_age(depth, max_age=max_age, **(gdh1 or {}))
    with np.errstate(divide="ignore"):
        q = np.minimum(coefficient / np.sqrt(t), max_heatflow)
    q = np.where(depth < shelf_depth, shelf_heatflow, q)
    if age is not None:
        a = np.asarray(age.values if isinstance(age, xr.DataArray) else age, dtype=float)
        if a.shape != depth.shape:
            raise InputError(
                f"heatflow: age grid has shape {a.shape}; expected {depth.shape} like {variable!r}"
            )
        given = np.isfinite(a) & (a > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(given, np.minimum(coefficient / np.sqrt(np.where(given, a, 1.0)), max_heatflow), q)
        logger.info(
            "heatflow: seafloor age given on %d of %d ocean cells", int((given & ocean).sum()), ocean.sum()
        )
    if steep_gradient is not None:
        q = _smooth_steep(q, depth, ocean, steep_gradient, steep_min_heatflow, nav_lat, nav_lon)
    q = np.where(ocean, q, 0.0)

    out = xr.Dataset(
        data_vars={
            "heatflow": (
                ("time_counter", *bathy.dims),
                q[np.newaxis],
                {
                    "units": "mW/m2",
                    "title": "heatflow",
                    "long_name": "heatflow",
                    "Minvalue=": 0.0,
                    "Maxvalue=": float(max_heatflow),
                    **provenance(
                        "climpy.heatflow.heatflow",
                        dict(variable=variable, coefficient=coefficient, max_heatflow=max_heatflow),
                        method=(
                            f"GDH1 depth-age inversion (Stein & Stein 1992), q={coefficient}/sqrt(age) "
                            f"capped at {max_heatflow}, {shelf_heatflow} shallower than {shelf_depth} m, "
                            f"max_age={max_age} Ma" + (", seafloor age grid" if age is not None else "")
                        ),
                    ),
                },
            ),
            "time_steps": (
                ("time_counter",),
                np.array([0], dtype=np.int32),
                {
                    "units": "timesteps since 0000-12-15 00:00:00 ",
                    "title": "Time steps",
                    "tstep_sec": np.float32(0.0),
                    "long_name": "Time step axis",
                    "time_origin": "0000-DEC-15 00:00:00",
                },
            ),
        },
        coords={
            "time_counter": (
                ("time_counter",),
                np.array([1.0], dtype=np.float32),
                {
                    "units": "seconds since 0000-12-15 00:00:00 ",
                    "calendar": "noleap",
                    "title": "Time",
                    "long_name": "Time axis",
                    "time_origin": "0000-DEC-15 00:00:00",
                },
            ),
            "nav_lon": nav_lon,
            "nav_lat": nav_lat,
        },
        attrs={"Conventions": "GDT 1.2"},
    )
    logger.info(
        "heatflow: %d ocean cells, %.1f..%.1f mW/m2",
        ocean.sum(),
        float(q[ocean].min()) if ocean.any() else np.nan,
        float(q[ocean].max()) if ocean.any() else np.nan,
    )
    return out


def _smooth_steep(q, depth, ocean, threshold, min_heatflow, nav_lat, nav_lon):
    """Replace steep high-flow ocean cells by the median of their non-steep ocean neighbours.

    Neighbours come from :meth:`climpy.grid.Grid.neighbours` (8-connected, across the periodic
    seam, the ORCA overlap columns and the north fold); duplicated cells are synchronised after.
    """
    grid = Grid.curvilinear(nav_lat.values, nav_lon.values)
    grad = np.abs(np.gradient(np.gradient(np.where(ocean, depth, 0.0), axis=0), axis=1))
    steep = ocean & (grad > threshold) & (q > min_heatflow)
    if not steep.any():
        return q
    nb = grid.neighbours(8)[steep]  # (n_steep, 8) flat indices, -1 off the grid
    valid = (ocean & ~steep).ravel()
    qf = q.ravel()
    vals = np.where((nb >= 0) & valid[np.maximum(nb, 0)], qf[np.maximum(nb, 0)], np.nan)
    has = np.isfinite(vals).any(axis=1)
    med = np.full(has.shape, np.nan)
    med[has] = np.nanmedian(vals[has], axis=1)
    out = qf.copy()
    idx = np.flatnonzero(steep.ravel())
    out[idx[has]] = med[has]
    out = out[grid.canonical().ravel()]  # duplicates repeat the cell they stand for
    logger.info("heatflow: smoothed %d steep cells (%d kept, no valid neighbour)", has.sum(), (~has).sum())
    return out.reshape(q.shape)
