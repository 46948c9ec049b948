"""The pipeline file: schema, loading, overrides and validation (before any kernel starts).

A pipeline is a YAML (``.yaml``/``.yml``) or TOML (``.toml``) file::

    name: ipsl-boundary-conditions
    kernel: python3                  # optional, the Jupyter kernel every step uses
    track_environment: true          # optional: package versions enter the step keys (default true)
    retries: 1                       # optional: default re-runs of a step whose kernel/worker is killed
    inputs:                          # named external input files
      topo: sample:1.0               # a path, or "sample:<resolution>[:<seed>]" (climpy.sample)
    steps:
      routing:
        notebook: notebooks/03_routing.ipynb
        parameters: {river_fraction: 0.5}          # plain literals, injected by papermill
        inputs: {topo_path: inputs.topo}           # parameter -> inputs.<name> or <step>.<output>
        outputs: {routing_path: routing.nc}        # parameter -> file name in the step's output folder
        edits: {edits_path: edits/routing.json}    # optional: parameter -> edit file (hashed like inputs)
        retries: 2                                 # optional: re-runs if its kernel or worker is killed

Rules
-----
* ``<step>.<output>`` names an output of another step by its output *parameter* name
  (``routing.routing_path``) or by its *file* name (``routing.routing.nc``); this is also what makes
  the DAG edges.
* Paths of notebooks are relative to the folder of the pipeline file; paths of external inputs and
  edit files are relative to the project folder (where ``.climpy/`` lives). A missing edit file is
  not an error: the step receives ``""`` for it (no hand edits yet).
* Every parameter the engine injects (``parameters``, ``inputs``, ``outputs`` and ``edits`` keys)
  must be declared in the notebook's cell tagged ``parameters`` (papermill convention).

Validation (:func:`validate`) reports every problem at once, one clear line each: unknown step,
unknown input, unknown output, a cycle, a missing input file or notebook, an output file written by
two steps, a parameter the notebook does not declare, a notebook without a ``parameters`` cell.
"""

from __future__ import annotations

import ast
import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from climpy._typing import PathLike
from climpy.exceptions import InputError, PipelineError

__all__ = [
    "InputRef",
    "Pipeline",
    "SpecError",
    "Step",
    "apply_overrides",
    "edit_set_path",
    "with_edit_set",
    "load_pipeline",
    "notebook_parameters",
    "parse_override",
    "validate",
]

logger = logging.getLogger(__name__)

SAMPLE_PREFIX = "sample:"


def parse_sample(value: str) -> tuple[float, int]:
    """Resolution (degrees) and seed of a ``sample:<resolution>[:<seed>]`` input (seed 0 by default).

    Raises
    ------
    ValueError
        If ``value`` is not of that form.
    """
    parts = value[len(SAMPLE_PREFIX) :].split(":")
    if not value.startswith(SAMPLE_PREFIX) or len(parts) > 2:
        raise ValueError(value)
    return float(parts[0]), int(parts[1]) if len(parts) == 2 else 0


_STEP_KEYS = {"notebook", "parameters", "inputs", "outputs", "edits", "description", "retries"}
_TOP_KEYS = {"name", "kernel", "inputs", "steps", "description", "track_environment", "retries"}
#: Re-runs of a step whose kernel or worker process is killed (out of memory, a batch system's
#: walltime, ``kill -9``), unless the pipeline or the step sets ``retries:``. A notebook error is
#: never retried: the same code on the same inputs raises it again.
DEFAULT_RETRIES = 1


class SpecError(PipelineError, InputError):
    """The pipeline file is invalid (a user input error: the CLI exits with status 2)."""


@dataclass(frozen=True)
class InputRef:
    """Where a step input comes from: an external input (``step is None``) or another step's output."""

    step: str | None
    name: str  # external input name, or the upstream *output parameter* name

    def __str__(self) -> str:
        return f"inputs.{self.name}" if self.step is None else f"{self.step}.{self.name}"


