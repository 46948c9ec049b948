"""Tests of climpy.regrid: target grids, nearest/bilinear/conservative, periodicity, conservation."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from climpy.exceptions import GridError, InputError
from climpy.geo import cell_area_regular
from climpy.regrid import axis_weights, regrid, target_grid


def field_on(grid: xr.Dataset, func) -> xr.Dataset:
    lon, lat = np.meshgrid(grid["lon"].values, grid["lat"].values)
    return grid.assign(topo=(("lat", "lon"), func(lat, lon)))


def integral(ds: xr.Dataset, name: str = "topo") -> float:
    return float(np.nansum(cell_area_regular(ds["lat"].values, ds["lon"].values) * ds[name].values))


def test_target_grid_from_limits_and_steps():
    g = target_grid(lon_step=2.0, lat_step=1.0, lon_min=-10, lon_max=10, lat_min=40, lat_max=50)
    np.testing.assert_allclose(g["lon"].values, np.arange(-9, 10, 2))
    np.testing.assert_allclose(g["lat"].values, np.arange(40.5, 50, 1))
    with pytest.raises(InputError, match="not a whole number of steps"):
        target_grid(lon_step=0.7)
    with pytest.raises(InputError, match="must be positive"):
        target_grid(lon_step=0.0)
    with pytest.raises(InputError, match="inverted"):
        target_grid(lon_step=1.0, lat_min=10, lat_max=0)


@pytest.mark.parametrize(("src_step", "dst_step"), [(0.5, 2.0), (1.0, 0.75), (3.0, 1.0), (1.0, 1.0)])
def test_conservative_preserves_global_integral(src_step, dst_step):
    src = field_on(target_grid(lon_step=src_step), lambda la, lo: 1000 * np.cos(np.deg2rad(2 * la)) + lo)
    out = regrid(src, target_grid(lon_step=dst_step), method="conservative")
    assert abs(integral(out) - integral(src)) <= 1e-9 * abs(integral(src))


def test_conservative_shifted_periodic_grid_and_constant():
    src = field_on(target_grid(lon_step=1.0), lambda la, lo: np.sin(np.deg2rad(lo)) * 50 + la)
    dst = target_grid(lon_step=1.5, lat_step=1.0)
    dst = dst.assign_coords(lon=dst["lon"].values + 0.3)  # cells straddle the seam
    out = regrid(src, dst, method="conservative")
    assert abs(integral(out) - integral(src)) <= 1e-9 * abs(integral(src))
    const = regrid(src.assign(topo=src["topo"] * 0 + 7.0), dst, method="conservative")
    np.testing.assert_allclose(const["topo"].values, 7.0, rtol=1e-12)


def test_conservative_masks_nan_and_renormalises():
    src = field_on(target_grid(lon_step=1.0), lambda la, lo: np.full(la.shape, 3.0))
    src["topo"].values[:, :90] = np.nan
    out = regrid(src, target_grid(lon_step=4.0), method="conservative")
    v = out["topo"].values
    assert np.all(np.isnan(v[:, :22])) and np.all(v[:, 23:] == pytest.approx(3.0))


def test_bilinear_exact_on_linear_field_and_periodic_seam():
    src = field_on(target_grid(lon_step=1.0), lambda la, lo: 2 * la + 0.0 * lo)
    dst = target_grid(lon_step=0.25, lat_min=-80, lat_max=80)
    out = regrid(src, dst, method="bilinear")
    np.testing.assert_allclose(
        out["topo"].values, 2 * dst["lat"].values[:, None] * np.ones((1, dst["lon"].size))
    )
    ring = field_on(target_grid(lon_step=10.0), lambda la, lo: np.cos(np.deg2rad(lo)))
    seam = xr.Dataset(coords={"lat": [0.0], "lon": [-179.0, 179.0]})
    v = regrid(ring, seam, method="bilinear")["topo"].values[0]
    assert v[0] == pytest.approx(v[1]) and v[0] < -0.98  # interpolated across the dateline


def test_nearest_picks_closest_across_seam():
    src = field_on(target_grid(lon_step=10.0), lambda la, lo: lo)
    dst = xr.Dataset(coords={"lat": [0.0], "lon": [-179.9, 3.0, 176.0]})
    v = regrid(src, dst, method="nearest")["topo"].values[0]
    np.testing.assert_array_equal(v, [-175.0, 5.0, 175.0])


def test_regional_source_not_periodic():
    src = field_on(target_grid(lon_step=1.0, lon_min=0, lon_max=40, lat_min=0, lat_max=20), lambda la, lo: lo)
    out = regrid(
        src, target_grid(lon_step=2.0, lon_min=0, lon_max=40, lat_min=0, lat_max=20), method="conservative"
    )
    np.testing.assert_allclose(out["topo"].values[0], np.arange(1, 40, 2))


def test_axis_weights_rows_sum_to_one_when_covered():
    src = np.arange(-89.5, 90, 1.0)
    dst = np.arange(-88.75, 90, 2.5)
    w = axis_weights(src, dst, axis="lat", method="conservative", periodic=False)
    db = np.sin(np.deg2rad(np.clip(np.concatenate([dst - 1.25, [dst[-1] + 1.25]]), -90, 90)))
    np.testing.assert_allclose(np.asarray(w.sum(axis=1)).ravel(), np.diff(db), rtol=1e-12)


def test_extra_dims_attrs_and_errors():
    g = target_grid(lon_step=10.0)
    ds = xr.Dataset(
        {"v": (("t", "lat", "lon"), np.ones((2, g["lat"].size, g["lon"].size)), {"units": "m"})},
        coords={"t": [0, 1], "lat": g["lat"], "lon": g["lon"]},
    )
    out = regrid(ds, target_grid(lon_step=20.0), method="nearest")
    assert out["v"].shape == (2, 9, 18) and out["v"].attrs["units"] == "m"
    assert out["v"].attrs["regrid_method"] == "nearest"
    with pytest.raises(InputError, match="unknown method 'cubic'"):
        regrid(ds, g, method="cubic")
    with pytest.raises(GridError, match="no 1-D 'lat'"):
        regrid(ds, xr.Dataset(), method="nearest")
    with pytest.raises(GridError, match="not strictly ascending"):
        regrid(ds.isel(lat=slice(None, None, -1)), g)


@pytest.mark.requires_shared_data
def test_legacy_standard_regrid(shared_data, shared_reference):
    # the legacy 1 degree input: xarray's linear interpolation of standard.nc; ours agrees off the seam
    raw = xr.open_dataset(shared_data / "standard.nc").rename(latitude="lat", longitude="lon")
    ref = xr.open_dataset(shared_reference / "standard_regrid1deg_input.nc")
    out = regrid(raw.rename(Z="topo"), target_grid(lon_step=1.0), method="bilinear")
    exp = ref["Z"].values
    got = out["topo"].values
    inner = np.s_[:, 1:-1]
    np.testing.assert_allclose(got[inner], exp[inner], rtol=1e-6, atol=1e-6)


def test_cli_regrid_steps_limits_and_target(tmp_path):
    from click.testing import CliRunner

    from climpy.cli import main

    src = field_on(target_grid(lon_step=1.0), lambda la, lo: np.cos(np.deg2rad(la)) * 1000 - 200)
    src.to_netcdf(tmp_path / "src.nc")
    runner = CliRunner()
    res = runner.invoke(
        main, ["regrid", str(tmp_path / "src.nc"), "-o", str(tmp_path / "a.nc"), "--step", "2"]
    )
    assert res.exit_code == 0, res.output
    with xr.open_dataset(tmp_path / "a.nc") as a:
        assert a["topo"].shape == (90, 180)
        assert abs(integral(a) - integral(src)) <= 1e-9 * abs(integral(src))
    steps = [
        "--lon-step",
        "0.5",
        "--lat-step",
        "0.25",
        "--limits",
        "-10",
        "10",
        "40",
        "50",
        "--method",
        "bilinear",
    ]
    res = runner.invoke(main, ["regrid", str(tmp_path / "src.nc"), "-o", str(tmp_path / "b.nc"), *steps])
    assert res.exit_code == 0, res.output
    with xr.open_dataset(tmp_path / "b.nc") as b:
        assert b["topo"].shape == (40, 40)
    res = runner.invoke(
        main,
        [
            "regrid",
            str(tmp_path / "src.nc"),
            "-o",
            str(tmp_path / "c.nc"),
            "--target",
            str(tmp_path / "a.nc"),
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["regrid", str(tmp_path / "src.nc"), "-o", str(tmp_path / "d.nc")])
    assert res.exit_code == 2 and "--step" in res.output
    res = runner.invoke(
        main, ["regrid", str(tmp_path / "src.nc"), "-o", str(tmp_path / "d.nc"), "--step", "0.7"]
    )
    assert res.exit_code == 2 and "whole number of steps" in res.output and not (tmp_path / "d.nc").exists()


@pytest.mark.parametrize(
    "module", ["climpy.heatflow", "climpy.ahmcoef", "climpy.pft", "climpy.regrid", "climpy.weights"]
)
def test_docstring_examples_of_products(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0
