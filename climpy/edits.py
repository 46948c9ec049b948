"""Replayable edit files: hand edits of a gridded variable as data, replayed without Panel.

An editor (:mod:`climpy.editors`) never writes NetCDF itself: it builds an :class:`EditFile`, an
ordered list of :class:`Operation` on **grid indices**, stamped with the content hash of the grid
the edits were made on (:func:`grid_fingerprint`). :func:`apply_edits` replays it on a Dataset,
in tests, on the command line and in the pipeline, exactly and deterministically. Replaying on
another grid raises :class:`~climpy.exceptions.EditReplayError`, unless ``map_by="coords"`` is asked,
in which case each edited cell is mapped to the nearest cell of the new grid by great-circle distance.

Edit files are JSON (``.json``, human-readable) or NetCDF (``.nc``, compact for large selections).
Both hold the same fields; see :meth:`EditFile.to_dict` for the JSON schema. This module is the
model and its replay, with no file I/O of its own: reading and writing edit files, and standalone
replay scripts, are :mod:`climpy.io.edits`.

Operations (``op``)
-------------------
``set``
    ``x = value``.
``add``
    ``x = x + value`` (same units as the variable).
``scale``
    ``x = x * (1 + value / 100)``: ``value`` is a percentage change, as in the legacy app
    ("Percentage: add a percentage of each selected value"); ``value = -100`` sets cells to 0.

``value`` is a scalar or one value per cell (used e.g. to record a computed fill).
"""

from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from climpy import __version__
from climpy._typing import EditOp, PathLike
from climpy.exceptions import EditReplayError, InputError
from climpy.geo import unit_vectors
from climpy.grid import Grid
from climpy.names import BOUNDS_NAMES, LAT_NAMES, LON_NAMES

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "OPS",
    "EditFile",
    "Operation",
    "apply_edits",
    "apply_operation",
    "cell_coordinates",
    "editable_variables",
    "grid_fingerprint",
    "step_edits",
]

logger = logging.getLogger(__name__)

#: Value of the ``format`` field that identifies a climpy edit file.
FORMAT = "climpy-edits"
#: Schema version written by this climpy; older versions are read, newer ones refused.
FORMAT_VERSION = 1
#: The valid operation names.
OPS: tuple[str, ...] = ("set", "add", "scale")

# --------------------------------------------------------------------------------------------
# grid identity
# --------------------------------------------------------------------------------------------
def _coord_arrays(ds: xr.Dataset, variable: str) -> list[tuple[str, np.ndarray]]:
    """Return the coordinate arrays that define where the cells of ``variable`` are."""
    da = ds[variable]
    out: list[tuple[str, np.ndarray]] = []
    for dim in da.dims:
        if dim in ds.coords:
            out.append((str(dim), np.asarray(ds[dim].values)))
    for name in (*LAT_NAMES, *LON_NAMES):
        if name in ds.variables and name not in da.dims and set(ds[name].dims) <= set(da.dims):
            if ds[name].ndim >= 2:
                order = [d for d in da.dims if d in ds[name].dims]
                out.append((name, np.asarray(ds[name].transpose(*order))))
    return out


def _io_grid_fingerprint(ds: xr.Dataset, variable: str) -> str | None:
    """Return :meth:`climpy.grid.Grid.fingerprint` when it describes ``variable``'s grid, else None."""
    da = ds[variable]
    try:
        grid = Grid.from_dataset(ds)
    except Exception:  # no lat/lon (a table), or coordinates Grid cannot describe
        return None
    coords = cell_coordinates(ds, variable)
    if grid.shape != tuple(da.shape) or coords is None:
        return None
    # Grid is (lat, lon)/(y, x) ordered: use it only when the variable's cells line up with it
    if not (np.array_equal(coords[0], grid.lat) and np.array_equal(coords[1], grid.lon)):
        return None
    return "grid:" + grid.fingerprint()


