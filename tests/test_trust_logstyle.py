"""Issue 22, items 6 and 8: boundaries log the way the module logs, and rewrites are written in
the project's style.  The regression table: each case's code, what fix-exceptions wrote
before (``old``, as the tool on main wrote it) and what it writes now (``new``).

Logging cases are then *run*: the old and the new module are imported and their handler
driven with a failing callback, through the real loguru, structlog and logging; the table
pins what each did (raised, logged without a traceback, logged through a second logging
system) and the test checks that every new log call logs the traceback and never raises.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import loguru
import pytest
import structlog

from qualitytool.api import fix_exceptions
from qualitytool.config import Config


@dataclass(frozen=True)
class Case:
    id: str
    code: str
    old: str  # what fix-exceptions --boundaries wrote before (main at faee825)
    new: str  # what it writes now
    old_behaviour: str = ""  # running the old handler: "raises", "no traceback", ...
    library: str = ""  # "loguru", "structlog", "logging": the new code is run through it


def _code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


LOGURU = "from loguru import logger\n\n\n"


def _left_alone(id_: str, code: str, old: str) -> Case:
    """A case the rewrite now leaves as it is (``new`` is ``code``)."""
    return Case(id_, code, old, code)


CASES = [
    Case(
        "loguru: an exception object as the message (lnbits' logger.warning(e))",
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception as e:
                    logger.warning(e)
            """),
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception as e:
                    logger.warning(e, exc_info=True)
            """),
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception as e:
                    logger.opt(exception=True).warning(e)
            """),
        # a keyword makes loguru format the message: e.format(...) (AttributeError, loguru 0.7),
        # or str(e).format(...) reading the braces of the exception's text (0.8)
        old_behaviour="raises",
        library="loguru",
    ),
    Case(
        "loguru: a message holding braces gets no keyword (str.format would read them)",
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception as exc:
                    logger.debug(f"relay said {exc!s}: {{'id': 1}}")
            """),
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception as exc:
                    logger.debug(f"relay said {exc!s}: {{'id': 1}}", exc_info=True)
            """),
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception as exc:
                    logger.opt(exception=True).debug(f"relay said {exc!s}: {{'id': 1}}")
            """),
        old_behaviour="raises",  # KeyError: str.format reads {'id': 1}
        library="loguru",
    ),
    Case(
        "loguru: an error call becomes logger.exception (the same level)",
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception as exc:
                    logger.error(f"callback failed: {exc}")
            """),
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception as exc:
                    logger.error(f"callback failed: {exc}", exc_info=True)
            """),
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception as exc:
                    logger.exception(f"callback failed: {exc}")
            """),
        old_behaviour="raises",  # the exception's text holds braces: str.format reads them
        library="loguru",
    ),
    Case(
        "loguru: .opt(...) already in the chain gets exception=True (a second opt resets it)",
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    logger.opt(colors=True).bind(job=1).warning("<red>job failed</red>")
            """),
        LOGURU.replace("\n", "\nimport logging\n", 1) + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    logging.getLogger(__name__).exception("unexpected error")
                    logger.opt(colors=True).bind(job=1).warning("<red>job failed</red>")
            """),
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    logger.opt(colors=True, exception=True).bind(job=1).warning(
                        "<red>job failed</red>"
                    )
            """),
        old_behaviour="second logging system",
        library="loguru",
    ),
    Case(
        "loguru module, a handler without a log call: loguru's logger, not a second system",
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    return None
            """),
        LOGURU.replace("\n", "\nimport logging\n", 1) + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    logging.getLogger(__name__).exception("unexpected error")
                    return None
            """),
        LOGURU + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    logger.exception("unexpected error")
                    return None
            """),
        old_behaviour="second logging system",
        library="loguru",
    ),
    Case(
        "structlog: a warning gets exc_info=True, which structlog renders",
        "import structlog\n\nlog = structlog.get_logger()\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    log.warning("callback_failed", attempt=1)
            """),
        "import structlog\n\nlog = structlog.get_logger()\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    log.warning("callback_failed", attempt=1, exc_info=True)
            """),
        "import structlog\n\nlog = structlog.get_logger()\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    log.warning("callback_failed", attempt=1, exc_info=True)
            """),
        library="structlog",  # unchanged: taken for a logger by its name before, too
    ),
    Case(
        "structlog: a handler without a log call logs through the module's logger",
        "import structlog\n\nlog = structlog.get_logger()\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    pass
            """),
        "import structlog\nimport logging\n\nlog = structlog.get_logger()\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    logging.getLogger(__name__).exception("unexpected error")
            """),
        "import structlog\n\nlog = structlog.get_logger()\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    log.exception("unexpected error")
            """),
        old_behaviour="second logging system",
        library="structlog",
    ),
    Case(
        "stdlib: a warning gets exc_info=True, an error becomes .exception",
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    logger.error("callback %r failed", callback)
            """),
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    logger.error("callback %r failed", callback, exc_info=True)
            """),
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    logger.exception("callback %r failed", callback)
            """),
        library="logging",
    ),
    Case(
        "the handler prints the traceback already: no second report",
        "import traceback\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    traceback.print_exc()
            """),
        "import traceback\nimport logging\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    logging.getLogger(__name__).exception("unexpected error")
                    traceback.print_exc()
            """),
        "import traceback\n\n\n" + _code("""
            def run(callback):
                try:
                    callback()
                except Exception:
                    traceback.print_exc()
            """),
    ),
    Case(
        "a comment says the error is logged elsewhere: left as it is",
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n" + _code("""
            async def close(serving):
                try:
                    await serving
                except Exception:
                    # already logged by the loop
                    pass
            """),
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n" + _code("""
            async def close(serving):
                try:
                    await serving
                except Exception:
                    # already logged by the loop
                    logger.exception("unexpected error")
            """),
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n" + _code("""
            async def close(serving):
                try:
                    await serving
                except Exception:
                    # already logged by the loop
                    pass
            """),
    ),
    _left_alone(
        "a comment says the error surfaces later (Django's autoreloader: 'will be raised later "
        "... Pretend it didn't happen')",
        _code("""
            def setup(apps):
                try:
                    apps.populate()
                except Exception:
                    # The exception will be raised later in the child process
                    # started by the autoreloader. Pretend it didn't happen by
                    # loading an empty list of applications.
                    apps.ready = True
            """),
        "import logging\n\n" + _code("""
            def setup(apps):
                try:
                    apps.populate()
                except Exception:
                    # The exception will be raised later in the child process
                    # started by the autoreloader. Pretend it didn't happen by
                    # loading an empty list of applications.
                    logging.getLogger(__name__).exception("unexpected error")
                    apps.ready = True
            """),
    ),
    _left_alone(
        "a comment introducing the try says so (tornado's HTTP1ServerConnection.close: 'ignore "
        "any exceptions (start_serving is already responsible for logging them)')",
        "import logging\n\ngen_log = logging.getLogger('tornado.general')\n\n\n" + _code("""
            async def close(serving):
                '''Close the connection.

                Returns when the serving loop is done (the paragraph above the try starts
                inside this docstring, as in tornado).'''
                # Block until the serving loop is done, but ignore any exceptions
                # (start_serving is already responsible for logging them).
                assert serving is not None
                try:
                    await serving
                except Exception:
                    pass
            """),
        "import logging\n\ngen_log = logging.getLogger('tornado.general')\n\n\n" + _code("""
            async def close(serving):
                '''Close the connection.

                Returns when the serving loop is done (the paragraph above the try starts
                inside this docstring, as in tornado).'''
                # Block until the serving loop is done, but ignore any exceptions
                # (start_serving is already responsible for logging them).
                assert serving is not None
                try:
                    await serving
                except Exception:
                    gen_log.exception("unexpected error")
            """),
    ),
    _left_alone(
        "a comment says the failure is expected (lnbits nwc: 'The error could mean that the "
        "service provider does not provide an info note')",
        LOGURU + _code("""
            async def get_info(request, service_info):
                try:
                    info = await request("get_info")
                except Exception as e:
                    logger.error("Error getting info: " + str(e))
                    # The error could mean that the service provider does
                    # not provide an info note
                    info = service_info
                return info
            """),
        LOGURU + _code("""
            async def get_info(request, service_info):
                try:
                    info = await request("get_info")
                except Exception as e:
                    logger.exception("Error getting info: " + str(e))
                    # The error could mean that the service provider does
                    # not provide an info note
                    info = service_info
                return info
            """),
    ),
    _left_alone(
        "a log call naming only the exception's class is terse on purpose (lnbits' Bark "
        "stream loop: 'unavailable ({type(exc).__name__}); retrying in 5 seconds')",
        "import asyncio\n\n" + LOGURU + _code("""
            async def stream(listen, running):
                while running():
                    try:
                        async for item in listen():
                            print(item)
                    except Exception as exc:
                        logger.warning(
                            "stream unavailable "
                            f"({type(exc).__name__}); retrying in 5 seconds."
                        )
                        await asyncio.sleep(5)
            """),
        "import asyncio\n\n" + LOGURU + _code("""
            async def stream(listen, running):
                while running():
                    try:
                        async for item in listen():
                            print(item)
                    except Exception as exc:
                        logger.opt(exception=True).warning(
                            "stream unavailable "
                            f"({type(exc).__name__}); retrying in 5 seconds."
                        )
                        await asyncio.sleep(5)
            """),
    ),
    _left_alone(
        "lnbits nwc status: the error is returned to the caller, who logs it: no second report",
        LOGURU + _code("""
            async def status(future):
                try:
                    await future
                except Exception as e:
                    return {"error": str(e), "balance": 0}
            """),
        LOGURU + _code("""
            async def status(future):
                try:
                    await future
                except Exception as e:
                    logger.exception("unexpected error")
                    return {"error": str(e), "balance": 0}
            """),
    ),
    _left_alone(
        "lnbits payments: the error is recorded on the payment: no second report",
        LOGURU + _code("""
            async def withdraw(payment, callback):
                try:
                    await callback()
                except Exception as exc:
                    payment["lnurl_response"] = str(exc)
            """),
        LOGURU + _code("""
            async def withdraw(payment, callback):
                try:
                    await callback()
                except Exception as exc:
                    logger.exception("unexpected error")
                    payment["lnurl_response"] = str(exc)
            """),
    ),
    _left_alone(
        "lnbits commands: the error is shown to the user: no second report",
        LOGURU + _code("""
            import click


            def update_all(extensions):
                for ext in extensions:
                    try:
                        ext.install()
                    except Exception as ex:
                        click.echo(f"Failed to install extension {ext}: {ex}")
            """),
        LOGURU + _code("""
            import click


            def update_all(extensions):
                for ext in extensions:
                    try:
                        ext.install()
                    except Exception as ex:
                        logger.exception("unexpected error")
                        click.echo(f"Failed to install extension {ext}: {ex}")
            """),
    ),
    Case(
        "the twin of a handler whose comment says it is quiet on purpose (Django's smartif)",
        _code("""
            def infix(func):
                def eval(context, first, second):
                    try:
                        return func(context, first, second)
                    except Exception:
                        # Templates shouldn't throw exceptions when rendering.
                        return False

                return eval


            def prefix(func):
                def eval(context, first):
                    try:
                        return func(context, first)
                    except Exception:
                        return False

                return eval
            """),
        "import logging\n\n" + _code("""
            def infix(func):
                def eval(context, first, second):
                    try:
                        return func(context, first, second)
                    except Exception:
                        logging.getLogger(__name__).exception("unexpected error")
                        # Templates shouldn't throw exceptions when rendering.
                        return False

                return eval


            def prefix(func):
                def eval(context, first):
                    try:
                        return func(context, first)
                    except Exception:
                        logging.getLogger(__name__).exception("unexpected error")
                        return False

                return eval
            """),
        _code("""
            def infix(func):
                def eval(context, first, second):
                    try:
                        return func(context, first, second)
                    except Exception:
                        # Templates shouldn't throw exceptions when rendering.
                        return False

                return eval


            def prefix(func):
                def eval(context, first):
                    try:
                        return func(context, first)
                    except Exception:
                        return False

                return eval
            """),
    ),
    Case(
        "a split log call: no trailing whitespace, laid out as black would",
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n" + _code("""
            def run(callback, payment="p"):
                try:
                    callback()
                except Exception as exc:
                    logger.warning(
                        f"extension failed to handle paid invoice '{payment}': {exc!s}"
                    )
            """),
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n" + _code("""
            def run(callback, payment="p"):
                try:
                    callback()
                except Exception as exc:
                    logger.warning(
                        f"extension failed to handle paid invoice '{payment}': {exc!s}", 
                    exc_info=True)
            """),
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n" + _code("""
            def run(callback, payment="p"):
                try:
                    callback()
                except Exception as exc:
                    logger.warning(
                        f"extension failed to handle paid invoice '{payment}': {exc!s}",
                        exc_info=True,
                    )
            """),
        library="logging",
    ),    Case(
        "a name from a module imported from already: imported the same way, in order",
        "from importlib.metadata import version\n\n\n" + _code("""
            def installed(name):
                try:
                    return version(name)
                except Exception:
                    return None
            """),
        "from importlib.metadata import version\nimport importlib.metadata\n\n\n" + _code("""
            def installed(name):
                try:
                    return version(name)
                except importlib.metadata.PackageNotFoundError:
                    return None
            """),
        "from importlib.metadata import PackageNotFoundError, version\n\n\n" + _code("""
            def installed(name):
                try:
                    return version(name)
                except (TypeError, ValueError, PackageNotFoundError):
                    return None
            """),
    ),
]


def _fix(tmp_path: Path, code: str, name: str = "mod.py") -> str:
    path = tmp_path / name
    path.write_text(code)
    fix_exceptions([path], Config(root=tmp_path), write=True, boundaries=True,
                   unsafe_fixes=True, record_run=False, jobs=1)
    return path.read_text()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_regression_table(tmp_path: Path, case: Case) -> None:
    assert _fix(tmp_path, case.code) == case.new
    assert _fix(tmp_path, case.new) == case.new  # one run settles it


def _import(path: Path, code: str) -> ModuleType:
    path.write_text(code)
    name = f"logstyle_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Boom(Exception):
    pass


def _fail() -> None:
    raise Boom("payload {'id': 1}")


@dataclass
class Outcome:
    raised: str | None  # the exception the handler let out, by name


def _run(module: ModuleType) -> Outcome:
    """Call the module's handler with a failing callback; what reached the logs, and what
    the handler raised."""
    run = module.run
    raised = None
    try:
        if run.__code__.co_flags & 0x80:  # a coroutine function
            import asyncio

            async def failing() -> None:
                _fail()

            asyncio.run(run(failing()))
        else:
            run(_fail)
    except Exception as exc:  # noqa: BLE001 -- the old rewrite's own failure, recorded
        raised = type(exc).__name__
    return Outcome(raised)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything loguru, structlog and logging write during the test, in one buffer."""
    buffer = io.StringIO()
    sink = loguru.logger.add(buffer, format="{level} {message}", backtrace=False)
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("stdlib %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.processors.format_exc_info,
                    structlog.processors.KeyValueRenderer()],
        logger_factory=structlog.PrintLoggerFactory(buffer),
        cache_logger_on_first_use=False,
    )
    try:
        yield buffer
    finally:
        loguru.logger.remove(sink)
        root.removeHandler(handler)
        structlog.reset_defaults()


