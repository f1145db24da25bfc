"""Boundary handlers: catch-alls that belong where they are, kept and made to log.

A try body that runs callers' code -- a callback, a middleware's next app, a plugin, the
result of a future -- can raise anything, and no contract will ever say otherwise.  Such a
handler is reported as a *boundary*; ``--boundaries`` keeps it broad and makes it log the
traceback: ``exc_info=True`` on the logging call it already makes (``.exception`` in place of
``.error``), or ``logger.exception`` first.  Its message and control flow stay.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qualitytool.api import fix_exceptions
from qualitytool.config import Config

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"

# (before, after --boundaries): real shapes from Django, tornado and FastAPI/Starlette apps.
CASES = [
    pytest.param(
        LOGGER + "def send(receivers, signal, **named):\n    for receiver in receivers:\n"
        "        try:\n            receiver(signal=signal, **named)\n"
        "        except Exception as err:\n"
        "            logger.error('Error calling %s', receiver)\n",
        LOGGER + "def send(receivers, signal, **named):\n    for receiver in receivers:\n"
        "        try:\n            receiver(signal=signal, **named)\n"
        "        except Exception as err:\n"
        "            logger.exception('Error calling %s', receiver)\n",
        id="signal receivers (Django's dispatcher): its error call becomes .exception",
    ),
    pytest.param(
        LOGGER + "class Timing:\n    def __init__(self, app):\n        self.app = app\n\n"
        "    async def __call__(self, scope, receive, send):\n        try:\n"
        "            await self.app(scope, receive, send)\n        except Exception:\n"
        "            await send({'type': 'http.response.start', 'status': 500})\n",
        LOGGER + "class Timing:\n    def __init__(self, app):\n        self.app = app\n\n"
        "    async def __call__(self, scope, receive, send):\n        try:\n"
        "            await self.app(scope, receive, send)\n        except Exception:\n"
        "            logger.exception(\"unexpected error\")\n"
        "            await send({'type': 'http.response.start', 'status': 500})\n",
        id="ASGI middleware around the next app",
    ),
    pytest.param(
        "async def dispatch(request, call_next):\n    try:\n"
        "        return await call_next(request)\n    except Exception:\n        return None\n",
        "import logging\n\n\nasync def dispatch(request, call_next):\n    try:\n"
        "        return await call_next(request)\n    except Exception:\n"
        "        logging.getLogger(__name__).exception(\"unexpected error\")\n"
        "        return None\n",
        id="Starlette dispatch(call_next), no logger yet: logging imported",
    ),
    pytest.param(
        LOGGER + "async def consume(queue):\n    while True:\n        job = await queue.get()\n"
        "        try:\n            await job\n        except Exception:\n            continue\n",
        LOGGER + "async def consume(queue):\n    while True:\n        job = await queue.get()\n"
        "        try:\n            await job\n        except Exception:\n"
        "            logger.exception(\"unexpected error\")\n            continue\n",
        id="a worker loop awaiting jobs",
    ),
    pytest.param(
        LOGGER + "def finished(future):\n    try:\n        future.result()\n"
        "    except Exception:\n        logger.warning(\n            'task failed',\n"
        "            future,\n        )\n",
        LOGGER + "def finished(future):\n    try:\n        future.result()\n"
        "    except Exception:\n        logger.warning(\n            'task failed',\n"
        "            future,\n            exc_info=True,\n        )\n",
        id="a future's result (tornado): multi-line log call keeps its layout",
    ),
    pytest.param(
        LOGGER + "import importlib\n\ndef load(name):\n    try:\n"
        "        return importlib.import_module(name)\n    except Exception:\n"
        "        return None\n",
        LOGGER + "import importlib\n\ndef load(name):\n    try:\n"
        "        return importlib.import_module(name)\n    except Exception:\n"
        "        return None\n",
        id="no-op: importlib.import_module has a contract (unsafe ImportError, not a boundary)",
    ),
    pytest.param(
        LOGGER + "async def close(serving):\n    try:\n        await serving\n"
        "    except Exception:\n        # the connection is closing\n        pass  # next\n",
        LOGGER + "async def close(serving):\n    try:\n        await serving\n"
        "    except Exception:\n        # the connection is closing\n"
        "        logger.exception(\"unexpected error\")  # next\n",
        id="a body of only `pass` is replaced, its comments kept (tornado's http1connection)",
    ),
    pytest.param(
        "def run(callback):\n    try:\n        callback()\n    except Exception: pass\n",
        "import logging\n\n\ndef run(callback):\n    try:\n        callback()\n"
        "    except Exception: logging.getLogger(__name__).exception(\"unexpected error\")\n",
        id="`except Exception: pass` on one line",
    ),
    pytest.param(
        "import logging\n\ncurl_log = logging.getLogger('app.curl')\n\n\n"
        "def run(callback):\n    try:\n        callback()\n    except Exception:\n"
        "        return 1\n",
        "import logging\n\ncurl_log = logging.getLogger('app.curl')\n\n\n"
        "def run(callback):\n    try:\n        callback()\n    except Exception:\n"
        "        curl_log.exception(\"unexpected error\")\n        return 1\n",
        id="the module's only logger, whatever its name (tornado's curl_log)",
    ),
]


def fixed(tmp_path: Path, code: str, boundaries: bool = True) -> str:
    path = tmp_path / "mod.py"
    path.write_text(code)
    fix_exceptions([path], Config(root=tmp_path), write=True, boundaries=boundaries,
                   record_run=False)
    return path.read_text()


@pytest.mark.parametrize(("before", "after"), CASES)
def test_boundary(tmp_path: Path, before: str, after: str) -> None:
    assert fixed(tmp_path, before) == after
    assert fixed(tmp_path, after) == after  # idempotent: a logged catch-all is exempt


@pytest.mark.parametrize(("before", "after"), CASES)
def test_boundaries_only_on_request(tmp_path: Path, before: str, after: str) -> None:
    del after
    assert fixed(tmp_path, before, boundaries=False) == before


def test_a_boundary_is_reported_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "def run(callback):\n    try:\n        callback()\n    except Exception:\n        pass\n"
    )
    report = fix_exceptions([tmp_path], Config(root=tmp_path), record_run=False)
    ((handler),) = report.handlers
    assert (handler.outcome, handler.reason, handler.applied) == (
        "boundary", ("a boundary: `callback` is a callable passed in or chosen at run time "
                     "(--boundaries makes it log the traceback)"), False
    )
    assert report.summary()["boundary"] == 1


def test_without_boundaries_the_hint_is_given_only_where_the_option_would_log(
    tmp_path: Path,
) -> None:
    """The decision is the same with and without --boundaries: a handler that reports the
    error itself is kept as it is by both, and the reason without the option does not
    promise a traceback the option would not add (found on pretalx)."""
    (tmp_path / "mod.py").write_text(
        "def run(callback):\n    try:\n        callback()\n    except Exception as e:\n"
        "        return str(e)\n"
    )
    plain = fix_exceptions([tmp_path], Config(root=tmp_path), record_run=False)
    opted = fix_exceptions([tmp_path], Config(root=tmp_path), record_run=False,
                           boundaries=True)
    ((without,),) = [plain.handlers]
    ((with_option,),) = [opted.handlers]
    assert "--boundaries makes it" not in (without.reason or "")
    assert (without.outcome, without.reason) == (with_option.outcome, with_option.reason)
    assert "reports the error itself" in (without.reason or "")


def test_exc_info_goes_to_the_logger_call_not_another_info_method(tmp_path: Path) -> None:
    code = (
        LOGGER + "def run(callback, stats):\n    try:\n        callback()\n"
        "    except Exception:\n        stats.info('failed'); logger.warning('failed')\n"
    )
    assert fixed(tmp_path, code) == code.replace(
        "logger.warning('failed')", "logger.warning('failed', exc_info=True)"
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("future.set_exception(exc)", id="set on a future"),
        pytest.param("future_set_exc_info(future, sys.exc_info())", id="sys.exc_info() handed on"),
        pytest.param("self.error = exc", id="kept for later"),
        pytest.param("return exc", id="returned"),
    ],
)
def test_a_handler_that_hands_the_exception_on_is_not_made_to_log(
    tmp_path: Path, body: str
) -> None:
    code = (
        "import sys\n\ndef run(self, callback, future):\n    try:\n        callback()\n"
        f"    except Exception as exc:\n        {body}\n"
    )
    (tmp_path / "mod.py").write_text(code)
    report = fix_exceptions([tmp_path], Config(root=tmp_path), boundaries=True, record_run=False)
    ((handler),) = report.handlers
    assert handler.outcome == "left"
    assert "hands the exception on" in (handler.reason or "")


def test_a_boundary_that_already_logs_the_traceback_is_left_as_it_is(tmp_path: Path) -> None:
    code = (
        "import logging\n\napp_log = logging.getLogger('app')\n\n\n"
        "def run(callback):\n    try:\n        callback()\n    except Exception:\n"
        "        app_log.warning('callback %r failed', callback, exc_info=True)\n"
    )
    assert fixed(tmp_path, code) == code


@pytest.mark.parametrize(
    ("level", "after"),
    [
        pytest.param("warning", "app_log.warning('callback %r failed', callback, exc_info=True)",
                     id="a warning gets exc_info=True"),
        pytest.param("error", "app_log.exception('callback %r failed', callback)",
                     id="an error becomes .exception: the same level, with the traceback"),
    ],
)
def test_a_logger_known_by_its_type_logs_the_traceback(
    tmp_path: Path, level: str, after: str
) -> None:
    code = (
        "import logging\n\napp_log = logging.getLogger('app')\n\n\n"
        "def run(callback):\n    try:\n        callback()\n    except Exception:\n"
        f"        app_log.{level}('callback %r failed', callback)\n"
    )
    assert fixed(tmp_path, code) == code.replace(
        f"app_log.{level}('callback %r failed', callback)", after
    )


def test_libcst_tool_runs_the_boundary_fix(tmp_path: Path) -> None:
    (tmp_path / ".libcst.codemod.yaml").write_text(
        "generated_code_marker: '@generated'\nformatter: []\nblacklist_patterns: []\n"
        "modules:\n- 'qualitytool.codemods'\nrepo_root: '.'\n"
    )
    before, after = CASES[0].values
    (tmp_path / "mod.py").write_text(str(before))
    result = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "fix_exceptions.FixExceptionsCommand",
         "-j", "1", "--no-format", "--boundaries", "mod.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mod.py").read_text() == after


def _two_modules(tmp_path: Path, app: str) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "log.py").write_text(
        "import logging\n\napp_log = logging.getLogger('app')\n"
        "gen_log = logging.getLogger('gen')\n"
    )
    path = tmp_path / "pkg" / "app.py"
    path.write_text(app)
    return path


@pytest.mark.parametrize(
    ("imports", "logger"),
    [
        pytest.param("from pkg.log import gen_log\n", "gen_log", id="the only imported logger"),
        pytest.param("from pkg.log import app_log, gen_log\n",
                     "logging.getLogger(__name__)", id="two imported loggers: no guess"),
    ],
)
def test_an_imported_logger_is_used_when_it_is_the_only_one(
    tmp_path: Path, imports: str, logger: str
) -> None:
    body = "\n\ndef run(callback):\n    try:\n        callback()\n    except Exception:\n"
    path = _two_modules(tmp_path, imports + body + "        return None\n")
    fix_exceptions([tmp_path / "pkg"], Config(root=tmp_path), write=True, boundaries=True,
                   record_run=False)
    assert f'        {logger}.exception("unexpected error")\n        return None\n' in (
        path.read_text()
    )


@pytest.mark.parametrize(
    "helper",
    [
        pytest.param("app_log.error('callback %r failed', callback, exc_info=True)",
                     id="logs with exc_info (tornado's handle_callback_exception)"),
        pytest.param("app_log.exception('callback failed')", id="logger.exception"),
        pytest.param("report(traceback.format_exc())", id="formats the current traceback"),
        pytest.param("raise", id="re-raises with a bare raise"),
    ],
)
def test_a_handler_calling_a_method_that_reports_the_exception_is_left(
    tmp_path: Path, helper: str
) -> None:
    code = (
        "import traceback\n\nfrom pkg.log import app_log\n\n\nclass Client:\n"
        "    def run(self, callback):\n        try:\n            callback()\n"
        "        except Exception:\n            self.handle_callback_exception(callback)\n\n"
        f"    def handle_callback_exception(self, callback):\n        {helper}\n"
    )
    path = _two_modules(tmp_path, code)
    report = fix_exceptions([tmp_path / "pkg"], Config(root=tmp_path), write=True,
                            boundaries=True, record_run=False)
    assert path.read_text() == code
    ((handler),) = report.handlers
    assert handler.outcome == "left"
    assert "hands the exception on (`self.handle_callback_exception(callback)`)" in handler.reason


def test_a_method_that_only_handles_its_own_exceptions_does_not_hand_on(tmp_path: Path) -> None:
    code = (
        "from pkg.log import app_log\n\n\nclass Client:\n"
        "    def run(self, callback):\n        try:\n            callback()\n"
        "        except Exception:\n            self.cleanup()\n\n"
        "    def cleanup(self):\n        try:\n            self.close()\n"
        "        except OSError:\n            app_log.error('close', exc_info=True)\n"
        "            raise\n"
    )
    path = _two_modules(tmp_path, code)
    fix_exceptions([tmp_path / "pkg"], Config(root=tmp_path), write=True, boundaries=True,
                   record_run=False)
    assert 'app_log.exception("unexpected error")\n            self.cleanup()' in path.read_text()
