from __future__ import annotations

import logging

import numpy as np
import pytest
import xarray as xr

from climpy.exceptions import ClimpyWarning, InputError
from climpy.grid import Grid
from climpy.io.open import open_bathymetry, open_grid, open_topography
from climpy.io.validate import validate_bathymetry, validate_topography
from climpy.testing import assert_topography_dataset, orca_like_grid, topography_dataset


def _topo(nlat=12, nlon=24):
    return topography_dataset(
        lambda lat, lon: 3000.0 * np.cos(np.deg2rad(lat * 3)) * np.sin(np.deg2rad(lon)), nlat=nlat, nlon=nlon
    )


def _save(ds, path):
    ds.to_netcdf(path)
    return path


@pytest.fixture
def ref():
    return _topo()


# ----------------------------------------------------------------------------- normalisation
def test_normalised_file_round_trips(tmp_path, ref):
    got = open_topography(_save(ref, tmp_path / "t.nc"))
    assert_topography_dataset(got)
    xr.testing.assert_allclose(got.topo.drop_attrs(), ref.topo.drop_attrs())
    assert got.topo.attrs["provenance"].startswith("climpy")
    assert got.attrs["periodic_lon"] == 1


@pytest.mark.parametrize(
    ("change", "log"),
    [
        (lambda ds: ds.isel(lat=slice(None, None, -1)), "north to south; flipped"),
        (lambda ds: ds.assign_coords(lon=ds.lon % 360).sortby("lon"), "wrapped to [-180, 180) and rolled"),
        (lambda ds: ds.transpose("lon", "lat"), "transposed to (lat, lon)"),
        (lambda ds: ds.isel(lon=slice(None, None, -1)), "reversed to increasing"),
        (
            lambda ds: xr.concat([ds, ds.isel(lon=[0]).assign_coords(lon=ds.lon[:1] + 360)], dim="lon"),
            "dropped the last longitude column",
        ),
        (
            lambda ds: ds.rename(lat="latitude", lon="longitude").pipe(
                lambda d: d.assign_coords(latitude=d.latitude.copy(), longitude=d.longitude.copy())
            ),
            None,
        ),
        (lambda ds: ds.expand_dims(time=1).transpose("time", "lat", "lon"), "dropped size-1 dimension"),
    ],
    ids=["north-first", "lon0-360", "lon-lat-order", "lon-descending", "cyclic-column", "names", "time1"],
)
def test_variants_normalise_to_the_same_dataset(tmp_path, ref, caplog, change, log):
    path = _save(change(ref), tmp_path / "v.nc")
    with caplog.at_level(logging.INFO, logger="climpy.io"):
        got = open_topography(path)
    assert_topography_dataset(got)
    np.testing.assert_allclose(got.lat.values, ref.lat.values)
    np.testing.assert_allclose(got.lon.values, ref.lon.values)
    np.testing.assert_array_equal(got.topo.values, ref.topo.values)
    if log:
        assert any(log in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records), (
            caplog.text
        )


def test_attribute_free_coordinates_found_by_name(tmp_path, ref):
    raw = xr.Dataset(
        {"Z": (("latitude", "longitude"), ref.topo.values)},
        coords={"latitude": ref.lat.values, "longitude": ref.lon.values},
    )
    got = open_topography(_save(raw, tmp_path / "z.nc"))
    np.testing.assert_array_equal(got.topo.values, ref.topo.values)
    assert got.topo.attrs["provenance"].endswith("variable='Z')")


def test_cf_attributes_find_oddly_named_coordinates(tmp_path, ref):
    raw = xr.Dataset(
        {"hgt": (("a", "b"), ref.topo.values, {"units": "m"})},
        coords={
            "a": ("a", ref.lat.values, {"units": "degrees_north"}),
            "b": ("b", ref.lon.values, {"standard_name": "longitude"}),
        },
    )
    got = open_topography(_save(raw, tmp_path / "cf.nc"))
    np.testing.assert_array_equal(got.topo.values, ref.topo.values)


def test_regional_grid_not_periodic(tmp_path, caplog):
    reg = topography_dataset(
        lambda lat, lon: lon * 10.0, nlat=10, nlon=20, lat_range=(0, 20), lon_range=(-20, 20)
    )
    with caplog.at_level(logging.INFO, logger="climpy.io"):
        got = open_topography(_save(reg, tmp_path / "r.nc"))
    assert got.attrs["periodic_lon"] == 0
    assert not Grid.from_dataset(got).periodic_x
    assert "regional grid" in caplog.text


