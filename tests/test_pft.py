"""Tests of climpy.pft: band table, validation, no half-cell shift, hemispheres, read-back, reference."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import xarray as xr

from climpy.exceptions import InputError
from climpy.pft import DEFAULT_LATITUDES, DEFAULT_TABLE, NPFT, pft, pft_table


def topo_dataset(step: float = 2.0, land=None) -> xr.Dataset:
    lat = np.arange(-90 + step / 2, 90, step)
    lon = np.arange(-180 + step / 2, 180, step)
    topo = np.where(np.sin(np.deg2rad(lon))[None, :] > 0, 500.0, -3000.0) * np.ones((lat.size, 1))
    if land is not None:
        topo = land(lat, lon)
    return xr.Dataset({"topo": (("lat", "lon"), topo)}, coords={"lat": lat, "lon": lon})


def test_values_by_band_without_shift_and_ocean_missing():
    ds = topo_dataset(0.5)
    out = pft(ds)
    v = out["maxvegetfrac"]
    assert v.dims == ("time_counter", "veget", "lat", "lon")
    assert out["veget"].values.tolist() == list(range(1, 14)) and out["veget"].dtype == np.int32
    assert out["lat"].values[0] > out["lat"].values[-1]  # legacy orientation, north to south
    np.testing.assert_array_equal(np.sort(out["lat"].values), ds["lat"].values)  # same centres: no shift
    data = v.values[0]
    land = (ds["topo"] > 0).values[::-1]
    assert np.all(np.isnan(data[:, ~land])) and np.all(np.isfinite(data[:, land]))
    np.testing.assert_allclose(np.nansum(data, axis=0)[land], 1.0)
    lat = out["lat"].values
    table = np.asarray(DEFAULT_TABLE) / 100.0
    edges = (0.0, *DEFAULT_LATITUDES)
    for k in range(len(DEFAULT_LATITUDES)):
        rows = (np.abs(lat) >= edges[k]) & (np.abs(lat) < edges[k + 1])
        got = data[:, rows][:, land[rows]]
        np.testing.assert_allclose(got, np.broadcast_to(table[k][:, None], got.shape))
    assert out["maxvegetfrac"].attrs["units"] == "1"


def test_asymmetric_hemispheres_and_custom_bands():
    ds = topo_dataset(1.0)
    north = [[100] + [0] * 12, [0, 50, 50] + [0] * 10]
    south = [[0] * 9 + [100, 0, 0, 0]]
    out = pft(
        ds, latitudes=[30, 90], table=north, south_latitudes=[90], south_table=south, north_to_south=False
    )
    v = out["maxvegetfrac"].values[0]
    lat = out["lat"].values
    land = ds["topo"].values > 0
    assert np.all(v[0][(lat > 0)[:, None] & (np.abs(lat) < 30)[:, None] & land] == 1.0)
    assert np.all(v[9][(lat < 0)[:, None] & land] == 1.0)
    tb = pft_table(out)
    np.testing.assert_allclose(tb.north, north)
    np.testing.assert_allclose(tb.south, south)


def test_rows_must_sum_to_100():
    ds = topo_dataset()
    bad = np.array(DEFAULT_TABLE, dtype=float)
    bad[2, 4] = 60.0
    with pytest.raises(InputError, match=r"row 2 \(band up to 50.0 degrees\) sums to 90, not 100"):
        pft(ds, table=bad)
    with pytest.raises(InputError, match="must increase strictly"):
        pft(ds, latitudes=[15, 35, 50, 80, 85])
    with pytest.raises(InputError, match=r"expected \(bands, 13\)"):
        pft(ds, table=np.full((5, 12), 100 / 12))
    with pytest.raises(InputError, match="5 band latitudes for 4 table rows"):
        pft(ds, table=np.asarray(DEFAULT_TABLE)[:4])
    with pytest.raises(InputError, match="no variable 'z'"):
        pft(ds, variable="z")


def test_read_back_with_all_ocean_bands(caplog):
    # land only between 20 and 60 degrees north: the other bands are all ocean
    ds = topo_dataset(
        1.0, land=lambda lat, lon: np.where(((lat > 20) & (lat < 60))[:, None], 100.0, -1.0) + 0 * lon
    )
    out = pft(ds)
    tb = pft_table(out)
    np.testing.assert_allclose(tb.north, DEFAULT_TABLE)  # all-ocean rows come from the stored table
    np.testing.assert_allclose(tb.south, DEFAULT_TABLE)
    out.attrs = {}
    with caplog.at_level(logging.WARNING, logger="climpy.pft"):
        tb2 = pft_table(out)
    assert "has no land cell" in caplog.text
    np.testing.assert_allclose(tb2.north[1:4], np.asarray(DEFAULT_TABLE)[1:4])
    np.testing.assert_allclose(tb2.south.sum(axis=1), 100.0)
    assert tb2.south[0, 0] == 100.0
    assert tb2.north.shape == (5, NPFT)


def test_pft_table_errors():
    with pytest.raises(InputError, match="no variable 'maxvegetfrac'"):
        pft_table(xr.Dataset())


@pytest.mark.requires_shared_data
def test_reference_testpath(shared_data, shared_reference):
    ref = xr.open_dataset(shared_reference / "input_pft_testpath.nc", decode_times=False)
    topo = xr.open_dataset(shared_data / "input.nc")
    # the legacy input: input.nc linearly interpolated to the 0.5 degree grid (north to south)
    src = topo.interp(lat=np.arange(89.75, -90, -0.5), lon=np.arange(-179.75, 180, 0.5))
    src = src.sortby("lat")
    out = pft(src)
    np.testing.assert_array_equal(out["lat"].values, ref["lat"].values)
    np.testing.assert_array_equal(out["lon"].values, ref["lon"].values)
    got = out["maxvegetfrac"].values[0]
    exp = ref["maxvegetfrac"].values[0]
    lat = out["lat"].values
    # legacy bugs: last row and column missing, and band rows shifted by one near each band edge
    inner = np.s_[:, :-1, :-1]
    edge_rows = np.zeros(lat.size, dtype=bool)
    for e in DEFAULT_LATITUDES[:-1]:
        edge_rows |= np.abs(np.abs(lat) - e) < 0.5
    defined = np.isfinite(src["topo"].values[::-1])[
        None, :-1, :-1
    ]  # the legacy input is NaN at the poles/seam
    np.testing.assert_array_equal(np.isfinite(got[inner]) & defined, np.isfinite(exp[inner]) & defined)
    keep = defined & np.isfinite(got[inner]) & ~edge_rows[:-1][None, :, None]
    assert keep.sum() > 0.2 * got[inner].size
    np.testing.assert_allclose(got[inner][keep], exp[inner][keep])
    # at band edges our cells follow their own centre: |lat| 14.75 is tropical, 15.25 is not
    j = int(np.argmin(np.abs(lat - 15.25)))
    row = got[:, j][:, np.isfinite(got[0, j])]
    np.testing.assert_allclose(row, np.broadcast_to((np.asarray(DEFAULT_TABLE[1]) / 100)[:, None], row.shape))


def test_cli_pft_table_round_trip(tmp_path):
    from click.testing import CliRunner

    from climpy.cli import main

    topo_dataset(2.0).to_netcdf(tmp_path / "topo.nc")
    table = np.zeros((2, 14))
    table[:, 0] = [40, 90]
    table[0, 1 + 1] = 100
    table[1, 1 + 9] = 100
    np.savetxt(tmp_path / "t.csv", table, delimiter=",", header="upper_lat, 13 PFT %")
    runner = CliRunner()
    res = runner.invoke(
        main,
        ["pft", str(tmp_path / "topo.nc"), "-o", str(tmp_path / "p.nc"), "--table", str(tmp_path / "t.csv"),
         "--table-out", str(tmp_path / "back.csv")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    back = np.loadtxt(tmp_path / "back.csv", delimiter=",", comments="#")
    np.testing.assert_allclose(back, table)
    res = runner.invoke(
        main,
        [
            "pft",
            str(tmp_path / "topo.nc"),
            "-o",
            str(tmp_path / "q.nc"),
            "--table-from",
            str(tmp_path / "p.nc"),
        ],
    )
    assert res.exit_code == 0, res.output
    with (
        xr.open_dataset(tmp_path / "q.nc", decode_times=False) as q,
        xr.open_dataset(tmp_path / "p.nc", decode_times=False) as p,
    ):
        np.testing.assert_array_equal(q["maxvegetfrac"].values, p["maxvegetfrac"].values)
    table[1, 11] = 50
    np.savetxt(tmp_path / "bad.csv", table, delimiter=",")
    res = runner.invoke(
        main,
        [
            "pft",
            str(tmp_path / "topo.nc"),
            "-o",
            str(tmp_path / "r.nc"),
            "--table",
            str(tmp_path / "bad.csv"),
        ],
    )
    assert res.exit_code == 2 and "sums to 150, not 100" in res.output and not (tmp_path / "r.nc").exists()


def test_table_as_editor_dataset():
    ds = topo_dataset(2.0)
    lat = np.array([45.0, 90.0])
    tab = np.zeros((2, NPFT))
    tab[0, 1], tab[1, 5] = 100, 100
    table = xr.Dataset(
        {"pft_table": (("band", "veget"), tab)},
        coords={"band_lat": ("band", lat), "veget": np.arange(1, NPFT + 1)},
    )
    a = pft(ds, table=table)
    b = pft(ds, latitudes=lat, table=tab)
    xr.testing.assert_identical(a, b)
