"""Which logging calls exempt a broad handler: the same as the installed ruff's BLE001.

ruff 0.17 counts ``exc_info`` on every level and on ``log`` (not ``fatal``), with any value but
a falsy literal; an imported logger only through ``logger-objects``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qualitytool.api import check_exceptions
from qualitytool.config import Config, ExceptionsConfig

CALLS = [
    'logger.debug("x", exc_info=True)',
    'logger.info("x", exc_info=e)',
    'logger.warning("x", exc_info=True)',
    'logger.warn("x", exc_info=1)',
    'logger.error("x", exc_info=True)',
    'logger.critical("x", exc_info=flag)',
    'logger.log(10, "x", exc_info=True)',
    'logging.warning("x", exc_info=True)',
    'warning("x", exc_info=True)',
    'logger.exception("x", exc_info=False)',
    'logger.info("x")',
    'logger.fatal("x", exc_info=True)',
    'logger.error("x", exc_info=False)',
    'logger.error("x", exc_info=None)',
    'logger.error("x", exc_info=0)',
    'gen_log.error("x", exc_info=True)',
    'app_log.error("x", exc_info=True)',
]


def _module() -> str:
    lines = [
        "import logging", "from logging import warning", "from pkg.log import app_log",
        "logger = logging.getLogger()", "gen_log = logging.getLogger('gen')", "flag = True",
    ]
    for i, call in enumerate(CALLS):
        lines += [f"def f{i}(f):", "    try:", "        f()", "    except Exception as e:",
                  f"        {call}"]
    return "\n".join(lines) + "\n"


def _ruff(path: Path, logger_objects: list[str]) -> set[int]:
    args = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select",
            "BLE001", "--output-format", "concise", str(path)]
    if logger_objects:
        args[4:4] = ["--config", f"lint.logger-objects = {logger_objects!r}".replace("'", '"')]
    found = subprocess.run(args, capture_output=True, text=True, check=False).stdout
    return {int(line.split(":")[1]) for line in found.splitlines() if "BLE001" in line}


@pytest.mark.parametrize("logger_objects", [[], ["pkg.log.app_log"]], ids=["default", "listed"])
def test_same_handlers_as_ruff(tmp_path: Path, logger_objects: list[str]) -> None:
    path = tmp_path / "mod.py"
    path.write_text(_module())
    config = Config(root=tmp_path, exceptions=ExceptionsConfig(
        logger_objects=tuple(logger_objects)
    ))
    ours = {f.line for f in check_exceptions([path], config, jobs=1).findings}
    theirs = _ruff(path, logger_objects)
    assert ours == theirs
    reported = sorted(CALLS[(line - 10) // 5] for line in ours)
    expected = [
        'gen_log.error("x", exc_info=True)',  # a local name ruff does not take for a logger
        'logger.error("x", exc_info=0)', 'logger.error("x", exc_info=False)',
        'logger.error("x", exc_info=None)', 'logger.fatal("x", exc_info=True)',
        'logger.info("x")',
    ]
    if not logger_objects:
        expected.append('app_log.error("x", exc_info=True)')
    assert reported == sorted(expected)
