"""The project's own files agree with each other: environment.yml vs pyproject, pins, CI wiring."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PYPI = {"cf_xarray": "cf-xarray"}


def _norm(name: str) -> str:
    return CONDA_TO_PYPI.get(name, name).lower().replace("_", "-")


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", req)
    assert m, req
    return _norm(m.group(1)), m.group(2).replace(" ", "")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pyproject_deps() -> dict[str, str]:
    project = _pyproject()
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return dict(_split(r) for r in reqs)


def _conda_deps() -> tuple[dict[str, str], list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = {}
    pip = []
    for d in env["dependencies"]:
        if isinstance(d, dict):
            pip = d["pip"]
            continue
        name, spec = _split(d.replace("=", "==", 1) if re.match(r"^python=\d", d) else d)
        deps[name] = spec
    return deps, pip


def test_environment_yml_matches_pyproject():
    conda, pip = _conda_deps()
    python = conda.pop("python")
    conda.pop("pip")
    py = _pyproject_deps()
    missing = sorted(set(py) - set(conda))
    extra = sorted(set(conda) - set(py))
    assert not missing and not extra, (
        f"environment.yml drifted from pyproject.toml: missing {missing}, extra {extra}; "
        "run .venv/bin/python scripts/sync_environment.py"
    )
    differ = {n: (py[n], conda[n]) for n in py if py[n] != conda[n]}
    assert not differ, f"version specifiers differ (pyproject, environment.yml): {differ}"
    assert python == "==3.11" and "3.11" in _pyproject()["requires-python"]
    assert "-e ." in pip


def test_every_dependency_is_pinned_in_constraints():
    pins = {}
    for line in (ROOT / "requirements/constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_norm(name)] = version
    unpinned = sorted(n for n in _pyproject_deps() if n not in pins)
    assert not unpinned, f"not pinned in requirements/constraints.txt: {unpinned}; run scripts/lock.sh"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, flags=re.S)[0]
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"], commands
    ci = [ln for ln in (ROOT / ".ci/run").read_text().splitlines() if ln and not ln.startswith("#")]
    assert any(ln.strip() == "make test" for ln in ci), ci
    workflow = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    steps = [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert any(s.strip().startswith("make test") for s in steps), steps


def test_layout_exists():
    for path in [
        "climpy/__init__.py",
        "climpy/exceptions.py",
        "climpy/_typing.py",
        "climpy/kernels",
        "climpy/io",
        "notebooks",
        "binder",
        "jupyterhub_config.py",
        "environment.yml",
        "benchmarks",
        ".github/workflows/ci.yml",
        "README.md",
        "CONTRIBUTING.md",
        "CHANGELOG.md",
        "LICENSE",
        ".pre-commit-config.yaml",
    ]:
        assert (ROOT / path).exists(), f"missing {path}"
