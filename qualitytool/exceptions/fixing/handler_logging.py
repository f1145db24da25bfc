"""What a handler's body does with the exception it caught: the logging calls it makes, whether
it hands the exception on to other code or already reports its traceback, and which logger a
fix should use to log it -- the module's own, through the module's own logging library.

Three libraries are told apart, each with its own way to attach a traceback:

- the standard library's :mod:`logging`: ``exc_info=True``, or ``logger.exception(...)``;
- loguru: ``logger.opt(exception=True).<level>(...)`` or ``logger.exception(...)``; never a
  keyword argument (loguru ignores ``exc_info`` and, given any keyword, formats the message
  with ``str.format``: a message holding braces then raises);
- structlog: ``exc_info=True`` (its processors render it) or ``log.exception(...)``.

A logger whose library cannot be told (a project's own wrapper class) is never changed.
"""

from __future__ import annotations

import ast
import enum
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualitytool.exceptions.fixing.comments import ModuleComments
from qualitytool.exceptions.fixing.naming import bound_names
from qualitytool.exceptions.inference.infer import Frame, Inferrer, looks_like_logger
from qualitytool.exceptions.inference.project import ClassInfo, FunctionNode, ModuleInfo

FALLBACK_MESSAGE = "unexpected error"


class LogLibrary(str, enum.Enum):
    """The logging library a logger object belongs to."""

    STDLIB = "logging"
    LOGURU = "loguru"
    STRUCTLOG = "structlog"
    UNKNOWN = "unknown"  # logger-like (by name or configuration), library not known

    def __str__(self) -> str:
        return self.value


class TracebackFix(str, enum.Enum):
    """How a fix makes an existing log call carry the traceback."""

    EXC_INFO = "exc_info"  # stdlib, structlog: ``exc_info=True`` added to the call
    EXCEPTION = "exception"  # ``.error(...)`` -> ``.exception(...)``: same level, traceback
    OPT_EXCEPTION = "opt"  # loguru: ``.opt(exception=True)`` before the level method

    def __str__(self) -> str:
        return self.value


# Level methods per library (``exception`` is each library's traceback-logging method).
_STDLIB_LEVELS = frozenset({"critical", "fatal", "error", "warning", "warn", "info", "debug",
                            "log"})
_LOGURU_LEVELS = frozenset({"critical", "error", "warning", "success", "info", "debug",
                            "trace", "log"})
_STRUCTLOG_LEVELS = _STDLIB_LEVELS | {"msg", "acritical", "aerror", "awarning", "ainfo",
                                      "adebug", "alog", "aexception", "afatal"}
_LEVELS = {
    LogLibrary.STDLIB: _STDLIB_LEVELS,
    LogLibrary.LOGURU: _LOGURU_LEVELS,
    LogLibrary.STRUCTLOG: _STRUCTLOG_LEVELS,
    LogLibrary.UNKNOWN: _STDLIB_LEVELS,
}
# Methods returning another logger of the same library (``logger.bind(user=u).error(...)``).
_CHAIN_METHODS = frozenset({"bind", "opt", "patch", "new", "unbind", "try_unbind",
                            "getChild", "getLogger"})
_STDLIB_FACTORIES = frozenset({"logging.getLogger", "logging.Logger", "logging.LoggerAdapter",
                               "logging.getLoggerClass"})
_STRUCTLOG_FACTORIES = frozenset({"structlog.get_logger", "structlog.getLogger",
                                  "structlog.wrap_logger", "structlog.stdlib.get_logger",
                                  "structlog.stdlib.BoundLogger"})
_LIBRARY_OBJECTS = {
    "loguru.logger": LogLibrary.LOGURU,
    "logging": LogLibrary.STDLIB,
    "logging.root": LogLibrary.STDLIB,
}
_STDLIB_TYPES = frozenset({"logging.Logger", "logging.LoggerAdapter", "logging.RootLogger"})
# How deep a logger is followed through assignments and re-exports across modules.
_MAX_DEPTH = 4


def logger_library(expr: ast.expr, frame: Frame, inferrer: Inferrer) -> LogLibrary | None:
    """The logging library of a logger expression, ``UNKNOWN`` for an object that only looks
    like a logger (ruff's name heuristic), None for anything else."""
    return _library(expr, frame, inferrer, 0)


