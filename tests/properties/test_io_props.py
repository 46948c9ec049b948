"""Property tests of the edge: write/open round trips, stable bytes, invariance to file layout."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from climpy.io import open_topography, write_netcdf
from climpy.testing import topography_dataset

pytestmark = pytest.mark.properties

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIXED = "2021-06-01T00:00:00Z"


@st.composite
def topographies(draw):
    nlat = draw(st.integers(2, 7))
    nlon = draw(st.integers(3, 12))
    elements = st.floats(-6000, 5000, allow_nan=False, allow_subnormal=False)
    values = draw(arrays(np.float64, (nlat, nlon), elements=elements))
    # the openers reject all-land/all-ocean and non-metre magnitudes: make the field valid
    values[0, 0] = draw(st.floats(50, 5000))
    values[-1, -1] = draw(st.floats(-6000, -50))
    regional = draw(st.booleans())
    lon_range = (-60.0, 40.0) if regional else (-180.0, 180.0)
    return topography_dataset(values, lon_range=lon_range)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@SETTINGS
@given(ds=topographies())
def test_open_write_round_trip(ds):
    with tempfile.TemporaryDirectory() as tmp:
        path = write_netcdf(ds, Path(tmp) / "t.nc", creation_time=FIXED)
        back = open_topography(path)
    np.testing.assert_array_equal(back.topo.values, ds.topo.values)
    np.testing.assert_array_equal(back.lat.values, ds.lat.values)
    np.testing.assert_array_equal(back.lon.values, ds.lon.values)
    assert back.topo.dtype == np.float64


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ds=topographies())
def test_rewrite_gives_identical_bytes(ds):
    with tempfile.TemporaryDirectory() as tmp:
        a = write_netcdf(ds, Path(tmp) / "a.nc", creation_time=FIXED, command="x")
        b = write_netcdf(ds.copy(deep=True), Path(tmp) / "b.nc", creation_time=FIXED, command="x")
        assert _sha(a) == _sha(b)
        # write -> open -> write reaches a fixed point: same name, same data, same bytes
        gen = []
        for k in range(3):
            sub = Path(tmp) / str(k)
            sub.mkdir()
            src = a if k == 0 else gen[-1]
            gen.append(write_netcdf(open_topography(src), sub / "t.nc", creation_time=FIXED, command="x"))
        assert _sha(gen[1]) == _sha(gen[2])


@SETTINGS
@given(
    ds=topographies(),
    flip_lat=st.booleans(),
    flip_lon=st.booleans(),
    transpose=st.booleans(),
    to_360=st.booleans(),
    roll=st.integers(0, 11),
)
def test_layout_of_the_file_does_not_matter(ds, flip_lat, flip_lon, transpose, to_360, roll):
    periodic = ds.lon.values[-1] - ds.lon.values[0] > 300
    raw = ds.copy()
    if to_360 and periodic:
        raw = raw.assign_coords(lon=raw.lon % 360).sortby("lon")
    if roll and periodic:
        raw = raw.roll(lon=roll % raw.sizes["lon"], roll_coords=True)
        # a rolled axis is only monotonic in a 0..360 convention if the seam falls at the end
        lon = raw.lon.values
        if not (np.all(np.diff(lon) > 0) or np.all(np.diff(lon) < 0)):
            raw = raw.assign_coords(lon=np.where(lon < lon[0], lon + 360.0, lon))
    if flip_lat:
        raw = raw.isel(lat=slice(None, None, -1))
    if flip_lon:
        raw = raw.isel(lon=slice(None, None, -1))
    if transpose:
        raw = raw.transpose("lon", "lat")
    with tempfile.TemporaryDirectory() as tmp:
        p0 = Path(tmp) / "ref.nc"
        p1 = Path(tmp) / "raw.nc"
        ds.to_netcdf(p0)
        raw.to_netcdf(p1)
        a = open_topography(p0)
        b = open_topography(p1)
    np.testing.assert_allclose(b.lon.values, a.lon.values, atol=1e-9)
    np.testing.assert_array_equal(b.lat.values, a.lat.values)
    np.testing.assert_array_equal(b.topo.values, a.topo.values)