@dataclass(frozen=True)
class Step:
    """One notebook execution of the pipeline.

    Attributes
    ----------
    name : str
        Step name (unique in the pipeline).
    notebook : Path
        Absolute path of the notebook.
    parameters : dict
        Plain literal parameters injected with papermill.
    inputs : dict of str to InputRef
        Notebook parameter name -> where the file comes from.
    outputs : dict of str to str
        Notebook parameter name -> file name inside the step's output folder.
    edits : dict of str to str
        Notebook parameter name -> edit file path (relative to the project folder).
    retries : int or None
        Re-runs when the kernel or worker process is killed (None: the pipeline's ``retries``).
        Not part of the key.
    """

    name: str
    notebook: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, InputRef] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    edits: dict[str, str] = field(default_factory=dict)
    retries: int | None = None

    @property
    def upstream(self) -> list[str]:
        """Names of the steps whose outputs this step reads (sorted, unique)."""
        return sorted({r.step for r in self.inputs.values() if r.step is not None})


@dataclass(frozen=True)
class Pipeline:
    """A parsed pipeline file.

    Attributes
    ----------
    name : str
        Pipeline name.
    path : Path or None
        The file it was read from.
    inputs : dict of str to str
        External input name -> path (relative to the project) or ``sample:<resolution>``.
    steps : dict of str to Step
        Steps in file order.
    kernel : str
        Jupyter kernel name used for every step.
    track_environment : bool
        Whether the Python and package versions a step's code imports enter its key (default
        True; ``track_environment: false`` in the file turns it off, at the user's risk: an
        upgraded numba or xarray then leaves old outputs "up to date").
    """

    name: str
    path: Path | None
    inputs: dict[str, str]
    steps: dict[str, Step]
    kernel: str = "python3"
    track_environment: bool = True
    retries: int = DEFAULT_RETRIES

    def retries_of(self, step: str) -> int:
        """Re-runs allowed for ``step`` when its kernel or worker is killed."""
        r = self.steps[step].retries
        return self.retries if r is None else r

    def order(self) -> list[str]:
        """Return step names in a deterministic topological order (upstream first)."""
        from climpy.pipeline.dag import topological_order

        return topological_order({n: s.upstream for n, s in self.steps.items()})


def _read_mapping(path: Path) -> dict:
    try:
        text = path.read_text()
    except OSError as err:
        raise SpecError(f"{path}: cannot read the pipeline file ({err.strerror}); check the path") from err
    try:
        if path.suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            import yaml

            # libyaml's C loader when available: ~20x faster on a 100-step file (no-op runs)
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(text, Loader=loader)
    except Exception as err:
        raise SpecError(f"{path}: not valid {'TOML' if path.suffix == '.toml' else 'YAML'}: {err}") from err
    if not isinstance(data, dict):
        raise SpecError(f"{path}: a pipeline file must be a mapping with 'steps:' (see climpy.pipeline.spec)")
    return data


def _parse_ref(value: Any, where: str, problems: list[str]) -> InputRef | None:
    if not isinstance(value, str) or "." not in value:
        problems.append(
            f"{where}: input {value!r} must be 'inputs.<name>' or '<step>.<output>'; fix the reference"
        )
        return None
    head, rest = value.split(".", 1)
    if head == "inputs":
        return InputRef(None, rest)
    return InputRef(head, rest)