def _library(expr: ast.expr, frame: Frame, inferrer: Inferrer, depth: int) -> LogLibrary | None:
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, ast.Call):
        qualified = inferrer.qualified(expr.func, frame)
        if qualified in _STDLIB_FACTORIES:
            return LogLibrary.STDLIB
        if qualified in _STRUCTLOG_FACTORIES:
            return LogLibrary.STRUCTLOG
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in _CHAIN_METHODS:
            return _library(func.value, frame, inferrer, depth + 1)
        return None
    qualified = inferrer.qualified(expr, frame)
    if qualified is not None:
        known = _qualified_library(qualified, inferrer, depth)
        if known is not None:
            return known
    type_name = inferrer.type_of(expr, frame)
    if type_name is not None:
        if type_name in _STDLIB_TYPES:
            return LogLibrary.STDLIB
        if type_name.startswith("loguru."):
            return LogLibrary.LOGURU
        if type_name.startswith("structlog."):
            return LogLibrary.STRUCTLOG
    assigned = _assigned_values(expr, frame)
    if assigned:
        libraries = {_library(value, where, inferrer, depth + 1) for value, where in assigned}
        if len(libraries) == 1:
            (library,) = libraries
            if library is not None:
                return library
        if all(isinstance(value, _PLAIN_DATA) for value, _ in assigned):
            return None  # ``log_dir = "..."``: a name like a logger's, holding data
    return LogLibrary.UNKNOWN if looks_like_logger(expr) else None


_PLAIN_DATA = (ast.Constant, ast.JoinedStr, ast.List, ast.Tuple, ast.Dict, ast.Set,
               ast.ListComp, ast.DictComp, ast.SetComp, ast.BinOp)


def _qualified_library(qualified: str, inferrer: Inferrer, depth: int) -> LogLibrary | None:
    """The library of a module-level name of a library or of the project (a project module
    that assigns ``log = logging.getLogger(...)`` or re-exports loguru's logger)."""
    if qualified in _LIBRARY_OBJECTS:
        return _LIBRARY_OBJECTS[qualified]
    found = inferrer.index.split(qualified)
    if found is None:
        return None
    module, attributes = found
    if len(attributes) != 1:
        return None
    (name,) = attributes
    target = module.bindings.get(name)
    if target is not None and target != qualified:
        return _qualified_library(target, inferrer, depth + 1) if depth < _MAX_DEPTH else None
    values = module.assignments.get(name, [])
    libraries = {_library(v, Frame(module=module), inferrer, depth + 1) for v in values}
    if len(libraries) == 1:
        return libraries.pop()
    return None


def _assigned_values(expr: ast.expr, frame: Frame) -> list[tuple[ast.expr, Frame]]:
    """The values a local or module-level name, or a ``self.x`` attribute, is assigned."""
    if isinstance(expr, ast.Name):
        current: Frame | None = frame
        while current is not None and current.function is not None:
            if expr.id in current.bindings:
                if current.bindings[expr.id] is not None:
                    return []
                return [(v, current) for v in _assignments_in(current.function.body, expr.id)]
            current = current.parent
        if frame.module.bindings.get(expr.id, "x") is None:
            module_frame = Frame(module=frame.module)
            return [(v, module_frame) for v in frame.module.assignments.get(expr.id, [])]
        return []
    if (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id in ("self", "cls")
        and frame.cls is not None
    ):
        found = []
        for method in frame.cls.node.body:
            if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                method_frame = Frame.for_function(frame.module, method, frame.cls)
                found += [(v, method_frame) for v in _attribute_assignments(method, expr.attr)]
            elif isinstance(method, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == expr.attr for t in method.targets
            ):
                found.append((method.value, Frame(module=frame.module)))
        return found
    return []


def _assignments_in(body: Sequence[ast.stmt], name: str) -> list[ast.expr]:
    values = []
    for node in _own_statements(body):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        if node.value is not None and any(
            isinstance(t, ast.Name) and t.id == name for t in targets
        ):
            values.append(node.value)
    return values


