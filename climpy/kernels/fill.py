"""Depression filling: Priority-Flood seeded from the ocean, with longitude wrap.

Implements the "improved" Priority-Flood of Barnes, Lehman & Mulla (2014): a priority queue for
cells that rise above the current spill level and a plain FIFO queue for cells inside depressions
and on flats, which are raised to the spill level without touching the priority queue.

Why hand-written rather than ``heapq`` or pysheds' ``_priority_flood``: those push tuples
(elevation, counter, row, col) of about 40 bytes each into a typed list. Here the heap is two
plain arrays (float64 key, int64 flat index: 16 bytes a queued cell, and only the flood front is
queued), ties need no counter because the filled surface does not depend on their order, and
both queues grow by doubling, so memory stays well under 100 bytes a cell even at 1e8 cells.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from climpy.kernels.neighbours import neighbour_numba

__all__ = ["label_components_numba", "priority_flood_numba"]


@njit(cache=True)
def _heap_push_numba(hkey, hidx, size, key, idx):
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        if hkey[parent] <= key:
            break
        hkey[pos] = hkey[parent]
        hidx[pos] = hidx[parent]
        pos = parent
    hkey[pos] = key
    hidx[pos] = idx


@njit(cache=True)
def _heap_pop_numba(hkey, hidx, size):
    """Remove the root of a heap of ``size`` items; the caller reads it first."""
    size -= 1
    key = hkey[size]
    idx = hidx[size]
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and hkey[child + 1] < hkey[child]:
            child += 1
        if hkey[child] >= key:
            break
        hkey[pos] = hkey[child]
        hidx[pos] = hidx[child]
        pos = child
    hkey[pos] = key
    hidx[pos] = idx


@njit(cache=True)
def _grow_numba(buf):
    new = np.empty(max(16, 2 * buf.size), dtype=buf.dtype)
    new[: buf.size] = buf
    return new


@njit(cache=True)
def priority_flood_numba(elev, ocean, seeds, periodic_x, open_edges):
    """Fill every depression of ``elev`` that does not drain to the ocean or to a seed.

    Parameters
    ----------
    elev : float64 (nrow, ncol)
        Elevation (m), positive up, finite. Not modified.
    ocean : uint8 (nrow, ncol)
        1 on ocean cells (never modified, never raised), 0 on land.
    seeds : int64 (nseed,)
        Extra flat indices (row * ncol + col) that drain by themselves (kept lakes' sinks).
    periodic_x : bool
        Columns wrap (global lat/lon grid). Rows never wrap.
    open_edges : bool
        The outer ring of the array drains out of the domain (regional grids).

    Returns
    -------
    float64 (nrow, ncol)
        Filled elevation (m): ``>= elev`` on land, ``== elev`` on ocean. Filled depressions are
        exactly flat at their spill elevation (no epsilon).
    """
    nr, nc = elev.shape
    n = nr * nc
    z = elev.copy().reshape(n)
    oc = ocean.reshape(n)
    closed = np.zeros(n, dtype=np.uint8)
    cap = max(1024, n // 32)
    hkey = np.empty(cap, dtype=np.float64)
    hidx = np.empty(cap, dtype=np.int64)
    hsize = 0
    pit = np.empty(max(1024, n // 64), dtype=np.int64)
    phead = 0
    ptail = 0

    for i in range(n):
        if oc[i]:
            closed[i] = 1
    # seeds: land cells next to the ocean, on an open edge, or given explicitly
    for r in range(nr):
        for c in range(nc):
            i = r * nc + c
            if closed[i]:
                continue
            seed = open_edges and (r == 0 or r == nr - 1 or ((c == 0 or c == nc - 1) and not periodic_x))
            if not seed:
                for k in range(8):
                    j = neighbour_numba(r, c, k, nr, nc, periodic_x)
                    if j >= 0 and oc[j]:
                        seed = True
                        break
            if seed:
                closed[i] = 1
                if hsize == hkey.size:
                    hkey = _grow_numba(hkey)
                    hidx = _grow_numba(hidx)
                _heap_push_numba(hkey, hidx, hsize, z[i], i)
                hsize += 1
    for s in range(seeds.size):
        i = seeds[s]
        if closed[i]:
            continue
        closed[i] = 1
        if hsize == hkey.size:
            hkey = _grow_numba(hkey)
            hidx = _grow_numba(hidx)
        _heap_push_numba(hkey, hidx, hsize, z[i], i)
        hsize += 1

    while hsize > 0 or ptail > phead:
        if ptail > phead:
            c0 = pit[phead]
            phead += 1
            if phead == ptail:
                phead = 0
                ptail = 0
        else:
            c0 = hidx[0]
            _heap_pop_numba(hkey, hidx, hsize)
            hsize -= 1
        zc = z[c0]
        r = c0 // nc
        c = c0 - r * nc
        for k in range(8):
            j = neighbour_numba(r, c, k, nr, nc, periodic_x)
            if j < 0 or closed[j]:
                continue
            closed[j] = 1
            if z[j] <= zc:
                z[j] = zc
                if ptail == pit.size:
                    if phead >= pit.size // 2:  # compact only when it frees half: amortised O(1)
                        m = ptail - phead
                        for t in range(m):  # no overlap: m <= phead
                            pit[t] = pit[phead + t]
                        phead = 0
                        ptail = m
                    else:
                        pit = _grow_numba(pit)
                pit[ptail] = j
                ptail += 1
            else:
                if hsize == hkey.size:
                    hkey = _grow_numba(hkey)
                    hidx = _grow_numba(hidx)
                _heap_push_numba(hkey, hidx, hsize, z[j], j)
                hsize += 1
    return z.reshape(nr, nc)


@njit(cache=True)
def label_components_numba(mask, periodic_x):
    """Label the 8-connected components of ``mask`` (breadth-first, explicit queue).

    Parameters
    ----------
    mask : uint8 (nrow, ncol)
        Non-zero on cells to label.
    periodic_x : bool
        Components connect across the first and last columns.

    Returns
    -------
    labels : int32 (nrow, ncol)
        0 outside ``mask``, 1..n inside, numbered in row-major order of each component's first cell.
    n : int
        Number of components.
    """
    nr, nc = mask.shape
    n = nr * nc
    m = mask.reshape(n)
    labels = np.zeros(n, dtype=np.int32)
    queue = np.empty(1024, dtype=np.int64)
    nlab = 0
    for i0 in range(n):
        if m[i0] == 0 or labels[i0] != 0:
            continue
        nlab += 1
        labels[i0] = nlab
        head = 0
        tail = 1
        queue[0] = i0
        while head < tail:
            i = queue[head]
            head += 1
            r = i // nc
            c = i - r * nc
            for k in range(8):
                j = neighbour_numba(r, c, k, nr, nc, periodic_x)
                if j >= 0 and m[j] != 0 and labels[j] == 0:
                    labels[j] = nlab
                    if tail == queue.size:
                        queue = _grow_numba(queue)
                    queue[tail] = j
                    tail += 1
    return labels.reshape(nr, nc), nlab
