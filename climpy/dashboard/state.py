"""The state of the pipeline dashboard: what every step is doing, read from the SQLite records.

No Panel import here (STYLE.md section 3): :class:`DashboardState` is a ``param.Parameterized``
that any process can build on a project folder, whether or not it runs the pipeline itself. It
reads ``.climpy/runs.sqlite`` (see :mod:`climpy.pipeline.store`) and the files next to it:

* while a run is going on (its ``runs`` row says ``running`` and its process is alive), each node
  of the run's DAG is ``queued`` (no step row yet), ``running`` (with its start time) or what its
  row says (``ok``, ``up-to-date``, ``failed``, ``blocked``, ``needs-review``);
* otherwise, the status of :func:`climpy.pipeline.pipeline_status` (``up-to-date``, ``stale`` with
  the reason, ``failed``, ``blocked``, ``needs-review``), the same as ``climpy status``.

Polling is cheap: :meth:`DashboardState.poll` compares :meth:`Store.data_version` (one pragma and
one ``max(rowid)``) with the last one and only then reads more.

Actions never block: a run is a ``climpy run`` subprocess (``--log-file`` under
``.climpy/logs/``), so the project lock of ``climpy run`` refuses a second one; errors land in
:attr:`DashboardState.message`, never as tracebacks.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import param

from climpy.exceptions import ClimpyError
from climpy.pipeline.executors import KERNEL_LOG
from climpy.pipeline.store import EXECUTED_NAME, LockedError, Store

__all__ = ["DashboardState", "StepState", "find_pipeline", "notebook_error"]

logger = logging.getLogger(__name__)

#: File of the kernel's own stderr in a step's work folder, and next to a kept failed notebook.

PIPELINE_NAMES = ("pipeline.yaml", "pipeline.yml", "pipeline.toml")
#: Every status a node can show, in the order of the legend.
STATUSES = (
    "up-to-date",
    "ok",
    "stale",
    "queued",
    "running",
    "failed",
    "blocked",
    "needs-review",
    "interrupted",
    "would-run",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_RUN_LINE = re.compile(r"\[run (\S+?)[\] ]")
LOG_TAIL_BYTES = 64 * 1024


def find_pipeline(project: Path, pipeline: str | os.PathLike | None = None) -> Path:
    """Find the pipeline file of a project: ``pipeline`` if given, else ``pipeline.yaml`` in ``project``.

    Raises
    ------
    ClimpyError
        If there is none, naming the folder and the fix.
    """
    if pipeline:
        p = Path(pipeline)
        p = p if p.is_absolute() else (Path.cwd() / p)
        if not p.is_file():
            raise ClimpyError(f"{p}: no such pipeline file; give the path of a pipeline YAML/TOML file")
        return p.resolve()
    for name in PIPELINE_NAMES:
        if (project / name).is_file():
            return (project / name).resolve()
    raise ClimpyError(
        f"{project}: no {PIPELINE_NAMES[0]} in the project folder; pass the pipeline file, "
        "e.g. `climpy dashboard pipeline.yaml --project DIR`"
    )


def notebook_error(path: Path) -> dict[str, Any] | None:
    """Return the first error output of an executed notebook: cell index, name, value, traceback text.

    Returns None when the notebook cannot be read or has no error output.
    """
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []) or []:
            if out.get("output_type") == "error":
                tb = "\n".join(_ANSI.sub("", line) for line in out.get("traceback", []))
                return {
                    "cell": i,
                    "source": "".join(cell.get("source", "")),
                    "name": out.get("ename", ""),
                    "value": out.get("evalue", ""),
                    "traceback": tb,
                }
    return None


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _tail(path: Path, nbytes: int = LOG_TAIL_BYTES) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - nbytes))
            data = f.read()
    except OSError:
        return ""
    text = data.decode(errors="replace")
    if size > nbytes:  # drop the partial first line
        text = text.split("\n", 1)[-1]
    return text


@dataclass
class StepState:
    """What one node of the pipeline is doing, as shown on the page."""

    node: str
    step: str
    status: str
    reason: str = ""
    key: str | None = None
    run_id: str | None = None
    started: float | None = None
    finished: float | None = None
    duration: float | None = None
    executed_notebook: str | None = None
    error_name: str = ""
    error_value: str = ""
    error_cell: int | None = None
    upstream: list[str] = field(default_factory=list)

    def elapsed(self, now: float | None = None) -> float | None:
        """Seconds since the step started (running) or its recorded duration."""
        if self.status == "running" and self.started:
            return (now or time.time()) - self.started
        return self.duration


@dataclass
class _Launch:
    proc: subprocess.Popen
    log: Path
    out: Path
    what: str
    started: float
    run_id: str | None = None
    reported: bool = False


class DashboardState(param.Parameterized):
    """Live state of one project's pipeline, from its SQLite records (no Panel needed).

    Parameters
    ----------
    project : path
        The project folder (``.climpy/`` holds the records).
    pipeline : path, optional
        The pipeline file (default: ``pipeline.yaml`` in the project).
    """

    project = param.String(doc="The project folder (absolute).")
    pipeline = param.String(default="", doc="The pipeline file (absolute); empty if none was found.")
    steps = param.Dict(default={}, doc="Node -> StepState, in DAG (topological) order.")
    dag = param.Dict(default={}, doc="Node -> upstream nodes.")
    active_run = param.String(default="", doc="Id of the run going on now, or ''.")
    active_started = param.Number(default=None, allow_None=True, doc="Start time of the active run.")
    runs = param.List(default=[], doc="Run summaries, newest first (Store.run_summaries).")
    selected = param.String(default="", doc="The node whose page is shown.")
    message = param.String(default="", doc="The last action's outcome or error, for the page.")
    message_kind = param.Selector(default="info", objects=["info", "success", "warning", "danger"])
    changes = param.Integer(default=0, doc="Bumped each time the records changed (what views watch).")

    def __init__(
        self, project: str | os.PathLike = ".", pipeline: str | os.PathLike | None = None, **params: Any
    ) -> None:
        proj = Path(project).resolve()
        super().__init__(project=str(proj), **params)
        self._store = Store(proj)
        self._marker: tuple[int, int] | None = None
        self._launches: list[_Launch] = []
        self._editors: list[tuple[subprocess.Popen, Path, str, Path]] = []
        self._editor_procs: list[subprocess.Popen] = []
        self._log_runs: dict[Path, str | None] = {}
        self._html_cache: dict[tuple[str, int], str] = {}
        try:
            self.pipeline = str(find_pipeline(proj, pipeline))
        except ClimpyError as err:
            self._say(str(err), "danger")
        self.refresh(force=True)

    # ------------------------------------------------------------------ reading
    @property
    def store(self) -> Store:
        """The project's store (one SQLite connection of this process)."""
        return self._store

    @property
    def root(self) -> Path:
        """``<project>/.climpy``."""
        return self._store.root

    @property
    def logs_dir(self) -> Path:
        """Where runs started from the dashboard write their log files."""
        return self.root / "logs"

    def close(self) -> None:
        """Close the database connection (runs already started keep going)."""
        self._store.db.close()

    def _say(self, text: str, kind: str = "info") -> None:
        if kind == "danger":
            logger.warning("dashboard: %s", text)
        self.param.update(message=text, message_kind=kind)

    def poll(self) -> bool:
        """Re-read the records if they changed (cheap check first); return True if they did."""
        self._check_launches()
        if self._editors:
            self._check_editors()
        marker = self._store.data_version()
        if marker == self._marker:
            return False
        return self.refresh()

    def refresh(self, force: bool = False) -> bool:
        """Read the records and recompute every node's state; return True if anything changed."""
        self._marker = self._store.data_version()
        latest = self._store.latest_run()
        active = latest is not None and latest["status"] == "running" and _pid_alive(latest["pid"])
        if active:
            assert latest is not None
            run_dag = json.loads(latest["dag"] or "{}")
            # the whole pipeline stays on the page; nodes outside this run keep their last state
            dag = dict(self.dag) if set(run_dag) <= set(self.dag) else run_dag
            rows = {r["node"]: r for r in self._store.run_steps(latest["id"])}
            steps = {}
            for node, ups in dag.items():
                r = rows.get(node)
                if node not in run_dag:
                    steps[node] = self.steps[node]
                elif r is None:
                    steps[node] = StepState(
                        node,
                        node.split("/")[-1],
                        "queued",
                        "waiting for its turn",
                        run_id=latest["id"],
                        upstream=list(ups),
                    )
                else:
                    steps[node] = self._from_row(r, list(ups))
            new = {
                "steps": steps,
                "dag": dag,
                "active_run": latest["id"],
                "active_started": latest["started"],
            }
        else:
            steps, dag = self._status()
            new = {"steps": steps, "dag": dag, "active_run": "", "active_started": None}
        runs = self._store.run_summaries(limit=500)
        changed = (
            force or new["steps"] != self.steps or runs != self.runs or new["active_run"] != self.active_run
        )
        if not changed:
            return False
        if self.selected not in new["steps"]:
            new["selected"] = next(iter(new["steps"]), "")
        self.param.update(**new, runs=runs, changes=self.changes + 1)
        return True

    def _from_row(self, r: Any, ups: list[str]) -> StepState:
        return StepState(
            r["node"],
            r["step"],
            r["status"],
            r["reason"] or "",
            r["key"],
            r["run_id"],
            r["started"],
            r["finished"],
            r["duration"],
            r["executed_notebook"],
            r["error_name"] or "",
            r["error_value"] or "",
            r["error_cell"],
            ups,
        )

    def _status(self) -> tuple[dict[str, StepState], dict[str, list[str]]]:
        """``climpy status`` of every step (no run going on), with the last recorded times."""
        if not self.pipeline:
            return {}, {}
        from climpy.pipeline.run import pipeline_status
        from climpy.pipeline.spec import load_pipeline

        try:
            pipe = load_pipeline(self.pipeline)
            rows = pipeline_status(pipe, project=self.project)
        except ClimpyError as err:
            self._say(f"cannot read the pipeline: {err}", "danger")
            return {}, {}
        dag = {n: list(pipe.steps[n].upstream) for n in pipe.order()}
        steps: dict[str, StepState] = {}
        for r in rows:
            s = StepState(
                r.node,
                r.step,
                r.status,
                r.reason,
                r.key,
                upstream=dag.get(r.node, []),
                error_name=r.error_name,
                error_value=r.error_value,
                error_cell=r.error_cell,
                executed_notebook=str(r.executed_notebook) if r.executed_notebook else None,
            )
            last = self._store.step_history(r.node, limit=1)
            if last:
                row = last[0]
                s.run_id, s.started, s.finished = row["run_id"], row["started"], row["finished"]
                if r.key and row["key"] == r.key:
                    s.duration = row["duration"]
            steps[r.node] = s
        return steps, dag

    # ------------------------------------------------------------------ one step's page
    def step_details(self, node: str) -> dict[str, Any]:
        """Parameters, inputs and outputs (with content hashes) and history of one node.

        Returns
        -------
        dict
            ``parameters`` (name -> value), ``inputs`` (list of (param, path, sha256)),
            ``outputs`` (list of (param, path, sha256, size)), ``notebook`` (source path),
            ``executed`` (executed notebook path or None), ``history`` (step rows, newest first).
        """
        st = self.steps.get(node)
        history = [dict(r) for r in self._store.step_history(node, limit=20)]
        comps: dict[str, Any] = (self._store.build_components(st.key) if st and st.key else None) or {}
        for h in history if not comps else []:
            if h["components"] and (st is None or st.key is None or h["key"] == st.key):
                comps = json.loads(h["components"])
                break
        spec_step = self._spec_step(node)
        params = dict(comps.get("parameters") or (spec_step.parameters if spec_step else {}))
        inputs = []
        ins_hash = comps.get("inputs") or {}
        if spec_step is not None:
            for p, ref in spec_step.inputs.items():
                inputs.append((p, str(ref), ins_hash.get(p, "")))
        else:
            inputs = [(p, "", h) for p, h in ins_hash.items()]
        outputs = []
        key = st.key if st else None
        if key:
            for a in self._store.artifacts(key).values():
                outputs.append((a.param, str(self._store.build_dir(key) / a.name), a.sha256, a.size))
        executed = None
        if st is not None and st.executed_notebook and Path(st.executed_notebook).is_file():
            executed = st.executed_notebook
        elif key and (self._store.build_dir(key) / EXECUTED_NAME).is_file():
            executed = str(self._store.build_dir(key) / EXECUTED_NAME)
        return {
            "parameters": params,
            "inputs": inputs,
            "outputs": outputs,
            "notebook": str(spec_step.notebook) if spec_step else "",
            "executed": executed,
            "history": history,
        }

    def _spec_step(self, node: str):
        if not self.pipeline:
            return None
        from climpy.pipeline.spec import load_pipeline

        try:
            return load_pipeline(self.pipeline).steps.get(node.split("/")[-1])
        except ClimpyError:
            return None

    def step_log(self, node: str) -> str:
        """Return the kernel's stderr and the run's log lines of ``node`` (the tail, while it runs too)."""
        st = self.steps.get(node)
        parts: list[str] = []
        kernel = self._kernel_log(st) if st else None
        if kernel is not None:
            text = _tail(kernel).strip()
            parts.append(f"--- kernel stderr ({kernel}) ---\n{text or '(empty)'}")
        run_id = st.run_id if st else None
        if run_id:
            log = self.run_log(run_id)
            if log is not None:
                mark = f"step {node}]"
                lines = [ln for ln in _tail(log, 4 * LOG_TAIL_BYTES).splitlines() if mark in ln]
                parts.append(
                    f"--- run log ({log}) ---\n" + ("\n".join(lines) or "(no line for this step yet)")
                )
        return "\n\n".join(parts) or "(no log recorded for this step: it has not run from the dashboard)"

    def _kernel_log(self, st: StepState) -> Path | None:
        if st.executed_notebook:
            p = Path(st.executed_notebook).with_suffix(".kernel.log")
            if p.is_file():
                return p
        if st.status == "running" and st.key:
            hits = sorted((self.root / "tmp").glob(f"{st.key[:16]}-*/{KERNEL_LOG}"))
            if hits:
                return hits[-1]
        return None

    def run_log(self, run_id: str) -> Path | None:
        """Find the ``--log-file`` of run ``run_id`` under ``.climpy/logs/`` (None if it has none)."""
        if not self.logs_dir.is_dir():
            return None
        for p in sorted(self.logs_dir.glob("*.log")):
            if self._log_runs.get(p) is None:
                m = _RUN_LINE.search(_head(p))
                self._log_runs[p] = m.group(1) if m else None
            if self._log_runs[p] == run_id:
                return p
        return None

    def notebook_html(self, path: str) -> str:
        """Render an executed notebook as HTML (nbconvert, cached by modification time)."""
        p = Path(path)
        try:
            mtime = p.stat().st_mtime_ns
        except OSError:
            return ""
        ck = (str(p), mtime)
        if ck not in self._html_cache:
            import nbformat
            from nbconvert import HTMLExporter

            try:
                body, _ = HTMLExporter(template_name="basic").from_notebook_node(
                    nbformat.read(p, as_version=4)
                )
            except Exception as err:  # a broken notebook must not break the page
                body = f"<p>cannot render {p} ({err})</p>"
            self._html_cache = {ck: body}
        return self._html_cache[ck]

    def param_diff(self, node: str, run_a: str, run_b: str) -> list[tuple[str, Any, Any]]:
        """Parameters of ``node`` that differ between two runs: (name, value in a, value in b).

        Inputs and notebook changes are listed too (as ``input <name>``, ``notebook``), with short hashes.
        """
        ca, cb = (self._components(run, node) for run in (run_a, run_b))
        out: list[tuple[str, Any, Any]] = []
        pa, pb = ca.get("parameters") or {}, cb.get("parameters") or {}
        for k in sorted(set(pa) | set(pb)):
            if pa.get(k, "<unset>") != pb.get(k, "<unset>"):
                out.append((k, pa.get(k, "<unset>"), pb.get(k, "<unset>")))
        for comp in ("inputs", "edits", "modules"):
            a, b = ca.get(comp) or {}, cb.get(comp) or {}
            for k in sorted(set(a) | set(b)):
                if a.get(k) != b.get(k):
                    out.append((f"{comp[:-1]} {k}", (a.get(k) or "-")[:12], (b.get(k) or "-")[:12]))
        if ca.get("notebook") != cb.get("notebook"):
            out.append(("notebook", (ca.get("notebook") or "-")[:12], (cb.get("notebook") or "-")[:12]))
        return out

    def _components(self, run_id: str, node: str) -> dict:
        row = self._store.step_row(run_id, node)
        if row is None:
            return {}
        if row["components"]:
            return json.loads(row["components"])
        # an up-to-date step records no components: they are those of the build it reused
        return (self._store.build_components(row["key"]) if row["key"] else None) or {}

    def compare_runs(self, run_a: str, run_b: str) -> list[dict[str, Any]]:
        """Per node: status in each run, whether its build (key) changed and which outputs differ."""
        ra = {r["node"]: r for r in self._store.run_steps(run_a)}
        rb = {r["node"]: r for r in self._store.run_steps(run_b)}
        order = list(self.dag) + sorted((set(ra) | set(rb)) - set(self.dag))
        out = []
        for node in order:
            a, b = ra.get(node), rb.get(node)
            if a is None and b is None:
                continue
            ka, kb = (a["key"] if a else None), (b["key"] if b else None)
            arts_a = self._store.artifacts(ka) if ka else {}
            arts_b = self._store.artifacts(kb) if kb else {}
            differ = sorted(
                (arts_a.get(p) or arts_b.get(p)).name  # type: ignore[union-attr]
                for p in set(arts_a) | set(arts_b)
                if (arts_a.get(p) and arts_a[p].sha256) != (arts_b.get(p) and arts_b[p].sha256)
            )
            out.append(
                {
                    "node": node,
                    "status_a": a["status"] if a else "-",
                    "status_b": b["status"] if b else "-",
                    "changed": ka != kb,
                    "outputs_differ": differ,
                }
            )
        return out

    # ------------------------------------------------------------------ actions
    def busy(self) -> str:
        """Why a run cannot start now ('' if it can): a run going on, or one just launched."""
        for launch in self._launches:
            if launch.proc.poll() is None:
                return f"a run started from this page is still going ({launch.what}); wait for it to finish"
        if self.active_run:
            return f"run {self.active_run} is going on; wait for it to finish"
        return ""

    def run(self, mode: str = "stale", step: str | None = None) -> bool:
        """Start ``climpy run`` in the background; return True if it was started.

        Parameters
        ----------
        mode : {'stale', 'all', 'step'}
            ``stale``: what is out of date; ``all``: every step (their builds are invalidated
            first); ``step``: ``step`` and what depends on it.
        step : str, optional
            The node to re-run (with ``mode='step'``).
        """
        why = self.busy()
        if why:
            self._say(f"not started: {why}", "warning")
            return False
        if not self.pipeline:
            self._say("not started: this project has no pipeline file", "danger")
            return False
        from climpy.pipeline.run import invalidate

        try:
            if mode == "all":
                for root in [n for n, ups in self.dag.items() if not ups]:
                    invalidate(self.pipeline, root, project=self.project, downstream=True)
                what = "every step"
            elif mode == "step":
                if not step or step not in self.steps:
                    self._say(f"not started: unknown step {step!r}; pick one of {list(self.steps)}", "danger")
                    return False
                invalidate(self.pipeline, self.steps[step].step, project=self.project, downstream=True)
                what = f"{step} and what depends on it"
            else:
                what = "the stale steps"
        except LockedError as err:
            self._say(f"not started: {err}", "warning")
            return False
        except ClimpyError as err:
            self._say(f"not started: {err}", "danger")
            return False
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}-{len(self._launches)}"
        log, out = self.logs_dir / f"{stamp}.log", self.logs_dir / f"{stamp}.out"
        pipeline = self.pipeline
        if mode == "step":  # only the step, what it needs and what depends on it: not other branches
            try:
                pipeline = str(self._sub_pipeline(self.steps[step].step, self.logs_dir / f"{stamp}.yaml"))
            except (OSError, ValueError) as err:
                self._say(f"not started: cannot write the pipeline of {step}: {err}", "danger")
                return False
        cmd = [
            sys.executable,
            "-m",
            "climpy",
            "-v",
            "--log-file",
            str(log),
            "run",
            pipeline,
            "--project",
            self.project,
            "--no-progress",
        ]
        with open(out, "wb") as fout:
            proc = subprocess.Popen(
                cmd,
                cwd=self.project,
                stdout=fout,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._launches.append(_Launch(proc, log, out, what, time.time()))
        logger.info("dashboard: started %s (pid %d): %s", what, proc.pid, " ".join(cmd))
        self._say(f"started a run of {what} (pid {proc.pid}); log {log}", "info")
        return True

    def _sub_pipeline(self, step: str, dest: Path) -> Path:
        """Write the pipeline restricted to ``step``, its ancestors and descendants; return its path.

        ``climpy run`` has no ``--only``; a smaller pipeline file gives the same keys (keys hash the
        notebooks, parameters and inputs, not the pipeline file), so up-to-date ancestors are skipped
        and independent branches (a failed sibling) are left alone.
        """
        from climpy.pipeline.dag import descendants
        from climpy.pipeline.spec import load_pipeline

        src = Path(self.pipeline)
        pipe = load_pipeline(src)
        graph = {n: s.upstream for n, s in pipe.steps.items()}
        ancestors: set[str] = set()
        todo = [step]
        while todo:
            for u in graph[todo.pop()]:
                if u not in ancestors:
                    ancestors.add(u)
                    todo.append(u)
        keep = ancestors | {step} | descendants(graph, step)
        if src.suffix == ".toml":
            import tomllib

            raw = tomllib.loads(src.read_text())
        else:
            import yaml

            raw = yaml.safe_load(src.read_text())
        raw["steps"] = {n: dict(v) for n, v in raw["steps"].items() if n in keep}
        for n, v in raw["steps"].items():
            v["notebook"] = str(pipe.steps[n].notebook)  # absolute: the file is written elsewhere
        import yaml

        tmp = dest.with_name(f".{dest.name}.tmp")
        tmp.write_text(yaml.safe_dump(raw, sort_keys=False))
        os.replace(tmp, dest)
        return dest

    def invalidate(self, step: str, *, downstream: bool = False) -> bool:
        """Forget the builds of ``step`` (``climpy invalidate``); return True on success."""
        from climpy.pipeline.run import invalidate

        if step not in self.steps:
            self._say(f"unknown step {step!r}; pick one of {list(self.steps)}", "danger")
            return False
        try:
            dropped = invalidate(
                self.pipeline, self.steps[step].step, project=self.project, downstream=downstream
            )
        except ClimpyError as err:
            self._say(f"not invalidated: {err}", "warning")
            return False
        n = sum(len(v) for v in dropped.values())
        self._say(
            f"invalidated {', '.join(dropped)}: {n} build(s) dropped; they re-run at the next run", "success"
        )
        self.refresh()
        return True

    def _check_launches(self) -> None:
        """Turn the end of a run started here into a message (its error line if it failed to start)."""
        for launch in self._launches:
            rc = launch.proc.poll()
            if rc is None or launch.reported:
                continue
            launch.reported = True
            text = _tail(launch.out, 8192)
            errors = [ln for ln in text.splitlines() if ln.startswith("Error:")]
            run = re.search(r"^run (\S+): (\w+)", text, re.M)
            if errors:
                self._say(f"run of {launch.what} did not start: {errors[-1][len('Error: ') :]}", "danger")
            elif run and rc == 0:
                self._say(f"run {run.group(1)} of {launch.what} finished: {run.group(2)}", "success")
            elif run:
                self._say(
                    f"run {run.group(1)} of {launch.what} finished: {run.group(2)} "
                    "(open a red step for its error and log)",
                    "danger",
                )
            else:
                self._say(f"run of {launch.what} exited with status {rc}; see {launch.out}", "danger")
        with contextlib.suppress(Exception):
            self._launches = [ln for ln in self._launches if not ln.reported] + [
                ln for ln in self._launches if ln.reported
            ][-5:]

    def open_editor(self, path: str) -> bool:
        """Serve the map editor on an output file (``climpy edit``, in the background).

        Saving in the editor writes ``<project>/edits/dashboard/<name>_edited.nc`` and its edit
        file; the step's input is never overwritten. The editor's URL appears in :attr:`message`
        once it serves (see :meth:`poll`).
        """
        src = Path(path)
        if not src.is_file() or src.suffix != ".nc":
            self._say(f"{src}: not a NetCDF output of this project; pick a .nc output to edit", "danger")
            return False
        dest = Path(self.project) / "edits" / "dashboard" / f"{src.stem}_edited.nc"
        dest.parent.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        out = self.logs_dir / f"editor-{src.stem}-{int(time.time())}.out"
        with open(out, "wb") as fout:
            proc = subprocess.Popen(
                [sys.executable, "-m", "climpy", "edit", str(src), "-o", str(dest)],
                cwd=self.project,
                stdout=fout,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._editors.append((proc, out, src.name, dest))
        self._editor_procs.append(proc)
        self._say(f"starting the map editor on {src.name} (pid {proc.pid})...", "info")
        return True

    def _check_editors(self) -> None:
        keep = []
        for proc, out, name, dest in self._editors:
            text = _head(out)
            m = re.search(r" at (http://\S+)", text)
            if m:
                self._say(f"map editor of {name}: {m.group(1)} (Save writes {dest})", "success")
            elif proc.poll() is not None:
                self._say(f"the map editor of {name} stopped: {text.strip()[-300:]}", "danger")
            else:
                keep.append((proc, out, name, dest))
        self._editors = keep

    def stop_editors(self) -> None:
        """Stop the editor servers started from this page."""
        for proc in self._editor_procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 15)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, 9)
                    proc.wait(5)
        self._editor_procs = []

    def wait(self, timeout: float = 600.0) -> None:
        """Wait for the runs started here to end (for scripts and tests)."""
        for launch in self._launches:
            launch.proc.wait(timeout)
        self._check_launches()
        self.refresh()


def _head(path: Path, nbytes: int = 4096) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(nbytes).decode(errors="replace")
    except OSError:
        return ""