def test_regional_grid_across_the_dateline_stays_contiguous(tmp_path, caplog):
    reg = topography_dataset(
        lambda lat, lon: lat * 100.0, nlat=4, nlon=8, lat_range=(-20, 20), lon_range=(-40, 40)
    )
    raw = reg.assign_coords(lon=reg.lon + 180.0)  # 145..215: crosses the dateline
    with caplog.at_level(logging.WARNING, logger="climpy.io"):
        got = open_topography(_save(raw, tmp_path / "pacific.nc"))
    assert "crosses the dateline" in caplog.text
    np.testing.assert_allclose(got.lon.values, raw.lon.values)
    np.testing.assert_array_equal(got.topo.values, raw.topo.values)
    validate_topography(got)
    assert not Grid.from_dataset(got).periodic_x


def test_curvilinear_topography(tmp_path):
    o = orca_like_grid(fold="F")
    elev = -o.Bathymetry + 100.0 * (o.Bathymetry == 0)
    elev.attrs = {"units": "m"}
    raw = o.assign(elev=elev).drop_vars(["Bathymetry", "area"])
    got = open_topography(_save(raw, tmp_path / "c.nc"))
    assert got.topo.dims == ("y", "x") and got.lat.dims == ("y", "x")
    np.testing.assert_array_equal(got.topo.values, raw.elev.values)
    assert Grid.from_dataset(got).kind == "orca"


def test_depth_variable_negated_with_warning(tmp_path, ref, caplog):
    raw = xr.Dataset(
        {"depth": (("lat", "lon"), -ref.topo.values, {"positive": "down", "units": "m"})}, coords=ref.coords
    )
    with caplog.at_level(logging.WARNING, logger="climpy.io"):
        got = open_topography(_save(raw, tmp_path / "d.nc"))
    np.testing.assert_array_equal(got.topo.values, ref.topo.values)
    assert "negated to an elevation" in caplog.text


def test_time_index_picks_one_step(tmp_path, ref):
    stack = xr.concat([ref, ref * 2], dim="time").transpose("time", "lat", "lon")
    path = _save(stack, tmp_path / "time.nc")
    with pytest.raises(
        InputError, match=r"t\.nc|time\.nc: variable 'topo' has dims \('time', 'lat', 'lon'\).*time_index"
    ):
        open_topography(path)
    got = open_topography(path, time_index=1)
    np.testing.assert_array_equal(got.topo.values, 2 * ref.topo.values)
    with pytest.raises(InputError, match="time_index=5 out of range.*pass 0..1"):
        open_topography(path, time_index=5)


def test_nan_policy_ocean(tmp_path, ref):
    holes = ref.copy(deep=True)
    holes.topo[2, 3] = np.nan
    path = _save(holes, tmp_path / "h.nc")
    with pytest.raises(
        InputError, match=r"h\.nc: variable 'topo' has 1 NaN/missing cells.*nan_policy='ocean'"
    ):
        open_topography(path)
    with pytest.warns(ClimpyWarning, match="1 NaN/missing cells set to 0 m"):
        got = open_topography(path, nan_policy="ocean")
    assert got.topo.values[2, 3] == 0.0


# ----------------------------------------------------------------------------- errors
def _err(tmp_path, ds, match, **kw):
    path = _save(ds, tmp_path / "bad.nc")
    with pytest.raises(InputError, match=match):
        open_topography(path, **kw)


def test_error_no_latlon(tmp_path):
    ds = xr.Dataset({"topo": (("a", "b"), np.arange(12.0).reshape(3, 4) * 100 - 500)})
    _err(tmp_path, ds, r"bad\.nc: no latitude coordinate found for variable 'topo'.*units='degrees_north'")


def test_error_non_monotonic(tmp_path, ref):
    lat = ref.lat.values.copy()
    lat[[3, 4]] = lat[[4, 3]]
    _err(tmp_path, ref.assign_coords(lat=lat), r"bad\.nc: coordinate 'lat' is not monotonic.*sort the file")


def test_error_duplicated(tmp_path, ref):
    lon = ref.lon.values.copy()
    lon[5] = lon[4]
    _err(
        tmp_path,
        ref.assign_coords(lon=lon),
        r"bad\.nc: coordinate 'lon' has duplicated values.*remove the duplicated",
    )


def test_error_all_nan(tmp_path, ref):
    _err(tmp_path, ref * np.nan, r"bad\.nc: variable 'topo' is entirely NaN")


