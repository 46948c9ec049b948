"""``climpy internal-oceans``, ``climpy passages``, ``climpy subbasins`` and ``climpy check``.

Thin wrappers over :mod:`climpy.internal_oceans`, :mod:`climpy.passages`, :mod:`climpy.subbasins`
and :mod:`climpy.checks`; xarray and the science modules are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import click

from climpy.cli._common import open_map, write

__all__ = ["COMMANDS"]


def _cell(value: str) -> tuple[int, int]:
    try:
        j, i = (int(v) for v in value.split(","))
    except ValueError as err:
        raise click.BadParameter(f"{value!r}: give a cell as J,I (0-based row,column), e.g. 12,40") from err
    return j, i


@click.command("internal-oceans")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the result here (NetCDF).")
@click.option("--variable", help="Elevation/depth variable (default: topo, Z, Bathymetry ... detected).")
@click.option(
    "--fill", is_flag=True, help="Fill internal oceans to land and write the fixed INPUT to --output."
)
@click.option("--bodies", help="With --fill: comma-separated body labels (>= 2) to fill; default all.")
@click.option("--height", type=float, default=1.0, show_default=True, help="Elevation (m) of filled cells.")
@click.option(
    "--max-area", type=click.FloatRange(min=0), help="With --fill: only bodies smaller than this (km2)."
)
@click.option(
    "--open", "open_cells", multiple=True, metavar="J,I", help="Open this cell to the ocean; repeatable."
)
@click.option("--depth", type=float, default=100.0, show_default=True, help="Depth (m) of opened cells.")
def internal_oceans_cmd(
    input_path: str,
    output: str | None,
    variable: str | None,
    fill: bool,
    bodies: str | None,
    height: float,
    max_area: float | None,
    open_cells: tuple[str, ...],
    depth: float,
) -> None:
    """Find the ocean bodies not connected to the world ocean; optionally fill or open them.

    Without --fill/--open, --output receives the body labels (label, internal, area, n_internal).
    """
    if (fill or open_cells) and not output:
        raise click.UsageError("--fill/--open change the map: give --output FILE for the fixed map")
    if (bodies or max_area is not None) and not fill:
        raise click.UsageError("--bodies and --max-area only apply with --fill")
    chosen = None
    if bodies:
        try:
            chosen = [int(b) for b in bodies.split(",") if b.strip()]
        except ValueError as err:
            raise click.BadParameter(f"{bodies!r}: give body labels like 2,3", param_hint="--bodies") from err
    cells = [_cell(c) for c in open_cells]

    from climpy import internal_oceans as io_

    ds = open_map(input_path, variable)
    res = io_.internal_oceans(ds, variable=variable)
    n = int(res["n_internal"])
    click.echo(f"{input_path}: {n} internal ocean(s) besides the world ocean")
    for b, a, c in zip(res["body"].values, res["area"].values, res["n_cells"].values):
        kind = "world ocean" if b == 1 else "internal"
        click.echo(f"  body {int(b):4d}  {kind:11s}  {int(c):9d} cells  {a / 1e6:14.1f} km2")
    out = None
    if cells:
        ds = io_.open_internal_oceans(ds, cells, depth=depth, variable=variable)
        out = ds
    if fill:
        area_m2 = None if max_area is None else max_area * 1e6
        out = io_.fill_internal_oceans(ds, chosen, height=height, max_area=area_m2, variable=variable)
    if output:
        write(out if out is not None else res, output)
        click.echo(f"wrote {output}")


@click.command("passages")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the result here (NetCDF).")
@click.option("--variable", help="Elevation/depth variable (default detected).")
@click.option(
    "--fix",
    type=click.Choice(["widen", "close"]),
    help="Widen or close every passage; writes the fixed INPUT.",
)
@click.option(
    "--side", type=click.Choice(["east", "west"]), default="east", show_default=True, help="--fix widen side."
)
@click.option("--depth", type=float, help="--fix widen: depth (m) of new cells (default: the passage's).")
@click.option(
    "--height", type=float, default=1.0, show_default=True, help="--fix close: elevation (m) of closed cells."
)
def passages_cmd(
    input_path: str,
    output: str | None,
    variable: str | None,
    fix: str | None,
    side: str,
    depth: float | None,
    height: float,
) -> None:
    """Find one-cell-wide (diffusive) ocean passages; optionally widen or close them."""
    if fix and not output:
        raise click.UsageError("--fix changes the map: give --output FILE for the fixed map")
    from climpy import passages as p

    ds = open_map(input_path, variable)
    res = p.passages(ds, variable=variable)
    click.echo(
        f"{input_path}: {int(res['n_passages'])} diffusive passage cell(s) "
        f"({int(res['n_meridional'])} meridional, {int(res['n_zonal'])} zonal)"
    )
    for j, i, k in zip(res["cell_j"].values[:20], res["cell_i"].values[:20], res["kind"].values[:20]):
        click.echo(f"  ({int(j)}, {int(i)}) {'meridional' if k == 1 else 'zonal'}")
    if int(res["n_passages"]) > 20:
        click.echo(f"  ... and {int(res['n_passages']) - 20} more")
    out = res
    if fix == "widen":
        out = p.widen_passages(ds, depth=depth, side=side, variable=variable)  # type: ignore[arg-type]
    elif fix == "close":
        out = p.close_passages(ds, height=height, variable=variable)
    if fix:
        left = int(p.passages(out, variable=variable)["n_passages"])
        click.echo(f"after --fix {fix}: {left} passage cell(s) left")
    if output:
        write(out, output)
        click.echo(f"wrote {output}")


def _seed(value: str) -> tuple[str, tuple[float, float]]:
    try:
        basin, rest = value.split(":", 1)
        lat, lon = (float(v) for v in rest.split(","))
    except ValueError as err:
        raise click.BadParameter(
            f"{value!r}: give BASIN:LAT,LON, e.g. atlantic:0,-25", param_hint="--seed"
        ) from err
    return basin.strip().lower(), (lat, lon)


@click.command("subbasins")
@click.argument("input_path", metavar="BATHY", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), required=True, help="Sub-basins file to write."
)
@click.option("--variable", help="Depth variable (default Bathymetry).")
@click.option(
    "--seed",
    "seeds",
    multiple=True,
    metavar="BASIN:LAT,LON",
    help="Seed point of atlantic/pacific/indian; repeatable; replaces the default seeds of that basin.",
)
def subbasins_cmd(input_path: str, output: str, variable: str | None, seeds: tuple[str, ...]) -> None:
    """Write a first guess of the Atlantic/Pacific/Indian masks (atlmsk, pacmsk, indmsk)."""
    parsed = [_seed(s) for s in seeds]
    from climpy import subbasins as sb

    bad = sorted({b for b, _ in parsed} - set(sb.BASINS))
    if bad:
        raise click.BadParameter(
            f"unknown basin(s) {bad}; use one of {sorted(sb.BASINS)}", param_hint="--seed"
        )
    chosen = {b: list(v) for b, v in sb.DEFAULT_SEEDS.items()}
    for b in {b for b, _ in parsed}:
        chosen[b] = [p for bb, p in parsed if bb == b]
    ds = open_map(input_path, variable)
    res = sb.subbasins(ds, seeds=chosen, variable=variable)
    for var in sb.BASINS.values():
        click.echo(f"{var}: {int(res[var].sum())} cells")
    write(res, output)
    click.echo(f"wrote {output}")


@click.command("check")
@click.option("--topo", type=click.Path(exists=True, dir_okay=False), help="Atmosphere topography.")
@click.option("--routing", type=click.Path(exists=True, dir_okay=False), help="Routing file (needs --topo).")
@click.option("--bathy", type=click.Path(exists=True, dir_okay=False), help="Ocean bathymetry (ORCA).")
@click.option(
    "--subbasins", type=click.Path(exists=True, dir_okay=False), help="Sub-basins file (needs --bathy)."
)
@click.option("--min-depth", type=float, default=None, help="Minimum ocean depth in m [default: 10].")
@click.option(
    "--routing-variable", default="trip", show_default=True, help="Routing variable (land where defined)."
)
@click.pass_context
def check_cmd(
    ctx: click.Context,
    topo: str | None,
    routing: str | None,
    bathy: str | None,
    subbasins: str | None,
    min_depth: float | None,
    routing_variable: str,
) -> None:
    """Check that the products agree (masks, depths, ORCA singular points); exit 1 on errors."""
    if not (topo or routing or bathy or subbasins):
        raise click.UsageError("nothing to check: give --topo, --routing and/or --bathy")
    if routing and not topo:
        raise click.UsageError("--routing is checked against the topography: give --topo too")
    if subbasins and not bathy:
        raise click.UsageError("--subbasins is checked against the bathymetry: give --bathy too")
    if min_depth is not None and min_depth < 0:
        raise click.BadParameter(
            f"{min_depth}: give a depth >= 0 m (positive down)", param_hint="--min-depth"
        )
    from climpy import checks
    from climpy.io import open_dataset

    t = open_map(topo) if topo else None
    b = open_map(bathy) if bathy else None
    r = open_dataset(Path(routing)) if routing else None
    s = open_dataset(Path(subbasins)) if subbasins else None
    report = checks.run_checks(
        topo=t,
        routing=r,
        bathy=b,
        subbasins=s,
        min_depth=checks.DEFAULT_MIN_DEPTH if min_depth is None else min_depth,
        routing_variable=routing_variable,
    )
    click.echo(report.format())
    if not report.ok:
        ctx.exit(1)


COMMANDS = [internal_oceans_cmd, passages_cmd, subbasins_cmd, check_cmd]
