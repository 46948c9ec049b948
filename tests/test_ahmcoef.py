"""Tests of climpy.ahmcoef: band by latitude, western-boundary taper, overlap columns, legacy reference."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from climpy.ahmcoef import DEFAULT_TAPER, ahmcoef
from climpy.exceptions import InputError


def orca_like(depth_core: np.ndarray, lat1: np.ndarray) -> xr.Dataset:
    """ORCA-like dataset: core columns plus 2 overlap columns (x=0 == x=nx-2, x=nx-1 == x=1)."""
    ny, n = depth_core.shape
    depth = np.concatenate([depth_core[:, -1:], depth_core, depth_core[:, :1]], axis=1)
    lon1 = -180.0 + (np.arange(n) + 0.5) * 360.0 / n
    lon1 = np.concatenate([lon1[-1:], lon1, lon1[:1]])
    lon, lat = np.meshgrid(lon1, lat1)
    return xr.Dataset(
        {"Bathymetry": (("y", "x"), depth)},
        coords={"nav_lat": (("y", "x"), lat), "nav_lon": (("y", "x"), lon)},
    )


def test_taper_east_of_western_boundary():
    core = np.full((5, 20), 4000.0)
    core[:, 2:4] = 0.0  # a continent: ocean starts at core column 4
    ds = orca_like(core, np.array([-40.0, -10.0, 0.0, 10.0, 40.0]))
    icof = ahmcoef(ds)["icof"].values[:, 1:-1]
    np.testing.assert_array_equal(icof[2, 4 : 4 + len(DEFAULT_TAPER)], DEFAULT_TAPER)
    assert np.all(icof[2, 4 + len(DEFAULT_TAPER) :] == 0.0)
    assert np.all(icof[:, 2:4] == 100.0)  # land
    assert np.all(icof[[0, 4]] == 100.0)  # outside the band
    # periodic: the ocean east of the seam continues the taper from column 4 (no new boundary)
    assert np.all(icof[2, :2] == 0.0)


def test_band_by_latitude_and_custom_taper():
    core = np.full((6, 12), 3000.0)
    core[:, 0] = 0.0
    lat = np.array([-30.0, -5.0, 0.0, 5.0, 25.0, 60.0])
    out = ahmcoef(orca_like(core, lat), band=(-31.0, 26.0), taper=(90.0, 50.0, 10.0))["icof"].values[:, 1:-1]
    np.testing.assert_array_equal(out[0, 1:5], [90, 50, 10, 10])
    assert np.all(out[5] == 100)


def test_nearest_boundary_wins():
    core = np.full((1, 16), 4000.0)
    core[0, [0, 3]] = 0.0  # two coasts 3 cells apart
    out = ahmcoef(orca_like(core, np.array([0.0])))["icof"].values[0, 1:-1]
    np.testing.assert_array_equal(out[4:8], DEFAULT_TAPER[:4])
    np.testing.assert_array_equal(out[1:3], DEFAULT_TAPER[:2])


@pytest.mark.parametrize("shift", [0, 5, 11])
def test_overlap_columns_consistent_and_rotation_equivariant(shift):
    rng = np.random.default_rng(shift)
    core = np.where(rng.random((8, 24)) < 0.3, 0.0, 3000.0)
    lat = np.linspace(-25, 25, 8)
    a = ahmcoef(orca_like(core, lat))["icof"].values
    assert np.all(a[:, 0] == a[:, -2]) and np.all(a[:, -1] == a[:, 1])
    b = ahmcoef(orca_like(np.roll(core, shift, axis=1), lat))["icof"].values
    np.testing.assert_array_equal(np.roll(a[:, 1:-1], shift, axis=1), b[:, 1:-1])
    assert a.min() >= 0 and a.max() <= 100


def test_regional_grid_not_periodic():
    core = np.full((3, 10), 3000.0)
    lon, lat = np.meshgrid(np.linspace(-50, -41, 10), np.array([-5.0, 0.0, 5.0]))
    ds = xr.Dataset(
        {"Bathymetry": (("y", "x"), core)},
        coords={"nav_lat": (("y", "x"), lat), "nav_lon": (("y", "x"), lon)},
    )
    out = ahmcoef(ds)["icof"].values
    np.testing.assert_array_equal(out[1, :6], DEFAULT_TAPER)  # closed western edge acts as a coast


def test_errors():
    ds = orca_like(np.ones((2, 6)), np.array([0.0, 1.0]))
    with pytest.raises(InputError, match="band .* is empty"):
        ahmcoef(ds, band=(10.0, -10.0))
    with pytest.raises(InputError, match="taper"):
        ahmcoef(ds, taper=[120.0])
    with pytest.raises(InputError, match="no variable 'depth'"):
        ahmcoef(ds, variable="depth")


@pytest.mark.requires_shared_data
@pytest.mark.parametrize("name", ["input", "standard1deg", "curvilinear"])
def test_reference(name, shared_data, shared_reference):
    src = shared_data / "curvilinear.nc" if name == "curvilinear" else shared_reference / f"{name}_bathy.nc"
    ds = xr.open_dataset(src)
    ref = xr.open_dataset(shared_reference / f"{name}_ahmcoef.nc")["icof"].values
    out = ahmcoef(ds)
    icof = out["icof"].values
    assert out["icof"].attrs["valid_max"] == 100.0 and set(out.coords) == {"nav_lon", "nav_lat"}
    # default band = the legacy rows 55-92 on ORCA2
    lat = ds["nav_lat"].values
    rows = np.nonzero(((lat >= -20) & (lat <= 15)).any(axis=1))[0]
    assert rows.min() == 55 and rows.max() == 92
    interior = np.s_[:, 1:-1]
    same = icof[interior] == ref[interior]
    # intended difference: nearest western boundary wins, so icof can only be larger than the legacy value
    assert np.all(icof[interior][~same] > ref[interior][~same])
    assert (~same).sum() < 0.01 * (ds["Bathymetry"].values > 0).sum()
    # overlap columns repeat their partners (the legacy tool treated them as extra cells)
    np.testing.assert_array_equal(icof[:, 0], icof[:, -2])
    np.testing.assert_array_equal(icof[:, -1], icof[:, 1])


def test_cli_ahmcoef(tmp_path):
    from click.testing import CliRunner

    from climpy.cli import main

    core = np.full((4, 12), 3000.0)
    core[:, 0] = 0
    orca_like(core, np.array([-30.0, 0.0, 5.0, 40.0])).to_netcdf(tmp_path / "b.nc")
    runner = CliRunner()
    out = tmp_path / "ahm.nc"
    res = runner.invoke(main, ["ahmcoef", str(tmp_path / "b.nc"), "-o", str(out), "--taper", "80,40,0"])
    assert res.exit_code == 0, res.output
    with xr.open_dataset(out) as ds:
        np.testing.assert_array_equal(ds["icof"].values[1, 2:5], [80, 40, 0])
    res = runner.invoke(
        main, ["ahmcoef", str(tmp_path / "b.nc"), "-o", str(tmp_path / "x.nc"), "--taper", "a,b"]
    )
    assert res.exit_code == 2 and "--taper" in res.output and not (tmp_path / "x.nc").exists()
    res = runner.invoke(
        main, ["ahmcoef", str(tmp_path / "b.nc"), "-o", str(tmp_path / "x.nc"), "--band", "5", "-5"]
    )
    assert res.exit_code == 2 and "--band" in res.output


@pytest.mark.parametrize("fold", ["T", "F"])
def test_duplicated_cells_consistent_on_orca_like_grids(fold):
    from climpy.testing import assert_orca_consistent, orca_like_grid

    ds = orca_like_grid(
        40, 30, fold=fold, bathymetry=lambda la, lo: np.where(np.sin(np.deg2rad(3 * lo)) > 0.3, 0, 4000.0)
    )
    out = ahmcoef(ds)
    assert_orca_consistent(out, "icof")
    assert (out["icof"].values < 100).any()
