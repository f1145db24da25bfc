"""What a handler's body does with the exception it caught: the logging calls it makes, whether
it hands the exception on to other code, and which logger a fix should use to log it."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence

from qualitytool.exceptions.fixing.naming import bound_names
from qualitytool.exceptions.inference.infer import Frame, Inferrer, looks_like_logger
from qualitytool.exceptions.inference.project import ClassInfo, FunctionNode, ModuleInfo

# Logging calls a boundary handler may already make: the fix adds ``exc_info=True`` to it.
LOG_LEVELS = ("critical", "error", "warning", "warn", "info", "debug", "log")

FALLBACK_MESSAGE = "unexpected error"


# Builtins that only look at the exception: passing it to them hands nothing on.
_INSPECTIONS = frozenset({"isinstance", "issubclass", "type", "id", "str", "repr", "getattr",
                          "hasattr"})


def hands_on(
    handler: ast.ExceptHandler,
    is_logger: Callable[[ast.expr], bool] = looks_like_logger,
    reports_active: Callable[[ast.Call], bool] = lambda call: False,
) -> str | None:
    """The first statement of a handler that passes the exception to other code (a future,
    a callback, an attribute, ``return``): ``sys.exc_info()``, the ``as`` name outside a
    logging call and the builtins that only inspect it (``isinstance(e, ...)``), or a call
    of a project function that reports the exception being handled (``reports_active``)."""
    for node in ast.walk(ast.Module(body=list(handler.body), type_ignores=[])):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "exc_info":
                return ast.unparse(node)
            if reports_active(node):
                return ast.unparse(node)
            if isinstance(func, ast.Name) and func.id in _INSPECTIONS:
                continue
            is_log = isinstance(func, ast.Attribute) and func.attr in LOG_LEVELS and (
                is_logger(func.value)
            )
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if handler.name and not is_log and any(
                isinstance(a, ast.Name) and a.id == handler.name for a in arguments
            ):
                return ast.unparse(node)
        elif isinstance(node, (ast.Assign, ast.Return, ast.AnnAssign)) and handler.name:
            value = node.value
            if isinstance(value, ast.Name) and value.id == handler.name:
                return ast.unparse(node)
    return None


# Calls that report the exception being handled without being given it.
_TRACEBACK_REPORTERS = frozenset({"traceback.print_exc", "traceback.format_exc",
                                  "sys.exc_info", "sys.exception"})


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


def _is_falsy_literal(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and not expr.value


def logs_in_a_branch(handler: ast.ExceptHandler, is_logger: Callable[[ast.expr], bool]) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr in (*LOG_LEVELS, "exception") and is_logger(node.func.value)
        for node in ast.walk(ast.Module(body=list(handler.body), type_ignores=[]))
    )


def is_logger_at(expr: ast.expr, frame: Frame, inferrer: Inferrer) -> bool:
    """Whether ``expr`` is a logger, by its name as ruff tells one or by its inferred type."""
    return looks_like_logger(expr) or inferrer.type_of(expr, frame) == "logging.Logger"


def first_log_call(
    body: Sequence[ast.stmt], is_logger: Callable[[ast.expr], bool] = looks_like_logger
) -> tuple[int, ast.Call] | None:
    """The first top-level ``logger.error(...)``-like statement of a handler body, with its
    position (None when it also passes ``**kwargs``, where ``exc_info`` may hide)."""
    for position, stmt in enumerate(body):
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            continue
        call = stmt.value
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr in LOG_LEVELS
            and (is_logger(call.func.value) or any(k.arg == "exc_info" for k in call.keywords))
        ):
            return None if any(k.arg is None for k in call.keywords) else (position, call)
    return None


_LOGGER_NAMES = ("logger", "log", "LOGGER", "LOG", "_logger", "_log")


def fallback_logger(
    frame: Frame, inferrer: Inferrer
) -> tuple[str, tuple[tuple[str, str | None], ...]] | None:
    """The statement that logs the traceback where a handler does not: the module's own
    logger (one of the usual names, else its only module-level logger), else the only logger
    it imports (tornado's ``gen_log``), else ``logging.getLogger(__name__)``."""
    module = frame.module
    bound = bound_names(frame)
    module_frame = Frame(module=module)

    def names_a_logger(name: str) -> bool:
        return inferrer.type_of(ast.Name(id=name, ctx=ast.Load()), module_frame) == (
            "logging.Logger"
        )

    own = [name for name in module.assignments if bound.get(name, "x") is None]
    imported = [
        name for name, target in module.bindings.items()
        if target is not None and name not in module.assignments
        and bound.get(name) == target and not target.startswith(f"{module.name}.")
    ]
    usual = [name for name in _LOGGER_NAMES if name in own and names_a_logger(name)]
    for candidates in (usual, [n for n in own if names_a_logger(n)],
                       [n for n in imported if names_a_logger(n)]):
        if len(candidates) == 1 or (candidates and candidates is usual):
            return f'{candidates[0]}.exception("{FALLBACK_MESSAGE}")', ()
    if "logging" in bound and bound["logging"] != "logging":
        return None
    imports: tuple[tuple[str, str | None], ...] = (
        () if bound.get("logging") == "logging" else (("logging", None),)
    )
    return f'logging.getLogger(__name__).exception("{FALLBACK_MESSAGE}")', imports