def grid_fingerprint(ds: xr.Dataset, variable: str) -> str:
    """Content hash of the grid of ``ds[variable]``: dims, shape and coordinate values.

    Parameters
    ----------
    ds : Dataset
        Holds ``variable`` and its coordinates (1-D dimension coordinates and/or 2-D
        ``lat``/``lon`` or ``nav_lat``/``nav_lon``).
    variable : str
        The edited variable.

    Returns
    -------
    str
        ``"grid:<hex>"``, the :class:`climpy.grid.Grid` fingerprint, when the variable lies on a
        lat/lon or curvilinear grid in (lat, lon)/(y, x) order; otherwise (tables, other dims orders)
        ``"sha256:<hex>"`` of the dims, shape and coordinate values. Coordinates are compared as
        float64 rounded to 1e-6, so a float32 copy of the same grid has the same fingerprint; the
        data values never enter it.

    Notes
    -----
    Only the grid enters the hash, so edits made before an upstream change of the *values*
    (new topography on the same grid) replay unchanged, which is what the pipeline needs.
    """
    fp = _io_grid_fingerprint(ds, variable)
    if fp is not None:
        return fp
    da = ds[variable]
    h = hashlib.sha256()
    h.update(json.dumps({"dims": list(map(str, da.dims)), "shape": list(da.shape)}).encode())
    for name, arr in _coord_arrays(ds, variable):
        h.update(name.encode())
        if np.issubdtype(arr.dtype, np.number):
            arr = np.round(np.asarray(arr, dtype=np.float64), 6) + 0.0  # +0.0 folds -0.0 into 0.0
            h.update(np.ascontiguousarray(arr).tobytes())
        else:
            h.update(str(arr.tolist()).encode())
    return "sha256:" + h.hexdigest()


