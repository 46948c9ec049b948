"""Editors with a live diagnostic next to the map, recomputed after every edit.

* :class:`InternalOceansEditor`: ocean bodies, internal oceans in red, their count
  (:func:`climpy.internal_oceans.internal_oceans`).
* :class:`PassagesEditor`: one-cell diffusive passages (:func:`climpy.passages.passages`).
* :class:`SubBasinsEditor`: Atlantic / Pacific / Indian first-guess masks
  (:func:`climpy.subbasins.subbasins`).
* :class:`PFTEditor`: the latitude-band PFT table (bands x 13 PFTs, %) and the vegetation map it
  gives (:func:`climpy.pft.pft`); its edit file replays on :func:`pft_table_dataset`.

All share :class:`~climpy.editors.map.MapEditor`: same selection tools, operations, undo/redo and
edit files. The diagnostics are computed from the *current* values of the edited variable.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import xarray as xr

from climpy.editors.map import MapEditor, hv, pn
from climpy.editors.state import EditorState
from climpy.exceptions import ClimpyError, InputError
from climpy.pft import pft_table_dataset  # noqa: F401  (re-exported: the editor edits this table)

__all__ = [
    "InternalOceansEditor",
    "PFTEditor",
    "PassagesEditor",
    "PFTTableState",
    "SubBasinsEditor",
    "editor_for",
    "pft_table_dataset",
]

logger = logging.getLogger(__name__)

_LAND, _OCEAN, _RED = "#c8b68e", "#3b6fb6", "#e01010"


class _DiagnosticEditor(MapEditor):
    """A MapEditor with a live diagnostic view; subclasses implement :meth:`compute`."""

    diagnostic_title = "diagnostic"
    #: True when :meth:`compute` sets ``self._flagged`` (flat indices of the cells it flags).
    flags_cells = False

    def current_dataset(self) -> xr.Dataset:
        """Return the Dataset with the edited variable replaced by its current values (no replay)."""
        s = self.state
        ds = s.dataset.copy()
        ds[s.variable] = ds[s.variable].copy(data=s.values.astype(ds[s.variable].dtype))
        return ds

    def compute(self) -> tuple[hv.Element, str]:
        """Return the diagnostic element and a one-line summary (override)."""
        raise NotImplementedError

    def select_diagnostic_cells(self) -> int:
        """Select the cells the diagnostic flags (internal oceans, passages); return how many, 0 if none."""
        if not self.flags_cells:
            return 0
        self.compute()  # sets self._flagged
        self.state.select_cells(self._flagged)
        return self.state.n_selected

    def _view(self, version: int) -> pn.viewable.Viewable:
        t0 = time.perf_counter()
        try:
            element, summary = self.compute()
        except ClimpyError as err:
            return pn.pane.Alert(f"{self.diagnostic_title}: {err}", alert_type="danger")
        logger.debug("%s recomputed in %.0f ms", self.diagnostic_title, 1e3 * (time.perf_counter() - t0))
        self.summary = summary
        return pn.Column(
            pn.pane.Markdown(f"### {summary}", css_classes=["climpy-diagnostic-summary"]),
            pn.pane.HoloViews(element, sizing_mode="stretch_width", height=380),
            sizing_mode="stretch_width",
        )

    def _click_select(self, _event=None) -> None:
        n = self.select_diagnostic_cells()
        self.state.status = f"selected {n} flagged cells"

    def _diagnostic(self) -> pn.viewable.Viewable:
        button = pn.widgets.Button(label="Select flagged cells", width=180)
        button.on_click(self._click_select)
        return pn.Column(
            pn.pane.Markdown(f"## {self.diagnostic_title}"),
            pn.bind(self._view, self.state.param.version),  # type: ignore[arg-type]
            button,
            min_width=420,
            sizing_mode="stretch_both",
        )

    def _on_state_grid(self, da: xr.DataArray) -> np.ndarray:
        """Values of a diagnostic variable in the state's dims order (products may use (y, x))."""
        if set(da.dims) == set(self.state.dims):
            return np.asarray(da.transpose(*self.state.dims).values)
        values = np.asarray(da.values)
        if values.shape != self.state.values.shape:
            raise InputError(f"{da.name}: shape {values.shape} differs from the edited grid")
        return values  # (y, x) products of a (lat, lon) input keep the same order

    def _index_image(self, data: np.ndarray, label: str) -> hv.Image:
        xn, x, yn, y = self.state.axes
        return hv.Image((x, y, data), kdims=[xn, yn], vdims=[label])


