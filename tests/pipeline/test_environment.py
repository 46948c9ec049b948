"""The environment in the step keys: a package upgrade re-runs exactly the steps whose code imports it.

A real (tiny) distribution ``fakepkg`` is installed into a folder on ``sys.path``; "upgrading" it
rewrites its ``.dist-info``, as pip does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import write_pipeline

from climpy.pipeline import pipeline_status, run_pipeline

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]


def _install(site: Path, version: str) -> None:
    """Install (or upgrade to) ``fakepkg`` ``version`` in ``site``."""
    (site / "fakepkg").mkdir(parents=True, exist_ok=True)
    (site / "fakepkg" / "__init__.py").write_text("VALUE = 100\n")
    for old in site.glob("fakepkg-*.dist-info"):
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    info = site / f"fakepkg-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fakepkg\nVersion: {version}\n")
    (info / "top_level.txt").write_text("fakepkg\n")


def _steps(site: Path) -> dict:
    return {
        "a": {"notebook": "add.ipynb", "inputs": {"in_path": "inputs.x"}, "outputs": {"out_path": "a.txt"}},
        "p": {
            "notebook": "package.ipynb",
            "parameters": {"site": str(site)},
            "inputs": {"in_path": "a.out_path"},
            "outputs": {"out_path": "p.txt"},
        },
        "n": {
            "notebook": "netcdf.ipynb",
            "inputs": {"in_path": "a.out_path"},
            "outputs": {"out_path": "n.nc"},
        },
        "q": {"notebook": "add.ipynb", "inputs": {"in_path": "p.out_path"}, "outputs": {"out_path": "q.txt"}},
    }


def test_a_package_upgrade_makes_exactly_its_importers_stale(project, tmp_path, monkeypatch):
    site = tmp_path / "site"
    _install(site, "1.0")
    monkeypatch.syspath_prepend(str(site))
    pipe = write_pipeline(project, _steps(site), {"x": "in.txt"})
    r = run_pipeline(pipe, project=project)
    assert r.exit_code == 0 and r.kernels_started == 4
    key = {s.node: s.key for s in r.steps}
    assert float((project / "outputs" / "q" / "q.txt").read_text()) == 1 + 1 + 100 + 1

    _install(site, "1.1")
    st = {s.node: s for s in pipeline_status(pipe, project=project)}
    assert st["p"].status == "stale" and st["p"].reason == "environment changed (fakepkg 1.0 -> 1.1)"
    assert st["q"].status == "stale" and st["q"].reason == "upstream p will re-run"
    assert st["a"].status == st["n"].status == "up-to-date"
    r = run_pipeline(pipe, project=project)
    ran = {s.node for s in r.steps if s.status == "ok"}
    # p re-ran; its output is the same bytes, so q is cut off and stays up to date
    assert ran == {"p"} and r.kernels_started == 1
    assert {s.node: s.key for s in r.steps if s.node != "p"} == {k: v for k, v in key.items() if k != "p"}

    # the project turns the tracking off: an upgrade then leaves the outputs up to date
    pipe = write_pipeline(
        project,
        {"p": _steps(site)["p"] | {"inputs": {"in_path": "inputs.x"}}},
        {"x": "in.txt"},
        track_environment=False,
    )
    assert run_pipeline(pipe, project=project).kernels_started == 1
    _install(site, "2.0")
    assert [s.status for s in pipeline_status(pipe, project=project)] == ["up-to-date"]
    assert run_pipeline(pipe, project=project).kernels_started == 0
