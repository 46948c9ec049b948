from __future__ import annotations

import hashlib
import os

import netCDF4
import numpy as np
import pytest
import xarray as xr

from climpy import __version__
from climpy.exceptions import InputError
from climpy.io.write import FILL_VALUE, write_netcdf

FIXED = "2020-01-01T00:00:00Z"


def _ds():
    rng = np.random.default_rng(1)
    topo = rng.normal(0, 1000, size=(6, 12))
    topo[0, 0] = np.nan
    return xr.Dataset(
        {
            "topo": (("lat", "lon"), topo, {"units": "m", "long_name": "topography"}),
            "mask": (("lat", "lon"), (topo > 0).astype("int8"), {"units": "1", "long_name": "land"}),
        },
        coords={"lat": np.linspace(-75, 75, 6), "lon": np.linspace(-165, 165, 12)},
        attrs={"title": "test"},
    )


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_round_trip_encoding_and_provenance(tmp_path):
    ds = _ds()
    p = write_netcdf(ds, tmp_path / "a.nc", command="pytest", creation_time=FIXED)
    with xr.open_dataset(p) as back:
        xr.testing.assert_identical(back.drop_attrs(), ds.drop_attrs())
        assert back.attrs["climpy_version"] == __version__
        assert back.attrs["date_created"] == FIXED
        assert back.attrs["source"] == "pytest"
        assert back.attrs["title"] == "test"
    with netCDF4.Dataset(p) as nc:
        assert nc["topo"].filters()["zlib"] and nc["topo"].filters()["complevel"] == 4
        assert nc["topo"]._FillValue == FILL_VALUE
        assert "_FillValue" not in nc["lat"].ncattrs()
        assert "_FillValue" not in nc["mask"].ncattrs()
    assert "_FillValue" not in ds["topo"].encoding and "source" not in ds.attrs  # input untouched


def test_rewrite_identical_bytes(tmp_path):
    ds = _ds()
    a = write_netcdf(ds, tmp_path / "a.nc", command="x", creation_time=FIXED)
    b = write_netcdf(ds, tmp_path / "b.nc", command="x", creation_time=FIXED)
    assert _sha(a) == _sha(b)
    # and re-writing what was read back (encodings from the read are ignored)
    with xr.open_dataset(a) as back:
        c = write_netcdf(back.load(), tmp_path / "c.nc", command="x", creation_time=FIXED)
    assert _sha(c) == _sha(a)


def test_cf_conventions_and_history_newest_first(tmp_path):
    ds = _ds()
    ds.attrs["Conventions"] = "GDT 1.2"  # a legacy convention is kept, CF named first
    a = write_netcdf(ds, tmp_path / "a.nc", command="climpy route in.nc", creation_time=FIXED)
    with xr.open_dataset(a) as back:
        assert back.attrs["Conventions"] == "CF-1.8, GDT 1.2"
        assert back.attrs["history"] == f"{FIXED}: climpy {__version__}: climpy route in.nc"
        b = write_netcdf(back.load(), tmp_path / "b.nc", command="climpy pft a.nc", creation_time=FIXED)
    with netCDF4.Dataset(b) as nc:
        assert nc.Conventions == "CF-1.8, GDT 1.2"
        assert nc.history.splitlines() == [
            f"{FIXED}: climpy {__version__}: climpy pft a.nc",
            f"{FIXED}: climpy {__version__}: climpy route in.nc",
        ]
    assert "history" not in ds.attrs  # the input is never mutated


def test_source_date_epoch_sets_creation_time(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    p = write_netcdf(_ds(), tmp_path / "a.nc")
    with xr.open_dataset(p) as back:
        assert back.attrs["date_created"] == "1970-01-01T00:00:00Z"


def test_overwrite_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.nc"
    write_netcdf(_ds(), target, creation_time=FIXED)
    write_netcdf(_ds() * 2, target, creation_time=FIXED)
    assert sorted(os.listdir(tmp_path)) == ["a.nc"]
    with xr.open_dataset(target) as back:
        np.testing.assert_allclose(back["topo"].values, 2 * _ds()["topo"].values)


def test_failed_write_keeps_previous_file_and_no_temp(tmp_path):
    target = tmp_path / "a.nc"
    write_netcdf(_ds(), target, creation_time=FIXED)
    before = _sha(target)
    bad = _ds().assign(obj=("lat", np.array([object()] * 6)))  # netCDF4 cannot store Python objects
    with pytest.raises((TypeError, ValueError)):
        write_netcdf(bad, target, creation_time=FIXED)
    assert _sha(target) == before
    assert sorted(os.listdir(tmp_path)) == ["a.nc"]


def test_unwritable_paths_raise_input_error(tmp_path):
    with pytest.raises(InputError, match=r"--output .*missing.*does not exist; create it"):
        write_netcdf(_ds(), tmp_path / "missing" / "a.nc", option_name="--output")
    with pytest.raises(InputError, match="is a folder; give a file name"):
        write_netcdf(_ds(), tmp_path)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):  # root ignores permissions: use a read-only file system path
            target = "/proc/climpy-test.nc"
        else:
            target = ro / "a.nc"
        with pytest.raises(InputError, match="writable"):
            write_netcdf(_ds(), target)
    finally:
        ro.chmod(0o700)
    assert os.listdir(ro) == []


def test_encoding_of_a_read_file_is_not_carried_over(tmp_path):
    src = tmp_path / "src.nc"
    _ds().to_netcdf(src, unlimited_dims=["lat"], encoding={"topo": {"dtype": "float32"}})
    with xr.open_dataset(src) as opened:
        back = opened.load()
    a = write_netcdf(back, tmp_path / "a.nc", command="x", creation_time=FIXED)
    clean = back.copy(deep=True).drop_encoding()
    b = write_netcdf(clean, tmp_path / "b.nc", command="x", creation_time=FIXED)
    assert _sha(a) == _sha(b)
    with netCDF4.Dataset(a) as nc:
        assert not nc.dimensions["lat"].isunlimited()
