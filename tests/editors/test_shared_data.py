"""Editors on the legacy sample files (skipped when ../shared is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from climpy.editors.app import open_for_editing
from climpy.editors.state import EditorState
from climpy.edits import apply_edits, grid_fingerprint

pytestmark = pytest.mark.requires_shared_data


def test_orca_bathymetry_edit_replays_and_refuses_the_1deg_grid(shared_data, tmp_path):
    ds = open_for_editing(shared_data / "curvilinear.nc")
    s = EditorState(ds, source="curvilinear.nc")
    assert s.variable == "Bathymetry" and s.positive == "down"
    assert grid_fingerprint(ds, "Bathymetry").startswith("grid:")  # climpy.io Grid (ORCA) hash
    s.filter = "ocean"
    s.select_box(100, 60, 120, 80)  # grid-index box (x, y)
    ocean = ds.Bathymetry.values[60:81, 100:121] > 0
    assert s.n_selected == int(ocean.sum()) > 0
    s.operation, s.value = "scale", -50.0
    s.apply()
    path = s.save_edits(tmp_path / "bathy.nc")
    np.testing.assert_array_equal(apply_edits(ds, path).Bathymetry.values, s.values)
    topo = open_for_editing(shared_data / "input.nc")
    with pytest.raises(ValueError, match="variable 'Bathymetry' .* not in the dataset"):
        apply_edits(topo, path)
    with pytest.raises(ValueError, match="edits were made on another grid"):
        apply_edits(topo.rename(topo="Bathymetry"), path)
    # by coordinates, the edit lands on the 1-degree grid near the same places
    mapped = apply_edits(topo.rename(topo="Bathymetry"), path, map_by="coords")
    changed = np.argwhere(mapped.Bathymetry.values != topo.topo.values)
    lat = ds.nav_lat.values[60:81, 100:121][ocean]
    assert changed.shape[0] > 0
    assert lat.min() - 2 <= topo.lat.values[changed[:, 0]].min()
    assert topo.lat.values[changed[:, 0]].max() <= lat.max() + 2