def test_error_all_land_and_all_ocean(tmp_path, ref):
    _err(
        tmp_path,
        ref.assign(topo=abs(ref.topo) + 10),
        r"bad\.nc: variable 'topo' is land everywhere.*sign convention",
    )
    _err(tmp_path, ref.assign(topo=-abs(ref.topo) - 10), r"is ocean everywhere")


@pytest.mark.parametrize(
    ("scale", "units", "match"),
    [
        (1e-3, None, r"never exceeds \|2\.7\d*\|.*kilometres.*convert it to metres"),
        (10.0, None, r"reaches \|2747\d\.\d\|.*feet or centimetres"),
        (1.0, "km", r"is in kilometres \(units='km'\); convert it to metres"),
        (1.0, "ft", r"is in feet"),
    ],
)
def test_error_not_metres(tmp_path, ref, scale, units, match):
    topo = ref.topo * scale
    topo.attrs = {"units": units} if units else {}
    _err(tmp_path, ref.assign(topo=topo), r"bad\.nc: variable 'topo' " + match)


def test_error_truncated_and_not_netcdf(tmp_path, ref):
    path = _save(ref, tmp_path / "t.nc")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"t\.nc: not a readable NetCDF file.*re-export it as NetCDF"):
        open_topography(path)
    txt = tmp_path / "notes.nc"
    txt.write_text("this is not netcdf\n")
    with pytest.raises(InputError, match=r"notes\.nc: not a readable NetCDF file"):
        open_topography(txt)
    with pytest.raises(InputError, match=r"missing\.nc: no such file; check the path"):
        open_topography(tmp_path / "missing.nc")


def test_error_variable_choice(tmp_path, ref):
    two = xr.Dataset({"a": ref.topo, "b": ref.topo * 2})
    path = _save(two, tmp_path / "two.nc")
    with pytest.raises(
        InputError, match=r"two\.nc: several variables could be the topography \(a, b\); pass variable="
    ):
        open_topography(path)
    np.testing.assert_array_equal(open_topography(path, variable="b").topo.values, 2 * ref.topo.values)
    with pytest.raises(InputError, match=r"two\.nc: variable 'c' not found; it has \['a', 'b'\]"):
        open_topography(path, variable="c")


def test_error_extra_dimension(tmp_path, ref):
    lev = xr.concat([ref, ref], dim="level").transpose("level", "lat", "lon")
    lev = lev.assign(other=lev.topo)  # a second extra-dim variable keeps it from being 'the only one'
    path = _save(lev[["topo"]].expand_dims(ens=2).transpose("ens", "level", "lat", "lon"), tmp_path / "x.nc")
    with pytest.raises(InputError, match=r"x\.nc: variable 'topo' has dims \('ens', 'level', 'lat', 'lon'\)"):
        open_topography(path, time_index=0)


# ----------------------------------------------------------------------------- bathymetry and grids
def test_open_bathymetry_synthetic(tmp_path):
    o = orca_like_grid(fold="T")
    b = open_bathymetry(_save(o, tmp_path / "b.nc"))
    validate_bathymetry(b)
    np.testing.assert_array_equal(b.Bathymetry.values, o.Bathymetry.values)
    assert Grid.from_dataset(b).north_fold == "T"
    # an elevation on the ocean grid is converted (land heights clipped to 0)
    elev = -o.Bathymetry + 500.0 * (o.Bathymetry == 0)
    elev.attrs = {"units": "m", "positive": "up"}
    up = o.assign(elev=elev).drop_vars("Bathymetry")
    b2 = open_bathymetry(_save(up, tmp_path / "up.nc"), variable="elev")
    np.testing.assert_array_equal(b2.Bathymetry.values, o.Bathymetry.values)


def test_open_bathymetry_nan_land(tmp_path):
    o = orca_like_grid(fold="F")
    o["Bathymetry"] = o.Bathymetry.where(o.Bathymetry > 0)
    path = _save(o, tmp_path / "n.nc")
    with pytest.raises(InputError, match="nan_policy='ocean' \\(topography\\) / 'land' \\(bathymetry\\)"):
        open_bathymetry(path)
    with pytest.warns(ClimpyWarning, match="set to 0 m"):
        b = open_bathymetry(path, nan_policy="land")
    assert (b.Bathymetry.values == 0).sum() > 0


def test_open_grid_errors(tmp_path, ref):
    with pytest.raises(InputError, match=r"g\.nc: no 2-D latitude/longitude"):
        open_grid(_save(ref, tmp_path / "g.nc"))


