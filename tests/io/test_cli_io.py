from __future__ import annotations

import pytest
from click.testing import CliRunner

from climpy.cli import main
from climpy.grid import Grid
from climpy.testing import orca_like_grid, topography_dataset


def _run(*args):
    return CliRunner().invoke(main, ["inspect", *map(str, args)])


def test_inspect_topography(tmp_path):
    ds = topography_dataset(lambda lat, lon: lat * 50.0, nlat=6, nlon=12)
    path = tmp_path / "t.nc"
    ds.isel(lat=slice(None, None, -1)).to_netcdf(path)
    res = _run(path)
    assert res.exit_code == 0, res.output
    assert "latlon 6 x 12" in res.output and "periodic in x     True" in res.output
    assert Grid.from_dataset(ds).fingerprint()[:16] in res.output
    assert "land fraction     0.500" in res.output


def test_inspect_bathymetry_and_grid(tmp_path):
    o = orca_like_grid(fold="F")
    path = tmp_path / "b.nc"
    o.to_netcdf(path)
    res = _run(path)
    assert res.exit_code == 0, res.output
    assert "opened as         bathymetry" in res.output
    assert "overlap columns   2" in res.output and "north fold        F" in res.output
    grid_only = tmp_path / "g.nc"
    o[["area"]].to_netcdf(grid_only)
    res = _run(grid_only)
    assert res.exit_code == 0, res.output
    assert "opened as         grid" in res.output


@pytest.mark.parametrize(
    ("content", "match"),
    [(b"not netcdf", "not a readable NetCDF file"), (None, "no such file")],
)
def test_inspect_bad_file_one_line_exit_2(tmp_path, content, match):
    path = tmp_path / "x.nc"
    if content is not None:
        path.write_bytes(content)
    res = _run(path)
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and match in lines[0] and "x.nc" in lines[0]


def test_inspect_nan_policy(tmp_path):
    ds = topography_dataset(lambda lat, lon: lat * 50.0, nlat=6, nlon=12)
    ds.topo[0, 0] = float("nan")
    path = tmp_path / "n.nc"
    ds.to_netcdf(path)
    res = _run(path)
    assert res.exit_code == 2 and "1 NaN/missing cells" in res.output
    with pytest.warns(UserWarning, match="set to 0 m"):
        res = _run(path, "--nan-policy", "ocean")
    assert res.exit_code == 0, res.output
