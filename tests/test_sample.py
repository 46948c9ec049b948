"""Acceptance tests of the sample paleogeography: every listed feature is checked on the array.

The checks are written here from scratch (scipy labelling with the longitude wrap merged by hand,
the legacy 3x3 passage templates, a skimage reconstruction fill), independent of the climpy
modules that will consume the sample; a cross-check with climpy.internal_oceans/passages follows.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import ndimage
from skimage.morphology import reconstruction

from climpy.exceptions import InputError
from climpy.sample import FEATURES, check_resolution, paleogeography
from climpy.testing import assert_has_metadata, assert_topography_dataset

FAST = [1.0, 0.5, 2.0, 5.0]


def label_wrap(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """4-connected labels of a lat/lon mask, merging components that touch across the dateline."""
    lab, n = ndimage.label(mask)
    parent = np.arange(n + 1)

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in zip(lab[:, 0], lab[:, -1], strict=True):
        if a and b:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(k) for k in range(n + 1)])
    uniq, new = np.unique(roots, return_inverse=True)
    return new[lab], len(uniq) - 1


def cell_area(ds) -> np.ndarray:
    lat = np.deg2rad(ds.lat.values)
    return np.broadcast_to(np.cos(lat)[:, None], ds.topo.shape)


def where(ds, lat, lon) -> tuple[int, int]:
    return int(np.abs(ds.lat.values - lat).argmin()), int(
        np.abs(((ds.lon.values - lon + 180) % 360) - 180).argmin()
    )


def box(ds, lat, lon, half):
    """Mask of the cells within ``half`` degrees (lat and lon) of a point."""
    dlon = np.abs(((ds.lon.values - lon + 180) % 360) - 180)
    return (np.abs(ds.lat.values - lat)[:, None] <= half) & (dlon[None, :] <= half)


def feature(kind):
    return [f for f in FEATURES if f.kind == kind]


def bodies(ds):
    ocean = ds.topo.values <= 0
    lab, n = label_wrap(ocean)
    area = ndimage.sum(cell_area(ds), lab, index=np.arange(1, n + 1))
    world = int(np.argmax(area)) + 1
    return lab, n, world


def legacy_passages(ocean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The legacy 3x3 templates (land E/W + ocean N/S; transposed), wrapped in longitude."""
    o = ocean
    land = ~ocean
    n_ = np.zeros_like(o)
    s_ = np.zeros_like(o)
    n_[:-1] = o[1:]
    s_[1:] = o[:-1]
    ln = np.zeros_like(o)
    ls = np.zeros_like(o)
    ln[:-1] = land[1:]
    ls[1:] = land[:-1]
    e_, w_ = np.roll(o, -1, axis=1), np.roll(o, 1, axis=1)
    le, lw = np.roll(land, -1, axis=1), np.roll(land, 1, axis=1)
    meridional = o & n_ & s_ & le & lw
    zonal = o & e_ & w_ & ln & ls
    return meridional, zonal


def fill_depth(topo: np.ndarray) -> np.ndarray:
    """Priority-Flood equivalent (morphological reconstruction by erosion) from all ocean cells.

    Tiled three times in longitude so that the wrap is honoured, then the middle copy is kept.
    Only ocean cells are outlets (the pole rows are not).
    """
    nlon = topo.shape[1]
    big = np.tile(topo, (1, 3))
    seed = np.where(big <= 0, big, big.max())
    filled = reconstruction(seed, big, method="erosion")
    return (filled - big)[:, nlon : 2 * nlon]


@pytest.fixture(scope="module", params=FAST, ids=lambda r: f"{r}deg")
def sample(request):
    return paleogeography(resolution=request.param, seed=0)


def test_normalised_and_documented(sample):
    assert_topography_dataset(sample)
    assert_has_metadata(sample.topo)
    res = sample.attrs["resolution_deg"]
    assert sample.topo.shape == (round(180 / res), round(360 / res))
    np.testing.assert_allclose(np.diff(sample.lon.values), res)


def test_value_range_realistic(sample):
    z = sample.topo.values
    assert -6000.0 <= z.min() < -5000.0
    assert 3000.0 < z.max() <= 5000.0
    land = (z > 0).mean()
    assert 0.2 < land < 0.45