RUN = [c for c in CASES if c.library]


@pytest.mark.parametrize("case", RUN, ids=[c.id for c in RUN])
def test_every_new_log_call_logs_the_traceback_and_never_raises(
    tmp_path: Path, captured: io.StringIO, case: Case
) -> None:
    outcome = _run(_import(tmp_path / "new.py", case.new))
    output = captured.getvalue()
    assert outcome.raised is None
    assert "Traceback (most recent call last)" in output and "Boom" in output, output
    if case.library != "logging":
        assert "stdlib " not in output  # nothing went through a second logging system


@pytest.mark.parametrize("case", [c for c in RUN if c.old_behaviour],
                         ids=[c.id for c in RUN if c.old_behaviour])
def test_what_the_old_rewrite_did(tmp_path: Path, captured: io.StringIO, case: Case) -> None:
    """The table's ``old_behaviour``, observed: the old rewrites raised, logged no traceback
    or logged through the standard library in a loguru or structlog module."""
    outcome = _run(_import(tmp_path / "old.py", case.old))
    output = captured.getvalue()
    if case.old_behaviour == "raises":
        assert outcome.raised is not None
    elif case.old_behaviour == "no traceback":
        assert outcome.raised is None and "Traceback" not in output
    else:
        assert case.old_behaviour == "second logging system"
        assert "stdlib ERROR unexpected error" in output