class InternalOceansEditor(_DiagnosticEditor):
    """Map editor showing the internal oceans (red) and their count, live."""

    kind = "internal-oceans"
    flags_cells = True
    title = "climpy internal-oceans editor"
    diagnostic_title = "Internal oceans"

    def compute(self) -> tuple[hv.Element, str]:
        """Compute the diagnostic on the current values; return the view and a summary."""
        from climpy.internal_oceans import internal_oceans

        res = internal_oceans(self.current_dataset(), variable=self.state.variable)
        label = self._on_state_grid(res["label"])
        cls = np.where(label == 0, 0, np.where(label == 1, 1, 2)).astype(float)
        n = int(res["n_internal"])
        img = self._index_image(cls, "body").opts(
            cmap=[_LAND, _OCEAN, _RED], clim=(-0.5, 2.5), colorbar=False, tools=["hover"],
            title="land / world ocean / internal (red)", responsive=True,
        )
        self._flagged = np.flatnonzero(label.ravel() > 1)
        return img, f"{n} internal ocean{'s' if n != 1 else ''} found"

class PassagesEditor(_DiagnosticEditor):
    """Map editor showing the one-cell diffusive passages (meridional, zonal), live."""

    kind = "passages"
    title = "climpy passages editor"
    diagnostic_title = "Diffusive passages"
    flags_cells = True

    def compute(self) -> tuple[hv.Element, str]:
        """Compute the diagnostic on the current values; return the view and a summary."""
        from climpy.fields import ocean_mask
        from climpy.passages import passages

        ds = self.current_dataset()
        res = passages(ds, variable=self.state.variable)
        kind = self._on_state_grid(res["passage"]).astype(float)
        ocean = ocean_mask(ds, self.state.variable)
        show = np.where(kind > 0, 1 + kind, ocean.astype(float))
        img = self._index_image(show, "passage").opts(
            cmap=[_LAND, _OCEAN, _RED, "#ff9900"], clim=(-0.5, 3.5), colorbar=False, tools=["hover"],
            title="passages: meridional (red), zonal (orange)", responsive=True,
        )
        self._flagged = np.flatnonzero(kind.ravel() > 0)
        n, nm, nz = int(res["n_passages"]), int(res["n_meridional"]), int(res["n_zonal"])
        return img, f"{n} passage cells ({nm} meridional, {nz} zonal)"

class SubBasinsEditor(_DiagnosticEditor):
    """Map editor showing the Atlantic / Pacific / Indian masks computed from the current map."""

    kind = "sub-basins"
    title = "climpy sub-basins editor"
    diagnostic_title = "Sub-basins"

    def compute(self) -> tuple[hv.Element, str]:
        """Compute the diagnostic on the current values; return the view and a summary."""
        from climpy.subbasins import subbasins

        res = subbasins(self.current_dataset(), variable=self.state.variable)
        atl, pac, ind = (self._on_state_grid(res[k]) for k in ("atlmsk", "pacmsk", "indmsk"))
        code = np.where(atl > 0, 1.0, np.where(pac > 0, 2.0, np.where(ind > 0, 3.0, 0.0)))
        img = self._index_image(code, "basin").opts(
            cmap=[_LAND, "#1f77b4", "#2ca02c", "#d62728"], clim=(-0.5, 3.5), colorbar=False,
            tools=["hover"], title="Atlantic (blue), Pacific (green), Indian (red)", responsive=True,
        )
        counts = f"{int(atl.sum())} / {int(pac.sum())} / {int(ind.sum())}"
        return img, f"basin cells Atlantic / Pacific / Indian: {counts}"


