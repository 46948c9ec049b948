"""Plan and run a pipeline: keys, skips, parallel execution, failure semantics, fan-out.

The runner walks the DAG in topological order. A step becomes *ready* when all its upstream steps
are done; only then is its key computable (it hashes the upstream outputs' contents). A ready step
whose key is already built is skipped without starting a kernel; otherwise it is submitted to the
executor (at most ``jobs`` in flight). When a step fails, its executed notebook is kept under
``.climpy/failed/<run>/`` with papermill's error cell, its descendants are marked ``blocked`` and
never started, independent branches continue, and the run exits non-zero. A step whose notebook
raises ``EditReplayError`` (hand edits that no longer apply after an upstream change) ends in
``needs-review``: its previous outputs stay in ``outputs/<step>/`` and nothing is overwritten.

Provenance: the engine stamps global attributes on every NetCDF output after the step ran, inside
the private work folder (so the stamp is as atomic as the store commit): ``climpy_version``,
``climpy_pipeline``, ``climpy_step``, ``climpy_step_key``, ``climpy_notebook``,
``climpy_notebook_sha256``, ``climpy_parameters``, ``climpy_inputs``, ``climpy_edits`` and
``climpy_modules`` (the last four as JSON), plus the CF ``Conventions`` and a ``history`` line
naming the pipeline, step and key. Every build also has a ``provenance.json`` with the same
content plus the output hashes, whatever the output format.

Fan-out (``over``/``grid``): the pipeline is expanded once per member (each file matched by a
glob, times each combination of a parameter grid) into one DAG of ``<member>/<step>`` nodes run as
one batch on one executor; steps whose key is the same in several members run once.
"""

from __future__ import annotations

import glob
import itertools
import json
import logging
import os
import shutil
import sys
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from climpy import __version__
from climpy._typing import PathLike
from climpy.exceptions import PipelineError, StepFailedError
from climpy.pipeline import executors as _executors
from climpy.pipeline.hashing import (
    KEY_SCHEMA,
    DistributionVersions,
    environment,
    module_hashes,
    notebook_hash,
    step_key,
    third_party_imports,
)
from climpy.pipeline.spec import (
    SAMPLE_PREFIX,
    Pipeline,
    SpecError,
    apply_overrides,
    load_pipeline,
    parse_override,
    parse_sample,
    validate,
    with_edit_set,
)
from climpy.pipeline.store import EXECUTED_NAME, Artifact, Store
from climpy.provenance import history_time

__all__ = [
    "Node",
    "RunResult",
    "StepResult",
    "accept",
    "expand",
    "pipeline_status",
    "run_pipeline",
    "select_steps",
]

logger = logging.getLogger(__name__)

DONE = {"ok", "up-to-date", "would-run"}
BAD = {"failed", "blocked", "needs-review", "interrupted"}


@dataclass(frozen=True)
class Node:
    """One step of one member of a (possibly fanned-out) pipeline run."""

    id: str
    step: str
    member: str | None
    upstream: tuple[str, ...]


@dataclass
class StepResult:
    """What happened to one node in a run (or would happen, for a dry run / status)."""

    node: str
    step: str
    member: str | None
    status: str  # ok | up-to-date | would-run | failed | blocked | needs-review | interrupted
    reason: str = ""
    key: str | None = None
    duration: float | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    executed_notebook: Path | None = None
    error_cell: int | None = None
    error_name: str = ""
    error_value: str = ""


@dataclass
class RunResult:
    """The outcome of :func:`run_pipeline`."""

    run_id: str
    project: Path
    steps: list[StepResult]
    status: str
    kernels_started: int = 0
    #: Wall-clock seconds of the run (lock to last record).
    wall: float | None = None

    @property
    def exit_code(self) -> int:
        """0 when every step is ok or up to date (or would run, for a dry run), else 1."""
        return 0 if all(s.status in DONE for s in self.steps) else 1

    def failures(self) -> list[StepFailedError]:
        """One :class:`StepFailedError` per failed or needs-review step."""
        return [
            StepFailedError(
                s.node,
                s.reason or s.step,
                cell_index=s.error_cell,
                error_name=s.error_name,
                error_value=s.error_value,
                output_notebook=str(s.executed_notebook) if s.executed_notebook else None,
            )
            for s in self.steps
            if s.status in ("failed", "needs-review")
        ]

    def summary(self) -> str:
        """Return a plain-text table (step, status, time, outputs), then where outputs and notebooks are."""
        rows = [("step", "status", "time", "outputs")]
        for s in self.steps:
            t = f"{s.duration:.1f}s" if s.duration is not None else "-"
            status = s.status
            if s.status in ("failed", "needs-review") and s.error_name:
                cell = f" cell {s.error_cell}" if s.error_cell is not None else ""
                status += f" ({s.error_name}{cell})"
            elif s.status in ("blocked", "would-run", "up-to-date", "ok") and s.reason:
                status += f" ({s.reason})"
            outs = ", ".join(sorted(p.name for p in s.outputs.values())) or "-"
            rows.append((s.node, status, t, outs))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines.append("")
        took = f" in {self.wall:.1f} s" if self.wall is not None else ""
        lines.append(f"run {self.run_id}: {self.status}{took}; {self.kernels_started} kernel(s) started")
        lines.append(f"outputs (latest of each step): {self.project / 'outputs'}/<step>/")
        lines.append(
            f"executed notebooks: {self.project / 'outputs'}/<step>/{EXECUTED_NAME}"
            f" (failed ones under {self.project / '.climpy' / 'failed' / self.run_id})"
        )
        for s in self.steps:
            if s.status in ("failed", "needs-review") and s.executed_notebook:
                lines.append(
                    f"  {s.node}: {s.status}: {s.error_name}: {s.error_value} -> {s.executed_notebook}"
                )
        return "\n".join(lines)


