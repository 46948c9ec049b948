"""The command-line group: discovery, logging options, error mapping."""

from __future__ import annotations

import logging

import click
import pytest
from click.testing import CliRunner

from climpy import __version__
from climpy.cli import main
from climpy.exceptions import GridError, InputError

pytestmark = pytest.mark.usefixtures("restore_climpy_logger")


def test_version_and_help():
    runner = CliRunner()
    res = runner.invoke(main, ["--version"])
    assert res.exit_code == 0 and __version__ in res.output
    res = runner.invoke(main, ["--help"])
    assert res.exit_code == 0 and "--log-json" in res.output


def test_climpy_errors_become_one_line_and_exit_status():
    @click.command("boom-input")
    def boom_input():
        raise InputError("topo.nc: variable 'topo' has no latitude; add a 'lat' coordinate")

    @click.command("boom-grid")
    def boom_grid():
        raise GridError("edits.json: grid fingerprint differs")

    main.add_command(boom_input)
    main.add_command(boom_grid)
    try:
        runner = CliRunner()
        res = runner.invoke(main, ["boom-input"])
        assert res.exit_code == 2
        assert res.output.strip().splitlines() == [
            "Error: topo.nc: variable 'topo' has no latitude; add a 'lat' coordinate"
        ]
        res = runner.invoke(main, ["boom-grid"])
        assert res.exit_code == 1 and "grid fingerprint differs" in res.output
    finally:
        main.commands.pop("boom-input")
        main.commands.pop("boom-grid")


def test_missing_log_config_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(main, ["--log-config", str(tmp_path / "nope.yaml"), "status"])
    assert res.exit_code == 2 and "nope.yaml" in res.output


def test_log_file_option_writes_rotating_log(tmp_path):
    @click.command("hello-log")
    def hello_log():
        logging.getLogger("climpy.test").info("hello from a command")

    main.add_command(hello_log)
    try:
        log = tmp_path / "climpy.log"
        res = CliRunner().invoke(main, ["-v", "--log-file", str(log), "hello-log"])
        assert res.exit_code == 0, res.output
        assert "hello from a command" in log.read_text()
    finally:
        main.commands.pop("hello-log")
