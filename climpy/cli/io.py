"""``climpy inspect``: open a file through :mod:`climpy.io` and print what climpy sees in it."""

from __future__ import annotations

import click

from climpy.cli._common import file_kind

__all__ = ["COMMANDS"]


@click.command("inspect")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--variable", default=None, help="Variable to read (default: found automatically).")
@click.option(
    "--kind",
    type=click.Choice(["auto", "topography", "bathymetry", "grid"]),
    default="auto",
    show_default=True,
    help="How to open the file.",
)
@click.option(
    "--nan-policy",
    type=click.Choice(["error", "ocean", "land"]),
    default="error",
    show_default=True,
    help="NaN cells: refuse, or set them to 0 m (ocean for topography, land for bathymetry).",
)
def inspect(path: str, variable: str | None, kind: str, nan_policy: str) -> None:
    """Open PATH as climpy would (validated, normalised) and describe it: grid, topology, values."""
    import numpy as np

    from climpy.io import Grid, open_bathymetry, open_grid, open_topography

    if kind == "auto":
        kind = file_kind(path)
    if kind == "grid":
        grid = open_grid(path)
        name, values = None, None
    elif kind == "bathymetry":
        policy = "land" if nan_policy == "ocean" else nan_policy
        ds = open_bathymetry(path, variable, nan_policy=policy)  # type: ignore[arg-type]
        name, values = "Bathymetry (m, positive down)", ds["Bathymetry"].values
        grid = Grid.from_dataset(ds)
    else:
        policy = "ocean" if nan_policy == "land" else nan_policy
        ds = open_topography(path, variable, nan_policy=policy)  # type: ignore[arg-type]
        name, values = "topo (m, positive up)", ds["topo"].values
        grid = Grid.from_dataset(ds)
    rows = [
        ("file", path),
        ("opened as", kind),
        ("grid", f"{grid.kind} {grid.shape[0]} x {grid.shape[1]}"),
        ("periodic in x", str(grid.periodic_x)),
        ("overlap columns", str(grid.overlap)),
        ("north fold", str(grid.north_fold)),
        ("latitude", f"{np.nanmin(grid.lat):.4g} .. {np.nanmax(grid.lat):.4g}"),
        ("longitude", f"{np.nanmin(grid.lon):.4g} .. {np.nanmax(grid.lon):.4g}"),
        ("grid fingerprint", grid.fingerprint()[:16]),
    ]
    if values is not None:
        land = values <= 0 if kind == "bathymetry" else values > 0
        rows += [
            ("variable", str(name)),
            ("values", f"{values.min():.6g} .. {values.max():.6g}"),
            ("land fraction", f"{land.mean():.3f}"),
        ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        click.echo(f"{k:<{width}}  {v}")


COMMANDS = [inspect]
