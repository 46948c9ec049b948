"""A synthetic paleogeography that gives every climpy tool some work, at any resolution.

:func:`paleogeography` builds a global topography/bathymetry (``topo``, metres, land > 0, ocean <= 0)
on a regular grid from 5 degrees down to 0.05 degree. The features are defined in physical
coordinates (degrees), so they exist at every supported resolution; the few that must have an exact
width in cells (straits, the land rings that close internal seas and the endorheic basin) are
snapped to the requested grid. The ``seed`` only changes the noise (coastline wiggles, relief
roughness): the listed features exist for every seed.

=====================  ==========================================  =========================================
feature                where (lat, lon in degrees)                 why (which tool it exercises)
=====================  ==========================================  =========================================
continent A            centre (25, 55), radii 35 x 45              large land mass: routing, basins, PFT
continent B            centre (-5, 180), radii 22 x 28             crosses the dateline: longitude wrap
continent C            centre (10, -75), radii 35 x 22             second ocean basin between A and C
continent F            centre (-35, 120), radii 12 x 18            smaller continent
Antarctica             south of about -72                          polar land, south pole row problems
Arctic land            north of about 82                           polar land at the north pole
mountain ranges        A (27..29 N, 58..95 E), C (west coast),     steep relief: routing, heat flow, ahmcoef
                       B (8..10 N, across the dateline)
shelves and slopes     around every coast: 0..-150 m within 2 deg, bathymetry products, heat flow by depth
                       slope to -3800 m within 5 deg
mid-ocean ridges       "Atlantic" near -20 E, "Pacific" near       heat flow (young crust), bathymetry
                       -125 E, circum-Antarctic near -55 N
trench                 off the west coast of C (down to -6000 m)  value range, deep bathymetry
internal sea I1        (48, 45) in A, radii 5 x 8, to -950 m       internal oceans (closed by a land ring)
internal sea I2        (-10, 179) in B, radii 5 x 7, to -1500 m    internal ocean crossing the dateline
                       (no other internal sea: closed pockets
                       left by the noise are raised to land)
sea M + strait S1      sea (36, 30) in A; one-cell zonal channel   diffusive passages (zonal template)
                       west along the row nearest 36 N to the
                       open ocean
sea K + strait S2      sea (30, -75) in C; one-cell meridional     diffusive passages (meridional template)
                       channel north along the column nearest
                       -75 E to the open ocean
endorheic basin E1     (38, 75) in A, radii 6 x 9, floor about     routing: depression filling, inland sinks
                       1000-1600 m, rim >= 2300 m
islands                Iceland-like (63, -20), Kerguelen-like      small land bodies: routing, soils, checks
                       (-32, 75), a chain (30..37, -160..-150)
=====================  ==========================================  =========================================

The same table, machine readable, is :data:`FEATURES` (used by the tests to look for each feature).

Examples
--------
>>> from climpy.sample import paleogeography
>>> ds = paleogeography(resolution=5.0)
>>> ds.topo.shape
(36, 72)
>>> bool(ds.topo.max() > 0 and ds.topo.min() < -4000)
True
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import xarray as xr
from scipy import ndimage

from climpy.exceptions import InputError
from climpy.geo import wrap_lon
from climpy.provenance import provenance

__all__ = ["FEATURES", "MAX_RESOLUTION", "MIN_RESOLUTION", "Feature", "check_resolution", "paleogeography"]

logger = logging.getLogger(__name__)

#: Coarsest and finest supported grid spacing (degrees).
MAX_RESOLUTION = 5.0
MIN_RESOLUTION = 0.05

#: Resolutions suggested when a requested one does not divide 180 degrees (all divide it).
_NICE = (
    5,
    4,
    3,
    2.5,
    2,
    1.5,
    1.25,
    1,
    0.9,
    0.75,
    0.6,
    0.5,
    0.45,
    0.4,
    0.3,
    0.25,
    0.2,
    0.15,
    0.125,
    0.1,
    0.09,
    0.075,
    0.06,
    0.05,
)

#: Spacing (degrees) of the lattice on which the noise is evaluated before interpolation on fine grids.
NOISE_SPACING = 0.5

#: Bound (degrees) of the coastline noise added to the land potential (sum of the wave amplitudes).
COAST_NOISE = 5.0


@dataclass(frozen=True)
class Feature:
    """One feature of the sample paleogeography (see the module docstring table)."""

    name: str
    kind: str
    lat: float
    lon: float
    radii: tuple[float, float] = (0.0, 0.0)
    extra: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- the feature table
_CONTINENTS = {  # main ellipse: centre lat, lon, radii lat, lon (degrees)
    "A": (25.0, 55.0, 35.0, 45.0),
    "B": (-5.0, 180.0, 22.0, 28.0),
    "C": (10.0, -75.0, 35.0, 22.0),
    "F": (-35.0, 120.0, 12.0, 18.0),
}
#: Extra ellipses ``(continent, (lat, lon, radius lat, radius lon))`` merged into the continents'
#: land potential. Empty on purpose: lobes change the map, and the notebooks' stored expected
#: outputs (nbval) and other modules' tests were computed on the oval continents of seed 0.
_LOBES: list[tuple[str, tuple[float, float, float, float]]] = []
_RANGES = [  # polyline (lat, lon), crest height (m), half width (deg)
    ([(27.0, 58.0), (28.5, 75.0), (28.0, 95.0)], 4000.0, 2.5),
    ([(-18.0, -84.0), (10.0, -93.0), (35.0, -87.0)], 3800.0, 2.0),
    ([(8.0, 165.0), (9.0, 180.0), (10.0, -165.0)], 3000.0, 2.0),
]
_RIDGES = [  # polyline (lat, lon): crest about -2300 m
    [(-62.0, -15.0), (-20.0, -18.0), (10.0, -22.0), (40.0, -25.0), (68.0, -20.0)],
    [(-60.0, -115.0), (-20.0, -120.0), (20.0, -128.0), (50.0, -135.0)],
    [(-55.0, -180.0), (-55.0, -60.0), (-52.0, 60.0), (-55.0, 179.9)],
]
_TRENCH = [(-20.0, -95.0), (10.0, -104.0), (35.0, -97.0)]
_INTERNAL_SEAS = {  # centre, radii, deepest (m)
    "I1": ((48.0, 45.0), (5.0, 8.0), -950.0),
    "I2": ((-10.0, 179.0), (5.0, 7.0), -1500.0),
}
_STRAIT_SEAS = {  # centre, radii, deepest, host continent, channel direction
    "M": ((36.0, 30.0), (4.0, 7.0), -1200.0, "A", "west"),
    "K": ((30.0, -75.0), (4.0, 6.0), -800.0, "C", "north"),
}
_BASIN = ((38.0, 75.0), (6.0, 9.0), 1000.0, 2300.0)  # centre, radii, floor, rim (m)
_ISLANDS = [  # centre, radius (deg), summit (m)
    ((63.0, -20.0), 2.5, 1500.0),
    ((-32.0, 75.0), 1.5, 1200.0),
    ((30.0, -160.0), 1.2, 2500.0),
    ((33.5, -155.0), 1.2, 2000.0),
    ((37.0, -150.0), 1.0, 1000.0),
]

FEATURES: tuple[Feature, ...] = (
    *(Feature(f"continent {k}", "continent", c[0], c[1], (c[2], c[3])) for k, c in _CONTINENTS.items()),
    Feature("Antarctica", "polar_land", -90.0, 0.0),
    Feature("Arctic land", "polar_land", 90.0, 0.0),
    *(
        Feature(f"range {n}", "mountains", r[0][1][0], r[0][1][1], extra={"path": r[0], "height": r[1]})
        for n, r in zip("ACB", _RANGES, strict=True)
    ),
    *(
        Feature(f"ridge {n}", "ridge", r[1][0], r[1][1], extra={"path": r})
        for n, r in zip("APS", _RIDGES, strict=True)
    ),
    Feature("trench", "trench", _TRENCH[1][0], _TRENCH[1][1], extra={"path": _TRENCH}),
    *(Feature(f"internal sea {k}", "internal_sea", c[0], c[1], r) for k, (c, r, _) in _INTERNAL_SEAS.items()),
    *(
        Feature(f"sea {k}", "strait_sea", c[0], c[1], r, extra={"direction": d, "host": h})
        for k, (c, r, _, h, d) in _STRAIT_SEAS.items()
    ),
    Feature("endorheic basin E1", "endorheic_basin", *_BASIN[0], _BASIN[1], extra={"floor": 1000.0}),
    *(Feature(f"island {n}", "island", c[0], c[1], (r, r)) for n, (c, r, _) in enumerate(_ISLANDS)),
)


# ----------------------------------------------------------------------------- helpers
def check_resolution(resolution: float) -> float:
    """Validate a grid spacing (degrees) for :func:`paleogeography` and return it as a float.

    Raises
    ------
    InputError
        If it is outside [0.05, 5] degrees or does not divide 180 degrees into whole cells.
    """
    try:
        res = float(resolution)
    except (TypeError, ValueError) as err:
        raise InputError(f"resolution {resolution!r} is not a number; give degrees, e.g. 1 or 0.5") from err
    if not math.isfinite(res) or not (MIN_RESOLUTION - 1e-9 <= res <= MAX_RESOLUTION + 1e-9):
        raise InputError(
            f"resolution {resolution!r} is outside the supported range; "
            f"give a value from {MIN_RESOLUTION} to {MAX_RESOLUTION} degrees"
        )
    n = 180.0 / res
    if abs(n - round(n)) > 1e-6 * n:
        near = sorted(_NICE, key=lambda r: abs(r - res))[:2]
        raise InputError(
            f"resolution {resolution!r} does not divide 180 degrees into whole cells; "
            f"use e.g. {min(near):g} or {max(near):g}"
        )
    return res


class _Canvas:
    """The grid and its elevation array, with windowed access (rows x wrapped columns)."""

    def __init__(self, res: float) -> None:
        self.res = res
        self.nlat = round(180.0 / res)
        self.nlon = round(360.0 / res)
        self.lat = -90.0 + res * (np.arange(self.nlat) + 0.5)
        self.lon = -180.0 + res * (np.arange(self.nlon) + 0.5)

    def window(self, lat0: float, lat1: float, lon0: float, lon1: float) -> tuple[slice, np.ndarray]:
        """Rows covering [lat0, lat1] and (wrapped) columns covering [lon0, lon1] (degrees)."""
        r0 = max(0, int(math.floor((lat0 + 90.0) / self.res)))
        r1 = min(self.nlat, int(math.ceil((lat1 + 90.0) / self.res)) + 1)
        width = lon1 - lon0
        if width >= 360.0 - self.res:
            return slice(r0, r1), np.arange(self.nlon)
        c0 = int(math.floor((lon0 + 180.0) / self.res))
        n = min(self.nlon, int(math.ceil(width / self.res)) + 2)
        return slice(r0, r1), (np.arange(c0, c0 + n) % self.nlon)

    def row(self, lat: float) -> int:
        return int(np.clip(round((lat + 90.0) / self.res - 0.5), 0, self.nlat - 1))

    def col(self, lon: float) -> int:
        return int(round((wrap_lon(lon) + 180.0) / self.res - 0.5)) % self.nlon


def _noise(rng: np.random.Generator, bands: list[tuple[int, float, float, float]]):
    """Random smooth waves on the sphere: returns a function (lat1d, lon1d) -> 2-D float32 field.

    Each band ``(n_waves, kmin, kmax, amplitude)`` adds ``n_waves`` waves ``a sin(k . v + phase)``
    with ``v`` the unit vector of the point and ``kmin <= |k| <= kmax``, so the field is seamless
    across the dateline and at the poles. A band's amplitudes sum to its ``amplitude``: the field
    is bounded by the sum over bands, which the feature construction relies on.
    """
    ks, phases, amps = [], [], []
    for n_waves, kmin, kmax, amplitude in bands:
        kb = rng.normal(size=(n_waves, 3))
        kb /= np.linalg.norm(kb, axis=1, keepdims=True)
        ks.append(kb * rng.uniform(kmin, kmax, size=(n_waves, 1)))
        phases.append(rng.uniform(0, 2 * np.pi, size=n_waves))
        a = rng.uniform(0.5, 1.0, size=n_waves)
        amps.append(a * amplitude / a.sum())
    k, phase, amp = np.concatenate(ks), np.concatenate(phases), np.concatenate(amps)

    def direct(lat1: np.ndarray, lon1: np.ndarray) -> np.ndarray:
        p = np.deg2rad(lat1)[:, None]
        lam = np.deg2rad(lon1)[None, :]
        cp, sp = np.cos(p).astype(np.float32), np.sin(p).astype(np.float32)
        cl, sl = np.cos(lam).astype(np.float32), np.sin(lam).astype(np.float32)
        out = np.zeros((lat1.size, lon1.size), dtype=np.float32)
        for (kx, ky, kz), ph, a in zip(k, phase, amp, strict=True):
            arg = cp * (np.float32(kx) * cl + np.float32(ky) * sl)
            arg += np.float32(kz) * sp + np.float32(ph)
            out += np.float32(a) * np.sin(arg)
        return out

    # The waves are longer than 2 pi / kmax radians (>= 6 degrees): on fine grids, evaluate them on a
    # NOISE_SPACING lattice and interpolate bilinearly (a few operations a cell instead of ~5 a wave).
    lat_c = np.linspace(-90.0, 90.0, round(180.0 / NOISE_SPACING) + 1)
    lon_c = np.linspace(-180.0, 180.0, round(360.0 / NOISE_SPACING) + 1)
    coarse: list[np.ndarray] = []

    def field(lat1: np.ndarray, lon1: np.ndarray) -> np.ndarray:
        if lat1.size * lon1.size < 4 * lat_c.size * lon_c.size:
            return direct(lat1, lon1)
        if not coarse:
            coarse.append(direct(lat_c, lon_c))
        f = coarse[0]
        x = (wrap_lon(lon1) + 180.0) / NOISE_SPACING
        i0 = np.clip(np.floor(x).astype(np.int64), 0, lon_c.size - 2)
        wx = (x - i0).astype(np.float32)
        f = f[:, i0] * (1.0 - wx) + f[:, i0 + 1] * wx
        y = (np.asarray(lat1) + 90.0) / NOISE_SPACING
        j0 = np.clip(np.floor(y).astype(np.int64), 0, lat_c.size - 2)
        wy = (y - j0).astype(np.float32)[:, None]
        return f[j0] * (1.0 - wy) + f[j0 + 1] * wy

    return field


def _ellipse_rho(lat1: np.ndarray, lon1: np.ndarray, centre, radii) -> np.ndarray:
    """Normalised elliptic radius (1 on the ellipse) on the grid lat1 x lon1 (degrees)."""
    dy = ((lat1 - centre[0]) / radii[0]).astype(np.float32)[:, None]
    dx = (wrap_lon(lon1 - centre[1]) / radii[1]).astype(np.float32)[None, :]
    return np.sqrt(dy * dy + dx * dx)


def _polyline_distance(lat1: np.ndarray, lon1: np.ndarray, path) -> np.ndarray:
    """Approximate distance (degrees of great circle) from each grid point to a lat/lon polyline."""
    cosl = np.cos(np.deg2rad(lat1)).astype(np.float32)[:, None]
    best = np.full((lat1.size, lon1.size), np.inf, dtype=np.float32)
    for (la0, lo0), (la1, lo1) in zip(path[:-1], path[1:], strict=True):
        # local plane around the segment start: x = dlon * cos(lat), y = dlat
        mid = math.cos(math.radians(0.5 * (la0 + la1)))
        sx, sy = wrap_lon(lo1 - lo0) * mid, la1 - la0
        px = (wrap_lon(lon1 - lo0)).astype(np.float32)[None, :] * cosl
        py = (lat1 - la0).astype(np.float32)[:, None]
        seg2 = sx * sx + sy * sy
        t = np.clip((px * np.float32(sx) + py * np.float32(sy)) / np.float32(seg2), 0.0, 1.0)
        dx = px - t * np.float32(sx)
        dy = py - t * np.float32(sy)
        np.minimum(best, np.sqrt(dx * dx + dy * dy), out=best)
    return best


def _path_window(canvas: _Canvas, path, margin: float) -> tuple[slice, np.ndarray]:
    lats = [p[0] for p in path]
    lons = np.unwrap(np.deg2rad([p[1] for p in path]))
    lons = np.rad2deg(lons)
    return canvas.window(min(lats) - margin, max(lats) + margin, lons.min() - margin, lons.max() + margin)


def _sub(canvas: _Canvas, rs: slice, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return canvas.lat[rs], canvas.lon[cols]


# ----------------------------------------------------------------------------- construction steps
def _land_potential(canvas: _Canvas, coast_noise) -> np.ndarray:
    """Land potential P (degrees, float32): > 0 on land, about minus the distance to the coast at sea."""
    lat, lon = canvas.lat, canvas.lon
    pot = np.full((canvas.nlat, canvas.nlon), -30.0, dtype=np.float32)
    for clat, clon, rlat, rlon in [*_CONTINENTS.values(), *(e for _, e in _LOBES)]:
        amin = min(rlat, rlon)
        mlat, mlon = 30.0 * rlat / amin, 30.0 * rlon / amin  # beyond these P_k < -30
        rs, cols = canvas.window(
            clat - rlat - mlat, clat + rlat + mlat, clon - rlon - mlon, clon + rlon + mlon
        )
        la, lo = _sub(canvas, rs, cols)
        pk = (1.0 - _ellipse_rho(la, lo, (clat, clon), (rlat, rlon))) * np.float32(amin)
        pot[rs, cols] = np.maximum(pot[rs, cols], pk)
    # polar land: Antarctica south of -72, Arctic land north of 82 (degrees from that latitude)
    polar = np.maximum(-72.0 - lat, lat - 82.0).astype(np.float32)[:, None]
    np.maximum(pot, polar, out=pot)
    pot += coast_noise(lat, lon)
    return pot


def _elevation_from_potential(canvas: _Canvas, pot: np.ndarray, rough) -> np.ndarray:
    """Land relief and ocean depth profile (shelf, slope, abyss) from the land potential."""
    z = np.empty(pot.shape, dtype=np.float64)
    chunk = max(1, 2_000_000 // canvas.nlon)
    lat = canvas.lat
    south_cap = np.clip(-72.0 - lat, 0.0, None)  # Antarctic ice-sheet dome
    f32 = np.float32
    for r0 in range(0, canvas.nlat, chunk):
        rs = slice(r0, min(canvas.nlat, r0 + chunk))
        p = pot[rs]
        n = rough(lat[rs], canvas.lon)
        pos = np.maximum(p, f32(0))
        land = f32(700) - f32(600) * np.exp(pos / f32(-8)) + f32(250) * n
        land += (2500.0 * (1.0 - np.exp(-south_cap[rs] / 6.0))).astype(f32)[:, None]
        q = np.maximum(-p, f32(0))
        ocean = np.where(
            q < f32(2),
            f32(-10) - f32(70) * q,
            np.where(
                q < f32(5),
                f32(-150) - f32(3650 / 3) * (q - f32(2)),
                f32(-5000) + f32(1200) * np.exp((q - f32(5)) / f32(-10)) + f32(300) * n,
            ),
        )
        z[rs] = np.where(p > 0, np.maximum(land, f32(5)), np.minimum(ocean, f32(-10)))
    return z


def _add_ridges_and_trench(canvas: _Canvas, z: np.ndarray, pot: np.ndarray) -> None:
    for path in _RIDGES:
        rs, cols = _path_window(canvas, path, 10.0)
        la, lo = _sub(canvas, rs, cols)
        d = _polyline_distance(la, lo, path)
        deep = np.clip((-pot[rs, cols] - 5.0) / 3.0, 0.0, 1.0)  # only away from the coasts
        sub = z[rs, cols]
        lifted = sub + 2400.0 * np.exp(-((d / 4.0) ** 2)) * deep
        z[rs, cols] = np.where(sub < 0, np.minimum(lifted, -1500.0), sub)
    rs, cols = _path_window(canvas, _TRENCH, 5.0)
    la, lo = _sub(canvas, rs, cols)
    d = _polyline_distance(la, lo, _TRENCH)
    sub = z[rs, cols]
    trench = -3500.0 - 2600.0 * np.exp(-((d / 1.5) ** 2))
    z[rs, cols] = np.where(sub < -1000.0, np.minimum(sub, trench), sub)


def _add_mountains(canvas: _Canvas, z: np.ndarray, pot: np.ndarray) -> None:
    for path, height, width in _RANGES:
        width = max(width, 0.6 * canvas.res)  # a range stays at least one cell wide on coarse grids
        rs, cols = _path_window(canvas, path, 4.0 * width)
        la, lo = _sub(canvas, rs, cols)
        d = _polyline_distance(la, lo, path)
        on_land = np.clip(pot[rs, cols] / 2.0, 0.0, 1.0)
        z[rs, cols] = z[rs, cols] + height * np.exp(-((d / width) ** 2)) * on_land


def _feature_mask(canvas: _Canvas, centre, radii, margin_cells: int):
    """Window, rho and mask (rho < 1, plus the nearest cell) of an elliptic feature."""
    m = radii[0] + (margin_cells + 2) * canvas.res, radii[1] + (margin_cells + 2) * canvas.res
    rs, cols = canvas.window(centre[0] - m[0], centre[0] + m[0], centre[1] - m[1], centre[1] + m[1])
    la, lo = _sub(canvas, rs, cols)
    rho = _ellipse_rho(la, lo, centre, radii)
    mask = rho < 1.0
    # always at least the cell containing the centre, so coarse grids keep the feature
    jr = canvas.row(centre[0]) - rs.start
    jc = int(np.flatnonzero(cols == canvas.col(centre[1]))[0])
    mask[jr, jc] = True
    return rs, cols, rho, mask


def _ring(mask: np.ndarray, cells: int) -> np.ndarray:
    """Cells within ``cells`` (8-connectivity) of ``mask``, outside it."""
    grown = ndimage.binary_dilation(mask, structure=np.ones((3, 3), bool), iterations=cells)
    return grown & ~mask


def _add_closed_sea(canvas: _Canvas, z: np.ndarray, centre, radii, deepest: float) -> np.ndarray:
    """Carve a sea closed by a land ring; returns the sea mask on the full grid (bool)."""
    ring_cells = max(1, round(1.0 / canvas.res))
    rs, cols, rho, mask = _feature_mask(canvas, centre, radii, ring_cells)
    sub = z[rs, cols]
    ring = _ring(mask, ring_cells)
    sub = np.where(ring, np.maximum(sub, 150.0), sub)
    bowl = -30.0 + (deepest + 30.0) * np.clip(1.0 - rho**2, 0.0, 1.0)
    sub = np.where(mask, np.minimum(bowl, -30.0), sub)
    z[rs, cols] = sub
    full = np.zeros(z.shape, dtype=bool)
    full[rs, cols] = mask
    return full


def _nominal_potential(lat: float, lon: float) -> float:
    """Land potential (degrees) of the continents, lobes and polar land at a point, without noise."""
    best = max(-72.0 - lat, lat - 82.0)
    for clat, clon, rlat, rlon in [*_CONTINENTS.values(), *(e for _, e in _LOBES)]:
        rho = math.hypot((lat - clat) / rlat, wrap_lon(lon - clon) / rlon)
        best = max(best, (1.0 - rho) * min(rlat, rlon))
    return best


def _add_strait(canvas: _Canvas, z: np.ndarray, sea: np.ndarray, host: str, direction: str, centre) -> int:
    """Carve a one-cell-wide channel from a sea to the open ocean beyond its host continent.

    The channel runs along the grid row (``west``) or column (``north``) nearest the sea centre,
    from the sea's edge until the nominal land potential (all land masses, no noise) is below
    ``-(COAST_NOISE + 1)`` degrees, where the ocean is guaranteed open. Where the channel crosses
    land, the cells on both sides are forced to land, so those channel cells match the legacy 3x3
    passage templates at every resolution. Returns the number of channel cells.
    """
    jr, jc = canvas.row(centre[0]), canvas.col(centre[1])
    if direction == "west":
        # westmost sea cell of the row, walking west from the centre column
        j, i = jr, jc
        while sea[j, (i - 1) % canvas.nlon]:
            i = (i - 1) % canvas.nlon
        step = (0, -1)
    elif direction == "north":
        j, i = jr, jc
        while j + 1 < canvas.nlat and sea[j + 1, i]:
            j += 1
        step = (1, 0)
    else:  # pragma: no cover - table constant
        raise ValueError(direction)
    channel: list[tuple[int, int]] = []
    walls: list[tuple[int, int]] = []
    while True:
        j, i = j + step[0], (i + step[1]) % canvas.nlon
        if not (0 <= j < canvas.nlat) or len(channel) > canvas.nlat:
            break
        channel.append((j, i))
        if z[j, i] > 0:
            if step[0]:  # meridional channel: walls east and west
                walls.extend([(j, (i - 1) % canvas.nlon), (j, (i + 1) % canvas.nlon)])
            else:  # zonal channel: walls north and south
                walls.extend([(j - 1, i), (j + 1, i)])
        if _nominal_potential(canvas.lat[j], canvas.lon[i]) < -(COAST_NOISE + 1.0):
            break
    for wj, wi in walls:
        if not sea[wj, wi]:
            z[wj, wi] = max(z[wj, wi], 100.0)
    for cj, ci in channel:
        z[cj, ci] = min(z[cj, ci], -40.0)
    return len(channel)


def _add_basin(canvas: _Canvas, z: np.ndarray) -> None:
    centre, radii, floor, rim = _BASIN
    ring_cells = max(1, round(1.5 / canvas.res))
    rs, cols, rho, mask = _feature_mask(canvas, centre, radii, ring_cells)
    sub = z[rs, cols]
    ring = _ring(mask, ring_cells)
    sub = np.where(ring, np.maximum(sub, rim + 200.0 * np.clip(rho - 1.0, 0.0, 1.0)), sub)
    bowl = floor + 600.0 * np.clip(rho, 0.0, 1.0) ** 2
    sub = np.where(mask, bowl, sub)
    z[rs, cols] = sub


def _add_islands(canvas: _Canvas, z: np.ndarray) -> None:
    for centre, radius, summit in _ISLANDS:
        radii = (radius, radius / math.cos(math.radians(centre[0])))
        rs, cols, rho, mask = _feature_mask(canvas, centre, radii, 0)
        sub = z[rs, cols]
        peak = 50.0 + (summit - 50.0) * np.clip(1.0 - rho**2, 0.0, 1.0)
        z[rs, cols] = np.where(mask, np.maximum(peak, 50.0), sub)


def _fill_stray_lakes(canvas: _Canvas, z: np.ndarray) -> int:
    """Raise to land the closed ocean pockets the noise made, keeping only the listed internal seas.

    Ocean bodies are 4-connected components of ``z <= 0`` merged across the dateline; the largest is
    the world ocean (the strait seas belong to it). Any other body that does not hold the centre of
    a listed internal sea becomes low land (20 m), so the internal seas are exactly those of the
    table at every resolution and seed. Returns the number of pockets filled.
    """
    lab, n = ndimage.label(z <= 0)
    parent = np.arange(n + 1)

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = int(parent[a])
        return a

    for a, b in zip(lab[:, 0], lab[:, -1], strict=True):  # the seam: explicit union-find, few pairs
        if a and b:
            ra, rb = find(int(a)), find(int(b))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(k) for k in range(n + 1)])
    size = np.bincount(roots[1:], weights=np.bincount(lab.ravel(), minlength=n + 1)[1:], minlength=n + 1)
    keep = {int(np.argmax(size))}
    for centre, _, _ in _INTERNAL_SEAS.values():
        keep.add(int(roots[lab[canvas.row(centre[0]), canvas.col(centre[1])]]))
    stray = np.isin(roots, list(keep), invert=True)
    stray[0] = False
    mask = stray[lab]
    n_filled = len(set(roots[stray].tolist()))
    z[mask] = 20.0
    if n_filled:
        logger.debug("filled %d stray closed ocean pockets (%d cells)", n_filled, int(mask.sum()))
    return n_filled


# ----------------------------------------------------------------------------- public API
def paleogeography(resolution: float = 1.0, seed: int = 0) -> xr.Dataset:
    """Build the synthetic paleogeography on a global regular grid.

    Parameters
    ----------
    resolution : float, degrees
        Grid spacing, from 5 down to 0.05, dividing 180 into whole cells (e.g. 5, 2, 1, 0.5, 0.25,
        0.1, 0.05).
    seed : int
        Seed of the noise (coastline wiggles and relief roughness). The same seed gives the same
        array; the features of the module table exist for every seed.

    Returns
    -------
    xarray.Dataset
        Normalised topography (see :mod:`climpy.io`): ``topo`` (lat, lon) float64, metres, land > 0,
        ocean <= 0, within [-6000, 5000]; ``lat`` ascending cell centres, ``lon`` in [-180, 180).

    Raises
    ------
    InputError
        If ``resolution`` is unsupported (:func:`check_resolution`).

    Notes
    -----
    Vectorised numpy: continents are ellipses in (lat, lon) turned into a land potential (about
    the distance to the coast in degrees) plus bounded smooth noise (random plane waves on the
    unit sphere, seamless at the dateline and the poles); relief and bathymetry are profiles of that
    potential; ranges, ridges and the trench are Gaussian profiles of the distance to polylines,
    computed in windows. Closed seas, the endorheic basin and the straits are then imposed with
    rings and channels snapped to the grid; closed ocean pockets left by the noise are raised to
    land, so the internal seas are exactly the listed ones. At 0.05 degree (26 million cells) the
    peak memory is a few float32 and float64 copies of the grid (measured 0.6-0.7 GB peak RSS,
    25-40 s on a loaded 2-core machine; see benchmarks/bench_sample.py).
    """
    res = check_resolution(resolution)
    seed = int(seed)
    t0 = time.perf_counter()
    canvas = _Canvas(res)
    rng = np.random.default_rng(seed)
    coast_noise = _noise(rng, [(10, 4.0, 14.0, 0.7 * COAST_NOISE), (14, 15.0, 40.0, 0.3 * COAST_NOISE)])
    rough = _noise(rng, [(12, 15.0, 60.0, 1.0)])
    pot = _land_potential(canvas, coast_noise)
    z = _elevation_from_potential(canvas, pot, rough)
    _add_ridges_and_trench(canvas, z, pot)
    _add_mountains(canvas, z, pot)
    del pot
    _add_islands(canvas, z)
    _add_basin(canvas, z)
    for centre, radii, deepest in _INTERNAL_SEAS.values():
        _add_closed_sea(canvas, z, centre, radii, deepest)
    for centre, radii, deepest, host, direction in _STRAIT_SEAS.values():
        sea = _add_closed_sea(canvas, z, centre, radii, deepest)
        n = _add_strait(canvas, z, sea, host, direction, centre)
        logger.debug("strait from sea at %s: %d channel cells", centre, n)
    _fill_stray_lakes(canvas, z)
    np.clip(z, -6000.0, 5000.0, out=z)
    logger.info(
        "sample paleogeography %dx%d (%.4g deg, seed %d) in %.2f s",
        canvas.nlat,
        canvas.nlon,
        res,
        seed,
        time.perf_counter() - t0,
    )
    prov = provenance("climpy.sample.paleogeography", dict(resolution=res, seed=seed))["provenance"]
    return xr.Dataset(
        {
            "topo": (
                ("lat", "lon"),
                z,
                {
                    "units": "m",
                    "long_name": "surface elevation (land > 0, ocean <= 0)",
                    "standard_name": "height_above_mean_sea_level",
                    "positive": "up",
                    "provenance": prov,
                },
            )
        },
        coords={
            "lat": (
                "lat",
                canvas.lat,
                {"units": "degrees_north", "standard_name": "latitude", "long_name": "latitude", "axis": "Y"},
            ),
            "lon": (
                "lon",
                canvas.lon,
                {
                    "units": "degrees_east",
                    "standard_name": "longitude",
                    "long_name": "longitude",
                    "axis": "X",
                },
            ),
        },
        attrs={"title": "climpy synthetic paleogeography", "seed": seed, "resolution_deg": res},
    )
