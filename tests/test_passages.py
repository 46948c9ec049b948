"""Diffusive passages: templates, wrap, ORCA overlap, fixes, CLI, shared reference."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from climpy.cli import main
from climpy.exceptions import InputError
from climpy.fields import ocean_mask
from climpy.grid import Grid, canonical_index, canonical_mask, sync_duplicates
from climpy.internal_oceans import internal_oceans
from climpy.passages import close_passages, find_passages, passages, widen_passages
from climpy.testing import assert_has_metadata, orca_like_grid, topography_dataset


def _topo(arr, **kw):
    return topography_dataset(np.asarray(arr, dtype=float), **kw)


def _two_seas_and_strait(ny=12, nx=24):
    """Ocean in the south and north, land between, a one-cell meridional strait at column 7."""
    t = np.full((ny, nx), 300.0)
    t[:3, :] = -2000.0
    t[-3:, :] = -2000.0
    t[3:-3, 7] = -80.0
    return t


def test_meridional_strait_cells_and_count():
    t = _two_seas_and_strait()
    res = passages(_topo(t))
    assert int(res.n_passages) == 6 and int(res.n_meridional) == 6 and int(res.n_zonal) == 0
    assert res.cell_i.values.tolist() == [7] * 6
    assert res.cell_j.values.tolist() == list(range(3, 9))
    assert (res.passage.values[3:9, 7] == 1).all()
    for v in ("passage", "cell_j", "cell_i", "kind", "n_passages"):
        assert_has_metadata(res[v])


def test_zonal_strait_is_the_transposed_template():
    t = np.full((10, 20), 300.0)
    t[:, :4] = -2000.0
    t[:, 10:] = -2000.0
    t[5, 4:10] = -50.0
    res = passages(_topo(t))
    assert int(res.n_zonal) == 6 and int(res.n_meridional) == 0
    assert (res.kind.values == 2).all()


def test_border_cells_never_match_on_regional_grid():
    t = np.full((8, 10), 300.0)
    t[:, 0] = -100.0  # channel on the western edge of a regional grid
    t[:2, :] = t[-2:, :] = -100.0
    ds = _topo(t, lon_range=(0.0, 50.0))
    assert int(passages(ds).n_passages) == 0
    # the same map on a global grid: the west neighbour wraps to the last column (land)
    assert int(passages(_topo(t)).n_passages) == 4


def test_passage_through_the_seam():
    # a zonal channel crossing the date line: only seen with the wrap
    t = np.full((9, 16), 300.0)
    t[:, 3:13] = -2000.0
    t[4, :] = -50.0
    res = passages(_topo(t))
    assert sorted(res.cell_i.values.tolist()) == [0, 1, 2, 13, 14, 15]
    assert (res.kind.values == 2).all()


def test_orca_overlap_counts_each_cell_once():
    ny, nx = 9, 14
    depth = np.zeros((ny, nx))
    depth[:2, :] = 3000.0
    depth[5:7, :] = 3000.0
    depth[2:5, 1] = 100.0  # meridional strait in physical column 1: its west neighbour is column nx-2
    ds = orca_like_grid(ny, nx, fold="F", bathymetry=depth)
    res = passages(ds)
    assert int(res.n_passages) == 3
    assert res.cell_i.values.tolist() == [1, 1, 1]
    assert (res.passage.values[2:5, nx - 1] == 1).all()  # the duplicate column shows it too


def _brute_force_count(ds) -> int:
    """Count passage cells with the io helper's neighbour table (an independent implementation)."""
    from climpy.grid import Grid

    g = Grid.from_dataset(ds)
    nb = g.neighbours(4).reshape(-1, 4)  # N, S, E, W through the overlap and the fold
    ocean = ocean_mask(ds).ravel()
    count = 0
    for c in np.flatnonzero(canonical_mask(g.shape, overlap=g.overlap, fold=g.north_fold)):
        n, s, e, w = nb[c]
        if not ocean[c] or min(n, s, e, w) < 0:
            continue
        mer = ocean[n] and ocean[s] and not ocean[e] and not ocean[w]
        zon = ocean[e] and ocean[w] and not ocean[n] and not ocean[s]
        count += bool(mer or zon)
    return count


