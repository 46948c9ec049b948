"""Tests of climpy.weights and climpy.kernels.polygons: exact overlaps, SCRIP weights, CDO agreement."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import scipy.sparse as sp
import xarray as xr

from climpy.exceptions import InputError
from climpy.kernels.polygons import box_overlaps_numba, polygon_areas_numba
from climpy.weights import _ocean_corners, atmosphere_grid, atmosphere_mask, coupling_weights, remap


def xyz(lat, lon):
    p, la = np.deg2rad(lat), np.deg2rad(lon)
    return np.stack([np.cos(p) * np.cos(la), np.cos(p) * np.sin(la), np.sin(p)], axis=-1)


def boxes(lon_edges, lat_edges):
    """Every box of a lat/lon partition as kernel arguments (radians, sines)."""
    w, s = np.meshgrid(np.deg2rad(lon_edges[:-1]), np.sin(np.deg2rad(lat_edges[:-1])))
    e, n = np.meshgrid(np.deg2rad(lon_edges[1:]), np.sin(np.deg2rad(lat_edges[1:])))
    s = np.where(s <= -1 + 1e-15, -1.0, s)
    n = np.where(n >= 1 - 1e-15, 1.0, n)
    return w.ravel(), e.ravel(), s.ravel(), n.ravel()


def overlaps(poly, lon_edges, lat_edges):
    w, e, s, n = boxes(lon_edges, lat_edges)
    nb = w.size
    return box_overlaps_numba(
        poly[None], np.zeros(nb, np.int64), np.arange(nb, dtype=np.int64), w, e, s, n
    ), ((n - s) * (e - w))


# ----------------------------------------------------------------------------- kernel


def test_polygon_area_of_octant_and_orientation():
    octant = xyz(np.array([0.0, 0.0, 90.0]), np.array([0.0, 90.0, 0.0]))
    a = polygon_areas_numba(np.stack([octant, octant[::-1]]))
    np.testing.assert_allclose(a, [np.pi / 2, -np.pi / 2], rtol=1e-14)


@pytest.mark.parametrize("hemisphere", [1, -1])
def test_partition_sums_to_polygon_and_full_boxes_exact(hemisphere):
    lat = hemisphere * np.array([10.0, 12.0, 61.0, 58.0])  # edges bulge across many parallels
    lon = np.array([-31.0, 29.0, 33.0, -27.0])
    poly = xyz(lat, lon)
    if hemisphere < 0:
        poly = poly[::-1]
    area = polygon_areas_numba(poly[None])[0]
    assert area > 0
    ov, box_area = overlaps(poly, np.arange(-180, 180.001, 2.5), np.linspace(-90, 90, 101))
    assert abs(ov.sum() - area) <= 1e-13 * area
    frac = ov / box_area
    assert frac.max() <= 1 + 1e-12
    assert (np.abs(frac - 1) < 1e-12).sum() > 300  # interior boxes are fully covered


def test_lens_between_great_circle_and_parallel():
    # a cell whose northern great-circle edge bulges above the parallel of the next box row
    poly = xyz(np.array([26.0, 26.0, 27.765, 27.765]), np.array([130.0, 132.0, 132.0, 130.0]))
    area = polygon_areas_numba(poly[None])[0]
    ov, _ = overlaps(poly, np.array([129.0, 133.0]), np.array([25.0, 27.7659, 29.0]))
    assert ov[1] > 0  # the lens above the parallel
    assert abs(ov.sum() - area) <= 1e-13 * area


def test_polar_cap_cells_with_pole_corner():
    # a cell with a corner on the pole, against the polar boxes of the LMDZ grid
    poly = xyz(np.array([87.0, 87.5, 90.0, 88.0]), np.array([100.0, 140.0, 0.0, 60.0]))
    area = polygon_areas_numba(poly[None])[0]
    a = atmosphere_grid()
    ov, _ = overlaps(
        poly,
        a["lon_bnds"].values[:, 0].tolist() + [a["lon_bnds"].values[-1, 1]],
        np.array([85.0, 89.0425531914, 90.0]),
    )
    assert abs(ov.sum() - area) <= 1e-12 * area


# ----------------------------------------------------------------------------- synthetic ORCA-like grid


def synthetic_orca(nx: int = 38, ny: int = 30, twist: float = 0.6) -> xr.Dataset:
    """A distorted global curvilinear grid (2 overlap columns) covering 80S..85N, corners shared."""
    i = np.arange(nx + 1) - 1.0
    j = np.arange(ny + 1)
    ii, jj = np.meshgrid(i, j)
    lon_c = -180 + ii * 360.0 / (nx - 2) + twist * np.sin(jj / 3.0)
    lat_c = -80 + jj * 165.0 / ny + twist * np.cos(2 * np.pi * ii / (nx - 2))  # periodic: seam matches
    bl = np.stack([lon_c[:-1, :-1], lon_c[:-1, 1:], lon_c[1:, 1:], lon_c[1:, :-1]], axis=-1)
    bt = np.stack([lat_c[:-1, :-1], lat_c[:-1, 1:], lat_c[1:, 1:], lat_c[1:, :-1]], axis=-1)
    # overlap columns: x=0 repeats x=nx-2, x=nx-1 repeats x=1
    bl[:, 0], bt[:, 0] = bl[:, nx - 2] - 360.0, bt[:, nx - 2]
    bl[:, nx - 1], bt[:, nx - 1] = bl[:, 1] + 360.0, bt[:, 1]
    lon = bl.mean(axis=-1)
    lat = bt.mean(axis=-1)
    return xr.Dataset(
        {"bounds_lon": (("y", "x", "nv"), bl), "bounds_lat": (("y", "x", "nv"), bt)},
        coords={"lon": (("y", "x"), lon), "lat": (("y", "x"), lat)},
    )


@pytest.fixture(scope="module")
def synthetic_weights():
    ocean = synthetic_orca()
    rng = np.random.default_rng(1)
    omask = rng.random(ocean["lon"].shape) < 0.9
    amask = rng.random((95, 96)) < 0.97
    return ocean, coupling_weights(ocean, ocean_mask=omask, atm_mask=amask)


def matrix(w: xr.Dataset) -> sp.csr_matrix:
    return sp.csr_matrix(
        (w["remap_matrix"].values[:, 0], (w["dst_address"].values - 1, w["src_address"].values - 1)),
        shape=(w.sizes["dst_grid_size"], w.sizes["src_grid_size"]),
    )


def test_scrip_layout(synthetic_weights):
    ocean, (o2a, a2o) = synthetic_weights
    ny, nx = ocean["lon"].shape
    assert o2a["src_grid_dims"].values.tolist() == [nx, ny]
    assert o2a["dst_grid_dims"].values.tolist() == [96, 95]
    assert a2o["src_grid_dims"].values.tolist() == [96, 95]
    for w in (o2a, a2o):
        assert w.attrs["conventions"] == "SCRIP" and w.attrs["normalization"] == "destarea"
        assert w["src_address"].dtype == np.int32 and w["src_address"].values.min() >= 1
        assert w["remap_matrix"].dims == ("num_links", "num_wgts")
        assert w["src_grid_corner_lat"].attrs["units"] == "radians"
        assert {"units", "long_name"} <= set(w["remap_matrix"].attrs)
        assert np.all(np.diff(w["dst_address"].values) >= 0)  # sorted by destination
    # overlap columns are masked: nothing counted twice
    imask = o2a["src_grid_imask"].values.reshape(ny, nx)
    assert not imask[:, 0].any() and not imask[:, -1].any()


@pytest.mark.parametrize("direction", [0, 1])
def test_weights_sum_to_one_on_fully_covered_cells(synthetic_weights, direction):
    w = synthetic_weights[1][direction]
    sums = np.asarray(matrix(w).sum(axis=1)).ravel()
    full = (np.abs(w["dst_grid_frac"].values - 1) < 1e-9) & (w["dst_grid_imask"].values == 1)
    assert full.sum() > 100
    assert np.abs(sums[full] - 1).max() < 1e-10
    assert sums.max() < 1 + 1e-10


@pytest.mark.parametrize("direction", [0, 1])
def test_area_integral_conserved_and_constant_maps_to_itself(synthetic_weights, direction):
    w = synthetic_weights[1][direction]
    f = np.random.default_rng(2).normal(size=w.sizes["src_grid_size"])
    out = remap(w, f)
    src_int = np.sum(w["src_grid_area"].values * w["src_grid_frac"].values * f)
    dst_int = np.sum(w["dst_grid_area"].values * out)
    assert abs(dst_int - src_int) <= 1e-9 * np.sum(np.abs(w["src_grid_area"].values * f))
    const = remap(w, np.full(w.sizes["src_grid_size"], 3.5))
    full = np.abs(w["dst_grid_frac"].values - 1) < 1e-9
    np.testing.assert_allclose(const[full], 3.5, rtol=1e-10)


def test_unmasked_grids_tile_each_other():
    ocean = synthetic_orca(nx=26, ny=20)
    o2a, a2o = coupling_weights(ocean)
    # every valid ocean cell is entirely inside the (global) atmosphere grid
    m = o2a["src_grid_imask"].values == 1
    np.testing.assert_allclose(o2a["src_grid_frac"].values[m], 1.0, rtol=0, atol=1e-12)
    # ocean covers 80S..85N (with wiggles): total overlap equals total ocean area
    total = (o2a["dst_grid_area"] * o2a["dst_grid_frac"]).sum()
    np.testing.assert_allclose(float(total), float(o2a["src_grid_area"].values[m].sum()), rtol=1e-12)


def test_fracarea_maps_constant_on_partial_cells(synthetic_weights):
    ocean, _ = synthetic_weights
    o2a, _ = coupling_weights(
        ocean, ocean_mask=synthetic_weights[1][0]["src_grid_imask"].values == 1, normalization="fracarea"
    )
    const = remap(o2a, np.ones(o2a.sizes["src_grid_size"]))
    has = np.bincount(o2a["dst_address"].values - 1, minlength=o2a.sizes["dst_grid_size"]) > 0
    np.testing.assert_allclose(const[has], 1.0, rtol=1e-12)


def test_atmosphere_grid_lmdz():
    a = atmosphere_grid()
    assert a.sizes == {"lat": 95, "lon": 96, "nv": 2}
    assert a["lat"].values[0] == 90 and a["lat"].values[-1] == -90 and a["lon"].values[0] == -180
    np.testing.assert_allclose(np.diff(a["lon"].values), 3.75)
    b = a["lat_bnds"].values
    np.testing.assert_allclose(b[0], [90 - 90 / 94, 90])  # half-height polar cap
    area = (np.sin(np.deg2rad(b[:, 1])) - np.sin(np.deg2rad(b[:, 0]))).sum() * 2 * np.pi
    np.testing.assert_allclose(area, 4 * np.pi)


def test_errors():
    ocean = synthetic_orca(nx=10, ny=6)
    with pytest.raises(InputError, match="bounds_lon/bounds_lat"):
        coupling_weights(ocean.drop_vars("bounds_lat"))
    with pytest.raises(InputError, match="ocean mask has 4 cells; expected 6x10"):
        coupling_weights(ocean, ocean_mask=np.ones(4, bool))
    with pytest.raises(InputError, match="unknown normalization"):
        coupling_weights(ocean, normalization="none")
    with pytest.raises(InputError, match="remap: field has 3 values"):
        remap(coupling_weights(ocean)[0], np.ones(3))


# ----------------------------------------------------------------------------- the real ORCA2 grid


@pytest.fixture(scope="module")
def orca2(shared_data):
    grid = xr.open_dataset(shared_data / "paleorca2_40Ma_grid.nc")
    bathy = xr.open_dataset(shared_data / "curvilinear.nc")
    return grid, bathy


@pytest.mark.requires_shared_data
def test_orca2_fold_overlap_and_sums(orca2):
    grid, bathy = orca2
    ocean = bathy["Bathymetry"].values > 0
    o2a, a2o = coupling_weights(grid, ocean_mask=ocean)
    imask = o2a["src_grid_imask"].values.reshape(149, 182)
    assert not imask[:, [0, 181]].any() and not imask[148].any()  # overlap columns and fold row
    for w in (o2a, a2o):
        sums = np.asarray(matrix(w).sum(axis=1)).ravel()
        full = np.abs(w["dst_grid_frac"].values - 1) < 1e-9
        assert full.sum() > 1000
        assert np.abs(sums[full] - 1).max() < 1e-10
        f = np.cos(w["src_grid_center_lat"].values) + np.sin(3 * w["src_grid_center_lon"].values)
        src_int = np.sum(w["src_grid_area"].values * w["src_grid_frac"].values * f)
        dst_int = np.sum(w["dst_grid_area"].values * remap(w, f))
        assert abs(dst_int - src_int) <= 1e-9 * abs(src_int)
    # every unmasked ORCA cell is covered by the global atmosphere grid: its overlaps add up to its area
    m = o2a["src_grid_imask"].values == 1
    np.testing.assert_allclose(o2a["src_grid_frac"].values[m], 1.0, atol=1e-11)
    # our exact areas agree with the file's NEMO areas for ordinary cells
    file_area = grid["area"].values.ravel()[m] / 6_371_229.0**2
    # (NEMO's e1t * e2t are metric approximations: median 3e-5 relative difference measured)
    rel = np.abs(file_area / o2a["src_grid_area"].values[m] - 1)
    assert np.median(rel) < 1e-4 and np.percentile(rel, 99) < 1e-2


def _cdo_inputs(grid, tmp_path):
    lat, lon, clat, clon = _ocean_corners(grid)
    fin = np.isfinite(clat).all(-1) & np.isfinite(clon).all(-1)
    clat = np.where(fin[..., None], clat, lat[..., None])
    clon = np.where(fin[..., None], clon, lon[..., None])
    mask = fin.copy()
    mask[:, [0, -1]] = False
    mask[-1] = False
    src = xr.Dataset(
        {"f": (("y", "x"), np.where(mask, 1.0, np.nan), {"coordinates": "lat lon"})},
        coords={
            "lat": (
                ("y", "x"),
                lat,
                {"units": "degrees_north", "bounds": "lat_bnds", "standard_name": "latitude"},
            ),
            "lon": (
                ("y", "x"),
                lon,
                {"units": "degrees_east", "bounds": "lon_bnds", "standard_name": "longitude"},
            ),
            "lat_bnds": (("y", "x", "nv"), clat),
            "lon_bnds": (("y", "x", "nv"), clon),
        },
    )
    src.to_netcdf(tmp_path / "orca.nc", encoding={"f": {"_FillValue": 1e20}})
    a = atmosphere_grid()
    lines = [
        "gridtype = lonlat",
        "xsize = 96",
        "ysize = 95",
        "xvals = " + " ".join(map(repr, a["lon"].values.tolist())),
        "xbounds = " + " ".join(map(repr, a["lon_bnds"].values.ravel().tolist())),
        "yvals = " + " ".join(map(repr, a["lat"].values.tolist())),
        "ybounds = " + " ".join(map(repr, a["lat_bnds"].values[:, ::-1].ravel().tolist())),
    ]
    (tmp_path / "atm.txt").write_text("\n".join(lines) + "\n")
    return mask


@pytest.mark.slow
@pytest.mark.requires_shared_data
@pytest.mark.skipif(shutil.which("cdo") is None, reason="cdo not installed (apt-get install -y cdo)")
def test_agrees_with_cdo_gencon(orca2, tmp_path):
    grid, _ = orca2
    _cdo_inputs(grid, tmp_path)
    env = {"CDO_REMAP_NORM": "destarea", "PATH": "/usr/bin:/bin"}
    for args in (
        ["gencon,atm.txt", "orca.nc", "o2a.nc"],
        ["-f", "nc", "const,1,atm.txt", "atm.nc"],
        ["gencon,orca.nc", "atm.nc", "a2o.nc"],
    ):
        subprocess.run(["cdo", "-s", *args], cwd=tmp_path, env=env, check=True, timeout=120)
    with xr.open_dataset(tmp_path / "o2a.nc") as c1, xr.open_dataset(tmp_path / "a2o.nc") as c2:
        cdo_o2a, cdo_a2o = c1.load(), c2.load()
    ours_o2a, ours_a2o = coupling_weights(grid)
    # ocean -> atmosphere: same cells, same weights (CDO 2.1.1 with YAC clipping: 1.2e-9 measured)
    assert cdo_o2a["src_grid_imask"].values.sum() == ours_o2a["src_grid_imask"].values.sum()
    a, c = matrix(ours_o2a), matrix(cdo_o2a)
    assert abs(a - c).max() < 1e-8
    assert sp.linalg.norm(a - c) / sp.linalg.norm(a) < 1e-9
    # atmosphere -> ocean, on our unmasked ocean cells: CDO agrees except on a handful of cells where it
    # drops the lens between a bulging great-circle edge and an atmosphere parallel (a piece it does find in
    # the other direction); there its row sums are short of ours, which are 1 (exact partition)
    keep = ours_a2o["dst_grid_imask"].values == 1
    a, c = matrix(ours_a2o)[keep], matrix(cdo_a2o)[keep]
    diff = abs(a - c).max(axis=1).toarray().ravel()
    bad = diff > 1e-8
    assert bad.sum() <= 10
    sum_a = np.asarray(a.sum(axis=1)).ravel()
    sum_c = np.asarray(c.sum(axis=1)).ravel()
    np.testing.assert_allclose(sum_a[bad], 1.0, atol=1e-12)
    assert np.all(sum_c[bad] < sum_a[bad] - 1e-6)
    assert np.all(sum_a[bad] - sum_c[bad] < 1e-3)  # a sliver: 4.8e-4 of the cell measured
    assert abs(a[~bad] - c[~bad]).max() < 1e-8


def test_cli_weights(tmp_path):
    from click.testing import CliRunner

    from climpy.cli import main

    ocean = synthetic_orca(nx=26, ny=20)
    ocean.to_netcdf(tmp_path / "grid.nc")
    depth = np.where(np.arange(26)[None, :] % 5 == 0, 0.0, 3000.0) * np.ones((20, 1))
    xr.Dataset({"Bathymetry": (("y", "x"), depth)}).to_netcdf(tmp_path / "bathy.nc")
    lat = np.arange(-89.5, 90, 1.0)
    lon = np.arange(-179.5, 180, 1.0)
    topo = np.where(np.abs(lat)[:, None] > 60, 100.0, -100.0) * np.ones((1, lon.size))
    xr.Dataset({"topo": (("lat", "lon"), topo)}, coords={"lat": lat, "lon": lon}).to_netcdf(
        tmp_path / "topo.nc"
    )
    runner = CliRunner()
    args = [
        "weights",
        str(tmp_path / "grid.nc"),
        "--o2a",
        str(tmp_path / "o2a.nc"),
        "--a2o",
        str(tmp_path / "a2o.nc"),
    ]
    res = runner.invoke(
        main,
        [*args, "--bathymetry", str(tmp_path / "bathy.nc"), "--atm-topography", str(tmp_path / "topo.nc")],
    )
    assert res.exit_code == 0, res.output
    with xr.open_dataset(tmp_path / "o2a.nc") as w:
        assert w.attrs["conventions"] == "SCRIP"
        assert w["src_grid_imask"].values.reshape(20, 26)[:, 5].sum() == 0  # land column masked
        dmask = w["dst_grid_imask"].values.reshape(95, 96)
        assert dmask[0].sum() == 0 and dmask[47].all()  # polar land inactive, equator active
    res = runner.invoke(main, [*args[:2], "--o2a", str(tmp_path / "x.nc"), "--a2o", str(tmp_path / "x.nc")])
    assert res.exit_code == 2 and "different files" in res.output
    res = runner.invoke(main, [*args, "--bathymetry", str(tmp_path / "topo.nc")])
    assert res.exit_code == 2 and "--bathy-variable" in res.output


def test_atmosphere_mask_marks_cells_with_any_ocean():
    lat = np.arange(-89.5, 90, 1.0)
    lon = np.arange(-179.5, 180, 1.0)
    land = (np.abs(lat)[:, None] > 60) | ((lon[None, :] > 0) & (lon[None, :] < 1))  # 1-degree strip
    topo = xr.Dataset(
        {"topo": (("lat", "lon"), np.where(land, 100.0, -100.0))}, coords={"lat": lat, "lon": lon}
    )
    atm = atmosphere_grid()
    mask = atmosphere_mask(topo, atm)
    assert mask.shape == (95, 96)
    alat = atm["lat"].values  # north to south
    np.testing.assert_array_equal(mask.all(axis=1), np.abs(alat) < 60)  # a 1-degree strip keeps ocean
    assert not mask[np.abs(alat) > 62].any()
    with pytest.raises(InputError, match="variable 'orog' not found.*pass variable="):
        atmosphere_mask(topo, variable="orog")
