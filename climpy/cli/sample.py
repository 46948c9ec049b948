"""``climpy sample``: write the synthetic paleogeography (:mod:`climpy.sample`) to a NetCDF file."""

from __future__ import annotations

import click

__all__ = ["COMMANDS"]


def _resolution(ctx: click.Context, param: click.Parameter, value: float) -> float:
    from climpy.exceptions import InputError
    from climpy.sample import check_resolution

    try:
        return check_resolution(value)
    except InputError as err:
        raise click.BadParameter(str(err), ctx=ctx, param=param) from err


@click.command("sample")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="NetCDF file to write (its folder must exist).",
)
@click.option(
    "-r",
    "--resolution",
    default=1.0,
    show_default=True,
    type=float,
    callback=_resolution,
    help="Grid spacing in degrees, 0.05 to 5, dividing 180 (e.g. 2, 1, 0.5, 0.25, 0.1).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Noise seed (features are the same).")
def sample(output: str, resolution: float, seed: int) -> None:
    """Write a synthetic paleogeography (continents, straits, internal seas, basins) to OUTPUT."""
    import shlex
    import sys

    from climpy.io.write import check_output_path, write_netcdf
    from climpy.sample import paleogeography

    check_output_path(output, option_name="--output")  # fail before the work, nothing written
    ds = paleogeography(resolution=resolution, seed=seed)
    command = shlex.join(["climpy", *sys.argv[1:]]) if sys.argv[1:] else f"climpy sample -o {output}"
    write_netcdf(ds, output, command=command, option_name="--output")


COMMANDS = [sample]
