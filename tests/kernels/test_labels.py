"""Labelling kernel: seam, overlap and fold merging, duplicates, halo."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from climpy.grid import (
    canonical_index,
    canonical_mask,
    detect_overlap,
    equivalent_pairs,
    halo,
    label_bodies,
    sync_duplicates,
)
from climpy.grid import detect_north_fold as detect_fold
from climpy.kernels.labels import merge_labels_numba


def test_merge_labels_chains_and_ignores_background():
    # 1-3 and 3-5 chain into one body; 2 stays alone; 4-0 is ignored
    lut = merge_labels_numba(5, np.array([1, 3, 4]), np.array([3, 5, 0]))
    assert lut[0] == 0
    assert lut[1] == lut[3] == lut[5]
    assert len({lut[1], lut[2], lut[4]}) == 3
    assert sorted(set(lut[1:].tolist())) == [1, 2, 3]  # compact numbering


def test_seam_joins_bodies_only_when_periodic():
    m = np.zeros((3, 8), dtype=bool)
    m[1, :2] = True
    m[1, -2:] = True
    assert label_bodies(m, periodic_x=False)[1] == 2
    labels, n = label_bodies(m, periodic_x=True)
    assert n == 1
    assert labels[1, 0] == labels[1, -1] == 1


def test_seam_merge_is_transitive():
    # a C-shaped body cut by the seam into three scipy labels: rows 0, 2, 4 touch the seam on
    # alternate sides and are joined through columns 0 and nx-1
    m = np.zeros((5, 10), dtype=bool)
    m[0, 0:3] = True
    m[0:3, 9] = True  # right edge, joins row 0 (via seam) and row 2
    m[2, 0:3] = True
    m[2:5, 9] = True
    m[4, 0:3] = True
    m[2, 7:10] = True
    labels, n = label_bodies(m, periodic_x=True)
    assert n == 1
    assert set(np.unique(labels[m])) == {1}


def test_diagonal_contact_is_not_a_connection():
    m = np.zeros((4, 4), dtype=bool)
    m[0, 0] = m[1, 1] = True
    assert label_bodies(m)[1] == 2


def test_overlap_columns_connect_through_duplicates():
    ny, nx = 4, 10
    m = np.zeros((ny, nx), dtype=bool)
    m[1, 1] = True  # physical column 1
    m[1, nx - 2] = True  # physical column nx-2: west neighbour of column 1 through the overlap
    m = sync_duplicates(m, overlap=2)
    labels, n = label_bodies(m, periodic_x=True, overlap=2)
    assert n == 1
    assert labels[1, 0] == labels[1, nx - 1] == labels[1, 1]


@pytest.mark.parametrize("fold", ["F", "T"])
def test_fold_connects_mirrored_cells(fold):
    ny, nx = 6, 12
    m = np.zeros((ny, nx), dtype=bool)
    if fold == "F":
        # (ny-2, i) touches (ny-1, i) == (ny-2, nx-1-i)
        m[ny - 2, 3] = True
        m[ny - 2, nx - 1 - 3] = True
    else:
        # (ny-2, i) touches (ny-1, i) == (ny-3, nx-i); use a cell of the western half
        m[ny - 2, 3] = True
        m[ny - 3, nx - 3] = True
    assert label_bodies(m, periodic_x=True, overlap=2)[1] == 2
    assert label_bodies(m, periodic_x=True, overlap=2, fold=fold)[1] == 1


@pytest.mark.parametrize("fold,expected", [(None, 4 * 8), ("F", 3 * 8), ("T", 2 * 8 + 5)])
def test_canonical_mask_counts_physical_cells(fold, expected):
    # T fold: row ny-2 keeps columns 1..nx//2 (5 of the 8 unique ones: 1..5), the rest mirror them
    shape = (4, 10)
    assert canonical_mask(shape, overlap=2, fold=fold).sum() == expected


def test_canonical_mask_matches_grid_canonical():
    from climpy.grid import Grid

    for fold in ("F", "T"):
        shape = (7, 12)
        z = np.zeros(shape)
        g = Grid("orca", shape, z, z, True, 2, fold)
        np.testing.assert_array_equal(canonical_index(shape, overlap=2, fold=fold), g.canonical())


def test_sync_duplicates_copies_physical_values():
    a = np.arange(40.0).reshape(4, 10)
    s = sync_duplicates(a, overlap=2, fold="F")
    np.testing.assert_array_equal(s[:, 0][:-1], a[:-1, 8])
    np.testing.assert_array_equal(s[:-1, 9], a[:-1, 1])
    np.testing.assert_array_equal(s[3], s[2, ::-1])
    assert a[3, 0] == 30.0  # input untouched


def test_equivalent_pairs_periodic_without_overlap():
    a, b = equivalent_pairs((3, 5), periodic_x=True)
    assert sorted(zip(a.tolist(), b.tolist())) == [(4, 0), (9, 5), (14, 10)]


def test_halo_wraps_and_folds():
    a = np.arange(24).reshape(3, 8)
    h = halo(a, periodic_x=True, fill=-1)
    np.testing.assert_array_equal(h[1:-1, 0], a[:, -1])
    np.testing.assert_array_equal(h[1:-1, -1], a[:, 0])
    assert (h[0] == -1).all() and (h[-1] == -1).all()
    h2 = halo(a, periodic_x=True, overlap=2, fold="F", fill=-1)
    np.testing.assert_array_equal(h2[1:-1, 0], a[:, 5])  # west of col 0 (== col 6) is col 5
    np.testing.assert_array_equal(h2[1:-1, -1], a[:, 2])  # east of col 7 (== col 1) is col 2
    np.testing.assert_array_equal(h2[-1, 1:-1], a[1])  # north of the fold row
    hr = halo(a, fill=-1)
    assert (hr[1:-1, 0] == -1).all()


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"overlap": 1}, "overlap must be 0 or 2"),
        ({"fold": "X"}, "fold must be one of"),
        ({"overlap": 2}, "periodic_x=True"),
    ],
)
def test_bad_topology_is_refused(kw, match):
    with pytest.raises(ValueError, match=match):
        label_bodies(np.zeros((5, 8), dtype=bool), **kw)


def test_empty_mask_has_no_body():
    labels, n = label_bodies(np.zeros((3, 6), dtype=bool), periodic_x=True)
    assert n == 0 and labels.max() == 0


def test_detects_synthetic_orca_topology():
    from climpy.testing import orca_like_grid

    for fold in ("F", "T"):
        ds = orca_like_grid(8, 12, fold=fold)
        assert detect_overlap(ds.nav_lat.values, ds.nav_lon.values) == 2
        assert detect_fold(ds.nav_lat.values, ds.nav_lon.values) == fold


@pytest.mark.requires_shared_data
def test_paleorca2_topology_is_f_fold_with_overlap(shared_data):
    g = xr.open_dataset(shared_data / "paleorca2_40Ma_grid.nc")
    assert detect_overlap(g.lat.values, g.lon.values) == 2
    assert detect_fold(g.lat.values, g.lon.values) == "F"
    b = xr.open_dataset(shared_data / "curvilinear.nc").Bathymetry.values
    # the bathymetry already obeys the rule: syncing changes nothing
    np.testing.assert_array_equal(sync_duplicates(b, overlap=2, fold="F"), b)
    # the fold merges the 464-cell Arctic-side body into the world ocean
    n_plain = label_bodies(b > 0, periodic_x=True, overlap=2)[1]
    n_fold = label_bodies(b > 0, periodic_x=True, overlap=2, fold="F")[1]
    assert (n_plain, n_fold) == (3, 2)


def _csgraph_nearest(mask, lat, lon, seeds, periodic):
    """Oracle: scipy's Dijkstra on an explicit graph of the same 4-neighbour great-circle edges."""
    from scipy import sparse
    from scipy.sparse import csgraph

    from climpy.geo import great_circle_distance

    ny, nx = mask.shape
    rows, cols = [], []
    for j in range(ny):
        for i in range(nx):
            for j2, i2 in ((j + 1, i), (j, i + 1)):
                if i2 == nx and periodic:
                    i2 = 0
                if j2 < ny and i2 < nx and mask[j, i] and mask[j2, i2]:
                    rows.append(j * nx + i)
                    cols.append(j2 * nx + i2)
    r, c = np.array(rows), np.array(cols)
    w = great_circle_distance(lat.ravel()[r], lon.ravel()[r], lat.ravel()[c], lon.ravel()[c])
    g = sparse.coo_matrix((w, (r, c)), shape=(ny * nx, ny * nx)).tocsr()
    return csgraph.dijkstra(g, directed=False, indices=seeds)  # (n_seeds, ny * nx)