@pytest.mark.parametrize("fold", ["F", "T"])
def test_brute_force_agrees_on_random_orca(fold):
    rng = np.random.default_rng(3)
    ds = orca_like_grid(
        10, 16, fold=fold, bathymetry=lambda la, lo: np.where(rng.random(la.shape) < 0.6, 500.0, 0.0)
    )
    assert int(passages(ds).n_passages) == _brute_force_count(ds)


def test_widen_removes_passages_and_connects_wider():
    t = _two_seas_and_strait()
    ds = _topo(t)
    out = widen_passages(ds)
    assert int(passages(out).n_passages) == 0
    assert (out.topo.values[3:9, 8] == -80.0).all()  # east side, depth of the strait
    assert (ds.topo.values[3:9, 8] == 300.0).all()  # input untouched
    assert int(internal_oceans(out).n_internal) == 0
    west = widen_passages(ds, side="west", depth=40.0)
    assert (west.topo.values[3:9, 6] == -40.0).all()
    assert "widened" in west.topo.attrs["history"]


def test_widen_selected_cells_only():
    t = _two_seas_and_strait()
    out = widen_passages(_topo(t), cells=[(4, 7)])
    assert out.topo.values[4, 8] == -80.0 and out.topo.values[5, 8] == 300.0


def test_close_removes_passages_and_may_split_seas():
    t = _two_seas_and_strait()
    ds = _topo(t)
    out = close_passages(ds, height=5.0)
    assert int(passages(out).n_passages) == 0
    assert (out.topo.values[3:9, 7] == 5.0).all()
    assert int(internal_oceans(ds).n_internal) == 0
    assert int(internal_oceans(out).n_internal) == 1  # the strait joined the two seas


def test_close_on_bathymetry_sets_zero_and_keeps_duplicates_consistent():
    ny, nx = 9, 14
    depth = np.zeros((ny, nx))
    depth[:2, :] = 3000.0
    depth[5:7, :] = 3000.0
    depth[2:5, 1] = 100.0
    ds = orca_like_grid(ny, nx, fold="F", bathymetry=depth)
    out = close_passages(ds)
    d = out.Bathymetry.values
    assert (d[2:5, 1] == 0).all() and (d[2:5, nx - 1] == 0).all()
    g = Grid.from_dataset(out)
    np.testing.assert_array_equal(d, sync_duplicates(d, overlap=g.overlap, fold=g.fold))


@pytest.mark.parametrize(
    "func,kw,match",
    [
        (widen_passages, {"side": "up"}, "side='up': choose 'east' or 'west'"),
        (widen_passages, {"depth": 0.0}, "depth=0.0"),
        (close_passages, {"height": -1.0}, "height=-1.0.*give a height > 0"),
        (close_passages, {"cells": [(50, 50)]}, "outside the grid"),
    ],
)
def test_fix_errors(func, kw, match):
    with pytest.raises(InputError, match=match):
        func(_topo(_two_seas_and_strait()), **kw)


def test_find_passages_kernel_matches_dataset_function():
    t = _two_seas_and_strait()
    kinds = find_passages(t <= 0, periodic_x=True)
    np.testing.assert_array_equal(kinds, passages(_topo(t)).passage.values)
    assert canonical_index((2, 3)).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_cli_passages_fix(tmp_path):
    src = tmp_path / "t.nc"
    _topo(_two_seas_and_strait()).to_netcdf(src)
    r = CliRunner().invoke(main, ["passages", str(src)])
    assert r.exit_code == 0 and "6 diffusive passage cell(s) (6 meridional, 0 zonal)" in r.output
    out = tmp_path / "w.nc"
    r = CliRunner().invoke(main, ["passages", str(src), "--fix", "close", "-o", str(out)])
    assert r.exit_code == 0 and "0 passage cell(s) left" in r.output, r.output
    with xr.open_dataset(out) as f:
        assert int(passages(f.load()).n_passages) == 0
    r = CliRunner().invoke(main, ["passages", str(src), "--fix", "widen"])
    assert r.exit_code == 2 and "give --output" in r.output


