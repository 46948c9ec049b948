"""Hypothesis invariants of ocean connectivity: rolling, counting, filling, passages, ORCA topology."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from climpy.fields import ocean_mask
from climpy.grid import Grid, canonical_mask
from climpy.internal_oceans import fill_internal_oceans, internal_oceans
from climpy.passages import close_passages, passages, widen_passages
from climpy.testing import orca_like_grid, topography_dataset

pytestmark = [pytest.mark.properties, pytest.mark.slow]

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

shapes = st.tuples(st.integers(3, 9), st.integers(4, 14))


@st.composite
def ocean_maps(draw):
    shape = draw(shapes)
    return draw(arrays(bool, shape, elements=st.booleans()))


def _topo(ocean: np.ndarray):
    return topography_dataset(np.where(ocean, -100.0, 100.0))


def _bfs_bodies(ds) -> int:
    """Count bodies by breadth-first search over the io Grid's neighbour table (independent oracle)."""
    from climpy.grid import Grid

    g = Grid.from_dataset(ds)
    nb = g.neighbours(4).reshape(-1, 4)
    ocean = ocean_mask(ds).ravel()
    seen = np.zeros(ocean.size, dtype=bool)
    n = 0
    for c in np.flatnonzero(
        canonical_mask(g.shape, overlap=g.overlap, fold=g.north_fold) & ocean.reshape(g.shape)
    ):
        if seen[c]:
            continue
        n += 1
        seen[c] = True
        queue = deque([c])
        while queue:
            k = queue.popleft()
            for m in nb[k]:
                if m >= 0 and ocean[m] and not seen[m]:
                    seen[m] = True
                    queue.append(m)
    return n


@SETTINGS
@given(ocean=ocean_maps(), shift=st.integers(1, 13))
def test_rolling_in_longitude_keeps_counts_and_areas(ocean, shift):
    a = internal_oceans(_topo(ocean))
    b = internal_oceans(_topo(np.roll(ocean, shift, axis=1)))
    assert int(a.n_internal) == int(b.n_internal)
    np.testing.assert_allclose(np.sort(a.area.values), np.sort(b.area.values), rtol=1e-9)
    assert int(passages(_topo(ocean)).n_passages) == int(
        passages(_topo(np.roll(ocean, shift, axis=1))).n_passages
    )


@SETTINGS
@given(ocean=ocean_maps())
def test_internal_count_is_bodies_minus_one(ocean):
    ds = _topo(ocean)
    res = internal_oceans(ds)
    bodies = _bfs_bodies(ds)
    assert res.sizes["body"] == bodies
    assert int(res.n_internal) == max(bodies - 1, 0)
    assert int(res.n_cells.sum()) == int(ocean.sum())


@SETTINGS
@given(ocean=ocean_maps())
def test_filling_every_internal_ocean_leaves_none(ocean):
    ds = _topo(ocean)
    out = fill_internal_oceans(ds)
    res = internal_oceans(out)
    assert int(res.n_internal) == 0
    # the world ocean is untouched
    before = internal_oceans(ds)
    if before.sizes["body"]:
        np.testing.assert_array_equal(res.label.values == 1, before.label.values == 1)


@SETTINGS
@given(ocean=ocean_maps())
def test_widen_and_close_leave_no_passage(ocean):
    ds = _topo(ocean)
    assert int(passages(widen_passages(ds)).n_passages) == 0
    closed = close_passages(ds)
    assert int(passages(closed).n_passages) == 0
    assert (ocean_mask(closed) <= ocean).all()  # closing only removes ocean


@SETTINGS
@given(
    fold=st.sampled_from(["F", "T"]),
    ny=st.integers(4, 9),
    half=st.integers(3, 8),
    seed=st.integers(0, 2**16),
    p=st.floats(0.3, 0.8),
)
def test_orca_bodies_match_bfs_oracle(fold, ny, half, seed, p):
    rng = np.random.default_rng(seed)
    ds = orca_like_grid(
        ny, 2 * half, fold=fold, bathymetry=lambda la, lo: np.where(rng.random(la.shape) < p, 1000.0, 0.0)
    )
    res = internal_oceans(ds)
    assert res.sizes["body"] == _bfs_bodies(ds)
    g = Grid.from_dataset(ds)
    canon = canonical_mask(g.shape, overlap=g.overlap, fold=g.fold)
    assert int(res.n_cells.sum()) == int((ocean_mask(ds) & canon).sum())
    assert int(internal_oceans(fill_internal_oceans(ds)).n_internal) == 0