@pytest.mark.parametrize("periodic", [True, False])
def test_nearest_seed_matches_csgraph_dijkstra(periodic):
    from climpy.geo import EARTH_RADIUS
    from climpy.kernels.labels import nearest_seed_numba

    rng = np.random.default_rng(7)
    ny, nx = 12, 20
    lat2, lon2 = np.meshgrid(np.linspace(-80, 80, ny), -180 + 18 * (np.arange(nx) + 0.5), indexing="ij")
    mask = rng.random((ny, nx)) < 0.75
    seeds = np.flatnonzero(mask)[[0, 40, 90]]
    lab, dist = nearest_seed_numba(
        mask,
        lat2,
        lon2,
        canonical_index((ny, nx)),
        seeds,
        np.array([1, 2, 3], dtype=np.int8),
        periodic,
        EARTH_RADIUS,
        4096,
    )
    per_seed = _csgraph_nearest(mask, lat2, lon2, seeds, periodic)
    ref = per_seed.min(axis=0).reshape(ny, nx)
    reach = np.isfinite(ref)
    assert (np.isfinite(dist) == reach).all()
    np.testing.assert_allclose(dist[reach], ref[reach], rtol=2e-3, atol=2e3)
    # labels agree wherever the two nearest seeds are not tied within the quantisation error
    two = np.sort(np.where(np.isfinite(per_seed), per_seed, 1e30), axis=0)[:2]
    clear = (reach.ravel() & (two[1] - two[0] > 5e3)).reshape(ny, nx)
    assert clear.sum() > 0.5 * mask.sum()
    np.testing.assert_array_equal(lab[clear], per_seed.argmin(axis=0).reshape(ny, nx)[clear] + 1)
    assert (lab[~mask] == 0).all()
