"""Priority-Flood fill kernel: worked examples, ocean seeding, longitude wrap, lakes labelling."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.morphology import reconstruction

from climpy.kernels.fill import label_components_numba, priority_flood_numba

NO_SEEDS = np.zeros(0, dtype=np.int64)


def _fill(z, ocean=None, *, periodic=False, open_edges=False, seeds=NO_SEEDS):
    z = np.asarray(z, dtype=np.float64)
    if ocean is None:
        ocean = z <= 0
    return priority_flood_numba(z, np.asarray(ocean, dtype=np.uint8), seeds, periodic, open_edges)


def test_single_pit_raised_to_spill_level():
    # ocean on the left column; a pit of 1 m behind a rim whose lowest point is 5 m
    z = np.array(
        [
            [-10, 9, 9, 9, 9],
            [-10, 5, 9, 9, 9],
            [-10, 9, 1, 2, 9],
            [-10, 9, 9, 9, 9],
            [-10, 9, 9, 9, 9],
        ],
        dtype=float,
    )
    f = _fill(z)
    expect = z.copy()
    expect[2, 2] = 5
    expect[2, 3] = 5
    np.testing.assert_array_equal(f, expect)


def test_nested_depressions_fill_to_outer_spill():
    # inner pit (0.5) inside an outer basin (2) whose spill is 3; everything inside rises to 3
    z = np.full((7, 7), 10.0)
    z[:, 0] = -5
    z[3, 1] = 3  # spill towards the ocean
    z[2:5, 2:5] = 2
    z[3, 3] = 0.5
    f = _fill(z)
    assert np.all(f[2:5, 2:5] == 3)
    assert f[3, 1] == 3
    assert np.all(f[z > 3] == z[z > 3])


def test_matches_morphological_reconstruction_from_the_ocean():
    rng = np.random.default_rng(3)
    z = rng.normal(50, 40, (40, 60))
    z[:, :3] = -100  # ocean strip
    z[18:22, 30:33] = -20  # an inland ocean cell block (internal sea)
    ocean = z <= 0
    seed = np.where(ocean, z, z.max())
    ref = reconstruction(seed, z, method="erosion", footprint=np.ones((3, 3)))
    np.testing.assert_array_equal(_fill(z), ref)


def test_low_coast_never_raised_when_every_row_and_column_has_land():
    # border ring of high land (legacy filled from there), ocean inside, a low coastal plain
    z = np.full((20, 30), -200.0)
    z[0, :] = z[-1, :] = 800
    z[:, 0] = z[:, -1] = 800
    z[8:12, 10:20] = 1.0  # low island, 1 m
    f = _fill(z)
    np.testing.assert_array_equal(f, z)


def test_wrap_lets_a_basin_drain_across_the_dateline():
    # a valley at columns 0..1 whose only outlet is through the last column to the ocean
    z = np.full((9, 12), 100.0)
    z[:, 6] = -50  # ocean column in the middle
    z[4, 0] = 10
    z[4, 1] = 20
    z[4, 11] = 5  # route across the seam
    z[4, 10] = 4
    z[4, 9] = 3
    z[4, 8] = 2
    z[4, 7] = 1
    wrapped = _fill(z, periodic=True)
    assert wrapped[4, 0] == 10  # drains west across the seam, not filled
    walled = _fill(z, periodic=False)
    assert walled[4, 0] == 100  # without wrap the valley is a closed depression


def test_open_edges_drain_regional_grids():
    z = np.full((6, 6), 50.0)
    z[2:4, 2:4] = 10
    z[0, 3] = 1  # lowest point of the outer ring
    f = _fill(z, ocean=np.zeros_like(z, dtype=bool), open_edges=True)
    assert np.all(f[2:4, 2:4] == 50)  # pit behind 50 m walls fills to the wall
    assert f[0, 3] == 1


def test_extra_seed_keeps_a_depression():
    z = np.full((7, 7), 10.0)
    z[:, 0] = -5
    z[3, 1] = 3
    z[2:5, 2:5] = 2
    z[3, 3] = 0.5
    f = _fill(z, seeds=np.array([3 * 7 + 3], dtype=np.int64))
    assert f[3, 3] == 0.5
    assert np.all(f[2:5, 2:5] == z[2:5, 2:5])


@pytest.mark.parametrize("periodic", [True, False])
def test_fill_is_idempotent_and_leaves_ocean(periodic):
    rng = np.random.default_rng(11)
    z = rng.normal(0, 100, (30, 45))
    f = _fill(z, periodic=periodic)
    assert np.all(f >= z)
    np.testing.assert_array_equal(f[z <= 0], z[z <= 0])
    np.testing.assert_array_equal(_fill(f, ocean=z <= 0, periodic=periodic), f)


def test_input_not_modified():
    z = np.array([[-1.0, 5, 5], [-1, 5, 1], [-1, 5, 5]])
    before = z.copy()
    _fill(z)
    np.testing.assert_array_equal(z, before)


@pytest.mark.parametrize(("periodic", "expect"), [(True, 3), (False, 4)])
def test_label_components_wraps(periodic, expect):
    m = np.zeros((5, 8), dtype=np.uint8)
    m[1, 0] = m[2, 7] = 1  # diagonal neighbours across the seam
    m[4, 3:5] = 1
    m[0, 4] = 1
    labels, n = label_components_numba(m, periodic)
    assert n == expect
    assert labels[m == 0].max() == 0
    assert bool(labels[1, 0] == labels[2, 7]) is periodic