# ---------------------------------------------------------------------------- expansion
def _members(
    pipe: Pipeline, over: Sequence[str], grid: Sequence[str], project: Path
) -> list[tuple[str | None, dict[str, str], dict[tuple[str, str], Any]]]:
    """Members of a fan-out: (name, input overrides, parameter overrides)."""
    import yaml

    axes: list[list[tuple[str, dict[str, str], dict[tuple[str, str], Any]]]] = []
    for spec in over:
        if "=" in spec:
            name, pattern = spec.split("=", 1)
        elif len(pipe.inputs) == 1:
            name, pattern = next(iter(pipe.inputs)), spec
        else:
            raise SpecError(
                f"--over {spec!r}: the pipeline has several inputs {sorted(pipe.inputs)}; "
                "write --over NAME=GLOB"
            )
        if name not in pipe.inputs:
            raise SpecError(f"--over {spec!r}: unknown input {name!r}; the inputs are {sorted(pipe.inputs)}")
        pat = pattern if os.path.isabs(pattern) else str(project / pattern)
        files = sorted(glob.glob(pat))
        if not files:
            raise SpecError(f"--over {spec!r}: no file matches {pat}; check the pattern")
        axes.append([(_member_name(Path(f).stem), {name: f}, {}) for f in files])
    for spec in grid:
        step, param, _ = parse_override(spec.split("=", 1)[0] + "=")
        raw = spec.split("=", 1)[1].split(",")
        if step == "inputs":  # an ensemble of inputs, e.g. inputs.topo=sample:1:0,sample:1:1
            if param not in pipe.inputs:
                raise SpecError(
                    f"--grid {spec!r}: unknown input {param!r}; the inputs are {sorted(pipe.inputs)}"
                )
            axes.append([(_member_name(f"{param}-{v}"), {param: v}, {}) for v in raw])
            continue
        if step not in pipe.steps:
            raise SpecError(f"--grid {spec!r}: unknown step {step!r}; the steps are {sorted(pipe.steps)}")
        values = [yaml.safe_load(v) for v in raw]
        axes.append([(_member_name(f"{param}-{v}"), {}, {(step, param): v}) for v in values])
    if not axes:
        return [(None, {}, {})]
    members: list[tuple[str | None, dict[str, str], dict[tuple[str, str], Any]]] = []
    for combo in itertools.product(*axes):
        name = "_".join(c[0] for c in combo)
        ins: dict[str, str] = {}
        params: dict[tuple[str, str], Any] = {}
        for _, i, p in combo:
            ins.update(i)
            params.update(p)
        members.append((name, ins, params))
    return members


