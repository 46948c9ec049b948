"""The deployment files: Dockerfile (hadolint), GitHub workflow (actionlint), zero-to-jupyterhub values."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _tool(name: str) -> str:
    exe = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(exe).exists():
        pytest.skip(f"{name} is not installed (pip install -c requirements/constraints.txt -e .[dev])")
    return exe


def test_dockerfile_passes_hadolint():
    proc = subprocess.run([_tool("hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (ROOT / "Dockerfile").read_text()
    assert 'pip install --no-cache-dir -c requirements/constraints.txt ".[editors,pipeline,hub]"' in text
    assert "USER ${NB_USER}" in text  # never runs as root
    # The check has teeth: an unpinned base image fails it.
    bad = subprocess.run(
        [_tool("hadolint"), "-"],
        input="FROM python:latest\nRUN pip install climpy\n",
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "DL3007" in bad.stdout


def test_workflow_passes_actionlint_and_has_the_jobs_a_class_needs():
    proc = subprocess.run([_tool("actionlint"), str(WORKFLOW)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wf = yaml.safe_load(WORKFLOW.read_text())
    assert wf["permissions"] == {"contents": "read"}
    test = wf["jobs"]["test"]
    assert test["container"]["image"] == "debian:12"
    steps = {s.get("name", s.get("uses")): s for s in test["steps"]}
    assert (
        "python3.11 python3.11-venv"
        in steps["Debian packages (Python 3.11 with venv, Node.js for the proxy, git)"]["run"]
    )
    cache = next(s for s in test["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert "hashFiles('requirements/constraints.txt'" in cache["with"]["key"]
    image = wf["jobs"]["image"]
    assert image["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert image["permissions"]["packages"] == "write"
    push = "\n".join(s.get("run", "") for s in image["steps"])
    assert 'docker push "$IMAGE:$GITHUB_SHA"' in push
    binder = "\n".join(s.get("run", "") for s in wf["jobs"]["binder"]["steps"])
    assert "repo2docker --no-run" in binder


def test_z2jh_values_use_the_image_and_pull_the_course():
    values = yaml.safe_load((ROOT / "deploy" / "z2jh" / "config.yaml").read_text())
    single = values["singleuser"]
    assert single["image"]["name"].endswith("/climpy-student")
    assert single["lifecycleHooks"]["postStart"]["exec"]["command"][0] == "gitpuller"
    assert single["memory"]["limit"] and single["cpu"]["limit"]
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "generic-oauth"
    assert values["proxy"]["https"]["enabled"] is True
