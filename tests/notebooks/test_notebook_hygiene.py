"""Hygiene of the committed notebooks and of the default pipeline (no kernel started: fast).

What is checked, per notebook: valid nbformat; exactly one ``parameters`` cell of plain literals; stripped
(no output, no execution count) except cells with ``keep_output`` metadata; at least one ``keep_output`` cell,
each carrying ``# NBVAL_CHECK_OUTPUT`` and a stored output (the lesson's expected result); a title, exercises,
references; imports in the first code cell; no science defined inside a notebook; the committed ``.ipynb``
agrees cell by cell (type, source, metadata such as tags and keep_output, stable id) with its paired MyST
markdown source ``.md`` (jupytext), and syncing the pair changes nothing. For ``pipeline.yaml``: every
parameter the engine injects is declared by the notebook, every interactive step replays an edit file.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
import uuid
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
PIPELINE = ROOT / "pipeline.yaml"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in PATHS]

#: notebooks allowed to define a function: the Dask lesson maps one over seeds (orchestration, no science)
MAY_DEFINE = {"21_ensemble_dask"}
#: the editors embedded by the interactive steps; a notebook that shows one must replay `edits_path`
EDITORS = ("MapEditor", "InternalOceansEditor", "PassagesEditor", "SubBasinsEditor", "PFTEditor")
MARKER = "# NBVAL_CHECK_OUTPUT"


def _nb(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def _parameters(nb) -> dict:
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged 'parameters', found {len(cells)}"
    params = {}
    for node in ast.parse(cells[0].source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, ast.dump(node)
        assert isinstance(node.targets[0], ast.Name), ast.dump(node)
        params[node.targets[0].id] = ast.literal_eval(node.value)  # raises on anything but a literal
    return params


def test_the_curriculum_is_complete():
    stems = {p.stem for p in PATHS}
    expected = {
        "00_start_here", "01_regrid", "02_internal_oceans", "03_routing", "04_bathymetry_orca",
        "05_passages", "06_subbasins", "07_heatflow", "08_ahmcoef", "09_pft", "10_checks",
        "11_coupling_weights", "20_full_pipeline", "21_ensemble_dask",
    }  # fmt: skip
    assert expected <= stems, f"missing notebooks: {sorted(expected - stems)}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_valid_notebook_with_python3_kernel(path):
    nb = _nb(path)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids), "cell ids must be unique"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_parameters_cell_holds_plain_literals(path):
    params = _parameters(_nb(path))
    assert params, "the parameters cell declares nothing"
    for name, value in params.items():
        if name.endswith("_path") or name == "project_dir":
            assert isinstance(value, str), f"{name} must be a string path, got {value!r}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_papermill_reads_every_parameter(path):
    # papermill's own parser (``papermill --help-notebook``, and the check behind its "Passed unknown
    # parameter" warning) gives up on a line whose comment it cannot read, e.g. one holding an "="
    from papermill.translators import PythonTranslator

    nb = _nb(path)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    seen = {p.name for p in PythonTranslator.inspect(cell)}
    assert seen == set(_parameters(nb)), f"papermill cannot parse {set(_parameters(nb)) - seen}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_outputs_stripped_except_keep_output_cells(path):
    nb = _nb(path)
    for i, c in enumerate(_code(nb)):
        if not c.metadata.get("keep_output"):
            assert c.outputs == [], f"code cell {i} ({c.source[:40]!r}) has outputs but no keep_output"
    # the committed file is what the nbstripout filter and pre-commit hook (--keep-id --keep-count: nbval
    # needs the execution count of the cells it compares) leave unchanged
    from nbstripout._utils import strip_output

    stripped = strip_output(
        copy.deepcopy(nb), keep_output=None, keep_count=True, keep_id=True,
        extra_keys=["metadata.signature", "metadata.widgets", "cell.metadata.collapsed",
                    "cell.metadata.ExecuteTime", "cell.metadata.execution", "cell.metadata.scrolled"],
    )  # fmt: skip
    assert stripped == nb


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_expected_results_are_kept_and_checked(path):
    kept = [c for c in _code(_nb(path)) if c.metadata.get("keep_output")]
    assert kept, "no keep_output cell: a lesson needs at least one expected result"
    for c in _code(_nb(path)):
        marked = MARKER in c.source.splitlines()
        assert marked == bool(c.metadata.get("keep_output")), (
            f"cell {c.id}: '# NBVAL_CHECK_OUTPUT' and keep_output metadata must go together"
        )
    for c in kept:
        assert c.outputs, f"cell {c.id}: no stored output (run notebooks/_sync.py NAME --execute)"
        assert c.execution_count, f"cell {c.id}: no execution count, so nbval would not compare it"
        for out in c.outputs:
            assert out.output_type in {"stream", "execute_result"}, f"cell {c.id}: {out.output_type} output"
            text = out.text if out.output_type == "stream" else out.data["text/plain"]
            assert "Traceback" not in text and "Error" not in text, f"cell {c.id} stored an error: {text}"
            assert str(ROOT) not in text and "/tmp/" not in text, f"cell {c.id} stores a machine path"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_lesson_structure(path):
    nb = _nb(path)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), "first cell: a title"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Exercises" in text
    if path.stem != "20_full_pipeline":
        assert "## References" in text and "doi.org/10." in text
    first = ast.parse(_code(nb)[0].source)
    for node in first.body:
        ok = isinstance(node, (ast.Import, ast.ImportFrom)) or (
            isinstance(node, ast.Expr) and ast.unparse(node) == "pn.extension()"
        )
        assert ok, f"the first code cell holds imports only, found: {ast.unparse(node)}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_no_science_defined_in_notebooks(path):
    if path.stem in MAY_DEFINE:
        pytest.skip("orchestration function allowed in this lesson")
    for c in _code(_nb(path)):
        tree = ast.parse(c.source)
        defs = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        assert not defs, f"cell {c.id} defines {defs}: move it into climpy and test it there"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_interactive_steps_replay_their_edit_file(path):
    nb = _nb(path)
    source = "\n".join(c.source for c in _code(nb))
    editors = [e for e in EDITORS if re.search(rf"\b{e}\(", source)]
    if not editors or path.stem == "00_start_here":
        pytest.skip("no editor in this step")
    params = _parameters(nb)
    assert params.get("edits_path") == "", "an interactive step declares edits_path = '' (no edits)"
    assert "apply_edits(" in source and "edits_path" in source


def _names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names a cell binds (assignments, imports, loops...) and names it reads."""
    bound, read = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return bound, read


