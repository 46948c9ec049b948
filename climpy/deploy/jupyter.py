"""Jupyter set-up so Panel and HoloViews outputs render without internet (BokehJS inlined).

``import hvplot.xarray`` loads the HoloViews notebook extension, whose loader fetches BokehJS and
Panel's JS from a CDN; behind a firewall (class rooms, the test machine) every output stays empty.
The fix lives in the kernelspec, so it covers JupyterLab, papermill, nbval and JupyterHub alike:
the kernel gets ``PANEL_INLINE=true`` and ``HOLOVIEWSRC`` pointing at
:file:`climpy/editors/holoviewsrc.py`, which HoloViews executes at import and which sets
``notebook_extension.inline = True``. See /work/shared/PLATFORM.md ("Panel in JupyterLab offline").

Run ``python -m climpy.deploy.jupyter [--prefix PREFIX]`` (the project's setup script does).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import stat
import sys
import tempfile
from pathlib import Path

__all__ = ["HOLOVIEWSRC", "disable_announcements", "install_kernel", "kernel_env"]

logger = logging.getLogger(__name__)

#: The rc file HoloViews runs at import in climpy kernels (shipped in the package, world-readable).
HOLOVIEWSRC = Path(__file__).resolve().parents[1] / "editors" / "holoviewsrc.py"

#: The JupyterLab plugin that shows the "news / updates" toast (it fetches from the internet).
ANNOUNCEMENTS_PLUGIN = "@jupyterlab/apputils-extension:announcements"


def kernel_env() -> dict[str, str]:
    """Environment variables a kernel needs to render Panel/HoloViews outputs offline."""
    return {"PANEL_INLINE": "true", "HOLOVIEWSRC": str(HOLOVIEWSRC)}


def _write_json(path: Path, data: dict) -> None:
    # atomic: a temp file in the same folder, then os.replace
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def install_kernel(prefix: str | os.PathLike[str] = sys.prefix, *, name: str = "python3") -> Path:
    """Write the ``python3`` kernelspec of ``prefix`` with the offline-rendering environment.

    Parameters
    ----------
    prefix : path
        The environment (venv) whose ``share/jupyter/kernels/<name>/kernel.json`` is written.
    name : str
        Kernel name; ``python3`` replaces the venv's default kernel, so every notebook uses it.

    Returns
    -------
    Path
        The written ``kernel.json``. An existing spec keeps its other keys (``metadata`` ...).
    """
    prefix = Path(prefix)
    path = prefix / "share" / "jupyter" / "kernels" / name / "kernel.json"
    spec: dict = {}
    if path.exists():
        try:
            spec = json.loads(path.read_text())
        except json.JSONDecodeError:
            logger.warning("%s: unreadable kernelspec replaced", path)
    python = prefix / "bin" / "python"
    spec["argv"] = [
        str(python if python.exists() else Path(sys.executable)),
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
    ]
    spec.setdefault("display_name", "Python 3 (ipykernel)")
    spec["language"] = "python"
    spec.setdefault("metadata", {"debugger": True})
    spec["env"] = {**spec.get("env", {}), **kernel_env()}
    _write_json(path, spec)
    # the rc file must be readable by every hub user whose kernel runs it
    mode = HOLOVIEWSRC.stat().st_mode
    if not mode & stat.S_IROTH:
        try:
            HOLOVIEWSRC.chmod(mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        except OSError:
            logger.warning("%s is not world-readable; hub users' kernels cannot read it", HOLOVIEWSRC)
    logger.info("wrote %s (PANEL_INLINE, HOLOVIEWSRC=%s)", path, HOLOVIEWSRC)
    return path


def disable_announcements(prefix: str | os.PathLike[str] = sys.prefix) -> Path:
    """Disable JupyterLab's announcements toast (it polls the internet) for ``prefix``'s Lab.

    Writes ``<prefix>/etc/jupyter/labconfig/page_config.json``; other keys are kept.
    """
    path = Path(prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json"
    cfg: dict = {}
    if path.exists():
        try:
            cfg = json.loads(path.read_text())
        except json.JSONDecodeError:
            logger.warning("%s: unreadable page config replaced", path)
    cfg.setdefault("disabledExtensions", {})[ANNOUNCEMENTS_PLUGIN] = True
    _write_json(path, cfg)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``python -m climpy.deploy.jupyter [--prefix PREFIX]``."""
    parser = argparse.ArgumentParser(
        prog="python -m climpy.deploy.jupyter", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--prefix", default=sys.prefix, help="environment to configure (default: this one)")
    args = parser.parse_args(argv)
    kernel = install_kernel(args.prefix)
    page = disable_announcements(args.prefix)
    sys.stderr.write(f"climpy: offline rendering kernelspec {kernel}\nclimpy: Lab page config {page}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