def _member_name(text: str) -> str:
    """Return a folder-safe member name (``outputs/<member>/<step>``)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def expand(
    pipe: Pipeline, members: list[tuple[str | None, dict[str, str], dict[tuple[str, str], Any]]]
) -> tuple[list[Node], dict[str, Pipeline]]:
    """Expand a pipeline over fan-out members into nodes (topological order) and per-member pipelines."""
    order = pipe.order()
    nodes: list[Node] = []
    pipes: dict[str, Pipeline] = {}
    for name, ins, params in members:
        mp = pipe
        if ins or params:
            mp = apply_overrides(
                pipe, [("inputs", k, v) for k, v in ins.items()] + [(s, p, v) for (s, p), v in params.items()]
            )
        pipes[name or ""] = mp

        def nid(step: str, name: str | None = name) -> str:
            return f"{name}/{step}" if name else step

        for s in order:
            nodes.append(Node(nid(s), s, name, tuple(nid(u) for u in pipe.steps[s].upstream)))
    if len(members) > 1:  # interleave members layer by layer so a batch starts every member early
        from climpy.pipeline.dag import layers

        depth = layers({n.id: n.upstream for n in nodes})
        nodes.sort(key=lambda n: depth[n.id])
    return nodes, pipes


def select_steps(pipe: Pipeline, targets: Sequence[str] = (), until: str | None = None) -> set[str] | None:
    """Return the steps a run with targets runs: the targets (and ``until``) and their ancestors.

    None (every step) when there is no target.

    Raises
    ------
    SpecError
        If a target is not a step of the pipeline.
    """
    from climpy.pipeline.dag import ancestors

    wanted = [*targets, *([until] if until else [])]
    if not wanted:
        return None
    unknown = [t for t in wanted if t not in pipe.steps]
    if unknown:
        raise SpecError(f"unknown step(s) {unknown}: the steps of {pipe.name} are {sorted(pipe.steps)}")
    graph = {n: s.upstream for n, s in pipe.steps.items()}
    chosen = set(wanted)
    for t in wanted:
        chosen |= ancestors(graph, t)
    return chosen


def _expand_with_set(
    pipe: Pipeline,
    members: list[tuple[str | None, dict[str, str], dict[tuple[str, str], Any]]],
    edit_set: str | None,
    project: Path,
) -> tuple[list[Node], dict[str, Pipeline]]:
    """:func:`expand`, with every member under ``<set>/`` reading the edit set ``edit_set``."""
    if edit_set is None:
        return expand(pipe, members)
    with_edit_set(pipe, edit_set, project=project)  # a clear error for an unknown set
    members = [(f"{edit_set}/{m}" if m else edit_set, ins, ps) for m, ins, ps in members]
    nodes, pipes = expand(pipe, members)
    return nodes, {m: with_edit_set(mp, edit_set) for m, mp in pipes.items()}


# ---------------------------------------------------------------------------- the runner
class _Runner:
    def __init__(
        self, pipe: Pipeline, store: Store, run_id: str, *, dry_run: bool, module_root: PathLike | None = None
    ) -> None:
        self.module_root = Path(module_root) if module_root else None
        self.pipe = pipe
        self.store = store
        self.run_id = run_id
        self.dry_run = dry_run
        self._nb_cache: dict[Path, tuple[str, dict[str, str], dict | None]] = {}
        self._input_cache: dict[str, Path] = {}
        self._dists = DistributionVersions()

    def log(self, level: int, node: str, msg: str, *args: Any) -> None:
        logger.log(
            level,
            f"[run {self.run_id} step {node}] {msg}",
            *args,
            extra={"run_id": self.run_id, "step": node},
        )

    def notebook_info(self, nb: Path) -> tuple[str, dict[str, str], dict | None]:
        """Notebook hash, climpy module hashes and environment fingerprint (None if not tracked)."""
        if nb not in self._nb_cache:
            env = None
            if self.pipe.track_environment:
                mods = third_party_imports(nb, root=self.module_root)
                env = environment(mods, distributions=self._dists)
            self._nb_cache[nb] = (notebook_hash(nb), module_hashes(nb, root=self.module_root), env)
        return self._nb_cache[nb]

    def external(self, value: str) -> Path:
        """Path of an external input, materialising ``sample:<res>`` once per project."""
        if value in self._input_cache:
            return self._input_cache[value]
        if value.startswith(SAMPLE_PREFIX):
            res, seed = parse_sample(value)
            path = self.store.root / "inputs" / f"sample_{res:g}deg_seed{seed}.nc"
            if not path.is_file():
                _materialise_sample(res, seed, path)
        else:
            path = (self.store.project / value).resolve()
        self._input_cache[value] = path
        return path

    def plan(
        self,
        node: Node,
        pipe: Pipeline,
        outputs: dict[str, dict[str, Artifact]],
        paths: dict[str, dict[str, Path]],
    ) -> tuple[dict, dict[str, Any], dict]:
        """Components, injected path parameters, and edit records of a ready node."""
        s = pipe.steps[node.step]
        nb_hash, mods, env = self.notebook_info(s.notebook)
        in_hashes: dict[str, str] = {}
        inject: dict[str, Any] = {}
        ups = {u.split("/")[-1]: u for u in node.upstream}
        for param, ref in s.inputs.items():
            if ref.step is None:
                p = self.external(pipe.inputs[ref.name])
                in_hashes[param] = self.store.file_hash(p)
            else:
                up = ups[ref.step]
                in_hashes[param] = outputs[up][ref.name].sha256
                p = paths[up][ref.name]
            inject[param] = str(p)
        edits: dict[str, tuple[str, str | None]] = {}
        for param, rel in s.edits.items():
            p = (self.store.project / rel).resolve()
            h = self.store.file_hash(p) if p.is_file() else None
            edits[param] = (rel, h)  # project-relative: outputs do not depend on where the project is
            inject[param] = str(p) if h else ""
        comps = {
            "climpy": [__version__, KEY_SCHEMA],
            "kernel": pipe.kernel,
            "notebook": nb_hash,
            "parameters": s.parameters,
            "inputs": in_hashes,
            "edits": {k: v[1] for k, v in edits.items()},
            "outputs": s.outputs,
            "modules": mods,
        }
        if env is not None:
            comps["environment"] = env
        return comps, inject, edits


def _materialise_sample(res: float, seed: int, path: Path) -> None:
    try:
        from climpy.sample import paleogeography
    except ImportError as err:
        raise PipelineError(
            f"input 'sample:{res:g}' needs climpy.sample.paleogeography, which is not available "
            f"({err}); give a file path instead"
        ) from err
    from climpy.io import write_netcdf  # atomic: temp file in the same folder, then os.replace

    write_netcdf(paleogeography(resolution=res, seed=seed), path)


def _load(pipeline: Pipeline | PathLike, project: Path, overrides: Sequence[str]) -> Pipeline:
    pipe = pipeline if isinstance(pipeline, Pipeline) else load_pipeline(pipeline)
    if overrides:
        pipe = apply_overrides(pipe, [parse_override(o) for o in overrides])
    return pipe


def _new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def run_pipeline(
    pipeline: Pipeline | PathLike,
    *,
    project: PathLike = ".",
    overrides: Sequence[str] = (),
    over: Sequence[str] = (),
    grid: Sequence[str] = (),
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    dry_run: bool = False,
    wait_lock: bool | float = False,
    progress: bool | None = None,
    cell_timeout: float | None = None,
    argv: Sequence[str] = (),
    module_root: PathLike | None = None,
    views: bool = False,
    targets: Sequence[str] = (),
    until: str | None = None,
    edit_set: str | None = None,
) -> RunResult:
    """Run (or plan, with ``dry_run``) a pipeline in a project folder.

    Parameters
    ----------
    pipeline : Pipeline or path
        The pipeline, or its YAML/TOML file.
    project : path
        Project folder holding ``.climpy/`` and ``outputs/`` (default: current directory).
    overrides : sequence of str
        ``step.param=value`` or ``inputs.name=path`` (``--set``).
    over : sequence of str
        Fan-out globs, ``GLOB`` or ``INPUT=GLOB`` (``--over``): one member per matching file.
    grid : sequence of str
        Parameter grid, ``step.param=v1,v2`` (``--grid``): one member per value (cartesian product).
    jobs : int
        Maximum number of steps running at once (kernels).
    executor : {'local', 'dask'}
        Where notebooks run (see :mod:`climpy.pipeline.executors`).
    scheduler : str, optional
        Address of an existing Dask scheduler.
    dry_run : bool
        Only say what would run; start no kernel, write no output.
    wait_lock : bool or float
        Wait for another run holding the project lock (True: forever; seconds) instead of failing.
    progress : bool, optional
        Show progress bars (default: when stderr is a terminal).
    cell_timeout : float, optional
        Timeout of each cell in seconds.
    argv : sequence of str
        Command line recorded with the run.
    module_root : path, optional
        The ``climpy`` source folder whose modules are hashed into step keys (default: the
        imported climpy package, which is also what the kernels import).
    views : bool
        Also run the notebook cells tagged ``view`` (maps, editors), so the executed notebooks
        show figures; by default a batch run skips them (they compute nothing the outputs use).
    targets : sequence of str
        Run only these steps and what they need (their ancestors); default: every step.
    until : str, optional
        Run only this step and its ancestors (``--until``; combines with ``targets``).
    edit_set : str, optional
        Replay the named edit set ``edits/<set>/<step>.json`` instead of ``edits/<step>.json``
        (``--edits``). Nodes are then ``<set>/<step>`` and outputs go to ``outputs/<set>/<step>/``;
        steps whose edit files are the same in two sets share their builds.

    Returns
    -------
    RunResult
        Per-step statuses; ``exit_code`` is non-zero when a step failed, is blocked or needs review.

    Raises
    ------
    SpecError
        If the pipeline is invalid (before any kernel starts).
    LockedError
        If another run holds the project and ``wait_lock`` is False.
    """
    proj = Path(project).resolve()
    proj.mkdir(parents=True, exist_ok=True)
    pipe = validate(_load(pipeline, proj, overrides), project=proj, check_files=not over)
    members = _members(pipe, over, grid, proj)
    nodes, pipes = _expand_with_set(pipe, members, edit_set, proj)
    chosen = select_steps(pipe, targets, until)
    if chosen is not None:
        nodes = [n for n in nodes if n.step in chosen]
    if members[0][0] is not None and not edit_set:  # fan-out overrides may name missing files...
        for mp in pipes.values():
            validate(mp, project=proj)
    if progress is None:
        progress = sys.stderr.isatty()
    store = Store(proj)
    run_id = _new_run_id()
    try:
        store.lock.acquire(wait=wait_lock, info=f"run {run_id}")
        t_start = time.perf_counter()
        store.repair()
        store.start_run(
            run_id,
            str(pipe.path),
            executor=executor,
            jobs=jobs,
            argv=list(argv),
            dry_run=dry_run,
            dag={n.id: list(n.upstream) for n in nodes},
            edit_set=edit_set,
        )
        runner = _Runner(pipe, store, run_id, dry_run=dry_run, module_root=module_root)
        logger.info(
            "[run %s] %d step(s), executor %s, %d job(s)%s",
            run_id,
            len(nodes),
            executor,
            jobs,
            " (dry run)" if dry_run else "",
            extra={"run_id": run_id},
        )
        try:
            results, kernels = _execute(
                runner,
                nodes,
                pipes,
                jobs=jobs,
                executor=executor,
                scheduler=scheduler,
                progress=progress,
                cell_timeout=cell_timeout,
                views=views,
            )
        except BaseException:
            store.finish_run(run_id, "interrupted")
            raise
        status = "ok" if all(r.status in DONE for r in results) else "failed"
        store.finish_run(run_id, "dry-run" if dry_run else status)
        logger.info(
            "[run %s] finished: %s, %d kernel(s) started", run_id, status, kernels, extra={"run_id": run_id}
        )
        return RunResult(run_id, proj, results, status, kernels, time.perf_counter() - t_start)
    finally:
        store.close()


def _execute(
    runner: _Runner,
    nodes: list[Node],
    pipes: dict[str, Pipeline],
    *,
    jobs: int,
    executor: str,
    scheduler: str | None,
    progress: bool,
    cell_timeout: float | None,
    views: bool = False,
) -> tuple[list[StepResult], int]:
    from contextlib import nullcontext

    store, run_id = runner.store, runner.run_id
    results: dict[str, StepResult] = {}
    outputs: dict[str, dict[str, Artifact]] = {}
    paths: dict[str, dict[str, Path]] = {}
    pending = [n for n in nodes]
    by_id = {n.id: n for n in nodes}
    # future -> (key, nodes, components, work folder, started, task, attempt, retry notes)
    inflight: dict[Future, tuple[str, list[str], dict, Path, float, dict, int, list[str]]] = {}
    key_owner: dict[str, Future] = {}
    kernels = 0

    try:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(nodes), desc="steps", unit="step", disable=not progress, file=sys.stderr)
    except ImportError:  # pragma: no cover - tqdm is in the [pipeline] extra
        bar = None

    def done(r: StepResult, **row: Any) -> None:
        results[r.node] = r
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"{r.node}: {r.status}")
        store.record_step(
            run_id,
            r.node,
            step=r.step,
            member=r.member,
            key=r.key,
            status=r.status,
            reason=r.reason,
            duration=r.duration,
            **row,
        )

    def view(node: Node) -> Path:
        base = store.project / "outputs"
        return base / node.member / node.step if node.member else base / node.step

    def finish_ok(
        nid: str,
        key: str,
        arts: dict[str, Artifact],
        status: str,
        duration: float | None,
        started: float | None,
        reason: str = "",
    ) -> None:
        node = by_id[nid]
        outputs[nid] = arts
        paths[nid] = {p: store.build_dir(key) / a.name for p, a in arts.items()}
        if not runner.dry_run:
            store.link_outputs(view(node), key, arts)
        done(
            StepResult(
                nid,
                node.step,
                node.member,
                status,
                reason,
                key,
                duration,
                dict(paths[nid]),
                store.build_dir(key) / EXECUTED_NAME,
            ),
            started=started,
            finished=time.time(),
            executed_notebook=str(store.build_dir(key) / EXECUTED_NAME),
        )

    _executors.get(executor)  # unknown names fail before anything starts
    for pipe in pipes.values():  # hash every notebook and its climpy imports before any step thread starts
        for s in pipe.steps.values():
            runner.notebook_info(s.notebook)
    ctx = (
        nullcontext(None)
        if runner.dry_run
        else _executors.LazyExecutor(executor, jobs=jobs, scheduler=scheduler)
    )
    with ctx as pool:
        while pending or inflight:
            progressed = False
            for node in list(pending):
                ups = [results.get(u) for u in node.upstream]
                bad = [u for u in ups if u is not None and u.status in BAD]
                if bad:
                    pending.remove(node)
                    done(
                        StepResult(
                            node.id,
                            node.step,
                            node.member,
                            "blocked",
                            _blocked_reason(bad[0]),
                        )
                    )
                    runner.log(logging.WARNING, node.id, "blocked: %s", _blocked_reason(bad[0]))
                    progressed = True
                    continue
                if any(u is None or u.status not in DONE for u in ups):
                    continue
                done_ups = [u for u in ups if u is not None]  # all done (narrowed for the type checker)
                pipe = pipes[node.member or ""]
                waiting = [u for u in done_ups if u.status == "would-run"]
                if waiting:  # dry run: the key is unknown until the upstream step runs
                    u = waiting[0]
                    pending.remove(node)
                    done(
                        StepResult(
                            node.id, node.step, node.member, "would-run", f"upstream {u.node} will run"
                        )
                    )
                    progressed = True
                    continue
                comps, inject, edits = runner.plan(node, pipe, outputs, paths)
                key = step_key(comps)
                # a real run marks the build in use, so a concurrent `climpy gc` keeps it
                arts = store.get_build(key) if runner.dry_run else store.use_build(run_id, key)
                if arts is not None:
                    pending.remove(node)
                    finish_ok(node.id, key, arts, "up-to-date", None, None, _accepted_reason(store, key))
                    runner.log(logging.INFO, node.id, "up to date (%s)", key[:12])
                    progressed = True
                    continue
                reasons = store.stale_reasons(node.step, key, comps)
                if runner.dry_run:
                    pending.remove(node)
                    r = StepResult(node.id, node.step, node.member, "would-run", "; ".join(reasons), key)
                    done(r, components=json.dumps(comps, sort_keys=True))
                    progressed = True
                    continue
                if key in key_owner:  # same computation already in flight (fan-out duplicates)
                    fut = key_owner[key]
                    inflight[fut][1].append(node.id)
                    pending.remove(node)
                    progressed = True
                    continue
                if len(key_owner) >= max(1, jobs):
                    continue
                s = pipe.steps[node.step]
                work = store.new_tmp(key)
                prov = _provenance(pipe, s, key, comps, edits)
                task = {
                    "notebook": str(s.notebook),
                    "workdir": str(work),
                    "parameters": {
                        **s.parameters,
                        **inject,
                        **{p: str(work / name) for p, name in s.outputs.items()},
                    },
                    "outputs": s.outputs,
                    "kernel": pipe.kernel,
                    "provenance": prov,
                    "history": f"pipeline {pipe.name}: step {node.id} (key {key[:12]})",
                    # the parent's clock (or $SOURCE_DATE_EPOCH): the same on every executor
                    "history_time": history_time(),
                    "progress": progress and jobs == 1,
                    "timeout": cell_timeout,
                    "views": views,
                    # a spare kernel boots while this step runs, unless no step is left to take it
                    "spare": len(pending) > 1,
                }
                started = time.time()
                store.record_step(
                    run_id,
                    node.id,
                    step=node.step,
                    member=node.member,
                    key=key,
                    status="running",
                    reason="; ".join(reasons),
                    started=started,
                    notebook=str(s.notebook),
                    components=json.dumps(comps, sort_keys=True),
                )
                store.record_edits(run_id, node.id, edits)
                runner.log(logging.INFO, node.id, "starting (%s): %s", key[:12], "; ".join(reasons))
                if pool is None:  # pragma: no cover - a dry run returns before submitting
                    raise PipelineError("internal error: a dry run tried to start a kernel")
                fut = _executors.submit(pool, task)
                kernels += 1
                inflight[fut] = (key, [node.id], comps, work, started, task, 1, [])
                key_owner[key] = fut
                pending.remove(node)
                progressed = True
            if not inflight:
                if pending and not progressed:  # cannot happen on a validated DAG
                    raise PipelineError(f"pipeline stalled with {[n.id for n in pending]} pending")
                continue
            finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for fut in finished:
                key, nids, comps, work, started, task, attempt, notes = inflight.pop(fut)
                key_owner.pop(key, None)
                try:
                    res = fut.result()
                except Exception as err:  # worker died (killed, out of memory)
                    res = {
                        "status": "failed",
                        "error_name": type(err).__name__,
                        "error_value": str(err),
                        "error_cell": None,
                        "executed": str(work / EXECUTED_NAME),
                        "duration": None,
                    }
                node0 = by_id[nids[0]]
                retries = pipes[node0.member or ""].retries_of(node0.step)
                killed = res["status"] == "failed" and res.get("error_name") in _executors.KILLED_ERRORS
                if killed and attempt <= retries and pool is not None:
                    note = f"{res['error_name']}: {res['error_value']}"
                    runner.log(
                        logging.WARNING, nids[0], "killed (%s); retry %d of %d", note, attempt, retries
                    )
                    _keep_failed(store, run_id, f"{nids[0]}.attempt{attempt}", Path(res["executed"]))
                    shutil.rmtree(work, ignore_errors=True)
                    work = store.new_tmp(key)  # a fresh folder: a killed worker's kernel may still write
                    task = _retarget(task, pipes[node0.member or ""].steps[node0.step].outputs, work)
                    fut = _executors.submit(pool, task)
                    kernels += 1
                    inflight[fut] = (key, nids, comps, work, started, task, attempt + 1, [*notes, note])
                    key_owner[key] = fut
                    continue
                retried = ""
                if notes:
                    plural = "retry" if len(notes) == 1 else "retries"
                    retried = f"after {len(notes)} {plural} ({'; '.join(notes)})"
                if res["status"] == "ok":
                    arts = {p: Artifact(p, a[0], a[1], a[2]) for p, a in res["artifacts"].items()}
                    store.commit_build(
                        key,
                        by_id[nids[0]].step,
                        work,
                        arts,
                        run_id=run_id,
                        duration=res["duration"],
                        components=comps,
                    )
                    for nid in nids:
                        finish_ok(nid, key, arts, "ok", res["duration"], started, retried)
                        runner.log(logging.INFO, nid, "ok in %.1f s %s", res["duration"], retried)
                    continue
                kept = _keep_failed(store, run_id, nids[0], Path(res["executed"]))
                for nid in nids:
                    node = by_id[nid]
                    r = StepResult(
                        nid,
                        node.step,
                        node.member,
                        res["status"],
                        "",
                        key,
                        res.get("duration"),
                        executed_notebook=kept,
                        error_cell=res.get("error_cell"),
                        error_name=res.get("error_name", ""),
                        error_value=res.get("error_value", ""),
                    )
                    r.reason = f"{r.error_name}: {r.error_value}" + (f" {retried}" if retried else "")
                    done(
                        r,
                        started=started,
                        finished=time.time(),
                        executed_notebook=str(kept) if kept else None,
                        error_cell=r.error_cell,
                        error_name=r.error_name,
                        error_value=r.error_value,
                    )
                    runner.log(
                        logging.ERROR,
                        nid,
                        "%s in cell %s: %s: %s; executed notebook: %s",
                        r.status,
                        r.error_cell,
                        r.error_name,
                        r.error_value,
                        kept,
                    )
                shutil.rmtree(work, ignore_errors=True)
    if bar is not None:
        bar.close()
    return [results[n.id] for n in nodes], kernels


def _retarget(task: dict[str, Any], outputs: dict[str, str], work: Path) -> dict[str, Any]:
    """Return a copy of ``task`` that runs in work folder ``work`` (a retry)."""
    params = {**task["parameters"], **{p: str(work / name) for p, name in outputs.items()}}
    return {**task, "workdir": str(work), "parameters": params}


def _accepted_reason(store: Store, key: str) -> str:
    """Return why a build made by ``climpy accept`` is up to date (``""`` for a built one)."""
    row = store.accepted(key)
    if row is None:
        return ""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(row["at"]))
    return f"accepted with `climpy accept` on {when} (outputs of build {row['source_key'][:12]})"


def _blocked_reason(up: StepResult) -> str:
    """Name the root cause: a step blocked by a blocked step inherits its reason."""
    return up.reason if up.status == "blocked" else f"upstream {up.node} {up.status}"


def _keep_failed(store: Store, run_id: str, nid: str, executed: Path) -> Path | None:
    if not executed.is_file():
        return None
    dest = store.root / "failed" / run_id / f"{nid.replace('/', '__')}.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(executed, dest)
    log = executed.parent / _executors.KERNEL_LOG
    if log.is_file():  # the kernel's own stderr, next to the notebook
        os.replace(log, dest.with_suffix(".kernel.log"))
    return dest


def _provenance(pipe: Pipeline, s: Any, key: str, comps: dict, edits: dict) -> dict[str, str]:
    base = pipe.path.parent if pipe.path else Path.cwd()
    try:
        nb = str(s.notebook.relative_to(base))
    except ValueError:
        nb = str(s.notebook)
    return {
        "climpy_version": __version__,
        "climpy_pipeline": pipe.name,
        "climpy_step": s.name,
        "climpy_step_key": key,
        "climpy_notebook": nb,
        "climpy_notebook_sha256": comps["notebook"],
        "climpy_parameters": json.dumps(comps["parameters"], sort_keys=True, default=str),
        "climpy_inputs": json.dumps(comps["inputs"], sort_keys=True),
        "climpy_edits": json.dumps(
            {p: {"path": v[0], "sha256": v[1]} for p, v in edits.items()}, sort_keys=True
        ),
        "climpy_modules": json.dumps(comps["modules"], sort_keys=True),
    }


# ---------------------------------------------------------------------------- status
def pipeline_status(
    pipeline: Pipeline | PathLike,
    *,
    project: PathLike = ".",
    overrides: Sequence[str] = (),
    module_root: PathLike | None = None,
    edit_set: str | None = None,
) -> list[StepResult]:
    """Status of every step without running anything (with ``edit_set``: of that edit set's nodes).

    Each step is ``up-to-date``, ``stale`` (with the reasons: parameter/input/edit/module/notebook
    changed, never built, or an upstream step will re-run), ``failed`` / ``needs-review`` (its
    current key's last attempt, with the error), or ``blocked`` (an upstream step failed).

    Parameters
    ----------
    pipeline : Pipeline or path
        The pipeline or its file.
    project : path
        The project folder.
    overrides : sequence of str
        ``--set`` overrides, as for :func:`run_pipeline`.
    module_root : path, optional
        As for :func:`run_pipeline`.

    Returns
    -------
    list of StepResult
    """
    proj = Path(project).resolve()
    pipe = validate(_load(pipeline, proj, overrides), project=proj)
    nodes, pipes = _expand_with_set(pipe, [(None, {}, {})], edit_set, proj)
    store = Store(proj)
    try:
        runner = _Runner(pipe, store, "status", dry_run=True, module_root=module_root)
        results: dict[str, StepResult] = {}
        outputs: dict[str, dict[str, Artifact]] = {}
        paths: dict[str, dict[str, Path]] = {}
        for node in nodes:
            ups = [results[u] for u in node.upstream]
            bad = [u for u in ups if u.status in BAD]
            if bad:
                results[node.id] = StepResult(node.id, node.step, None, "blocked", _blocked_reason(bad[0]))
                continue
            stale = [u for u in ups if u.status == "stale"]
            if stale:
                results[node.id] = StepResult(
                    node.id, node.step, None, "stale", f"upstream {stale[0].node} will re-run"
                )
                continue
            comps, _, _ = runner.plan(node, pipes[node.member or ""], outputs, paths)
            key = step_key(comps)
            arts = store.get_build(key)
            if arts is not None:
                outputs[node.id] = arts
                paths[node.id] = {p: store.build_dir(key) / a.name for p, a in arts.items()}
                results[node.id] = StepResult(
                    node.id,
                    node.step,
                    None,
                    "up-to-date",
                    _accepted_reason(store, key),
                    key,
                    outputs=dict(paths[node.id]),
                )
                continue
            last = store.last_attempt(node.id, key)
            if last is not None and last["status"] in ("failed", "needs-review"):
                r = StepResult(
                    node.id,
                    node.step,
                    None,
                    last["status"],
                    "",
                    key,
                    executed_notebook=Path(last["executed_notebook"]) if last["executed_notebook"] else None,
                    error_cell=last["error_cell"],
                    error_name=last["error_name"] or "",
                    error_value=last["error_value"] or "",
                )
                cell = f" in cell {r.error_cell}" if r.error_cell is not None else ""
                r.reason = (
                    f"{r.error_name}{cell}: {r.error_value} (run {last['run_id']}; see {r.executed_notebook})"
                )
                results[node.id] = r
                continue
            reasons = store.stale_reasons(node.step, key, comps)
            results[node.id] = StepResult(node.id, node.step, None, "stale", "; ".join(reasons), key)
        return [results[n.id] for n in nodes]
    finally:
        store.close()


def invalidate(
    pipeline: Pipeline | PathLike | None, step: str, *, project: PathLike = ".", downstream: bool = False
) -> dict[str, list[str]]:
    """Forget the builds of ``step`` (and of its descendants with ``downstream``) so they re-run.

    Returns
    -------
    dict of str to list of str
        Step -> dropped keys.

    Raises
    ------
    SpecError
        If the pipeline has no such step.
    """
    steps = [step]
    if pipeline is not None:
        pipe = _load(pipeline, Path(project).resolve(), ())
        if step not in pipe.steps:
            raise SpecError(f"invalidate {step!r}: unknown step; the steps are {sorted(pipe.steps)}")
        if downstream:
            from climpy.pipeline.dag import descendants

            steps += sorted(descendants({n: s.upstream for n, s in pipe.steps.items()}, step))
    store = Store(project)
    try:
        store.lock.acquire(wait=False, info="invalidate")
        return {s: store.invalidate(s) for s in steps}
    finally:
        store.close()


def accept(
    pipeline: Pipeline | PathLike,
    steps: Sequence[str],
    *,
    project: PathLike = ".",
    overrides: Sequence[str] = (),
    argv: Sequence[str] = (),
    module_root: PathLike | None = None,
) -> dict[str, tuple[str | None, str]]:
    """Record the current outputs of ``steps`` as up to date for their current inputs (no kernel).

    For a step that is stale after a harmless change (a comment in its notebook, a parameter that
    does not change the result), the outputs ``outputs/<step>/`` shows become the build of the
    step's current key, marked as accepted (``climpy status`` and the reports say so); the next
    ``climpy run`` then starts no kernel for it, and its descendants see the same input hashes.
    Steps are taken upstream first; their ancestors must be up to date (or accepted too). The
    accept is recorded as a run (executor ``accept``, steps ``accepted``).

    Returns
    -------
    dict of str to tuple
        Step -> (key of the outputs accepted, or None if the step was already up to date; new key).

    Raises
    ------
    SpecError
        If a step is unknown.
    PipelineError
        If an ancestor is stale, a step never ran, or its declared outputs changed.
    LockedError
        If a run holds the project.
    """
    proj = Path(project).resolve()
    pipe = validate(_load(pipeline, proj, overrides), project=proj)
    chosen = select_steps(pipe, steps) or set()
    nodes, _ = expand(pipe, [(None, {}, {})])
    nodes = [n for n in nodes if n.step in chosen]
    store = Store(proj)
    run_id = _new_run_id()
    try:
        store.lock.acquire(wait=False, info=f"accept {run_id}")
        runner = _Runner(pipe, store, run_id, dry_run=True, module_root=module_root)
        outputs: dict[str, dict[str, Artifact]] = {}
        paths: dict[str, dict[str, Path]] = {}
        plans: list[tuple[Node, str, dict, str | None]] = []
        for node in nodes:  # first check everything, then write
            comps, _, _ = runner.plan(node, pipe, outputs, paths)
            key = step_key(comps)
            arts = store.use_build(run_id, key)
            source = None
            if arts is None:
                reasons = "; ".join(store.stale_reasons(node.step, key, comps))
                if node.step not in steps:
                    raise PipelineError(
                        f"accept {' '.join(steps)}: upstream step {node.step!r} is not up to date "
                        f"({reasons}); run it first (`climpy run --until {node.step}`) or accept it too"
                    )
                source = store.current_key(node.step, proj / "outputs" / node.step)
                if source is None:
                    raise PipelineError(f"accept {node.step}: the step has no outputs yet; run it first")
                arts = store.artifacts(source)
                if set(arts) != set(pipe.steps[node.step].outputs):
                    raise PipelineError(
                        f"accept {node.step}: its outputs changed ({sorted(arts)} -> "
                        f"{sorted(pipe.steps[node.step].outputs)}); run the step instead"
                    )
                logger.info("[accept %s] %s: outputs of %s (%s)", run_id, node.step, source[:12], reasons)
            plans.append((node, key, comps, source))
            outputs[node.id] = arts
            paths[node.id] = {p: store.build_dir(source or key) / a.name for p, a in arts.items()}
        store.start_run(
            run_id,
            str(pipe.path),
            executor="accept",
            jobs=0,
            argv=list(argv),
            dag={n.id: list(n.upstream) for n in nodes},
        )
        done: dict[str, tuple[str | None, str]] = {}
        for node, key, comps, source in plans:
            if source is not None:
                arts = store.accept_build(key, node.step, source, run_id=run_id, components=comps)
                store.link_outputs(proj / "outputs" / node.step, key, arts)
                status, reason = "accepted", f"outputs of build {source[:12]} accepted for the current inputs"
            else:
                status, reason = "up-to-date", _accepted_reason(store, key)
            if node.step in steps:
                done[node.step] = (source, key)
            store.record_step(
                run_id,
                node.id,
                step=node.step,
                key=key,
                status=status,
                reason=reason,
                started=time.time(),
                components=json.dumps(comps, sort_keys=True),
            )
        store.finish_run(run_id, "ok")
        return done
    finally:
        store.db.execute("DELETE FROM inuse WHERE run_id=?", (run_id,))
        store.close()
