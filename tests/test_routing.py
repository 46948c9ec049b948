"""climpy.routing: invariants on synthetic globes, lakes, layout of the routing file, errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr
from skimage.morphology import reconstruction

from climpy.exceptions import GridError, InputError
from climpy.geo import cell_area_regular
from climpy.routing import (
    TRIP_COASTAL,
    TRIP_RIVER,
    TRIP_SINK,
    fill_depressions,
    follow_trip,
    route,
    to_routing_file,
)


def _globe(z, *, lon0=-180.0, regional=False):
    nlat, nlon = z.shape
    if regional:
        lat = np.linspace(-20, 20, nlat)
        lon = np.linspace(0, 40, nlon)
    else:
        dlat, dlon = 180 / nlat, 360 / nlon
        lat = -90 + dlat * (np.arange(nlat) + 0.5)
        lon = lon0 + dlon * (np.arange(nlon) + 0.5)
    return xr.Dataset(
        {"topo": (("lat", "lon"), np.asarray(z, dtype=float), {"units": "m"})},
        coords={"lat": lat, "lon": lon},
    )


def _continents(nlat=36, nlon=72, seed=0):
    """Two smooth continents with mountains, valleys and pits on a 5 degree globe."""
    rng = np.random.default_rng(seed)
    lat = np.deg2rad(np.linspace(-87.5, 87.5, nlat))[:, None]
    lon = np.deg2rad(np.linspace(-177.5, 177.5, nlon))[None, :]
    base = 1500 * np.cos(lat) * np.sin(2 * lon) - 300
    noise = rng.normal(0, 250, (nlat, nlon))
    return base + noise


@pytest.fixture(scope="module")
def globe():
    return _globe(_continents())


@pytest.fixture(scope="module")
def routed(globe):
    return route(globe, n_rivers=5)


def test_fill_invariants(globe):
    f = fill_depressions(globe)["filled"].values
    z = globe.topo.values
    land = z > 0
    assert np.all(f[land] >= z[land])
    np.testing.assert_array_equal(f[~land], z[~land])
    assert (f > z).any()  # the map has depressions to fill
    again = fill_depressions(globe.assign(topo=(("lat", "lon"), f)))["filled"].values
    np.testing.assert_array_equal(again, f)


def test_every_land_cell_reaches_a_terminal_cell(routed):
    end = follow_trip(routed.trip.values)
    land = ~np.isnan(routed.trip.values)
    assert np.all(end[land] >= 0)
    codes = routed.trip.values.ravel()[end[land]]
    assert set(np.unique(codes)) <= {TRIP_SINK, TRIP_COASTAL, TRIP_RIVER}


def test_basins_are_labelled_by_outlet(routed):
    trip = routed.trip.values
    basins = routed.basins.values
    land = ~np.isnan(trip)
    end = follow_trip(trip)
    # one basin per terminal cell, all cells of a basin end in it
    term = land & (trip >= 97)
    assert np.unique(basins[term]).size == term.sum()
    np.testing.assert_array_equal(basins[land], basins.ravel()[end[land]])
    # numbered by decreasing area: the outlet's upstream area is the basin area
    area = cell_area_regular(routed.lat.values, routed.lon.values)
    sizes = np.bincount(basins[land].astype(int), weights=area[land])[1:]
    assert np.all(np.diff(sizes) <= 1e-6 * sizes[0])
    np.testing.assert_allclose(
        routed.upstream_area.values[term], sizes[basins[term].astype(int) - 1], rtol=1e-5
    )
    # river mouths are the n_rivers largest basins
    assert (trip == TRIP_RIVER).sum() == 5
    assert np.all(basins[trip == TRIP_RIVER] <= 5)


def test_lengths_grow_upstream(routed):
    trip = routed.trip.values
    land = ~np.isnan(trip)
    disto = routed.disto.values
    riverl = routed.riverl.values
    assert np.all(disto[land] > 0) and np.all(riverl[land] > 0)
    moving = land & (trip <= 8)
    from climpy.kernels import DCOL, DROW

    r, c = np.nonzero(moving)
    k = trip[moving].astype(int) - 1
    rr, cc = r + DROW[k], (c + DCOL[k]) % trip.shape[1]
    np.testing.assert_allclose(disto[r, c], disto[rr, cc] + riverl[r, c] / 1000, rtol=1e-4)
    hdiff = routed.hdiff.values
    assert np.all(hdiff[land] >= 5) and np.all(hdiff[~land] == 0)
    np.testing.assert_allclose(
        routed.topoind.values[land], np.sqrt(riverl[land] ** 3 / (hdiff[land] * 1e6)), rtol=1e-4
    )
    for name in ("trip", "basins", "disto", "riverl", "topoind", "orog"):
        assert np.all(np.isnan(routed[name].values[~land])), name
        assert routed[name].attrs["long_name"]
        assert "units" in routed[name].attrs
        assert routed[name].attrs["climpy_version"]


def test_over_fill_regression_pole_to_pole_continent():
    """Legacy filled from the array border: a pole-to-pole continent plus polar land raised coasts."""
    z = np.full((36, 72), -3000.0)
    z[:, 30:34] = 1500.0  # pole-to-pole mountain range: every row holds land
    z[:2, :] = 2000.0  # Antarctica: every column holds land
    z[-2:, :] = 2000.0  # Arctic land
    z[10:14, 50:60] = 2.0  # a low coastal island, 2 m
    z[20, 34:38] = 1.0  # a low coastal plain against the range
    ds = _globe(z)
    filled = fill_depressions(ds)["filled"].values
    low = (z > 0) & (z < 10)
    np.testing.assert_array_equal(filled[low], z[low])
    np.testing.assert_array_equal(route(ds)["orog"].values[low], z[low])
    # the legacy method (reconstruction seeded from the padded border) does raise them
    padded = np.pad(np.hstack([z, z, z]), 1, "maximum")
    seed = padded.copy()
    seed[1:-1, 1:-1] = padded.max()
    legacy = reconstruction(seed, padded, method="erosion")[1:-1, 1:-1][:, 72:144]
    assert np.all(legacy[low] > z[low])


def test_lakes_kept_when_large():
    z = np.full((36, 72), -1000.0)
    z[8:28, 10:40] = 800.0
    z[12:24, 14:36] = 200.0  # a large closed basin
    z[18, 25] = 50.0  # its lowest point
    z[5:8, 50:53] = 300.0
    z[6, 51] = 100.0  # a single-cell pit on a small island
    ds = _globe(z)
    filled_all = route(ds)
    assert not (filled_all.trip.values == TRIP_SINK).any()
    kept = route(ds, lake_area=5e12)  # the big basin is ~6e13 m2, the pit ~2e11 m2
    trip = kept.trip.values
    assert trip[18, 25] == TRIP_SINK
    assert (trip == TRIP_SINK).sum() == 1
    assert kept.orog.values[18, 25] == 50.0
    assert kept.orog.values[6, 51] == 300.0  # the small pit is filled
    end = follow_trip(trip)
    basin = end == 18 * 72 + 25
    assert basin.sum() >= 12 * 22
    lakes = fill_depressions(ds, lake_area=5e12)
    assert lakes.sink.values.sum() == 1


def test_north_first_input_gives_the_same_result(globe, routed):
    flipped = route(globe.isel(lat=slice(None, None, -1)), n_rivers=5)
    xr.testing.assert_identical(flipped.sortby("lat"), routed)
    np.testing.assert_array_equal(
        fill_depressions(globe.isel(lat=slice(None, None, -1)))["filled"].values[::-1],
        fill_depressions(globe)["filled"].values,
    )


def test_regional_grid_drains_across_its_edges():
    rng = np.random.default_rng(1)
    z = 100 + rng.normal(0, 30, (15, 20)).cumsum(axis=1)
    z[5:8, 8:11] = -5  # a small sea
    r = route(_globe(z, regional=True), n_rivers=0)
    end = follow_trip(r.trip.values, periodic_x=False)
    assert np.all(end[z > 0] >= 0)
    assert (r.trip.values[[0, -1], :] == TRIP_COASTAL).any()


def test_routing_file_layout(routed):
    f = to_routing_file(routed)
    assert f.trip.dims == ("y", "x")
    assert set(f.data_vars) == {"trip", "basins", "topoind", "hdiff", "riverl", "orog", "disto"}
    assert f.nav_lat.values[0, 0] > f.nav_lat.values[-1, 0]  # north-up
    np.testing.assert_array_equal(f.trip.values, routed.trip.values[::-1])
    for name in f.data_vars:
        assert f[name].dtype == np.float32
        assert f[name].attrs["axis"] == "TYX"
        assert f[name].attrs["associate"] == "nav_lat nav_lon"
    assert f.disto.attrs["units"] == "km" and f.hdiff.attrs["units"] == "m"
    assert f.nav_lon.attrs["units"] == "degrees_east"
    end = follow_trip(f.trip.values, north_up=True)
    assert np.all(end[~np.isnan(f.trip.values)] >= 0)


def test_follow_trip_rejects_cycles():
    trip = np.array([[3.0, 7.0], [np.nan, np.nan]])
    with pytest.raises(GridError, match="cycle"):
        follow_trip(trip, periodic_x=False)
    with pytest.raises(GridError, match="out of the grid"):
        follow_trip(np.array([[7.0, 99.0]]), periodic_x=False)


def test_errors_name_the_variable_and_the_fix(globe):
    with pytest.raises(InputError, match=r"variable 'z' not found.*pass variable="):
        route(globe, variable="z")
    bad = globe.copy(deep=True)
    bad.topo[3, 4] = np.nan
    with pytest.raises(InputError, match=r"'topo' has 1 NaN/inf cells; fill them"):
        fill_depressions(bad)
    with pytest.raises(GridError, match=r"dims \('lon', 'lat'\).*open_topography"):
        route(globe.transpose("lon", "lat"))
    with pytest.raises(InputError, match="n_rivers=-1"):
        route(globe, n_rivers=-1)
    with pytest.raises(InputError, match="no ocean cell.*check the sign convention"):
        route(globe.assign(topo=np.abs(globe.topo) + 1))
    with pytest.raises(InputError, match="routing dataset lacks"):
        to_routing_file(globe)


def test_input_not_mutated(globe):
    before = globe.copy(deep=True)
    route(globe, lake_area=1e10)
    xr.testing.assert_identical(globe, before)


# ----------------------------------------------------------------------------- CLI
def _write_topo(tmp_path, z, name="topo.nc", **kw):
    p = tmp_path / name
    _globe(z, **kw).to_netcdf(p)
    return p


def test_cli_route_writes_every_product(tmp_path):
    from click.testing import CliRunner

    from climpy.cli import main

    topo = _write_topo(tmp_path, _continents(18, 36))
    orca = tmp_path / "orca.nc"
    lon = np.concatenate([[170.0], np.arange(-170, 180, 20.0), [-170.0]])
    lo, la = np.meshgrid(lon, np.linspace(-70, 80, 9))
    xr.Dataset(coords={"lon": (("y", "x"), lo), "lat": (("y", "x"), la)}).to_netcdf(orca)
    out = tmp_path / "routing.nc"
    args = ["route", str(topo), "-o", str(out), "--n-rivers", "3", "--orca", str(orca)]
    args += ["--soils-out", str(tmp_path / "soils.nc"), "--relief-out", str(tmp_path / "relief.nc")]
    args += ["--relief-resolution", "2"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "3 river mouths" in res.output
    with xr.open_dataset(out) as r:
        assert r.trip.dims == ("y", "x") and (r.trip.values == TRIP_RIVER).sum() == 3
        assert r.nav_lat.values[0, 0] > 0
        follow_trip(r.trip.values, north_up=True)
    with xr.open_dataset(tmp_path / "routing_bathy.nc") as b:
        assert b.Bathymetry.shape == (9, 20)
    with xr.open_dataset(tmp_path / "relief.nc") as rel:
        assert rel.RELIEF.shape == (90, 180)
    with xr.open_dataset(tmp_path / "soils.nc") as s:
        assert s.soilcolor.shape == (18, 36)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--bathy-out", "b.nc"], "--bathy-out needs --orca"),
        (["--n-rivers", "-1"], "'--n-rivers'"),
        (["--relief-out", "r.nc", "--relief-resolution", "0.7"], "--relief-resolution: 0.7: must divide 180"),
        (["--variable", "zz"], "variable 'zz' not found"),
        (["--soils-out", "OUT"], "must be different files"),
    ],
)
def test_cli_route_bad_arguments_exit_2_and_write_nothing(tmp_path, extra, message):
    from click.testing import CliRunner

    from climpy.cli import main

    topo = _write_topo(tmp_path, _continents(18, 36))
    out = tmp_path / "routing.nc"
    extra = [str(out) if e == "OUT" else (str(tmp_path / e) if e.endswith(".nc") else e) for e in extra]
    res = CliRunner().invoke(main, ["route", str(topo), "-o", str(out), *extra])
    assert res.exit_code == 2, res.output
    assert re.search(message, res.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["topo.nc"]


def test_cli_route_rejects_nan_topography(tmp_path):
    from click.testing import CliRunner

    from climpy.cli import main

    z = _continents(18, 36)
    z[4, 4] = np.nan
    topo = _write_topo(tmp_path, z)
    res = CliRunner().invoke(main, ["route", str(topo), "-o", str(tmp_path / "r.nc")])
    assert res.exit_code == 2
    assert "NaN" in res.output
    assert not (tmp_path / "r.nc").exists()


def test_grid_with_centres_on_the_poles():
    lat = np.linspace(-90, 90, 19)
    lon = np.arange(-180, 180, 10.0)
    z = np.random.default_rng(0).normal(0, 500, (19, 36))
    ds = xr.Dataset({"topo": (("lat", "lon"), z)}, coords={"lat": lat, "lon": lon})
    r = route(ds)
    end = follow_trip(r.trip.values)
    assert np.all(end[z > 0] >= 0)
    assert np.all(np.isfinite(r.topoind.values[z > 0]))


@pytest.fixture(scope="module")
def sample():
    paleo = pytest.importorskip("climpy.sample")
    return paleo.paleogeography(resolution=2.0)[["topo"]]


def test_sample_endorheic_basin_filled_or_kept_as_a_lake(sample):
    la, lo = np.meshgrid(sample.lat.values, sample.lon.values, indexing="ij")
    in_e1 = ((la - 38) / 6) ** 2 + ((lo - 75) / 9) ** 2 < 1  # the sample's endorheic basin E1
    filled = route(sample)
    assert np.nanmin(filled.orog.values[in_e1]) >= 2000  # filled to its rim (>= 2300 m)
    kept = route(sample, lake_area=1e12)  # E1 covers about 1.3e12 m2
    sinks = kept.trip.values == TRIP_SINK
    assert sinks[in_e1].sum() == 1
    assert np.nanmin(kept.orog.values[in_e1]) < 1700  # its floor (1000-1600 m) is not raised


def test_sample_basins_cross_the_dateline(sample):
    r = route(sample)
    lon = r.lon.values
    east = r.basins.values[:, lon > 175]
    west = r.basins.values[:, lon < -175]
    shared = np.intersect1d(east[~np.isnan(east)], west[~np.isnan(west)])
    assert shared.size >= 1  # continent B straddles the dateline and drains across it
    end = follow_trip(r.trip.values)
    assert np.all(end[~np.isnan(r.trip.values)] >= 0)
