"""D8 flow directions by steepest spherical slope, flat drainage, and downstream-order sweeps.

Direction codes (uint8) used by every kernel here:

* ``0..7``: flows to neighbour k = N, NE, E, SE, S, SW, W, NW (ORCHIDEE ``trip`` is k + 1);
  a cell whose neighbour k is ocean is a coastal outlet;
* ``SINK`` (8): no outflow (a kept lake's bottom, an inland sink);
* ``EDGE`` (9): drains out across an open edge of a regional grid;
* ``NODATA`` (255): ocean.

Modelled on pyflwdir ``core_d8.py`` (downstream index arrays, topological order by in-degree) but
with the boundary as an argument (periodic x) and directions chosen by slope over true spherical
distances, supplied per row because a regular lat/lon grid's spacings depend only on latitude.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from climpy.kernels.neighbours import neighbour_numba

__all__ = [
    "EDGE",
    "NODATA",
    "SINK",
    "accumulate_numba",
    "d8_directions_numba",
    "downstream_index_numba",
    "flow_order_numba",
    "propagate_numba",
    "routing_products_numba",
    "terminal_cells_numba",
]

SINK = 8
EDGE = 9
NODATA = 255
_PENDING = 254


@njit(cache=True)
def d8_directions_numba(z, ocean, sinks, dist, periodic_x, open_edges):
    """Steepest-descent D8 directions on a depression-free surface; flats drain to their outlet.

    Parameters
    ----------
    z : float64 (nrow, ncol)
        Filled elevation (m); land cells must have a non-ascending path to the ocean, a sink or
        an open edge (what :func:`climpy.kernels.fill.priority_flood_numba` guarantees).
    ocean : uint8 (nrow, ncol)
        1 on ocean. Ocean neighbours count as sea level (0 m) for the slope.
    sinks : uint8 (nrow, ncol)
        1 on cells that keep no outflow (code ``SINK``).
    dist : float64 (nrow, 8)
        Great-circle distance (m) from a cell of row r to its neighbour k.
    periodic_x, open_edges : bool
        Boundary: columns wrap; the outer ring drains out of the domain.

    Returns
    -------
    down : uint8 (nrow, ncol)
        Direction codes (module docstring).
    n_unresolved : int
        Land cells with no way out (0 on a properly filled surface); they are made ``SINK``.

    Notes
    -----
    Slope is ``(z - z_k) / dist[r, k]``; ties keep the first k in N, NE, ... order, so the result
    is invariant under a longitude roll. Cells with no strictly lower neighbour (flats, including
    filled depressions) follow the drainage mask of Barnes, Lehman & Mulla (2014b), computed
    without changing the elevations: twice the breadth-first distance (over cells of exactly equal
    elevation) from the flat's lower edge, minus the distance from its edge against higher land.
    Flow on a flat therefore converges away from its walls towards its outlet.
    """
    nr, nc = z.shape
    n = nr * nc
    zf = z.reshape(n)
    oc = ocean.reshape(n)
    sk = sinks.reshape(n)
    down = np.full(n, NODATA, dtype=np.uint8)
    npending = 0
    for r in range(nr):
        for c in range(nc):
            i = r * nc + c
            if oc[i]:
                continue
            if sk[i]:
                down[i] = SINK
                continue
            zc = zf[i]
            best = 0.0
            bk = -1
            at_edge = False
            for k in range(8):
                j = neighbour_numba(r, c, k, nr, nc, periodic_x)
                if j < 0:
                    at_edge = True
                    continue
                zn = 0.0 if oc[j] else zf[j]
                s = (zc - zn) / dist[r, k]
                if s > best:
                    best = s
                    bk = k
            if bk >= 0:
                down[i] = bk
            elif at_edge and open_edges:
                down[i] = EDGE
            else:
                down[i] = _PENDING
                npending += 1
    if npending == 0:
        return down.reshape(nr, nc), 0

    # flats: breadth-first distance from their lower edge over equal-elevation cells
    d = np.full(n, -1, dtype=np.int32)
    nseed = 0
    for i in range(n):
        if oc[i] or down[i] == _PENDING:
            continue
        d[i] = 0
        r = i // nc
        c = i - r * nc
        for k in range(8):
            j = neighbour_numba(r, c, k, nr, nc, periodic_x)
            if j >= 0 and down[j] == _PENDING and zf[j] == zf[i]:
                nseed += 1
                break
    queue = np.empty(nseed + npending, dtype=np.int64)
    tail = 0
    for i in range(n):
        if d[i] != 0:
            continue
        r = i // nc
        c = i - r * nc
        for k in range(8):
            j = neighbour_numba(r, c, k, nr, nc, periodic_x)
            if j >= 0 and down[j] == _PENDING and zf[j] == zf[i]:
                queue[tail] = i
                tail += 1
                break
    head = 0
    while head < tail:
        i = queue[head]
        head += 1
        r = i // nc
        c = i - r * nc
        for k in range(8):
            j = neighbour_numba(r, c, k, nr, nc, periodic_x)
            if j >= 0 and down[j] == _PENDING and d[j] < 0 and zf[j] == zf[i]:
                d[j] = d[i] + 1
                queue[tail] = j
                tail += 1
    # away from higher terrain: breadth-first distance from flat cells next to higher land
    a = np.zeros(n, dtype=np.int32)
    tail = 0
    for i in range(n):
        if down[i] != _PENDING or d[i] < 0:
            continue
        r = i // nc
        c = i - r * nc
        for k in range(8):
            j = neighbour_numba(r, c, k, nr, nc, periodic_x)
            if j >= 0 and not oc[j] and zf[j] > zf[i]:
                a[i] = 1
                queue[tail] = i
                tail += 1
                break
    head = 0
    while head < tail:
        i = queue[head]
        head += 1
        r = i // nc
        c = i - r * nc
        for k in range(8):
            j = neighbour_numba(r, c, k, nr, nc, periodic_x)
            if j >= 0 and down[j] == _PENDING and a[j] == 0 and d[j] > 0 and zf[j] == zf[i]:
                a[j] = a[i] + 1
                queue[tail] = j
                tail += 1
    # combined mask 2 * towards - away (Barnes 2014b; the per-flat constant cancels within a flat):
    # the towards-parent is always strictly lower, so every flat cell drains and nothing cycles
    unresolved = 0
    for i in range(n):
        if down[i] != _PENDING:
            continue
        if d[i] < 0:
            down[i] = SINK
            unresolved += 1
            continue
        r = i // nc
        c = i - r * nc
        bk = -1
        best = 2 * d[i] - a[i]
        for k in range(8):
            j = neighbour_numba(r, c, k, nr, nc, periodic_x)
            if j < 0 or oc[j] or zf[j] != zf[i] or d[j] < 0:
                continue
            if d[j] == 0:  # a lower edge of this flat: leave the flat at once
                bk = k
                break
            m = 2 * d[j] - a[j]  # d > 0: a flat cell (its code may already be set)
            if m < best:
                best = m
                bk = k
        down[i] = bk
    return down.reshape(nr, nc), unresolved


@njit(cache=True)
def downstream_index_numba(down, periodic_x):
    """Flat index of each cell's downstream cell.

    Parameters
    ----------
    down : uint8 (nrow, ncol)
        Direction codes.
    periodic_x : bool
        Columns wrap.

    Returns
    -------
    int64 (nrow, ncol)
        Downstream flat index; -1 for ocean, ``SINK`` and ``EDGE`` cells. An outlet's downstream
        cell is the ocean cell it flows into.
    """
    nr, nc = down.shape
    out = np.full((nr, nc), -1, dtype=np.int64)
    for r in range(nr):
        for c in range(nc):
            k = down[r, c]
            if k < 8:
                out[r, c] = neighbour_numba(r, c, k, nr, nc, periodic_x)
    return out


@njit(cache=True)
def flow_order_numba(down, periodic_x):
    """Land cells in an order where every cell comes before its downstream cell (Kahn's sort).

    Parameters
    ----------
    down : uint8 (nrow, ncol)
        Direction codes.
    periodic_x : bool
        Columns wrap.

    Returns
    -------
    order : int64 (nsorted,)
        Flat indices, upstream first. ``nsorted`` is smaller than the number of land cells only
        when the directions contain a cycle (the cells on and above it are left out).
    nland : int
        Number of land cells.
    """
    nr, nc = down.shape
    n = nr * nc
    dn = down.reshape(n)
    indeg = np.zeros(n, dtype=np.uint8)
    nland = 0
    for i in range(n):
        k = dn[i]
        if k == NODATA:
            continue
        nland += 1
        if k < 8:
            r = i // nc
            j = neighbour_numba(r, i - r * nc, k, nr, nc, periodic_x)
            if j >= 0 and dn[j] != NODATA:
                indeg[j] += 1
    order = np.empty(nland, dtype=np.int64)
    tail = 0
    for i in range(n):
        if dn[i] != NODATA and indeg[i] == 0:
            order[tail] = i
            tail += 1
    head = 0
    while head < tail:
        i = order[head]
        head += 1
        k = dn[i]
        if k < 8:
            r = i // nc
            j = neighbour_numba(r, i - r * nc, k, nr, nc, periodic_x)
            if j >= 0 and dn[j] != NODATA:
                indeg[j] -= 1
                if indeg[j] == 0:
                    order[tail] = j
                    tail += 1
    return order[:tail], nland


@njit(cache=True)
def accumulate_numba(down, order, weight_row, periodic_x):
    """Upstream sum of a per-row weight (e.g. cell area, m2) including the cell itself.

    Parameters
    ----------
    down : uint8 (nrow, ncol)
        Direction codes.
    order : int64 (nland,)
        From :func:`flow_order_numba`.
    weight_row : float64 (nrow,)
        Weight of one cell of each row.
    periodic_x : bool
        Columns wrap.

    Returns
    -------
    float64 (nrow, ncol)
        Accumulated weight on land, 0 on ocean.
    """
    nr, nc = down.shape
    n = nr * nc
    dn = down.reshape(n)
    acc = np.zeros(n, dtype=np.float64)
    for t in range(order.size):
        i = order[t]
        acc[i] = weight_row[i // nc]
    for t in range(order.size):
        i = order[t]
        k = dn[i]
        if k < 8:
            r = i // nc
            j = neighbour_numba(r, i - r * nc, k, nr, nc, periodic_x)
            if j >= 0 and dn[j] != NODATA:
                acc[j] += acc[i]
    return acc.reshape(nr, nc)


@njit(cache=True)
def propagate_numba(down, order, outlet_label, dist, periodic_x):
    """Basin label and along-river distance to the outlet, swept from outlets upstream.

    Parameters
    ----------
    down : uint8 (nrow, ncol)
        Direction codes.
    order : int64 (nland,)
        From :func:`flow_order_numba` (swept here in reverse).
    outlet_label : int32 (nrow, ncol)
        Label of each terminal cell (outlet to the ocean, ``SINK``, ``EDGE``); ignored elsewhere.
    dist : float64 (nrow, 8)
        Great-circle distance (m) from a cell of row r to its neighbour k.
    periodic_x : bool
        Columns wrap.

    Returns
    -------
    basin : int32 (nrow, ncol)
        Label of the terminal cell each land cell drains to; 0 on ocean.
    length : float64 (nrow, ncol)
        Distance (m) along the flow path to the ocean, including the outlet's step into the
        ocean (0 at sinks and edge outlets); NaN on ocean.
    """
    nr, nc = down.shape
    n = nr * nc
    dn = down.reshape(n)
    lab = outlet_label.reshape(n)
    basin = np.zeros(n, dtype=np.int32)
    length = np.full(n, np.nan, dtype=np.float64)
    for t in range(order.size - 1, -1, -1):
        i = order[t]
        k = dn[i]
        if k < 8:
            r = i // nc
            j = neighbour_numba(r, i - r * nc, k, nr, nc, periodic_x)
            step = dist[r, k]
            if j >= 0 and dn[j] != NODATA:
                basin[i] = basin[j]
                length[i] = length[j] + step
            else:
                basin[i] = lab[i]
                length[i] = step
        else:
            basin[i] = lab[i]
            length[i] = 0.0
    return basin.reshape(nr, nc), length.reshape(nr, nc)


@njit(cache=True)
def terminal_cells_numba(down, periodic_x):
    """Flat indices of the terminal cells: outlets into the ocean, ``SINK`` and ``EDGE`` cells.

    Parameters
    ----------
    down : uint8 (nrow, ncol)
        Direction codes.
    periodic_x : bool
        Columns wrap.

    Returns
    -------
    int64 (nterminal,)
        Row-major flat indices.
    """
    nr, nc = down.shape
    n = nr * nc
    dn = down.reshape(n)
    flag = np.zeros(n, dtype=np.uint8)
    count = 0
    for i in range(n):
        k = dn[i]
        if k == NODATA:
            continue
        if k >= 8:
            flag[i] = 1
        else:
            r = i // nc
            j = neighbour_numba(r, i - r * nc, k, nr, nc, periodic_x)
            if j < 0 or dn[j] == NODATA:
                flag[i] = 1
        count += flag[i]
    out = np.empty(count, dtype=np.int64)
    t = 0
    for i in range(n):
        if flag[i]:
            out[t] = i
            t += 1
    return out


@njit(cache=True)
def routing_products_numba(down, z, basin, dist, area_row, n_rivers, min_hdiff, periodic_x):
    """ORCHIDEE ``trip``, ``riverl``, ``hdiff`` and ``topoind`` in one pass, as float32.

    Parameters
    ----------
    down : uint8 (nrow, ncol)
        Direction codes.
    z : float64 (nrow, ncol)
        Filled elevation (m).
    basin : int32 (nrow, ncol)
        Basin rank (1 = largest), 0 on ocean.
    dist : float64 (nrow, 8)
        Great-circle distance (m) from a cell of row r to its neighbour k.
    area_row : float64 (nrow,)
        Cell area (m2) of each row; ``sqrt`` of it is the ``riverl`` of sinks and edge outlets.
    n_rivers : int
        Terminal cells of basins ranked ``<= n_rivers`` are river mouths (99), others 98.
    min_hdiff : float
        Lower bound (m) of ``hdiff`` on land.
    periodic_x : bool
        Columns wrap.

    Returns
    -------
    trip, riverl, hdiff, topoind : float32 (nrow, ncol)
        ``trip`` 1..8 or 97/98/99 and NaN on ocean; ``riverl`` (m) step to the downstream
        cell, NaN on ocean; ``hdiff`` (m) drop to the downstream cell (the height of outlets
        and sinks), 0 on ocean; ``topoind`` = ``sqrt(riverl**3 / (hdiff * 1e6))``, NaN on ocean.
    """
    nr, nc = down.shape
    trip = np.full((nr, nc), np.nan, dtype=np.float32)
    riverl = np.full((nr, nc), np.nan, dtype=np.float32)
    hdiff = np.zeros((nr, nc), dtype=np.float32)
    topoind = np.full((nr, nc), np.nan, dtype=np.float32)
    for r in range(nr):
        for c in range(nc):
            k = down[r, c]
            if k == NODATA:
                continue
            if k < 8:
                j = neighbour_numba(r, c, k, nr, nc, periodic_x)
                rj = j // nc
                cj = j - rj * nc
                step = dist[r, k]
                if down[rj, cj] == NODATA:
                    code = 99.0 if basin[r, c] <= n_rivers else 98.0
                    dz = z[r, c]
                else:
                    code = k + 1.0
                    dz = z[r, c] - z[rj, cj]
            else:
                step = np.sqrt(area_row[r])
                dz = z[r, c]
                if k == SINK:
                    code = 97.0
                else:
                    code = 99.0 if basin[r, c] <= n_rivers else 98.0
            if dz < min_hdiff:
                dz = min_hdiff
            trip[r, c] = code
            riverl[r, c] = step
            hdiff[r, c] = dz
            topoind[r, c] = np.sqrt(step**3 / (dz * 1e6)) if dz > 0 else np.inf
    return trip, riverl, hdiff, topoind
