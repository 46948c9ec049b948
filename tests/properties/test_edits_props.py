"""Properties of edit files: replay is deterministic, equals the live editor, undo is exact."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from climpy.editors.state import EditorState
from climpy.edits import EditFile, apply_edits
from climpy.io.edits import load_edits

pytestmark = pytest.mark.properties

NLAT, NLON = 9, 16


def _ds(seed: int) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    lat = np.linspace(-80, 80, NLAT)
    lon = np.linspace(-180, 180, NLON, endpoint=False) + 11.25
    return xr.Dataset(
        {"topo": (("lat", "lon"), rng.normal(0, 1000, (NLAT, NLON)), {"units": "m"})},
        coords={"lat": lat, "lon": lon},
    )


coord = st.floats(-200, 200, allow_nan=False)
box = st.tuples(coord, coord, coord, coord)
step = st.tuples(
    st.sampled_from(["box", "lasso", "range"]),
    box,
    st.sampled_from(["all", "land", "ocean"]),
    st.sampled_from(["set", "add", "scale"]),
    st.floats(-500, 500, allow_nan=False, width=32),
    st.sampled_from(["apply", "apply", "undo", "redo"]),
)


def _run(s: EditorState, steps) -> None:
    for kind, (a, b, c, d), filt, op, value, action in steps:
        s.filter = filt
        if kind == "box":
            s.select_box(a, b, c, d)
        elif kind == "lasso":
            s.select_lasso([a, c, (a + c) / 2], [b, b, d])
        else:
            s.select_range(a * 10, c * 10)
        s.operation, s.value = op, float(value)
        getattr(s, action)()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 3), steps=st.lists(step, min_size=1, max_size=8))
def test_replay_equals_live_and_is_deterministic(tmp_path_factory, seed, steps):
    ds = _ds(seed)
    s = EditorState(ds)
    _run(s, steps)
    ef = s.edit_file()
    once = apply_edits(ds, ef)
    np.testing.assert_array_equal(once.topo.values, s.values)
    np.testing.assert_array_equal(apply_edits(ds, ef).topo.values, once.topo.values)
    path = ef.save(tmp_path_factory.mktemp("e") / "e.nc")
    np.testing.assert_array_equal(apply_edits(ds, load_edits(path)).topo.values, once.topo.values)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 3), steps=st.lists(step, min_size=1, max_size=8))
def test_undo_everything_restores_the_original_bit_for_bit(seed, steps):
    ds = _ds(seed)
    s = EditorState(ds)
    _run(s, steps)
    while s.undo():
        pass
    np.testing.assert_array_equal(s.values, ds.topo.values)
    assert s.edit_file().operations == []


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 3), steps=st.lists(step, min_size=1, max_size=6))
def test_json_round_trip_is_identity(seed, steps):
    ds = _ds(seed)
    s = EditorState(ds)
    _run(s, steps)
    ef = s.edit_file()
    assert EditFile.from_dict(ef.to_dict()) == ef