# --------------------------------------------------------------------------------------------
# PFT table
# --------------------------------------------------------------------------------------------
class PFTTableState(EditorState):
    """Editor state of the PFT table (``pft_table``, band x PFT, %) for a topography.

    Parameters
    ----------
    ds : Dataset
        Topography with ``topo`` on 1-D lat/lon (kept as :attr:`topo`).
    latitudes, table : optional
        Starting table (default: the legacy table of :mod:`climpy.pft`).
    """

    kind = "pft"

    def __init__(self, ds: xr.Dataset, *, variable: str | None = None, source: str = "",
                 latitudes: Any = None, table: Any = None, **params: Any):
        if "topo" not in ds.data_vars or ds["topo"].dims != ("lat", "lon"):
            raise InputError(
                f"{source or 'dataset'}: the PFT editor needs a 'topo' variable on (lat, lon) "
                f"(found {sorted(map(str, ds.data_vars))}); open a topography file"
            )
        self.topo = ds
        super().__init__(pft_table_dataset(latitudes, table), variable="pft_table", source=source, **params)
        self.cmap = "viridis"
        self.clim = (0.0, 100.0)


class PFTEditor(_DiagnosticEditor):
    """Editor of the latitude-band PFT table, showing the vegetation map it produces, live.

    Parameters
    ----------
    ds : Dataset or PFTTableState
        Topography (``topo`` on 1-D lat/lon) the vegetation is computed on; pass a
        :class:`PFTTableState` to start from another table.

    Notes
    -----
    The editor edits :func:`pft_table_dataset` (``pft_table``, band x PFT, %); its edit file is
    replayed with ``apply_edits(pft_table_dataset(), edits)``. Cells of the table are selected on
    the table image (box, x = PFT, y = band) and changed with Apply; every row must sum to 100
    for the map (the diagnostic says which row does not).
    """

    kind = "pft"
    title = "climpy PFT table editor"
    diagnostic_title = "Vegetation (maxvegetfrac)"

    state_class = PFTTableState

    def table(self) -> np.ndarray:
        """Return the current table (band, 13), %."""
        return self.state.values.copy()

    def compute(self) -> tuple[hv.Element, str]:
        """Compute the diagnostic on the current values; return the view and a summary."""
        from climpy.pft import pft

        lat = self.state.dataset["band_lat"].values
        state = self.state
        assert isinstance(state, PFTTableState)  # set by state_class; for the type checker
        veg = pft(state.topo, latitudes=lat, table=self.state.values, north_to_south=False)
        frac = veg["maxvegetfrac"].isel(time_counter=0)
        dominant = (frac.fillna(-1).argmax("veget") + 1).where(frac.notnull().any("veget"))
        img = hv.Image(
            (frac["lon"].values, frac["lat"].values, dominant.values.astype(float)),
            kdims=["lon", "lat"], vdims=["dominant PFT"],
        ).opts(cmap="glasbey", clim=(0.5, 13.5), colorbar=True, tools=["hover"], responsive=True,
               title="dominant PFT (land)")
        return img, f"{self.state.values.shape[0]} bands; rows sum to 100 %"

    def _table_widget(self, version: int) -> pn.pane.DataFrame:
        import pandas as pd

        s = self.state
        lat = s.dataset["band_lat"].values
        df = pd.DataFrame(s.values, columns=[str(k) for k in range(1, 14)],
                          index=pd.Index([f"< {v:g}" for v in lat], name="|lat|"))
        df["sum"] = df.sum(axis=1)
        # a static table: edits go through the selection + Apply (bokeh's Tabulator source
        # conversion warns under pandas 3, which the test suite turns into errors)
        return pn.pane.DataFrame(df, sizing_mode="stretch_width", float_format="{:g}".format)

    def _diagnostic(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.pane.Markdown("## PFT table (% per band; select cells on the table image, then Apply)"),
            pn.bind(self._table_widget, self.state.param.version),  # type: ignore[arg-type]
            pn.pane.Markdown(f"## {self.diagnostic_title}"),
            pn.bind(self._view, self.state.param.version),  # type: ignore[arg-type]
            min_width=520,
            sizing_mode="stretch_both",
        )


_EDITORS: dict[str, type[MapEditor]] = {
    "map": MapEditor,
    "internal-oceans": InternalOceansEditor,
    "passages": PassagesEditor,
    "sub-basins": SubBasinsEditor,
    "pft": PFTEditor,
}


def editor_for(kind: str) -> type[MapEditor]:
    """Return the editor class of a kind (map, internal-oceans, passages, sub-basins, pft)."""
    try:
        return _EDITORS[kind]
    except KeyError:
        raise InputError(f"unknown editor kind {kind!r}; valid kinds are {', '.join(_EDITORS)}") from None
