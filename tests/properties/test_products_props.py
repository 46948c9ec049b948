"""Hypothesis invariants of the products: heat flow, ahmcoef, PFT, regridding, polygon overlaps."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from climpy.ahmcoef import ahmcoef
from climpy.geo import cell_area_regular
from climpy.heatflow import heatflow
from climpy.kernels.polygons import box_overlaps_numba, polygon_areas_numba
from climpy.pft import NPFT, pft, pft_table
from climpy.regrid import regrid, target_grid

pytestmark = pytest.mark.properties
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _orca_like(depth_core: np.ndarray, lat1: np.ndarray) -> xr.Dataset:
    ny, n = depth_core.shape
    depth = np.concatenate([depth_core[:, -1:], depth_core, depth_core[:, :1]], axis=1)
    lon1 = -180.0 + (np.arange(n) + 0.5) * 360.0 / n
    lon, lat = np.meshgrid(np.concatenate([lon1[-1:], lon1, lon1[:1]]), lat1)
    return xr.Dataset(
        {"Bathymetry": (("y", "x"), depth)},
        coords={"nav_lat": (("y", "x"), lat), "nav_lon": (("y", "x"), lon)},
    )


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    coefficient=st.floats(300, 600),
    max_age=st.floats(50, 400),
    shelf=st.floats(200, 3000),
)
def test_heatflow_positive_on_ocean_and_monotonic_beyond_shelf(seed, coefficient, max_age, shelf):
    rng = np.random.default_rng(seed)
    depth = np.where(rng.random((9, 14)) < 0.2, 0.0, rng.uniform(1, 11000, (9, 14)))
    q = heatflow(_orca_like(depth, np.linspace(-60, 60, 9)), coefficient=coefficient, max_age=max_age,
                 shelf_depth=shelf)["heatflow"].values[0][:, 1:-1]  # fmt: skip
    ocean = depth > 0
    assert np.all(np.isfinite(q)) and np.all(q[ocean] > 0) and np.all(q[~ocean] == 0)
    deep = ocean & (depth >= shelf)
    order = np.argsort(depth[deep])
    assert np.all(np.diff(q[deep][order]) <= 1e-9)


@SETTINGS
@given(seed=st.integers(0, 2**16), shift=st.integers(0, 15), land=st.floats(0.05, 0.6))
def test_ahmcoef_range_overlap_and_rotation(seed, shift, land):
    rng = np.random.default_rng(seed)
    core = np.where(rng.random((7, 16)) < land, 0.0, 4000.0)
    lat = np.linspace(-30, 30, 7)
    a = ahmcoef(_orca_like(core, lat))["icof"].values
    assert set(np.unique(a)) <= {100.0, 96.0, 69.0, 31.0, 4.0, 0.0}
    np.testing.assert_array_equal(a[:, 0], a[:, -2])
    np.testing.assert_array_equal(a[:, -1], a[:, 1])
    b = ahmcoef(_orca_like(np.roll(core, shift, axis=1), lat))["icof"].values
    np.testing.assert_array_equal(np.roll(a[:, 1:-1], shift, axis=1), b[:, 1:-1])
    assert np.all(a[:, 1:-1][core == 0] == 100)


@st.composite
def pft_tables(draw):
    n = draw(st.integers(1, 5))
    cuts = sorted(draw(st.lists(st.floats(1, 89), min_size=n - 1, max_size=n - 1, unique=True)))
    lat = np.array([*cuts, 90.0])
    if np.any(np.diff(lat) < 0.5):
        lat = np.linspace(90 / n, 90, n)
    raw = np.array(
        draw(st.lists(st.lists(st.integers(0, 10), min_size=NPFT, max_size=NPFT), min_size=n, max_size=n))
    )
    raw[:, 0] += 1
    table = 100.0 * raw / raw.sum(axis=1, keepdims=True)
    return lat, table


@SETTINGS
@given(north=pft_tables(), south=pft_tables(), seed=st.integers(0, 100))
def test_pft_fractions_sum_to_one_and_read_back(north, south, seed):
    rng = np.random.default_rng(seed)
    lat = np.arange(-89.5, 90, 1.0)
    lon = np.arange(-179, 180, 2.0)
    topo = np.where(rng.random((lat.size, lon.size)) < 0.5, 100.0, -100.0)
    ds = xr.Dataset({"topo": (("lat", "lon"), topo)}, coords={"lat": lat, "lon": lon})
    out = pft(ds, latitudes=north[0], table=north[1], south_latitudes=south[0], south_table=south[1])
    v = out["maxvegetfrac"].values[0]
    land = np.isfinite(v[0])
    np.testing.assert_allclose(v[:, land].sum(axis=0), 1.0, rtol=1e-12)
    assert land.sum() == (topo > 0).sum()
    tb = pft_table(out)
    np.testing.assert_allclose(tb.north, north[1], atol=1e-9)
    np.testing.assert_allclose(tb.south, south[1], atol=1e-9)


@SETTINGS
@given(
    src_n=st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]),
    dst_n=st.sampled_from([0.75, 1.0, 2.5, 4.0, 5.0]),
    offset=st.floats(-5, 5),
    seed=st.integers(0, 1000),
)
def test_conservative_regrid_keeps_area_integral(src_n, dst_n, offset, seed):
    rng = np.random.default_rng(seed)
    src = target_grid(lon_step=src_n)
    src = src.assign(topo=(("lat", "lon"), rng.normal(size=(src["lat"].size, src["lon"].size)) * 1000))
    dst = target_grid(lon_step=dst_n)
    dst = dst.assign_coords(lon=dst["lon"].values + offset)
    out = regrid(src, dst, method="conservative")
    i_src = np.sum(cell_area_regular(src["lat"].values, src["lon"].values) * src["topo"].values)
    i_dst = np.sum(cell_area_regular(dst["lat"].values, dst["lon"].values) * out["topo"].values)
    scale = np.sum(cell_area_regular(src["lat"].values, src["lon"].values) * np.abs(src["topo"].values))
    assert abs(i_dst - i_src) <= 1e-9 * scale


def _xyz(lat, lon):
    p, la = np.deg2rad(lat), np.deg2rad(lon)
    return np.stack([np.cos(p) * np.cos(la), np.cos(p) * np.sin(la), np.sin(p)], axis=-1)


def _arc_lat(a, b, n=257):
    """Latitudes (degrees) along the great-circle arc from unit vector ``a`` to ``b``."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    p = (1 - t) * a + t * b
    return np.rad2deg(np.arcsin(p[:, 2] / np.linalg.norm(p, axis=1)))


