from __future__ import annotations

import numpy as np
import pytest

from climpy.geo import EARTH_RADIUS
from climpy.grid import Grid
from climpy.testing import (
    assert_has_metadata,
    assert_orca_consistent,
    assert_topography_dataset,
    latlon_grid,
    orca_like_grid,
    periodic_strip,
    topography_dataset,
)


def test_latlon_grid_global_and_regional():
    g = latlon_grid(6, 12)
    np.testing.assert_allclose(g.lat.values, [-75, -45, -15, 15, 45, 75])
    assert g.lon.values[0] == -165 and g.lon.values[-1] == 165
    assert Grid.from_dataset(g).periodic_x
    r = latlon_grid(4, 5, lat_range=(0, 20), lon_range=(10, 35))
    np.testing.assert_allclose(r.lon.values, [12.5, 17.5, 22.5, 27.5, 32.5])
    assert not Grid.from_dataset(r).periodic_x


def test_topography_dataset_from_callable_array_and_scalar():
    ds = topography_dataset(lambda lat, lon: np.where(lat > 0, 100.0, -100.0), nlat=6, nlon=12)
    assert_topography_dataset(ds)
    assert_has_metadata(ds.topo)
    assert (ds.topo.sel(lat=75).values == 100).all() and (ds.topo.sel(lat=-75).values == -100).all()
    arr = np.arange(12.0).reshape(3, 4) - 5
    ds2 = topography_dataset(arr)
    np.testing.assert_array_equal(ds2.topo.values, arr)
    assert topography_dataset(-5.0, nlat=2, nlon=3).topo.shape == (2, 3)
    with pytest.raises(ValueError, match="shape"):
        topography_dataset(arr, nlat=4, nlon=4)


def test_periodic_strip_has_land_across_the_dateline():
    ds = periodic_strip()
    assert_topography_dataset(ds)
    assert Grid.from_dataset(ds).periodic_x
    assert ds.topo.isel(lon=0).min() > 0 and ds.topo.isel(lon=-1).min() > 0
    assert (ds.topo.sel(lon=0, method="nearest") < 0).all()


@pytest.mark.parametrize("fold", ["T", "F"])
def test_orca_like_grid_topology_detected(fold):
    ds = orca_like_grid(10, 14, fold=fold)
    g = Grid.from_dataset(ds)
    assert (g.kind, g.overlap, g.north_fold, g.periodic_x) == ("orca", 2, fold, True)
    assert_orca_consistent(ds, "Bathymetry")
    assert_orca_consistent(ds, "area")
    assert_has_metadata(ds.Bathymetry)
    unique = ~g.duplicate_mask
    expected = 8 * 12 + 7 if fold == "T" else 9 * 12
    assert unique.sum() == expected
    # canonical is idempotent and neighbours are symmetric among unique cells
    c = g.canonical().ravel()
    assert np.array_equal(c[c], c)
    for conn in (4, 8):
        nb = g.neighbours(conn).reshape(-1, conn)
        pairs = {(int(a), int(b)) for a in np.flatnonzero(unique) for b in nb[a] if b >= 0 and b != a}
        assert pairs and all((b, a) in pairs for a, b in pairs)
    # the unique cells of the F grid tile the lattice band: areas sum to the band area
    if fold == "F":
        lat = ds.nav_lat.values[:9, 1]
        half = (lat[1] - lat[0]) / 2
        north, south = np.deg2rad(min(lat[-1] + half, 90.0)), np.deg2rad(lat[0] - half)
        band = 2 * np.pi * EARTH_RADIUS**2 * abs(np.sin(north) - np.sin(south))
        np.testing.assert_allclose(ds.area.values[unique].sum(), band, rtol=1e-9)


def test_orca_like_grid_bathymetry_callable_made_consistent():
    ds = orca_like_grid(fold="F", bathymetry=lambda lat, lon: 1000.0 + lon)
    assert_orca_consistent(ds, "Bathymetry")
    with pytest.raises(ValueError, match="even nx"):
        orca_like_grid(10, 13)
    with pytest.raises(ValueError, match="fold"):
        orca_like_grid(fold="X")


def test_assert_helpers_catch_problems():
    ds = topography_dataset(lambda lat, lon: lat * 10.0, nlat=6, nlon=12)
    with pytest.raises(AssertionError, match="ascending"):
        assert_topography_dataset(ds.isel(lat=slice(None, None, -1)))
    bad = ds.copy(deep=True)
    bad.topo[0, 0] = np.nan
    with pytest.raises(AssertionError, match="non-finite"):
        assert_topography_dataset(bad)
    assert_topography_dataset(bad, allow_nan=True)
    with pytest.raises(AssertionError, match="land"):
        assert_topography_dataset(topography_dataset(-1.0, nlat=2, nlon=4))
    with pytest.raises(AssertionError, match="lacks attributes"):
        assert_has_metadata(ds.lat)
    o = orca_like_grid(fold="F")
    o.Bathymetry[3, 0] = 1.0  # overlap column no longer equals column nx-2
    with pytest.raises(AssertionError, match="differs on 1 duplicated"):
        assert_orca_consistent(o, "Bathymetry")


@pytest.mark.parametrize("fold", ["T", "F"])
def test_orca_like_grid_corners_fit_centres_and_give_unit_weight_sums(fold):
    from climpy.weights import coupling_weights

    ds = orca_like_grid(40, 62, fold=fold)
    g = Grid.from_dataset(ds)
    blat, blon = ds.bounds_lat.values, ds.bounds_lon.values
    assert blat.shape == blon.shape == (2, 2, 40, 62)
    # each centre is the middle of its corners ([0, 0] SW, [0, 1] SE, [1, 1] NE, [1, 0] NW), the
    # corners clipped at the pole as the areas are
    half = (ds.nav_lat.values[1, 1] - ds.nav_lat.values[0, 1]) / 2
    for k, sign in ((0, -1), (1, 1)):
        expected = np.clip(ds.nav_lat.values + sign * half, -90, 90)
        np.testing.assert_allclose(blat[k], np.stack([expected, expected]), atol=1e-12)
    np.testing.assert_allclose(blon.mean(axis=(0, 1)), ds.nav_lon.values, atol=1e-12)
    assert (blat[1] > blat[0]).all() and (blon[:, 1] > blon[:, 0]).all()
    # overlap columns and fold rows carry the corners of the cells they duplicate
    c = g.canonical().ravel()
    for b in (blat, blon):
        flat = b.reshape(2, 2, -1)
        assert np.array_equal(flat[..., c], flat)
    o2a, a2o = coupling_weights(ds)
    for w in (o2a, a2o):
        sums = np.bincount(
            w["dst_address"].values - 1, w["remap_matrix"].values[:, 0], minlength=w.sizes["dst_grid_size"]
        )
        full = (np.abs(w["dst_grid_frac"].values - 1) < 1e-9) & (w["dst_grid_imask"].values == 1)
        assert full.sum() > 1000
        assert np.abs(sums[full] - 1).max() < 1e-10
    # every unique ocean cell lies inside the global atmosphere grid, and is fully covered
    assert (a2o["dst_grid_imask"].values.reshape(40, 62) == ~g.duplicate_mask).all()
    np.testing.assert_allclose(a2o["dst_grid_frac"].values[~g.duplicate_mask.ravel()], 1.0, atol=1e-12)
