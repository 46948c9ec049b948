"""``climpy route``: river routing file, and on request ORCA bathymetry, soils and RELIEF files.

A thin wrapper over :mod:`climpy.routing` and :mod:`climpy.orca_products`; xarray, numba and the
science modules are imported inside the command. Everything is computed before anything is
written, and each file is written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import click

from climpy.cli._common import write

__all__ = ["COMMANDS"]


@click.command("route")
@click.argument("topo_path", metavar="TOPO", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="routing.nc to write (legacy layout).",
)
@click.option("--variable", help="Topography variable in TOPO (default: topo, or the only 2-D variable).")
@click.option(
    "--n-rivers",
    type=click.IntRange(min=0),
    default=199,
    show_default=True,
    help="How many of the largest basins end in a river mouth (trip 99); other outlets are 98.",
)
@click.option(
    "--lake-area",
    type=click.FloatRange(min=0),
    help="Keep endorheic basins larger than this (m2) as lakes ending in a sink (97). Default: fill all.",
)
@click.option(
    "--orca",
    "orca_path",
    type=click.Path(exists=True, dir_okay=False),
    help="ORCA grid file (2-D lat/lon); writes the bathymetry sampled on it to --bathy-out.",
)
@click.option(
    "--bathy-out",
    type=click.Path(dir_okay=False),
    help="Bathymetry file on the --orca grid (default with --orca: OUTPUT's name + _bathy.nc).",
)
@click.option(
    "--bathy-method",
    type=click.Choice(["nearest", "mean"]),
    default="nearest",
    show_default=True,
    help="nearest: legacy sampling; mean: area-weighted mean depth of the source cells.",
)
@click.option("--soils-out", type=click.Path(dir_okay=False), help="Also write the soils file here.")
@click.option("--relief-out", type=click.Path(dir_okay=False), help="Also write the RELIEF file here.")
@click.option(
    "--relief-resolution",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0 / 6.0,
    show_default="1/6",
    help="Cell size (degrees) of the RELIEF grid.",
)
def route_cmd(
    topo_path: str,
    output: str,
    variable: str | None,
    n_rivers: int,
    lake_area: float | None,
    orca_path: str | None,
    bathy_out: str | None,
    bathy_method: str,
    soils_out: str | None,
    relief_out: str | None,
    relief_resolution: float,
) -> None:
    """Compute river routing (trip, basins, lengths ...) of TOPO and write the routing file."""
    if bathy_out and not orca_path:
        raise click.UsageError("--bathy-out needs --orca GRID (the ocean grid to sample the bathymetry on)")
    if orca_path and not bathy_out:
        out = Path(output)
        bathy_out = str(out.with_name(out.stem + "_bathy.nc"))
    targets = [p for p in (output, bathy_out, soils_out, relief_out) if p]
    if len({str(Path(p).resolve()) for p in targets}) != len(targets):
        raise click.UsageError("--output, --bathy-out, --soils-out and --relief-out must be different files")
    if abs(180.0 / relief_resolution - round(180.0 / relief_resolution)) > 1e-6:
        raise click.BadParameter(
            f"{relief_resolution}: must divide 180 degrees, e.g. 0.25 or 0.16666667",
            param_hint="--relief-resolution",
        )

    import numpy as np

    from climpy import orca_products, routing
    from climpy.io import check_output_path, open_grid, open_topography

    for path, name in ((output, "--output"), (bathy_out, "--bathy-out"), (soils_out, "--soils-out"),
                       (relief_out, "--relief-out")):  # fmt: skip
        if path:
            check_output_path(path, option_name=name)
    ds = open_topography(topo_path, variable=variable)
    grid = open_grid(orca_path) if orca_path else None
    routed = routing.route(ds, n_rivers=n_rivers, lake_area=lake_area)
    products = [(output, "--output", routing.to_routing_file(routed))]
    if grid is not None and bathy_out:
        method: Literal["nearest", "mean"] = "mean" if bathy_method == "mean" else "nearest"
        products.append((bathy_out, "--bathy-out", orca_products.bathymetry_on_orca(ds, grid, method=method)))
    if soils_out:
        products.append((soils_out, "--soils-out", orca_products.soils(ds)))
    if relief_out:
        products.append((relief_out, "--relief-out", orca_products.relief(ds, resolution=relief_resolution)))
    for path, name, prod in products:
        write(prod, path, option_name=name)
    trip = routed["trip"].values
    nbasins = int(np.nanmax(routed["basins"].values, initial=0))
    click.echo(
        f"{topo_path}: {int((~np.isnan(trip)).sum())} land cells, "
        f"{nbasins} basins, {int((trip == 99).sum())} river mouths, "
        f"{int((trip == 97).sum())} inland sinks"
    )
    for path, _, _ in products:
        click.echo(f"wrote {path}")


COMMANDS = [route_cmd]
