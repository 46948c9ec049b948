"""The ``climpy`` command line: a thin click front end over the library.

Sub-commands live in the modules of this package; each module exposes ``COMMANDS``, a list of
click commands, and is discovered here, so adding a command never edits this file. Heavy imports
(xarray, numba, papermill) stay inside the command functions to keep ``climpy --help`` fast.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

import click

from climpy import __version__
from climpy.exceptions import ClimpyError, InputError

__all__ = ["main"]

logger = logging.getLogger(__name__)


class _Group(click.Group):
    """A group that turns climpy errors into one clear line and an exit status.

    ``InputError`` (bad user input) exits 2 like a usage error; other climpy errors exit 1.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as err:
            click.echo(f"Error: {err}", err=True)
            ctx.exit(2)
        except ClimpyError as err:
            click.echo(f"Error: {err}", err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="climpy")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Also log to this file (rotated at 5 MB).")
@click.option("--log-json", is_flag=True, help="Log JSON lines instead of text.")
@click.option(
    "--log-config",
    type=click.Path(exists=True, dir_okay=False),
    envvar="CLIMPY_LOG_CONFIG",
    help="A logging dictConfig file (YAML/JSON); $VARS in it are expanded. Overrides the above.",
)
def main(verbose: int, quiet: bool, log_file: str | None, log_json: bool, log_config: str | None) -> None:
    """Prepare IPSL-CM5A2 boundary conditions for deep-time climates."""
    from climpy.log import configure_logging

    configure_logging(
        -1 if quiet else verbose, log_file=log_file, json_lines=log_json, config_file=log_config
    )


def _discover() -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        for cmd in getattr(module, "COMMANDS", []):
            main.add_command(cmd)


_discover()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