def test_internal_seas_closed_and_one_crosses_the_dateline(sample):
    lab, n, world = bodies(sample)
    internal = {k for k in range(1, n + 1) if k != world}
    assert len(internal) == len(feature("internal_sea")) == 2  # exactly the listed ones
    seas = feature("internal_sea")
    found = [lab[where(sample, f.lat, f.lon)] for f in seas]
    assert all(k in internal for k in found), found
    assert len(set(found)) == len(seas)  # distinct bodies
    crossing = [k for k in found if (lab[:, 0] == k).any() and (lab[:, -1] == k).any()]
    assert crossing, "no internal sea crosses the dateline"
    # each internal sea has several cells at fine resolution
    if sample.attrs["resolution_deg"] <= 1:
        assert all((lab == k).sum() >= 10 for k in found)


def test_one_cell_straits_join_seas_to_the_world_ocean(sample):
    ocean = sample.topo.values <= 0
    mer, zon = legacy_passages(ocean)
    assert mer.any() and zon.any()
    lab, _, world = bodies(sample)
    closed = ocean & ~mer & ~zon
    lab2, _ = label_wrap(closed)
    seas = feature("strait_sea")
    assert len(seas) >= 2
    for f in seas:
        j, i = where(sample, f.lat, f.lon)
        assert lab[j, i] == world, f"{f.name} is not connected to the world ocean"
        # removing the one-cell passage cells cuts the sea off from the world ocean
        world2 = np.bincount(lab2[ocean & (lab == world)]).argmax()
        assert lab2[j, i] != world2, f"{f.name} still connected without its strait"
    # the strait cells are exactly one cell wide: each has land on both sides by construction
    assert mer.sum() >= 1 and zon.sum() >= 1


def test_endorheic_basin_drains_nowhere(sample):
    z = sample.topo.values
    depth = fill_depth(z)
    land = z > 0
    pits = land & (depth > 1.0)
    lab, n = label_wrap(pits)
    (basin,) = feature("endorheic_basin")
    j, i = where(sample, basin.lat, basin.lon)
    k = lab[j, i]
    assert k > 0, "the basin centre is not in a closed depression"
    cells = lab == k
    assert cells.sum() >= 4
    assert z[cells].min() > 500.0  # well above sea level
    assert depth[j, i] > 300.0


def test_dateline_continent_and_polar_land(sample):
    z = sample.topo.values
    lat = sample.lat.values
    lab, _ = label_wrap(z > 0)
    mid = np.abs(lat) < 60
    seam = lab[mid, 0][(lab[mid, 0] > 0) & (lab[mid, 0] == lab[mid, -1])]
    assert seam.size > 0, "no land crosses the dateline outside the polar regions"
    assert (z[lat < -78] > 0).all(), "Antarctica-like land missing"
    assert (z[lat > 86] > 0).all(), "Arctic land missing"


def test_continents_and_islands(sample):
    z = sample.topo.values
    lab, n = label_wrap(z > 0)
    area = ndimage.sum(cell_area(sample), lab, index=np.arange(1, n + 1)) / cell_area(sample).sum()
    assert (area > 0.01).sum() >= 5  # A, B, C, F, Antarctica
    res = sample.attrs["resolution_deg"]
    for f in feature("island"):
        near = box(sample, f.lat, f.lon, max(f.radii[0], res))
        ids = set(np.unique(lab[near])) - {0}
        assert ids, f"{f.name}: no land near {f.lat}, {f.lon}"
        assert all(area[k - 1] < 0.001 for k in ids), f"{f.name} is joined to a continent"


def test_mountains_shelves_slopes_ridges(sample):
    z = sample.topo.values
    ocean = z <= 0
    assert (z > 2500).sum() >= 3
    for f in feature("mountains"):
        assert z[box(sample, f.lat, f.lon, sample.attrs["resolution_deg"])].max() > 2000.0, f.name
    if sample.attrs["resolution_deg"] <= 1:
        coast = ocean & ndimage.binary_dilation(~ocean, structure=ndimage.generate_binary_structure(2, 1))
        assert np.median(z[coast]) > -500.0  # shelves along the coasts
        oz = z[ocean]
        assert ((oz > -200) & (oz <= 0)).mean() > 0.01  # shelf
        assert ((oz > -3000) & (oz <= -200)).mean() > 0.02  # slope
        assert (oz < -4000).mean() > 0.3  # abyssal plains
    ridge = next(f for f in feature("ridge") if f.name == "ridge A")
    j, i = where(sample, ridge.lat, ridge.lon)
    step = max(1, round(12 / sample.attrs["resolution_deg"]))
    assert z[j, i] - max(z[j, i - step], z[j, (i + step) % z.shape[1]]) > 1000.0