def load_pipeline(path: PathLike) -> Pipeline:
    """Read a pipeline file (YAML or TOML) without validating it against notebooks and files.

    Parameters
    ----------
    path : path
        The pipeline file (``pipeline.yaml`` / ``.yml`` / ``.toml``).

    Returns
    -------
    Pipeline

    Raises
    ------
    SpecError
        If the file cannot be read or its structure is wrong (every problem listed).
    """
    p = Path(path).resolve()
    data = _read_mapping(p)
    problems: list[str] = []
    for k in sorted(set(data) - _TOP_KEYS):
        problems.append(f"{p}: unknown top-level key {k!r}; valid keys are {sorted(_TOP_KEYS)}")
    inputs = data.get("inputs") or {}
    if not isinstance(inputs, dict):
        problems.append(f"{p}: 'inputs' must be a mapping name -> path")
        inputs = {}
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, dict) or not steps_raw:
        raise SpecError(f"{p}: 'steps' must be a non-empty mapping of step name -> step definition")
    steps: dict[str, Step] = {}
    for name, raw in steps_raw.items():
        where = f"{p}: step {name!r}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping with at least 'notebook:'")
            continue
        for k in sorted(set(raw) - _STEP_KEYS):
            problems.append(f"{where}: unknown key {k!r}; valid keys are {sorted(_STEP_KEYS)}")
        if "notebook" not in raw:
            problems.append(f"{where}: missing 'notebook:' (path of the step notebook)")
            continue
        retries = raw.get("retries")
        if retries is not None and not _is_count(retries):
            problems.append(f"{where}: 'retries' must be a whole number >= 0, not {retries!r}")
            retries = None
        refs: dict[str, InputRef] = {}
        for param, value in (raw.get("inputs") or {}).items():
            ref = _parse_ref(value, where, problems)
            if ref is not None:
                refs[str(param)] = ref
        steps[str(name)] = Step(
            name=str(name),
            notebook=(p.parent / str(raw["notebook"])).resolve(),
            parameters=dict(raw.get("parameters") or {}),
            inputs=refs,
            outputs={str(k): str(v) for k, v in (raw.get("outputs") or {}).items()},
            edits={str(k): str(v) for k, v in (raw.get("edits") or {}).items()},
            retries=retries,
        )
    track = data.get("track_environment", True)
    if not isinstance(track, bool):
        problems.append(f"{p}: 'track_environment' must be true or false, not {track!r}")
    retries = data.get("retries", DEFAULT_RETRIES)
    if not _is_count(retries):
        problems.append(f"{p}: 'retries' must be a whole number >= 0, not {retries!r}")
        retries = DEFAULT_RETRIES
    if problems:
        raise SpecError("invalid pipeline:\n  " + "\n  ".join(problems))
    return Pipeline(
        name=str(data.get("name") or p.stem),
        path=p,
        inputs={str(k): str(v) for k, v in inputs.items()},
        steps=steps,
        kernel=str(data.get("kernel") or "python3"),
        track_environment=bool(track),
        retries=retries,
    )


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _resolve_output_ref(pipe: Pipeline, ref: InputRef) -> str | None:
    """Return the upstream output *parameter* a ``<step>.<x>`` reference names, or None."""
    up = pipe.steps.get(ref.step or "")
    if up is None:
        return None
    if ref.name in up.outputs:
        return ref.name
    for param, fname in up.outputs.items():
        if fname == ref.name:
            return param
    return None


def normalise_refs(pipe: Pipeline) -> Pipeline:
    """Rewrite ``<step>.<file name>`` references to ``<step>.<output parameter>`` (unknown ones kept)."""
    steps = {}
    for name, s in pipe.steps.items():
        refs = {}
        for param, ref in s.inputs.items():
            if ref.step is not None:
                out = _resolve_output_ref(pipe, ref)
                refs[param] = InputRef(ref.step, out) if out else ref
            else:
                refs[param] = ref
        steps[name] = replace(s, inputs=refs)
    return replace(pipe, steps=steps)


def notebook_parameters(path: PathLike) -> dict[str, Any]:
    """Names (and literal values where possible) declared in a notebook's ``parameters`` cell.

    Parameters
    ----------
    path : path
        A ``.ipynb`` file.

    Returns
    -------
    dict
        Name -> value (``...`` when the assigned value is not a plain literal).

    Raises
    ------
    SpecError
        If the notebook cannot be read or has no cell tagged ``parameters``.
    """
    p = Path(path)
    try:
        nb = json.loads(p.read_text())
    except (OSError, ValueError) as err:
        raise SpecError(f"{p}: cannot read the notebook ({err}); check the 'notebook:' path") from err
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        try:
            tree = ast.parse(src)
        except SyntaxError as err:
            raise SpecError(
                f"{p}: the 'parameters' cell is not valid Python ({err.msg}, line {err.lineno})"
            ) from err
        out: dict[str, Any] = {}
        for node in tree.body:
            targets = []
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            for t in targets:
                if isinstance(t, ast.Name):
                    try:
                        out[t.id] = ast.literal_eval(value)
                    except ValueError:
                        out[t.id] = ...
        return out
    raise SpecError(
        f"{p}: no cell tagged 'parameters'; tag the cell holding the plain-literal parameters "
        "(papermill convention) so the pipeline can inject paths"
    )


