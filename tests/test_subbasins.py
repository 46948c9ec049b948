"""Sub-basin first guess: partition of the world ocean, continents as borders, file contract."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from climpy.cli import main
from climpy.exceptions import InputError
from climpy.internal_oceans import internal_oceans
from climpy.subbasins import BASINS, subbasins
from climpy.testing import assert_has_metadata, orca_like_grid, topography_dataset

SEEDS = {"atlantic": [(0.0, -30.0)], "pacific": [(0.0, 170.0), (0.0, -130.0)], "indian": [(0.0, 75.0)]}


def _three_oceans():
    """A 5-degree globe: three meridional continents from 30S to the north pole, open south."""

    def topo(lat, lon):
        land = np.zeros_like(lat, dtype=bool)
        for lo in (-80.0, 20.0, 120.0):  # Americas, Africa, Australasia-like barriers
            land |= (np.abs(lon - lo) < 10.0) & (lat > -30.0)
        land |= lat < -80.0  # Antarctica
        t = np.where(land, 500.0, -4000.0)
        t = np.where((np.abs(lat - 40.0) < 4) & (np.abs(lon - 60.0) < 4), -10.0, t)  # inland sea
        return t

    return topography_dataset(topo, nlat=36, nlon=72)


def test_partition_of_the_world_ocean():
    ds = _three_oceans()
    res = subbasins(ds, seeds=SEEDS)
    masks = np.stack([res[v].values for v in BASINS.values()])
    world = internal_oceans(ds).label.values == 1
    assert (masks.sum(axis=0) == world).all()  # one basin per world-ocean cell, none elsewhere
    lon = ds.lon.values[None, :] * np.ones((36, 1))
    lat = ds.lat.values[:, None] * np.ones((1, 72))
    north = lat > -25  # continents separate the basins north of 30S
    atl = res.atlmsk.values.astype(bool) & north
    pac = res.pacmsk.values.astype(bool) & north
    ind = res.indmsk.values.astype(bool) & north
    assert ((lon[atl] > -70) & (lon[atl] < 10)).all()
    assert ((lon[ind] > 30) & (lon[ind] < 110)).all()
    assert ((lon[pac] > 130) | (lon[pac] < -90)).all()
    assert atl.any() and pac.any() and ind.any()


def test_file_contract_and_metadata():
    res = subbasins(orca_like_grid(10, 16, fold="F"))
    assert set(res.data_vars) == {"atlmsk", "pacmsk", "indmsk", "navlat", "navlon"}
    for v in res.data_vars:
        assert res[v].dims == ("y", "x")
        assert "units" in res[v].attrs and "long_name" in res[v].attrs
    for v in BASINS.values():
        assert_has_metadata(res[v])
        assert res[v].dtype == np.int64 and set(np.unique(res[v].values)) <= {0, 1}
    assert res.navlon.attrs["units"] == "degrees_east" and res.navlat.attrs["units"] == "degrees_north"
    assert subbasins(_three_oceans(), seeds=SEEDS).atlmsk.dims == ("y", "x")  # also from a lat/lon input


def test_orca_duplicates_are_consistent():
    ds = orca_like_grid(10, 16, fold="T")
    res = subbasins(ds)
    from climpy.testing import assert_orca_consistent

    for v in BASINS.values():
        assert_orca_consistent(res.assign_coords(nav_lat=ds.nav_lat, nav_lon=ds.nav_lon), v)


def test_unknown_basin_and_bad_seed_are_refused():
    ds = _three_oceans()
    with pytest.raises(InputError, match=r"unknown basin\(s\) \['arctic'\].*valid names"):
        subbasins(ds, seeds={"arctic": [(80.0, 0.0)]})
    with pytest.raises(InputError, match="expected a \\(lat, lon\\) pair"):
        subbasins(ds, seeds={"atlantic": [(1.0, 2.0, 3.0)]})


def test_seed_far_from_ocean_leaves_basin_empty(caplog):
    t = np.full((18, 36), -3000.0)
    t[:, 10:14] = 500.0  # a wide land band around lon -75..-35
    ds = topography_dataset(t)
    with caplog.at_level(logging.WARNING, logger="climpy.subbasins"):
        res = subbasins(ds, seeds={"atlantic": [(0.0, -55.0)], "pacific": [(0.0, 170.0)]})
    assert "from the world ocean; ignored" in caplog.text
    assert "atlantic basin is empty" in caplog.text
    assert res.atlmsk.sum() == 0 and res.indmsk.sum() == 0
    assert int(res.pacmsk.sum()) == int((t <= 0).sum())


def test_cli_subbasins(tmp_path):
    src = tmp_path / "t.nc"
    _three_oceans().to_netcdf(src)
    out = tmp_path / "sb.nc"
    args = ["subbasins", str(src), "-o", str(out)]
    seeds = ["--seed", "atlantic:0,-30", "--seed", "pacific:0,170", "--seed", "indian:0,75"]
    r = CliRunner().invoke(main, args + seeds)
    assert r.exit_code == 0, r.output
    with xr.open_dataset(out) as f:
        assert {"atlmsk", "pacmsk", "indmsk", "navlat", "navlon"} <= set(f.data_vars)
    r = CliRunner().invoke(main, [*args, "--seed", "arctic:80,0"])
    assert r.exit_code == 2 and "unknown basin" in r.output
    r = CliRunner().invoke(main, [*args, "--seed", "atlantic:0"])
    assert r.exit_code == 2 and "BASIN:LAT,LON" in r.output


@pytest.mark.requires_shared_data
@pytest.mark.parametrize("name", ["data/curvilinear.nc", "reference/input_bathy.nc"])
def test_reference_bathymetries_give_plausible_basins(shared_data, name):
    path = shared_data.parent / name
    ds = xr.open_dataset(path)
    res = subbasins(ds)
    lat = res.navlat.values
    lon = res.navlon.values
    world = internal_oceans(ds).label.values == 1
    total = sum(res[v].values for v in BASINS.values())
    assert (total == world).all()
    tropics = np.abs(lat) < 20
    # intended difference from the legacy index thirds (x < 61 Pacific, 61..121 Atlantic, rest
    # Indian): basins follow the coasts; in the tropics each lies in its own longitude range
    atl = lon[tropics & (res.atlmsk.values == 1)]
    ind = lon[tropics & (res.indmsk.values == 1)]
    pac = lon[tropics & (res.pacmsk.values == 1)]
    assert -100 < np.median(atl) < 10
    assert 40 < np.median(ind) < 110
    assert np.median(np.abs(pac)) > 120
    # every basin holds a real share of the ocean
    for v in BASINS.values():
        assert res[v].values[world].mean() > 0.1
