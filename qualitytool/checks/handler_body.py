"""What the rules read in a handler's body to decide whether it is exempt: plain ``ast``.

Not a rule (it defines no ``RULE``): the tests the rule modules share.  Names are resolved by
the caller's :class:`NameResolver` (``check-exceptions`` resolves them through the module's
imports and scopes), so this module knows nothing of how a module was walked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import Protocol


class NameResolver(Protocol):
    def qualified_name(self, expr: ast.expr) -> str | None:
        """``a.b.c`` resolved through imports or builtins (``logging.exception``), else None."""


def walk_handler_body(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a handler body, through compound statements, not into try/def/class."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        if isinstance(
            stmt,
            (ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            + ((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
        ):
            continue
        yield stmt
        children: list[ast.stmt] = []
        for field_name in ("body", "orelse", "finalbody"):
            children.extend(getattr(stmt, field_name, None) or [])
        if isinstance(stmt, ast.Match):
            for case in stmt.cases:
                children.extend(case.body)
        stack.extend(reversed(children))


def reraises(body: Sequence[ast.stmt], name: str | None) -> bool:
    """ruff's re-raise test (BLE001): ``raise``, ``raise name``, ``raise X from name``."""
    for stmt in walk_handler_body(body):
        if not isinstance(stmt, ast.Raise):
            continue
        if stmt.exc is None and stmt.cause is None:
            return True
        if name is not None:
            if isinstance(stmt.cause, ast.Name) and stmt.cause.id == name:
                return True
            if isinstance(stmt.exc, ast.Name) and stmt.exc.id == name:
                return True
    return False


def reraises_at_top_level(body: Sequence[ast.stmt]) -> bool:
    """ruff's E722 test: a bare ``raise`` among the body's own statements (not nested)."""
    return any(isinstance(stmt, ast.Raise) and stmt.exc is None for stmt in body)


# The logging methods whose ``exc_info`` ruff's BLE001 counts (0.17: every level and ``log``;
# not ``fatal``), with any value but a falsy literal (``exc_info=e`` counts).
_EXC_INFO_LEVELS = ("debug", "info", "warn", "warning", "error", "critical", "log")
_LOGGING_LEVELS = tuple(f"logging.{level}" for level in _EXC_INFO_LEVELS)


def _has_exc_info(call: ast.Call) -> bool:
    return any(
        kw.arg == "exc_info" and not (isinstance(kw.value, ast.Constant) and not kw.value.value)
        for kw in call.keywords
    )


def dotted_chain(expr: ast.expr) -> tuple[str, list[str]] | None:
    """``a.b.c`` as ``("a", ["b", "c"])``; None when the chain does not start at a name."""
    attributes: list[str] = []
    while isinstance(expr, ast.Attribute):
        attributes.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    attributes.reverse()
    return expr.id, attributes


def _is_logger_candidate(
    func: ast.Attribute, resolver: NameResolver, logger_objects: Sequence[str]
) -> bool:
    value = func.value
    if isinstance(value, ast.Call):
        return resolver.qualified_name(value.func) in ("logging.getLogger", "logging.Logger")
    qualified = resolver.qualified_name(value)
    if qualified is not None:
        return qualified in ("logging", "flask.current_app.logger") or qualified in logger_objects
    chain = dotted_chain(value)
    if chain is None:
        return False
    tail = (chain[1] or [chain[0]])[-1]
    return tail.startswith(("log", "LOG")) or tail.endswith(
        ("logger", "logging", "LOGGER", "LOGGING")
    )


def logs_traceback(
    body: Sequence[ast.stmt], resolver: NameResolver, logger_objects: Sequence[str]
) -> bool:
    """ruff's logging test: ``logger.exception()``, or a level method or ``log`` with an
    ``exc_info`` that is not a falsy literal (``logger.debug(..., exc_info=True)``)."""
    for stmt in walk_handler_body(body):
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            continue
        call = stmt.value
        func = call.func
        if isinstance(func, ast.Attribute):
            if _is_logger_candidate(func, resolver, logger_objects):
                if func.attr == "exception":
                    return True
                if func.attr in _EXC_INFO_LEVELS and _has_exc_info(call):
                    return True
        elif isinstance(func, ast.Name):
            qualified = resolver.qualified_name(func)
            if qualified == "logging.exception":
                return True
            if qualified in _LOGGING_LEVELS and _has_exc_info(call):
                return True
    return False