def parse_override(text: str) -> tuple[str, str, Any]:
    """Parse one ``--set step.param=value`` (or ``inputs.name=path``) into ``(step, param, value)``.

    The value is read as YAML, so ``0.5`` is a float, ``true`` a bool and ``abc`` a string.

    Raises
    ------
    SpecError
        If ``text`` is not of the form ``step.param=value``.
    """
    import yaml

    if "=" not in text or "." not in text.split("=", 1)[0]:
        raise SpecError(f"--set {text!r}: expected step.param=value (for example routing.river_fraction=0.5)")
    lhs, value = text.split("=", 1)
    step, param = lhs.split(".", 1)
    try:
        parsed = yaml.safe_load(value) if value != "" else ""
    except Exception:
        parsed = value
    return step.strip(), param.strip(), parsed


def apply_overrides(pipe: Pipeline, overrides: list[tuple[str, str, Any]]) -> Pipeline:
    """Return a copy of ``pipe`` with ``--set`` overrides applied (the input is never mutated).

    ``inputs.<name>=<path>`` replaces an external input; ``<step>.<param>=<value>`` sets a parameter.
    Unknown steps are reported here; undeclared parameters by :func:`validate`.
    """
    inputs = dict(pipe.inputs)
    steps = dict(pipe.steps)
    for step, param, value in overrides:
        if step == "inputs":
            if param not in inputs:
                raise SpecError(
                    f"--set inputs.{param}: unknown input {param!r}; the pipeline inputs are {sorted(inputs)}"
                )
            inputs[param] = str(value)
            continue
        if step not in steps:
            raise SpecError(f"--set {step}.{param}: unknown step {step!r}; the steps are {sorted(steps)}")
        s = steps[step]
        steps[step] = replace(s, parameters={**s.parameters, param: value})
    return replace(pipe, inputs=inputs, steps=steps)


def validate(pipe: Pipeline, *, project: PathLike | None = None, check_files: bool = True) -> Pipeline:
    """Check a pipeline before any kernel starts; return it with references normalised.

    Parameters
    ----------
    pipe : Pipeline
        The parsed pipeline.
    project : path, optional
        Project folder external inputs are relative to (default: the current directory).
    check_files : bool
        Also check that external input files exist.

    Raises
    ------
    SpecError
        Listing every problem, one line each.
    """
    from climpy.pipeline.dag import find_cycle

    proj = Path(project or ".").resolve()
    problems: list[str] = []
    src = pipe.path or "pipeline"
    # external inputs
    for name, value in pipe.inputs.items():
        if value.startswith(SAMPLE_PREFIX):
            try:
                parse_sample(value)
            except ValueError:
                problems.append(
                    f"{src}: input {name!r} = {value!r}: expected 'sample:<resolution in degrees>[:<seed>]'"
                )
        elif check_files and not (proj / value).is_file():
            problems.append(
                f"{src}: input {name!r}: file {proj / value} does not exist; fix the path or pass "
                f"--set inputs.{name}=PATH"
            )
    # outputs written twice
    seen: dict[str, str] = {}
    for s in pipe.steps.values():
        for fname in s.outputs.values():
            if fname in seen and seen[fname] != s.name:
                problems.append(
                    f"{src}: output {fname!r} is written by two steps ({seen[fname]!r} and {s.name!r}); "
                    "rename one of them"
                )
            seen.setdefault(fname, s.name)
    # references
    for s in pipe.steps.values():
        where = f"{src}: step {s.name!r}"
        for param, ref in s.inputs.items():
            if ref.step is None:
                if ref.name not in pipe.inputs:
                    problems.append(
                        f"{where}: input {param} = {ref}: unknown input {ref.name!r}; "
                        f"declare it under 'inputs:' (known: {sorted(pipe.inputs)})"
                    )
            elif ref.step not in pipe.steps:
                problems.append(
                    f"{where}: input {param} = {ref}: unknown step {ref.step!r}; "
                    f"the steps are {sorted(pipe.steps)}"
                )
            elif _resolve_output_ref(pipe, ref) is None:
                up = pipe.steps[ref.step]
                problems.append(
                    f"{where}: input {param} = {ref}: step {ref.step!r} has no output {ref.name!r}; "
                    f"its outputs are {sorted(up.outputs)} (files {sorted(up.outputs.values())})"
                )
            elif ref.step == s.name:
                problems.append(f"{where}: input {param} reads its own output {ref}; a step cannot")
        # notebook and declared parameters
        if not s.notebook.is_file():
            problems.append(f"{where}: notebook {s.notebook} does not exist; fix 'notebook:'")
            continue
        try:
            declared = notebook_parameters(s.notebook)
        except SpecError as err:
            problems.append(f"{where}: {err}")
            continue
        for kind, names in (
            ("parameter", s.parameters),
            ("input parameter", s.inputs),
            ("output parameter", s.outputs),
            ("edits parameter", s.edits),
        ):
            for n in names:
                if n not in declared:
                    problems.append(
                        f"{where}: {kind} {n!r} is not declared in the 'parameters' cell of "
                        f"{s.notebook.name} (declared: {sorted(declared)}); add it there or fix the name"
                    )
    graph = {n: [r.step for r in s.inputs.values() if r.step in pipe.steps] for n, s in pipe.steps.items()}
    cycle = find_cycle(graph)
    if cycle:
        problems.append(f"{src}: the steps form a cycle: {' -> '.join(cycle)}; remove one of these inputs")
    if problems:
        raise SpecError("invalid pipeline:\n  " + "\n  ".join(problems))
    return normalise_refs(pipe)