def test_a_module_without_a_logger_in_a_loguru_project_imports_loguru(tmp_path: Path) -> None:
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("a", "b"):
        (package / f"{name}.py").write_text("from loguru import logger\n\nlogger.info('x')\n")
    code = _code("""
        import httpx

        from app import a


        async def fetch(hook):
            try:
                await hook()
            except Exception:
                return None
        """)
    assert _fix(package, code, "views.py") == _code("""
        import httpx
        from loguru import logger

        from app import a


        async def fetch(hook):
            try:
                await hook()
            except Exception:
                logger.exception("unexpected error")
                return None
        """)


def test_a_project_logger_wrapper_is_used_and_its_library_followed(tmp_path: Path) -> None:
    package = tmp_path / "bot"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "log.py").write_text("import loguru\n\nlogger = loguru.logger\n")
    (package / "rules.py").write_text("from bot.log import logger\n")
    (package / "matcher.py").write_text("from bot.log import logger\n")
    code = _code("""
        from bot.log import logger


        def check(handler):
            try:
                handler()
            except Exception as e:
                logger.warning(e)
        """)
    assert _fix(package, code, "handlers.py") == code.replace(
        "logger.warning(e)", "logger.opt(exception=True).warning(e)"
    )
    bare = _code("""
        def check(handler):
            try:
                handler()
            except Exception:
                return False
        """)
    assert _fix(package, bare, "permission.py") == _code("""
        from bot.log import logger


        def check(handler):
            try:
                handler()
            except Exception:
                logger.exception("unexpected error")
                return False
        """)


