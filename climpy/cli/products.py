"""``climpy heatflow | ahmcoef | pft | regrid | weights``: ocean products, vegetation, regridding, coupling.

Thin wrappers over :mod:`climpy.heatflow`, :mod:`climpy.ahmcoef`, :mod:`climpy.pft`,
:mod:`climpy.regrid` and :mod:`climpy.weights`. Heavy imports stay inside the commands. Inputs
are validated and every product computed before anything is written; files are written
atomically with :func:`climpy.io.write_netcdf`.
"""

from __future__ import annotations

from pathlib import Path

import click

from climpy.cli._common import open_any, write

__all__ = ["COMMANDS"]

_OUT = click.option(
    "-o", "--output", type=click.Path(dir_okay=False), required=True, help="NetCDF file to write."
)


def _open_topography(path: str, variable: str | None):
    """Open a normalised topography (``topo`` on ascending lat/lon) with climpy.io."""
    from climpy.io import open_topography

    return open_topography(path, variable=variable)


def _open_bathymetry(path: str, variable: str | None, nan_as_land: bool):
    """Open an ocean-grid bathymetry (``Bathymetry``, m, positive down, nav_lat/nav_lon) with climpy.io."""
    from climpy.io import open_bathymetry

    return open_bathymetry(path, variable, nan_policy="land" if nan_as_land else "error")


_NAN = click.option(
    "--nan-as-land", is_flag=True, help="Treat missing depths as land instead of refusing the file."
)
_BVAR = click.option("--variable", help="Depth variable (default: Bathymetry or another depth name; m).")


def _need_var(ds, path: str, variable: str, option: str = "--variable"):
    from climpy.exceptions import InputError

    if variable not in ds.data_vars:
        raise InputError(
            f"{path}: variable {variable!r} not found (have {sorted(map(str, ds.data_vars))}); fix {option}"
        )


def _check_out(path: str | None, option: str) -> None:
    """Refuse an output whose folder is missing before anything is computed or written."""
    if path and not Path(path).resolve().parent.is_dir():
        raise click.BadParameter(
            f"{path}: folder {Path(path).parent} does not exist; create it", param_hint=option
        )


