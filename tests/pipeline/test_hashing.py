"""Step keys: notebook source hashes, climpy module closure, file hashes, reasons for staleness."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pipeline_helpers import NOTEBOOKS

from climpy.pipeline.hashing import (
    climpy_imports,
    diff_components,
    environment,
    module_hashes,
    notebook_hash,
    sha256_file,
    step_key,
    third_party_imports,
)


def test_notebook_hash_ignores_outputs_and_metadata(tmp_path):
    src = NOTEBOOKS / "add.ipynb"
    nb = json.loads(src.read_text())
    h0 = notebook_hash(src)
    nb["metadata"]["papermill"] = {"duration": 3}
    nb["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi"}]
    nb["cells"][2]["execution_count"] = 7
    nb["cells"][2]["metadata"]["collapsed"] = True
    (tmp_path / "a.ipynb").write_text(json.dumps(nb))
    assert notebook_hash(tmp_path / "a.ipynb") == h0
    nb["cells"][2]["source"] = "import time  # changed"
    (tmp_path / "b.ipynb").write_text(json.dumps(nb))
    assert notebook_hash(tmp_path / "b.ipynb") != h0


def _pkg(tmp_path: Path) -> Path:
    root = tmp_path / "climpy"
    (root / "io").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "geo.py").write_text("import numpy\n")
    (root / "routing.py").write_text("from .geo import x\nfrom climpy.kernels import fill\n")
    (root / "kernels").mkdir()
    (root / "kernels" / "__init__.py").write_text("")
    (root / "kernels" / "fill.py").write_text("from . import flow\n")
    (root / "kernels" / "flow.py").write_text("")
    (root / "io" / "__init__.py").write_text("from climpy.io.write import write_netcdf\n")
    (root / "io" / "write.py").write_text("")
    (root / "pft.py").write_text("")
    return root


def test_module_closure_follows_relative_and_from_imports(tmp_path):
    root = _pkg(tmp_path)
    found = climpy_imports(["%matplotlib inline\nfrom climpy import routing\nimport xarray"], root=root)
    assert set(found) == {
        "climpy",
        "climpy.routing",
        "climpy.geo",
        "climpy.kernels",
        "climpy.kernels.fill",
        "climpy.kernels.flow",
    }
    found = climpy_imports(["from climpy.io import write_netcdf"], root=root)
    assert set(found) == {"climpy", "climpy.io", "climpy.io.write"}
    assert climpy_imports(["import numpy"], root=root) == {}


def test_module_hashes_change_only_with_imported_sources(tmp_path):
    root = _pkg(tmp_path)
    nb = json.loads((NOTEBOOKS / "geo.ipynb").read_text())  # imports climpy.geo
    (tmp_path / "geo.ipynb").write_text(json.dumps(nb))
    h0 = module_hashes(tmp_path / "geo.ipynb", root=root)
    assert set(h0) == {"climpy", "climpy.geo"}
    (root / "pft.py").write_text("x = 1\n")
    assert module_hashes(tmp_path / "geo.ipynb", root=root) == h0
    (root / "geo.py").write_text("import numpy\ny = 2\n")
    assert module_hashes(tmp_path / "geo.ipynb", root=root)["climpy.geo"] != h0["climpy.geo"]


def test_identical_rewrite_keeps_file_hash(tmp_path):
    f = tmp_path / "a.bin"
    f.write_bytes(b"abc" * 1000)
    h = sha256_file(f)
    shutil.copy(f, tmp_path / "b.bin")
    f.write_bytes(b"abc" * 1000)
    assert sha256_file(f) == h == sha256_file(tmp_path / "b.bin")


def test_diff_components_says_why():
    old = {
        "notebook": "n1",
        "parameters": {"a": 1},
        "inputs": {"x": "h1"},
        "edits": {"e": None},
        "modules": {"climpy.geo": "m1"},
        "climpy": ["0.1", 1],
    }
    new = {**old, "parameters": {"a": 2}, "edits": {"e": "h2"}, "modules": {"climpy.geo": "m2"}}
    assert diff_components(old, new) == [
        "parameter a changed (1 -> 2)",
        "edit file e changed",
        "climpy module climpy.geo changed",
    ]
    assert diff_components(None, new) == ["never built"]
    assert diff_components(old, old) == []


@pytest.mark.properties
@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=5),
        st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=5)),
        max_size=6,
    )
)
def test_step_key_ignores_mapping_order(params):
    a = {"parameters": params, "inputs": {"x": "h"}}
    b = {"inputs": {"x": "h"}, "parameters": dict(reversed(list(params.items())))}
    assert step_key(a) == step_key(b)
    assert step_key({**a, "inputs": {"x": "other"}}) != step_key(a)


def test_third_party_imports_follow_climpy_modules_and_skip_the_stdlib(tmp_path):
    root = _pkg(tmp_path)  # climpy.geo imports numpy
    (tmp_path / "nb.ipynb").write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": "code", "source": "import os, json\n%time x = 1\nfrom climpy import geo"},
                    {"cell_type": "code", "source": "def f():\n    import xarray.core\n"},
                    {"cell_type": "markdown", "source": "import scipy"},
                ]
            }
        )
    )
    # xarray implies its NetCDF backend; os/json are stdlib; markdown is not code
    assert third_party_imports(tmp_path / "nb.ipynb", root=root) == {"numpy", "xarray", "netCDF4"}
    env = environment({"numpy", "netCDF4", "not_an_installed_module"})
    import netCDF4
    import numpy

    assert env["packages"] == {"numpy": numpy.__version__, "netCDF4": netCDF4.__version__}
    assert env["python"].count(".") == 2


def test_environment_changes_are_reasons():
    old = {"environment": {"python": "3.11.2", "packages": {"numba": "0.60.0", "numpy": "2.0.0"}}}
    pkgs = {"numba": "0.61.0", "numpy": "2.0.0", "scipy": "1.1"}
    new = {"environment": {"python": "3.11.2", "packages": pkgs}}
    assert diff_components(old, new) == ["environment changed (numba 0.60.0 -> 0.61.0, scipy 1.1 added)"]
    assert diff_components(old, {"environment": {**old["environment"], "python": "3.12.1"}}) == [
        "environment changed (python 3.11.2 -> 3.12.1)"
    ]
    assert diff_components(old, {}) == ["environment changed (tracking turned off)"]
    assert diff_components(old, old) == []