def test_a_logger_whose_library_cannot_be_told_is_left_alone(tmp_path: Path) -> None:
    code = _code("""
        class AuditLog:
            def warning(self, message, **fields):
                print(message, fields)


        log = AuditLog()


        def run(callback):
            try:
                callback()
            except Exception:
                log.warning("failed", user=1)
        """)
    (tmp_path / "mod.py").write_text(code)
    report = fix_exceptions([tmp_path / "mod.py"], Config(root=tmp_path), write=True,
                            boundaries=True, record_run=False, jobs=1)
    assert (tmp_path / "mod.py").read_text() == code
    ((handler,),) = [report.handlers]
    assert handler.outcome == "boundary"
    assert handler.reason is not None and handler.reason.endswith(
        "it logs through `log`, whose logging library qualitytool cannot tell; add the "
        "traceback its way"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))


# --- on real loguru backends -----------------------------------------------------------------


class _Anything:
    """Stands for every value a log statement reads that the test does not provide."""

    def __getattr__(self, name: str) -> _Anything:
        return _Anything()

    def __call__(self, *args: object, **kwargs: object) -> _Anything:
        return _Anything()

    def __getitem__(self, key: object) -> _Anything:
        return _Anything()

    def __str__(self) -> str:
        return "anything"

    def __format__(self, spec: str) -> str:
        return "anything"


