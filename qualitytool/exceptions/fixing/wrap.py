"""``fix-exceptions --wrap``: a handler that converts an external service's error becomes
``except <the library's base errors> as exc: raise ExternalServiceError(...) from exc``.

The handler qualifies when its ``try`` body calls into a library of
``rules/external_services.toml`` (requests, httpx, aiohttp, stripe, boto3, redis, smtplib...)
and it raises another exception (``raise PaymentFailed(str(e))``), and the project's hierarchy
has the ``ExternalServiceError`` family.  It then catches only the library's base errors and
raises the family's leaf for that library (``StripePaymentError``), or the family, chained
with ``from``; a class of the hierarchy it already raised is kept.  Unsafe (opt-in): other
errors of the try body are no longer converted, and callers see the hierarchy's class.
"""

from __future__ import annotations

import ast
import functools
import sys
from dataclasses import dataclass, replace

import libcst as cst

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from qualitytool.exceptions.fixing.families import EXTERNAL_SERVICE_FAMILY, ProjectHierarchy
from qualitytool.exceptions.fixing.naming import render_names
from qualitytool.exceptions.fixing.plan import BOUNDARY, WRAPPED, HandlerPlan
from qualitytool.exceptions.fixing.statements import map_statement
from qualitytool.exceptions.inference.infer import Frame, Inferrer


@dataclass(frozen=True)
class ExternalService:
    module: str
    errors: tuple[str, ...]
    leaf: str | None = None


@functools.lru_cache(maxsize=1)
def external_services() -> tuple[ExternalService, ...]:
    """The libraries of ``rules/external_services.toml``."""
    from importlib import resources

    text = resources.files("qualitytool.rules").joinpath("external_services.toml").read_text(
        encoding="utf-8"
    )
    return tuple(
        ExternalService(entry["module"], tuple(entry["errors"]), entry.get("leaf"))
        for entry in tomllib.loads(text)["service"]
    )


def _services_called(body: list[ast.stmt], frame: Frame,
                     inferrer: Inferrer) -> list[ExternalService]:
    found: list[ExternalService] = []
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if not isinstance(node, ast.Call):
            continue
        names = [inferrer.qualified(node.func, frame)]
        if isinstance(node.func, ast.Attribute):
            names.append(inferrer.type_of(node.func.value, frame))
        for service in external_services():
            if service not in found and any(
                n is not None and (n == service.module or n.startswith(service.module + "."))
                for n in names
            ):
                found.append(service)
    return found


def _conversion(handler: ast.ExceptHandler) -> tuple[int, ast.Raise] | None:
    """The handler's top-level ``raise Other(...)`` without ``from``."""
    for position, statement in enumerate(handler.body):
        if isinstance(statement, ast.Raise) and statement.cause is None \
                and isinstance(statement.exc, ast.Call):
            return position, statement
    return None


def wrap_plan(
    plan: HandlerPlan,
    handler: ast.ExceptHandler,
    try_node: ast.Try,
    frame: Frame,
    inferrer: Inferrer,
    hierarchy: ProjectHierarchy,
    text: str,
) -> HandlerPlan | str:
    """The wrapped plan for a handler, or why it stays as it is (``text``: the module's
    source, whose spelling of the raised exception is kept)."""
    from qualitytool.exceptions.fixing.ladder import _spelled

    if plan.outcome == BOUNDARY:
        return "a boundary"
    if isinstance(handler.type, ast.Tuple):
        return "a tuple handler"
    if not hierarchy.has(EXTERNAL_SERVICE_FAMILY):
        return f"the hierarchy has no {EXTERNAL_SERVICE_FAMILY} family"
    conversion = _conversion(handler)
    if conversion is None:
        return "the handler does not convert the error into another exception"
    position, raise_statement = conversion
    services = _services_called(list(try_node.body), frame, inferrer)
    if not services:
        return "the try body calls no external-service library"
    errors = sorted({e for s in services for e in s.errors})
    names = inferrer.hierarchy.minimal(errors)
    rendered = render_names(names, frame, inferrer)
    if isinstance(rendered, str):
        return rendered
    written, imports = rendered
    name = handler.name or "exc"
    raised = raise_statement.exc
    assert isinstance(raised, ast.Call)
    kept = inferrer.qualified(raised.func, frame)
    if kept is not None and kept.startswith(hierarchy.module + ".") and hierarchy.has(
        kept.rpartition(".")[2]
    ):
        new_raise = f"raise {_spelled(text, raised)} from {name}"
    else:
        leaves = {s.leaf for s in services if s.leaf and hierarchy.has(s.leaf)}
        leaf = leaves.pop() if len(leaves) == 1 and len(services) == 1 else EXTERNAL_SERVICE_FAMILY
        rendered_leaf = render_names([hierarchy.qualified(leaf)], frame, inferrer)
        if isinstance(rendered_leaf, str):
            return rendered_leaf
        imports = imports + rendered_leaf[1]
        if len(raised.args) == 1 and not raised.keywords \
                and not isinstance(raised.args[0], ast.Starred):
            message = _spelled(text, raised.args[0])
        else:
            message = repr(f"{services[0].module} call failed")
        new_raise = f"raise {rendered_leaf[0][0]}({message}) from {name}"
    return replace(
        plan, outcome=WRAPPED, fix="wrap", exceptions=tuple(names), names=tuple(written),
        imports=imports, broad_positions=(), as_name=None if handler.name else name,
        replace_statement=position, replacement=new_raise,
        reason=f"wrapped: a call into {', '.join(s.module for s in services)}; "
               "other errors of the try body are no longer converted",
    )


def apply_wrap(
    plan: HandlerPlan, node: cst.ExceptHandler, new_type: cst.BaseExpression
) -> cst.ExceptHandler:
    """The handler catching the library's errors and raising from them."""
    assert plan.replacement is not None
    changes: dict[str, object] = {
        "type": new_type,
        "body": _replaced(node.body, plan.replace_statement, plan.replacement),
    }
    if node.type is None:
        changes["whitespace_after_except"] = cst.SimpleWhitespace(" ")
    if plan.as_name is not None:
        changes["name"] = cst.AsName(
            name=cst.Name(plan.as_name),
            whitespace_before_as=cst.SimpleWhitespace(" "),
            whitespace_after_as=cst.SimpleWhitespace(" "),
        )
    return node.with_changes(**changes)


def _replaced(body: cst.BaseSuite, index: int, source: str) -> cst.BaseSuite:
    """``body`` with its ``index``-th statement (counted as ``ast`` counts them) replaced."""
    new = cst.parse_statement(source)
    assert isinstance(new, cst.SimpleStatementLine)
    small = new.body[0]
    return map_statement(body, index, lambda old: small.with_changes(semicolon=old.semicolon))