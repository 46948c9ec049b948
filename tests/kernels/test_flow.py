"""D8 direction, ordering, accumulation and propagation kernels."""

from __future__ import annotations

import numpy as np
import pytest

from climpy.geo import great_circle_distance
from climpy.kernels import DCOL, DROW
from climpy.kernels.fill import priority_flood_numba
from climpy.kernels.flow import (
    EDGE,
    NODATA,
    SINK,
    accumulate_numba,
    d8_directions_numba,
    downstream_index_numba,
    flow_order_numba,
    propagate_numba,
)


def _dist(lat, step_lon):
    nr = len(lat)
    out = np.empty((nr, 8))
    for k in range(8):
        rr = np.clip(np.arange(nr) + DROW[k], 0, nr - 1)
        out[:, k] = great_circle_distance(lat, 0.0, np.asarray(lat)[rr], DCOL[k] * step_lon)
        out[out[:, k] == 0, k] = 1.0
    return out


def _dirs(z, *, lat=None, periodic=False, open_edges=False, sinks=None):
    z = np.asarray(z, dtype=float)
    ocean = (z <= 0).astype(np.uint8)
    lat = np.linspace(-10, 10, z.shape[0]) if lat is None else np.asarray(lat, dtype=float)
    sinks = np.zeros_like(ocean) if sinks is None else sinks.astype(np.uint8)
    f = priority_flood_numba(z, ocean, np.flatnonzero(sinks).astype(np.int64), periodic, open_edges)
    down, unresolved = d8_directions_numba(f, ocean, sinks, _dist(lat, 1.0), periodic, open_edges)
    return f, down, unresolved


def test_plane_flows_towards_the_ocean():
    z = np.tile(np.arange(6, 0, -1, dtype=float), (5, 1))  # decreasing eastwards
    z[:, -1] = -10
    _, down, unresolved = _dirs(z)
    assert unresolved == 0
    assert np.all(down[:, :-1] == 2)  # E
    assert np.all(down[:, -1] == NODATA)


def test_steepest_slope_not_largest_drop():
    # at 60N an E step is about half as long as a N step: a 6 m drop east beats 10 m north
    lat = np.array([59.0, 60.0, 61.0])
    z = np.array([[50.0, 50, 50], [50, 20, 14], [50, 10, 50]])
    ocean = np.zeros(z.shape, np.uint8)
    down, _ = d8_directions_numba(z, ocean, ocean, _dist(lat, 1.0), False, False)
    assert down[1, 1] == 2  # E by slope; the legacy largest-drop rule picks N


def test_ocean_counts_as_sea_level():
    # a deep trench next to the coast must not attract flow away from a steeper land drop
    lat = np.array([-1.0, 0, 1])
    z = np.array([[100.0, 100, 100], [100, 50, 1], [-4000, 100, 100]])
    ocean = (z <= 0).astype(np.uint8)
    down, _ = d8_directions_numba(z, ocean, ocean * 0, _dist(lat, 1.0), False, False)
    # E drop 49 m over ~111 km beats SW drop 50 m (sea level) over ~157 km
    assert down[1, 1] == 2


def test_flat_drains_to_its_outlet_without_cycles():
    z = np.full((9, 9), 100.0)
    z[:, 0] = -1
    z[1:8, 1:8] = 20.0  # a plateau, exactly flat
    z[4, 1] = 20.0
    f, down, unresolved = _dirs(z)
    assert unresolved == 0
    order, nland = flow_order_numba(down, False)
    assert order.size == nland
    # every cell moves to an equal or lower cell, never uphill, and plateau cells move
    ds = downstream_index_numba(down, False).ravel()
    src = (down.ravel() < 8) & (down.ravel() != NODATA)
    assert np.all(f.ravel()[ds[src]] <= f.ravel()[src])
    assert np.all(down[1:8, 1:8] < 8)
    # the plateau exits through its single spill cell (4, 1) towards the ocean column
    assert down[4, 1] in (5, 6, 7)