VIEW_ONLY = re.compile(r"\.hvplot\b|\bpn\.|\bhv\.|\b(?:" + "|".join(EDITORS) + r")\(")


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_headless_cells_need_no_view_cell(path):
    """`climpy run` skips the cells tagged `view`: they must display only, and be all that displays.

    Every cell using hvplot, Panel, HoloViews or an editor is tagged `view`; no other cell reads a name that
    only a view cell binds (the headless run would raise NameError); no view cell writes a file.
    """
    view_bound: set[str] = set()
    other_bound: set[str] = set()
    for c in _code(_nb(path)):
        tree = ast.parse(c.source)
        bound, read = _names(tree)
        if "view" in c.metadata.get("tags", []):
            writes = "write_netcdf" in c.source or ".save" in c.source
            assert not writes, f"view cell {c.id} writes a file"
            view_bound |= bound - other_bound
            continue
        assert not VIEW_ONLY.search(c.source), f"cell {c.id} displays ({c.source[:50]!r}), is not tagged view"
        missing = (read & view_bound) - other_bound - bound
        assert not missing, f"cell {c.id} reads {sorted(missing)}, bound only in `view` cells"
        other_bound |= bound


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_climpy_modules_used_exist(path):
    mods = set()
    for c in _code(_nb(path)):
        for node in ast.walk(ast.parse(c.source)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("climpy"):
                mods.add(node.module)
            elif isinstance(node, ast.Import):
                mods.update(a.name for a in node.names if a.name.startswith("climpy"))
    missing = sorted(m for m in mods if importlib.util.find_spec(m) is None)
    assert not missing, f"{path.name} imports modules that do not exist: {missing}"


def test_every_notebook_has_its_markdown_source():
    sources = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.md")}
    assert sources == set(IDS), (
        f"notebooks without a .md source: {sorted(set(IDS) - sources)}, .md without a notebook: "
        f"{sorted(sources - set(IDS))}; run notebooks/_sync.py"
    )
    pairing = tomllib.loads((NOTEBOOKS / "jupytext.toml").read_text())
    assert pairing["formats"] == "ipynb,md:myst"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_agrees_with_its_markdown_source(path):
    """The .md (reviewed) and the .ipynb (run by nbval, papermill, the pipeline, the hub): the same cells."""
    import jupytext

    md, nb = jupytext.read(path.with_suffix(".md")), _nb(path)
    assert md.metadata["jupytext"]["text_representation"]["format_name"] == "myst"
    assert md.metadata["kernelspec"] == nb.metadata["kernelspec"]
    fix = f"edit {path.stem}.md and run notebooks/_sync.py (or jupytext --sync)"
    counts = f"{len(md.cells)} cells in the .md, {len(nb.cells)} in the .ipynb"
    assert len(md.cells) == len(nb.cells), f"{counts}: {fix}"
    stem = path.stem.split("_", 1)[0]
    for i, (text, cell) in enumerate(zip(md.cells, nb.cells)):
        for key in ("cell_type", "source", "metadata"):
            assert text[key] == cell[key], f"cell {i} ({cell.id}): {key} differs from the .md: {fix}"
        assert cell.id == f"nb{stem}-{i:02d}", f"cell {i}: id {cell.id!r} is not the stable one: {fix}"


def test_syncing_the_committed_pairs_changes_nothing(tmp_path):
    """`notebooks/_sync.py` (jupytext --sync, stable ids, Run All counts) on a copy writes no byte."""
    work = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, work, ignore=shutil.ignore_patterns("*.nc", "__pycache__", ".*"))
    before = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
    cmd = [sys.executable, str(work / "_sync.py")]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    after = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
    changed = sorted(n for n in after if after[n] != before.get(n))
    assert not changed, f"sync rewrote {changed}: {run.stdout}"


