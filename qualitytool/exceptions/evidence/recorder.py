"""The recorder that ``qualitytool evidence run`` starts in every Python process of a test run.

This file is copied next to a ``sitecustomize.py`` on the command's ``PYTHONPATH`` and imported
from there, so it must import nothing but the standard library: the test command may run under
another interpreter than qualitytool's.  It watches the ``try`` statements listed in the JSON
file named by ``QUALITYTOOL_EVIDENCE_CONFIG`` and counts, per statement,

- how often its body started, and
- every exception one of its handlers received: class, MRO, an importable spelling of the class,
  and the test that was running (pytest's ``PYTEST_CURRENT_TEST``, or the innermost ``test*``
  function on the stack).

Python 3.12+ uses ``sys.monitoring`` (``EXCEPTION_HANDLED`` globally, ``LINE`` only on the code
objects of watched files, every other line disabled after its first event).  3.10 and 3.11 (or
``QUALITYTOOL_EVIDENCE_INSTRUMENT=1``) use an import hook that compiles watched modules with a
recorder call at the start of each watched ``try`` body and handler: ``sys.settrace`` was tried
first and made lnbits' unit tests more than six times slower.  Each process writes its counts to
``<out_dir>/<pid>-<random>.json`` at exit; forked children start with empty counts.
"""

from __future__ import annotations

import ast
import atexit
import dis
import json
import os
import sys
import types
import uuid
from typing import Any

_CONFIG_ENV = "QUALITYTOOL_EVIDENCE_CONFIG"
_MISSING = object()


class _Recorder:
    def __init__(self, config: dict[str, Any]) -> None:
        self.out_dir: str = config["out_dir"]
        # real path -> {try line: first except-clause line}; clause line -> try line
        self.sites: dict[str, dict[int, int]] = {
            path: {int(t): int(c) for t, c in tries} for path, tries in config["sites"].items()
        }
        self.clauses: dict[str, dict[int, int]] = {
            path: {c: t for t, c in tries.items()} for path, tries in self.sites.items()
        }
        self.by_filename: dict[str, str | None] = {}
        self.reset()

    def reset(self) -> None:
        self.runs: dict[tuple[str, int], int] = {}
        self.caught: dict[tuple[str, int, str], list[Any]] = {}  # -> [count, example]
        self.classes: dict[str, dict[str, Any]] = {}

    # -- lookups ------------------------------------------------------------------------
    def watched(self, filename: str) -> str | None:
        path = self.by_filename.get(filename, _MISSING)
        if path is _MISSING:
            try:
                real = os.path.realpath(filename)
            except (OSError, ValueError):
                real = filename
            path = real if real in self.sites else None
            self.by_filename[filename] = path
        return path  # type: ignore[return-value]

    # -- events -------------------------------------------------------------------------
    def ran(self, path: str, try_line: int) -> None:
        key = (path, try_line)
        self.runs[key] = self.runs.get(key, 0) + 1

    def handled(self, path: str, try_line: int, exc: BaseException) -> None:
        cls = type(exc)
        name = _class_key(cls)
        if name not in self.classes:
            self.classes[name] = {
                "mro": [_class_key(c) for c in cls.__mro__ if c is not object],
                "spelled": _spelling(cls),
            }
        key = (path, try_line, name)
        entry = self.caught.get(key)
        if entry is None:
            self.caught[key] = [1, _current_test()]
        else:
            entry[0] += 1

    def dump(self) -> None:
        if not self.runs and not self.caught:
            return
        data = {
            "pid": os.getpid(),
            "python": sys.version.split()[0],
            "runs": [[p, line, n] for (p, line), n in self.runs.items()],
            "caught": [[p, line, name, c, ex] for (p, line, name), (c, ex) in self.caught.items()],
            "classes": self.classes,
        }
        if not os.path.isdir(self.out_dir):
            return  # the run is over (a daemon outlived the command): nobody collects it
        target = os.path.join(self.out_dir, f"{os.getpid()}-{uuid.uuid4().hex}.json")
        # Written whole or not at all (the collector reads ``*.json`` only); this module cannot
        # import qualitytool.atomic_files, so it keeps its own temporary file and rename.
        temporary = target + ".tmp"
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(temporary, target)
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass  # never fail the process under test at its exit