class _Names(dict[str, object]):
    def __missing__(self, name: str) -> object:
        import builtins

        return getattr(builtins, name, _Anything())


def _new_log_statements(before: str, after: str) -> list[tuple[str, str | None]]:
    """The statements the rewrite added or changed in the handlers of a module, with the
    ``as`` name of their handler."""
    import ast

    def handlers(text: str) -> list[ast.ExceptHandler]:
        tree = ast.parse(text)
        found = [n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)]
        return sorted(found, key=lambda h: (h.lineno, h.col_offset))

    old, new = handlers(before), handlers(after)
    assert len(old) == len(new)
    changed = []
    for was, now in zip(old, new):
        kept = {ast.dump(s) for s in was.body}
        # A compound statement differs when a handler nested in it changed: that handler is
        # in the list itself, so only simple statements are taken.
        changed += [(ast.unparse(s), now.name) for s in now.body
                    if ast.dump(s) not in kept and not hasattr(s, "body")]
    return changed


def _wheel(name: str, version: str) -> Path:
    """A pure-Python wheel's sources, unpacked under the corpus cache (its sdist needs a
    build backend pip cannot install here)."""
    import zipfile

    from benchmarks.common import corpus_dir  # type: ignore[import-not-found]

    folder = corpus_dir() / f"{name}-{version}-wheel"
    if not (folder / ".complete").exists():
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary",
             ":all:", f"{name}=={version}", "-d", str(corpus_dir())],
            capture_output=True, text=True, check=False,
        )
        wheels = list(corpus_dir().glob(f"{name}-{version}-*.whl"))
        if not wheels:
            pytest.skip(f"cannot download the {name} {version} wheel: {result.stderr[-300:]}")
        with zipfile.ZipFile(wheels[0]) as archive:
            archive.extractall(folder)
        (folder / ".complete").touch()
    return folder