def _check_set_name(name: str) -> None:
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise SpecError(
            f"--edits {name!r}: an edit set is a folder name (letters, digits, '-', '_', '.'), "
            "e.g. --edits wide_panama"
        )


def edit_set_path(rel: str, edit_set: str | None) -> str:
    """Path of an edit file in a named edit set: ``edits/routing.json`` -> ``edits/<set>/routing.json``.

    ``None`` is the default set (the path unchanged). Editors save into a set with
    ``editor.state.save_edits(edit_set_path("edits/routing.json", "wide_panama"))`` (relative to
    the project folder).

    Raises
    ------
    SpecError
        If ``edit_set`` is not a plain folder name.
    """
    if edit_set is None:
        return rel
    _check_set_name(edit_set)
    p = Path(rel)
    return str(p.parent / edit_set / p.name)


def with_edit_set(pipe: Pipeline, edit_set: str | None, *, project: PathLike | None = None) -> Pipeline:
    """Return a copy of ``pipe`` whose steps read their edit files from the named set ``edit_set``.

    A step's ``edits/<step>.json`` becomes ``edits/<set>/<step>.json``; a file missing from the
    set means no hand edits for that step in that set, as for the default set.

    Raises
    ------
    SpecError
        If the name is not a folder name, or (with ``project``) the set has no folder at all.
    """
    if edit_set is None:
        return pipe
    _check_set_name(edit_set)
    steps = {
        n: replace(s, edits={k: edit_set_path(v, edit_set) for k, v in s.edits.items()})
        for n, s in pipe.steps.items()
    }
    if project is not None:
        proj = Path(project)
        folders = sorted({str(Path(p).parent) for s in steps.values() for p in s.edits.values()})
        if folders and not any((proj / f).is_dir() for f in folders):
            parents = sorted({str(Path(f).parent) for f in folders})
            known = sorted(
                d.name
                for par in parents
                if (proj / par).is_dir()
                for d in (proj / par).iterdir()
                if d.is_dir()
            )
            raise SpecError(
                f"--edits {edit_set}: no edit set {edit_set!r}: {', '.join(str(proj / f) for f in folders)} "
                f"does not exist; save edits into it first (known sets: {known})"
            )
    return replace(pipe, steps=steps)
