"""``climpy run``, ``status``, ``invalidate``, ``accept``, ``gc`` and ``report``: the pipeline CLI.

Thin wrappers over :mod:`climpy.pipeline`; papermill, Dask and nbconvert are imported inside the
commands only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["COMMANDS"]

_DEFAULT_PIPELINE = "pipeline.yaml"


def _pipeline_path(pipeline: str | None, project: Path) -> Path:
    if pipeline:
        p = Path(pipeline)
        if not p.is_file():
            raise click.BadParameter(
                f"{p} does not exist; give the path of a pipeline YAML/TOML file", param_hint="PIPELINE"
            )
        return p
    for folder in dict.fromkeys([Path.cwd(), project]):  # the current folder first, then the project
        for name in (_DEFAULT_PIPELINE, "pipeline.yml", "pipeline.toml"):
            if (folder / name).is_file():
                return folder / name
    raise click.UsageError(
        f"no PIPELINE given and no {_DEFAULT_PIPELINE} in {Path.cwd()} or {project}; pass the pipeline "
        "file, e.g. `climpy run pipeline.yaml`"
    )


_PIPELINE_SUFFIXES = (".yaml", ".yml", ".toml")


def _split_args(args: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """``[PIPELINE] [STEP]...``: the first argument is the pipeline file if it names one."""
    if args and (Path(args[0]).suffix in _PIPELINE_SUFFIXES or Path(args[0]).is_file()):
        return args[0], list(args[1:])
    return None, list(args)


_project_option = click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Project folder: the store goes to DIR/.climpy, the latest outputs to DIR/outputs.",
)


@click.command("run")
@click.argument("args", nargs=-1, metavar="[PIPELINE] [STEP]...")
@_project_option
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="STEP.PARAM=VALUE",
    help="Override a step parameter (or inputs.NAME=PATH); repeatable.",
)
@click.option(
    "--over",
    multiple=True,
    metavar="[INPUT=]GLOB",
    help="Fan out: run the whole pipeline once per matching input file, as one batch.",
)
@click.option(
    "--grid",
    multiple=True,
    metavar="STEP.PARAM=V1,V2",
    help="Fan out over parameter values, or inputs.NAME=A,B over inputs such as sample:1:0,sample:1:1 "
    "(cartesian product with --over).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Steps (kernels) running at once.",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: a process pool; dask: a Dask LocalCluster or --scheduler.",
)
@click.option(
    "--scheduler", metavar="ADDRESS", help="Address of an existing Dask scheduler (with --executor dask)."
)
@click.option("--dry-run", is_flag=True, help="Say what would run; start no kernel.")
@click.option("--wait", "wait_lock", is_flag=True, help="If another run holds the project, wait for it.")
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: on a terminal).")
@click.option("--cell-timeout", type=float, default=None, help="Timeout of each notebook cell, in seconds.")
@click.option(
    "--views/--no-views",
    default=False,
    show_default=True,
    help="Also run the notebook cells tagged `view` (maps, editors) so executed notebooks show figures.",
)
@click.option("--until", metavar="STEP", help="Run only STEP and the steps it needs (its ancestors).")
@click.option(
    "--edits",
    "edit_set",
    metavar="SET",
    help="Replay the named edit set edits/SET/<step>.json; outputs go to outputs/SET/<step>/.",
)
def run_cmd(
    args,
    project,
    overrides,
    over,
    grid,
    jobs,
    executor,
    scheduler,
    dry_run,
    wait_lock,
    progress,
    cell_timeout,
    views,
    until,
    edit_set,
):
    """Run the pipeline: only steps whose inputs, parameters, edits, code or environment changed re-run.

    With STEP arguments (or --until STEP), only those steps and the steps they need run. Prints a
    summary table (step, status, time, outputs) and where the outputs and the executed notebooks
    are. Exits 1 if a step failed, is blocked or needs review.
    """
    from climpy.pipeline.run import run_pipeline

    if scheduler and executor != "dask":
        raise click.BadParameter("--scheduler needs --executor dask", param_hint="--scheduler")
    pipeline, targets = _split_args(args)
    path = _pipeline_path(pipeline, project)
    result = run_pipeline(
        path,
        project=project,
        overrides=overrides,
        over=over,
        grid=grid,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        dry_run=dry_run,
        wait_lock=wait_lock,
        progress=progress,
        cell_timeout=cell_timeout,
        argv=sys.argv,
        views=views,
        targets=targets,
        until=until,
        edit_set=edit_set,
    )
    click.echo(result.summary())
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)


@click.command("status")
@click.argument("pipeline", required=False)
@_project_option
@click.option("--set", "overrides", multiple=True, metavar="STEP.PARAM=VALUE", help="As for `climpy run`.")
@click.option("--edits", "edit_set", metavar="SET", help="Status of the named edit set (SET/<step>).")
def status_cmd(pipeline, project, overrides, edit_set):
    """Show every step: up-to-date, stale (and why), failed, blocked or needs-review."""
    from climpy.pipeline.run import pipeline_status

    rows = pipeline_status(
        _pipeline_path(pipeline, project), project=project, overrides=overrides, edit_set=edit_set
    )
    width = max(len(r.node) for r in rows)
    swidth = max(len(r.status) for r in rows)
    for r in rows:
        click.echo(f"{r.node.ljust(width)}  {r.status.ljust(swidth)}  {r.reason}".rstrip())
    if any(r.status != "up-to-date" for r in rows):
        raise click.exceptions.Exit(1)


@click.command("invalidate")
@click.argument("step")
@click.argument("pipeline", required=False)
@_project_option
@click.option("--downstream", is_flag=True, help="Also invalidate every step downstream of STEP.")
def invalidate_cmd(step, pipeline, project, downstream):
    """Forget the stored outputs of STEP so that the next `climpy run` re-runs it."""
    from climpy.pipeline.run import invalidate

    dropped = invalidate(_pipeline_path(pipeline, project), step, project=project, downstream=downstream)
    for name, keys in dropped.items():
        click.echo(f"{name}: {len(keys)} build(s) dropped")


@click.command("accept")
@click.argument("args", nargs=-1, required=True, metavar="[PIPELINE] STEP...")
@_project_option
@click.option("--set", "overrides", multiple=True, metavar="STEP.PARAM=VALUE", help="As for `climpy run`.")
def accept_cmd(args, project, overrides):
    """Record the current outputs of STEP as up to date for its current inputs, without running it.

    For a harmless change (a comment in the notebook, a parameter that does not change the result):
    the next `climpy run` starts no kernel for STEP, and `climpy status` and the report say that
    its outputs were accepted.
    """
    from climpy.pipeline.run import accept

    pipeline, steps = _split_args(args)
    if not steps:
        raise click.UsageError("give the STEP(s) to accept, e.g. `climpy accept routing`")
    path = _pipeline_path(pipeline, project)
    done = accept(path, steps, project=project, overrides=overrides, argv=sys.argv)
    for step, (source, key) in done.items():
        if source is None:
            click.echo(f"{step}: already up to date ({key[:12]})")
        else:
            click.echo(f"{step}: outputs of build {source[:12]} accepted as {key[:12]}")


@click.command("gc")
@_project_option
@click.option(
    "--keep-runs",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Keep every build the N most recent runs used.",
)
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def gc_cmd(project, keep_runs, dry_run):
    """Remove the stored builds that no kept run, pin (`climpy pin`) or outputs/ link needs.

    Safe while a `climpy run` is going on: the builds it uses are kept. Prints each removed build
    and the space freed.
    """
    from climpy.pipeline.gc import collect

    click.echo(collect(project, keep_runs=keep_runs, dry_run=dry_run).summary())


@click.command("pin")
@click.argument("name", required=False)
@click.argument("run", default="last")
@_project_option
def pin_cmd(name, run, project):
    """Pin RUN (an id, a unique prefix, or 'last') as NAME: `climpy gc` keeps its outputs.

    Without NAME, list the pins.
    """
    from climpy.pipeline.gc import pin, pins

    if name is None:
        for n, run_id in pins(project).items():
            click.echo(f"{n}  {run_id}")
        return
    click.echo(f"pinned run {pin(project, name, run)} as {name}")


@click.command("unpin")
@click.argument("name")
@_project_option
def unpin_cmd(name, project):
    """Remove the pin NAME (its run's outputs may then be removed by `climpy gc`)."""
    from climpy.pipeline.gc import unpin

    unpin(project, name)
    click.echo(f"unpinned {name}")


@click.command("report")
@click.argument("run", default="last")
@_project_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the HTML page (default: DIR/.climpy/reports/RUN/index.html).",
)
def report_cmd(run, project, output):
    """Write an HTML report of RUN (an id, a unique prefix of one, or 'last')."""
    from climpy.pipeline.report import write_report

    path = write_report(run, project=project, output=output)
    click.echo(str(path))


@click.command("warm")
@click.argument("pipeline", required=False)
@click.option("--sample", default="sample:2", show_default=True, help="The input map of the warm-up run.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Steps at once.")
def warm_cmd(pipeline, sample, jobs):
    """Compile the numba kernels into the cache by running the pipeline once on a small map.

    The set-up script runs it, so that a user's first `climpy run` loads compiled kernels instead
    of compiling them (10-15 s). It writes nothing but numba's cache (NUMBA_CACHE_DIR, or next to
    climpy's sources).
    """
    from climpy.pipeline.warm import warm

    click.echo(warm(_pipeline_path(pipeline, "."), sample=sample, jobs=jobs).summary())


COMMANDS = [run_cmd, status_cmd, invalidate_cmd, accept_cmd, gc_cmd, pin_cmd, unpin_cmd, report_cmd, warm_cmd]