# lnbits' packages where its boundaries are (the whole project is indexed all the same)
LNBITS_PARTS = ("lnbits/wallets", "lnbits/core/services", "lnbits/core/views",
                "lnbits/core/tasks.py", "lnbits/utils", "lnbits/task_manager.py", "lnbits/app.py")


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("project", "package", "parts", "minimum"),
    [pytest.param("lnbits", "lnbits", LNBITS_PARTS, 20, id="lnbits 1.6.2"),
     pytest.param("nonebot2", "nonebot", ("nonebot",), 7,
                  id="nonebot2 2.5.0 (loguru through nonebot.log)")],
)
def test_on_loguru_backends_every_boundary_log_call_logs_the_traceback(
    tmp_path: Path, captured: io.StringIO, project: str, package: str,
    parts: tuple[str, ...], minimum: int,
) -> None:
    import shutil

    from .conftest import fetch_sdist

    source = fetch_sdist("lnbits", "1.6.2") if project == "lnbits" else _wheel(
        "nonebot2", "2.5.0"
    )
    copy = tmp_path / project
    shutil.copytree(source / package, copy / package)
    originals = {p: p.read_text() for p in (copy / package).rglob("*.py")}
    fix_exceptions([copy / part for part in parts], Config(root=copy), write=True,
                   boundaries=True, unsafe_fixes=True, record_run=False)
    statements = []
    for path, before in originals.items():
        after = path.read_text()
        if after == before:
            continue
        assert "import logging" not in after.replace(before, "") or "import logging" in before
        assert after.count("logging.getLogger(") == before.count("logging.getLogger(")
        statements += _new_log_statements(before, after)
    assert len(statements) >= minimum
    for statement, name in statements:
        assert "exc_info" not in statement, statement  # loguru takes no keyword for it
        namespace = _Names(logger=loguru.logger)
        try:
            raise RuntimeError("boom {'braces': 1}")
        except RuntimeError as exc:
            if name:
                namespace[name] = exc
            before_run = len(captured.getvalue())
            exec(statement, {"__builtins__": __builtins__}, namespace)  # noqa: S102
        logged = captured.getvalue()[before_run:]
        assert "Traceback (most recent call last)" in logged and "RuntimeError" in logged, (
            statement
        )
