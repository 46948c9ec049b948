"""Edit files: model, JSON/NetCDF round trip, exact replay, grid checks, standalone script."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from climpy.edits import (
    EditFile,
    Operation,
    apply_edits,
    editable_variables,
    grid_fingerprint,
)
from climpy.exceptions import EditReplayError, InputError
from climpy.io.edits import export_replay_script, load_edits


def _latlon(nlat=12, nlon=24, seed=0) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    lat = np.linspace(-90 + 90 / nlat, 90 - 90 / nlat, nlat)
    lon = np.linspace(-180, 180, nlon, endpoint=False) + 180 / nlon
    topo = rng.normal(0, 2000, (nlat, nlon))
    return xr.Dataset(
        {"topo": (("lat", "lon"), topo, {"units": "m", "long_name": "surface elevation"})},
        coords={
            "lat": ("lat", lat, {"units": "degrees_north"}),
            "lon": ("lon", lon, {"units": "degrees_east"}),
        },
    )


def _curvilinear(ny=8, nx=10) -> xr.Dataset:
    y, x = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    nav_lat = -60 + 15.0 * y + 0.5 * np.sin(x)
    nav_lon = -180 + 36.0 * x + 0.3 * y
    bathy = np.where((x + y) % 5 == 0, 0.0, 100.0 * (x + 1) * (y + 1))
    return xr.Dataset(
        {
            "Bathymetry": (("y", "x"), bathy, {"units": "m", "long_name": "ocean depth"}),
            "nav_lat": (("y", "x"), nav_lat),
            "nav_lon": (("y", "x"), nav_lon),
        }
    )


def _edits(ds, variable="topo") -> EditFile:
    ef = EditFile.for_dataset(ds, variable, description="raise a box, then lower part", author="tester")
    ef.operations.append(Operation("set", ([1, 2, 3], [4, 5, 6]), 500.0, selection={"kind": "cells"}))
    ef.operations.append(Operation("add", ([2, 3], [5, 0]), -50.0))
    ef.operations.append(Operation("scale", ([3, 0], [6, 0]), 10.0))
    ef.operations.append(Operation("set", ([0, 1], [1, 1]), [1.5, -2.5]))
    return ef


def _expected(values: np.ndarray) -> np.ndarray:
    v = values.copy()
    v[[1, 2, 3], [4, 5, 6]] = 500.0
    v[[2, 3], [5, 0]] -= 50.0
    v[[3, 0], [6, 0]] *= 1.1
    v[[0, 1], [1, 1]] = [1.5, -2.5]
    return v


def test_apply_edits_arithmetic_and_input_untouched():
    ds = _latlon()
    before = ds.topo.values.copy()
    out = apply_edits(ds, _edits(ds))
    np.testing.assert_array_equal(ds.topo.values, before)  # input never mutated
    np.testing.assert_allclose(out.topo.values, _expected(before), rtol=0, atol=1e-12)
    assert out.topo.attrs["units"] == "m"
    history = json.loads(out.topo.attrs["climpy_edits"])
    assert history[0]["author"] == "tester" and history[0]["cells"] == 3 + 2 + 2 + 2


@pytest.mark.parametrize("suffix", [".json", ".nc"])
def test_round_trip_and_replay_identical(tmp_path, suffix):
    ds = _latlon()
    ef = _edits(ds)
    path = ef.save(tmp_path / f"edits{suffix}")
    back = load_edits(path)
    assert back == ef
    assert back.author == "tester" and back.description == ef.description
    np.testing.assert_array_equal(apply_edits(ds, path).topo.values, apply_edits(ds, ef).topo.values)


def test_fingerprint_ignores_values_and_float32_but_not_coords():
    ds = _latlon()
    fp = grid_fingerprint(ds, "topo")
    assert grid_fingerprint(ds.assign(topo=ds.topo * 2), "topo") == fp
    ds32 = ds.assign_coords(lat=ds.lat.astype("float32"), lon=ds.lon.astype("float32"))
    assert grid_fingerprint(ds32, "topo") == fp
    shifted = ds.assign_coords(lon=ds.lon + 1.0)
    assert grid_fingerprint(shifted, "topo") != fp
    cur = _curvilinear()
    moved = cur.assign(nav_lat=cur.nav_lat + 0.01)
    assert grid_fingerprint(moved, "Bathymetry") != grid_fingerprint(cur, "Bathymetry")


def test_replay_on_other_grid_is_refused(tmp_path):
    ds = _latlon()
    path = _edits(ds).save(tmp_path / "e.json")
    other = _latlon(nlat=24, nlon=48)
    with pytest.raises(EditReplayError, match=r"e\.json: edits were made on another grid.*map_by='coords'"):
        apply_edits(other, path)


def test_replay_mapped_by_coordinates_on_finer_grid():
    ds = _latlon(12, 24)
    fine = _latlon(24, 48, seed=1)
    ef = EditFile.for_dataset(ds, "topo")
    lat, lon = np.meshgrid(ds.lat, ds.lon, indexing="ij")
    idx = (np.array([5, 6]), np.array([10, 11]))
    ef.operations.append(Operation("set", idx, 1234.0, lat=lat[idx], lon=lon[idx]))
    out = apply_edits(fine, ef, map_by="coords")
    changed = np.argwhere(out.topo.values != fine.topo.values)
    assert len(changed) == 2
    for j, i in changed:  # each mapped cell is the one nearest the source centre
        assert min(abs(fine.lat.values[j] - lat[idx]).min(), 99) <= 3.75
        assert abs(fine.lon.values[i] - lon[idx]).min() <= 3.75
    assert np.all(out.topo.values[tuple(changed.T)] == 1234.0)


def test_curvilinear_replay_and_transposed_dims():
    cur = _curvilinear()
    ef = EditFile.for_dataset(cur, "Bathymetry")
    ef.operations.append(Operation("set", ([0, 7], [0, 9]), 0.0))
    out = apply_edits(cur, ef)
    assert out.Bathymetry.values[0, 0] == 0 and out.Bathymetry.values[7, 9] == 0
    ds = _latlon()
    ef2 = _edits(ds)
    t = ds.transpose("lon", "lat")
    assert grid_fingerprint(t, "topo") != ef2.fingerprint  # dims order is part of the grid
    with pytest.raises(EditReplayError, match="another grid"):
        apply_edits(t, ef2)


def test_sequence_of_files_applies_in_order():
    ds = _latlon()
    a = EditFile.for_dataset(ds, "topo")
    a.operations.append(Operation("set", ([0], [0]), 10.0))
    b = EditFile.for_dataset(ds, "topo")
    b.operations.append(Operation("scale", ([0], [0]), 50.0))
    assert apply_edits(ds, [a, b]).topo.values[0, 0] == 15.0
    assert apply_edits(ds, [b, a]).topo.values[0, 0] == 10.0


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"{not json", "corrupted edit file, not valid JSON"),
        (b'{"format": "other"}', "not a climpy edit file"),
        (b'{"format": "climpy-edits", "version": 99}', "edit file version 99 is not supported"),
        (b'{"format": "climpy-edits", "version": 1, "variable": "topo"}', "corrupted edit file"),
        (b"\x89HDF\r\n\x1a\ngarbage", "cannot read the NetCDF edit file"),
    ],
)
def test_corrupted_files_name_the_file(tmp_path, content, match):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(EditReplayError, match=f"bad.json: {match}"):
        load_edits(p)


def test_out_of_range_index_is_refused(tmp_path):
    ds = _latlon()
    d = _edits(ds).to_dict()
    d["operations"][0]["index"][1][0] = 999
    p = tmp_path / "oob.json"
    p.write_text(json.dumps(d))
    with pytest.raises(EditReplayError, match="oob.json: operation 0 indexes lon outside 0..23"):
        load_edits(p)


def test_bad_operations_and_variable():
    with pytest.raises(InputError, match="unknown edit operation 'mul'; valid operations are set, add"):
        Operation("mul", ([0], [0]), 1.0)
    with pytest.raises(InputError, match="3 values for 1 cells"):
        Operation("set", ([0], [0]), [1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="must be finite"):
        Operation("add", ([0], [0]), float("nan"))
    ds = _latlon()
    with pytest.raises(EditReplayError, match=r"variable 'topo' .* not in the dataset"):
        apply_edits(ds.rename(topo="z"), _edits(ds))
    with pytest.raises(InputError, match=r"edit files end in \.json or \.nc"):
        _edits(ds).save("edits.txt")


def test_failed_save_keeps_previous_file(tmp_path):
    ds = _latlon()
    p = _edits(ds).save(tmp_path / "e.json")
    before = p.read_bytes()
    ef = _edits(ds)
    ef.operations[0] = Operation("set", ([0], [0]), 1.0, selection={"unserialisable": object()})
    with pytest.raises(TypeError):
        ef.save(p)
    assert p.read_bytes() == before
    assert [q.name for q in tmp_path.iterdir()] == ["e.json"]  # no temp file left behind


def test_editable_variables():
    ds = _latlon().assign(mask=(("lat", "lon"), np.zeros((12, 24), np.int8)), label=("lat", np.arange(12)))
    assert editable_variables(ds) == ["topo", "mask"]
    assert editable_variables(_curvilinear()) == ["Bathymetry"]


def test_exported_script_replays_without_climpy(tmp_path):
    ds = _latlon()
    src = tmp_path / "in.nc"
    ds.to_netcdf(src)
    ef = _edits(ds)
    # a lasso-like, irregular selection: the legacy export could not replay these
    rng = np.random.default_rng(3)
    cells = rng.choice(ds.topo.size, 40, replace=False)
    index = np.unravel_index(cells, ds.topo.shape)
    ef.operations.append(Operation("add", index, 7.0, selection={"kind": "lasso"}))
    script = export_replay_script(ef, tmp_path / "replay.py")
    dst = tmp_path / "out.nc"
    env = {"PYTHONPATH": "", "PATH": "/usr/bin:/bin"}
    res = subprocess.run(
        [sys.executable, "-I", str(script), str(src), str(dst)], capture_output=True, text=True, env=env
    )
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(dst) as got:
        np.testing.assert_array_equal(got.topo.values, apply_edits(ds, ef).topo.values)