@SETTINGS
@given(
    lat0=st.floats(-85, 80),
    lon0=st.floats(-180, 180),
    dlat=st.floats(0.05, 6),
    dlon=st.floats(0.05, 12),
    jitter=st.lists(st.floats(-0.3, 0.3), min_size=8, max_size=8),
    step=st.sampled_from([0.5, 1.0, 1.875, 3.75]),
)
def test_box_overlaps_partition_random_quadrilaterals(lat0, lon0, dlat, dlon, jitter, step):
    j = np.asarray(jitter)
    lat = np.clip(np.array([lat0, lat0, lat0 + dlat, lat0 + dlat]) + j[:4] * dlat, -89.9, 89.9)
    lon = np.array([lon0, lon0 + dlon, lon0 + dlon, lon0]) + j[4:] * dlon
    poly = _xyz(lat, lon)
    # great-circle edges bulge poleward of their corners (0.07 deg for 12 deg of longitude at 14 N): where the
    # bottom edge rises above the top one the quadrilateral crosses itself, and a bow tie has no partition
    bottom, top = _arc_lat(poly[0], poly[1]), _arc_lat(poly[2], poly[3])
    assume(bottom.max() < top.min())
    area = polygon_areas_numba(poly[None])[0]
    if area < 0:
        poly = poly[::-1]
        area = -area
    if area < 1e-10:
        return
    lon_e = np.arange(-180, 180.001, 3.75)
    lat_e = np.concatenate([[-90.0], np.arange(-90 + step / 2, 90, step), [90.0]])
    w, s = np.meshgrid(np.deg2rad(lon_e[:-1]), np.sin(np.deg2rad(lat_e[:-1])))
    e, n = np.meshgrid(np.deg2rad(lon_e[1:]), np.sin(np.deg2rad(lat_e[1:])))
    s = np.where(s <= -1 + 1e-15, -1.0, s).ravel()
    n = np.where(n >= 1 - 1e-15, 1.0, n).ravel()
    nb = s.size
    ov = box_overlaps_numba(
        poly[None], np.zeros(nb, np.int64), np.arange(nb, dtype=np.int64), w.ravel(), e.ravel(), s, n
    )
    assert np.all(ov >= 0)
    assert abs(ov.sum() - area) <= 1e-11 * area + 1e-15
    assert np.all(ov <= (n - s) * (e - w).ravel() * (1 + 1e-11) + 1e-16)
