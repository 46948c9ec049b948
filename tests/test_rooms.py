"""The import rules of CONTRIBUTING.md ("The rooms of the package"), read from the source with ast."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "climpy"
FOUNDATION = {
    "climpy", "climpy.exceptions", "climpy._typing", "climpy.names", "climpy.geo", "climpy.provenance"
}  # fmt: skip
SCIENCE = ["regrid", "internal_oceans", "routing", "orca_products", "passages", "subbasins", "heatflow",
           "ahmcoef", "pft", "weights", "checks", "sample", "fields", "grid", "edits"]  # fmt: skip


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m == "climpy" or m.startswith("climpy.")}


def _all_imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


@pytest.mark.parametrize("path", sorted((PKG / "kernels").glob("*.py")), ids=lambda p: p.name)
def test_kernels_import_only_kernels_and_no_xarray(path):
    assert all(m.startswith("climpy.kernels") for m in _imports(path, top_level_only=False))
    assert not {n for n in _all_imports(path) if n.split(".")[0] == "xarray"}


@pytest.mark.parametrize("name", SCIENCE)
def test_science_never_imports_io_pipeline_editors_or_cli(name):
    found = _imports(PKG / f"{name}.py", top_level_only=True)
    bad = {m for m in found if m.split(".")[1:2] and m.split(".")[1] in ("io", "pipeline", "editors", "cli")}
    assert not bad, f"climpy/{name}.py imports {sorted(bad)} at module level"


@pytest.mark.parametrize("name", ["names", "geo", "provenance", "exceptions", "_typing"])
def test_foundation_imports_only_foundation(name):
    assert _imports(PKG / f"{name}.py", top_level_only=False) <= FOUNDATION


def test_only_grid_knows_the_north_fold_rules():
    # the mirror rules of the fold, in any spelling the code base used
    rules = ("nx - 1 - i", "ny - 3", "fold_partner(")
    users = {str(p.relative_to(PKG)) for p in PKG.rglob("*.py") if any(r in p.read_text() for r in rules)}
    assert users == {"grid.py"}, users


def test_nothing_but_deployment_imports_deploy():
    users = {
        str(p.relative_to(PKG))
        for p in PKG.rglob("*.py")
        if p.parent.name != "deploy"
        and any(m.startswith("climpy.deploy") for m in _imports(p, top_level_only=False))
    }
    assert not users, f"science, editors, pipeline or cli import climpy.deploy: {sorted(users)}"


@pytest.mark.parametrize("path", sorted((PKG / "deploy").glob("*.py")), ids=lambda p: p.name)
def test_deploy_imports_only_foundation(path):
    found = _imports(path, top_level_only=False)
    assert found <= FOUNDATION | {"climpy.log", "climpy.deploy"}, sorted(found - FOUNDATION)