def test_sinks_and_edges_are_terminal():
    z = np.full((6, 6), 50.0)
    z[3, 3] = 5
    sinks = np.zeros(z.shape, np.uint8)
    sinks[3, 3] = 1
    _, down, unresolved = _dirs(z, sinks=sinks, open_edges=True)
    assert unresolved == 0
    assert down[3, 3] == SINK
    assert np.all(down[[0, -1], :] != SINK)
    edge = down == EDGE
    assert edge[0, 0] and not edge[2:5, 2:5].any()


def test_unfilled_pit_is_reported_as_unresolved():
    z = np.array([[-1.0, 5, 5, 5], [-1, 5, 1, 5], [-1, 5, 5, 5]])
    ocean = (z <= 0).astype(np.uint8)
    down, unresolved = d8_directions_numba(z, ocean, ocean * 0, _dist([0, 1, 2], 1.0), False, False)
    assert unresolved == 1
    assert down[1, 2] == SINK


@pytest.mark.parametrize("periodic", [True, False])
def test_accumulation_and_lengths(periodic):
    rng = np.random.default_rng(5)
    z = rng.normal(30, 50, (20, 30))
    lat = np.linspace(-60, 60, 20)
    f, down, unresolved = _dirs(z, lat=lat, periodic=periodic)
    assert unresolved == 0
    order, nland = flow_order_numba(down, periodic)
    assert order.size == nland == int((z > 0).sum())
    w = np.cos(np.deg2rad(lat))
    acc = accumulate_numba(down, order, w, periodic)
    ds = downstream_index_numba(down, periodic).ravel()
    dn = down.ravel()
    land = dn != NODATA
    terminal = land & ((dn >= 8) | ~land[np.maximum(ds, 0)])
    # each land cell's accumulation is its own weight plus its upstream neighbours'
    rows = np.repeat(np.arange(20), 30)
    inflow = np.zeros(600)
    src = land & ~terminal
    np.add.at(inflow, ds[src], acc.ravel()[src])
    np.testing.assert_allclose(acc.ravel()[land], w[rows[land]] + inflow[land])
    # the outlets carry all the land weight
    np.testing.assert_allclose(acc.ravel()[terminal].sum(), w[rows[land]].sum())
    labels = np.zeros(600, np.int32)
    labels[terminal] = np.arange(1, terminal.sum() + 1)
    dist = _dist(lat, 1.0)
    basin, length = propagate_numba(down, order, labels.reshape(20, 30), dist, periodic)
    b = basin.ravel()
    assert b[land].min() >= 1 and np.all(b[~land] == 0)
    np.testing.assert_array_equal(b[src], b[ds[src]])
    step = dist[rows[src], dn[src]]
    np.testing.assert_allclose(length.ravel()[src], length.ravel()[ds[src]] + step)
    assert np.all(np.isnan(length.ravel()[~land]))


def test_flow_order_detects_a_cycle():
    down = np.full((3, 3), NODATA, dtype=np.uint8)
    down[1, 0] = 2  # E
    down[1, 1] = 6  # W: a two-cell loop
    order, nland = flow_order_numba(down, False)
    assert nland == 2 and order.size == 0


def test_flat_valley_flow_converges_away_from_its_walls():
    # a flat valley floor (rows 2..6, cols 1..12) between walls, open to the west at row 4 only
    z = np.full((9, 15), 100.0)
    z[:, 0] = -10
    z[2:7, 1:13] = 20.0
    z[[2, 3, 5, 6], 1] = 100.0  # the valley drains through (4, 1) only
    _, down, unresolved = _dirs(z)
    assert unresolved == 0
    order, nland = flow_order_numba(down, False)
    assert order.size == nland
    # far from the outlet, cells along both walls turn towards the valley axis (row 4)
    # (N is row + 1): the south wall row flows NW, the north wall row SW, not W along the wall
    assert np.all(down[2, 6:12] == 7)
    assert np.all(down[6, 6:12] == 5)
    assert np.all(down[4, 5:12] == 6)  # the axis flows straight west
