"""``fix-exceptions --ladder``: a middleware catch-all becomes the ladder of the project's
exception families.

A boundary handler around the next app of a request (``await call_next(request)``,
``self.app(...)``, ``self.get_response(request)``) that answers with a ``JSONResponse`` gets,
above it, ``except HTTPException: raise`` (the framework answers those itself) and one clause
per family of the hierarchy ``scaffold-exceptions`` wrote: the handler's own log call at the
family's level (a warning for 4xx; an error with the traceback for 5xx) and the family's status
and JSON body.  The catch-all stays last, logging the traceback, with its own message and
response.  Unsafe (opt-in): the errors of the hierarchy now get their own status instead of
the catch-all's.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import replace

import libcst as cst

from qualitytool.exceptions.fixing.families import ProjectHierarchy
from qualitytool.exceptions.fixing.handler_logging import (
    fallback_logger,
    first_log_call,
    is_logger_at,
)
from qualitytool.exceptions.fixing.naming import bound_names, render_names
from qualitytool.exceptions.fixing.plan import BOUNDARY, LADDERED, HandlerPlan
from qualitytool.exceptions.inference.infer import Frame, Inferrer

# The calls that hand a request to the rest of the application.
_NEXT_APP = ("call_next", "self.app", "self.get_response", "self.application")
_RESPONSES = (
    "starlette.responses.JSONResponse", "fastapi.responses.JSONResponse", "fastapi.JSONResponse",
)
_HTTP_EXCEPTION = "starlette.exceptions.HTTPException"


def is_middleware_boundary(try_node: ast.Try) -> bool:
    """The try body hands the request on (``call_next(...)``, ``self.app(...)``)."""
    for node in ast.walk(ast.Module(body=list(try_node.body), type_ignores=[])):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in _NEXT_APP:
            return True
    return False


def ladder_plan(
    plan: HandlerPlan,
    handler: ast.ExceptHandler,
    try_node: ast.Try,
    frame: Frame,
    inferrer: Inferrer,
    hierarchy: ProjectHierarchy,
    text: str,
) -> HandlerPlan | str:
    """The laddered plan for a boundary handler, or why it stays as it is (``text``: the
    module's source, whose spelling of the log call's arguments is kept)."""
    if plan.outcome != BOUNDARY or plan.kind == "bare":
        return "not a boundary `except Exception`"
    if not is_middleware_boundary(try_node):
        return "not around the next app of a request (call_next, self.app)"
    response = _response_class(handler, frame, inferrer, text)
    if response is None:
        return "the handler does not return a JSONResponse"
    if not hierarchy.families:
        return f"the hierarchy module `{hierarchy.module}` has no families"
    families = [hierarchy.qualified(f.name) for f in hierarchy.families]
    rendered = render_names(families, frame, inferrer)
    if isinstance(rendered, str):
        return rendered
    family_names, imports = rendered
    http_exception, http_import = _http_exception(frame, inferrer)
    imports = imports + http_import
    name = handler.name or _free_name(handler)
    found_log = first_log_call(handler.body, lambda e: is_logger_at(e, frame, inferrer))
    if found_log is not None:
        position, log_call = found_log
        logger = _spelled(text, log_call.func.value)  # type: ignore[attr-defined]
        arguments = [_spelled(text, a) for a in log_call.args] + [
            f"{k.arg}={_spelled(text, k.value)}" for k in log_call.keywords
            if k.arg != "exc_info"
        ]
        fallback_log: str | None = None
        # exc_info=True on its log call, unless it already logs the traceback
        log_statement = -1 if any(k.arg == "exc_info" for k in log_call.keywords) else position
    else:
        fallback = fallback_logger(frame, inferrer)
        if fallback is None:
            return "`logging` is shadowed in this module"
        call, logging_import = fallback
        imports = imports + logging_import
        logger = call.rsplit(".exception(", 1)[0]
        arguments = ['"request failed: %s"', name]
        fallback_log, log_statement = call, -1
    clauses = [f"except {http_exception}:\n    raise\n"]
    for family, written_name in zip(hierarchy.families, family_names):
        level, traceback = ("warning", "") if family.status < 500 else ("error", ", exc_info=True")
        clauses.append(
            f"except {written_name} as {name}:\n"
            f"    {logger}.{level}({', '.join(arguments)}{traceback})\n"
            f"    return {response}(status_code={name}.status_code, content={name}.to_dict())\n"
        )
    return replace(
        plan, outcome=LADDERED, fix="ladder", clauses_above=tuple(clauses), imports=imports,
        reason=f"{plan.reason}; laddered: HTTPException re-raised, "
               f"{len(family_names)} families of `{hierarchy.module}` answered",
        log_statement=log_statement, fallback_log=fallback_log,
    )


def _spelled(text: str, node: ast.expr) -> str:
    """The expression as the module writes it (on one line), else as ``ast`` would."""
    segment = ast.get_source_segment(text, node)
    if segment is None or "\n" in segment or "#" in segment:
        return ast.unparse(node)
    return segment


def _http_exception(
    frame: Frame, inferrer: Inferrer
) -> tuple[str, tuple[tuple[str, str | None], ...]]:
    """How to write Starlette's HTTPException here (FastAPI's derives from it), and the import
    that needs."""
    bound = bound_names(frame)
    for local, target in bound.items():
        if target == _HTTP_EXCEPTION:
            return local, ()
    if "HTTPException" not in bound:
        return "HTTPException", (("starlette.exceptions", "HTTPException"),)
    rendered = render_names([_HTTP_EXCEPTION], frame, inferrer)
    if isinstance(rendered, str):
        return "starlette.exceptions.HTTPException", (("starlette.exceptions", None),)
    return rendered[0][0], rendered[1]


def _response_class(
    handler: ast.ExceptHandler, frame: Frame, inferrer: Inferrer, text: str
) -> str | None:
    """How the handler's ``return JSONResponse(...)`` names the class."""
    for statement in handler.body:
        if isinstance(statement, ast.Return) and isinstance(statement.value, ast.Call):
            func = statement.value.func
            if inferrer.qualified(func, frame) in _RESPONSES:
                return _spelled(text, func)
    return None


def _free_name(handler: ast.ExceptHandler) -> str:
    used = {n.id for n in ast.walk(ast.Module(body=list(handler.body), type_ignores=[]))
            if isinstance(n, ast.Name)}
    for candidate in ("exc", "error", "err", "caught"):
        if candidate not in used:
            return candidate
    return "exc_"


def apply_ladder(
    plan: HandlerPlan,
    node: cst.ExceptHandler,
    prepend: Callable[[cst.BaseSuite, str], cst.BaseSuite],
    with_exc_info: Callable[[cst.BaseSuite, int], cst.BaseSuite],
) -> cst.FlattenSentinel[cst.ExceptHandler]:
    """The clauses above the handler, then the handler logging the traceback."""
    body = node.body
    if plan.fallback_log is not None:
        body = prepend(body, plan.fallback_log)
    elif plan.log_statement >= 0:
        body = with_exc_info(body, plan.log_statement)
    clauses = _parse_clauses(plan.clauses_above)
    clauses[0] = clauses[0].with_changes(leading_lines=node.leading_lines)
    last = node.with_changes(body=body, leading_lines=())
    return cst.FlattenSentinel([*clauses, last])


def _parse_clauses(sources: Sequence[str]) -> list[cst.ExceptHandler]:
    statement = cst.parse_statement("try:\n    pass\n" + "".join(sources))
    assert isinstance(statement, cst.Try)
    return list(statement.handlers)
