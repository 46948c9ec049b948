"""Keep each curated notebook ``NN_name.ipynb`` in step with its MyST markdown source ``NN_name.md``.

The ``.md`` files are the reviewed text of the lessons; the ``.ipynb`` files are what nbval, papermill, the
pipeline (``pipeline.yaml``), Binder and the hub use. jupytext pairs them (``notebooks/jupytext.toml``):
``jupytext --sync`` writes the cells of the more recently edited file of a pair into the other and keeps the
outputs of the ``.ipynb``. This script runs that, then does the three things jupytext does not do:

* **stable cell ids**: jupytext gives a new cell a random id; here every cell's id is ``nb<NN>-<nn>`` (its
  position), so the ``.ipynb`` is a function of the ``.md`` and its stored outputs, and re-syncing an
  unchanged pair writes nothing;
* **the execution count of keep_output cells** is the one a Run All gives (nbval skips a cell without a
  count), so it stays right when a cell is inserted above;
* ``--execute``: run the notebook with papermill and store the outputs of its ``keep_output`` cells, the
  expected results nbval compares on every test run (jupytext keeps outputs, it never computes them).

Usage (from the repository root)::

    .venv/bin/python notebooks/_sync.py                       # sync every pair (jupytext) and fix ids
    .venv/bin/python notebooks/_sync.py 03_routing --execute  # ... then re-record its keep_output outputs
    .venv/bin/python notebooks/_sync.py --check               # exit 1 if a .ipynb disagrees with its .md

Only the outputs of cells whose metadata has ``keep_output: true`` are stored; every other output and count
is stripped, as the nbstripout filter (``--keep-id --keep-count``) leaves them.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from jupytext.cli import jupytext as jupytext_cli

HERE = Path(__file__).resolve().parent


def sources(names: list[str]) -> list[Path]:
    """The ``.md`` paths of the named lessons (e.g. ``03_routing``); default: every lesson."""
    found = {p.stem for pattern in ("[0-9][0-9]_*.md", "[0-9][0-9]_*.ipynb") for p in HERE.glob(pattern)}
    stems = list(dict.fromkeys(Path(n).stem for n in names)) or sorted(found)  # both files of a pair: once
    missing = [s for s in stems if not (HERE / f"{s}.md").exists() and not (HERE / f"{s}.ipynb").exists()]
    if missing:
        raise SystemExit(f"notebooks/_sync.py: no lesson {missing} in {HERE} (neither .md nor .ipynb)")
    return [HERE / f"{s}.md" for s in stems]


def cell_id(path: Path, index: int) -> str:
    """The stable id of the ``index``-th cell of a notebook: ``nb03-07`` for cell 7 of ``03_routing``."""
    return f"nb{path.name.split('_', 1)[0]}-{index:02d}"


def canonical(nb: nbformat.NotebookNode, path: Path) -> nbformat.NotebookNode:
    """``nb`` stripped, with stable ids and Run All execution counts on the keep_output cells' outputs."""
    nb = copy.deepcopy(nb)
    n_code = 0
    for i, cell in enumerate(nb.cells):
        cell.id = cell_id(path, i)
        if cell.cell_type == "code":
            n_code += 1
            if not cell.metadata.get("keep_output"):
                cell.outputs = []
            cell.execution_count = n_code if cell.outputs else None
    return nb


def write(nb: nbformat.NotebookNode, path: Path) -> bool:
    """Write ``nb`` as Jupyter and jupytext do (nbformat JSON); return whether the file changed."""
    nbformat.validate(nb)
    text = nbformat.writes(nb) + "\n"
    if path.exists() and path.read_text() == text:
        return False
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return True


def disagreements(md: Path) -> list[str]:
    """How the ``.ipynb`` paired with ``md`` differs from it (cell types, sources, metadata, ids)."""
    ipynb = md.with_suffix(".ipynb")
    if not ipynb.exists():
        return [f"{ipynb.name} missing"]
    text, nb = jupytext.read(md), nbformat.read(ipynb, as_version=4)
    problems = []
    if len(text.cells) != len(nb.cells):
        problems.append(f"{len(text.cells)} cells in {md.name}, {len(nb.cells)} in {ipynb.name}")
    for i, (a, b) in enumerate(zip(text.cells, nb.cells)):
        for key in ("cell_type", "source", "metadata"):
            if a[key] != b[key]:
                problems.append(f"cell {i} ({b.get('id')}): {key} differs")
        if b.get("id") != cell_id(md, i):
            problems.append(f"cell {i}: id {b.get('id')!r}, expected {cell_id(md, i)!r}")
    if text.metadata.get("kernelspec") != nb.metadata.get("kernelspec"):
        problems.append("kernelspec differs")
    return problems


def clean_output(out: dict) -> dict:
    """An output as it is stored: no execution count, no transient or per-run metadata."""
    out = copy.deepcopy(out)
    if "execution_count" in out:
        out["execution_count"] = None
    out.pop("transient", None)
    if "metadata" in out:
        out["metadata"] = {}
    return out


def execute(ipynb: Path) -> tuple[nbformat.NotebookNode, float]:
    """Run a notebook with papermill (default parameters); return the executed notebook and the seconds.

    It runs in a scratch copy of ``notebooks/`` next to a copy of ``pipeline.yaml`` (the folder layout the
    lessons expect), so nothing it writes lands in the repository.
    """
    import papermill as pm

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "notebooks"
        shutil.copytree(HERE, work, ignore=shutil.ignore_patterns("*.nc", "__pycache__"))
        shutil.copy(HERE.parent / "pipeline.yaml", Path(tmp) / "pipeline.yaml")
        t0 = time.perf_counter()
        out = work / f"executed-{ipynb.name}"
        pm.execute_notebook(
            str(work / ipynb.name), str(out), cwd=str(work), kernel_name="python3", progress_bar=False
        )
        return nbformat.read(out, as_version=4), time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="lessons (03_routing, or a path to either file); default all")
    ap.add_argument("--execute", action="store_true", help="re-record the outputs of keep_output cells")
    ap.add_argument("--check", action="store_true", help="report pairs that disagree, write nothing")
    args = ap.parse_args(argv)
    mds = sources(args.names)

    if args.check:
        status = 0
        for md in mds:
            for problem in disagreements(md):
                print(f"{md.name}: {problem} (run notebooks/_sync.py)")
                status = 1
        return status

    # jupytext: cell text and metadata from the newer file of each pair (a lesson that has only one of the
    # two gets the other), outputs from the .ipynb
    jupytext_cli(["--sync", "--quiet", *(str(md if md.exists() else md.with_suffix(".ipynb")) for md in mds)])
    status = 0
    for md in mds:
        ipynb = md.with_suffix(".ipynb")
        nb = canonical(nbformat.read(ipynb, as_version=4), ipynb)
        if write(nb, ipynb):
            print(f"{ipynb.name}: written")
        if not args.execute:
            continue
        try:
            ran, secs = execute(ipynb)
        except Exception as err:  # report and go on with the next notebook
            print(f"{md.stem}: FAILED: {str(err)[-2000:]}")
            status = 1
            continue
        by_id = {c.id: c for c in ran.cells}
        for cell in nb.cells:
            if cell.metadata.get("keep_output"):
                cell.outputs = [clean_output(o) for o in by_id[cell.id].get("outputs", [])]
        changed = write(canonical(nb, ipynb), ipynb)
        print(f"{md.stem}: executed in {secs:.1f} s, outputs {'changed' if changed else 'unchanged'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
