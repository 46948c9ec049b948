"""``climpy edit`` (serve an editor) and ``climpy apply-edits`` (replay edit files)."""

from __future__ import annotations

import click

__all__ = ["COMMANDS"]

KINDS = ["map", "internal-oceans", "passages", "sub-basins", "pft"]


@click.command("edit")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--kind", type=click.Choice(KINDS), default="map", show_default=True, help="Which editor.")
@click.option("--variable", help="Variable to edit (default: topo or the first 2-D variable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="NetCDF written by Save (default FILE_edited.nc); the edit file goes next to it.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (default: a free one).")
@click.option("--address", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--show/--no-show", default=False, help="Open a browser tab.")
def edit(file: str, kind: str, variable: str | None, output: str | None, port: int, address: str,
         show: bool) -> None:
    """Serve the editor of FILE on a local port and print its URL (Ctrl+C stops it)."""
    from climpy.editors.app import serve

    def ready(url: str) -> None:
        click.echo(f"climpy edit: serving {kind} editor of {file} at {url} (Ctrl+C to stop)")

    serve(file, kind=kind, variable=variable, output=output, port=port, address=address, show=show,
          on_ready=ready)


@click.command("apply-edits")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("edits", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Edited NetCDF.")
@click.option("--variable", help="Apply to this variable instead of the one in the edit files.")
@click.option("--map-by", type=click.Choice(["index", "coords"]), default="index", show_default=True,
              help="'coords' maps edits made on another grid to the nearest cells.")
@click.option("--script", type=click.Path(dir_okay=False),
              help="Also export a standalone replay script (single edit file only).")
def apply_edits_cmd(file: str, edits: tuple[str, ...], output: str, variable: str | None, map_by: str,
                    script: str | None) -> None:
    """Replay EDITS (JSON or NetCDF edit files, in order) on FILE and write OUTPUT."""
    from pathlib import Path

    from climpy.editors.app import open_for_editing
    from climpy.edits import apply_edits
    from climpy.exceptions import EditReplayError, InputError
    from climpy.io.edits import export_replay_script, load_edits
    from climpy.io.write import write_netcdf

    if Path(output).resolve() == Path(file).resolve():
        raise click.BadParameter("must differ from FILE (the input is never overwritten)",
                                 param_hint="--output")
    if script and len(edits) != 1:
        raise click.BadParameter("needs exactly one edit file", param_hint="--script")
    ds = open_for_editing(file)
    try:
        files = [load_edits(e) for e in edits]
        out = apply_edits(ds, files, variable=variable, map_by=map_by)  # type: ignore[arg-type]
    except EditReplayError as err:
        raise InputError(str(err)) from err
    write_netcdf(out, output)
    n = sum(f.n_cells for f in files)
    click.echo(f"climpy apply-edits: {len(files)} edit file(s), {n} cell edits -> {output}")
    if script:
        click.echo(f"climpy apply-edits: replay script {export_replay_script(files[0], script)}")


COMMANDS = [edit, apply_edits_cmd]
