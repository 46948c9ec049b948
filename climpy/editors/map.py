"""The Panel map editor: a thin :class:`panel.viewable.Viewer` over :class:`EditorState`.

The map is a HoloViews ``Image`` rasterized by datashader (so a 0.1 degree grid stays responsive),
redrawn when the state's ``version`` changes; box and lasso selections on the map and an x-range
selection on the linked histogram call the state's ``select_*`` methods. Curvilinear grids are
shown in grid-index space (x, y), where a box is a block of cells.

The same object displays in a notebook cell and serves as an app (``climpy edit``). Each served
session builds its own editor (see :func:`climpy.editors.app.serve`), so sessions never share state.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import param
import xarray as xr

from climpy._typing import PathLike
from climpy.editors.state import EditorState
from climpy.edits import EditFile
from climpy.exceptions import ClimpyError, missing_dependency

try:
    import holoviews as hv
    import holoviews.plotting.bokeh  # noqa: F401 - registers the bokeh backend for .opts()
    import panel as pn
    from holoviews.operation.datashader import rasterize
    from panel.viewable import Viewer
except ImportError as err:  # pragma: no cover - the [editors] extra is missing
    raise missing_dependency(err.name or "panel", "editors") from err

__all__ = ["MapEditor"]

logger = logging.getLogger(__name__)

_SIDEBAR = 300


def _resolve_cmap(name: str) -> Any:
    """Colormap object or name HoloViews understands (cmocean maps by object: no registry needed)."""
    if name.startswith("cmo."):
        try:
            import warnings

            with warnings.catch_warnings():
                # cmocean 4.0.3 passes N= to ListedColormap, deprecated in matplotlib 3.11: not ours
                warnings.simplefilter("ignore", DeprecationWarning)
                import cmocean

            return getattr(cmocean.cm, name[4:])
        except (ImportError, AttributeError):
            logger.warning("colormap %s unavailable (pip install cmocean); using terrain", name)
            return "terrain"
    if name.startswith("cmc."):
        try:
            import cmcrameri.cm

            return getattr(cmcrameri.cm, name[4:])
        except (ImportError, AttributeError):
            logger.warning("colormap %s unavailable (pip install cmcrameri); using terrain", name)
            return "terrain"
    return name


def _selected_text(n: int) -> Any:
    return pn.pane.Markdown(f"**{n}** cells selected")


class MapEditor(Viewer):
    """Interactive editor of one 2-D variable: map, histogram, selection tools, operations, save.

    Parameters
    ----------
    ds : Dataset or EditorState
        The data to edit (never modified), or an existing state.
    variable : str, optional
        Variable to edit (default ``topo`` or the first editable one).
    source : str
        Name of the input file (shown, and recorded in edit files).
    output : path, optional
        Where Save writes the edited NetCDF (the edit file goes next to it,
        ``<stem>.edits.json``); default ``<source stem>_edited.nc`` or ``edited.nc``.
    edits : EditFile or path, optional
        Edits to start from (each undoable). An :class:`~climpy.edits.EditFile` is also kept equal
        to the editor's edits as they change (:meth:`EditorState.track`), so the next notebook cell
        can replay it: ``apply_edits(ds, edits)``.

    Examples
    --------
    In a notebook: ``ed = MapEditor(ds); ed`` displays it; ``ed.state.edit_file()`` gives the edits.
    """

    state: EditorState = param.ClassSelector(  # type: ignore[assignment]
        class_=EditorState, doc="Everything the editor knows."
    )
    output = param.String(default="edited.nc", doc="NetCDF file written by Save.")
    defer = param.Boolean(default=False, doc="""
        Render the histogram and the diagnostic after the page has loaded (served apps: the map
        shows sooner).""")
    title = "climpy map editor"
    #: Recorded in edit files (``EditFile.kind``).
    kind = "map"
    state_class: type[EditorState] = EditorState

    def __init__(
        self,
        ds: xr.Dataset | EditorState,
        *,
        variable: str | None = None,
        source: str = "",
        output: PathLike | None = None,
        edits: EditFile | PathLike | None = None,
        **params: Any,
    ):
        state = ds if isinstance(ds, EditorState) else self.state_class(ds, variable=variable, source=source)
        if edits is not None:  # the step's hand edits, undoable here and kept in `edits`
            state.track(edits)
        if output is None:
            output = (
                Path(state.source).with_name(Path(state.source).stem + "_edited.nc") if state.source
                else Path("edited.nc")
            )
        state.kind = self.kind
        super().__init__(state=state, output=str(output), **params)
        self._layout: pn.viewable.Viewable | None = None

    # ------------------------------------------------------------------ elements
    def _image(self, version: int = 0, view: str = "values", variable: str | None = None) -> hv.Image:
        s = self.state
        xn, x, yn, y = s.axes
        data = s.values if view == "values" else s.land_mask().astype(np.float64)
        label = s.variable if view == "values" else f"land (1) / ocean (0) of {s.variable}"
        return hv.Image((x, y, data), kdims=[xn, yn], vdims=[hv.Dimension(s.variable, label=label,
                                                                            unit=s.units or None)])

    def _selection_image(self, selection_version: int = 0, version: int = 0) -> hv.Image:
        s = self.state
        xn, x, yn, y = s.axes
        m = s.selection_mask().astype(np.float64)
        m[m == 0] = np.nan
        return hv.Image((x, y, m), kdims=[xn, yn], vdims=["selected"])

    def _histogram(self, version: int = 0, selection_version: int = 0) -> hv.Overlay:
        s = self.state
        v = s.values
        finite = v[np.isfinite(v)]
        edges = np.histogram_bin_edges(finite, bins=80) if finite.size else np.linspace(0, 1, 81)
        counts, _ = np.histogram(finite, bins=edges)
        dim = hv.Dimension(s.variable, unit=s.units or None)
        common = dict(tools=["xbox_select"], active_tools=["xbox_select"], responsive=True, height=180,
                      toolbar="right", title="histogram (drag to select a value range)", framewise=True)
        allh = hv.Histogram((edges, counts), kdims=[dim]).opts(color="#8a8a8a", line_color=None, **common)
        sel = v.ravel()[s.effective_selection]
        sc, _ = np.histogram(sel[np.isfinite(sel)], bins=edges)
        selh = hv.Histogram((edges, sc), kdims=[dim]).opts(color="#d62728", line_color=None, alpha=0.8,
                                                           **common)
        return allh * selh

    def _map(self) -> hv.Overlay:
        s = self.state
        values = hv.DynamicMap(
            self._image, streams=[hv.streams.Params(s, ["version", "view", "variable"])]
        )
        raster = rasterize(values, aggregator="mean", precompute=True).apply.opts(
            cmap=param.bind(_resolve_cmap, s.param.cmap), clim=s.param.clim, color_levels=self._levels_ref(),
        ).opts(
            tools=["hover", "box_select", "lasso_select"], active_tools=["box_select", "wheel_zoom"],
            colorbar=True, responsive=True, min_height=420, aspect=None, toolbar="right",
            clipping_colors={"NaN": "#ffffff00"},
        )
        selected = rasterize(
            hv.DynamicMap(self._selection_image, streams=[hv.streams.Params(s, ["selection_version",
                                                                                "version"])]),
            aggregator="max",
        ).opts(cmap=["#ff0000"], alpha=0.45, clipping_colors={"NaN": "#00000000"}, colorbar=False)
        self._box = hv.streams.BoundsXY(source=raster, bounds=None)
        self._lasso = hv.streams.Lasso(source=raster, geometry=None)
        self._box.add_subscriber(self._on_box)
        self._lasso.add_subscriber(self._on_lasso)
        return (raster * selected).opts(title=f"{s.variable} ({s.source or 'dataset'})")

    def _levels_ref(self):
        # color_levels must be None (continuous) or an int >= 2
        return param.bind(lambda n: n if n and n >= 2 else None, self.state.param.levels)

    def _hist_pane(self) -> hv.DynamicMap:
        s = self.state
        stream = hv.streams.Params(s, ["version", "selection_version"])
        hist = hv.DynamicMap(self._histogram, streams=[stream])
        self._xrange = hv.streams.BoundsX(source=hist, boundsx=None)
        self._xrange.add_subscriber(self._on_range)
        return hist

    # ------------------------------------------------------------------ gestures
    def _guard(self, func, *args) -> None:
        try:
            func(*args)
        except ClimpyError as err:
            self.state.status = f"Error: {err}"
            logger.warning("%s", err)

    def _on_box(self, bounds=None, **_) -> None:
        if bounds is None:
            return
        t0 = time.perf_counter()
        self._guard(self.state.select_box, *bounds)
        logger.debug("box selection in %.1f ms", 1e3 * (time.perf_counter() - t0))

    def _on_lasso(self, geometry=None, **_) -> None:
        if geometry is None or len(geometry) < 3:
            return
        g = np.asarray(geometry, dtype=float)
        self._guard(self.state.select_lasso, g[:, 0], g[:, 1])

    def _on_range(self, boundsx=None, **_) -> None:
        if boundsx is None:
            return
        self._guard(self.state.select_range, *boundsx)

    def _click_apply(self, _event=None) -> None:
        self._guard(self.state.apply)

    def _click_undo(self, _event=None) -> None:
        self.state.undo()

    def _click_redo(self, _event=None) -> None:
        self.state.redo()

    def _click_clear(self, _event=None) -> None:
        self.state.clear_selection()

    def _click_save(self, _event=None) -> None:
        try:
            self.state.save(self.output)
        except (ClimpyError, OSError) as err:
            logger.warning("save failed: %s", err)

    def _click_export(self, _event=None) -> None:
        out = Path(self.output)
        try:
            p = self.state.export_script(out.with_name(out.stem + "_replay.py"))
            self.state.status = f"Wrote replay script {p.name}"
        except (ClimpyError, OSError) as err:
            self.state.status = f"Error: {err}"

    def _on_upload(self, event) -> None:
        import tempfile

        if not event.new:
            return
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / (self._upload.filename or "edits.json")
            p.write_bytes(event.new)
            try:
                self.state.load_edits(p)
            except ClimpyError as err:
                self.state.status = f"Error: {err}".replace(str(p), self._upload.filename or "upload")

    # ------------------------------------------------------------------ layout
    def _diagnostic(self) -> pn.viewable.Viewable | None:
        """Extra live view next to the map (the specialised editors override this)."""
        return None

    def _status(self, status: str) -> pn.pane.Alert:
        kind = "danger" if status.startswith("Error") else "info"
        return pn.pane.Alert(status or "Select cells, choose an operation, Apply.", alert_type=kind,
                             sizing_mode="stretch_width", margin=(5, 5))

    def _controls(self) -> pn.Column:
        s = self.state
        apply = pn.widgets.Button(label="Apply", color="primary", width=90)
        undo = pn.widgets.Button(label="Undo", width=90, disabled=s.param.can_undo.rx.not_())
        redo = pn.widgets.Button(label="Redo", width=90, disabled=s.param.can_redo.rx.not_())
        clear = pn.widgets.Button(label="Clear selection", width=140)
        save = pn.widgets.Button(label="Save", color="success", width=90)
        export = pn.widgets.Button(label="Export script", width=140)
        apply.on_click(self._click_apply)
        undo.on_click(self._click_undo)
        redo.on_click(self._click_redo)
        clear.on_click(self._click_clear)
        save.on_click(self._click_save)
        export.on_click(self._click_export)
        self._upload = pn.widgets.FileInput(accept=".json,.nc", label="Load edits", width=_SIDEBAR - 20)
        self._upload.param.watch(self._on_upload, "value")
        W = pn.widgets
        return pn.Column(
            pn.pane.Markdown(f"### {self.title}\n{s.source or ''}"),
            W.Select.from_param(s.param.variable, width=_SIDEBAR - 20),
            W.Select.from_param(s.param.cmap, label="Colormap", width=_SIDEBAR - 20),
            W.EditableRangeSlider.from_param(s.param.clim, label="Colour range", start=s.clim[0],
                                             end=s.clim[1], width=_SIDEBAR - 20),
            W.IntSlider.from_param(s.param.levels, label="Discrete levels (0 = continuous)",
                                   width=_SIDEBAR - 20),
            W.RadioButtonGroup.from_param(s.param.view, label="View"),
            pn.layout.Divider(),
            W.RadioButtonGroup.from_param(s.param.filter, label="Cells"),
            W.RadioButtonGroup.from_param(s.param.selection_mode, label="Selection"),
            pn.bind(_selected_text, s.param.n_selected),  # type: ignore[arg-type]
            W.RadioButtonGroup.from_param(s.param.operation, label="Operation"),
            W.FloatInput.from_param(s.param.value, label="Value (scale: % change)", width=_SIDEBAR - 20),
            pn.Row(apply, undo, redo),
            clear,
            pn.layout.Divider(),
            W.TextAreaInput.from_param(s.param.description, label="Description", height=70,
                                       width=_SIDEBAR - 20),
            W.TextInput.from_param(self.param.output, label="Save to (NetCDF; edits go next to it)",
                                   width=_SIDEBAR - 20),
            pn.Row(save, export),
            pn.pane.Markdown("Load an edit file (.json/.nc):"),
            self._upload,
            width=_SIDEBAR,
        )

    def __panel__(self) -> pn.viewable.Viewable:
        if self._layout is not None:
            return self._layout
        hist_pane = pn.pane.HoloViews(self._hist_pane(), sizing_mode="stretch_width", height=200)
        hist: Any = hist_pane
        if self.defer:
            hist = pn.param.ParamFunction(lambda: hist_pane, defer_load=True, sizing_mode="stretch_width",
                                          height=200)
        main = [
            pn.bind(self._status, self.state.param.status),  # type: ignore[arg-type]
            pn.pane.HoloViews(self._map(), sizing_mode="stretch_both", min_height=420, linked_axes=False),
            hist,
        ]
        diag_view = self._diagnostic()
        diag: Any = diag_view
        if diag_view is not None and self.defer:
            diag = pn.param.ParamFunction(lambda: diag_view, defer_load=True, min_width=420,
                                          sizing_mode="stretch_both")
        body: list[Any] = [pn.Column(*main, sizing_mode="stretch_both", min_width=500)]
        if diag is not None:
            body.append(diag)
        self._layout = pn.Row(self._controls(), *body, sizing_mode="stretch_both", min_height=700)
        return self._layout
