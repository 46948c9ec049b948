# ruff: noqa: E501  (notebook prose and markdown tables: line breaks are the text's, not the code's)
"""The text of the curated notebooks: one ``Notebook`` per lesson, built by ``_build.py``.

Conventions every notebook follows (checked by tests/notebooks/test_hygiene.py):

* cell 1 is the title and what the lesson teaches; the next code cell holds the imports;
* one cell tagged ``parameters`` holds plain literals only: every input and output path as a string
  (``"sample:1.0"`` = the sample paleogeography at 1 degree, generated on the fly when run standalone),
  and ``edits_path = ""`` for interactive steps (an edit file saved by the step's editor, replayed in batch);
* one to three calls into climpy, then views (maps, histograms, tables);
* at least one cell tagged ``keep_output`` with ``# NBVAL_CHECK_OUTPUT``: its stored output is the result
  the student should get and what ``pytest --nbval-lax`` compares on every run;
* the science in a few paragraphs with references, and one or two exercises at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    kind: str  # "markdown" | "code"
    source: str
    tags: tuple[str, ...] = ()
    keep_output: bool = False


@dataclass(frozen=True)
class Notebook:
    name: str  # file stem, e.g. "03_routing"
    cells: list[Cell] = field(default_factory=list)


def md(text: str) -> Cell:
    return Cell("markdown", text)


def code(text: str, *tags: str) -> Cell:
    return Cell("code", text, tuple(tags))


def params(text: str) -> Cell:
    return Cell("code", text, ("parameters",))


def view(text: str) -> Cell:
    """A cell that only displays (a map, an editor, the HoloViz imports): `climpy run` skips it headless."""
    return Cell("code", text, ("view",))


def check(text: str) -> Cell:
    """A cell whose output is the lesson's expected result (kept in git, compared by nbval)."""
    return Cell("code", "# NBVAL_CHECK_OUTPUT\n" + text.strip("\n"), (), True)


# ---------------------------------------------------------------------------------------------------------
# shared snippets
# ---------------------------------------------------------------------------------------------------------
IMPORTS_VIEWS = """\
# a cell tagged `view` only displays: `climpy run` skips it headless, JupyterLab runs it
import hvplot.xarray  # noqa: F401  (adds .hvplot to xarray objects)
import panel as pn

pn.extension()
"""

BATCH_NOTE = """\
**Interactive and batch give the same result.** The editor never writes NetCDF: it records an *edit file* (the
grid's fingerprint and the ordered operations on cell indices) in the variable `edits`, which the cell before it
read from the file named by `edits_path`. The next cell replays `edits` on the input with
`climpy.edits.apply_edits`. When this notebook runs headless (`climpy run`), the cells tagged `view` (the maps
and this editor) are skipped and the edit file is replayed as it is: the pipeline produces exactly what you
produced by hand. To make your edits part of the pipeline, save them to the file named under `edits:` for this
step in `pipeline.yaml` (relative to the project folder), e.g.
`editor.state.save_edits("../edits/internal_oceans.json")`."""


def editor_cells(cls: str, data: str, edits_on: str | None = None, **kwargs: str) -> list[Cell]:
    """The step's hand edits (``edits``, replayed headless too), then a Panel editor tracking them."""
    args = "".join(f", {k}={v}" for k, v in kwargs.items())
    var = kwargs.get("variable")
    return [
        code(
            f"""\
# the step's hand edits: the edit file named by edits_path (none yet: an empty edit file)
edits = step_edits({edits_on or data}, edits_path{f", variable={var}" if var else ""})
"""
        ),
        view(
            f"""\
from climpy.editors import {cls}

editor = {cls}({data}{args}, edits=edits)  # your edits here are kept in `edits`
editor
"""
        ),
    ]


GIT_HOWTO = """\
## Keep your work: fork, commit, push

Your notebooks, edit files and `pipeline.yaml` are plain files in a git repository. The outputs are not
committed (they are rebuilt from these by `climpy run`), so what you commit is small and reviewable.

1. **Fork** the course repository on your forge (GitHub/GitLab: *Fork*), then clone your fork, or in
   JupyterLab use the *Git* sidebar (jupyterlab-git): *Clone a Repository*.
2. Work: run the notebooks, save edit files from the editors (`edits/*.json`).
3. **Commit**: in the Git sidebar stage the changed files and write a message, or in a terminal
   ```bash
   git add notebooks/03_routing.ipynb edits/routing.json
   git commit -m "Route the Tethys rivers into the Atlantic"
   ```
   Notebook outputs are stripped on commit (nbstripout), except the few expected results of each lesson.
4. **Push** to your fork (`git push`, or *Push* in the sidebar) and open a merge/pull request if you want a
   review from your instructor.
"""


def _ref_list(*refs: str) -> str:
    return "## References\n\n" + "\n".join(f"- {r}" for r in refs)


REF_IPSL = (
    "Sepulchre, P., et al. (2020). IPSL-CM5A2 – an Earth system model designed for multi-millennial climate "
    "simulations. *Geosci. Model Dev.*, 13, 3011–3053. https://doi.org/10.5194/gmd-13-3011-2020"
)
REF_DEEPMIP = (
    "Lunt, D. J., et al. (2017). The DeepMIP contribution to PMIP4: experimental design for model simulations "
    "of the EECO, PETM, and pre-PETM. *Geosci. Model Dev.*, 10, 889–901. https://doi.org/10.5194/gmd-10-889-2017"
)
REF_JONES = (
    "Jones, P. W. (1999). First- and second-order conservative remapping schemes for grids in spherical "
    "coordinates. *Mon. Weather Rev.*, 127, 2204–2210. "
    "https://doi.org/10.1175/1520-0493(1999)127<2204:FASOCR>2.0.CO;2"
)
REF_BARNES = (
    "Barnes, R., Lehman, C., Mulla, D. (2014). Priority-Flood: an optimal depression-filling and "
    "watershed-labeling algorithm for digital elevation models. *Computers & Geosciences*, 62, 117–127. "
    "https://doi.org/10.1016/j.cageo.2013.04.024"
)
REF_BARNES_FLATS = (
    "Barnes, R., Lehman, C., Mulla, D. (2014). An efficient assignment of drainage direction over flat "
    "surfaces in raster digital elevation models. *Computers & Geosciences*, 62, 128–135. "
    "https://doi.org/10.1016/j.cageo.2013.01.009"
)
REF_OCALLAGHAN = (
    "O'Callaghan, J. F., Mark, D. M. (1984). The extraction of drainage networks from digital elevation data. "
    "*Computer Vision, Graphics, and Image Processing*, 28, 323–344. "
    "https://doi.org/10.1016/S0734-189X(84)80011-0"
)
REF_ORCHIDEE = (
    "Krinner, G., et al. (2005). A dynamic global vegetation model for studies of the coupled "
    "atmosphere-biosphere system. *Global Biogeochem. Cycles*, 19, GB1015. https://doi.org/10.1029/2003GB002199"
)
REF_GUIMBERTEAU = (
    "Guimberteau, M., et al. (2012). Discharge simulation in the sub-basins of the Amazon using ORCHIDEE forced "
    "by new datasets. *Hydrol. Earth Syst. Sci.*, 16, 911–935. https://doi.org/10.5194/hess-16-911-2012"
)
REF_MADEC_IMBARD = (
    "Madec, G., Imbard, M. (1996). A global ocean mesh to overcome the North Pole singularity. *Climate "
    "Dynamics*, 12, 381–388. https://doi.org/10.1007/BF00211681"
)
REF_NEMO = (
    "Madec, G., and the NEMO System Team. NEMO ocean engine (reference manual). Institut Pierre-Simon Laplace. "
    "https://doi.org/10.5281/zenodo.1464816"
)
REF_ROSENFELD = (
    "Rosenfeld, A., Pfaltz, J. L. (1966). Sequential operations in digital picture processing. *J. ACM*, 13, "
    "471–494. https://doi.org/10.1145/321356.321357"
)
REF_STEIN = (
    "Stein, C. A., Stein, S. (1992). A model for the global variation in oceanic depth and heat flow with "
    "lithospheric age. *Nature*, 359, 123–129. https://doi.org/10.1038/359123a0"
)
REF_EMILE_GEAY = (
    "Emile-Geay, J., Madec, G. (2009). Geothermal heating, diapycnal mixing and the abyssal circulation. "
    "*Ocean Science*, 5, 203–217. https://doi.org/10.5194/os-5-203-2009"
)
REF_OASIS = (
    "Craig, A., Valcke, S., Coquart, L. (2017). Development and performance of a new version of the OASIS "
    "coupler, OASIS3-MCT_3.0. *Geosci. Model Dev.*, 10, 3297–3308. https://doi.org/10.5194/gmd-10-3297-2017"
)
REF_DASK = (
    "Rocklin, M. (2015). Dask: parallel computation with blocked algorithms and task scheduling. "
    "*Proc. 14th Python in Science Conf.*, 130–136. https://doi.org/10.25080/Majora-7b98e3ed-013"
)