def _floats(text: str, param: str) -> list[float]:
    try:
        return [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError as err:
        raise click.BadParameter(
            f"{text!r}: give comma-separated numbers, e.g. 100,96,69,31,4,0", param_hint=param
        ) from err


# ----------------------------------------------------------------------------- heatflow
@click.command("heatflow")
@click.argument("bathy_path", metavar="BATHY", type=click.Path(exists=True, dir_okay=False))
@_OUT
@_BVAR
@_NAN
@click.option(
    "--age", "age_path", type=click.Path(exists=True, dir_okay=False), help="Seafloor-age file (Ma)."
)
@click.option("--age-variable", default="age", show_default=True, help="Age variable in --age.")
@click.option("--coefficient", type=click.FloatRange(min=0, min_open=True), default=490.0, show_default=True)
@click.option("--max-heatflow", type=click.FloatRange(min=0, min_open=True), default=400.0, show_default=True)
@click.option("--shelf-depth", type=float, default=2500.0, show_default=True, help="m")
@click.option(
    "--shelf-heatflow", type=click.FloatRange(min=0, min_open=True), default=48.0, show_default=True
)
@click.option(
    "--max-age", type=click.FloatRange(min=0, min_open=True), default=200.0, show_default=True, help="Ma"
)
@click.option(
    "--steep-gradient", type=click.FloatRange(min=0), help="Opt-in legacy smoothing of steep cells (m)."
)
def heatflow_cmd(
    bathy_path, output, variable, nan_as_land, age_path, age_variable, coefficient, max_heatflow, shelf_depth,
    shelf_heatflow, max_age, steep_gradient,
) -> None:  # fmt: skip
    """Geothermal heat flow (mW/m2) on the ocean grid of BATHY (GDH1 depth-age, Stein & Stein 1992)."""
    from climpy.exceptions import InputError
    from climpy.heatflow import heatflow

    ds = _open_bathymetry(bathy_path, variable, nan_as_land)
    age = None
    if age_path:
        age_ds = open_any(age_path)
        _need_var(age_ds, age_path, age_variable, "--age-variable")
        age = age_ds[age_variable]
        if age.shape != ds["Bathymetry"].shape:
            raise InputError(
                f"{age_path}: {age_variable!r} has shape {age.shape}; expected {ds['Bathymetry'].shape} like "
                f"{bathy_path}; regrid the ages onto the ocean grid first"
            )
    out = heatflow(
        ds,
        age=age,
        coefficient=coefficient,
        max_heatflow=max_heatflow,
        shelf_depth=shelf_depth,
        shelf_heatflow=shelf_heatflow,
        max_age=max_age,
        steep_gradient=steep_gradient,
    )
    write(out, output, echo=True)


# ----------------------------------------------------------------------------- ahmcoef
@click.command("ahmcoef")
@click.argument("bathy_path", metavar="BATHY", type=click.Path(exists=True, dir_okay=False))
@_OUT
@_BVAR
@_NAN
@click.option(
    "--band", nargs=2, type=float, default=(-20.0, 15.0), show_default=True, help="South and north latitudes."
)
@click.option("--taper", default="100,96,69,31,4,0", show_default=True, help="Western-boundary taper (%).")
def ahmcoef_cmd(bathy_path, output, variable, nan_as_land, band, taper) -> None:
    """NEMO lateral viscosity reduction icof (0..100) on the ocean grid of BATHY."""
    from climpy.ahmcoef import ahmcoef

    values = _floats(taper, "--taper")
    if not values or min(values) < 0 or max(values) > 100:
        raise click.BadParameter(
            f"{taper!r}: give percentages in 0..100, e.g. 100,96,69,31,4,0", param_hint="--taper"
        )
    if not band[0] < band[1]:
        raise click.BadParameter(
            f"{band[0]} {band[1]}: give SOUTH NORTH with south < north", param_hint="--band"
        )
    ds = _open_bathymetry(bathy_path, variable, nan_as_land)
    write(ahmcoef(ds, band=tuple(band), taper=values), output, echo=True)


# ----------------------------------------------------------------------------- pft
def _read_table(path: str, option: str):
    """CSV table: one row per band, upper latitude then 13 percentages ('#' comments allowed)."""
    import numpy as np

    from climpy.exceptions import InputError

    try:
        rows = np.loadtxt(path, delimiter=",", comments="#", ndmin=2)
    except (OSError, ValueError) as err:
        raise InputError(
            f"{path}: cannot read the PFT table ({err}); give CSV rows 'upper_latitude, p1, ..., p13' "
            f"({option})"
        ) from err
    if rows.shape[1] != 14:
        raise InputError(
            f"{path}: rows have {rows.shape[1]} columns; expected 14 (upper latitude and 13 PFT "
            f"percentages) ({option})"
        )
    return rows[:, 0], rows[:, 1:]


@click.command("pft")
@click.argument("topo_path", metavar="TOPO", type=click.Path(exists=True, dir_okay=False))
@_OUT
@click.option("--variable", help="Topography variable (default: topo, or the only 2-D variable).")
@click.option(
    "--table", type=click.Path(exists=True, dir_okay=False), help="CSV: upper_lat, 13 percentages per row."
)
@click.option("--south-table", type=click.Path(exists=True, dir_okay=False), help="CSV table for the south.")
@click.option(
    "--table-from",
    type=click.Path(exists=True, dir_okay=False),
    help="Take the table from an existing maxvegetfrac file (written by climpy or the legacy app).",
)
@click.option("--table-out", type=click.Path(dir_okay=False), help="Also write the table used as CSV.")
def pft_cmd(topo_path, output, variable, table, south_table, table_from, table_out) -> None:
    """ORCHIDEE vegetation fractions (maxvegetfrac, 13 PFTs) on the grid of TOPO from a band table."""
    import numpy as np

    from climpy.io.write import write_bytes
    from climpy.pft import DEFAULT_LATITUDES, DEFAULT_TABLE, pft, pft_table

    if table and table_from:
        raise click.UsageError("--table and --table-from are exclusive: give one source for the table")
    _check_out(table_out, "--table-out")
    lat_n, tab_n = np.asarray(DEFAULT_LATITUDES), np.asarray(DEFAULT_TABLE, dtype=float)
    lat_s = tab_s = None
    if table:
        lat_n, tab_n = _read_table(table, "--table")
    if table_from:
        t = pft_table(open_any(table_from))
        lat_n, tab_n, lat_s, tab_s = t.latitudes, t.north, t.latitudes, t.south
    if south_table:
        lat_s, tab_s = _read_table(south_table, "--south-table")
    ds = _open_topography(topo_path, variable)
    out = pft(ds, variable="topo", latitudes=lat_n, table=tab_n, south_latitudes=lat_s, south_table=tab_s)
    write(out, output, echo=True)
    if table_out:
        t = pft_table(out)
        files = [(Path(table_out), t.latitudes, t.north)]
        lat_south = np.asarray(out.attrs["pft_south_latitudes"])
        if lat_south.shape != t.latitudes.shape or not (
            np.allclose(lat_south, t.latitudes) and np.allclose(t.south, t.north)
        ):
            p = Path(table_out)
            files.append((p.with_name(p.stem + "_south" + p.suffix), lat_south, t.south))
        for path, lats, rows in files:
            lines = ["# upper_latitude, 13 PFT percentages (climpy pft --table)"]
            lines += [",".join([f"{la:g}", *(f"{v:g}" for v in r)]) for la, r in zip(lats, rows)]
            write_bytes(path, "\n".join(lines) + "\n", option_name="--table-out")
            click.echo(f"wrote {path}")


# ----------------------------------------------------------------------------- regrid
@click.command("regrid")
@click.argument("topo_path", metavar="TOPO", type=click.Path(exists=True, dir_okay=False))
@_OUT
@click.option("--variable", help="Topography variable (default: topo, or the only 2-D variable).")
@click.option(
    "--method",
    type=click.Choice(["conservative", "bilinear", "nearest"]),
    default="conservative",
    show_default=True,
)
@click.option(
    "--step", type=click.FloatRange(min=0, min_open=True), help="Cell size (degrees) in lon and lat."
)
@click.option(
    "--lon-step", type=click.FloatRange(min=0, min_open=True), help="Longitude cell size (degrees)."
)
@click.option("--lat-step", type=click.FloatRange(min=0, min_open=True), help="Latitude cell size (degrees).")
@click.option(
    "--limits", nargs=4, type=float, help="LON_MIN LON_MAX LAT_MIN LAT_MAX cell edges (default global)."
)
@click.option(
    "--target", "target_path", type=click.Path(exists=True, dir_okay=False), help="Grid file to regrid to."
)
def regrid_cmd(topo_path, output, variable, method, step, lon_step, lat_step, limits, target_path) -> None:
    """Regrid the topography TOPO to a regular grid given by steps and limits, or by a --target file."""
    from climpy.regrid import regrid, target_grid

    lon_step = lon_step or step
    lat_step = lat_step or step or lon_step
    if target_path and lon_step:
        raise click.UsageError("give either --target or --step/--lon-step/--lat-step, not both")
    if not target_path and not lon_step:
        raise click.UsageError(
            "give the target grid: --step DEGREES (or --lon-step/--lat-step), or --target FILE"
        )
    ds = _open_topography(topo_path, variable)
    if target_path:
        target = _open_topography(target_path, None)
    else:
        lo = limits or (-180.0, 180.0, -90.0, 90.0)
        try:
            target = target_grid(
                lon_step=lon_step,
                lat_step=lat_step,
                lon_min=lo[0],
                lon_max=lo[1],
                lat_min=lo[2],
                lat_max=lo[3],
            )
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--limits/--step") from err
    write(regrid(ds, target, method=method), output, echo=True)


# ----------------------------------------------------------------------------- weights
@click.command("weights")
@click.argument("grid_path", metavar="ORCA_GRID", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--o2a", "o2a_out", type=click.Path(dir_okay=False), required=True, help="Ocean -> atmosphere file."
)
@click.option(
    "--a2o", "a2o_out", type=click.Path(dir_okay=False), required=True, help="Atmosphere -> ocean file."
)
@click.option(
    "--bathymetry", type=click.Path(exists=True, dir_okay=False), help="Ocean mask: cells with depth > 0."
)
@click.option("--bathy-variable", default="Bathymetry", show_default=True)
@click.option(
    "--atm-topography",
    type=click.Path(exists=True, dir_okay=False),
    help="Lat/lon topography or routing file: atmosphere cells with any ocean (topo <= 0) are active.",
)
@click.option(
    "--atm-variable", help="Topography variable in --atm-topography (default: topo or the only 2-D one)."
)
@click.option("--nlon", type=click.IntRange(min=3), default=96, show_default=True)
@click.option("--nlat", type=click.IntRange(min=3), default=95, show_default=True)
@click.option(
    "--normalization", type=click.Choice(["destarea", "fracarea"]), default="destarea", show_default=True
)
def weights_cmd(
    grid_path,
    o2a_out,
    a2o_out,
    bathymetry,
    bathy_variable,
    atm_topography,
    atm_variable,
    nlon,
    nlat,
    normalization,
) -> None:
    """Conservative coupling weights between ORCA_GRID (with bounds) and the LMDZ grid, SCRIP layout."""
    import numpy as np

    from climpy.exceptions import InputError
    from climpy.weights import _ocean_corners, atmosphere_grid, atmosphere_mask, coupling_weights

    if Path(o2a_out).resolve() == Path(a2o_out).resolve():
        raise click.UsageError("--o2a and --a2o must be different files")
    _check_out(o2a_out, "--o2a")
    _check_out(a2o_out, "--a2o")
    grid = open_any(grid_path)
    shape = _ocean_corners(grid)[0].shape
    ocean_mask = None
    if bathymetry:
        b = open_any(bathymetry)
        _need_var(b, bathymetry, bathy_variable, "--bathy-variable")
        depth = b[bathy_variable].values
        if depth.shape != shape:
            raise InputError(
                f"{bathymetry}: {bathy_variable!r} has shape {depth.shape}; expected {shape} like {grid_path}"
            )
        ocean_mask = np.nan_to_num(depth) > 0
    atm = atmosphere_grid(nlon, nlat)
    atm_mask = None
    if atm_topography:
        atm_mask = atmosphere_mask(_open_topography(atm_topography, atm_variable), atm)
    o2a, a2o = coupling_weights(
        grid, atm=atm, ocean_mask=ocean_mask, atm_mask=atm_mask, normalization=normalization
    )
    write(o2a, o2a_out, echo=True)
    write(a2o, a2o_out, echo=True)


COMMANDS = [heatflow_cmd, ahmcoef_cmd, pft_cmd, regrid_cmd, weights_cmd]
