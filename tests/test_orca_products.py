"""climpy.orca_products: ORCA bathymetry, soils and RELIEF on synthetic and shared grids."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from climpy.exceptions import GridError, InputError
from climpy.grid import Grid
from climpy.orca_products import bathymetry_on_orca, relief, soils


def _globe(z):
    nlat, nlon = z.shape
    lat = -90 + 180 / nlat * (np.arange(nlat) + 0.5)
    lon = -180 + 360 / nlon * (np.arange(nlon) + 0.5)
    return xr.Dataset({"topo": (("lat", "lon"), np.asarray(z, dtype=float))}, coords={"lat": lat, "lon": lon})


def _tilted(nlat=90, nlon=180):
    lat = -90 + 180 / nlat * (np.arange(nlat) + 0.5)
    lon = -180 + 360 / nlon * (np.arange(nlon) + 0.5)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    return _globe(2000 * np.sin(np.deg2rad(lo)) * np.cos(np.deg2rad(la)) - 500)


@pytest.fixture(scope="module")
def orca2(shared_data):
    return xr.open_dataset(shared_data / "paleorca2_40Ma_grid.nc")


def _fake_orca(ny=20, nx=38):
    """A small curvilinear grid with 2 overlap columns (x=0 == x=nx-2, x=nx-1 == x=1)."""
    lon_u = np.linspace(-180, 180, nx - 2, endpoint=False) + 3.0
    lon = np.concatenate([[lon_u[-1]], lon_u, [lon_u[0]]])
    lat = np.linspace(-75, 85, ny)
    lo, la = np.meshgrid(lon, lat)
    return xr.Dataset(coords={"nav_lon": (("y", "x"), lo), "nav_lat": (("y", "x"), la)})


@pytest.mark.parametrize("method", ["nearest", "mean"])
def test_bathymetry_contract_on_a_small_orca_like_grid(method):
    src = _tilted()
    orca = _fake_orca()
    b = bathymetry_on_orca(src, orca, method=method)
    bathy = b.Bathymetry
    assert bathy.dims == ("y", "x") and bathy.shape == (20, 38)
    assert bathy.attrs["units"] == "m" and bathy.attrs["positive"] == "down" and bathy.attrs["long_name"]
    assert np.all(bathy.values >= 0)
    np.testing.assert_array_equal(bathy.values[:, 0], bathy.values[:, -2])
    np.testing.assert_array_equal(bathy.values[:, -1], bathy.values[:, 1])
    # ocean where the analytic topography is well below sea level, land (0) where well above
    la, lo = np.deg2rad(orca.nav_lat.values), np.deg2rad(orca.nav_lon.values)
    truth = 2000 * np.sin(lo) * np.cos(la) - 500
    assert np.all(bathy.values[truth < -400] > 0)
    assert np.all(bathy.values[truth > 400] == 0)
    assert b.nav_lon.attrs["units"] == "degrees_east"


def test_bathymetry_any_resolution_agrees():
    coarse = bathymetry_on_orca(_tilted(90, 180), _fake_orca(), method="mean").Bathymetry.values
    fine = bathymetry_on_orca(_tilted(360, 720), _fake_orca(), method="mean").Bathymetry.values
    both = (coarse > 0) & (fine > 0)
    assert both.mean() > 0.4
    np.testing.assert_allclose(coarse[both], fine[both], rtol=0.1, atol=50)


def test_bathymetry_wraps_across_the_dateline():
    z = np.full((18, 36), 1000.0)
    z[:, 0] = -3000.0  # ocean only in the westernmost column (lon -175)
    lat2 = np.tile(np.linspace(-10, 10, 4)[:, None], (1, 5))
    orca = xr.Dataset(coords={"nav_lon": (("y", "x"), np.full((4, 5), 179.9)), "nav_lat": (("y", "x"), lat2)})
    orca["nav_lon"][:, 2] = -179.9
    b = bathymetry_on_orca(_globe(z), orca).Bathymetry.values
    assert np.all(b[:, 2] == 3000.0)  # -179.9 is in the first cell
    assert np.all(b[:, 0] == 0.0)  # 179.9 is in the last cell (land)


@pytest.mark.requires_shared_data
def test_bathymetry_on_paleorca2_is_fold_consistent(orca2):
    b = bathymetry_on_orca(_tilted(), orca2).Bathymetry.values
    grid = Grid.from_dataset(orca2)
    assert grid.overlap == 2 and grid.north_fold is not None
    np.testing.assert_array_equal(b.ravel()[grid.canonical()], b)


def test_bathymetry_errors():
    with pytest.raises(InputError, match="method='linear'"):
        bathymetry_on_orca(_tilted(), _fake_orca(), method="linear")
    with pytest.raises(InputError, match="variable 'z' not found"):
        bathymetry_on_orca(_tilted(), _fake_orca(), variable="z")
    with pytest.raises(GridError, match="1-D coordinates"):
        bathymetry_on_orca(_tilted(), _tilted())


def test_soils_contract():
    src = _tilted(18, 36)
    s = soils(src)
    land = src.topo.values[::-1] > 0
    assert s.soilcolor.dims == ("y", "x")
    np.testing.assert_array_equal(s.soilcolor.values, np.where(land, 4.0, 0.0))
    np.testing.assert_array_equal(s.soiltext.values, np.where(land, 3.0, 0.0))
    assert s.nav_lat.values[0, 0] > s.nav_lat.values[-1, 0]
    assert s.soiltext.attrs["long_name"] == "Soil texture from Zobler 86"
    assert s.soilcolor.attrs["units"] == "index"
    with pytest.raises(GridError, match="regular"):
        soils(src.transpose("lon", "lat"))


def test_relief_has_no_zeroed_strips_and_interpolates_linearly():
    z = np.full((18, 36), 1200.0)  # land everywhere, 10 degree cells
    z[9, 0] = 600.0
    r = relief(_globe(z), resolution=1.0)
    rel = r.RELIEF
    assert rel.shape == (180, 360) and rel.dims == ("latitude", "longitude")
    assert r.latitude.values[0] > r.latitude.values[-1]
    assert np.all(rel.values > 0)  # poles and dateline included
    assert rel.attrs["units"] == "m" and rel.attrs["long_name"] == "relief"
    # on the source grid itself the resampling is the identity (north-first)
    same = relief(_globe(z), resolution=10.0).RELIEF.values
    np.testing.assert_allclose(same, z[::-1], rtol=1e-12)
    # across the dateline: symmetric about the -175 centre of the dip
    west = rel.sel(longitude=179.5, latitude=5.5, method="nearest").item()
    east = rel.sel(longitude=-169.5, latitude=5.5, method="nearest").item()
    assert west == pytest.approx(east)
    assert west < 1200


def test_relief_ocean_is_zero_and_errors():
    z = np.full((18, 36), -100.0)
    assert relief(_globe(z), resolution=2.0).RELIEF.values.max() == 0
    with pytest.raises(InputError, match="resolution=0.7"):
        relief(_globe(z), resolution=0.7)
    regional = _globe(z).isel(lon=slice(0, 10))
    with pytest.raises(GridError, match="global regular"):
        relief(regional)


@pytest.mark.requires_shared_data
def test_relief_lat_lon_match_the_legacy_file(shared_data, shared_reference):
    ref = xr.open_dataset(shared_reference / "input_topo_high_res.nc")
    r = relief(_globe(np.zeros((18, 36))))
    np.testing.assert_allclose(r.latitude.values, ref.latitude.values, atol=5e-4)
    np.testing.assert_allclose(r.longitude.values, ref.longitude.values, atol=1e-9)


@pytest.mark.parametrize("method", ["nearest", "mean"])
def test_bathymetry_from_a_curvilinear_source_matches_the_regular_one(method):
    src = _tilted(45, 90)
    la, lo = np.meshgrid(src.lat.values + 0.01, src.lon.values + 0.01, indexing="ij")  # no exact ties
    curv = xr.Dataset(
        {"topo": (("y", "x"), src.topo.values)},
        coords={"lat": (("y", "x"), la), "lon": (("y", "x"), lo)},
    )
    regular = src.assign_coords(lat=src.lat + 0.01, lon=src.lon + 0.01)
    a = bathymetry_on_orca(regular, _fake_orca(), method=method).Bathymetry.values
    b = bathymetry_on_orca(curv, _fake_orca(), method=method).Bathymetry.values
    # nearest in degrees (regular) vs on the sphere (curvilinear); mean: exact areas vs cos(lat)
    assert np.isclose(a, b, rtol=1e-3).mean() > 0.97


@pytest.mark.parametrize("method", ["nearest", "mean"])
def test_bathymetry_min_depth_deepens_shallow_ocean_only(method, caplog):
    lat = -90 + 2.0 * (np.arange(90) + 0.5)
    z = np.where(np.abs(lat) < 20, -3.0, -4000.0)[:, None] * np.ones((1, 180))
    z[lat > 60] = 1000.0
    src, orca = _globe(z), _fake_orca()
    plain = bathymetry_on_orca(src, orca, method=method).Bathymetry.values
    shallow = (plain > 0) & (plain < 10)
    assert shallow.any()
    with caplog.at_level("WARNING", logger="climpy.orca_products"):
        b = bathymetry_on_orca(src, orca, method=method, min_depth=10.0).Bathymetry
    np.testing.assert_array_equal(b.values[shallow], 10.0)
    np.testing.assert_array_equal(b.values[~shallow], plain[~shallow])  # land stays 0, deep unchanged
    n_unique = int(shallow[:, 1:-1].sum())  # the overlap columns are copies
    assert f"{n_unique} ocean cells shallower than min_depth=10 m deepened" in caplog.text
    assert "deepened to at least 10 m" in b.attrs["climpy_method"]
    for bad in (-1.0, float("nan")):
        with pytest.raises(InputError, match="min_depth=.*expected a depth >= 0"):
            bathymetry_on_orca(src, orca, min_depth=bad)
