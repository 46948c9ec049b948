"""Editor state: selection, operations, undo/redo and edit files, in ``param`` without Panel.

:class:`EditorState` is everything an editor knows; the Panel views in :mod:`climpy.editors.map`
only render it and forward user gestures to its methods, so the state is tested without a browser
(like Panel's own ``test_viewable.py``) and each browser session gets its own instance.

Undo is exact: every applied operation keeps the previous values of exactly the cells it changed,
and undo writes back those values only, whatever the operation (the legacy editor recomputed the
selection at undo time and could touch other cells, e.g. after a "land only" set that moved cells
across sea level).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import param
import xarray as xr

from climpy._typing import PathLike
from climpy.edits import (
    EditFile,
    Operation,
    apply_edits,
    apply_operation,
    cell_coordinates,
    editable_variables,
    grid_fingerprint,
)
from climpy.exceptions import ClimpyError, EditReplayError, InputError
from climpy.io.edits import export_replay_script, load_edits

__all__ = ["CMAPS", "EditorState"]

logger = logging.getLogger(__name__)

#: Colormap names offered by the editors; resolved by HoloViews (matplotlib, colorcet) or, for the
#: ``cmo.`` (cmocean) and ``cmc.`` (Crameri's scientific maps, package cmcrameri) prefixes, by
#: :func:`climpy.editors.map._resolve_cmap`. Crameri maps are offered only when cmcrameri is installed.
CMAPS = ["terrain", "gist_earth", "cmo.topo", "cmo.deep", "cmo.balance", "cmo.diff", "RdBu_r", "coolwarm",
         "viridis", "Greys"]
if importlib.util.find_spec("cmcrameri") is not None:  # optional: pip install cmcrameri
    CMAPS += ["cmc.oleron", "cmc.vik", "cmc.roma", "cmc.batlow"]

_POSITIVE_DOWN = {"bathymetry", "depth", "bathy", "h", "hdepth"}


def _positive(da: xr.DataArray) -> str:
    if str(da.attrs.get("positive", "")).lower() == "down" or str(da.name).lower() in _POSITIVE_DOWN:
        return "down"
    return "up"


class EditorState(param.Parameterized):
    """State of a map editor over one 2-D variable of a Dataset.

    Parameters
    ----------
    ds : Dataset
        Opened data (see :func:`climpy.io.open_topography`); never modified.
    variable : str, optional
        The variable to edit; defaults to ``topo`` or the first editable one.
    source : str
        Name of the file the data came from (recorded in edit files and error messages).

    Notes
    -----
    Cells are addressed by flat indices into the variable's array (C order over its dims).
    The selection is a sorted array of flat indices; :attr:`effective_selection` restricts it to
    land or ocean cells when :attr:`filter` asks for it (land: value > 0 for positive-up
    variables, value <= 0 for positive-down ones such as ``Bathymetry``).
    """

    variable: str = param.Selector(  # type: ignore[assignment]
        default=None, objects=[], doc="Edited variable.")
    cmap: str = param.Selector(  # type: ignore[assignment]
        default="terrain", objects=CMAPS, doc="Colormap of the map.")
    clim = param.Range(default=(0.0, 1.0), doc="Colour range (min, max) in the variable's units.")
    levels = param.Integer(default=0, bounds=(0, 64), doc="Discrete colour levels (0: continuous).")
    view: str = param.Selector(  # type: ignore[assignment]
        default="values", objects=["values", "mask"], doc="Show values or land/ocean mask.")
    filter: str = param.Selector(  # type: ignore[assignment]
        default="all", objects=["all", "land", "ocean"], doc="Edit only these cells.")
    selection_mode: str = param.Selector(  # type: ignore[assignment]
        default="replace", objects=["replace", "add", "remove"])
    operation: str = param.Selector(  # type: ignore[assignment]
        default="set", objects=["set", "add", "scale"], doc="set, add, or scale (%).")
    value = param.Number(default=0.0, doc="Operand: new value, increment, or percent change.")
    description = param.String(default="", doc="What these edits do (saved in the edit file).")
    author = param.String(default="", doc="Who made them (default: login name).")
    status = param.String(default="", doc="Last message for the user (errors included).")
    n_selected = param.Integer(default=0, doc="Number of cells the next apply will change.")
    version = param.Integer(default=0, doc="Incremented on every change of the data.")
    selection_version = param.Integer(default=0, doc="Incremented on every change of the selection.")
    can_undo = param.Boolean(default=False)
    can_redo = param.Boolean(default=False)

    def __init__(self, ds: xr.Dataset, *, variable: str | None = None, source: str = "", **params: Any):
        names = editable_variables(ds)
        where = source or "dataset"
        if not names:
            raise InputError(
                f"{where}: no editable variable (needs a 2-D numeric data variable; found "
                f"{sorted(map(str, ds.data_vars)) or 'none'}); open a topography or bathymetry file"
            )
        if variable is None:
            variable = "topo" if "topo" in names else names[0]
        if variable not in names:
            raise InputError(f"{where}: variable {variable!r} is not editable; choose one of {names}")
        self._ds = ds
        self.source = source
        # applied operations with their flat cell indices and the values they replaced
        self._history: list[tuple[Operation, np.ndarray, np.ndarray]] = []
        self._redo: list[tuple[Operation, np.ndarray]] = []
        self._sel = np.zeros(0, dtype=np.int64)
        self._selection_meta: dict = {}
        self._loaded: str | None = None
        super().__init__(**params)
        self.param.variable.objects = names
        self._load_variable(variable)

    # ------------------------------------------------------------------ data
    def _load_variable(self, name: str) -> None:
        da = self._ds[name]
        self._loaded = name
        self._values = np.array(da.values, dtype=np.float64)  # working copy, C order over da.dims
        self.dims: tuple[str, ...] = tuple(map(str, da.dims))
        self.positive = _positive(da)
        self.units = str(da.attrs.get("units", ""))
        coords = cell_coordinates(self._ds, name)
        self._lat: np.ndarray | None = coords[0] if coords is not None else None
        self._lon: np.ndarray | None = coords[1] if coords is not None else None
        self._axes = self._display_axes(name)
        finite = self._values[np.isfinite(self._values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        with param.parameterized.discard_events(self):
            self.variable = name
            self.clim = (lo, hi if hi > lo else lo + 1.0)
            self.cmap = "terrain" if self.positive == "up" else "cmo.deep"
        self._history.clear()
        self._redo.clear()
        self._set_selection(np.zeros(0, dtype=np.int64), {})
        self.version += 1

    def _display_axes(self, name: str) -> tuple[str, np.ndarray, str, np.ndarray]:
        """x/y axes of the map: 1-D lon/lat of a regular grid, else grid indices (curvilinear)."""
        da = self._ds[name]
        ydim, xdim = da.dims
        yc = self._ds[ydim].values if ydim in self._ds.coords and self._ds[ydim].ndim == 1 else None
        xc = self._ds[xdim].values if xdim in self._ds.coords and self._ds[xdim].ndim == 1 else None
        if yc is not None and xc is not None and np.issubdtype(np.asarray(yc).dtype, np.number) \
                and np.issubdtype(np.asarray(xc).dtype, np.number):
            return str(xdim), np.asarray(xc, float), str(ydim), np.asarray(yc, float)
        ny, nx = da.shape
        return str(xdim), np.arange(nx, dtype=float), str(ydim), np.arange(ny, dtype=float)

    @property
    def dataset(self) -> xr.Dataset:
        """The original Dataset (never modified)."""
        return self._ds

    @property
    def values(self) -> np.ndarray:
        """The edited values (2-D float64, the variable's dims); read-only view."""
        v = self._values.view()
        v.flags.writeable = False
        return v

    @property
    def axes(self) -> tuple[str, np.ndarray, str, np.ndarray]:
        """``(x_name, x, y_name, y)`` of the map: lon/lat for regular grids, indices otherwise."""
        return self._axes

    def land_mask(self) -> np.ndarray:
        """Boolean (dims of the variable): True on land of the *current* values."""
        v = self._values
        with np.errstate(invalid="ignore"):
            return v > 0 if self.positive == "up" else ~(v > 0)

    @param.depends("variable", watch=True)
    def _on_variable(self) -> None:
        previous = self._loaded
        if self.variable == previous:
            return
        if self._history:
            self.status = (
                f"Save or undo the {len(self._history)} edits of {previous!r} before switching variable"
            )
            with param.parameterized.discard_events(self):
                self.variable = str(previous)
            return
        self._load_variable(self.variable)

    # ------------------------------------------------------------------ selection
    @property
    def selection(self) -> np.ndarray:
        """Selected cells (sorted flat indices, before the land/ocean filter)."""
        return self._sel

    @property
    def effective_selection(self) -> np.ndarray:
        """Cells the next apply changes: the selection restricted by :attr:`filter`."""
        sel = self._sel
        if self.filter == "all" or sel.size == 0:
            return sel
        land = self.land_mask().ravel()[sel]
        return sel[land] if self.filter == "land" else sel[~land]

    def selection_mask(self) -> np.ndarray:
        """Boolean (dims of the variable): True on :attr:`effective_selection`."""
        m = np.zeros(self._values.size, dtype=bool)
        m[self.effective_selection] = True
        return m.reshape(self._values.shape)

    @param.depends("filter", watch=True)
    def _on_filter(self) -> None:
        self.n_selected = int(self.effective_selection.size)
        self.selection_version += 1

    def _set_selection(self, cells: np.ndarray, meta: dict) -> None:
        cells = np.asarray(cells, dtype=np.int64)
        if self.selection_mode == "add" and self._sel.size:
            cells = np.union1d(self._sel, cells)
            meta = {"kind": "union", "parts": [self._selection_meta, meta]}
        elif self.selection_mode == "remove" and self._sel.size:
            cells = np.setdiff1d(self._sel, cells)
            meta = {"kind": "difference", "parts": [self._selection_meta, meta]}
        else:
            cells = np.unique(cells)
        self._sel = cells
        self._selection_meta = meta
        self.n_selected = int(self.effective_selection.size)
        self.selection_version += 1

    def select_box(self, x0: float, y0: float, x1: float, y1: float) -> int:
        """Select the cells whose centres lie in a box of map coordinates.

        Parameters
        ----------
        x0, y0, x1, y1 : float
            Box corners in map coordinates (:attr:`axes`): degrees for regular grids, grid indices
            for curvilinear ones. Corners may come in any order.

        Returns
        -------
        int
            Number of cells selected (after the filter).
        """
        xn, x, yn, y = self._axes
        xlo, xhi = sorted((x0, x1))
        ylo, yhi = sorted((y0, y1))
        jj = np.flatnonzero((y >= ylo) & (y <= yhi))
        ii = np.flatnonzero((x >= xlo) & (x <= xhi))
        cells = (jj[:, None] * x.size + ii[None, :]).ravel()
        self._set_selection(cells, {"kind": "box", "bounds": [xlo, ylo, xhi, yhi], "axes": [xn, yn]})
        return self.n_selected

    def select_lasso(self, xs: Any, ys: Any) -> int:
        """Select the cells whose centres lie inside a polygon (lasso) of map coordinates.

        Parameters
        ----------
        xs, ys : array (n,)
            Polygon vertices in map coordinates (:attr:`axes`).
        """
        from skimage.measure import points_in_poly

        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        if xs.size < 3:
            self._set_selection(np.zeros(0, np.int64), {"kind": "lasso", "x": [], "y": []})
            return 0
        _, x, _, y = self._axes
        # bounding box first, then the exact point-in-polygon test on the few candidates
        jj = np.flatnonzero((y >= ys.min()) & (y <= ys.max()))
        ii = np.flatnonzero((x >= xs.min()) & (x <= xs.max()))
        J, II = np.meshgrid(jj, ii, indexing="ij")
        pts = np.column_stack([x[II.ravel()], y[J.ravel()]])
        inside = points_in_poly(pts, np.column_stack([xs, ys])) if pts.size else np.zeros(0, bool)
        cells = J.ravel()[inside] * x.size + II.ravel()[inside]
        self._set_selection(cells, {"kind": "lasso", "x": xs.tolist(), "y": ys.tolist()})
        return self.n_selected

    def select_range(self, vmin: float, vmax: float) -> int:
        """Select the cells whose current value lies in ``[vmin, vmax]`` (histogram selection)."""
        lo, hi = sorted((vmin, vmax))
        with np.errstate(invalid="ignore"):
            cells = np.flatnonzero((self._values >= lo) & (self._values <= hi))
        self._set_selection(cells, {"kind": "range", "range": [lo, hi]})
        return self.n_selected

    def select_cells(self, index: tuple[Any, ...] | np.ndarray) -> int:
        """Select explicit cells, given as a tuple of index arrays (one per dim) or flat indices."""
        if isinstance(index, tuple):
            cells = np.ravel_multi_index(tuple(np.asarray(i, np.int64) for i in index), self._values.shape)
        else:
            cells = np.asarray(index, dtype=np.int64).ravel()
        self._set_selection(cells, {"kind": "cells"})
        return self.n_selected

    def clear_selection(self) -> None:
        """Select nothing."""
        mode, self.selection_mode = self.selection_mode, "replace"
        self._set_selection(np.zeros(0, np.int64), {})
        self.selection_mode = mode

    # ------------------------------------------------------------------ operations
    def apply(self) -> Operation | None:
        """Apply :attr:`operation` with :attr:`value` to the effective selection.

        Returns
        -------
        Operation or None
            The recorded operation (None when nothing is selected).
        """
        t0 = time.perf_counter()
        cells = self.effective_selection
        if cells.size == 0:
            self.status = "Nothing selected: draw a box or a lasso on the map, or a range on the histogram"
            return None
        index = np.unravel_index(cells, self._values.shape)
        meta = dict(self._selection_meta, filter=self.filter)
        lat = self._lat[index] if self._lat is not None else None
        lon = self._lon[index] if self._lon is not None else None
        try:
            op = Operation(self.operation, index, float(self.value), lat=lat, lon=lon,  # type: ignore[arg-type]
                           selection=meta)
        except ClimpyError as err:
            self.status = str(err)
            raise
        old = apply_operation(self._values, op, flat=cells)
        self._history.append((op, cells, old))
        self._redo.clear()
        self._after_change(f"{op.op} {self.value:g} on {op.size} cells")
        logger.debug("apply %s on %d cells in %.1f ms", op.op, op.size, 1e3 * (time.perf_counter() - t0))
        return op

    def undo(self) -> bool:
        """Undo the last operation: restore exactly the cells it changed to their previous values."""
        if not self._history:
            self.status = "Nothing to undo"
            return False
        op, flat, old = self._history.pop()
        self._values.reshape(-1)[flat] = old  # exactly the cells the operation changed
        self._redo.append((op, flat))
        self._after_change(f"undid {op.op} on {op.size} cells")
        return True

    def redo(self) -> bool:
        """Re-apply the last undone operation on the same cells."""
        if not self._redo:
            self.status = "Nothing to redo"
            return False
        op, flat = self._redo.pop()
        old = apply_operation(self._values, op, flat=flat)
        self._history.append((op, flat, old))
        self._after_change(f"redid {op.op} on {op.size} cells")
        return True

    def track(self, edits: EditFile | PathLike) -> int:
        """Load ``edits`` (undoable) and, for an :class:`EditFile`, keep it equal to this editor's edits.

        This is how a notebook hands an editor's work to the next cell: the cell before the editor
        makes ``edits = step_edits(ds, edits_path)``, the editor tracks it, and the cell after it
        replays ``apply_edits(ds, edits)``. A headless run skips the editor and replays the edit
        file as it is: both give the same result.

        Returns
        -------
        int
            Number of operations loaded.
        """
        n = self.load_edits(edits) if not isinstance(edits, EditFile) or edits.operations else 0
        if isinstance(edits, EditFile):
            self._tracked = edits
            self._sync_tracked()
        return n

    def _sync_tracked(self) -> None:
        ef = getattr(self, "_tracked", None)
        if ef is not None:
            ef.operations[:] = self.operations  # in place: the notebook's variable sees it
            if self.description:
                ef.description = self.description

    def _after_change(self, message: str) -> None:
        self._sync_tracked()
        self.can_undo = bool(self._history)
        self.can_redo = bool(self._redo)
        self.n_selected = int(self.effective_selection.size)  # the filter may now see other cells
        self.status = message
        self.version += 1
        self.selection_version += 1

    @property
    def operations(self) -> list[Operation]:
        """Applied operations, in order (undone ones excluded)."""
        return [op for op, _, _ in self._history]

    def changed_cells(self) -> np.ndarray:
        """Flat indices of cells whose value differs from the original."""
        orig = np.asarray(self._ds[self.variable].values, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            diff = (self._values != orig) & ~(np.isnan(self._values) & np.isnan(orig))
        return np.flatnonzero(diff)

    # ------------------------------------------------------------------ edit files
    kind: str = "map"

    def edit_file(self) -> EditFile:
        """Return the applied operations as an :class:`~climpy.edits.EditFile` (replayable without Panel)."""
        return EditFile.for_dataset(
            self._ds,
            self.variable,
            operations=self.operations,
            description=self.description,
            author=self.author,
            source=Path(self.source).name if self.source else "",
            kind=self.kind,
        )

    def edited_dataset(self) -> xr.Dataset:
        """Return the original Dataset with the edits replayed by :func:`climpy.edits.apply_edits`."""
        return apply_edits(self._ds, self.edit_file())

    def load_edits(self, edits: EditFile | PathLike) -> int:
        """Replay an edit file into the editor (each operation becomes undoable).

        Raises
        ------
        EditReplayError
            Corrupted file, or edits made on another grid or variable; nothing is changed and the
            message is also shown in :attr:`status`.
        """
        try:
            ef = edits if isinstance(edits, EditFile) else load_edits(edits)
            where = ef.path or "edit file"
            if ef.variable != self.variable:
                raise EditReplayError(
                    f"{where}: edits are for variable {ef.variable!r}, the editor shows {self.variable!r}; "
                    "switch variable first"
                )
            fp = grid_fingerprint(self._ds, self.variable)
            if ef.fingerprint != fp or ef.shape != self._values.shape or ef.dims != self.dims:
                raise EditReplayError(
                    f"{where}: edits were made on another grid (shape {ef.shape}) than "
                    f"{self.source or 'this dataset'} (shape {self._values.shape}); open the matching file"
                )
        except EditReplayError as err:
            self.status = f"Error: {err}"
            raise
        for op in ef.operations:
            flat = np.ravel_multi_index(op.index, self._values.shape)
            self._history.append((op, flat, apply_operation(self._values, op, flat=flat)))
        self._redo.clear()
        if ef.description and not self.description:
            self.description = ef.description
        self._after_change(f"loaded {len(ef.operations)} operations from {where}")
        return len(ef.operations)

    def save_edits(self, path: PathLike) -> Path:
        """Write the edit file (JSON or NetCDF by suffix), atomically."""
        return self.edit_file().save(path)

    def save(self, path: PathLike, *, edits_path: PathLike | None = None) -> tuple[Path, Path]:
        """Write the edited Dataset (NetCDF, atomic, via climpy.io) and its edit file next to it.

        The Dataset is produced by replaying the edit file (:meth:`edited_dataset`), so what is
        saved is exactly what the pipeline will reproduce. A failed save leaves both previous files
        intact.

        Parameters
        ----------
        path : path
            The NetCDF output.
        edits_path : path, optional
            The edit file (default: ``<path stem>.edits.json``).

        Returns
        -------
        (Path, Path)
            The NetCDF file and the edit file.
        """
        from climpy.io.write import write_netcdf

        out = Path(path)
        edits_out = Path(edits_path) if edits_path is not None else out.with_name(out.stem + ".edits.json")
        try:
            ds = self.edited_dataset()
            if self.source and Path(self.source).resolve() == out.resolve():
                raise InputError(
                    f"{out}: refusing to overwrite the input file; save under another name"
                )
            ef = self.edit_file()
            json.dumps(ef.to_dict())  # fails here, before anything is written, if not serialisable
            write_netcdf(ds, out)
            ef.save(edits_out)
        except (ClimpyError, OSError, TypeError, ValueError) as err:
            self.status = f"Error: save failed, nothing overwritten: {err}"
            raise
        self.status = f"Saved {out.name} and {edits_out.name} ({len(self._history)} operations)"
        logger.info("saved %s and %s", out, edits_out)
        return out, edits_out

    def export_script(self, path: PathLike) -> Path:
        """Write a standalone replay script (numpy + xarray only) of the current edits."""
        return export_replay_script(self.edit_file(), path)

