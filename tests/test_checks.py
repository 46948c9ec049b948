"""Consistency checks across products, the report, ``climpy check`` and the shared reference."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from climpy.checks import (
    CheckReport,
    CheckResult,
    check_masks_atm_ocean,
    check_masks_atm_routing,
    check_min_depth,
    check_singular_points,
    check_subbasins,
    run_checks,
)
from climpy.cli import main
from climpy.exceptions import GridError, InputError
from climpy.grid import singular_points, sync_duplicates
from climpy.testing import orca_like_grid, topography_dataset


def _world(nlat=18, nlon=36):
    """10-degree globe: a continent from 30W to 30E, 40S to 60N, land north of 75N; else ocean."""

    def topo(lat, lon):
        land = ((np.abs(lon) < 30) & (lat > -40) & (lat < 60)) | (lat > 75)
        return np.where(land, 800.0, -3000.0)

    return topography_dataset(topo, nlat=nlat, nlon=nlon)


def _routing_for(topo: xr.Dataset) -> xr.Dataset:
    """A routing file as the legacy app writes it: rows north to south, trip NaN on the ocean."""
    t = topo.topo.values[::-1]
    trip = np.where(t > 0, 1.0, np.nan)
    lat2, lon2 = np.meshgrid(topo.lat.values[::-1], topo.lon.values, indexing="ij")
    return xr.Dataset(
        {"trip": (("y", "x"), trip)}, coords={"nav_lat": (("y", "x"), lat2), "nav_lon": (("y", "x"), lon2)}
    )


def _bathy_for(topo: xr.Dataset, ny=20, nx=38) -> xr.Dataset:
    """An ORCA-like bathymetry whose mask is sampled from the topography at its cell centres."""
    ds = orca_like_grid(ny, nx, fold="F", lat_range=(-85.0, 85.0))
    t = topo.topo.interp(
        lat=xr.DataArray(ds.nav_lat.values, dims=("y", "x")),
        lon=xr.DataArray(ds.nav_lon.values, dims=("y", "x")),
        method="nearest",
    )
    depth = np.where(t.values <= 0, 3000.0, 0.0)
    return ds.assign(Bathymetry=ds.Bathymetry.copy(data=depth))


def test_routing_mask_agrees_then_one_cell_differs():
    topo = _world()
    routing = _routing_for(topo)
    assert check_masks_atm_routing(topo, routing).severity == "ok"
    bad = routing.copy(deep=True)
    bad.trip.values[2, 5] = 1.0  # a routed cell on the ocean (row 2 from the north)
    res = check_masks_atm_routing(topo, bad)
    assert res.severity == "error" and res.cells.tolist() == [[2, 5]] and res.grid == "routing"
    assert "1 cells differ" in res.message and "re-run routing" in res.message


def test_routing_on_another_grid_is_refused():
    with pytest.raises(GridError, match="routing grid .* is not the topography grid"):
        check_masks_atm_routing(_world(), _routing_for(_world(9, 18)))
    with pytest.raises(InputError, match="variable 'riv' not found.*--routing-variable"):
        check_masks_atm_routing(_world(), _routing_for(_world()), routing_variable="riv")


def test_ocean_grid_mask_coastal_warning_and_clear_error():
    topo = _world()
    bathy = _bathy_for(topo)
    assert check_masks_atm_ocean(topo, bathy).severity == "ok"
    d = bathy.Bathymetry.values.copy()
    # a deep ocean cell in the middle of the continent: no ocean within one atmosphere cell
    j, i = np.unravel_index(
        np.argmin(np.abs(bathy.nav_lat.values - 10) + np.abs(bathy.nav_lon.values)), d.shape
    )
    d[j, i] = 3000.0
    bad = bathy.assign(Bathymetry=bathy.Bathymetry.copy(data=sync_duplicates(d, overlap=2, fold="F")))
    res = check_masks_atm_ocean(topo, bad)
    assert res.severity == "error" and [j, i] in res.cells.tolist()
    # a coastal ocean cell turned to land: a warning only
    coast = bathy.Bathymetry.values.copy()
    jj, ii = np.argwhere(
        (coast > 0) & (np.abs(bathy.nav_lon.values - 35) < 6) & (np.abs(bathy.nav_lat.values) < 20)
    )[0]
    coast[jj, ii] = 0.0
    res = check_masks_atm_ocean(topo, bathy.assign(Bathymetry=bathy.Bathymetry.copy(data=coast)))
    assert res.severity == "warning" and res.cells.tolist() == [[jj, ii]]


def test_min_depth():
    ds = orca_like_grid(8, 12, fold="F")
    assert check_min_depth(ds, min_depth=10).severity == "ok"
    d = ds.Bathymetry.values.copy()
    d[5, 6] = 3.0
    res = check_min_depth(ds.assign(Bathymetry=ds.Bathymetry.copy(data=d)), min_depth=10)
    assert res.severity == "error" and res.cells.tolist() == [[5, 6]]
    assert "shallower than 10 m (shallowest 3 m)" in res.message
    topo = topography_dataset(np.array([[-5.0, -50.0], [100.0, -20.0]]), lon_range=(0, 20))
    assert check_min_depth(topo, min_depth=10).cells.tolist() == [[0, 0]]


@pytest.mark.parametrize(
    "shape,overlap,fold,cols",
    [
        ((149, 182), 2, "F", [1, 90, 91, 180]),
        ((10, 12), 0, "F", [0, 5, 6, 11]),
        ((149, 182), 2, "T", [1, 91]),
        ((10, 12), 0, None, []),
    ],
)
def test_singular_points_positions(shape, overlap, fold, cols):
    pts = singular_points(shape, overlap=overlap, fold=fold)
    assert sorted(pts[:, 1].tolist()) == cols
    assert (pts[:, 0] == shape[0] - 2).all()


@pytest.mark.parametrize("fold", ["F", "T"])
def test_singular_points_must_be_land(fold):
    ny, nx = 8, 14
    ds = orca_like_grid(ny, nx, fold=fold, bathymetry=3000.0)
    res = check_singular_points(ds)
    assert res.severity == "error" and res.count == singular_points((ny, nx), overlap=2, fold=fold).shape[0]
    d = ds.Bathymetry.values.copy()
    d[ny - 2 :, :] = 0.0
    assert check_singular_points(ds.assign(Bathymetry=ds.Bathymetry.copy(data=d))).severity == "ok"
    assert check_singular_points(_world()).message.startswith("grid has no north fold")


def test_report_and_run_checks():
    topo = _world()
    report = run_checks(topo=topo, routing=_routing_for(topo), bathy=_bathy_for(topo))
    names = [r.name for r in report.results]
    assert names[:3] == ["poles (atmosphere)", "masks atmosphere/routing", "masks atmosphere/ocean"]
    assert {
        "minimum depth",
        "singular points",
        "internal oceans (ocean)",
        "diffusive passages (ocean)",
    } <= set(names)
    text = report.format()
    assert text.startswith(f"climpy check: {len(names)} checks")
    r = CheckResult("x", "error", "bad", np.arange(30).reshape(15, 2), "ocean")
    assert "and 5 more" in r.format()
    assert not CheckReport((r,)).ok
    with pytest.raises(InputError, match="nothing to check"):
        run_checks()
    with pytest.raises(InputError, match="give topo too"):
        run_checks(routing=_routing_for(topo))


def test_cli_check_exit_codes(tmp_path):
    topo = _world()
    bathy = _bathy_for(topo)
    assert (bathy.Bathymetry.values[-2:] == 0).all()  # singular points on land
    paths = {}
    for name, ds in (("topo", topo), ("routing", _routing_for(topo)), ("bathy", bathy)):
        paths[name] = tmp_path / f"{name}.nc"
        ds.to_netcdf(paths[name])
    ok = [
        "check",
        "--topo",
        str(paths["topo"]),
        "--routing",
        str(paths["routing"]),
        "--bathy",
        str(paths["bathy"]),
    ]
    r = CliRunner().invoke(main, ok)
    assert r.exit_code == 0, r.output
    assert "0 error(s)" in r.output
    r = CliRunner().invoke(main, [*ok, "--min-depth", "5000"])
    assert r.exit_code == 1 and "[ERROR  ] minimum depth" in r.output
    r = CliRunner().invoke(main, ["check"])
    assert r.exit_code == 2 and "nothing to check" in r.output
    r = CliRunner().invoke(main, ["check", "--routing", str(paths["routing"])])
    assert r.exit_code == 2 and "give --topo too" in r.output
    r = CliRunner().invoke(main, ["check", "--bathy", str(paths["bathy"]), "--min-depth", "-1"])
    assert r.exit_code == 2 and "--min-depth" in r.output
    from climpy.subbasins import subbasins

    subbasins(bathy).to_netcdf(tmp_path / "sb.nc")
    r = CliRunner().invoke(main, [*ok, "--subbasins", str(tmp_path / "sb.nc")])
    assert r.exit_code == 0 and "[OK     ] sub-basins" in r.output, r.output
    r = CliRunner().invoke(main, ["check", "--subbasins", str(tmp_path / "sb.nc")])
    assert r.exit_code == 2 and "give --bathy too" in r.output


def test_subbasins_cover_the_ocean_once():
    from climpy.subbasins import subbasins

    bathy = _bathy_for(_world())
    sb = subbasins(bathy)
    assert check_subbasins(bathy, sb).severity == "ok"
    land = np.argwhere(bathy.Bathymetry.values == 0)[5]
    ocean = np.argwhere((bathy.Bathymetry.values > 0) & (sb.pacmsk.values == 1))[3]
    bad = sb.copy(deep=True)
    bad.atlmsk.values[tuple(land)] = 1  # a basin on land
    bad.atlmsk.values[tuple(ocean)] = 1  # a cell in two basins
    res = check_subbasins(bathy, bad)
    assert res.severity == "error" and "1 land cells in a basin and 1 cells in several basins" in res.message
    assert sorted(res.cells.tolist()) == sorted([land.tolist(), ocean.tolist()])
    hole = sb.copy(deep=True)
    hole.pacmsk.values[tuple(ocean)] = 0
    res = check_subbasins(bathy, hole)
    assert res.severity == "warning" and res.cells.tolist() == [ocean.tolist()]
    with pytest.raises(InputError, match=r"variables \['indmsk'\] not found"):
        check_subbasins(bathy, sb.drop_vars("indmsk"))
    with pytest.raises(GridError, match="recompute them on this ocean grid"):
        check_subbasins(bathy, subbasins(orca_like_grid(8, 12, fold="F")))
    with pytest.raises(InputError, match="give bathy too"):
        run_checks(subbasins=sb)
    names = [r.name for r in run_checks(bathy=bathy, subbasins=sb).results]
    assert names[-1] == "sub-basins"


# ----------------------------------------------------------------------------- reference
@pytest.mark.requires_shared_data
def test_reference_input_products_agree(shared_data, shared_reference):
    topo = xr.open_dataset(shared_data / "input.nc")
    routing = xr.open_dataset(shared_reference / "input_routing.nc")
    bathy = xr.open_dataset(shared_reference / "input_bathy.nc")
    assert check_masks_atm_routing(topo, routing).severity == "ok"
    res = check_masks_atm_ocean(topo, bathy)
    # the legacy bathymetry was built from this topography: only 5 coastal cells differ
    assert res.severity == "warning" and res.count == 5
    assert check_singular_points(bathy).severity == "ok"
    depth = check_min_depth(bathy, min_depth=10.0)
    assert depth.severity == "error" and depth.count == 59  # legacy keeps 1 m deep ocean cells
    # the legacy stn.nc routing was made from the same input
    stn = xr.open_dataset(shared_data / "stn.nc")
    assert check_masks_atm_routing(topo, stn).severity == "ok"


@pytest.mark.requires_shared_data
def test_reference_standard_routing_differs_on_interpolation_noise(shared_reference):
    topo = xr.open_dataset(shared_reference / "standard_regrid1deg_input.nc").rename(
        latitude="lat", longitude="lon"
    )
    routing = xr.open_dataset(shared_reference / "standard1deg_routing.nc")
    res = check_masks_atm_routing(topo, routing)
    # intended difference: the regridded topography has 6 cells at +1e-14 m (land by the rule
    # topo > 0) that the legacy routing treated as ocean; climpy reports them
    assert res.severity == "error" and res.count == 6
    z = topo.Z.values[::-1]
    assert np.all(np.abs(z[res.cells[:, 0], res.cells[:, 1]]) < 1e-12)


@pytest.mark.requires_shared_data
@pytest.mark.parametrize(
    "name", ["data/curvilinear.nc", "reference/input_bathy.nc", "reference/standard1deg_bathy.nc"]
)
def test_reference_orca_singular_points_on_land(shared_data, name):
    ds = xr.open_dataset(shared_data.parent / name)
    res = check_singular_points(ds)
    assert res.severity == "ok" and "4 cells" in res.message
