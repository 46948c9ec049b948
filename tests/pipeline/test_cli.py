"""``climpy run / status / invalidate / report`` through click's CliRunner (real kernels)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pipeline_helpers import write_pipeline

from climpy.cli import main

STEPS = {
    "a": {"notebook": "add.ipynb", "inputs": {"in_path": "inputs.x"}, "outputs": {"out_path": "a.txt"}},
    "b": {
        "notebook": "add.ipynb",
        "parameters": {"value": 2},
        "inputs": {"in_path": "a.out_path"},
        "outputs": {"out_path": "b.txt"},
    },
}


def _rows(output: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split(None, 2)[1:] for line in output.splitlines()}


def _cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.slow
@pytest.mark.notebooks
def test_run_status_invalidate_report(project):
    pipe = str(write_pipeline(project, STEPS, {"x": "in.txt"}))
    p = ["--project", str(project)]
    r = _cli("run", pipe, *p)
    assert r.exit_code == 0, r.output
    table = r.output.splitlines()
    assert table[0].split() == ["step", "status", "time", "outputs"]
    assert table[2].split()[:2] == ["a", "ok"] and table[3].split()[:2] == ["b", "ok"]
    assert f"{project / 'outputs'}/<step>/" in r.output and "_executed.ipynb" in r.output
    assert (project / "outputs" / "b" / "b.txt").read_text() == "4.0"

    r = _cli("status", pipe, *p)
    assert r.exit_code == 0 and r.output.split() == ["a", "up-to-date", "b", "up-to-date"]

    r = _cli("run", pipe, *p, "--dry-run", "--set", "b.value=5")
    assert r.exit_code == 0 and "0 kernel(s) started" in r.output
    assert "would-run (parameter value changed (2 -> 5))" in r.output

    r = _cli("status", pipe, *p, "--set", "b.value=5")
    assert r.exit_code == 1 and _rows(r.output)["b"] == ["stale", "parameter value changed (2 -> 5)"]

    r = _cli("report", "last", *p)
    assert r.exit_code == 0
    page = Path(r.output.strip()).read_text()
    assert "<svg" in page and page.count("<rect") == 2 and 'href="a.html">executed notebook' in page
    assert "b.txt</a>" in page

    r = _cli("invalidate", "a", pipe, *p, "--downstream")
    assert r.exit_code == 0 and r.output.splitlines() == ["a: 1 build(s) dropped", "b: 1 build(s) dropped"]
    r = _cli("status", pipe, *p)
    assert r.exit_code == 1
    assert _rows(r.output) == {
        "a": ["stale", "invalidated with `climpy invalidate`"],
        "b": ["stale", "upstream a will re-run"],
    }


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        (["run"], 2, "no PIPELINE given and no pipeline.yaml in"),
        (["run", "absent.yaml"], 2, "absent.yaml does not exist"),
        (["run", "{pipe}", "--scheduler", "tcp://x:1"], 2, "--scheduler needs --executor dask"),
        (["run", "{pipe}", "--executor", "nope"], 2, "'nope' is not one of"),
        (["run", "{pipe}", "--set", "zz.value=1"], 2, "unknown step 'zz'"),
        (["run", "{pipe}", "--set", "b.nope=1"], 2, "'nope' is not declared in the 'parameters' cell"),
        (["run", "{pipe}", "--over", "nothing/*.txt"], 2, "no file matches"),
        (["report", "zz"], 1, "no run match 'zz'"),
        (["invalidate", "zz", "{pipe}"], 2, "invalidate 'zz': unknown step"),
    ],
)
def test_cli_errors_are_one_clear_line(project, args, code, match, monkeypatch):
    pipe = str(write_pipeline(project, STEPS, {"x": "in.txt"}))
    monkeypatch.chdir(project.parent)  # no pipeline.yaml in the current folder
    r = CliRunner().invoke(main, [a.format(pipe=pipe) for a in args] + ["--project", str(project / "sub")])
    assert r.exit_code == code, r.output
    assert match in r.output
    assert not (project / "sub" / "outputs").exists()  # nothing written on error


def test_dry_run_fans_out_over_files_and_a_parameter_grid(project):
    pipe = str(write_pipeline(project, STEPS, {"x": "in.txt"}))
    (project / "maps").mkdir()
    for name in ("m1", "m2"):
        (project / "maps" / f"{name}.txt").write_text(name[-1])
    r = _cli(
        "run", pipe, "--project", str(project), "--dry-run", "--over", "maps/*.txt", "--grid", "b.value=1,2"
    )
    assert r.exit_code == 0, r.output
    rows = _rows(r.output.split("\n\n")[0])
    nodes = [n for n in rows if "/" in n]
    assert sorted(nodes) == sorted(
        f"{m}_value-{v}/{s}" for m in ("m1", "m2") for v in (1, 2) for s in ("a", "b")
    )
    assert all(rows[n][0].startswith("would-run") for n in nodes)
    assert "0 kernel(s) started" in r.output and not (project / "outputs").exists()


def test_dry_run_over_an_ensemble_of_sample_paleogeographies(project):
    pytest.importorskip("climpy.sample")
    pipe = str(write_pipeline(project, STEPS, {"x": "in.txt"}))
    r = _cli("run", pipe, "--project", str(project), "--dry-run", "--grid", "inputs.x=sample:5:0,sample:5:1")
    assert r.exit_code == 0, r.output
    rows = _rows(r.output.split("\n\n")[0])
    assert {n for n in rows if "/" in n} == {f"x-sample_5_{s}/{step}" for s in (0, 1) for step in ("a", "b")}
    made = sorted((project / ".climpy" / "inputs").iterdir())
    assert [p.name for p in made] == ["sample_5deg_seed0.nc", "sample_5deg_seed1.nc"]
    assert made[0].read_bytes() != made[1].read_bytes()
    r = _cli("run", pipe, "--project", str(project), "--dry-run", "--set", "inputs.x=sample:ten")
    assert r.exit_code == 2 and "expected 'sample:<resolution in degrees>[:<seed>]'" in r.output
