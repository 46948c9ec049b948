"""Exact overlap areas between spherical polygons and latitude-longitude boxes (numba).

Array contract: plain float64 numpy arrays, no xarray; areas are in steradians (unit sphere).

* A polygon is given by its ``nc`` corners as unit vectors ``(n, nc, 3)``, joined by great-circle
  arcs (the edge convention of SCRIP, CDO/YAC and ESMF for curvilinear ocean grids such as ORCA).
  It must be simple, smaller than a hemisphere and counter-clockwise seen from outside the sphere
  (:func:`polygon_areas_numba` gives the signed area, so callers can reverse clockwise polygons).
  Repeated corners (degenerate edges) and corners on a pole are allowed.
* A box is ``lon_w <= lon <= lon_e`` (radians, width below pi), ``z_s <= sin(lat) <= z_n``: its
  east and west edges are meridians (great circles) and its north and south edges are parallels
  (small circles), the edge convention of regular atmosphere grids such as LMDZ.

The clipping is Sutherland-Hodgman on the sphere: the half-spaces bounded by the meridian planes
(through the centre) are clipped with great-circle/plane intersections; the parallels are planes
``z = const`` not through the centre, which a great-circle arc can cross twice (its bulge), so
both crossings are found analytically. Clipped edges that run along a parallel are flagged, and
the area is the great-circle polygon area (Van Oosterom & Strackee triangle fan) plus, for each
flagged edge, the exact area between the parallel and the great circle through its ends. Nothing
is approximated: the results are exact up to rounding (about 1e-15 relative).

No recursion, fixed-size work arrays; ``cache=True``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["box_overlaps_numba", "polygon_areas_numba"]

_MAXV = 64  # vertices of a clipped polygon: 4 corners + at most 2 per clip plane and bulge crossings
_EPS = 1e-15


@numba.njit(cache=True, inline="always")
def _tri_area(ax, ay, az, bx, by, bz, cx, cy, cz):
    # signed area of the great-circle triangle a, b, c (Van Oosterom & Strackee 1983)
    det = ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx)
    den = 1.0 + (ax * bx + ay * by + az * bz) + (bx * cx + by * cy + bz * cz) + (cx * ax + cy * ay + cz * az)
    return 2.0 * math.atan2(det, den)


@numba.njit(cache=True)
def _area(px, py, pz, flag, n):
    """Signed area (sr) of a polygon with great-circle edges and flagged parallel edges."""
    if n < 2:
        return 0.0
    a = 0.0
    for k in range(1, n - 1):
        a += _tri_area(px[0], py[0], pz[0], px[k], py[k], pz[k], px[k + 1], py[k + 1], pz[k + 1])
    for k in range(n):
        if flag[k] != 1:
            continue
        k2 = (k + 1) % n
        z0 = 0.5 * (pz[k] + pz[k2])
        dl = math.atan2(py[k2], px[k2]) - math.atan2(py[k], px[k])
        if dl > math.pi:
            dl -= 2.0 * math.pi
        elif dl < -math.pi:
            dl += 2.0 * math.pi
        s = abs(z0)
        t = (1.0 - s) / (1.0 + s)  # tan^2(colatitude / 2)
        sector = (1.0 - s) * dl  # between the parallel and the pole
        tri = 2.0 * math.atan2(t * math.sin(dl), 1.0 + t * math.cos(dl))  # pole + great circle
        corr = sector - tri
        a += corr if z0 >= 0 else -corr
    return a


@numba.njit(cache=True)
def _clip_plane(px, py, pz, pf, n, nx_, ny_, nz_, qx, qy, qz, qf):
    """Clip by the half-space n . p >= 0 of a plane through the centre (a great circle)."""
    m = 0
    for k in range(n):
        k2 = (k + 1) % n
        ax, ay, az = px[k], py[k], pz[k]
        bx, by, bz = px[k2], py[k2], pz[k2]
        fa = nx_ * ax + ny_ * ay + nz_ * az
        fb = nx_ * bx + ny_ * by + nz_ * bz
        ia = fa >= 0.0
        ib = fb >= 0.0
        if ia:
            qx[m], qy[m], qz[m], qf[m] = ax, ay, az, pf[k]
            m += 1
        if ia != ib:
            cx = fa * bx - fb * ax
            cy = fa * by - fb * ay
            cz = fa * bz - fb * az
            if fa - fb < 0.0:
                cx, cy, cz = -cx, -cy, -cz
            r = math.sqrt(cx * cx + cy * cy + cz * cz)
            if r > 0.0:
                cx, cy, cz = cx / r, cy / r, cz / r
            else:
                cx, cy, cz = ax, ay, az
            qx[m], qy[m], qz[m] = cx, cy, cz
            qf[m] = 0 if ia else pf[k]  # leaving: the next edge follows the clip great circle
            m += 1
    return m


@numba.njit(cache=True)
def _on_parallel(x, y, z0):
    r = math.sqrt(x * x + y * y)
    rr = math.sqrt(max(0.0, 1.0 - z0 * z0))
    if r > 0.0:
        return x * rr / r, y * rr / r, z0
    return rr, 0.0, z0


@numba.njit(cache=True)
def _clip_z(px, py, pz, pf, n, z0, sgn, qx, qy, qz, qf):
    """Clip by sgn * (z - z0) >= 0 (south edge: sgn=+1, north edge: sgn=-1); crossings lie on the parallel."""
    m = 0
    for k in range(n):
        k2 = (k + 1) % n
        ax, ay, az = px[k], py[k], pz[k]
        bx, by, bz = px[k2], py[k2], pz[k2]
        ia = sgn * (az - z0) >= 0.0
        ib = sgn * (bz - z0) >= 0.0
        if ia:
            qx[m], qy[m], qz[m], qf[m] = ax, ay, az, pf[k]
            m += 1
        # great circle through a, b: p(s) = a cos s + u sin s, 0 <= s <= theta
        dot = ax * bx + ay * by + az * bz
        ux, uy, uz = bx - dot * ax, by - dot * ay, bz - dot * az
        ru = math.sqrt(ux * ux + uy * uy + uz * uz)
        if ru <= _EPS or pf[k] == 1:
            continue  # degenerate edge (repeated corner), or a parallel: never crosses another parallel
        ux, uy, uz = ux / ru, uy / ru, uz / ru
        theta = math.atan2(ru, dot)
        amp = math.hypot(az, uz)
        two_pi = 2.0 * math.pi
        r0 = -1.0
        r1 = -1.0
        nr = 0
        if amp > 0.0:
            delta = math.atan2(uz, az)
            w = math.acos(min(1.0, max(-1.0, z0 / amp)))
            s0 = (delta - w) % two_pi
            s1 = (delta + w) % two_pi
            if ia != ib:
                # exactly one crossing: the candidate nearest to [0, theta], clamped (rounding at the ends)
                d0 = 0.0 if s0 <= theta else min(s0 - theta, two_pi - s0)
                d1 = 0.0 if s1 <= theta else min(s1 - theta, two_pi - s1)
                s = s0 if d0 <= d1 else s1
                if s > theta:
                    s = theta if s - theta < two_pi - s else 0.0
                r0 = s
                nr = 1
            elif abs(z0) < amp:
                if 1e-12 < s0 < theta - 1e-12 and 1e-12 < s1 < theta - 1e-12:
                    r0 = min(s0, s1)
                    r1 = max(s0, s1)
                    nr = 2
        if ia != ib:
            if nr == 0:  # horizontal great circle (amp == 0) cannot separate the ends; keep the nearer end
                r0 = 0.0 if abs(az - z0) < abs(bz - z0) else theta
            cx, cy, cz = _on_parallel(
                ax * math.cos(r0) + ux * math.sin(r0), ay * math.cos(r0) + uy * math.sin(r0), z0
            )
            qx[m], qy[m], qz[m] = cx, cy, cz
            qf[m] = 1 if ia else pf[k]
            m += 1
        elif nr == 2:
            for r in range(2):
                s = r0 if r == 0 else r1
                cx, cy, cz = _on_parallel(
                    ax * math.cos(s) + ux * math.sin(s), ay * math.cos(s) + uy * math.sin(s), z0
                )
                qx[m], qy[m], qz[m] = cx, cy, cz
                # inside ends: out at the first root (along the parallel), back at the second; else reverse
                if ia:
                    qf[m] = 1 if r == 0 else pf[k]
                else:
                    qf[m] = pf[k] if r == 0 else 1
                m += 1
    return m


@numba.njit(cache=True)
def polygon_areas_numba(corners):
    """Signed areas (sr) of great-circle polygons ``corners`` (n, nc, 3); positive when counter-clockwise."""
    n, nc, _ = corners.shape
    out = np.empty(n)
    px = np.empty(_MAXV)
    py = np.empty(_MAXV)
    pz = np.empty(_MAXV)
    pf = np.zeros(_MAXV, dtype=np.int8)
    for i in range(n):
        for k in range(nc):
            px[k], py[k], pz[k] = corners[i, k, 0], corners[i, k, 1], corners[i, k, 2]
        out[i] = _area(px, py, pz, pf, nc)
    return out


@numba.njit(cache=True)
def box_overlaps_numba(corners, cell, box, lon_w, lon_e, z_s, z_n):
    """Overlap areas (sr) of polygon ``cell[k]`` with box ``box[k]`` for each candidate pair k.

    Parameters
    ----------
    corners : float64 (n_poly, nc, 3)
        Counter-clockwise polygon corners as unit vectors.
    cell, box : int64 (n_pairs,)
        Candidate pairs (polygon index, box index).
    lon_w, lon_e : float64 (n_box,)
        West and east box edges, radians, ``0 < lon_e - lon_w < pi``.
    z_s, z_n : float64 (n_box,)
        Sines of the south and north box edges; ``-1`` and ``1`` mean the pole (no clipping).

    Returns
    -------
    float64 (n_pairs,)
        Overlap areas, >= 0.
    """
    npair = cell.size
    nc = corners.shape[1]
    out = np.zeros(npair)
    ax_ = np.empty(_MAXV)
    ay_ = np.empty(_MAXV)
    az_ = np.empty(_MAXV)
    af = np.zeros(_MAXV, dtype=np.int8)
    bx_ = np.empty(_MAXV)
    by_ = np.empty(_MAXV)
    bz_ = np.empty(_MAXV)
    bf = np.zeros(_MAXV, dtype=np.int8)
    for k in range(npair):
        c = cell[k]
        b = box[k]
        for v in range(nc):
            ax_[v], ay_[v], az_[v] = corners[c, v, 0], corners[c, v, 1], corners[c, v, 2]
            af[v] = 0
        n = nc
        # west meridian: keep lon >= lon_w, normal (-sin, cos, 0)
        n = _clip_plane(ax_, ay_, az_, af, n, -math.sin(lon_w[b]), math.cos(lon_w[b]), 0.0, bx_, by_, bz_, bf)
        if n < 3:
            continue
        # east meridian: keep lon <= lon_e, normal (sin, -cos, 0)
        n = _clip_plane(bx_, by_, bz_, bf, n, math.sin(lon_e[b]), -math.cos(lon_e[b]), 0.0, ax_, ay_, az_, af)
        if n < 3:
            continue
        if z_s[b] > -1.0:
            n = _clip_z(ax_, ay_, az_, af, n, z_s[b], 1.0, bx_, by_, bz_, bf)
        else:
            for v in range(n):
                bx_[v], by_[v], bz_[v], bf[v] = ax_[v], ay_[v], az_[v], af[v]
        if n < 2:  # two vertices can still bound a lens (a great-circle arc and a parallel)
            continue
        if z_n[b] < 1.0:
            n = _clip_z(bx_, by_, bz_, bf, n, z_n[b], -1.0, ax_, ay_, az_, af)
        else:
            for v in range(n):
                ax_[v], ay_[v], az_[v], af[v] = bx_[v], by_[v], bz_[v], bf[v]
        if n < 2:
            continue
        out[k] = max(0.0, _area(ax_, ay_, az_, af, n))
    return out
