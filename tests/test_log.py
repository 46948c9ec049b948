from __future__ import annotations

import json
import logging

import pytest

from climpy.exceptions import InputError
from climpy.log import configure_logging, load_logging_config

pytestmark = pytest.mark.usefixtures("restore_climpy_logger")


def test_levels_from_verbosity():
    assert configure_logging(0).level == logging.WARNING
    assert configure_logging(1).level == logging.INFO
    assert configure_logging(2).level == logging.DEBUG
    assert configure_logging(-1).level == logging.ERROR
    # reconfiguring replaces the CLI handlers instead of stacking them
    cli = [h for h in configure_logging(1).handlers if getattr(h, "_climpy_cli", False)]
    assert len(cli) == 1


def test_rotating_file_is_capped(tmp_path):
    log = tmp_path / "logs" / "climpy.log"
    configure_logging(1, log_file=log, max_bytes=2000, backup_count=2)
    for i in range(200):
        logging.getLogger("climpy.test").info("message number %d with some padding text", i)
    files = sorted(p.name for p in log.parent.iterdir())
    assert files == ["climpy.log", "climpy.log.1", "climpy.log.2"]
    assert all(p.stat().st_size <= 2000 for p in log.parent.iterdir())


def test_json_lines(tmp_path):
    log = tmp_path / "climpy.jsonl"
    configure_logging(1, log_file=log, json_lines=True)
    logging.getLogger("climpy.routing").info("filled %d cells", 42)
    record = json.loads(log.read_text().splitlines()[-1])
    assert record["message"] == "filled 42 cells"
    assert record["name"] == "climpy.routing" and record["levelname"] == "INFO"


def test_config_file_expands_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIMPY_TEST_LOG_DIR", str(tmp_path))
    cfg = tmp_path / "logging.yaml"
    cfg.write_text(
        "version: 1\n"
        "disable_existing_loggers: false\n"
        "handlers:\n"
        "  f: {class: logging.FileHandler, filename: '${CLIMPY_TEST_LOG_DIR}/out.log'}\n"
        "loggers:\n"
        "  climpy.cfgtest: {level: DEBUG, handlers: [f]}\n"
    )
    configure_logging(config_file=cfg)
    logger = logging.getLogger("climpy.cfgtest")
    logger.debug("from the config file")
    for h in logger.handlers:
        h.flush()
    assert "from the config file" in (tmp_path / "out.log").read_text()
    for h in list(logger.handlers):
        h.close()
        logger.removeHandler(h)


@pytest.mark.parametrize(
    ("text", "match"),
    [("version: [1", "not a valid logging config"), ("handlers: {}\n", "version: 1")],
)
def test_bad_config_file(tmp_path, text, match):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    with pytest.raises(InputError, match=match):
        load_logging_config(cfg)
    with pytest.raises(InputError, match="cannot read"):
        load_logging_config(tmp_path / "absent.yaml")
