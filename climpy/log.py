"""Logging set-up for the command line (the library itself never configures handlers).

Levels from ``-v``/``-q``, an optional rotating log file with a size cap, JSON lines on request
(python-json-logger), or a full ``logging.config.dictConfig`` file (YAML or JSON) in which
environment variables such as ``$HOME`` or ``${CLIMPY_LOG_DIR}`` are expanded.
"""

from __future__ import annotations

import json
import logging
import logging.config
import logging.handlers
import os
from pathlib import Path

from climpy._typing import PathLike
from climpy.exceptions import InputError

__all__ = ["configure_logging", "load_logging_config"]

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"

#: Default cap of a log file before it is rotated (bytes), and how many rotated files are kept.
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 3


def _level(verbosity: int) -> int:
    # 0 -> WARNING, 1 -> INFO, 2+ -> DEBUG; negative (quiet) -> ERROR
    if verbosity < 0:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)


def _formatter(json_lines: bool) -> logging.Formatter:
    if json_lines:
        from pythonjsonlogger.json import JsonFormatter
        return JsonFormatter(_JSON_FIELDS)
    return logging.Formatter(_FORMAT)


def load_logging_config(path: PathLike) -> dict:
    """Read a dictConfig file (``.yaml``/``.yml`` or ``.json``), expanding environment variables.

    Raises
    ------
    InputError
        If the file cannot be read or parsed, naming the file and what to fix.
    """
    p = Path(path)
    try:
        text = os.path.expandvars(p.read_text())
    except OSError as err:
        raise InputError(f"{p}: cannot read the logging config ({err.strerror}); check the path") from err
    try:
        if p.suffix in {".yaml", ".yml"}:
            import yaml

            cfg = yaml.safe_load(text)
        else:
            cfg = json.loads(text)
    except Exception as err:
        raise InputError(
            f"{p}: not a valid logging config ({err}); it must be a logging.config.dictConfig "
            "mapping in YAML or JSON"
        ) from err
    if not isinstance(cfg, dict) or "version" not in cfg:
        raise InputError(
            f"{p}: a logging config needs a mapping with 'version: 1' (logging.config.dictConfig schema)"
        )
    return cfg


def configure_logging(
    verbosity: int = 0,
    *,
    log_file: PathLike | None = None,
    json_lines: bool = False,
    config_file: PathLike | None = None,
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
) -> logging.Logger:
    """Configure the ``climpy`` logger for a command-line run and return it.

    Parameters
    ----------
    verbosity : int
        -1 quiet (errors only), 0 warnings, 1 info, 2 debug.
    log_file : path, optional
        Also log to this file, rotated at ``max_bytes`` with ``backup_count`` old files kept.
    json_lines : bool
        Emit one JSON object a line (python-json-logger) instead of text.
    config_file : path, optional
        A dictConfig file (YAML/JSON, env vars expanded); when given it replaces all the above.
    """
    if config_file is not None:
        logging.config.dictConfig(load_logging_config(config_file))
        return logging.getLogger("climpy")

    logger = logging.getLogger("climpy")
    for h in list(logger.handlers):
        if getattr(h, "_climpy_cli", False):
            logger.removeHandler(h)
            h.close()
    logger.setLevel(_level(verbosity))
    fmt = _formatter(json_lines)
    stream = logging.StreamHandler()
    stream.setFormatter(fmt)
    stream._climpy_cli = True  # type: ignore[attr-defined]
    logger.addHandler(stream)
    if log_file is not None:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        fh = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
        )
        fh.setFormatter(fmt)
        fh._climpy_cli = True  # type: ignore[attr-defined]
        logger.addHandler(fh)
    logger.propagate = False
    return logger
