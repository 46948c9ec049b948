"""Write binder/requirements.txt: what a Binder demo needs, pinned exactly as the project's venv.

The demo set is climpy's ``editors`` and ``pipeline`` extras plus jupyter-server-proxy (the editor
behind a launcher tile) and jupyterlab-git; not the hub, Dask, test or lint tools. pip resolves it
under requirements/constraints.txt (the venv's pins), so every version is one the test suite runs
with. Run after changing dependencies or constraints (tests/hub/test_binder.py checks the pins):
``.venv/bin/python binder/sync_requirements.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = [".[editors,pipeline]", "jupyter-server-proxy", "jupyterlab-git"]
HEADER = """\
# Binder's Python packages (repo2docker's pip buildpack): the demo set of binder/sync_requirements.py,
# pinned as requirements/constraints.txt. Generated: do not edit; binder/postBuild installs climpy.
"""


def resolve() -> list[tuple[str, str]]:
    """Resolve the demo set with pip (no install); return sorted (name, version) pairs."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed"]
        cmd += ["--report", str(report), "-c", str(ROOT / "requirements" / "constraints.txt"), *DEMO]
        subprocess.run(cmd, cwd=ROOT, check=True)
        items = json.loads(report.read_text())["install"]
    pins = {(i["metadata"]["name"], i["metadata"]["version"]) for i in items}
    return sorted((n, v) for n, v in pins if n.lower() != "climpy")


def main() -> None:
    """Write binder/requirements.txt."""
    target = ROOT / "binder" / "requirements.txt"
    pins = sorted(resolve(), key=lambda p: p[0].lower())
    target.write_text(HEADER + "".join(f"{n}=={v}\n" for n, v in pins))
    sys.stdout.write(f"wrote {target}\n")


if __name__ == "__main__":
    main()