# ---------------------------------------------------------------------------------------------------------
# pipeline.yaml
# ---------------------------------------------------------------------------------------------------------
def _pipeline() -> dict:
    return yaml.safe_load(PIPELINE.read_text())


def test_pipeline_steps_match_their_notebooks():
    spec = _pipeline()
    outputs = {name: set(step.get("outputs", {})) for name, step in spec["steps"].items()}
    for name, step in spec["steps"].items():
        nb_path = PIPELINE.parent / step["notebook"]
        assert nb_path.exists(), f"step {name}: {step['notebook']} missing"
        declared = _parameters(_nb(nb_path))
        for group in ("parameters", "inputs", "outputs", "edits"):
            for param in step.get(group, {}):
                assert param in declared, f"step {name}: {param} ({group}) not in {nb_path.name}'s parameters"
        for ref in step.get("inputs", {}).values():
            src, _, out = ref.partition(".")
            if src == "inputs":
                assert out in spec["inputs"], f"step {name}: unknown input {ref}"
            else:
                assert out in outputs.get(src, set()), f"step {name}: {ref} is not an output of step {src}"
        for param, value in step.get("parameters", {}).items():
            assert type(value) is type(declared[param]), f"step {name}: {param}: not the notebook's type"


def test_pipeline_interactive_steps_have_edit_files():
    for name, step in _pipeline()["steps"].items():
        declared = _parameters(_nb(PIPELINE.parent / step["notebook"]))
        if "edits_path" in declared:
            assert "edits_path" in step.get("edits", {}), f"step {name}: interactive but replays no edit file"


def test_pipeline_dag_is_the_ipsl_one():
    steps = _pipeline()["steps"]
    upstream = {
        name: {r.split(".")[0] for r in s.get("inputs", {}).values() if not r.startswith("inputs.")}
        for name, s in steps.items()
    }
    assert upstream["regrid"] == set()
    assert upstream["internal_oceans"] == {"regrid"}
    assert upstream["routing"] == {"internal_oceans"}
    assert upstream["bathymetry"] == {"internal_oceans"}  # the topography, as routing reads it
    assert upstream["pft"] == {"routing"}  # the routing file's land mask, as the original's worker
    assert upstream["passages"] == {"bathymetry"}
    for step in ("subbasins", "heatflow", "ahmcoef"):
        assert upstream[step] == {"passages"}
    assert upstream["weights"] == {"routing", "passages"}  # atmosphere mask, final ocean mask


def test_pipeline_validates_with_the_engine():
    spec_mod = pytest.importorskip("climpy.pipeline.spec")
    pipe = spec_mod.load_pipeline(PIPELINE)
    spec_mod.validate(pipe, check_files=False)
    assert set(pipe.steps) == set(_pipeline()["steps"])


# ---------------------------------------------------------------------------------------------------------
# the nbval sanitize file
# ---------------------------------------------------------------------------------------------------------
def _sanitize(text: str) -> str:
    from nbval.plugin import get_sanitize_patterns

    patterns = get_sanitize_patterns((NOTEBOOKS / "sanitize.cfg").read_text())
    assert len(patterns) >= 4
    for regex, replace in patterns:
        text = re.sub(regex, replace, text)
    return text


def test_sanitize_makes_per_run_ids_equal():
    from bokeh.models import Div

    def render() -> str:  # what differs between two runs of the same Panel output
        return json.dumps({
            "root": Div().id, "doc": str(uuid.uuid4()), "comm": uuid.uuid4().hex,
            "stamp": str(int(time.time() * 1000)), "repr": f"<Column at {hex(id(object()))}>",
            "file": f"/tmp/{uuid.uuid4().hex[:8]}/routing.nc", "here": str(ROOT / "notebooks"),
        })  # fmt: skip

    a, b = render(), render()
    assert a != b
    assert _sanitize(a) == _sanitize(b)


def test_sanitize_keeps_the_lesson_numbers():
    text = "42 internal oceans found\nbasins 1234\nland cells 23456\nicof range 0 .. 100"
    assert _sanitize(text) == text