# ---------------------------------------------------------------------------------------------------------
# 00 start here
# ---------------------------------------------------------------------------------------------------------
START_HERE = Notebook(
    "00_start_here",
    [
        md(
            """\
# Start here: boundary conditions for a deep-time climate

A climate model solves the equations of the atmosphere, ocean, sea ice and land surface, but it cannot invent
the planet it runs on. Where the continents are, how high the mountains stand, how deep the ocean is, where
rivers reach the sea and what grows on land are **boundary conditions**: fixed fields the model reads at start-up.
For today's climate they come from observations. For a *deep-time* climate (the Eocene, 50 million years ago,
or the Cretaceous) they come from a reconstructed **paleogeography**, a topography-bathymetry map, and every
file the model needs has to be derived from that one map, consistently.

These notebooks prepare the boundary conditions of **IPSL-CM5A2** (Sepulchre et al., 2020), the IPSL
Earth-system model used for multi-millennial paleoclimate runs (e.g. DeepMIP, Lunt et al., 2017), from such a
map. Each notebook is one step; together they form a pipeline that `climpy run` executes headless."""
        ),
        md(
            """\
## The files and why the model needs each

| step (notebook) | file | used by | why |
|---|---|---|---|
| regrid (`01`) | topography on the model grid | all | the map must be on the grid the components use; conservative remapping keeps mean heights |
| internal oceans (`02`) | topography without closed seas | ocean, routing | an ocean body cut off from the world ocean cannot exchange water: fill it or open it |
| routing (`03`) | `routing.nc` (`trip`, `basins`, `topoind`, ...) | ORCHIDEE (land) | rain that falls on land must flow downhill to a river mouth, or the ocean loses water |
| bathymetry on ORCA (`04`) | `bathy.nc`, soils, `RELIEF` | NEMO (ocean), ORCHIDEE, LMDZ | the ocean runs on the curvilinear ORCA2 grid, with its own land-sea mask |
| passages (`05`) | corrected bathymetry | NEMO | a strait one cell wide carries no flow on NEMO's C-grid: widen or close it, on purpose |
| sub-basins (`06`) | `subbasins.nc` | NEMO diagnostics | Atlantic/Pacific/Indian masks for overturning and heat transport |
| heat flow (`07`) | `geothermal_heating.nc` | NEMO | geothermal heat warms the abyss; it depends on sea-floor age, i.e. depth |
| ahmcoef (`08`) | `ahmcoef.nc` | NEMO | lateral viscosity reduced in the tropics and near western boundaries |
| PFT (`09`) | `pft.nc` (`maxvegetfrac`) | ORCHIDEE | the fraction of each plant functional type per cell |
| checks (`10`) | a report | you | the masks of the atmosphere, land and ocean files must agree |
| coupling weights (`11`) | `weights_o2a.nc`, `weights_a2o.nc` | OASIS (coupler) | fluxes cross between the atmosphere and ocean grids; conservative weights neither create nor lose heat or water |

The pipeline (`pipeline.yaml` at the root of the repository) chains them. Each arrow is a file: the step at its
tip reads what the step at its tail wrote.

```mermaid
graph LR
  topo[(your map)] --> regrid --> internal_oceans --> routing
  internal_oceans --> bathymetry
  routing --> pft
  bathymetry --> passages
  passages --> subbasins
  passages --> heatflow
  passages --> ahmcoef
  internal_oceans --> checks
  routing --> checks
  passages --> checks
  routing --> weights
  passages --> weights
```

The cells below read the same graph from `pipeline.yaml` and list the steps in an order that respects every
arrow."""
        ),
        code(
            """\
from pathlib import Path

import yaml
"""
        ),
        params(
            """\
pipeline_path = "../pipeline.yaml"
resolution = 1.0
"""
        ),
        code(
            """\
spec = yaml.safe_load(Path(pipeline_path).read_text())
steps = spec["steps"]
"""
        ),
        check(
            """\
from graphlib import TopologicalSorter

graph = {
    name: {ref.split(".")[0] for ref in step.get("inputs", {}).values() if not ref.startswith("inputs.")}
    for name, step in steps.items()
}
for name in TopologicalSorter(graph).static_order():
    after = ", ".join(sorted(graph[name])) or "your map"
    print(f"{name:16s} {steps[name]['notebook']:36s} after: {after}")
"""
        ),
        md(
            """\
## How to use an editor

Some steps need a human decision: which closed sea to fill, which strait to widen, where the basin boundary
between the Atlantic and the Indian Ocean runs. Those notebooks embed a **Panel editor**. Below is the
general-purpose one, `MapEditor`, on the sample paleogeography:

- pan and zoom with the mouse wheel; hover to read a value;
- select cells with the *box* or *lasso* tool on the map, or a range of values on the histogram;
- choose an operation (*set*, *add*, *scale by percent*), a value, and press **Apply**; **Undo** and **Redo**
  restore exactly the cells you changed;
- write what you did in the *description* and press **Save**: this writes an **edit file**, not the data.

The edit file is what makes your work reproducible: the pipeline replays it on the step's input every time it
runs, so a change upstream does not silently throw away your edits (and if they no longer apply, the step
stops and asks for review)."""
        ),
        view(
            """\
from climpy.editors import MapEditor
from climpy.sample import paleogeography

topo = paleogeography(resolution=resolution, seed=0)
editor = MapEditor(topo, variable="topo")
editor
"""
        ),
        md(
            """\
## How to run the whole thing

- **One step by hand**: open its notebook and *Run All*. Standalone, a step reads the sample paleogeography
  (`"sample:1.0"` in its `parameters` cell), so every notebook runs on its own.
- **The whole pipeline, headless**: in a terminal at the root of the repository
  ```bash
  climpy run pipeline.yaml --project build/run        # or: make run
  climpy status --project build/run                   # what is up to date, stale, failed
  ```
  Each step runs its notebook with papermill; steps whose inputs, parameters, edit files and code did not
  change are skipped. The executed notebooks are kept next to the outputs, so you can open any step and see
  exactly what it did. `20_full_pipeline.ipynb` does the same from a cell.
- **Your own map**: `climpy run pipeline.yaml --set inputs.topo=my_map.nc`.
- **Many maps at once** (a class, an ensemble): `21_ensemble_dask.ipynb`."""
        ),
        md(GIT_HOWTO),
        md(
            """\
## Exercises

1. In `pipeline.yaml`, which steps must run again if you change the topography of the input map? Which if you
   only change the heat-flow parameters? Check your answer with `climpy run --dry-run`.
2. Use the editor above to raise a mountain range (select a box, *add* 2000 m), save the edit file, then open it
   in a text editor: what does it record?"""
        ),
        md(_ref_list(REF_IPSL, REF_DEEPMIP)),
    ],
)


# ---------------------------------------------------------------------------------------------------------
# loading snippets: "sample:<resolution>" means the sample paleogeography, generated on the fly
# ---------------------------------------------------------------------------------------------------------
LOAD_TOPO = """\
topo = (
    paleogeography(resolution=float(topo_path.removeprefix("sample:")), seed=0)
    if topo_path.startswith("sample:")
    else open_topography(topo_path)
)
"""

