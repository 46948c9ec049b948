"""Editor state without a browser: selections, apply/undo/redo, filters, edit files, save."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from climpy.editors.state import EditorState
from climpy.edits import EditFile, Operation, apply_edits
from climpy.exceptions import EditReplayError, InputError
from climpy.io.edits import load_edits


def test_box_selection_selects_cell_centres_inside(topo_ds):
    s = EditorState(topo_ds)
    n = s.select_box(-20, -20, 20, 20)  # corners in degrees (lon, lat)
    lat, lon = np.meshgrid(topo_ds.lat, topo_ds.lon, indexing="ij")
    expected = np.flatnonzero(((abs(lat) <= 20) & (abs(lon) <= 20)).ravel())
    np.testing.assert_array_equal(s.selection, expected)
    assert n == expected.size == 16
    s.select_box(20, 20, -20, -20)  # reversed corners: same cells
    np.testing.assert_array_equal(s.selection, expected)


def test_lasso_and_range_and_modes(topo_ds):
    s = EditorState(topo_ds)
    # a triangle: (0,0) (40,0) (0,40) in lon/lat
    s.select_lasso([0, 40, 0], [0, 0, 40])
    lat, lon = np.meshgrid(topo_ds.lat, topo_ds.lon, indexing="ij")
    inside = (lon > 0) & (lat > 0) & (lon + lat <= 40)  # centres on the edge count as inside
    np.testing.assert_array_equal(s.selection, np.flatnonzero(inside.ravel()))
    s.select_range(0, 500)
    v = topo_ds.topo.values.ravel()
    np.testing.assert_array_equal(s.selection, np.flatnonzero((v >= 0) & (v <= 500)))
    first = s.selection.copy()
    s.selection_mode = "add"
    s.select_box(-180, -90, -170, -80)
    assert set(first) < set(s.selection)
    s.selection_mode = "remove"
    s.select_range(0, 500)
    assert not set(first) & set(s.selection)
    s.clear_selection()
    assert s.n_selected == 0 and s.selection_mode == "remove"


@pytest.mark.parametrize(("op", "value"), [("set", 123.0), ("add", -40.0), ("scale", 25.0)])
def test_apply_undo_redo_exact(topo_ds, op, value):
    s = EditorState(topo_ds)
    orig = topo_ds.topo.values.copy()
    s.select_box(-60, -30, 60, 30)
    cells = s.selection.copy()
    s.operation, s.value = op, value
    s.apply()
    v = orig.ravel()[cells]
    expected = {"set": np.full_like(v, value), "add": v + value, "scale": v * (1 + value / 100)}[op]
    np.testing.assert_array_equal(s.values.ravel()[cells], expected)
    np.testing.assert_array_equal(np.sort(s.changed_cells()), cells)
    after = s.values.copy()
    assert s.undo()
    np.testing.assert_array_equal(s.values, orig)
    assert s.can_redo and not s.can_undo
    assert s.redo()
    np.testing.assert_array_equal(s.values, after)
    np.testing.assert_array_equal(topo_ds.topo.values, orig)  # the dataset is never modified


def test_undo_after_set_across_sea_level_restores_only_changed_cells(topo_ds):
    """Land-only set that sinks land below sea level, then undo: exactly those cells come back.

    The legacy editor re-derived the cells at undo time from the (now changed) land mask, so the
    sunk cells stayed sunk and other cells could be touched.
    """
    s = EditorState(topo_ds)
    orig = topo_ds.topo.values.copy()
    s.filter = "land"
    s.select_box(-180, -90, 180, 90)
    land = np.flatnonzero(orig.ravel() > 0)
    assert s.n_selected == land.size
    s.operation, s.value = "set", -100.0
    s.apply()
    assert not (s.values > 0).any()  # every land cell moved below sea level
    assert s.n_selected == 0  # the land filter now sees no land in the selection
    s.operation, s.value = "add", 10.0  # a second op on ocean cells
    s.filter = "ocean"
    s.select_box(0, 0, 30, 30)
    second = s.effective_selection.copy()
    s.apply()
    s.undo()
    np.testing.assert_array_equal(s.values.ravel()[second], np.where(np.isin(second, land), -100.0,
                                                                      orig.ravel()[second]))
    s.undo()
    np.testing.assert_array_equal(s.values, orig)


def test_apply_without_selection_and_new_apply_clears_redo(topo_ds):
    s = EditorState(topo_ds)
    assert s.apply() is None and "Nothing selected" in s.status
    assert not s.undo() and s.status == "Nothing to undo"
    s.select_box(0, 0, 10, 10)
    s.apply()
    s.undo()
    s.apply()
    assert not s.can_redo and not s.redo()


def test_replay_equals_live_and_round_trip(tmp_path, topo_ds):
    s = EditorState(topo_ds, source="topo.nc", author="ana", description="close a seaway")
    s.select_lasso([-50, 50, 0], [-30, -30, 40])
    s.operation, s.value = "add", 250.0
    s.apply()
    s.filter = "ocean"
    s.select_range(-5000, 0)
    s.operation, s.value = "set", -4000.0
    s.apply()
    s.filter, s.operation, s.value = "all", "scale", -50.0
    s.select_box(100, -90, 180, 90)
    s.apply()
    live = s.values.copy()
    np.testing.assert_array_equal(s.edited_dataset().topo.values, live)
    for suffix in (".json", ".nc"):
        path = s.save_edits(tmp_path / f"e{suffix}")
        ef = load_edits(path)
        assert ef.author == "ana" and ef.description == "close a seaway" and len(ef.operations) == 3
        assert ef.operations[0].selection["kind"] == "lasso"
        np.testing.assert_array_equal(apply_edits(topo_ds, path).topo.values, live)


def test_load_edits_into_editor_and_refusals(tmp_path, topo_ds):
    s = EditorState(topo_ds)
    s.select_box(0, 0, 40, 40)
    s.value = 9.0
    s.apply()
    p = s.save_edits(tmp_path / "e.json")
    t = EditorState(topo_ds)
    assert t.load_edits(p) == 1
    np.testing.assert_array_equal(t.values, s.values)
    t.undo()
    np.testing.assert_array_equal(t.values, topo_ds.topo.values)

    other = EditorState(topo_ds.interp(lat=np.linspace(-80, 80, 9)))
    with pytest.raises(EditReplayError, match=r"e\.json: edits were made on another grid"):
        other.load_edits(p)
    assert other.status.startswith("Error:") and not other.changed_cells().size
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    with pytest.raises(EditReplayError, match="bad.json: corrupted edit file"):
        t.load_edits(bad)
    assert "corrupted" in t.status


def test_no_editable_variable_and_bad_variable():
    ds = xr.Dataset({"name": ("x", np.array(["a", "b"])), "v": ("x", [1.0, 2.0])})
    with pytest.raises(InputError, match=r"empty\.nc: no editable variable .*found \['name', 'v'\]"):
        EditorState(ds, source="empty.nc")
    with pytest.raises(InputError, match="variable 'zz' is not editable; choose one of"):
        EditorState(xr.Dataset({"a": (("y", "x"), np.zeros((2, 2)))}), variable="zz")


def test_curvilinear_positive_down_filters(bathy_ds):
    s = EditorState(bathy_ds)
    assert s.variable == "Bathymetry" and s.positive == "down"
    xn, x, yn, y = s.axes
    assert (xn, yn) == ("x", "y") and x.size == 12  # index space
    s.filter = "land"
    s.select_box(0, 0, 11, 9)
    assert s.n_selected == int((bathy_ds.Bathymetry.values <= 0).sum())
    s.operation, s.value = "set", 50.0
    s.apply()
    ef = s.edit_file()
    assert ef.operations[0].lat is not None  # nav_lat/nav_lon recorded for mapping
    np.testing.assert_array_equal(apply_edits(bathy_ds, ef).Bathymetry.values, s.values)


def test_switching_variable_with_edits_is_refused(topo_ds):
    ds = topo_ds.assign(other=topo_ds.topo * 0 + 1)
    s = EditorState(ds)
    s.select_box(0, 0, 10, 10)
    s.apply()
    s.variable = "other"
    assert s.variable == "topo" and "before switching variable" in s.status
    s.undo()
    s.variable = "other"
    assert s.variable == "other" and s.values.max() == 1


def test_save_writes_dataset_and_edits_atomically(tmp_path, topo_ds):
    src = tmp_path / "topo.nc"
    topo_ds.to_netcdf(src)
    s = EditorState(topo_ds, source=str(src))
    s.select_box(-30, -30, 30, 30)
    s.value = 777.0
    s.apply()
    out, edits = s.save(tmp_path / "out.nc")
    assert edits.name == "out.edits.json"
    with xr.open_dataset(out) as got:
        diff = np.flatnonzero((got.topo.values != topo_ds.topo.values).ravel())
    np.testing.assert_array_equal(diff, s.selection)
    before = out.read_bytes()
    with pytest.raises(InputError, match="refusing to overwrite the input file"):
        s.save(src)
    ef = s.edit_file()
    ef.operations.append(Operation("set", ([0], [0]), 1.0))
    bad = Operation("set", ([0], [0]), 1.0, selection={"x": object()})
    s._history.append((bad, np.array([0]), np.zeros(1)))
    with pytest.raises(TypeError):  # edit file not serialisable: the NetCDF is not replaced either
        s.save(out)
    assert isinstance(ef, EditFile)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.edits.json", "out.nc", "topo.nc"]


def test_tracked_edit_file_follows_the_editor_and_replays_like_it(tmp_path, topo_ds):
    """The notebook pattern: edits = step_edits(ds, path); Editor(ds, edits=edits); apply_edits(ds, edits)."""
    from climpy.edits import step_edits

    edits = step_edits(topo_ds, "")  # no edit file yet: an empty one for topo
    assert edits.variable == "topo" and edits.operations == []
    s = EditorState(topo_ds)
    assert s.track(edits) == 0
    s.select_box(0, 0, 40, 40)
    s.value = 9.0
    s.apply()
    s.select_box(-60, -30, -20, 10)
    s.operation, s.value = "add", 100.0
    s.apply()
    assert len(edits.operations) == 2  # the notebook's variable saw both, in place
    np.testing.assert_array_equal(apply_edits(topo_ds, edits).topo.values, s.values)
    s.undo()
    assert len(edits.operations) == 1
    np.testing.assert_array_equal(apply_edits(topo_ds, edits).topo.values, s.values)
    s.description = "raise the box"
    s.redo()
    assert edits.description == "raise the box"

    # headless, the same cell reads the saved file; a new editor on it starts from those edits (undoable)
    path = s.save_edits(tmp_path / "step.json")
    again = step_edits(topo_ds, str(path))
    t = EditorState(topo_ds)
    assert t.track(again) == 2 and len(again.operations) == 2
    np.testing.assert_array_equal(t.values, s.values)
    t.undo()
    assert len(again.operations) == 1
    with pytest.raises(EditReplayError, match=r"missing\.json: edit file not found"):
        step_edits(topo_ds, str(tmp_path / "missing.json"))
