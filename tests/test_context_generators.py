"""A project's ``@contextmanager`` / ``@asynccontextmanager`` generator, entered by a ``with``
in a try body: what its ``__enter__`` and ``__exit__`` raise is the generator's own code
before and after its ``yield``; what comes in at the ``yield`` is the with body's exception,
which the try body already counts (or what the generator's handlers raise instead, which its
code shows).  contextlib adds RuntimeError when the generator may end without yielding or
yield twice, and for a StopIteration its code raises (PEP 479).

Three tables: ``YIELDS_ONCE`` (the shapes in which a single ``yield`` is proved to run once),
``CASES`` (the handler around each ``with``: outcome and classes), and ``RUNS``: each case's
module rewritten for real and run with inputs that take every path -- no yield, a body that
raises, a generator that turns the body's exception into another -- where the narrowed
handler must catch whatever the broad one did.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import textwrap
from pathlib import Path
from typing import Any

import pytest

from qualitytool.api import fix_exceptions
from qualitytool.config import Config
from qualitytool.exceptions.inference.frames import yields_once


def _function(code: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    (node,) = ast.parse(textwrap.dedent(code)).body
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    return node


YIELDS_ONCE = [
    pytest.param("def g():\n    yield 1\n", True, id="a yield alone"),
    pytest.param("def g(p):\n    f = open(p)\n    try:\n        yield f\n    finally:\n"
                 "        f.close()\n", True, id="in a try body with only a finally"),
    pytest.param("def g():\n    x = yield\n    return x\n", True,
                 id="an assignment of the yield; a return after it"),
    pytest.param("def g(c):\n    if c:\n        yield\n", False, id="in a branch"),
    pytest.param("def g(c):\n    if c:\n        return\n    yield\n", False,
                 id="a return before it"),
    pytest.param("def g(xs):\n    for x in xs:\n        yield x\n", False, id="in a loop"),
    pytest.param("def g():\n    yield 1\n    yield 2\n", False, id="two yields"),
    pytest.param("def g(it):\n    yield from it\n", False, id="yield from"),
    pytest.param("def g(lock):\n    with lock:\n        yield\n", False,
                 id="in a with body: its __exit__ may swallow what comes before the yield"),
    pytest.param("def g():\n    try:\n        f()\n        yield\n    except OSError:\n"
                 "        pass\n", False, id="in a try body with a handler that may swallow"),
    pytest.param("def g():\n    try:\n        yield\n    finally:\n        return\n", False,
                 id="a finally that returns swallows what comes before the yield"),
    pytest.param("def g(c):\n    try:\n        pass\n    finally:\n        pass\n    yield\n",
                 True, id="after an unrelated try"),
    pytest.param("def g(c):\n    c and (yield)\n", False, id="inside an expression"),
    pytest.param("def g():\n    def inner():\n        yield\n    return inner\n", False,
                 id="only a nested function yields"),
]


@pytest.mark.parametrize(("code", "expected"), YIELDS_ONCE)
def test_yields_once(code: str, expected: bool) -> None:
    assert yields_once(_function(code)) is expected


# Each case: a generator and a function whose try body enters it.
MODULE = '''\
import asyncio
import contextlib
import os


@contextlib.contextmanager
def opened(path: str):
    handle = open(path)
    try:
        yield handle
    finally:
        handle.close()


def read_first_line(path: str):
    try:
        with opened(path) as handle:
            return handle.readline()
    except Exception:
        return None


@contextlib.contextmanager
def maybe(flag: bool):
    if flag:
        yield 1


def remove_if(flag: bool, path: str):
    try:
        with maybe(flag):
            os.remove(path)
    except Exception:
        return None


@contextlib.contextmanager
def twice():
    yield 1
    yield 2


def remove_twice(path: str):
    try:
        with twice():
            os.remove(path)
    except Exception:
        return None


@contextlib.contextmanager
def translated():
    try:
        yield
    except OSError as exc:
        raise LookupError("translated") from exc


def remove_translated(path: str):
    try:
        with translated():
            os.remove(path)
    except Exception:
        return None


@contextlib.contextmanager
def stops(items: list):
    if not items:
        raise StopIteration
    yield


def remove_stopped(items: list, path: str):
    try:
        with stops(items):
            os.remove(path)
    except Exception:
        return None


class Database:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def connect(self, path: str):
        await self.lock.acquire()
        try:
            with open(path) as handle:
                yield handle
        finally:
            self.lock.release()


async def read_locked(db: Database, path: str):
    try:
        async with db.connect(path) as handle:
            return handle.read()
    except Exception:
        return None


@contextlib.contextmanager
def spread(path: str):
    yield from iter([path])


def remove_spread(path: str):
    try:
        with spread(path):
            os.remove(path)
    except Exception:
        return None
'''

CASES = {
    # open's OSError/ValueError and LookupError (an unknown encoding) before the yield,
    # readline's in the body; the yield runs once on every path that does not raise
    "read_first_line": ("safe", ("LookupError", "OSError", "ValueError")),
    # maybe(False) never yields ("generator didn't yield"); os.remove's ValueError is a NUL
    "remove_if": ("safe", ("OSError", "RuntimeError", "ValueError")),
    "remove_twice": ("safe", ("OSError", "RuntimeError", "ValueError")),  # "didn't stop"
    # the generator raises LookupError instead of the body's OSError, as its code says; its
    # handler could swallow an exception raised before the yield (RuntimeError then)
    "remove_translated": ("safe", ("LookupError", "OSError", "RuntimeError", "ValueError")),
    # StopIteration inside a generator is RuntimeError (PEP 479)
    "remove_stopped": ("safe", ("OSError", "RuntimeError", "StopIteration", "ValueError")),
    # lnbits' Database.connect: the lock's RuntimeError, open's, and the RuntimeError of a
    # generator whose ``with`` may swallow an exception raised before its yield
    "read_locked": ("safe", ("LookupError", "OSError", "RuntimeError", "ValueError")),
    "remove_spread": ("left", ()),  # yield from: what the sub-generator does with a throw
}


@pytest.fixture(scope="module")
def rewritten(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    """The module's handlers as fix-exceptions plans them, and the module rewritten."""
    root = tmp_path_factory.mktemp("context")
    path = root / "mod.py"
    path.write_text(MODULE)
    report = fix_exceptions([path], Config(root=root), write=True, unsafe_fixes=True,
                            record_run=False)
    tree = ast.parse(MODULE)
    by_line = {n.lineno: n.name for n in ast.walk(tree)
               if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    outcomes = {}
    for handler in report.handlers:
        owner = max(line for line in by_line if line < handler.line)
        outcomes[by_line[owner]] = (str(handler.outcome), tuple(handler.exceptions))
    namespace: dict[str, Any] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - our module
    return outcomes, namespace


@pytest.mark.parametrize(("function", "expected"), CASES.items(), ids=list(CASES))
def test_what_the_handler_catches(
    rewritten: tuple[dict[str, Any], dict[str, Any]], function: str,
    expected: tuple[str, tuple[str, ...]],
) -> None:
    outcomes, _namespace = rewritten
    assert outcomes[function] == expected


def _missing(tmp: Path) -> str:
    return str(tmp / "missing")


def _present(tmp: Path) -> str:
    path = tmp / "present.txt"
    path.write_text("line\n")
    return str(path)


def _locked_elsewhere(namespace: dict[str, Any]) -> Any:
    """A Database whose lock is held and bound to another event loop."""
    db = namespace["Database"]()

    async def hold() -> None:
        async with db.lock:
            await asyncio.sleep(0)

    async def contend() -> None:
        holder = asyncio.ensure_future(hold())
        await asyncio.sleep(0)
        async with db.lock:
            pass
        await holder
    asyncio.run(contend())
    acquiring = db.lock.acquire()
    with pytest.raises(StopIteration):
        acquiring.send(None)
    return db


# (function, arguments made from the namespace and a temporary folder): every path of the
# protocol, run through the rewritten handler, which must catch it as ``except Exception`` did
RUNS = [
    pytest.param("read_first_line", lambda ns, tmp: (_missing(tmp),), id="open fails"),
    pytest.param("read_first_line", lambda ns, tmp: ("a\0b",), id="NUL in the path"),
    pytest.param("remove_if", lambda ns, tmp: (False, _present(tmp)), id="never yields"),
    pytest.param("remove_if", lambda ns, tmp: (True, _missing(tmp)), id="the body fails"),
    pytest.param("remove_twice", lambda ns, tmp: (_present(tmp),), id="yields twice"),
    pytest.param("remove_twice", lambda ns, tmp: (_missing(tmp),),
                 id="the body fails, thrown into a generator that yields again"),
    pytest.param("remove_translated", lambda ns, tmp: (_missing(tmp),),
                 id="the generator raises another class"),
    pytest.param("remove_stopped", lambda ns, tmp: ([], _present(tmp)),
                 id="StopIteration before the yield"),
    pytest.param("read_locked", lambda ns, tmp: (ns["Database"](), _missing(tmp)),
                 id="open fails before the yield"),
    pytest.param("read_locked", lambda ns, tmp: (_locked_elsewhere(ns), _present(tmp)),
                 id="a lock bound to another loop"),
]


@pytest.mark.parametrize(("function", "arguments"), RUNS)
def test_the_rewritten_handler_catches_every_path(
    rewritten: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path, function: str,
    arguments: Any,
) -> None:
    outcomes, namespace = rewritten
    assert outcomes[function][0] == "safe"
    result = namespace[function](*arguments(namespace, tmp_path))
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    assert result is None
