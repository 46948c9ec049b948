"""climpy/__init__.py states the public API: every name resolves, and importing climpy stays light."""

from __future__ import annotations

import subprocess
import sys

import climpy


def test_every_public_name_resolves_to_its_room():
    for name in climpy.__all__:
        obj = getattr(climpy, name)
        if name != "__version__":
            where = getattr(obj, "__module__", None) or obj.__name__
            assert where.startswith("climpy."), (name, where)
    assert climpy.Grid.__module__ == "climpy.grid"
    assert set(climpy.__all__) <= set(dir(climpy))


def test_import_climpy_does_not_import_the_science_stack():
    code = "import sys, climpy; print(sorted(m for m in ('numba', 'xarray') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
