"""Hypothesis invariants of depression filling and routing on random and generated maps."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from climpy.routing import TRIP_COASTAL, TRIP_RIVER, TRIP_SINK, fill_depressions, follow_trip, route

pytestmark = pytest.mark.properties

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _globe(z):
    nlat, nlon = z.shape
    lat = -90 + 180 / nlat * (np.arange(nlat) + 0.5)
    lon = -180 + 360 / nlon * (np.arange(nlon) + 0.5)
    return xr.Dataset({"topo": (("lat", "lon"), z)}, coords={"lat": lat, "lon": lon})


@st.composite
def maps(draw):
    """Random maps: white noise, rounded to create flats, or smooth blobs with pits and plateaus."""
    nlat = draw(st.integers(4, 18))
    nlon = draw(st.integers(4, 24))
    kind = draw(st.sampled_from(["noise", "terraced", "smooth"]))
    if kind == "smooth":
        seed = draw(st.integers(0, 2**31 - 1))
        rng = np.random.default_rng(seed)
        y, x = np.meshgrid(np.linspace(0, np.pi, nlat), np.linspace(0, 2 * np.pi, nlon), indexing="ij")
        z = 800 * np.sin(y) * np.cos(rng.integers(1, 4) * x + rng.uniform(0, 6)) + rng.normal(
            0, 150, (nlat, nlon)
        )
        z = z - rng.uniform(0, 600)
    else:
        z = draw(arrays(np.float64, (nlat, nlon), elements=st.floats(-500, 1500, allow_nan=False, width=32)))
        if kind == "terraced":
            z = np.round(z, -3)  # big exactly-flat plateaus and flat ocean
    if not (z <= 0).any():  # keep at least one ocean cell so everything can drain
        z.flat[draw(st.integers(0, z.size - 1))] = -100.0
    return z


@SETTINGS
@given(maps())
def test_fill_is_monotone_idempotent_and_keeps_the_ocean(z):
    ds = _globe(z)
    f = fill_depressions(ds)["filled"].values
    land = z > 0
    assert np.all(f[land] >= z[land])
    np.testing.assert_array_equal(f[~land], z[~land])
    np.testing.assert_array_equal(fill_depressions(ds.assign(topo=(("lat", "lon"), f)))["filled"].values, f)


@SETTINGS
@given(maps(), st.integers(0, 3))
def test_trip_reaches_a_terminal_without_cycles(z, n_rivers):
    r = route(_globe(z), n_rivers=n_rivers)
    trip = r.trip.values
    land = z > 0
    np.testing.assert_array_equal(~np.isnan(trip), land)
    end = follow_trip(trip)  # raises on a cycle or a path into the ocean
    assert np.all(np.isin(trip.ravel()[end[land]], [TRIP_SINK, TRIP_COASTAL, TRIP_RIVER]))
    assert not (trip == TRIP_SINK).any()  # all depressions filled by default
    assert (trip == TRIP_RIVER).sum() == min(n_rivers, int((trip >= 98).sum()))


@SETTINGS
@given(maps(), st.data())
def test_rolling_in_longitude_rolls_the_result(z, data):
    shift = data.draw(st.integers(1, z.shape[1] - 1))
    a = route(_globe(z), n_rivers=2)
    b = route(_globe(np.roll(z, shift, axis=1)), n_rivers=2)
    # which of equal-area basins become the rivers (99) depends on position: merge 99 into 98
    ta, tb = (np.where(t == TRIP_RIVER, TRIP_COASTAL, t) for t in (a.trip.values, b.trip.values))
    np.testing.assert_array_equal(np.roll(ta, shift, axis=1), tb)
    for name in ("disto", "riverl", "hdiff", "orog", "upstream_area"):
        np.testing.assert_allclose(
            np.roll(a[name].values, shift, axis=1), b[name].values, rtol=1e-5, equal_nan=True, err_msg=name
        )
    # basin labels may swap between equal areas: compare the partitions
    ba = np.roll(a.basins.values, shift, axis=1)
    bb = b.basins.values
    land = ~np.isnan(ba)
    pairs = np.unique(np.stack([ba[land], bb[land]]), axis=1)
    assert pairs.shape[1] == np.unique(ba[land]).size == np.unique(bb[land]).size


@SETTINGS
@given(maps())
def test_north_first_equals_south_first(z):
    ds = _globe(z)
    a = route(ds, n_rivers=2)
    b = route(ds.isel(lat=slice(None, None, -1)), n_rivers=2).sortby("lat")
    xr.testing.assert_identical(a, b)


@SETTINGS
@given(maps(), st.sampled_from([0.0, 1e11, 1e13]))
def test_kept_lakes_drain_to_sinks_and_are_never_raised_more(z, lake_area):
    ds = _globe(z)
    kept = fill_depressions(ds, lake_area=lake_area)
    full = fill_depressions(ds)["filled"].values
    f = kept["filled"].values
    land = z > 0
    assert np.all(f[land] >= z[land]) and np.all(f <= full)
    r = route(ds, lake_area=lake_area)
    trip = r.trip.values
    end = follow_trip(trip)
    assert np.all(end[land] >= 0)
    np.testing.assert_array_equal(trip == TRIP_SINK, kept["sink"].values == 1)
