"""Content hashes: files, notebook sources, climpy module sources, and step keys.

A step's key is the SHA-256 of a canonical JSON document of its *components*:

* ``notebook``: hash of the notebook's cell types, sources and ``parameters`` tags (outputs,
  execution counts and metadata ignored, so running or re-saving a notebook changes nothing);
* ``parameters``: the injected literal parameters;
* ``inputs`` / ``edits``: content hashes of the input and edit files (a missing edit file is
  ``None``), so rewriting a file with identical bytes changes nothing;
* ``outputs``: the output file names;
* ``modules``: source hashes of the climpy modules the notebook imports, transitively (found with
  :mod:`ast`, not by importing them), so editing ``climpy/routing.py`` changes exactly the keys of
  the notebooks that import it;
* ``climpy``: the climpy version and the key schema version;
* ``environment`` (unless the pipeline sets ``track_environment: false``): the Python version and the
  versions of the third-party distributions the notebook and those climpy modules import (numba,
  numpy, scipy, xarray, netCDF4 ...; found with :mod:`ast` and :mod:`importlib.metadata`), so an
  upgrade re-runs exactly the steps whose code imports the upgraded package.

The components are stored with each build, so ``climpy status`` can say *why* a step is stale.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import platform
import sys
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from climpy._typing import PathLike

__all__ = [
    "KEY_SCHEMA",
    "DistributionVersions",
    "IMPLIED_IMPORTS",
    "climpy_imports",
    "diff_components",
    "environment",
    "module_hashes",
    "notebook_hash",
    "sha256_file",
    "step_key",
    "third_party_imports",
]

logger = logging.getLogger(__name__)

#: Bump when the key recipe changes (every step then re-runs once).
KEY_SCHEMA = 2
_CHUNK = 1 << 20
#: Packages a module uses without an ``import`` statement that :mod:`ast` could see (xarray reads
#: and writes NetCDF through the netCDF4 backend).
IMPLIED_IMPORTS = {"xarray": ("netCDF4",)}


def sha256_file(path: PathLike) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def _load_nb(path: PathLike) -> dict:
    return json.loads(Path(path).read_text())


def _cell_source(cell: Mapping) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def notebook_hash(path: PathLike) -> str:
    """Hash of a notebook's sources: cell types, sources and ``parameters`` tags only.

    Parameters
    ----------
    path : path
        A ``.ipynb`` file.
    """
    nb = _load_nb(path)
    cells = [
        [
            c.get("cell_type"),
            _cell_source(c),
            "parameters" in c.get("metadata", {}).get("tags", []),
        ]
        for c in nb.get("cells", [])
    ]
    return hashlib.sha256(_canonical(cells).encode()).hexdigest()


def _code_lines(src: str) -> str:
    # IPython magics and shell escapes are not Python; blank them so ast can parse the rest
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())


def _imports_of_source(src: str, package: str | None = None) -> set[str]:
    """Climpy module names imported by ``src`` (``package`` resolves relative imports)."""
    try:
        tree = ast.parse(_code_lines(src))
    except SyntaxError:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "climpy" or a.name.startswith("climpy."):
                    found.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if package is None:
                    continue
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            if mod == "climpy" or mod.startswith("climpy."):
                found.add(mod)
                # `from climpy import routing` imports the submodule climpy.routing
                for a in node.names:
                    found.add(f"{mod}.{a.name}")
    return found


def _climpy_root() -> Path:
    import climpy

    return Path(climpy.__file__).resolve().parent


def _module_file(name: str, root: Path) -> tuple[Path, bool] | None:
    """File of climpy module ``name`` and whether it is a package, or None if it is not a module."""
    rel = name.split(".")[1:]
    base = root.joinpath(*rel) if rel else root
    if (base / "__init__.py").is_file():
        return base / "__init__.py", True
    f = base.with_suffix(".py") if rel else None
    if f is not None and f.is_file():
        return f, False
    return None


@lru_cache(maxsize=4096)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    # cached on (path, size, mtime): module files are hashed once per process
    return sha256_file(path)


def _digest(path: Path) -> str:
    st = path.stat()
    return _file_digest(str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=4096)
def _file_climpy_imports(path: str, size: int, mtime_ns: int, package: str) -> frozenset[str]:
    # cached on (path, size, mtime): each module is parsed once per process, not once per notebook
    return frozenset(_imports_of_source(Path(path).read_text(), package))


def climpy_imports(sources: list[str], *, root: Path | None = None) -> dict[str, Path]:
    """Transitive closure of the climpy modules imported by some source code.

    Parent packages are included (importing ``climpy.io.open`` runs ``climpy/__init__.py`` and
    ``climpy/io/__init__.py``). Names that are attributes rather than modules are dropped.

    Parameters
    ----------
    sources : list of str
        Python (or notebook cell) sources.
    root : Path, optional
        The ``climpy`` package folder (default: the imported climpy).

    Returns
    -------
    dict of str to Path
        Module name -> source file.
    """
    root = root or _climpy_root()
    todo: list[str] = []
    for s in sources:
        todo.extend(_imports_of_source(s))
    found: dict[str, Path] = {}
    while todo:
        name = todo.pop()
        if name in found:
            continue
        hit = _module_file(name, root)
        if hit is None:
            continue
        f, is_pkg = hit
        found[name] = f
        parts = name.split(".")
        for i in range(1, len(parts)):
            todo.append(".".join(parts[:i]))
        package = name if is_pkg else ".".join(parts[:-1])
        st = f.stat()
        todo.extend(_file_climpy_imports(str(f), st.st_size, st.st_mtime_ns, package))
    return found


def module_hashes(notebook: PathLike, *, root: Path | None = None) -> dict[str, str]:
    """Source hashes of the climpy modules a notebook imports, transitively.

    Parameters
    ----------
    notebook : path
        A ``.ipynb`` file.

    Returns
    -------
    dict of str to str
        Module name -> SHA-256 of its source file.
    """
    nb = _load_nb(notebook)
    srcs = [_cell_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    return {name: _digest(f) for name, f in sorted(climpy_imports(srcs, root=root).items())}


def _toplevel_imports(src: str) -> set[str]:
    """Top-level names of the absolute imports in ``src`` (``import a.b`` -> ``a``)."""
    try:
        tree = ast.parse(_code_lines(src))
    except SyntaxError:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


@lru_cache(maxsize=4096)
def _file_imports(path: str, size: int, mtime_ns: int) -> frozenset[str]:
    # cached on (path, size, mtime) like _file_digest
    return frozenset(_toplevel_imports(Path(path).read_text()))


def third_party_imports(notebook: PathLike, *, root: Path | None = None) -> set[str]:
    """Top-level modules outside the standard library and climpy that a notebook's code imports.

    The notebook's code cells and, transitively, the climpy modules they import are read (without
    importing anything); imports inside functions and ``try`` blocks count too.

    Parameters
    ----------
    notebook : path
        A ``.ipynb`` file.
    root : Path, optional
        The ``climpy`` package folder (default: the imported climpy).

    Returns
    -------
    set of str
        Module names such as ``{"numpy", "numba", "xarray"}``.
    """
    nb = _load_nb(notebook)
    srcs = [_cell_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    names: set[str] = set()
    for src in srcs:
        names |= _toplevel_imports(src)
    for f in climpy_imports(srcs, root=root).values():
        st = f.stat()
        names |= _file_imports(str(f), st.st_size, st.st_mtime_ns)
    names |= {extra for n in names for extra in IMPLIED_IMPORTS.get(n, ())}
    return {n for n in names if n != "climpy" and n not in sys.stdlib_module_names and not n.startswith("_")}


class DistributionVersions:
    """Import name -> installed distribution versions, looked up once per instance (one run)."""

    def __init__(self) -> None:
        importlib.invalidate_caches()  # a package installed or upgraded since the last look-up
        self._names: dict[str, list[str]] | None = None
        self._versions: dict[str, dict[str, str]] = {}

    def versions(self, module: str) -> dict[str, str]:
        """Distribution -> version of what provides top-level module ``module`` (empty if nothing)."""
        if module not in self._versions:
            found: dict[str, str] = {}
            try:  # the common case: the distribution is named like the module (numpy, numba, netCDF4)
                found[module] = importlib.metadata.version(module)
            except importlib.metadata.PackageNotFoundError:
                if self._names is None:  # e.g. yaml -> PyYAML: the full map, built once (~0.1 s)
                    self._names = importlib.metadata.packages_distributions()
                for dist in self._names.get(module, []):
                    try:
                        found[dist] = importlib.metadata.version(dist)
                    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a broken install
                        continue
            self._versions[module] = found
        return self._versions[module]


def environment(
    modules: Iterable[str], *, distributions: DistributionVersions | None = None
) -> dict[str, Any]:
    """Fingerprint of the environment a step runs in: Python and third-party package versions.

    Parameters
    ----------
    modules : iterable of str
        Top-level module names (see :func:`third_party_imports`); modules that belong to no
        installed distribution (a local file, a package that is not installed) are left out.
    distributions : optional
        A look-up cache shared by the steps of one run.

    Returns
    -------
    dict
        ``{"python": "3.11.2", "packages": {"numpy": "1.26.4", ...}}``.
    """
    dists = distributions or DistributionVersions()
    packages: dict[str, str] = {}
    for m in sorted(modules):
        packages.update(dists.versions(m))
    return {"python": platform.python_version(), "packages": dict(sorted(packages.items()))}


def step_key(components: Mapping[str, Any]) -> str:
    """SHA-256 key of a step from its components (see the module docstring)."""
    return hashlib.sha256(_canonical(components).encode()).hexdigest()


def diff_components(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """Human-readable reasons why ``new`` differs from ``old`` (empty when equal).

    Examples
    --------
    >>> diff_components({"parameters": {"a": 1}}, {"parameters": {"a": 2}})
    ['parameter a changed (1 -> 2)']
    """
    if old is None:
        return ["never built"]
    reasons: list[str] = []
    if old.get("notebook") != new.get("notebook"):
        reasons.append("notebook source changed")
    labels = {
        "parameters": "parameter",
        "inputs": "input",
        "edits": "edit file",
        "modules": "climpy module",
        "outputs": "output",
    }
    for comp, label in labels.items():
        a, b = old.get(comp) or {}, new.get(comp) or {}
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                if comp == "parameters":
                    reasons.append(
                        f"{label} {k} changed ({a.get(k, '<unset>')!r} -> {b.get(k, '<unset>')!r})"
                    )
                elif k not in a:
                    reasons.append(f"{label} {k} added")
                elif k not in b:
                    reasons.append(f"{label} {k} removed")
                else:
                    reasons.append(f"{label} {k} changed")
    if old.get("climpy") != new.get("climpy"):
        reasons.append("climpy version changed")
    env = _environment_changes(old.get("environment"), new.get("environment"))
    if env:
        reasons.append(f"environment changed ({', '.join(env)})")
    return reasons


def _environment_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    """``["numba 0.60.0 -> 0.61.0", "python 3.11.2 -> 3.12.1", "scipy added"]`` (empty when equal)."""
    if old is None and new is None:
        return []
    if old is None or new is None:
        return ["tracking turned " + ("on" if old is None else "off")]
    changes = []
    if old.get("python") != new.get("python"):
        changes.append(f"python {old.get('python')} -> {new.get('python')}")
    a, b = old.get("packages") or {}, new.get("packages") or {}
    for k in sorted(set(a) | set(b)):
        if k not in a:
            changes.append(f"{k} {b[k]} added")
        elif k not in b:
            changes.append(f"{k} removed")
        elif a[k] != b[k]:
            changes.append(f"{k} {a[k]} -> {b[k]}")
    return changes


def file_state(path: PathLike) -> tuple[int, int, int]:
    """``(size, mtime_ns, inode)`` of a file, the cache key of its content hash."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns, st.st_ino
