"""Diagnostic editors (no browser): live recomputation after edits, PFT table edit files."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from climpy.editors.diagnostics import (
    InternalOceansEditor,
    PassagesEditor,
    PFTEditor,
    SubBasinsEditor,
    editor_for,
    pft_table_dataset,
)
from climpy.editors.map import MapEditor
from climpy.edits import apply_edits
from climpy.exceptions import InputError

from .conftest import latlon_topo


def _world(nlat=18, nlon=36) -> xr.Dataset:
    ds = latlon_topo(nlat, nlon)
    return ds.assign(topo=ds.topo * 0 - 1000.0)


def _lake_world() -> xr.Dataset:
    ds = _world()
    t = ds.topo.values.copy()
    t[6:12, 12:24] = 800.0  # a continent ...
    t[8:10, 17:19] = -50.0  # ... with a lake of 4 cells
    return ds.assign(topo=(("lat", "lon"), t, ds.topo.attrs))


def test_internal_oceans_editor_counts_then_fixes_live():
    ed = InternalOceansEditor(_lake_world())
    ed._view(ed.state.version)
    assert ed.summary == "1 internal ocean found"
    assert ed.select_diagnostic_cells() == 4
    ed.state.operation, ed.state.value = "set", 10.0
    ed.state.apply()
    ed._view(ed.state.version)
    assert ed.summary == "0 internal oceans found"
    assert ed.state.edit_file().kind == "internal-oceans"
    ed.state.undo()  # undo brings the lake back exactly
    ed._view(ed.state.version)
    assert ed.summary == "1 internal ocean found"
    ed.__panel__().get_root()  # the whole layout renders to a bokeh model


def test_passages_editor_finds_a_one_cell_strait_and_closing_it_removes_it():
    ds = _world()
    t = ds.topo.values.copy()
    t[8:10, :] = 500.0  # a zonal land barrier ...
    t[8:10, 10] = -200.0  # ... cut by a one-cell-wide strait
    ed = PassagesEditor(ds.assign(topo=(("lat", "lon"), t, ds.topo.attrs)))
    ed._view(ed.state.version)
    assert ed.summary.startswith("2 passage cells")
    assert ed.select_diagnostic_cells() == 2
    ed.state.value = 100.0
    ed.state.apply()
    ed._view(ed.state.version)
    assert ed.summary.startswith("0 passage cells")


def test_subbasins_editor_summary_counts_world_ocean_cells():
    ds = _lake_world()
    ed = SubBasinsEditor(ds)
    ed._view(ed.state.version)
    counts = [int(c) for c in ed.summary.split(":")[1].split("/")]
    world = int((ds.topo.values <= 0).sum()) - 4  # the lake belongs to no basin
    assert sum(counts) == world


def test_pft_editor_edits_the_table_and_replays(tmp_path):
    ed = PFTEditor(latlon_topo())
    s = ed.state
    assert s.variable == "pft_table" and s.values.shape == (5, 13)
    # move 25 % from PFT 3 to PFT 2 in the first band (row still sums to 100)
    s.select_cells((np.array([0]), np.array([1])))
    s.operation, s.value = "set", 100.0
    s.apply()
    s.select_cells((np.array([0]), np.array([2])))
    s.value = 0.0
    s.apply()
    ed._view(s.version)
    assert "rows sum to 100" in ed.summary
    path = s.save_edits(tmp_path / "pft.json")
    replayed = apply_edits(pft_table_dataset(), path)
    np.testing.assert_array_equal(replayed.pft_table.values, s.values)
    # a row that no longer sums to 100: the diagnostic shows the error, nothing raises
    s.value = 50.0
    s.apply()
    view = ed._view(s.version)
    assert "sum" in view.object.lower() or "100" in view.object


def test_pft_editor_needs_topography():
    with pytest.raises(InputError, match="the PFT editor needs a 'topo' variable"):
        PFTEditor(xr.Dataset({"Bathymetry": (("y", "x"), np.zeros((3, 4)))}))


def test_editor_for_and_independent_instances():
    assert editor_for("internal-oceans") is InternalOceansEditor
    with pytest.raises(InputError, match="unknown editor kind 'x'; valid kinds are map, internal-oceans"):
        editor_for("x")
    ds = latlon_topo()
    a, b = MapEditor(ds), MapEditor(ds)
    a._on_box(bounds=(-30, -30, 30, 30))
    a._click_apply()
    assert a.state.can_undo and not b.state.can_undo and b.state.n_selected == 0
    assert b.state.changed_cells().size == 0


def test_map_editor_gestures_without_browser(tmp_path):
    ds = latlon_topo()
    ed = MapEditor(ds, output=tmp_path / "out.nc")
    ed.__panel__().get_root()
    ed._on_lasso(geometry=[[0, 0], [60, 0], [0, 60]])
    n = ed.state.n_selected
    assert n > 0
    ed._on_range(boundsx=(0.0, 1e9))
    assert ed.state.n_selected == int((ds.topo.values >= 0).sum())
    ed.state.cmap, ed.state.levels, ed.state.view = "cmo.topo", 8, "mask"  # redraws without error
    ed._click_apply()
    ed._click_save()
    assert ed.state.status.startswith("Saved out.nc")
    ed._click_export()
    assert (tmp_path / "out_replay.py").exists()


class _Upload:
    def __init__(self, data: bytes):
        self.new = data


def test_upload_of_bad_edit_files_shows_errors_and_changes_nothing(tmp_path):
    ds = latlon_topo()
    ed = MapEditor(ds)
    ed.__panel__()
    ed._upload.filename = "broken.json"
    ed._on_upload(_Upload(b"{definitely not json"))
    assert ed.state.status.startswith("Error: broken.json: corrupted edit file")
    other = MapEditor(latlon_topo(9, 18))
    other.state.select_box(0, 0, 40, 40)
    other.state.apply()
    path = other.state.save_edits(tmp_path / "coarse.json")
    ed._upload.filename = "coarse.json"
    ed._on_upload(_Upload(path.read_bytes()))
    assert "coarse.json: edits were made on another grid" in ed.state.status
    assert ed.state.changed_cells().size == 0 and not ed.state.can_undo
    # a good file replays and is undoable
    mine = MapEditor(ds)
    mine.state.select_box(-20, -20, 20, 20)
    mine.state.apply()
    ed._upload.filename = "good.json"
    ed._on_upload(_Upload(mine.state.save_edits(tmp_path / "good.json").read_bytes()))
    np.testing.assert_array_equal(ed.state.values, mine.state.values)
    assert ed.state.can_undo


@pytest.mark.parametrize("kind", ["map", "pft"])
def test_app_factory_builds_independent_sessions(kind):
    from climpy.editors.app import app_factory

    build = app_factory(latlon_topo(), kind=kind, source="topo.nc")
    a, b = build(), build()
    assert a.state is not b.state and not np.shares_memory(a.state.values, b.state.values)
    a.__panel__().get_root()


def test_every_offered_colormap_resolves():
    import holoviews as hv

    from climpy.editors.map import _resolve_cmap
    from climpy.editors.state import CMAPS

    for name in CMAPS:
        cmap = _resolve_cmap(name)
        assert cmap != "terrain" or name == "terrain", f"{name} fell back to terrain"
        assert len(hv.plotting.util.process_cmap(cmap, 8)) == 8
    assert _resolve_cmap("cmo.nope") == "terrain"