# ---------------------------------------------------------------------------------------------------------
# 01 regrid
# ---------------------------------------------------------------------------------------------------------
REGRID = Notebook(
    "01_regrid",
    [
        md(
            """\
# 01 · Regrid the map onto the model grid

**One idea:** a map made at one resolution must be *remapped* to the grid of the model, and how you remap
changes what the model sees. Averaging heights over the area of each target cell (first-order conservative
remapping) keeps the mean elevation and the ocean volume; picking the nearest point or interpolating does not.

Input: your topography (any regular lat/lon grid; standalone, the half-degree sample map). Output: the
topography on the target grid (`topo.nc`, variable `topo`, metres, positive up), with your hand edits."""
        ),
        view(IMPORTS_VIEWS),
        code(
            """\
from climpy.edits import apply_edits, step_edits
from climpy.geo import cell_area_regular
from climpy.io import open_topography, write_netcdf
from climpy.regrid import regrid, target_grid
from climpy.sample import paleogeography
"""
        ),
        params(
            """\
topo_path = "sample:0.5"
topo_out_path = "topo.nc"
edits_path = ""
resolution = 1.0
method = "conservative"
"""
        ),
        code(LOAD_TOPO),
        md(
            """\
## Three ways to remap

- **nearest**: each target cell takes the value of the closest source point. Fast, keeps the original values,
  but a peak or a strait survives or vanishes depending on where the grid points fall.
- **bilinear**: interpolates between the surrounding points. Smooth, but it conserves neither the mean nor the
  area of land.
- **conservative** (first order, Jones, 1999): the target value is the area-weighted mean of every source cell
  it overlaps, with true spherical cell areas. The area integral of the field (the volume of rock above and of
  water below sea level) is the same before and after, to rounding."""
        ),
        code(
            """\
out = regrid(topo, target_grid(lon_step=resolution), method=method)
out
"""
        ),
        view(
            """\
opts = dict(x="lon", y="lat", cmap="gist_earth", clim=(-6000, 6000), frame_width=420, aspect=2)
(
    topo.topo.hvplot.image(title=f"input {topo_path}", **opts)
    + out.topo.hvplot.image(title=f"{method}, {resolution} deg", **opts)
).cols(2)
"""
        ),
        md(
            """\
## Does the remapping conserve?

The mean elevation weighted by cell area, before and after, and the fraction of the planet covered by land.
With `method = "conservative"` the means agree to about 1e-9 relative; the land fraction changes a little,
because a coastal cell becomes land or ocean as a whole."""
        ),
        check(
            """\
for label, ds in (("input", topo), ("output", out)):
    area = cell_area_regular(ds.lat.values, ds.lon.values)
    mean = float((ds.topo.values * area).sum() / area.sum())
    land = float(area[ds.topo.values > 0].sum() / area.sum())
    print(f"{label:6s} {ds.sizes['lat']:4d} x {ds.sizes['lon']:4d}  mean {mean:8.1f} m  land {land:6.1%}")
"""
        ),
        md(
            """\
## Hand edits of the topography

Reconstructions are uncertain: you may want to open a seaway or raise a plateau. The `MapEditor` edits the
regridded map: select cells (box, lasso, or a range on the histogram), choose *set*, *add* or *scale*, *Apply*;
*Undo* and *Redo* restore exactly the cells you changed."""
        ),
        *editor_cells("MapEditor", "out", variable='"topo"'),
        md(BATCH_NOTE),
        code(
            """\
edited = apply_edits(out, edits)
write_netcdf(edited, topo_out_path)
"""
        ),
        md(
            """\
## Exercises

1. Set `method = "nearest"` and `resolution = 2.0` and re-run: how much does the mean elevation change? Which
   one-cell straits of the input disappear?
2. Regrid to 5 degrees conservatively: what happens to the narrow seaways, and why is that a problem for the
   ocean model (see notebook 05)?"""
        ),
        md(_ref_list(REF_JONES, REF_IPSL)),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 02 internal oceans
# ---------------------------------------------------------------------------------------------------------
INTERNAL_OCEANS = Notebook(
    "02_internal_oceans",
    [
        md(
            """\
# 02 · Internal oceans: seas cut off from the world ocean

**One idea:** ocean water only moves between two cells that share a face. A body of cells below sea level
that touches the world ocean only by a corner, or not at all, is an **internal ocean**: the ocean model
cannot exchange water, heat or salt with it, and its level drifts. Each one must be a deliberate choice:
fill it (it becomes land, or a lake for the land model) or open it (carve a channel to the world ocean).

Input: the topography on the model grid. Output: the same topography with the internal oceans filled or
opened (`topo.nc`)."""
        ),
        view(IMPORTS_VIEWS),
        code(
            """\
from climpy.edits import apply_edits, step_edits
from climpy.internal_oceans import fill_internal_oceans, internal_oceans
from climpy.io import open_topography, write_netcdf
from climpy.sample import paleogeography
"""
        ),
        params(
            """\
topo_path = "sample:1.0"
topo_out_path = "topo.nc"
edits_path = ""
fill_remaining = True
fill_height = 1.0
"""
        ),
        code(LOAD_TOPO),
        md(
            """\
## Finding them: connected components on a sphere

Label every ocean cell with the number of the body it belongs to: two ocean cells are in the same body when
a path of face-sharing (4-connected) ocean cells joins them. This is connected-component labelling
(Rosenfeld & Pfaltz, 1966), with two twists for a planet:

- the map **wraps in longitude**: a sea crossing the dateline is one body, not two;
- the **world ocean** is the body with the largest *area* (cells near the poles are small, so the body with
  the most cells is not always the largest).

Every other body is internal."""
        ),
        code(
            """\
found = internal_oceans(topo)
found
"""
        ),
        check(
            """\
print(f"{int(found.n_internal)} internal oceans found")
for body, area, n in zip(found.body.values[1:], found.area.values[1:], found.n_cells.values[1:]):
    print(f"  body {body}: {n:4d} cells, {area / 1e9:8.1f} thousand km2")
"""
        ),
        view(
            """\
found.label.where(found.label > 1).hvplot.image(
    x="lon", y="lat", cmap="Reds", title="internal oceans (by body)", frame_width=560, aspect=2, colorbar=False
) * (topo.topo > 0).hvplot.contour(x="lon", y="lat", levels=[0.5], cmap=["black"], line_width=0.5)
"""
        ),
        md(
            """\
## Look at them, and decide

The editor shows the internal oceans in red, with their count, recomputed after every edit. Select a sea
and *set* it to a positive height to fill it, or select cells of the land barrier and *set* them to a negative
depth to open a channel."""
        ),
        *editor_cells("InternalOceansEditor", "topo"),
        md(BATCH_NOTE),
        md(
            """\
## Apply the decision

Your edits are replayed first. Then every internal ocean that is left is filled to `fill_height` metres when
`fill_remaining = True` (what the original tool did), so the ocean model gets one connected ocean."""
        ),
        code(
            """\
edited = apply_edits(topo, edits)
out = fill_internal_oceans(edited, height=fill_height) if fill_remaining else edited
"""
        ),
        check(
            """\
print(f"{int(internal_oceans(out).n_internal)} internal oceans left")
"""
        ),
        code("write_netcdf(out, topo_out_path)"),
        md(
            """\
## Exercises

1. Set `fill_remaining = False` and open the largest internal sea with a one-cell channel in the editor. Does
   the count go down by one? Run notebook 05 on the result: what does it say about your channel?
2. A sea connected to the ocean only through a corner (diagonal) is internal here. Why would an 8-connected
   labelling be wrong for an ocean model on a C-grid?"""
        ),
        md(_ref_list(REF_ROSENFELD, REF_NEMO)),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 03 routing
# ---------------------------------------------------------------------------------------------------------
ROUTING = Notebook(
    "03_routing",
    [
        md(
            """\
# 03 · River routing: where the rain goes

**One idea:** every drop of rain that falls on land must find a way downhill to the sea, or the model's
ocean slowly loses water. The land model ORCHIDEE moves runoff from cell to cell along a fixed **flow
direction** (`trip`) until it reaches a river mouth. On a reconstructed map nobody has surveyed the rivers: we
derive them from the topography in three steps: **fill** the depressions, choose the **direction** of steepest
descent, and label the **basins** by their outlet.

Input: the topography without internal oceans. Output: `routing.nc`, in the layout ORCHIDEE reads
(`trip`, `basins`, `topoind`, `hdiff`, `riverl`, `orog`, north-up rows, `nav_lon`/`nav_lat`)."""
        ),
        view(IMPORTS_VIEWS),
        code(
            """\
import numpy as np

from climpy.io import open_topography, write_netcdf
from climpy.routing import route, to_routing_file
from climpy.sample import paleogeography
"""
        ),
        params(
            """\
topo_path = "sample:1.0"
routing_path = "routing.nc"
n_rivers = 199
lake_area = None
"""
        ),
        code(LOAD_TOPO),
        md(
            """\
## 1 · Fill the depressions (Priority-Flood)

A raw elevation map is full of pits: cells lower than all their neighbours, from which water cannot leave.
Some are real (a lake, an endorheic basin like the Caspian's); most are artefacts of resolution. The
**Priority-Flood** algorithm (Barnes et al., 2014) floods the map from the ocean inward: it keeps a priority
queue of the cells on the shore, always takes the lowest, and raises each unvisited neighbour to at least that
height. Every land cell ends up with a non-ascending path to the ocean, and nothing is raised more than
needed. Flats created by the filling drain towards their lower edge (Barnes et al., 2014b). The queue starts
**from the ocean**, not from the edge of the array, and wraps around in longitude: low coastal land is never
over-filled (the original tool filled from the array border).

## 2 · Directions: steepest descent, on a sphere

Each land cell drains to the one of its 8 neighbours with the steepest downhill **slope** (D8, O'Callaghan &
Mark, 1984), where slope = drop / great-circle distance: near the poles an east-west neighbour is much closer
than a north-south one. ORCHIDEE codes the result as `trip` = 1..8 (N, NE, E, SE, S, SW, W, NW), 97 for an
inland sink, 98 for a coastal outflow and 99 for a river mouth.

## 3 · Basins and river mouths

Following `trip` downstream from every cell ends at exactly one outlet; the cells sharing an outlet form a
**basin**. The `n_rivers` largest basins end in a **river mouth** (99), where ORCHIDEE delivers the river's
discharge to one ocean point; the many small coastal basins just spill along the coast (98). A closed
depression that is a real endorheic basin (like the Caspian's) can be kept as a lake instead of being filled:
with `lake_area` (m2), such basins larger than that end in an inland sink (97)."""
        ),
        code(
            """\
routing = route(topo, n_rivers=n_rivers, lake_area=lake_area)
routing
"""
        ),
        check(
            """\
trip = routing.trip.values
print(f"land cells            {int(np.isfinite(trip).sum())}")
print(f"basins                {int(np.nanmax(routing.basins.values))}")
print(f"river mouths (99)     {int((trip == 99).sum())}")
print(f"coastal outflows (98) {int((trip == 98).sum())}")
print(f"inland sinks (97)     {int((trip == 97).sum())}")
"""
        ),
        md(
            """\
## Pictures: rivers and basins

Left, the **rivers**: the area drained through each cell (upstream area, logarithmic), so the big rivers stand
out as bright lines. Right, the **basins**, each in its own colour."""
        ),
        view(
            """\
opts = dict(x="lon", y="lat", frame_width=420, aspect=2)
rivers = np.log10(routing.upstream_area).rename("log10 upstream area (m2)")
(
    rivers.hvplot.image(cmap="Blues", title="rivers: log10 upstream area", **opts)
    + routing.basins.hvplot.image(cmap="glasbey", title="basins", colorbar=False, **opts)
).cols(2)
"""
        ),
        md(
            """\
How big are the basins? The area of a basin is the upstream area of its outlet. A handful of continental
rivers drain most of the land; hundreds of tiny coastal basins drain the rest."""
        ),
        view(
            """\
outlets = routing.upstream_area.where(routing.trip >= 97)
basin_km2 = np.log10(outlets / 1e6).rename("log10 basin area (km2)")
basin_km2.hvplot.hist(bins=40, title="basin areas", ylabel="basins", frame_width=500)
"""
        ),
        code("write_netcdf(to_routing_file(routing), routing_path)"),
        md(
            """\
## Exercises

1. Set `n_rivers = 20` and re-run. What happens to the discharge of the other basins in the model? Why does
   ORCHIDEE care whether a basin ends in a river mouth (99) or a coastal outflow (98)?
2. Set `lake_area = 1e10` (10 000 km2) and re-run: how many inland sinks (97) appear, and where? What happens
   to the water of such a basin in the model?"""
        ),
        md(_ref_list(REF_BARNES, REF_BARNES_FLATS, REF_OCALLAGHAN, REF_GUIMBERTEAU, REF_ORCHIDEE)),
    ],
)


# the ocean-grid steps read a bathymetry on ORCA; standalone they build it from the sample map on an
# ORCA2-shaped grid (182 x 149, two overlap columns, north fold) from climpy.testing
LOAD_BATHY = """\
if bathy_path.startswith("sample:"):
    sample = paleogeography(resolution=float(bathy_path.removeprefix("sample:")), seed=0)
    bathy = bathymetry_on_orca(sample, orca_like_grid(149, 182))
else:
    bathy = open_bathymetry(bathy_path)
"""
IMPORT_BATHY = """\
from climpy.io import open_bathymetry, write_netcdf
from climpy.orca_products import bathymetry_on_orca
from climpy.sample import paleogeography
from climpy.testing import orca_like_grid
"""

# ---------------------------------------------------------------------------------------------------------
# 04 bathymetry on ORCA, soils, RELIEF
# ---------------------------------------------------------------------------------------------------------
BATHYMETRY = Notebook(
    "04_bathymetry_orca",
    [
        md(
            """\
# 04 · The ocean grid: bathymetry on ORCA2 (and soils, RELIEF)

**One idea:** the ocean model does not use the atmosphere's latitude-longitude grid. NEMO runs on **ORCA2**,
a curvilinear grid of 182 x 149 cells whose north pole is moved onto land (two poles, in Asia and North America
for today's geography) so that no grid point sits on the singular geographic pole (Madec & Imbard, 1996). The
bathymetry must be sampled onto that grid, and its land-sea mask becomes the ocean's coastline.

Input: the topography (after internal oceans) and, optionally, an ORCA grid file. Outputs: `bathy.nc`
(`Bathymetry`, metres, **positive down**, 0 on land, `nav_lon`/`nav_lat`), and two products of the same
topography for the land and atmosphere models: the **soils** (colour and texture classes) and the 1/6 degree
**RELIEF** from which LMDZ derives its sub-grid orography."""
        ),
        view(IMPORTS_VIEWS),
        code(
            """\
import xarray as xr

from climpy.io import open_topography, write_netcdf
from climpy.orca_products import bathymetry_on_orca, relief, soils
from climpy.sample import paleogeography
from climpy.testing import orca_like_grid
"""
        ),
        params(
            """\
topo_path = "sample:1.0"
orca_grid_path = ""
bathy_path = "bathy.nc"
soils_path = "soils.nc"
relief_path = "relief.nc"
method = "nearest"
min_depth = 10.0
"""
        ),
        code(LOAD_TOPO),
        md(
            """\
## The ORCA grid

Give the grid file of your paleo-ORCA configuration in `orca_grid_path` (e.g. `paleorca2_40Ma_grid.nc`, with
2-D `lat`/`lon`). Without one (`orca_grid_path = ""`), the lesson uses an ORCA2-shaped grid from
`climpy.testing`: the same 182 x 149 layout with the same topology, two **overlap columns** (column 0 repeats
column 180 and column 181 repeats column 1, so the ocean wraps around) and a **north fold** (the top row is
folded onto itself), but on a regular latitude-longitude lattice instead of the true ORCA2 mesh.

Ocean cells shallower than `min_depth` (10 m) are deepened to it, with a warning giving their count: NEMO needs at
least one full vertical level in every ocean cell, and the checks of notebook 10 refuse shallower ocean."""
        ),
        code(
            """\
orca = xr.open_dataset(orca_grid_path) if orca_grid_path else orca_like_grid(149, 182)
bathy = bathymetry_on_orca(topo, orca, method=method, min_depth=min_depth)
bathy
"""
        ),
        check(
            """\
depth = bathy.Bathymetry.values
ocean = depth > 0
print(f"grid {depth.shape[1]} x {depth.shape[0]}, ocean cells {int(ocean.sum())} ({ocean.mean():.0%})")
print(f"depth {depth[ocean].min():.0f} .. {depth[ocean].max():.0f} m")
"""
        ),
        md(
            """\
The bathymetry in index space (what NEMO sees), and its histogram. Shelves (< 200 m) and abyssal plains
(4000-6000 m) are the two humps of a realistic hypsometry."""
        ),
        view(
            """\
b = bathy.Bathymetry.where(bathy.Bathymetry > 0).rename("depth (m)")
b = b.assign_coords(x=b.x, y=b.y)  # index coordinates: the grid as NEMO sees it
(
    b.hvplot.image(x="x", y="y", cmap="Blues", title="Bathymetry on ORCA", frame_width=420)
    + b.hvplot.hist(bins=60, title="depth histogram", frame_width=360)
).cols(2)
"""
        ),
        md(
            """\
## Soils and RELIEF

**Soils** (`soilcolor`, `soiltext`) give ORCHIDEE a bare-soil colour (albedo) class and a texture class per land
cell; with no soil map for the past, every land cell gets one default class. **RELIEF** is the topography
resampled to 1/6 degree, from which LMDZ computes its sub-grid orography (gravity-wave drag) parameters; the
original tool zeroed three columns at the dateline and three rows at each pole, this one does not."""
        ),
        code(
            """\
soil = soils(topo)
rel = relief(topo)
write_netcdf(bathy, bathy_path)
write_netcdf(soil, soils_path)
write_netcdf(rel, relief_path)
"""
        ),
        md(
            """\
## Exercises

1. Set `method = "mean"` (the area-weighted mean of the source cells) and compare the ocean cell count and the
   depth histogram with `"nearest"`. Which one keeps one-cell straits open?
2. If you have `paleorca2_40Ma_grid.nc`, give it in `orca_grid_path`. Plot `orca.lat`: where are the grid's
   two northern poles, and why does the ORCA2 resolution vary with latitude?"""
        ),
        md(_ref_list(REF_MADEC_IMBARD, REF_NEMO, REF_ORCHIDEE)),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 05 passages
# ---------------------------------------------------------------------------------------------------------
PASSAGES = Notebook(
    "05_passages",
    [
        md(
            """\
# 05 · Diffusive passages: straits one cell wide

**One idea:** NEMO computes velocities on the *faces* between tracer cells (an Arakawa C-grid). In a strait one
cell wide, every velocity point across the strait touches land on both sides; with the lateral boundary
condition the flow through it is choked, and tracers mostly leak through by diffusion. Such a **diffusive
passage** is rarely what the paleogeographer meant: either the seaway was open (widen it to two cells) or it
was closed (fill it). This notebook finds them and makes the choice explicit.

Input: the bathymetry on ORCA. Output: the corrected bathymetry (`bathy.nc`)."""
        ),
        view(IMPORTS_VIEWS),
        code(
            """\
from climpy.edits import apply_edits, step_edits
from climpy.passages import close_passages, passages, widen_passages
"""
            + IMPORT_BATHY
        ),
        params(
            """\
bathy_path = "sample:1.0"
bathy_out_path = "bathy_passages.nc"
edits_path = ""
fix = "widen"
"""
        ),
        code(LOAD_BATHY),
        md(
            """\
## Templates on a wrapping grid

A cell is a **meridional** passage when it is ocean, with ocean to its north and south and land to its east and
west (a channel running north-south), and a **zonal** passage in the transposed case: the 3x3 templates of the
original tool. On ORCA the search must wrap: the two overlap columns repeat columns 180 and 1, so a passage
there would be counted twice if you forgot them (the original tool reported twice the real number), and the
north fold joins the top row with itself."""
        ),
        code(
            """\
found = passages(bathy)
found
"""
        ),
        check(
            """\
print(f"{int(found.n_passages)} diffusive passages found: "
      f"{int(found.n_meridional)} meridional, {int(found.n_zonal)} zonal")
"""
        ),
        md(
            """\
The editor marks each passage; select cells and *set* a depth to widen a strait, or 0 to close it. Whatever is
left when you are done is handled by `fix`: `"widen"` (turn a land neighbour into ocean), `"close"` (turn the
passage into land), or `"none"` to keep them on purpose."""
        ),
        *editor_cells("PassagesEditor", "bathy"),
        md(BATCH_NOTE),
        code(
            """\
edited = apply_edits(bathy, edits)
if fix == "widen":
    out = widen_passages(edited)
elif fix == "close":
    out = close_passages(edited)
else:
    out = edited
"""
        ),
        check(
            """\
print(f"{int(passages(out).n_passages)} diffusive passages left after fix={fix!r}")
"""
        ),
        code("write_netcdf(out, bathy_out_path)"),
        md(
            """\
## Exercises

1. Compare `fix = "widen"` and `fix = "close"`: which ocean basins become disconnected when the passages are
   closed (run `climpy.internal_oceans.internal_oceans` on the result)?
2. The Drake Passage and the Panama seaway are often one or two ORCA2 cells wide in Eocene maps. Why does
   their width matter so much for the climate the model produces?"""
        ),
        md(_ref_list(REF_NEMO, REF_MADEC_IMBARD)),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 06 sub-basins
# ---------------------------------------------------------------------------------------------------------
SUBBASINS = Notebook(
    "06_subbasins",
    [
        md(
            """\
# 06 · Sub-basins: which ocean is the Atlantic?

**One idea:** many ocean diagnostics are computed per basin: the Atlantic meridional overturning circulation
(AMOC), the heat transport of the Indo-Pacific. NEMO reads three masks, `atlmsk`, `pacmsk` and `indmsk`, from
the sub-basins file. On a paleogeography the basins have no names yet: we make a first guess from connectivity
and longitude, then you correct the boundaries where your continents disagree.

Input: the bathymetry on ORCA (after passages). Output: `subbasins.nc` (`atlmsk`, `pacmsk`, `indmsk`,
`navlat`, `navlon`), the layout of the original tool."""
        ),
        view(IMPORTS_VIEWS),
        code(
            """\
from climpy.edits import apply_edits, step_edits
from climpy.subbasins import subbasins
"""
            + IMPORT_BATHY
        ),
        params(
            """\
bathy_path = "sample:1.0"
subbasins_path = "subbasins.nc"
edits_path = ""
"""
        ),
        code(LOAD_BATHY),
        md(
            """\
## A first guess

Seed points (one or more per basin, in latitude and longitude) are snapped to the world ocean; every ocean cell
joins the basin of the seed it reaches first through the ocean, without crossing land. Every world-ocean cell
ends up in exactly one basin; land and internal oceans in none. So the masks follow the coastlines: where two
basins meet in open water (south of Africa, in the Southern Ocean) the boundary is a convention."""
        ),
        code(
            """\
first_guess = subbasins(bathy)
first_guess
"""
        ),
        md(
            """\
## Moving a boundary

The editor shows the bathymetry with the three basins recomputed live. Where a boundary runs through a narrow
gap (a strait between two basins), closing or deepening a few cells moves it. The edits of this step only
shape the masks: the bathymetry the ocean model reads is the output of notebook 05."""
        ),
        *editor_cells("SubBasinsEditor", "bathy"),
        md(BATCH_NOTE),
        code("out = subbasins(apply_edits(bathy, edits))"),
        check(
            """\
for name in ("atlmsk", "pacmsk", "indmsk"):
    print(f"{name}: {int(first_guess[name].sum())} ocean cells in the first guess, {int(out[name].sum())} now")
"""
        ),
        view(
            """\
basin = (out.atlmsk + 2 * out.pacmsk + 3 * out.indmsk).rename("basin")
basin.assign_coords(x=basin.x, y=basin.y).hvplot.image(  # index coordinates, as NEMO sees the grid
    x="x", y="y", cmap="Set2", title="1 Atlantic, 2 Pacific, 3 Indian", frame_width=480
)
"""
        ),
        code("write_netcdf(out, subbasins_path)"),
        md(
            """\
## Exercises

1. Move the Atlantic-Indian boundary 20 degrees east with the editor. Which diagnostics of the model change,
   and which do not change at all (hint: does NEMO use these masks for the dynamics)?
2. In an Eocene map, is the Tethys Ocean part of the Indian Ocean or of the Atlantic? Argue with the model's
   output in mind."""
        ),
        md(_ref_list(REF_NEMO)),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 07 heat flow
# ---------------------------------------------------------------------------------------------------------
HEATFLOW = Notebook(
    "07_heatflow",
    [
        md(
            """\
# 07 · Geothermal heat flow through the sea floor

**One idea:** the Earth loses heat through the ocean floor, about 0.1 W/m2 on average but several times more on
young crust at mid-ocean ridges. It is tiny next to the sun, but it is the only heat source of the abyss and
changes the deep circulation (Emile-Geay & Madec, 2009). Without a sea-floor age map for the past, we infer age
from depth: oceanic lithosphere cools and subsides as it ages, so depth tells age.

Input: the bathymetry on ORCA (after passages). Output: `geothermal_heating.nc` (`heatflow`, mW/m2, with
`time_counter`, `time_steps`, `nav_lon`, `nav_lat`: the file NEMO reads)."""
        ),
        view(IMPORTS_VIEWS + "import hvplot.pandas  # noqa: F401\n"),
        code(
            """\
import numpy as np
import pandas as pd

from climpy.heatflow import heatflow
"""
            + IMPORT_BATHY
        ),
        params(
            """\
bathy_path = "sample:1.0"
heatflow_path = "geothermal_heating.nc"
coefficient = 490.0  # mW m-2 Ma^1/2, young sea floor: heat flow is coefficient / sqrt(age)
max_heatflow = 400.0  # mW m-2, the cap at the ridges
"""
        ),
        code(LOAD_BATHY),
        md(
            """\
## From depth to age to heat flow (Stein & Stein, 1992)

The GDH1 plate model relates ocean depth `d` (m) and sea-floor age `t` (Myr):
`d = 2600 + 365 sqrt(t)` for `t < 20`, and `d = 5651 - 2473 exp(-0.0278 t)` beyond. Inverting it gives an age for
every ocean cell; the heat flow of cooling lithosphere follows as `q = 490 / sqrt(t)` mW/m2, capped at 400 mW/m2
on the youngest crust near ridges. On shelves (shallower than `shelf_depth`) the depth-age relation does not
hold and a constant 48 mW/m2 is used. Every constant is a parameter of `climpy.heatflow.heatflow`, and a real
sea-floor age grid can replace the inversion (`age=`). Unlike the original tool, there is no gap below 5651 m
(the asymptote of the depth law) and steep cells are not left at zero: every ocean cell gets a positive value."""
        ),
        code(
            """\
hf = heatflow(bathy, coefficient=coefficient, max_heatflow=max_heatflow)
hf
"""
        ),
        check(
            """\
q = hf.heatflow.isel(time_counter=0).values
ocean = bathy.Bathymetry.values > 0
print(f"ocean cells with heat flow > 0: {int((q[ocean] > 0).sum())} of {int(ocean.sum())}")
print(f"heat flow {q[ocean].min():.1f} .. {q[ocean].max():.1f} mW/m2, median {np.median(q[ocean]):.1f}")
"""
        ),
        md(
            """\
Left, the map on the ORCA grid (index space, as NEMO sees it). Right, heat flow against depth: one curve, the
GDH1 law, with the shelf value on the left."""
        ),
        view(
            """\
h = hf.heatflow.isel(time_counter=0).where(bathy.Bathymetry > 0).rename("heat flow (mW/m2)")
h = h.assign_coords(x=h.x, y=h.y)  # index coordinates: the grid as NEMO sees it
points = pd.DataFrame({"depth (m)": bathy.Bathymetry.values[ocean], "heat flow (mW/m2)": q[ocean]})
(
    h.hvplot.image(x="x", y="y", cmap="inferno", title="geothermal heat flow", frame_width=420)
    + points.hvplot.scatter(x="depth (m)", y="heat flow (mW/m2)", size=3, alpha=0.3, frame_width=360,
                            title="heat flow against depth")
).cols(2)
"""
        ),
        code("write_netcdf(hf, heatflow_path)"),
        md(
            """\
## Exercises

1. The mean ocean heat flow of the present day is about 100 mW/m2. What is it on the sample map (weight by cell
   area)? Which parameter of `heatflow` would you change to represent a faster-spreading Cretaceous ocean?
2. Why is the heat flow *not* computed from depth on the continental shelves?"""
        ),
        md(_ref_list(REF_STEIN, REF_EMILE_GEAY, REF_NEMO)),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 08 ahmcoef
# ---------------------------------------------------------------------------------------------------------
AHMCOEF = Notebook(
    "08_ahmcoef",
    [
        md(
            """\
# 08 · ahmcoef: where the ocean is allowed to be less viscous

**One idea:** a coarse ocean model needs lateral viscosity to stay numerically stable, far more than real
sea water has. NEMO's ORCA2 configuration reduces it where it does most harm: in the **tropics**, where the
narrow equatorial currents would be smeared out, except close to **western boundaries**, where strong boundary
currents need it. The `ahmcoef` file holds `icof`, a percentage (0..100) that scales the viscosity per cell.

Input: the bathymetry on ORCA (after passages). Output: `ahmcoef.nc`."""
        ),
        view(IMPORTS_VIEWS),
        code("from climpy.ahmcoef import ahmcoef\n" + IMPORT_BATHY),
        params(
            """\
bathy_path = "sample:1.0"
ahmcoef_path = "ahmcoef.nc"
band_south = -20.0
band_north = 15.0
"""
        ),
        code(LOAD_BATHY),
        md(
            """\
## The tropical band and the western-boundary taper

The original tool hard-coded ORCA2 rows 55 to 92; here the band is chosen by **latitude** (`band_south` to
`band_north`, which selects those same rows on ORCA2), so it works on any ORCA-like grid. Inside the band,
`icof` tapers over the first ocean cells east of a coast (100, 96, 69, 31, 4, then 0 percent by default, a
parameter), so the viscosity stays high along western boundaries and drops in the open ocean. Outside the band
`icof` is 100. The overlap columns repeat their partners, so the field is continuous around the globe."""
        ),
        code(
            """\
ahm = ahmcoef(bathy, band=(band_south, band_north))
ahm
"""
        ),
        check(
            """\
icof = ahm.icof.values
print(f"icof range {icof.min():.0f} .. {icof.max():.0f} %")
print(f"cells with reduced viscosity (icof < 100): {int((icof < 100).sum())}")
"""
        ),
        view(
            """\
icof_map = ahm.icof.assign_coords(x=ahm.x, y=ahm.y)  # index coordinates, as NEMO sees the grid
icof_map.hvplot.image(x="x", y="y", cmap="viridis", title="icof (%)", frame_width=480)
"""
        ),
        code("write_netcdf(ahm, ahmcoef_path)"),
        md(
            """\
## Exercises

1. Widen the tropical band by 5 degrees on each side: how many more cells get a reduced viscosity?
2. Why would a uniform reduction everywhere in the tropics make the western boundary currents unstable?"""
        ),
        md(_ref_list(REF_NEMO)),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 09 PFT
# ---------------------------------------------------------------------------------------------------------
PFT = Notebook(
    "09_pft",
    [
        md(
            """\
# 09 · Vegetation: plant functional types by latitude band

**One idea:** ORCHIDEE does not simulate species but 13 **plant functional types** (PFTs: bare soil, tropical
broad-leaved evergreen trees, temperate needleleaf, C3 and C4 grasses, crops, ...). For each land cell it needs
the maximum fraction of each PFT, `maxvegetfrac`. For a deep-time climate there is no vegetation map, so a
common first choice is a table of **latitude bands**, each with a mix of PFTs that sums to 100 %, applied to
both hemispheres (or with a different table in the south).

Input: the routing file (its land-sea mask, the land of the land model). Output: the PFT map (`maxvegetfrac`,
fraction 0..1 per PFT, missing on the ocean)."""
        ),
        view(IMPORTS_VIEWS),
        code(
            """\
from climpy.edits import apply_edits, step_edits
from climpy.io import open_topography, write_netcdf
from climpy.pft import pft, pft_table_dataset
from climpy.sample import paleogeography
"""
        ),
        params(
            """\
routing_path = "sample:1.0"
pft_path = "pft.nc"
edits_path = ""
"""
        ),
        code(
            """\
land = (
    paleogeography(resolution=float(routing_path.removeprefix("sample:")), seed=0)
    if routing_path.startswith("sample:")
    else open_topography(routing_path, variable="orog", nan_policy="ocean")  # routing.nc: NaN on the ocean
)
"""
        ),
        md(
            """\
## The table

Rows are latitude bands (upper edge in degrees of absolute latitude, from the equator poleward), columns the 13
PFTs, in percent; every row must sum to 100. The default is the original tool's table, a rough conversion of
BIOME4 megabiomes to ORCHIDEE PFTs. In the editor, select cells of the table image (x = PFT, y = band), *set* a
value and *Apply*: the vegetation map on the right is recomputed, and the table says which row no longer sums
to 100."""
        ),
        *editor_cells("PFTEditor", "land", edits_on="pft_table_dataset()"),
        md(BATCH_NOTE.replace("on the input", "on the default table")),
        code(
            """\
table = apply_edits(pft_table_dataset(), edits)
veg = pft(land, latitudes=table.band_lat.values, table=table.pft_table.values)
veg
"""
        ),
        check(
            """\
frac = veg.maxvegetfrac.isel(time_counter=0)
on_land = frac.notnull().all("veget")
total = frac.sum("veget").where(on_land)
print(f"{frac.sizes['veget']} PFTs, {int(on_land.sum())} land cells")
print(f"sum of the fractions on land: {float(total.min()):.3f} .. {float(total.max()):.3f}")
"""
        ),
        view(
            """\
frac.hvplot.image(x="lon", y="lat", groupby="veget", cmap="YlGn", clim=(0, 1), frame_width=480,
                  aspect=2, widget_location="bottom", title="maxvegetfrac")
"""
        ),
        code("write_netcdf(veg, pft_path)"),
        md(
            """\
## Exercises

1. Make the southern subtropics drier: give the 15-35 degree band more bare soil (PFT 1) and C4 grass (PFT 11).
   What does `climpy.pft.pft` say if a row does not add up to 100?
2. Why is a latitude-band vegetation a poor choice for a world with a large continent in the tropics?"""
        ),
        md(_ref_list(REF_ORCHIDEE)),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 10 checks
# ---------------------------------------------------------------------------------------------------------
CHECKS = Notebook(
    "10_checks",
    [
        md(
            """\
# 10 · Consistency checks across the files

**One idea:** each component reads its own file on its own grid, and the coupler exchanges fluxes where they
overlap. If the atmosphere's land-sea mask says "ocean" where the ocean grid says "land", heat and water are
lost or invented at that coast. Before any model run, check that the products agree.

Inputs: the topography, the routing file and the final bathymetry. Output: a text report (`checks.txt`)."""
        ),
        code(
            """\
import xarray as xr

from climpy.checks import run_checks
from climpy.io import open_topography
from climpy.routing import route, to_routing_file
"""
            + IMPORT_BATHY
        ),
        params(
            """\
topo_path = "sample:1.0"
routing_path = "sample:1.0"
bathy_path = "sample:1.0"
report_path = "checks.txt"
min_depth = 10.0
"""
        ),
        code(
            LOAD_TOPO
            + """routing = (
    to_routing_file(route(topo)) if routing_path.startswith("sample:") else xr.open_dataset(routing_path)
)
"""
            + LOAD_BATHY
        ),
        md(
            """\
## What is checked

- the land-sea masks of the topography and the routing file agree cell by cell (error otherwise);
- each ocean-grid cell against the atmosphere cell that contains it: coastal disagreements between grids of
  different resolutions are expected (warning), an ocean the atmosphere does not see at all is an error;
- no ocean shallower than `min_depth` (NEMO needs at least one full level);
- the singular points of the ORCA grid (its poles, on the north fold) are on land;
- internal oceans and diffusive passages left on the ocean grid, and the pole checks of the original tool
  (ocean south of 78 S, a mix of land and ocean north of 86 N), as warnings."""
        ),
        code("report = run_checks(topo=topo, routing=routing, bathy=bathy, min_depth=min_depth)"),
        check(
            """\
for result in report.results:
    print(f"{result.severity:7s} {result.name}: {result.count} cells")
print("OK: no error" if report.ok else f"{len(report.errors)} error(s)")
"""
        ),
        md("The full report, as `climpy check` prints it (also written to `report_path`):"),
        code(
            """\
text = report.format()
with open(report_path, "w") as f:
    f.write(text + "\\n")
print(text)
"""
        ),
        md(
            """\
## Exercises

1. Edit one coastal cell of the topography in notebook 01 (turn a land cell into ocean) and re-run the pipeline
   up to here: which check catches it, and where?
2. Which of these checks would the coupler (OASIS) itself catch at run time, and which would silently give a
   wrong climate?"""
        ),
        md(_ref_list(REF_OASIS, REF_NEMO)),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 11 coupling weights
# ---------------------------------------------------------------------------------------------------------
WEIGHTS = Notebook(
    "11_coupling_weights",
    [
        md(
            """\
# 11 · Coupling weights: how the atmosphere and the ocean exchange fluxes

**One idea:** LMDZ (atmosphere) and NEMO (ocean) run on different grids, a 96 x 95 latitude-longitude grid and
the curvilinear ORCA2 grid. Every coupling time step, the coupler OASIS moves heat, water and momentum fluxes
from one grid to the other by multiplying with a sparse matrix of **remapping weights**. If the weights are
*conservative*, the ocean receives exactly the heat the atmosphere gives away: no energy is created or lost at
the interface, which matters over the thousands of years of a deep-time simulation.

Inputs: the routing file (its land-sea mask is the atmosphere's), the final bathymetry on ORCA (its mask is the
ocean's) and the ORCA grid with its cell corners. Outputs: two SCRIP remapping files, ocean -> atmosphere
(`weights_o2a.nc`) and atmosphere -> ocean (`weights_a2o.nc`), the layout OASIS reads."""
        ),
        view(IMPORTS_VIEWS),
        code(
            """\
import numpy as np
import xarray as xr

from climpy.io import open_topography
from climpy.weights import atmosphere_grid, atmosphere_mask, coupling_weights, remap
"""
            + IMPORT_BATHY
        ),
        params(
            """\
routing_path = "sample:1.0"
bathy_path = "sample:1.0"
orca_grid_path = ""
o2a_path = "weights_o2a.nc"
a2o_path = "weights_a2o.nc"
normalization = "destarea"
"""
        ),
        code(
            LOAD_BATHY
            + """orca = xr.open_dataset(orca_grid_path) if orca_grid_path else orca_like_grid(149, 182)
# the atmosphere's land-sea map: the routing file's orog is missing (NaN) on the ocean
land_sea = (
    paleogeography(resolution=float(routing_path.removeprefix("sample:")), seed=0)
    if routing_path.startswith("sample:")
    else open_topography(routing_path, variable="orog", nan_policy="ocean")
)
"""
        ),
        md(
            """\
## First-order conservative remapping (Jones, 1999)

Take a flux `F` on the source grid. The value the coupler gives a destination cell `d` is the area-weighted
mean of the source cells that overlap it: `F_d = sum_s w_ds F_s` with `w_ds = A(s ∩ d) / A(d)`, where
`A(s ∩ d)` is the area of the intersection of the two cells on the sphere. Multiply by `A(d)` and sum over `d`:
the area integral of the flux is the same on both grids, which is what *conservative* means. Jones (1999) turned
the overlap areas into line integrals around the cell edges, the method of the SCRIP library that OASIS still
uses. climpy computes the same overlaps exactly (ORCA edges are great circles, LMDZ edges meridians and
parallels) and needs the **corners** of every ORCA cell for it (`bounds_lon`, `bounds_lat`), not only centres.

Only active cells take part: ocean cells of the bathymetry (depth > 0) on one side, atmosphere cells with some
ocean on the other. Duplicated ORCA cells (the overlap columns and the north-fold row) are left out, or they
would be counted twice. Where a destination cell is **fully covered** by active source cells, its weights sum to
1; along coasts a cell is only partly covered, and with `normalization = "destarea"` its weights sum to the
covered fraction (`dst_grid_frac`), which LMDZ uses to blend the ocean flux with the land flux."""
        ),
        code(
            """\
atm = atmosphere_grid()  # LMDZ 96 x 95: the poles are the centres of half-height cells
o2a, a2o = coupling_weights(
    orca,
    atm=atm,
    ocean_mask=bathy.Bathymetry.values > 0,
    atm_mask=atmosphere_mask(land_sea, atm),
    normalization=normalization,
)
"""
        ),
        check(
            """\
for name, w in (("ocean -> atmosphere", o2a), ("atmosphere -> ocean", a2o)):
    sums = remap(w, np.ones(w.sizes["src_grid_size"]))
    full = (np.abs(w.dst_grid_frac.values - 1) < 1e-9) & (w.dst_grid_imask.values == 1)
    err = np.abs(sums[full] - 1).max()
    print(f"{name}: {w.sizes['num_links']} links, {int(full.sum())} fully covered cells,",
          "max |sum - 1| < 1e-12" if err < 1e-12 else f"max |sum - 1| = {err:.1e}")
"""
        ),
        md(
            """\
Left, the fraction of each atmosphere cell covered by active ocean cells (`dst_grid_frac` of the ocean ->
atmosphere weights): 1 over the open ocean, between 0 and 1 along the coasts. Right, the histogram of the coastal
fractions."""
        ),
        view(
            """\
frac = xr.DataArray(
    o2a.dst_grid_frac.values.reshape(atm.lat.size, atm.lon.size),
    coords={"lat": atm.lat, "lon": atm.lon},
    dims=("lat", "lon"),
    name="ocean fraction",
)
coast = frac.where((frac > 0) & (frac < 1 - 1e-9))
(
    frac.hvplot.image(x="lon", y="lat", cmap="Blues", title="ocean fraction of LMDZ cells", frame_width=420)
    + coast.hvplot.hist(bins=20, title="coastal cells", frame_width=360)
).cols(2)
"""
        ),
        code(
            """\
write_netcdf(o2a, o2a_path)
write_netcdf(a2o, a2o_path)
"""
        ),
        md(
            """\
## Exercises

1. Set `normalization = "fracarea"` and run again. What do the weights of a coastal cell sum to now? Remap a
   constant field with both normalisations: which one keeps the constant, and which one keeps the area integral?
2. Remap the ocean depth (`bathy.Bathymetry.values`) to the atmosphere with `remap(o2a, ...)` and plot it. Why is
   the result too shallow on coastal cells with `destarea`, and how would you correct it with `dst_grid_frac`?"""
        ),
        md(_ref_list(REF_JONES, REF_OASIS, REF_MADEC_IMBARD)),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 20 full pipeline
# ---------------------------------------------------------------------------------------------------------
FULL_PIPELINE = Notebook(
    "20_full_pipeline",
    [
        md(
            """\
# 20 · The whole pipeline from a cell

**One idea:** the notebooks you worked through are also the steps of a pipeline. The engine
(`climpy.pipeline`) reads `pipeline.yaml`, runs each step's notebook with papermill (one kernel per step,
independent steps in parallel), stores every output under a key that hashes the notebook, its parameters, its
inputs, its edit files and the climpy code it imports, and skips a step whose key is already built. Change one
thing, and exactly the steps downstream of it run again.

This is what `climpy run pipeline.yaml` does in a terminal; here it runs from a cell and shows the run report."""
        ),
        code(
            """\
import dataclasses
import tempfile
from pathlib import Path

from climpy.pipeline import load_pipeline, run_pipeline
"""
        ),
        params(
            """\
pipeline_path = "../pipeline.yaml"
project_dir = ""
steps = ["regrid"]
jobs = 2
"""
        ),
        md(
            """\
## The plan

The project folder holds the store of outputs and the SQLite record of every run; `project_dir = ""` uses a
fresh temporary folder, so this lesson starts from nothing each time (give a folder to keep your runs). A
*dry run* validates the pipeline file (every step, input, output and parameter) and says what would run, and
why, without starting a single kernel."""
        ),
        code(
            """\
project = Path(project_dir) if project_dir else Path(tempfile.mkdtemp(prefix="climpy-project-"))
pipe = load_pipeline(pipeline_path)
plan = run_pipeline(pipe, project=project, dry_run=True)
"""
        ),
        check(
            """\
for s in plan.steps:
    print(f"{s.step:16s} {s.status}")
print(f"kernels started: {plan.kernels_started}")
"""
        ),
        md(
            """\
## A real run

Running every step takes a few minutes on two cores (each notebook starts a kernel and imports the
visualisation stack), so by default this lesson runs only the steps listed in `steps` (they must include
everything they depend on). Set `steps = []` to run the whole pipeline."""
        ),
        code(
            """\
if steps:
    pipe = dataclasses.replace(pipe, steps={name: pipe.steps[name] for name in steps})
run = run_pipeline(pipe, project=project, jobs=jobs)
print(run.summary())
"""
        ),
        md(
            """\
Run it again: nothing changed, so every step is up to date and no kernel starts."""
        ),
        code("again = run_pipeline(pipe, project=project, jobs=jobs)"),
        check(
            """\
print("statuses:", sorted({s.status for s in again.steps}))
print(f"kernels started: {again.kernels_started}")
"""
        ),
        md(
            """\
## Where things are

`<project>/outputs/<step>/` holds the latest outputs of each step (the NetCDF files you give to IPSL), and next
to them the executed notebook of the step: open it to see exactly what ran, with every plot. Every output file
carries its provenance in its attributes (climpy version, step key, hashes of its inputs, parameters and edit
files). `climpy report RUN` writes an HTML page of a run: the DAG, the step times, links to the executed
notebooks."""
        ),
        code(
            """\
for s in run.steps:
    for name, path in s.outputs.items():
        print(f"{s.step}: {name} -> {Path(path).relative_to(run.project)}")
"""
        ),
        md(
            """\
## Exercises

1. Change `n_rivers` of the routing step (`climpy run pipeline.yaml --set routing.n_rivers=50`) and run
   again: which steps run, which are skipped? Check first with `--dry-run`.
2. Save an edit file from the internal-oceans editor to the path named in `pipeline.yaml`; what does
   `climpy status` say before you run?"""
        ),
    ],
)

# ---------------------------------------------------------------------------------------------------------
# 21 batch / ensemble on Dask
# ---------------------------------------------------------------------------------------------------------
ENSEMBLE = Notebook(
    "21_ensemble_dask",
    [
        md(
            """\
# 21 · An ensemble of paleogeographies on a Dask cluster

**One idea:** boundary conditions are rarely made once. A sensitivity study uses several reconstructions of
the same period; a class produces one map per student. Each map goes through the same steps independently:
an *embarrassingly parallel* job. **Dask** (Rocklin, 2015) runs such jobs on a cluster of worker processes: a
`LocalCluster` on your laptop, or many nodes of a computing centre with the same code.

Here we fan out over several sample paleogeographies (different random seeds), route each one on a worker, and
gather a table. For whole pipelines, the engine does the same with
`climpy run pipeline.yaml --over 'maps/*.nc' --executor dask`."""
        ),
        code(
            """\
import numpy as np
import pandas as pd
from dask.distributed import Client, LocalCluster

from climpy.routing import route
from climpy.sample import paleogeography
"""
        ),
        params(
            """\
seeds = [0, 1, 2, 3]
resolution = 2.0
n_workers = 2
"""
        ),
        code(
            """\
cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
client = Client(cluster)
client
"""
        ),
        md(
            """\
Each task builds one map and routes it, on a worker process; only the small summary comes back. `pure=False` is
not needed here because each task has its own seed (Dask would otherwise merge identical submissions)."""
        ),
        code(
            """\
def summarise(seed):
    routing = route(paleogeography(resolution=resolution, seed=seed))
    trip = routing.trip.values
    return {
        "seed": seed,
        "land cells": int(np.isfinite(trip).sum()),
        "basins": int(np.nanmax(routing.basins.values)),
        "inland sinks": int((trip == 97).sum()),
        "largest basin (10^6 km2)": round(float(np.nanmax(routing.upstream_area.values)) / 1e12, 2),
    }


futures = client.map(summarise, seeds)
table = pd.DataFrame(client.gather(futures)).set_index("seed")
"""
        ),
        check("print(table.to_string())"),
        code(
            """\
client.close()
cluster.close()
"""
        ),
        md(
            """\
## Exercises

1. Time the cell with `n_workers = 1` and `n_workers = 2`: what speed-up do you get, and why is it less than 2?
2. Add a column with the number of river mouths (`trip == 99`). Which seed has the most?"""
        ),
        md(_ref_list(REF_DASK)),
    ],
)

NOTEBOOKS: list[Notebook] = [
    START_HERE,
    REGRID,
    INTERNAL_OCEANS,
    ROUTING,
    BATHYMETRY,
    PASSAGES,
    SUBBASINS,
    HEATFLOW,
    AHMCOEF,
    PFT,
    CHECKS,
    WEIGHTS,
    FULL_PIPELINE,
    ENSEMBLE,
]
