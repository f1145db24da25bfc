"""Boundary handlers in tornado's shapes: a logger imported from another module of the project
(``gen_log``), ``isinstance(e, ...)`` tests, and handlers that log only in a branch."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualitytool.api import fix_exceptions
from qualitytool.config import Config

LOG_MODULE = "import logging\n\ngen_log = logging.getLogger('pkg.general')\n"


def _fix(tmp_path: Path, code: str) -> tuple[str, str, str | None]:
    package = tmp_path / "pkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "log.py").write_text(LOG_MODULE)
    target = package / "mod.py"
    target.write_text(code)
    report = fix_exceptions([target], Config(root=tmp_path), write=True, boundaries=True,
                            record_run=False, jobs=1)
    ((handler,),) = [report.handlers]
    return target.read_text(), handler.outcome, handler.reason


def test_an_imported_project_logger_is_a_logger_not_a_hand_off(tmp_path: Path) -> None:
    code = (
        "from pkg.log import gen_log\n\n\ndef close_all(close, path):\n    try:\n"
        "        close()\n    except Exception as e:\n"
        "        gen_log.error('Could not close %r: %s', path, e)\n"
    )
    text, outcome, _ = _fix(tmp_path, code)
    assert outcome == "boundary"
    assert text == code.replace("gen_log.error(", "gen_log.exception(")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "        if not isinstance(e, quiet):\n"
            "            gen_log.error('failed', exc_info=True)\n",
            id="logs only what is not quiet",
        ),
        pytest.param(
            "        if isinstance(e, KeyError):\n            return None\n"
            "        gen_log.warning('failed: %s', e) if verbose else None\n",
            id="a conditional expression",
        ),
    ],
)
def test_a_handler_that_logs_in_a_branch_is_left_as_it_decides(
    tmp_path: Path, body: str
) -> None:
    code = (
        "from pkg.log import gen_log\n\n\ndef wait(future, quiet, verbose):\n    try:\n"
        "        future.result()\n    except Exception as e:\n" + body
    )
    text, outcome, reason = _fix(tmp_path, code)
    assert text == code
    assert outcome == "boundary"
    assert reason is not None and reason.endswith("it logs in a branch, left as it decides")


def test_isinstance_does_not_hand_the_exception_on(tmp_path: Path) -> None:
    code = (
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
        "def run(callback, counts):\n    try:\n        callback()\n    except Exception as e:\n"
        "        counts[isinstance(e, OSError)] += 1\n"
    )
    text, outcome, _ = _fix(tmp_path, code)
    assert outcome == "boundary"
    assert text == code.replace(
        "    except Exception as e:\n",
        "    except Exception as e:\n        logger.exception(\"unexpected error\")\n",
    )