def _attribute_assignments(method: FunctionNode, attribute: str) -> list[ast.expr]:
    values = []
    for node in _own_statements(method.body):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and target.attr == attribute
                        and isinstance(target.value, ast.Name) and target.value.id == "self"):
                    values.append(node.value)
    return values


def _own_statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    stack = list(body)
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            for child in getattr(stmt, field, None) or ():
                if isinstance(child, ast.ExceptHandler):
                    stack.extend(child.body)
                elif isinstance(child, ast.stmt):
                    stack.append(child)


@dataclass(frozen=True)
class LogCall:
    """A logging call: ``logger.<method>(...)``, possibly through ``.bind(...)``/``.opt(...)``."""

    call: ast.Call
    method: str
    library: LogLibrary
    logger: ast.expr  # the logger the chain starts from
    traceback: bool  # it already logs the traceback


def read_log_call(
    call: ast.Call, is_logger: Callable[[ast.expr], LogLibrary | None]
) -> LogCall | None:
    """``call`` as a logging call, or None when it is not one (``is_logger``: the library of a
    receiver, None when it is no logger)."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    opt: ast.Call | None = None
    while (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
           and receiver.func.attr in _CHAIN_METHODS):
        if receiver.func.attr == "opt" and opt is None:
            opt = receiver
        library = is_logger(receiver)
        if library is not None:  # logging.getLogger(...) itself
            break
        receiver = receiver.func.value
    library = is_logger(receiver)
    if library is None:
        return None
    if func.attr != "exception" and func.attr not in _LEVELS[library]:
        return None
    traceback = func.attr in ("exception", "aexception") or any(
        k.arg == "exc_info" and not _is_falsy_literal(k.value) for k in call.keywords
    ) or (opt is not None and any(
        k.arg == "exception" and not _is_falsy_literal(k.value) for k in opt.keywords
    ))
    return LogCall(call=call, method=func.attr, library=library, logger=receiver,
                   traceback=traceback)


def library_reader(
    frame: Frame, inferrer: Inferrer, logger_objects: Sequence[str] = ()
) -> Callable[[ast.expr], LogLibrary | None]:
    """``logger_library`` in this frame; the names configured as ``logger-objects`` count as
    loggers whose library is not known unless it can be told."""

    def library(expr: ast.expr) -> LogLibrary | None:
        found = logger_library(expr, frame, inferrer)
        if found is None and inferrer.qualified(expr, frame) in logger_objects:
            return LogLibrary.UNKNOWN
        return found

    return library


def traceback_fix(log: LogCall) -> TracebackFix | str:
    """How to make ``log`` carry the traceback, or why it is left as it is."""
    if log.library == LogLibrary.UNKNOWN:
        return (f"it logs through `{ast.unparse(log.logger)}`, whose logging library "
                "qualitytool cannot tell; add the traceback its way")
    if log.method == "error":
        return TracebackFix.EXCEPTION
    if log.library == LogLibrary.LOGURU:
        return TracebackFix.OPT_EXCEPTION
    return TracebackFix.EXC_INFO


def terse_on_purpose(log: LogCall, caught: str | None) -> str | None:
    """Why ``log`` is terse by design: it names the caught exception's class
    (``type(exc).__name__``) and never the exception itself -- lnbits' Bark stream loop logs
    "unavailable (ReadTimeout); retrying in 5 seconds" on every retry, on purpose."""
    if caught is None:
        return None
    in_type = {id(node.args[0]) for node in ast.walk(log.call)
               if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
               and node.func.id == "type" and len(node.args) == 1}
    uses = [node for node in ast.walk(log.call)
            if isinstance(node, ast.Name) and node.id == caught]
    if uses and all(id(node) in in_type for node in uses):
        return (f"its log call names only the exception's class (`type({caught})`), "
                "terse on purpose")
    return None


def _is_falsy_literal(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and not expr.value


def _log_calls(
    nodes: Iterator[ast.AST], is_logger: Callable[[ast.expr], LogLibrary | None]
) -> Iterator[LogCall]:
    for node in nodes:
        if isinstance(node, ast.Call):
            log = read_log_call(node, is_logger)
            if log is not None:
                yield log


def _handler_nodes(handler: ast.ExceptHandler) -> Iterator[ast.AST]:
    return ast.walk(ast.Module(body=list(handler.body), type_ignores=[]))


# Builtins that only look at the exception: passing it to them hands nothing on.
_INSPECTIONS = frozenset({"isinstance", "issubclass", "type", "id", "str", "repr", "getattr",
                          "hasattr"})


def hands_on(
    handler: ast.ExceptHandler,
    is_logger: Callable[[ast.expr], LogLibrary | None] = (
        lambda e: LogLibrary.UNKNOWN if looks_like_logger(e) else None
    ),
    reports_active: Callable[[ast.Call], bool] = lambda call: False,
) -> str | None:
    """The first statement of a handler that passes the exception to other code (a future,
    a callback, an attribute, ``return``): ``sys.exc_info()``, the ``as`` name outside a
    logging call and the builtins that only inspect it (``isinstance(e, ...)``), or a call
    of a project function that reports the exception being handled (``reports_active``)."""
    logging_parts: set[int] = set()  # a log call's own chain (``logger.opt(exception=e)``)
    for log in _log_calls(_handler_nodes(handler), is_logger):
        receiver = log.call.func
        while isinstance(receiver, ast.Attribute):
            receiver = receiver.value
            if isinstance(receiver, ast.Call):
                logging_parts.add(id(receiver))
                receiver = receiver.func
        logging_parts.add(id(log.call))
    for node in _handler_nodes(handler):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "exc_info":
                return ast.unparse(node)
            if reports_active(node):
                return ast.unparse(node)
            if isinstance(func, ast.Name) and func.id in _INSPECTIONS:
                continue
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if handler.name and id(node) not in logging_parts and any(
                isinstance(a, ast.Name) and a.id == handler.name for a in arguments
            ):
                return ast.unparse(node)
        elif isinstance(node, (ast.Assign, ast.Return, ast.AnnAssign)) and handler.name:
            value = node.value
            if isinstance(value, ast.Name) and value.id == handler.name:
                return ast.unparse(node)
    return None


def reports_the_error(handler: ast.ExceptHandler) -> str | None:
    """The first statement of a handler that makes something of the exception it caught --
    returns its text (``return StatusResponse(str(e), 0)``), records it
    (``payment.extra["error"] = str(exc)``), shows it (``click.echo(f"failed: {ex}")``):
    the error does not vanish there, so a new log call would report it a second time."""
    if not handler.name:
        return None
    for statement in handler.body:
        tested = {id(argument) for node in ast.walk(statement)
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id in _TESTS for argument in node.args}
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and node.id == handler.name and isinstance(
                    node.ctx, ast.Load) and id(node) not in tested:
                return _short(statement)
    return None


# Builtins that only test the exception (``counts[isinstance(e, OSError)] += 1``): its
# error still vanishes.
_TESTS = frozenset({"isinstance", "issubclass", "hasattr", "id"})


# Calls that report the exception being handled without being given it.
_TRACEBACK_REPORTERS = frozenset({"traceback.print_exc", "traceback.format_exc",
                                  "sys.exc_info", "sys.exception"})
# Calls that print or format a traceback (of the exception being handled, or given it).
_TRACEBACK_WRITERS = frozenset({
    "traceback.print_exc", "traceback.format_exc", "traceback.print_exception",
    "traceback.format_exception", "traceback.print_tb", "traceback.format_tb",
    "traceback.print_last", "traceback.TracebackException", "sys.excepthook",
    "sys.__excepthook__", "logging.exception",
})


def already_reported(
    handler: ast.ExceptHandler,
    frame: Frame,
    inferrer: Inferrer,
    is_logger: Callable[[ast.expr], LogLibrary | None],
    comments: Sequence[str] = (),
) -> str | None:
    """Why a log call added to this handler would report its exception a second time, or
    against the code's word: the handler prints or formats the traceback
    (``traceback.print_exc()``, ``logging.exception(...)``), or a comment in it says the
    error is logged elsewhere or ignored on purpose."""
    del is_logger  # its log calls are read by the boundary fix itself
    for node in _handler_nodes(handler):
        if isinstance(node, ast.Call) and inferrer.qualified(node.func, frame) in (
            _TRACEBACK_WRITERS
        ):
            return f"it reports the traceback already (`{_short(node)}`)"
    for comment in comments:
        if _QUIET_COMMENT.search(_without_directives(comment)):
            return f"a comment says it is handled on purpose (`{comment.strip()}`)"
    return None


def _short(node: ast.AST, width: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= width else text[: width - 3] + "..."


# Comments saying the error is reported elsewhere or meant to be dropped.
_QUIET_COMMENT = re.compile(
    r"\b(?:already|been|is|are|was|were|gets?|get|will be)\s+(?:logged|reported|printed|handled)"
    r"|\blogged\s+(?:elsewhere|by|in|above|below|later|upstream|downstream|separately)\b"
    r"|\bignor(?:e|ed|es|ing)\b|\bsilen(?:ce|ced|ces|cing|tly|t)\b|\bswallow"
    r"|\bsuppress|\bdeliberate|\bintentional|\bon purpose\b|\bpurposely\b|\bby design\b"
    r"|\b(?:don'?t|do not|doesn'?t|does not|shouldn'?t|should not|never|must not|mustn'?t)"
    r"\s+(?:care|log|fail|crash|throw|raise|propagate|spam|break|bubble)"
    r"|\bbest[- ]effort\b|\binstead of (?:failing|crashing|raising)\b|\bno-?op\b"
    r"|\bnot an error\b|\bdiscard"
    # the error surfaces again later (Django's autoreloader: "The exception will be raised
    # later in the child process ... Pretend it didn't happen")
    r"|\b(?:will be|is|gets?)\s+(?:re-?)?raised\s+(?:later|again|afterwards|elsewhere)\b"
    r"|\bpretend\b"
    # the failure is expected, in other words (lnbits' nwc: "The error could mean that the
    # service provider does not provide an info note ... So we just assume ...")
    r"|\b(?:could|may|might|can|would)\s+(?:just\s+)?mean\b"
    r"|\b(?:is|are|was|were|be)\s+expected\b|\bexpected\s+(?:to\s+fail|failure|error)"
    r"|\bjust assume\b",
    re.IGNORECASE,
)
_DIRECTIVE = re.compile(
    r"#\s*(?:type:|noqa|pragma|pylint:|fmt:|isort:|mypy:|pyright:|nosec|qualitytool:)[^#]*",
    re.IGNORECASE,
)


def _without_directives(comment: str) -> str:
    return _DIRECTIVE.sub("", comment)


def reporting_comments(
    handler: ast.ExceptHandler, try_node: ast.Try, comments: ModuleComments,
    tree: ast.Module | None = None,
) -> list[str]:
    """The comments on a handler's lines, from its ``except`` line to its last line; those
    that introduce its ``try`` statement (the paragraph just above it: tornado's "Block until
    the serving loop is done, but ignore any exceptions"); and those on its twins in
    ``tree``: the same handler (clause and body) after a ``try`` that calls the same callee
    first (Django's smartif.py says once why its operators return False)."""
    found = [handler, *(_twins(handler, try_node, tree) if tree is not None else ())]
    own = [comment for node in found
           for comment in comments.between(node.lineno, node.end_lineno or node.lineno,
                                           node.col_offset)]
    return [*comments.paragraph_above(try_node.lineno, try_node.col_offset), *own]


def _twins(
    handler: ast.ExceptHandler, own: ast.Try, tree: ast.Module
) -> list[ast.ExceptHandler]:
    shape = ast.dump(handler)
    callee = _first_callee(own)
    return [other for node in ast.walk(tree) if isinstance(node, ast.Try)
            and node is not own and _first_callee(node) == callee
            for other in node.handlers if ast.dump(other) == shape]


def _first_callee(try_node: ast.Try) -> str | None:
    for node in ast.walk(ast.Module(body=list(try_node.body), type_ignores=[])):
        if isinstance(node, ast.Call):
            return ast.unparse(node.func)
    return None


def reports_active(call: ast.Call, frame: Frame, inferrer: Inferrer) -> bool:
    """Whether ``call`` is of a project function (or a method of the handler's class) whose
    own body reports the exception being handled: it logs with a traceback
    (``logger.exception``, ``exc_info=...``), reads ``sys.exc_info()``, prints or formats
    the current traceback, or re-raises it with a bare ``raise``.  Such a handler already
    hands the exception on; a boundary fix there would report it twice.

    Only the callee's own statements are read (not what it calls in turn).  A subclass may
    override a method: the answer only ever makes the boundary fix leave a handler alone."""
    callee = _project_callee(call, frame, inferrer)
    if callee is None:
        return False
    node, module = callee
    callee_frame = Frame.for_function(module, node, None)
    for inner in _own_nodes(node):
        if isinstance(inner, ast.Raise) and inner.exc is None:
            return True
        if not isinstance(inner, ast.Call):
            continue
        func = inner.func
        if isinstance(func, ast.Attribute) and func.attr == "exception":
            return True
        if any(k.arg == "exc_info" and not _is_falsy_literal(k.value) for k in inner.keywords):
            return True
        if any(k.arg == "exception" and not _is_falsy_literal(k.value) for k in inner.keywords) \
                and isinstance(func, ast.Attribute) and func.attr == "opt":
            return True  # loguru's logger.opt(exception=True)
        if inferrer.qualified(func, callee_frame) in _TRACEBACK_REPORTERS:
            return True
    return False


def _project_callee(
    call: ast.Call, frame: Frame, inferrer: Inferrer
) -> tuple[FunctionNode, ModuleInfo] | None:
    """The definition of a project function or method that ``call`` calls, and its module."""
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "self"
        and frame.cls is not None
    ):
        method = inferrer.index.find_method(frame.cls, func.attr)
        return (method[1], method[0].module) if method is not None else None
    qualified = inferrer.qualified(func, frame)
    found = inferrer.index.lookup(qualified) if qualified is not None else None
    if found is None or isinstance(found[1], ClassInfo):
        return None
    return found[1], found[2]


def _own_nodes(function: FunctionNode) -> Iterator[ast.AST]:
    """The nodes of a function's body, not those of functions, lambdas or classes defined in
    it, nor of its own ``except`` handlers (a bare ``raise`` there re-raises their exception)."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                      ast.ClassDef, ast.ExceptHandler)):
                stack.append(child)


def logs_in_a_branch(
    handler: ast.ExceptHandler, is_logger: Callable[[ast.expr], LogLibrary | None]
) -> bool:
    return any(True for _ in _log_calls(_handler_nodes(handler), is_logger))


def first_log_call(
    body: Sequence[ast.stmt], is_logger: Callable[[ast.expr], LogLibrary | None]
) -> tuple[int, LogCall] | None:
    """The first top-level ``logger.error(...)``-like statement of a handler body, with its
    position (None when it also passes ``**kwargs``, where ``exc_info`` may hide)."""
    for position, stmt in enumerate(body):
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            continue
        call = stmt.value
        log = read_log_call(call, is_logger)
        if log is None and isinstance(call.func, ast.Attribute) and any(
            k.arg == "exc_info" for k in call.keywords
        ):
            log = LogCall(call=call, method=call.func.attr, library=LogLibrary.UNKNOWN,
                          logger=call.func.value, traceback=True)
        if log is not None:
            return None if any(k.arg is None for k in call.keywords) else (position, log)
    return None


@dataclass(frozen=True)
class LoggerChoice:
    """The logger a fix logs through: how this module names it, its library, the imports."""

    logger: str
    library: LogLibrary
    imports: tuple[tuple[str, str | None], ...] = ()

    def exception_call(self, message: str = FALLBACK_MESSAGE) -> str:
        """The statement logging the exception being handled, with its traceback."""
        return f'{self.logger}.exception("{message}")'


_LOGGER_NAMES = ("logger", "log", "LOGGER", "LOG", "_logger", "_log")
_LIBRARY_MODULES = frozenset(library.value for library in LogLibrary)


def choose_logger(frame: Frame, inferrer: Inferrer) -> LoggerChoice | str:
    """The logger a fix should log through: the module's own logger (one of the usual names,
    else its only one), else the only logger it imports (tornado's ``gen_log``, loguru's
    ``logger``), else a logger of the library the module or its neighbours use; or why there
    is none (the module logs through a wrapper whose library cannot be told, or the name the
    library needs is taken)."""
    module = frame.module
    bound = bound_names(frame)
    module_frame = Frame(module=module)

    def library_of(name: str) -> LogLibrary | None:
        return logger_library(ast.Name(id=name, ctx=ast.Load()), module_frame, inferrer)

    own = [name for name in module.assignments if bound.get(name, "x") is None]
    imported = [
        name for name, target in module.bindings.items()
        if target is not None and name not in module.assignments
        and bound.get(name) == target and not target.startswith(f"{module.name}.")
        and target not in _LIBRARY_MODULES  # ``logging.exception`` logs to the root logger
    ]
    own_loggers = {n: lib for n in own if (lib := library_of(n)) is not None}
    imported_loggers = {n: lib for n in imported if (lib := library_of(n)) is not None}
    for candidates in (own_loggers, imported_loggers):
        known: dict[str, LogLibrary] = {
            n: lib for n, lib in candidates.items() if lib != LogLibrary.UNKNOWN
        }
        usual = [n for n in _LOGGER_NAMES if n in known]
        if usual:
            return LoggerChoice(usual[0], known[usual[0]])
        if len(known) == 1:
            ((name, library),) = known.items()
            return LoggerChoice(name, library)
        if len(known) > 1:
            chosen = _most_used(known, module)
            if chosen is not None:
                return chosen
            libraries = set(known.values())
            if len(libraries) == 1:  # several loggers of one library: a logger of its own
                return _library_logger(libraries.pop(), bound, module)
            return "the module logs through several loggers of different libraries"
    unknown = [n for n, lib in {**own_loggers, **imported_loggers}.items()
               if lib == LogLibrary.UNKNOWN and n in _LOGGER_NAMES]
    if unknown:
        return (f"the module logs through `{unknown[0]}`, whose logging library qualitytool "
                "cannot tell")
    imported_library = _module_library(module)
    if imported_library is None:
        neighbours = _neighbours_logger(module, inferrer)
        if isinstance(neighbours, LoggerChoice):
            return neighbours
        imported_library = neighbours
    return _library_logger(imported_library, bound, module)


def _most_used(loggers: dict[str, LogLibrary], module: ModuleInfo) -> LoggerChoice | None:
    """Of several loggers, the one the module calls most (then the first by name)."""
    uses: Counter[str] = Counter()
    for node in ast.walk(module.tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in loggers):
            uses[node.value.id] += 1
    ranked = sorted(loggers, key=lambda n: -uses[n])
    if uses[ranked[0]] == uses[ranked[1]]:
        return None  # no guess between loggers used alike
    return LoggerChoice(ranked[0], loggers[ranked[0]])


def _module_library(module: ModuleInfo) -> LogLibrary | None:
    """The library a module imports as a module (``import logging``, ``import structlog``)."""
    targets = set(module.bindings.values())
    for library in (LogLibrary.LOGURU, LogLibrary.STRUCTLOG, LogLibrary.STDLIB):
        if library.value in targets:
            return library
    return None


def _library_logger(
    library: LogLibrary | None, bound: dict[str, str | None], module: ModuleInfo
) -> LoggerChoice | str:
    """The logger expression of ``library`` in a module that has no logger of its own."""
    if library == LogLibrary.LOGURU:
        if bound.get("loguru") == "loguru":
            return LoggerChoice("loguru.logger", library)
        if "logger" in module.names_bound_anywhere:
            return "the project logs through loguru and `logger` is taken in this module"
        return LoggerChoice("logger", library, (("loguru", "logger"),))
    if library == LogLibrary.STRUCTLOG:
        if "structlog" in bound and bound["structlog"] != "structlog":
            return "`structlog` is shadowed in this module"
        imports = () if bound.get("structlog") == "structlog" else (("structlog", None),)
        return LoggerChoice("structlog.get_logger()", library, imports)
    if "logging" in bound and bound["logging"] != "logging":
        return "`logging` is shadowed in this module"
    imports = () if bound.get("logging") == "logging" else (("logging", None),)
    return LoggerChoice("logging.getLogger(__name__)", LogLibrary.STDLIB, imports)


def _neighbours_logger(
    module: ModuleInfo, inferrer: Inferrer
) -> LoggerChoice | LogLibrary | None:
    """How the modules next to this one log: the logger most of them import (a project's
    ``from app.log import logger``, loguru's ``from loguru import logger``) when its library
    is known and its name is free here, else the library most of them import."""
    way = _usual_import(str(module.path.resolve().parent))
    if way is None:
        return project_library(module.path)
    source, name = way
    absolute = source
    if source.startswith("."):
        package = module.name if module.is_package else module.name.rpartition(".")[0]
        for _ in range(len(source) - len(source.lstrip(".")) - 1):
            package = package.rpartition(".")[0]
        absolute = f"{package}.{source.lstrip('.')}".strip(".")
    library = _qualified_library(f"{absolute}.{name}", inferrer, 0)
    if library is None or library == LogLibrary.UNKNOWN or absolute == module.name:
        return project_library(module.path)
    if name in module.names_bound_anywhere:
        return library
    return LoggerChoice(name, library, ((source, name),))


_LOGGER_IMPORT = re.compile(
    r"^from[ \t]+(?P<source>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>[\w \t,]+?)[ \t]*(?:#.*)?$",
    re.MULTILINE,
)


@functools.lru_cache(maxsize=256)
def _usual_import(folder: str) -> tuple[str, str] | None:
    """The ``from X import logger`` that most modules of ``folder`` (or, when none does, of
    the folders above it, up to the project's top, three at most) have, if any."""
    directory = Path(folder)
    for _ in range(3):
        counts: Counter[tuple[str, str]] = Counter()
        for text in _heads(directory):
            found = set()
            for match in _LOGGER_IMPORT.finditer(text):
                names = [n.strip() for n in match["names"].split(",")]
                for name in names:
                    if name in _LOGGER_NAMES:
                        found.add((match["source"], name))
            counts.update(found)
        if counts:
            (way, _), *_ = counts.most_common(1)
            if not way[0].startswith("."):
                return way
            return way if directory == Path(folder) else None  # relative to another package
        if _is_top(directory):
            return None
        directory = directory.parent
    return None


_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def _is_top(directory: Path) -> bool:
    """Whether the modules above ``directory`` are another project's (or there are none)."""
    return directory.parent == directory or any(
        (directory / name).exists() for name in _PROJECT_FILES
    )


def _heads(directory: Path) -> Iterator[str]:
    """The first 64 KB of the modules of a folder (at most ``_NEIGHBOURS`` of them)."""
    try:
        files = sorted(directory.glob("*.py"))[:_NEIGHBOURS]
    except OSError:
        return
    for file in files:
        try:
            with file.open(encoding="utf-8", errors="replace") as handle:
                yield handle.read(64 * 1024)
        except OSError:
            continue


_LIBRARY_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<from>loguru|structlog|logging)\b|import[ \t]+(?P<import>loguru"
    r"|structlog|logging)\b)",
    re.MULTILINE,
)
_NEIGHBOURS = 60  # modules read to tell a project's logging library


def project_library(path: Path) -> LogLibrary | None:
    """The logging library the modules next to ``path`` use (its folder, else the folders
    above it up to the project's top, three at most): loguru or structlog where any of them
    imports it and more of them do than import :mod:`logging`, else the standard library
    when one of them imports it."""
    return _project_library(str(path.resolve().parent))


@functools.lru_cache(maxsize=256)
def _project_library(folder: str) -> LogLibrary | None:
    directory = Path(folder)
    for _ in range(3):
        counts: Counter[LogLibrary] = Counter()
        for head in _heads(directory):
            counts.update({LogLibrary(m["from"] or m["import"])
                           for m in _LIBRARY_IMPORT.finditer(head)})
        for library in (LogLibrary.LOGURU, LogLibrary.STRUCTLOG):
            if counts[library] and counts[library] >= counts[LogLibrary.STDLIB]:
                return library
        if counts[LogLibrary.STDLIB]:
            return LogLibrary.STDLIB
        if _is_top(directory):
            return None
        directory = directory.parent
    return None


def fallback_logger(
    frame: Frame, inferrer: Inferrer
) -> tuple[str, tuple[tuple[str, str | None], ...]] | None:
    """The statement that logs the traceback where a handler does not, and its imports
    (None when there is no logger to use: see :func:`choose_logger`)."""
    choice = choose_logger(frame, inferrer)
    if isinstance(choice, str):
        return None
    return choice.exception_call(), choice.imports