def cell_coordinates(ds: xr.Dataset, variable: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Latitude and longitude (degrees) of every cell of ``ds[variable]``, broadcast to its shape.

    Returns ``None`` when the Dataset has no recognisable latitude/longitude (e.g. a table).
    """
    da = ds[variable]
    if da.ndim != 2:
        return None
    lat = lon = None
    for name in LAT_NAMES:
        if name in ds.variables:
            lat = ds[name]
            break
    for name in LON_NAMES:
        if name in ds.variables:
            lon = ds[name]
            break
    if lat is None or lon is None:
        return None
    if lat.ndim == 1 and lon.ndim == 1:
        la, lo = xr.broadcast(lat, lon)
        la, lo = la.transpose(*da.dims), lo.transpose(*da.dims)
    elif set(lat.dims) == set(da.dims) and set(lon.dims) == set(da.dims):
        la, lo = lat.transpose(*da.dims), lon.transpose(*da.dims)
    else:
        return None
    return np.asarray(la.values, dtype=np.float64), np.asarray(lo.values, dtype=np.float64)


def editable_variables(ds: xr.Dataset) -> list[str]:
    """Names of the data variables an editor can edit: numeric, 2-D, not a coordinate."""
    coords_like = set(LAT_NAMES) | set(LON_NAMES) | set(BOUNDS_NAMES)
    return [
        str(name)
        for name, da in ds.data_vars.items()
        if da.ndim == 2 and np.issubdtype(da.dtype, np.number) and name not in coords_like
    ]


# --------------------------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Operation:
    """One edit: an operation applied to a set of grid cells.

    Parameters
    ----------
    op : {'set', 'add', 'scale'}
        See the module docstring for the arithmetic.
    index : tuple of int arrays
        One integer array (n,) per dimension of the variable, in its dims order (like the
        output of ``numpy.nonzero``). Cells are unique.
    value : float or array (n,)
        Same units as the variable (``scale``: percent change).
    lat, lon : array (n,), degrees, optional
        Coordinates of the cells, used only to map the edit onto another grid.
    selection : dict
        How the cells were chosen (``{"kind": "box", "bounds": [...], "filter": "land"}``),
        kept for the record; replay uses ``index`` only.
    """

    op: EditOp
    index: tuple[np.ndarray, ...]
    value: float | np.ndarray
    lat: np.ndarray | None = None
    lon: np.ndarray | None = None
    selection: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise InputError(f"unknown edit operation {self.op!r}; valid operations are {', '.join(OPS)}")
        idx = tuple(np.asarray(i, dtype=np.int64).ravel() for i in self.index)
        if len({i.size for i in idx}) > 1:
            raise InputError("edit operation: the index arrays of the dimensions differ in length")
        object.__setattr__(self, "index", idx)
        value = self.value
        if np.ndim(value) == 0:
            value = float(value)
            if not np.isfinite(value):
                raise InputError(f"edit operation {self.op!r}: value must be finite, got {value}")
        else:
            value = np.asarray(value, dtype=np.float64).ravel()
            if value.size != self.size:
                raise InputError(
                    f"edit operation {self.op!r}: {value.size} values for {self.size} cells; "
                    "give one value or one per cell"
                )
        object.__setattr__(self, "value", value)
        for name in ("lat", "lon"):
            arr = getattr(self, name)
            if arr is not None:
                object.__setattr__(self, name, np.asarray(arr, dtype=np.float64).ravel())

    @property
    def size(self) -> int:
        """Number of cells the operation touches."""
        return int(self.index[0].size) if self.index else 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Operation):
            return NotImplemented
        return (
            self.op == other.op
            and len(self.index) == len(other.index)
            and all(np.array_equal(a, b) for a, b in zip(self.index, other.index))
            and np.array_equal(np.asarray(self.value), np.asarray(other.value))
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (lists of ints and floats)."""
        d: dict[str, Any] = {
            "op": self.op,
            "index": [i.tolist() for i in self.index],
            "value": self.value if isinstance(self.value, float) else self.value.tolist(),
            "selection": self.selection,
        }
        if self.lat is not None and self.lon is not None:
            d["lat"] = self.lat.tolist()
            d["lon"] = self.lon.tolist()
        return d


@dataclass(eq=False)
class EditFile:
    """An ordered list of operations made on one variable of one grid, with who, when and why.

    Parameters
    ----------
    variable : str
        Name of the edited variable.
    dims : tuple of str
        Its dims, in order; ``Operation.index`` follows this order.
    shape : tuple of int
        Its shape.
    fingerprint : str
        :func:`grid_fingerprint` of the grid the edits were made on.
    operations : list of Operation
        Replayed in order.
    description, author : str
        Free text; author defaults to the login name.
    created : str
        ISO 8601 UTC time.
    source : str
        The edited file's name, for the record.
    kind : str
        Which editor made it (``map``, ``internal-oceans``, ``passages``, ``sub-basins``, ``pft``).
    """

    variable: str
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    fingerprint: str
    operations: list[Operation] = field(default_factory=list)
    description: str = ""
    author: str = ""
    created: str = ""
    source: str = ""
    kind: str = "map"
    climpy_version: str = __version__
    #: Where the edit file was read from (not saved; used in error messages).
    path: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        self.dims = tuple(map(str, self.dims))
        self.shape = tuple(int(s) for s in self.shape)
        if not self.author:
            try:
                self.author = getpass.getuser()
            except Exception:  # no login name in some containers
                self.author = "unknown"
        if not self.created:
            self.created = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")

    @classmethod
    def for_dataset(cls, ds: xr.Dataset, variable: str, **kwargs: Any) -> EditFile:
        """Make an empty edit file for ``ds[variable]`` (dims, shape and fingerprint filled in)."""
        da = ds[variable]
        return cls(
            variable=variable,
            dims=tuple(map(str, da.dims)),
            shape=tuple(da.shape),
            fingerprint=grid_fingerprint(ds, variable),
            **kwargs,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EditFile):
            return NotImplemented
        return (
            self.variable == other.variable
            and self.dims == other.dims
            and self.shape == other.shape
            and self.fingerprint == other.fingerprint
            and self.operations == other.operations
            and self.description == other.description
        )

    @property
    def n_cells(self) -> int:
        """Total number of cell edits (a cell edited twice counts twice)."""
        return sum(op.size for op in self.operations)

    # ---- serialisation -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of the edit file (its schema is below).

        ``{"format": "climpy-edits", "version": 1, "variable", "dims", "shape", "fingerprint",
        "kind", "description", "author", "created", "source", "climpy_version",
        "operations": [{"op", "index": [[...], [...]], "value", "lat", "lon", "selection"}]}``
        """
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "variable": self.variable,
            "dims": list(self.dims),
            "shape": list(self.shape),
            "fingerprint": self.fingerprint,
            "kind": self.kind,
            "description": self.description,
            "author": self.author,
            "created": self.created,
            "source": self.source,
            "climpy_version": self.climpy_version,
            "operations": [op.to_dict() for op in self.operations],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str = "edit file") -> EditFile:
        """Validate and build from :meth:`to_dict` output; errors name ``where`` and the field."""
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise EditReplayError(
                f"{where}: not a climpy edit file (missing \"format\": \"{FORMAT}\"); "
                "save edits from a climpy editor or EditFile.save"
            )
        version = d.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise EditReplayError(
                f"{where}: edit file version {version!r} is not supported by climpy {__version__} "
                f"(reads up to {FORMAT_VERSION}); upgrade climpy"
            )
        try:
            dims = tuple(d["dims"])
            shape = tuple(int(s) for s in d["shape"])
            ops = []
            for k, o in enumerate(d["operations"]):
                index = tuple(np.asarray(i, dtype=np.int64) for i in o["index"])
                if len(index) != len(dims):
                    raise EditReplayError(
                        f"{where}: operation {k} has {len(index)} index arrays for dims {dims}"
                    )
                ops.append(
                    Operation(
                        op=o["op"],
                        index=index,
                        value=o["value"],
                        lat=o.get("lat"),
                        lon=o.get("lon"),
                        selection=o.get("selection") or {},
                    )
                )
            ef = cls(
                variable=str(d["variable"]),
                dims=dims,
                shape=shape,
                fingerprint=str(d["fingerprint"]),
                operations=ops,
                description=str(d.get("description", "")),
                author=str(d.get("author", "")) or "unknown",
                created=str(d.get("created", "")),
                source=str(d.get("source", "")),
                kind=str(d.get("kind", "map")),
                climpy_version=str(d.get("climpy_version", "")),
            )
        except EditReplayError:
            raise
        except (KeyError, TypeError, ValueError) as err:
            raise EditReplayError(
                f"{where}: corrupted edit file ({type(err).__name__}: {err}); "
                "re-export it from the editor"
            ) from err
        ef._check_indices(where)
        return ef

    def _check_indices(self, where: str) -> None:
        for k, op in enumerate(self.operations):
            for axis, (idx, n) in enumerate(zip(op.index, self.shape)):
                if idx.size and (idx.min() < 0 or idx.max() >= n):
                    raise EditReplayError(
                        f"{where}: operation {k} indexes {self.dims[axis]} outside 0..{n - 1}; "
                        "the file is corrupted or was written for another grid"
                    )

    def save(self, path: PathLike) -> Path:
        """Write atomically as JSON (``.json``) or NetCDF (``.nc``): :func:`climpy.io.edits.save_edits`."""
        from climpy.io.edits import save_edits

        return save_edits(self, path)

def step_edits(ds: xr.Dataset, path: PathLike | None, *, variable: str | None = None) -> EditFile:
    """Return the hand edits of a pipeline step on ``ds``: the edit file at ``path``, or none yet.

    Parameters
    ----------
    ds : Dataset
        The data the edits apply to (the step's input, or the PFT table).
    path : path or None
        The step's edit file (its ``edits_path`` parameter); ``""`` or None means no hand edits
        yet, which gives an empty edit file for ``ds[variable]``.
    variable : str, optional
        The edited variable (default ``topo``, or the first editable variable of ``ds``).

    Returns
    -------
    EditFile
        Replay it with :func:`apply_edits`; an editor given it (``edits=``) keeps it up to date.

    Raises
    ------
    EditReplayError
        If the file is missing or corrupted (the message names the file and the fix).
    """
    if path:
        from climpy.io.edits import load_edits

        return load_edits(path)
    if variable is None:
        names = editable_variables(ds)
        variable = "topo" if "topo" in names else (names[0] if names else None)
    if variable is None or variable not in ds.data_vars:
        raise EditReplayError(
            f"no editable variable {variable!r} in the dataset (found {sorted(map(str, ds.data_vars))}); "
            "pass variable="
        )
    return EditFile.for_dataset(ds, variable)


# --------------------------------------------------------------------------------------------
# replay
# --------------------------------------------------------------------------------------------
def apply_operation(values: np.ndarray, op: Operation, *, flat: np.ndarray | None = None) -> np.ndarray:
    """Apply one operation in place on ``values`` and return the previous values of its cells.

    Parameters
    ----------
    values : ndarray (dims of the edit file), float
        Modified in place.
    op : Operation
    flat : ndarray (n,) of int, optional
        ``op.index`` as flat (C order) indices, when the caller has them: a 1-D gather/scatter
        is several times faster than 2-D fancy indexing on large selections.

    Returns
    -------
    ndarray (n,)
        The values the cells had before, in ``op.index`` order (what an undo restores).
    """
    if values.flags.c_contiguous:
        target = values.reshape(-1)  # a view: writes go to ``values``
        idx: Any = np.ravel_multi_index(op.index, values.shape) if flat is None else flat
    else:
        target, idx = values, op.index
    old = target[idx]  # fancy indexing returns a copy
    if op.op == "set":
        target[idx] = op.value
    elif op.op == "add":
        target[idx] = old + op.value
    else:  # scale
        target[idx] = old * (1.0 + np.asarray(op.value) / 100.0)
    return old


def _map_by_coords(ops: Sequence[Operation], target: tuple[np.ndarray, np.ndarray], where: str) -> list:
    """Map each edited cell onto the nearest target cell (great circle, via a 3-D k-d tree)."""
    from scipy.spatial import cKDTree

    lat, lon = target

    tree = cKDTree(unit_vectors(lat.ravel(), lon.ravel()))
    mapped = []
    for k, op in enumerate(ops):
        if op.lat is None or op.lon is None:
            raise EditReplayError(
                f"{where}: operation {k} has no cell coordinates, so it cannot be mapped onto "
                "another grid; replay it on its own grid"
            )
        _, flat = tree.query(unit_vectors(op.lat, op.lon))
        flat = np.asarray(flat, dtype=np.int64)
        # several source cells may land in one target cell: keep the last one (replay order)
        _, last = np.unique(flat[::-1], return_index=True)
        keep = np.sort(flat.size - 1 - last)
        index = np.unravel_index(flat[keep], lat.shape)
        value = op.value if isinstance(op.value, float) else op.value[keep]
        mapped.append(
            Operation(op.op, index, value, lat=lat[index], lon=lon[index], selection=op.selection)
        )
    return mapped


def apply_edits(
    ds: xr.Dataset,
    edits: EditFile | PathLike | Iterable[EditFile | PathLike],
    *,
    variable: str | None = None,
    map_by: Literal["index", "coords"] = "index",
) -> xr.Dataset:
    """Replay edit files on a Dataset; the input is never mutated.

    Parameters
    ----------
    ds : Dataset
        Holds the edited variable on the grid the edits were made on.
    edits : EditFile, path, or a sequence of them
        Replayed in order.
    variable : str, optional
        Apply to this variable instead of the one named in the edit file (same grid).
    map_by : {'index', 'coords'}
        ``'index'`` (default) refuses a grid whose fingerprint differs. ``'coords'`` maps each
        edited cell to the nearest cell of ``ds``'s grid (needs cell coordinates in the file).

    Returns
    -------
    Dataset
        A copy with the variable edited (its dtype kept) and a ``climpy_edits`` attribute listing the
        replayed files (description, author, time, number of cells).

    Raises
    ------
    EditReplayError
        Unknown variable, different grid (with ``map_by='index'``), corrupted file.
    """
    if isinstance(edits, (EditFile, str, os.PathLike)):
        edits = [edits]
    if any(not isinstance(e, EditFile) for e in edits):
        from climpy.io.edits import load_edits

        edits = [e if isinstance(e, EditFile) else load_edits(e) for e in edits]
    files = list(edits)
    out = ds.copy()
    arrays: dict[str, np.ndarray] = {}
    for ef in files:
        where = ef.path or "edit file"
        name = variable or ef.variable
        if name not in ds.data_vars:
            raise EditReplayError(
                f"{where}: variable {name!r} (edited) is not in the dataset, which has "
                f"{sorted(map(str, ds.data_vars))}; pass variable= to replay onto another name"
            )
        da = ds[name]
        ops = ef.operations
        fp = grid_fingerprint(ds, name)
        if fp != ef.fingerprint or tuple(da.shape) != ef.shape:
            if map_by != "coords":
                raise EditReplayError(
                    f"{where}: edits were made on another grid than {name!r} here "
                    f"(shape {ef.shape} vs {tuple(da.shape)}, fingerprint {ef.fingerprint[:19]} vs "
                    f"{fp[:19]}); replay on the original grid or pass map_by='coords'"
                )
            coords = cell_coordinates(ds, name)
            if coords is None:
                raise EditReplayError(
                    f"{where}: the dataset has no lat/lon for {name!r}, so edits cannot be mapped by "
                    "coordinates"
                )
            ops = _map_by_coords(ops, coords, where)
            logger.warning("%s: mapped %d operations onto another grid by coordinates", where, len(ops))
        if not ef.operations:
            continue
        if name not in arrays:
            arrays[name] = np.array(da.values, dtype=np.float64)
        if ops is ef.operations and tuple(ef.dims) != tuple(map(str, da.dims)):
            if set(ef.dims) != set(map(str, da.dims)):
                raise EditReplayError(
                    f"{where}: edits are on dims {ef.dims}, {name!r} here has {tuple(da.dims)}; "
                    "rename the dims to match"
                )
            order = [ef.dims.index(str(d)) for d in da.dims]
            ops = [
                Operation(o.op, tuple(o.index[a] for a in order), o.value, o.lat, o.lon, o.selection)
                for o in ops
            ]
        for op in ops:
            apply_operation(arrays[name], op)
        logger.debug("replayed %d operations of %s on %s", len(ops), where, name)
    for name, arr in arrays.items():
        da = ds[name]
        new = da.copy(data=arr.astype(da.dtype, copy=False))
        history = [
            {
                "description": ef.description,
                "author": ef.author,
                "created": ef.created,
                "cells": ef.n_cells,
                "fingerprint": ef.fingerprint,
            }
            for ef in files
            if (variable or ef.variable) == name
        ]
        prev = da.attrs.get("climpy_edits")
        new.attrs["climpy_edits"] = json.dumps((json.loads(prev) if prev else []) + history)
        new.attrs.setdefault("units", da.attrs.get("units", "1"))
        new.attrs.setdefault("long_name", name)
        out[name] = new
    return out