def test_deterministic_and_seed_dependent():
    a = paleogeography(1.0, seed=0)
    b = paleogeography(1.0, seed=0)
    np.testing.assert_array_equal(a.topo.values, b.topo.values)
    c = paleogeography(1.0, seed=1)
    assert (a.topo.values != c.topo.values).mean() > 0.5
    assert ((a.topo.values > 0) != (c.topo.values > 0)).sum() > 100  # coastlines move


@pytest.mark.parametrize("seed", [1, 7, 12345])
def test_features_hold_for_other_seeds(seed):
    ds = paleogeography(1.0, seed=seed)
    lab, n, world = bodies(ds)
    found = {lab[where(ds, f.lat, f.lon)] for f in feature("internal_sea")}
    assert world not in found and len(found) == 2 and n == 3
    mer, zon = legacy_passages(ds.topo.values <= 0)
    assert mer.any() and zon.any()
    (basin,) = feature("endorheic_basin")
    assert fill_depth(ds.topo.values)[where(ds, basin.lat, basin.lon)] > 300


@pytest.mark.slow
def test_features_at_quarter_degree():
    ds = paleogeography(0.25)
    lab, n, world = bodies(ds)
    found = [lab[where(ds, f.lat, f.lon)] for f in feature("internal_sea")]
    assert world not in found and len(set(found)) == 2
    mer, zon = legacy_passages(ds.topo.values <= 0)
    assert mer.any() and zon.any()
    lab2, _ = label_wrap((ds.topo.values <= 0) & ~mer & ~zon)
    for f in feature("strait_sea"):
        j, i = where(ds, f.lat, f.lon)
        assert lab[j, i] == world
        world2 = np.bincount(lab2[lab == world]).argmax()
        assert lab2[j, i] != world2
    (basin,) = feature("endorheic_basin")
    depth = fill_depth(ds.topo.values)
    assert depth[where(ds, basin.lat, basin.lon)] > 300
    z = ds.topo.values
    assert (z[ds.lat.values < -78] > 0).all() and (z[ds.lat.values > 86] > 0).all()


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (10, "outside the supported range; give a value from 0.05 to 5"),
        (0.01, "outside the supported range"),
        (0.7, "does not divide 180 degrees into whole cells; use e.g."),
        ("abc", "not a number"),
        (float("nan"), "outside the supported range"),
    ],
)
def test_bad_resolution_rejected(value, match):
    with pytest.raises(InputError, match=match):
        paleogeography(value)
    with pytest.raises(InputError):
        check_resolution(value)


def test_cross_check_with_climpy_detectors():
    internal_oceans = pytest.importorskip("climpy.internal_oceans")
    passages = pytest.importorskip("climpy.passages")
    ds = paleogeography(1.0)
    lab, n, world = bodies(ds)
    res = internal_oceans.internal_oceans(ds)
    assert int(res["n_internal"]) == n - 1
    p = passages.passages(ds)
    mer, zon = legacy_passages(ds.topo.values <= 0)
    assert int(p["n_passages"]) == int(mer.sum() + zon.sum())


# ----------------------------------------------------------------------------- CLI
def test_cli_sample_writes_the_dataset(tmp_path):
    import xarray as xr
    from click.testing import CliRunner

    from climpy.cli import main

    out = tmp_path / "sample.nc"
    result = CliRunner().invoke(main, ["sample", "-o", str(out), "--resolution", "2", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with xr.open_dataset(out) as ds:
        np.testing.assert_array_equal(ds.topo.values, paleogeography(2.0, seed=3).topo.values)
        assert ds.attrs["source"].startswith("climpy")
        assert ds.topo.attrs["units"] == "m"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample.nc"]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--resolution", "0.7"], "--resolution.*use e.g. 0.6 or 0.75"),
        (["--resolution", "10"], "--resolution.*from 0.05 to 5"),
        (["--resolution", "x"], "--resolution.*not a valid float"),
    ],
)
def test_cli_sample_bad_resolution(tmp_path, args, match):
    from click.testing import CliRunner

    from climpy.cli import main

    result = CliRunner().invoke(main, ["sample", "-o", str(tmp_path / "s.nc"), *args])
    assert result.exit_code == 2
    assert re.search(match, result.output)
    assert list(tmp_path.iterdir()) == []


def test_cli_sample_unwritable_output(tmp_path):
    from click.testing import CliRunner

    from climpy.cli import main

    result = CliRunner().invoke(main, ["sample", "-o", str(tmp_path / "missing" / "s.nc")])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--output" in lines[0] and "create it or choose another path" in lines[0]
    result = CliRunner().invoke(main, ["sample", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []
