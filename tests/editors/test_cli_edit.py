"""``climpy apply-edits`` and ``climpy edit`` argument and input errors (click's CliRunner)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from click.testing import CliRunner

from climpy.cli import main
from climpy.editors.state import EditorState

from .conftest import latlon_topo


def _edits(tmp_path, ds):
    s = EditorState(ds, description="raise a plateau")
    s.select_box(-40, -20, 40, 20)
    s.operation, s.value = "add", 300.0
    s.apply()
    return s, s.save_edits(tmp_path / "e.json")


def test_apply_edits_writes_replayed_file_and_script(tmp_path):
    ds = latlon_topo()
    src = tmp_path / "topo.nc"
    ds.to_netcdf(src)
    s, edits = _edits(tmp_path, ds)
    out = tmp_path / "out.nc"
    res = CliRunner().invoke(main, ["apply-edits", str(src), str(edits), "-o", str(out),
                                    "--script", str(tmp_path / "replay.py")])
    assert res.exit_code == 0, res.output
    assert f"1 edit file(s), {s.n_selected} cell edits" in res.output
    with xr.open_dataset(out) as got:
        np.testing.assert_array_equal(got.topo.values, s.values)
        assert "raise a plateau" in got.topo.attrs["climpy_edits"]
    assert (tmp_path / "replay.py").exists()


def test_apply_edits_other_grid_is_a_one_line_error_and_writes_nothing(tmp_path):
    ds = latlon_topo()
    _, edits = _edits(tmp_path, ds)
    other = tmp_path / "other.nc"
    latlon_topo(9, 18).to_netcdf(other)
    out = tmp_path / "out.nc"
    res = CliRunner().invoke(main, ["apply-edits", str(other), str(edits), "-o", str(out)])
    assert res.exit_code == 2
    assert "e.json: edits were made on another grid" in res.output
    assert "map_by='coords'" in res.output and not out.exists()
    args = ["apply-edits", str(other), str(edits), "-o", str(out), "--map-by", "coords"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert out.exists()


def test_apply_edits_bad_arguments(tmp_path):
    ds = latlon_topo()
    src = tmp_path / "topo.nc"
    ds.to_netcdf(src)
    _, edits = _edits(tmp_path, ds)
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    r = CliRunner()
    res = r.invoke(main, ["apply-edits", str(src), str(edits), "-o", str(src)])
    assert res.exit_code == 2 and "--output" in res.output and "must differ from FILE" in res.output
    res = r.invoke(main, ["apply-edits", str(src), str(bad), "-o", str(tmp_path / "o.nc")])
    assert res.exit_code == 2 and "bad.json: corrupted edit file, not valid JSON" in res.output
    missing = tmp_path / "missing.nc"
    res = r.invoke(main, ["apply-edits", str(missing), str(edits), "-o", str(tmp_path / "o.nc")])
    assert res.exit_code == 2 and "missing.nc: file not found" in res.output
    res = r.invoke(main, ["apply-edits", str(src), str(edits), str(edits), "-o", "o.nc", "--script", "s.py"])
    assert res.exit_code == 2 and "--script" in res.output
    assert not (tmp_path / "o.nc").exists()


def test_edit_refuses_a_file_without_editable_variable(tmp_path):
    p = tmp_path / "table.nc"
    xr.Dataset({"v": ("x", np.arange(3.0))}).to_netcdf(p)
    res = CliRunner().invoke(main, ["edit", str(p)])
    assert res.exit_code == 2
    assert "table.nc: no editable variable" in res.output
    res = CliRunner().invoke(main, ["edit", str(p), "--kind", "nope"])
    assert res.exit_code == 2 and "'nope' is not one of" in res.output
    res = CliRunner().invoke(main, ["edit", str(tmp_path / "topo.txt")])
    assert res.exit_code == 2 and "topo.txt: file not found" in res.output
