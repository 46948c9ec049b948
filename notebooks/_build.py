"""Write the curated notebooks from their source in ``notebooks/_content.py``.

The notebooks are data (JSON); their text lives in ``_content.py`` so that a change to a lesson is a
reviewable diff of Python strings, and every notebook gets the same skeleton: a title, a first cell of
imports, a cell tagged ``parameters`` of plain literals, one to three calls into climpy, views, the
science in a few paragraphs with references, and one or two exercises.

Usage (from the repository root)::

    .venv/bin/python notebooks/_build.py             # write notebooks/*.ipynb (stripped)
    .venv/bin/python notebooks/_build.py --execute   # ... then run each one with papermill and store the
                                                     # outputs of its ``keep_output`` cells (the expected
                                                     # results nbval compares on every test run)
    .venv/bin/python notebooks/_build.py --check     # exit 1 if a committed notebook differs from _content.py

Only the outputs of cells whose metadata has ``"keep_output": true`` are ever written, with the execution
count a Run All gives them (nbval skips a cell without one); every other output and count is stripped, as
the nbstripout filter (``--keep-id --keep-count``) leaves them. Cell ids are stable (``nb<NN>-<n>``), so
re-building an unchanged notebook gives identical bytes.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _content  # noqa: E402  (sibling module, found through the path above)

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def build(spec: _content.Notebook) -> nbformat.NotebookNode:
    """The stripped notebook for one spec (no outputs; keep_output cells carry their stored outputs)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    stem = spec.name.split("_", 1)[0]
    for i, cell in enumerate(spec.cells):
        cid = f"nb{stem}-{i:02d}"
        if cell.kind == "markdown":
            c = nbformat.v4.new_markdown_cell(cell.source.strip("\n"))
        else:
            c = nbformat.v4.new_code_cell(cell.source.strip("\n"))
            if cell.tags:
                c.metadata["tags"] = list(cell.tags)
            if cell.keep_output:
                c.metadata["keep_output"] = True
        c.id = cid
        nb.cells.append(c)
    nbformat.validate(nb)
    return nb


def dumps(nb: nbformat.NotebookNode) -> str:
    """Serialise as Jupyter does (indent 1, sorted keys, trailing newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def stored_outputs(path: Path) -> dict[str, tuple[int | None, list]]:
    """Execution counts and outputs of the keep_output cells of an existing notebook, by cell id."""
    if not path.exists():
        return {}
    nb = nbformat.read(path, as_version=4)
    kept = [c for c in nb.cells if c.metadata.get("keep_output")]
    return {c.id: (c.get("execution_count"), c.get("outputs", [])) for c in kept}


def clean_output(out: dict) -> dict:
    """An output as it is stored: no execution count, no transient or per-run metadata."""
    out = copy.deepcopy(out)
    if "execution_count" in out:
        out["execution_count"] = None
    out.pop("transient", None)
    if "metadata" in out:
        out["metadata"] = {}
    return out


def execute(nb_path: Path, workdir: Path) -> tuple[nbformat.NotebookNode, float]:
    """Run one notebook with papermill (default parameters) in ``workdir``; return it and the seconds."""
    import papermill as pm

    t0 = time.perf_counter()
    out = workdir / nb_path.name
    pm.execute_notebook(
        str(nb_path), str(out), cwd=str(workdir), kernel_name="python3", progress_bar=False
    )
    return nbformat.read(out, as_version=4), time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="notebook names (e.g. 03_routing); default all")
    ap.add_argument("--execute", action="store_true", help="run and store keep_output outputs")
    ap.add_argument("--check", action="store_true", help="compare with the committed notebooks")
    args = ap.parse_args(argv)

    specs = [s for s in _content.NOTEBOOKS if not args.names or s.name in args.names]
    status = 0
    for spec in specs:
        path = HERE / f"{spec.name}.ipynb"
        nb = build(spec)
        old = stored_outputs(path)
        for c in nb.cells:
            if c.metadata.get("keep_output") and c.id in old:
                c.execution_count, c.outputs = old[c.id]
        if args.check:
            if not path.exists() or path.read_text() != dumps(nb):
                print(f"{path.name}: differs from _content.py (run notebooks/_build.py)")
                status = 1
            continue
        path.write_text(dumps(nb))
        if args.execute:
            # run next to the notebook's folder layout (../pipeline.yaml must resolve) but write outputs
            # into a scratch copy of notebooks/ so nothing lands in the repository
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp) / "notebooks"
                shutil.copytree(HERE, work, ignore=shutil.ignore_patterns("*.nc", "__pycache__"))
                shutil.copy(HERE.parent / "pipeline.yaml", Path(tmp) / "pipeline.yaml")
                try:
                    ran, secs = execute(work / path.name, work)
                except Exception as err:  # report and go on with the next notebook
                    print(f"{spec.name}: FAILED: {str(err)[-2000:]}")
                    status = 1
                    continue
            by_id = {c.id: c for c in ran.cells}
            for n, c in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
                if c.metadata.get("keep_output"):
                    # nbval only compares a cell that has an execution count (else: "unrun reference
                    # cell"): keep the count a Run All gives, so the file is stable across re-runs
                    c.execution_count = n
                    c.outputs = [clean_output(o) for o in by_id[c.id].get("outputs", [])]
            path.write_text(dumps(nb))
            print(f"{spec.name}: executed in {secs:.1f} s")
        else:
            print(f"{spec.name}: written")
    return status


if __name__ == "__main__":
    sys.exit(main())