@pytest.mark.requires_shared_data
def test_reference_curvilinear_passages(shared_data):
    ds = xr.open_dataset(shared_data / "curvilinear.nc")
    res = passages(ds)
    # each physical cell once (the legacy app reported twice the number of cells)
    assert (int(res.n_passages), int(res.n_meridional), int(res.n_zonal)) == (29, 20, 9)
    assert _brute_force_count(ds) == 29
    assert int(passages(widen_passages(ds)).n_passages) == 0
    assert int(passages(close_passages(ds)).n_passages) == 0


@pytest.mark.parametrize("resolution", [1.0, 0.5])
def test_sample_straits_are_found_and_closing_them_isolates_their_seas(resolution):
    from climpy.sample import paleogeography

    ds = paleogeography(resolution=resolution)
    res = passages(ds)
    lat, lon = ds.lat.values, ds.lon.values
    j, i, kind = res.cell_j.values, res.cell_i.values, res.kind.values
    # strait S2: meridional channel north from sea K (30N, 75W) along the column nearest 75W
    col = np.argmin(np.abs(lon + 75))
    mer = kind == 1
    assert mer.sum() >= 3 and (np.abs(i[mer] - col) <= 1).all() and (lat[j[mer]] > 30).all()
    # strait S1: zonal channel west from sea M (36N, 30E) along the row nearest 36N
    zon = kind == 2
    assert zon.sum() >= 3 and (np.abs(lat[j[zon]] - 36) <= resolution).all() and (lon[i[zon]] < 30).all()
    # closing both straits cuts seas M and K from the world ocean: 2 more internal oceans
    assert int(internal_oceans(close_passages(ds)).n_internal) == int(internal_oceans(ds).n_internal) + 2
    assert int(internal_oceans(widen_passages(ds)).n_internal) == int(internal_oceans(ds).n_internal)


def _legacy_passages(bathy: np.ndarray) -> tuple[np.ndarray, int]:
    """The legacy app's detection (interactive/passage_problems.py at ad84dcb), re-stated for
    comparison: zero-padded convolutions with the 3x3 template, marker 2, the reported number is
    the sum of the markers."""
    from scipy.signal import convolve2d

    template = np.array([[0, 1, 0], [-1, 1, -1], [0, 1, 0]])
    perfect = np.abs(template).sum()
    values = np.where(bathy > 0, 1, -1)
    points = values  # the legacy code aliases, so the second pass sees the first pass's markers
    points[convolve2d(values, template, "same") == perfect] = 2
    points[convolve2d(values, template.T, "same") == perfect] = 2
    return points == 2, int(points[points == 2].sum())


@pytest.mark.requires_shared_data
@pytest.mark.parametrize(
    "name,cells",
    [("data/curvilinear.nc", 29), ("reference/input_bathy.nc", 10), ("reference/standard1deg_bathy.nc", 37)],
)
def test_reference_passages_against_the_legacy_algorithm(shared_data, name, cells):
    ds = xr.open_dataset(shared_data.parent / name)
    legacy_cells, legacy_reported = _legacy_passages(ds.Bathymetry.values.copy())
    res = passages(ds)
    assert int(res.n_passages) == cells
    # intended difference 1: the legacy label reported twice the number of cells (sum of markers 2)
    assert legacy_reported == 2 * cells
    # the cells themselves agree on the physical grid; we also flag the duplicate overlap column
    canon = canonical_mask(legacy_cells.shape, overlap=2, fold="F")
    ours = res.passage.values > 0
    np.testing.assert_array_equal(legacy_cells[canon], ours[canon])
    # duplicate cells carry their physical cell's flag
    np.testing.assert_array_equal(
        res.passage.values, sync_duplicates(res.passage.values, overlap=2, fold="F")
    )
