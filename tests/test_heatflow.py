"""Tests of climpy.heatflow: GDH1 inversion, invariants, contract, legacy reference."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from climpy.exceptions import InputError
from climpy.heatflow import GDH1, heatflow, seafloor_age


def bathy_dataset(depth: np.ndarray) -> xr.Dataset:
    """A small ORCA-like dataset (y, x) with 2-D nav_lat/nav_lon and 2 overlap columns."""
    ny, nx = depth.shape
    lon1 = -180.0 + (np.arange(nx) - 1 + 0.5) * 360.0 / (nx - 2)
    lat1 = np.linspace(-70, 80, ny)
    lon, lat = np.meshgrid(lon1, lat1)
    lon[:, 0], lon[:, -1] = lon[:, -2], lon[:, 1]
    return xr.Dataset(
        {"Bathymetry": (("y", "x"), depth)},
        coords={"nav_lat": (("y", "x"), lat), "nav_lon": (("y", "x"), lon)},
    )


def test_age_inversion_round_trip():
    t = np.array([0.0, 1.0, 5.0, 19.9, 20.0, 50.0, 100.0, 150.0])
    d = np.where(
        t < 20,
        GDH1["ridge_depth"] + GDH1["subsidence"] * np.sqrt(t),
        GDH1["asymptotic_depth"] - GDH1["depth_range"] * np.exp(-GDH1["decay"] * t),
    )
    np.testing.assert_allclose(seafloor_age(d), t, rtol=1e-9, atol=1e-9)


def test_age_is_continuous_monotonic_and_finite_over_full_depth_range():
    d = np.linspace(0, 11000, 20001)
    a = seafloor_age(d, max_age=200.0)
    assert np.all(np.isfinite(a))
    assert np.all(np.diff(a) >= 0)
    assert a[0] == 0 and a[-1] == 200.0
    d_tr = GDH1["ridge_depth"] + GDH1["subsidence"] * np.sqrt(20.0)
    below, above = seafloor_age(np.array([d_tr - 1e-6, d_tr + 1e-6]))
    # GDH1's two branches meet within 0.05 m at 20 Ma: the inverted age jumps by about 0.01 Ma only
    assert abs(above - below) < 0.02


def test_heatflow_invariants_whole_depth_range():
    depth = np.linspace(0, 7000, 40 * 12).reshape(40, 12)
    depth[:3] = 0.0  # some land
    out = heatflow(bathy_dataset(depth))
    q = out["heatflow"].values[0]
    ocean = depth > 0
    assert np.all(np.isfinite(q))
    assert np.all(q[ocean] > 0)
    assert np.all(q[~ocean] == 0)
    assert q[ocean].max() <= 400.0
    assert np.all(q[(depth > 0) & (depth < 2500)] == 48.0)
    order = np.argsort(depth[depth >= 2500], kind="stable")
    qs = q[depth >= 2500][order]
    assert np.all(np.diff(qs) <= 1e-12)  # non-increasing with depth beyond the shelf
    np.testing.assert_allclose(q[depth > 5700], 490 / np.sqrt(200.0))


def test_heatflow_contract_and_input_untouched():
    depth = np.full((6, 10), 3000.0)
    depth[0] = 0
    ds = bathy_dataset(depth)
    before = ds.copy(deep=True)
    out = heatflow(ds)
    xr.testing.assert_identical(ds, before)
    assert out["heatflow"].dims == ("time_counter", "y", "x")
    assert out["heatflow"].attrs["units"] == "mW/m2"
    assert {"long_name", "climpy_version", "method"} <= set(out["heatflow"].attrs)
    assert out["time_steps"].dtype == np.int32 and out["time_steps"].dims == ("time_counter",)
    assert out["time_counter"].values.tolist() == [1.0]
    assert set(out.coords) >= {"nav_lon", "nav_lat", "time_counter"}
    np.testing.assert_array_equal(out["nav_lat"].values, ds["nav_lat"].values)
    assert out["nav_lon"].attrs["units"] == "degrees_east"


def test_every_constant_is_a_parameter():
    depth = np.full((4, 6), 4000.0)
    ds = bathy_dataset(depth)
    base = heatflow(ds)["heatflow"].values
    q2 = heatflow(ds, coefficient=510.0)["heatflow"].values
    np.testing.assert_allclose(q2, base * 510 / 490)
    q3 = heatflow(ds, gdh1={"ridge_depth": 2500.0})["heatflow"].values
    assert np.all(q3 < base)
    q4 = heatflow(ds, shelf_depth=4500.0, shelf_heatflow=60.0)["heatflow"].values
    assert np.all(q4 == 60.0)


def test_age_grid_overrides_depth():
    depth = np.full((4, 6), 3000.0)
    age = xr.DataArray(np.full((4, 6), np.nan), dims=("y", "x"))
    age[0, :] = 49.0
    q = heatflow(bathy_dataset(depth), age=age)["heatflow"].values[0]
    np.testing.assert_allclose(q[0], 70.0)
    np.testing.assert_allclose(q[1:], heatflow(bathy_dataset(depth))["heatflow"].values[0][1:])


def test_steep_smoothing_is_opt_in_and_never_zero():
    depth = np.full((8, 10), 5000.0)
    depth[3:5, 4:6] = 2550.0  # a seamount: high heat flow next to deep ocean
    ds = bathy_dataset(depth)
    plain = heatflow(ds)["heatflow"].values[0]
    smooth = heatflow(ds, steep_gradient=100.0)["heatflow"].values[0]
    assert np.all(smooth > 0)
    assert (smooth != plain).any()
    assert smooth.max() <= plain.max()
    # a seamount across the periodic seam: overlap columns stay copies of their partners
    depth = np.full((8, 10), 5000.0)
    depth[3:5, [1, 8]] = 2550.0
    depth[:, 0], depth[:, 9] = depth[:, 8], depth[:, 1]
    seam = heatflow(bathy_dataset(depth), steep_gradient=100.0)["heatflow"].values[0]
    np.testing.assert_array_equal(seam[:, 0], seam[:, 8])
    np.testing.assert_array_equal(seam[:, 9], seam[:, 1])
    assert np.all(seam > 0)


def test_errors_name_variable_and_fix():
    ds = bathy_dataset(np.ones((4, 6)))
    with pytest.raises(InputError, match=r"no variable 'depth'.*variable="):
        heatflow(ds, variable="depth")
    with pytest.raises(InputError, match="max_age=0"):
        heatflow(ds, max_age=0)
    with pytest.raises(InputError, match="age grid has shape"):
        heatflow(ds, age=xr.DataArray(np.ones((2, 2)), dims=("y", "x")))
    with pytest.raises(InputError, match="nav_lat/nav_lon"):
        heatflow(ds.drop_vars(["nav_lat", "nav_lon"]))


@pytest.mark.requires_shared_data
@pytest.mark.parametrize("name", ["input", "standard1deg", "curvilinear"])
def test_reference_equal_where_legacy_valid(name, shared_data, shared_reference):
    src = shared_data / "curvilinear.nc" if name == "curvilinear" else shared_reference / f"{name}_bathy.nc"
    ds = xr.open_dataset(src)
    ref = xr.open_dataset(shared_reference / f"{name}_heatflow.nc", decode_times=False)["heatflow"].values[0]
    q = heatflow(ds)["heatflow"].values[0]
    d = ds["Bathymetry"].values
    ocean = d > 0
    d_max_age = GDH1["asymptotic_depth"] - GDH1["depth_range"] * np.exp(-GDH1["decay"] * 200.0)
    # legacy bugs: 0 on steep cells and below 5651 m; the cap (400) just beyond the 20 Ma transition
    legacy_gap = (ref == 400.0) & (d > 4000.0)
    valid = ocean & (ref > 0) & (d < d_max_age) & ~legacy_gap
    assert valid.sum() > 0.8 * ocean.sum()
    np.testing.assert_allclose(q[valid], ref[valid], rtol=1e-12)
    # intended differences
    assert np.all(q[ocean] > 0)  # positive where the reference is 0
    assert np.all(q[ocean & (ref == 0)] > 0)
    assert np.all(q[legacy_gap] < 400.0)
    deep = ocean & (d >= d_max_age)
    np.testing.assert_allclose(q[deep], 490 / np.sqrt(200.0))
    assert np.all(q[~ocean] == 0) and np.all(ref[~ocean] == 0)


# ----------------------------------------------------------------------------- CLI
def test_cli_heatflow_writes_contract_and_refuses_bad_input(tmp_path):
    from click.testing import CliRunner

    from climpy.cli import main

    depth = np.linspace(0, 6000, 8 * 10).reshape(8, 10)
    bathy_dataset(depth).to_netcdf(tmp_path / "bathy.nc")
    out = tmp_path / "heat.nc"
    runner = CliRunner()
    res = runner.invoke(main, ["heatflow", str(tmp_path / "bathy.nc"), "-o", str(out), "--max-age", "150"])
    assert res.exit_code == 0, res.output
    with xr.open_dataset(out, decode_times=False) as ds:
        assert ds["heatflow"].dims == ("time_counter", "y", "x")
        assert ds["heatflow"].attrs["units"] == "mW/m2"
        assert ds["heatflow"].values.min() >= 0 and ds["heatflow"].values[0][depth > 5700].min() > 39
        assert "climpy_version" in ds.attrs
    bad = tmp_path / "bad.nc"
    res = runner.invoke(main, ["heatflow", str(tmp_path / "bathy.nc"), "-o", str(bad), "--variable", "depth"])
    assert res.exit_code == 2 and "variable 'depth' not found" in res.output
    assert not bad.exists()
    res = runner.invoke(main, ["heatflow", str(tmp_path / "bathy.nc"), "-o", str(bad), "--max-age", "-1"])
    assert res.exit_code == 2 and "--max-age" in res.output
    (tmp_path / "junk.nc").write_text("not netcdf")
    res = runner.invoke(main, ["heatflow", str(tmp_path / "junk.nc"), "-o", str(bad)])
    assert res.exit_code == 2 and "junk.nc" in res.output and "NetCDF" in res.output and not bad.exists()


def test_cli_heatflow_age_grid(tmp_path):
    from click.testing import CliRunner

    from climpy.cli import main

    depth = np.full((4, 6), 3000.0)
    depth[0, :] = 0.0  # the file must have land and ocean
    bathy_dataset(depth).to_netcdf(tmp_path / "b.nc")
    xr.Dataset({"age": (("y", "x"), np.full((4, 6), 100.0))}).to_netcdf(tmp_path / "age.nc")
    xr.Dataset({"age": (("y", "x"), np.ones((2, 2)))}).to_netcdf(tmp_path / "small.nc")
    runner = CliRunner()
    res = runner.invoke(
        main,
        ["heatflow", str(tmp_path / "b.nc"), "-o", str(tmp_path / "h.nc"), "--age", str(tmp_path / "age.nc")],
    )
    assert res.exit_code == 0, res.output
    with xr.open_dataset(tmp_path / "h.nc", decode_times=False) as ds:
        np.testing.assert_allclose(ds["heatflow"].values[0, 1:], 49.0)
        assert np.all(ds["heatflow"].values[0, 0] == 0)
    res = runner.invoke(
        main,
        [
            "heatflow",
            str(tmp_path / "b.nc"),
            "-o",
            str(tmp_path / "x.nc"),
            "--age",
            str(tmp_path / "small.nc"),
        ],
    )
    assert res.exit_code == 2 and "regrid the ages" in res.output and not (tmp_path / "x.nc").exists()


@pytest.mark.parametrize("fold", ["T", "F"])
def test_duplicated_cells_consistent_on_orca_like_grids(fold):
    from climpy.testing import assert_orca_consistent, orca_like_grid

    def depth(la, lo):
        return np.where(np.sin(np.deg2rad(3 * lo)) > 0.3, 0.0, 2600 + 40 * np.abs(la) + (20 * lo) % 300)

    ds = orca_like_grid(40, 30, fold=fold, bathymetry=depth)
    for kw in ({}, {"steep_gradient": 50.0}):
        out = heatflow(ds, **kw).isel(time_counter=0)
        assert_orca_consistent(out, "heatflow")
        assert np.all(out["heatflow"].values[ds["Bathymetry"].values > 0] > 0)