def test_validate_topography_rejects_raw_layout(ref):
    validate_topography(ref)
    with pytest.raises(InputError, match=r"has dims \('lon', 'lat'\).*open_topography"):
        validate_topography(ref.transpose("lon", "lat"))
    with pytest.raises(InputError, match="'lat' runs north to south"):
        validate_topography(ref.isel(lat=slice(None, None, -1)))


# ----------------------------------------------------------------------------- the legacy files
@pytest.mark.requires_shared_data
def test_shared_input_and_runoff(shared_data):
    got = open_topography(shared_data / "input.nc")
    assert_topography_dataset(got)
    with xr.open_dataset(shared_data / "input.nc") as raw:
        np.testing.assert_array_equal(got.topo.values, raw.topo.values)
    run = open_topography(shared_data / "runoff.nc")  # picks 'topo' among rtm, topo, cmsk
    with xr.open_dataset(shared_data / "runoff.nc") as raw:
        np.testing.assert_array_equal(run.topo.values, raw.topo.values)


@pytest.mark.requires_shared_data
def test_shared_standard(shared_data):
    got = open_topography(shared_data / "standard.nc")
    assert_topography_dataset(got)
    assert got.topo.shape == (360, 720) and got.attrs["periodic_lon"] == 1
    with xr.open_dataset(shared_data / "standard.nc") as raw:
        np.testing.assert_array_equal(got.topo.values, raw.Z.values)


@pytest.mark.requires_shared_data
def test_shared_stn_north_first_nan_ocean(shared_data, caplog):
    with pytest.raises(InputError, match=r"stn\.nc: variable 'orog' has 43323 NaN/missing cells"):
        open_topography(shared_data / "stn.nc")
    with caplog.at_level(logging.WARNING, logger="climpy.io"), pytest.warns(ClimpyWarning):
        got = open_topography(shared_data / "stn.nc", nan_policy="ocean")
    assert "flipped to south to north" in caplog.text
    assert_topography_dataset(got)
    ref = open_topography(shared_data / "input.nc")
    np.testing.assert_array_equal(got.lat.values, ref.lat.values)
    np.testing.assert_array_equal(got.lon.values, ref.lon.values)
    # the legacy routing orography is the input's land (filled), stored north-first in the file
    np.testing.assert_array_equal(got.topo.values > 0, ref.topo.values > 0)
    land = ref.topo.values > 0
    assert (got.topo.values[land] >= ref.topo.values[land]).all()
    assert np.median(np.abs(got.topo.values[land] - ref.topo.values[land])) == 0


@pytest.mark.requires_shared_data
def test_shared_curvilinear_and_grid(shared_data):
    b = open_bathymetry(shared_data / "curvilinear.nc")
    validate_bathymetry(b)
    with xr.open_dataset(shared_data / "curvilinear.nc") as raw:
        np.testing.assert_array_equal(b.Bathymetry.values, raw.Bathymetry.values)
        np.testing.assert_array_equal(b.nav_lat.values, raw.nav_lat.values)
    g = open_grid(shared_data / "paleorca2_40Ma_grid.nc")
    assert (g.kind, g.shape, g.north_fold, g.overlap) == ("orca", (149, 182), "F", 2)
    assert Grid.from_dataset(b) == g  # same coordinates, same fingerprint
    with pytest.raises(
        InputError, match=r"curvilinear\.nc: variable 'Bathymetry' is a depth with 0 on land.*open_bathymetry"
    ):
        open_topography(shared_data / "curvilinear.nc")


@pytest.mark.requires_shared_data
def test_shared_reference_bathymetry_and_geothermal(shared_data, shared_reference):
    b = open_bathymetry(shared_reference / "input_bathy.nc")
    validate_bathymetry(b)
    g = open_grid(shared_data / "geothermal_heatingLMParaT.nc")
    assert g.kind == "orca" and g.shape == (149, 182)
    # a heat flow is not a topography: its units say so
    with pytest.raises(InputError, match=r"variable 'heatflow' has units 'mW/m2', not a length in metres"):
        open_topography(shared_data / "geothermal_heatingLMParaT.nc")
    # the grid file holds only areas and bounds: nothing to open as a topography
    with pytest.raises(InputError, match=r"paleorca2_40Ma_grid\.nc: no 2-D numeric variable"):
        open_topography(shared_data / "paleorca2_40Ma_grid.nc")
    # the routing reference stores a regular grid with 2-D nav_lat/nav_lon, north first
    r = open_topography(shared_reference / "input_routing.nc")
    assert r.topo.dims == ("lat", "lon") and r.lat.values[0] < 0