def _class_key(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _spelling(cls: type) -> str | None:
    """The shortest ``module.Name`` under which ``cls`` can be imported, or None (a local class).
    Only modules the process already imported are consulted: nothing is imported."""
    if "." in cls.__qualname__:  # a local or nested class: no plain ``module.Name`` for it
        return None
    if cls.__module__ == "builtins":
        return cls.__qualname__
    parts = cls.__module__.split(".")
    candidates = [".".join(parts[:cut]) for cut in range(1, len(parts) + 1)]
    if parts[0].startswith("_"):  # _ssl.SSLError is ssl.SSLError
        candidates.insert(0, parts[0][1:])
    for module_name in candidates:
        module = sys.modules.get(module_name)
        if module is None:
            continue
        obj: object = module
        for attr in cls.__qualname__.split("."):
            obj = getattr(obj, attr, None)
        if obj is cls:
            return f"{module_name}.{cls.__qualname__}"
    return None


def _qualified_name(code: types.CodeType, module_globals: dict[str, Any]) -> str:
    """``Class.test_name`` for a test method: ``co_qualname`` from 3.11; on 3.10 the class of
    the module whose attribute runs this code (the module's globals, never the frame's
    locals)."""
    qualified = getattr(code, "co_qualname", None)
    if qualified is not None:
        return str(qualified)
    for owner in list(module_globals.values()):
        if isinstance(owner, type):
            function = owner.__dict__.get(code.co_name)
            if getattr(function, "__code__", None) is code:
                return f"{owner.__qualname__}.{code.co_name}"
    return str(code.co_name)


def _current_test() -> str | None:
    """pytest's current test, or the innermost ``test*`` function on the stack (its module and
    qualified name: a unittest id).  Frames' locals are never read: on 3.12 and older that
    would keep them alive (tests that count references would fail)."""
    running = os.environ.get("PYTEST_CURRENT_TEST")
    if running:
        return running.rsplit(" (", 1)[0]
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if code.co_name.startswith("test"):
            module = frame.f_globals.get("__name__", "?")
            return f"{module}.{_qualified_name(code, frame.f_globals)}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


# -- Python 3.12+: sys.monitoring ---------------------------------------------------------
def _handler_clause_lines(code) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Offsets where a handler block starts (``PUSH_EXC_INFO``) -> the line of the first
    instruction after it that has one (the first ``except`` clause of its ``try``)."""
    found: dict[int, int] = {}
    pending: list[int] = []
    for instruction in dis.get_instructions(code):
        positions = getattr(instruction, "positions", None)  # 3.11+: this code runs on 3.12+
        line = positions.lineno if positions else None
        if instruction.opname == "PUSH_EXC_INFO":
            pending.append(instruction.offset)
            continue
        if pending and line is not None:
            for offset in pending:
                found[offset] = line
            pending = []
    return found


def _start_monitoring(recorder: _Recorder) -> None:
    monitoring = sys.monitoring  # type: ignore[attr-defined]
    events = monitoring.events
    tool = next(
        (i for i in (4, 3) if monitoring.get_tool(i) is None), None
    )
    if tool is None:
        return
    monitoring.use_tool_id(tool, "qualitytool-evidence")
    disable = monitoring.DISABLE
    offsets: dict[object, dict[int, int]] = {}

    def on_start(code, offset):  # type: ignore[no-untyped-def]
        path = recorder.watched(code.co_filename)
        if path is not None:
            monitoring.set_local_events(tool, code, events.LINE)
        return disable

    def on_line(code, line):  # type: ignore[no-untyped-def]
        path = recorder.watched(code.co_filename)
        if path is None or line not in recorder.sites[path]:
            return disable
        recorder.ran(path, line)
        return None

    def on_handled(code, offset, exc):  # type: ignore[no-untyped-def]
        path = recorder.watched(code.co_filename)
        if path is None:
            return
        table = offsets.get(code)
        if table is None:
            table = offsets[code] = _handler_clause_lines(code)
        clause_line = table.get(offset)
        if clause_line is None:
            return
        try_line = recorder.clauses[path].get(clause_line)
        if try_line is not None:
            try:
                recorder.handled(path, try_line, exc)
            except Exception:  # noqa: BLE001, S110 -- a class's or module's __getattr__ is user code
                pass

    monitoring.register_callback(tool, events.PY_START, on_start)
    monitoring.register_callback(tool, events.LINE, on_line)
    monitoring.register_callback(tool, events.EXCEPTION_HANDLED, on_handled)
    monitoring.set_events(tool, events.PY_START | events.EXCEPTION_HANDLED)


# -- Python 3.10 and 3.11 (and --instrument): an import hook --------------------------------
_RAN, _CAUGHT = "__qualitytool_evidence_ran__", "__qualitytool_evidence_caught__"


class _Instrumenter(ast.NodeTransformer):
    """Adds, at the start of a watched ``try`` body, ``__qualitytool_evidence_ran__(path,
    line)``, and at the start of each of its handlers ``__qualitytool_evidence_caught__(path,
    line)``.  The calls take the line numbers of the statements they precede, never raise,
    and reach the recorder through ``builtins``: the module's names are untouched."""

    def __init__(self, path: str, tries: Any) -> None:
        self.path = path
        self.tries = tries

    def _call(self, name: str, line: int, before: ast.stmt) -> ast.stmt:
        call = ast.Expr(ast.Call(
            func=ast.Name(id=name, ctx=ast.Load()),
            args=[ast.Constant(self.path), ast.Constant(line)], keywords=[],
        ))
        return ast.copy_location(call, before)

    def visit_Try(self, node: Any) -> Any:
        self.generic_visit(node)
        if node.lineno in self.tries and node.handlers:
            node.body.insert(0, self._call(_RAN, node.lineno, node.body[0]))
            for handler in node.handlers:
                handler.body.insert(0, self._call(_CAUGHT, node.lineno, handler.body[0]))
        return node

    visit_TryStar = visit_Try


def _start_instrumenting(recorder: _Recorder) -> None:
    import builtins
    import importlib.machinery

    def ran(path: str, line: int) -> None:
        recorder.ran(path, line)  # dictionary arithmetic: cannot fail

    def caught(path: str, line: int) -> None:
        try:
            exc = sys.exc_info()[1]
            if exc is not None:
                recorder.handled(path, line, exc)
        except Exception:  # noqa: BLE001, S110 -- a class's or module's __getattr__ is user code
            pass

    setattr(builtins, _RAN, ran)
    setattr(builtins, _CAUGHT, caught)

    class Loader(importlib.machinery.SourceFileLoader):
        """Compiles a watched module from its source, instrumented; writes no bytecode."""

        def __init__(self, fullname: str, path: str, real: str) -> None:
            super().__init__(fullname, path)
            self.real = real

        def get_code(self, fullname: str) -> Any:
            source = self.get_data(self.path)
            tree = ast.parse(source, self.path)
            tree = _Instrumenter(self.real, recorder.sites[self.real]).visit(tree)
            ast.fix_missing_locations(tree)
            return compile(tree, self.path, "exec", dont_inherit=True)

    class Finder:
        @staticmethod
        def find_spec(fullname: str, path: Any = None, target: Any = None) -> Any:
            spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
            if (
                spec is None or spec.origin is None
                or not isinstance(spec.loader, importlib.machinery.SourceFileLoader)
            ):
                return None
            real = recorder.watched(spec.origin)
            if real is None:
                return None
            spec.loader = Loader(fullname, spec.origin, real)
            return spec

        @staticmethod
        def invalidate_caches() -> None:
            pass

    sys.meta_path.insert(0, Finder())


def start() -> None:
    config_path = os.environ.get(_CONFIG_ENV)
    if not config_path:
        return
    try:
        with open(config_path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError):
        return
    recorder = _Recorder(config)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=recorder.reset)
    atexit.register(recorder.dump)
    if sys.version_info >= (3, 12) and not os.environ.get("QUALITYTOOL_EVIDENCE_INSTRUMENT"):
        _start_monitoring(recorder)
    else:
        _start_instrumenting(recorder)
