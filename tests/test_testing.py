from __future__ import annotations

import numpy as np
import pytest

from climpy.geo import EARTH_RADIUS
from climpy.io.grid import Grid
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
