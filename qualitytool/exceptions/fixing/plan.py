"""Decide, for every broad handler of one module, what it should catch instead.

The decisions are plain data (:class:`HandlerPlan`); the LibCST codemod in
``qualitytool.codemods.fix_exceptions`` applies them without re-deciding anything.
"""

from __future__ import annotations

import ast
import bisect
import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from qualitytool.evidence.sites import fingerprints
from qualitytool.exceptions.checking.handlers import (
    BroadHandler,
    Resolver,
    Scope,
    find_broad_handlers,
    logs_traceback,
    suppressed_codes,
)
from qualitytool.exceptions.fixing.handler_logging import (
    fallback_logger,
    first_log_call,
    hands_on,
    is_logger_at,
    logs_in_a_branch,
    reports_active,
)
from qualitytool.exceptions.fixing.naming import render_names
from qualitytool.exceptions.fixing.observed import describe, join, observed_here
from qualitytool.exceptions.inference.hierarchy import BROAD, analysis_class
from qualitytool.exceptions.inference.infer import (
    CLOSED,
    UNKNOWN,
    Answer,
    Frame,
    Inferrer,
    contains_yield,
)
from qualitytool.exceptions.inference.project import ModuleInfo

if TYPE_CHECKING:
    from qualitytool.evidence.store import ObservedClass, TryEvidence


class Outcome(str, enum.Enum):
    """What ``fix-exceptions`` does with a broad handler (the values are the JSON spelling)."""

    SAFE = "safe"  # narrowed to a set that covers everything the body can raise
    UNSAFE = "unsafe"  # narrowed to an open set: only with --unsafe-fixes
    EVIDENCE = "evidence"  # narrowed to the inferred set plus what the test suite raised
    BOUNDARY = "boundary"  # kept broad on purpose (callbacks, futures, plugins)
    LEFT = "left"  # kept broad, with the reason
    LADDERED = "laddered"  # --ladder: the hierarchy's families above a middleware catch-all
    WRAPPED = "wrapped"  # --wrap: a service library's errors raised as ExternalServiceError

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


SAFE, UNSAFE, EVIDENCE, LEFT, BOUNDARY = (
    Outcome.SAFE, Outcome.UNSAFE, Outcome.EVIDENCE, Outcome.LEFT, Outcome.BOUNDARY,
)
# Set by the opt-in rewrites of qualitytool.exceptions.fixing.ladder and .wrap.
LADDERED, WRAPPED = Outcome.LADDERED, Outcome.WRAPPED
_TASK_GROUPS = ("asyncio.TaskGroup", "anyio.create_task_group", "trio.open_nursery")
_BARE_REASON = (
    "bare `except:` -> `except Exception:` stops catching SystemExit, KeyboardInterrupt, "
    "GeneratorExit and cancellation"
)
# A narrowed handler longer than this is harder to read than the catch-all it replaces.
MAX_READABLE_NAMES = 4


@dataclass(frozen=True)
class HandlerPlan:
    """What to do with one broad handler (``index``: its rank among all the module's handlers)."""

    index: int
    line: int
    col: int  # 1-based, pointing where check-exceptions points
    kind: str  # "Exception", "BaseException" or "bare"
    outcome: Outcome
    exceptions: tuple[str, ...] = ()  # qualified names the handler will catch
    reason: str | None = None
    fix: str | None = None  # "narrow", "bare-to-exception" or "keep-fallback"
    names: tuple[str, ...] = ()  # the same names as written in this module
    broad_positions: tuple[int, ...] = ()  # broad elements of a tuple handler
    imports: tuple[tuple[str, str | None], ...] = ()  # (module, object) to import
    fallback_log: str | None = None  # the traceback-logging call added by keep-fallback
    unlock: tuple[str, ...] = ()  # [[callable]] names that would make the answer known
    log_statement: int = -1  # boundary-exc-info: the handler body's statement to extend
    clauses_above: tuple[str, ...] = ()  # ladder: ``except`` clauses inserted above it
    as_name: str | None = None  # wrap: the ``as`` name the handler gets if it has none
    replace_statement: int = -1  # wrap: the handler body's statement replaced ...
    replacement: str | None = None  # ... by this one
    # an evidence fix whose inferred part alone is closed (so the joined set is safe)
    inferred_closed: bool = False
    exercised: int | None = None  # how often the tests ran the ``try`` body (None: no evidence)

    def applies(self, unsafe_fixes: bool) -> bool:
        """Whether the run applies it (a boundary only carries a fix under --boundaries)."""
        return (
            self.outcome == SAFE
            or (self.outcome in (UNSAFE, EVIDENCE) and unsafe_fixes)
            or (self.outcome == EVIDENCE and self.inferred_closed)
            or (self.outcome == BOUNDARY and self.fix is not None)
            or self.outcome in (LADDERED, WRAPPED)  # only planned when opted in
        )


@dataclass(frozen=True)
class PlanOptions:
    unsafe_fixes: bool = False
    keep_fallback: bool = False
    boundaries: bool = False
    honour_noqa: bool = True
    exempt_reraise: bool = True
    exempt_logged: bool = True
    logger_objects: tuple[str, ...] = ()


def _located_handlers(
    tree: ast.Module, module: ModuleInfo, inferrer: Inferrer, lines: Sequence[int]
) -> Iterator[tuple[ast.ExceptHandler, ast.Try, Frame, bool]]:
    """The handlers on ``lines`` (sorted) with their ``try``, the frame they run in, and
    whether they are ``except*``.  Statements holding none of those lines are skipped."""
    index = inferrer.index
    module_frame = Frame(module=module)

    def holds_target(stmt: ast.stmt) -> bool:
        at = bisect.bisect_left(lines, stmt.lineno)
        return at < len(lines) and lines[at] <= (stmt.end_lineno or stmt.lineno)

    def walk(body: Sequence[ast.stmt], frame: Frame, class_name: str | None) -> Iterator[
        tuple[ast.ExceptHandler, ast.Try, Frame, bool]
    ]:
        for stmt in body:
            if not holds_target(stmt):
                continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                owner = index.class_info(class_name) if class_name else None
                parent = frame if frame.function is not None else None
                inner = Frame.for_function(module, stmt, owner, parent)
                yield from walk(stmt.body, inner, None)
                continue
            if isinstance(stmt, ast.ClassDef):
                nested = (
                    f"{module.name}.{stmt.name}"
                    if frame.function is None and class_name is None
                    else None
                )
                yield from walk(stmt.body, frame, nested)
                continue
            if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
                is_star = type(stmt).__name__ == "TryStar"
                for handler in stmt.handlers:  # type: ignore[attr-defined]
                    yield handler, stmt, frame, is_star  # type: ignore[misc]
            for name in ("body", "orelse", "finalbody"):
                yield from walk(getattr(stmt, name, None) or [], frame, None)
            for handler in getattr(stmt, "handlers", None) or []:
                yield from walk(handler.body, frame, None)
            if isinstance(stmt, ast.Match):
                for case in stmt.cases:
                    yield from walk(case.body, frame, None)

    yield from walk(tree.body, module_frame, None)


def handler_order(tree: ast.Module) -> dict[tuple[int, int], int]:
    """(line, col) of every ``except`` clause -> its rank in source order (LibCST's visit order)."""
    positions = []
    stack: list[ast.stmt] = list(tree.body)
    while stack:  # statements only: an ``except`` clause is never inside an expression
        stmt = stack.pop()
        for name in ("body", "orelse", "finalbody"):
            stack.extend(getattr(stmt, name, None) or ())
        for handler in getattr(stmt, "handlers", None) or ():
            positions.append((handler.lineno, handler.col_offset))
            stack.extend(handler.body)
        if isinstance(stmt, ast.Match):
            for case in stmt.cases:
                stack.extend(case.body)
    return {position: rank for rank, position in enumerate(sorted(positions))}


def plan_module(
    tree: ast.Module,
    text: str,
    module: ModuleInfo,
    inferrer: Inferrer,
    options: PlanOptions,
    evidence: Mapping[str, TryEvidence] | None = None,
) -> list[HandlerPlan]:
    """Plans for the broad handlers ``check-exceptions`` reports in one module.

    ``evidence`` (fingerprint -> what the tests showed, from ``evidence run``) adds the
    exception classes the test suite saw each handler catch."""
    broad = {
        (h.handler_line, h.handler_col): h
        for h in find_broad_handlers(tree, text, options.logger_objects)
    }
    if not broad:
        return []
    order = handler_order(tree)
    plans = []
    lines = sorted({line for line, _ in broad})
    prints = fingerprints(tree, text) if evidence is not None else {}
    for handler, try_node, frame, is_star in _located_handlers(tree, module, inferrer, lines):
        found = broad.get((handler.lineno, handler.col_offset))
        if found is None or _exempt(found, options):
            continue
        seen = None
        if evidence is not None:
            seen = evidence.get(prints.get(try_node.lineno, ""))
        plan = _plan_handler(found, handler, try_node, frame, is_star, inferrer, options, seen)
        if seen is not None:
            plan = replace(plan, exercised=seen.runs)
        plans.append(_with_index(plan, order[(handler.lineno, handler.col_offset)]))
    return sorted(plans, key=lambda p: p.index)


def _with_index(plan: HandlerPlan, index: int) -> HandlerPlan:
    return replace(plan, index=index)


def _exempt(handler: BroadHandler, options: PlanOptions) -> bool:
    if options.honour_noqa:
        codes = suppressed_codes(handler.source_line)
        rule_codes = {"E722", "QT002"} if handler.kind == "bare" else {"BLE001", "QT001"}
        if codes is not None and (not codes or codes & rule_codes):
            return True
    if handler.exempt == "re-raises":
        return options.exempt_reraise
    if handler.exempt == "logs the traceback":
        return options.exempt_logged
    return False


def _left(found: BroadHandler, reason: str, unlock: tuple[str, ...] = ()) -> HandlerPlan:
    return HandlerPlan(
        index=-1, line=found.line, col=found.col + 1, kind=found.kind, outcome=LEFT,
        reason=reason, unlock=unlock,
    )


def _plan_handler(
    found: BroadHandler,
    handler: ast.ExceptHandler,
    try_node: ast.Try,
    frame: Frame,
    is_star: bool,
    inferrer: Inferrer,
    options: PlanOptions,
    seen: TryEvidence | None,
) -> HandlerPlan:
    structural = _structural_reason(try_node, frame, is_star, inferrer)
    if structural is not None:
        return _left(found, structural)
    if found.kind == "bare" and _logs_traceback(handler, frame):
        return _left(found, "logs the traceback (a kept fallback)")
    answer = inferrer.infer_raised_exceptions(try_node.body, frame)
    answer = _minus_earlier_handlers(answer, try_node, handler, frame, inferrer)
    if seen is not None and not answer.boundary:
        observed = observed_here(seen, try_node, handler, frame, inferrer)
        if observed:
            plan = _with_evidence(found, handler, frame, inferrer, answer, observed)
            if plan is not None:
                return plan
    if answer.status == UNKNOWN:
        why = _summarise(answer.reasons)
        if answer.boundary and found.kind != "bare":
            return _boundary(found, handler, frame, inferrer, answer.boundary[0], options)
        if found.kind == "bare":
            return _bare_to_exception(found, f"{_BARE_REASON}; {why}")
        return _left(found, why, answer.unlock)
    names = inferrer.hierarchy.minimal(_caught_by_original(found, answer.raises, inferrer))
    broad_raised = sorted(BROAD & set(names))
    if broad_raised:
        return _left(found, f"the try body raises `{broad_raised[0]}` itself")
    if not names:
        if answer.status == CLOSED:
            return _left(found, "nothing in the try body raises an exception worth catching")
        return _left(found, _summarise(answer.reasons))
    rendered = _written(
        found, names, frame, inferrer, None if options.keep_fallback else
        "too many to read; --keep-fallback adds them above a kept catch-all",
    )
    if isinstance(rendered, HandlerPlan):
        return rendered
    written, imports = rendered
    outcome = SAFE if answer.status == CLOSED else UNSAFE
    reason: str | None = None if outcome == SAFE else _summarise(answer.reasons)
    broad_positions = _broad_positions(handler, frame, inferrer)
    fix = "narrow"
    fallback_log: str | None = None
    if options.keep_fallback:
        fallback = fallback_logger(frame, inferrer)
        if fallback is None:
            return _left(found, "keep-fallback: `logging` is shadowed in this module")
        fallback_log, logging_import = fallback
        imports = imports + logging_import
        fix, outcome, reason = "keep-fallback", SAFE, None
    return HandlerPlan(
        index=-1, line=found.line, col=found.col + 1, kind=found.kind, outcome=outcome,
        exceptions=tuple(names), reason=reason, fix=fix, names=tuple(written),
        broad_positions=broad_positions, imports=imports, fallback_log=fallback_log,
    )


def _written(
    found: BroadHandler,
    names: Sequence[str],
    frame: Frame,
    inferrer: Inferrer,
    too_many: str | None,
) -> tuple[list[str], tuple[tuple[str, str | None], ...]] | HandlerPlan:
    """How to write ``names`` in this module and the imports that needs; or the handler left
    broad: more than MAX_READABLE_NAMES names (``too_many`` says why that matters here; None
    when the length does not), or a name that cannot be written."""
    if too_many is not None and len(names) > MAX_READABLE_NAMES:
        return _left(found, f"the handler would list {len(names)} exceptions "
                            f"({', '.join(names)}): {too_many}")
    rendered = render_names(names, frame, inferrer)
    return _left(found, rendered) if isinstance(rendered, str) else rendered


def _broad_positions(
    handler: ast.ExceptHandler, frame: Frame, inferrer: Inferrer
) -> tuple[int, ...]:
    """The broad elements of a tuple handler (the ones a narrowing replaces)."""
    if not isinstance(handler.type, ast.Tuple):
        return ()
    return tuple(
        i for i, element in enumerate(handler.type.elts)
        if inferrer.qualified(element, frame) in ("builtins.Exception", "builtins.BaseException")
    )


def _with_evidence(
    found: BroadHandler,
    handler: ast.ExceptHandler,
    frame: Frame,
    inferrer: Inferrer,
    answer: Answer,
    observed: Sequence[ObservedClass],
) -> HandlerPlan | None:
    """Narrow to the inferred set plus what the test suite saw this handler catch: an unsafe
    fix, unless the inferred part alone is closed (then the union covers it).  None when
    the tests only confirm a closed inferred set (the plain safe fix stands)."""
    inferred = inferrer.hierarchy.minimal(_caught_by_original(found, answer.raises, inferrer))
    if BROAD & set(inferred):
        return _left(found, f"the try body raises `{min(BROAD & set(inferred))}` itself")
    names = join(inferred, observed, inferrer)
    if isinstance(names, str):
        return _left(found, names)
    if answer.status == CLOSED and set(names) == set(inferred):
        return None
    rendered = _written(found, names, frame, inferrer, "with what the tests raised: too many to read")
    if isinstance(rendered, HandlerPlan):
        return rendered
    written, imports = rendered
    return HandlerPlan(
        index=-1, line=found.line, col=found.col + 1, kind=found.kind, outcome=EVIDENCE,
        exceptions=tuple(names), reason=describe(answer, observed, inferred), fix="narrow",
        names=tuple(written), broad_positions=_broad_positions(handler, frame, inferrer),
        imports=imports, inferred_closed=answer.status == CLOSED,
    )


def _boundary(
    found: BroadHandler,
    handler: ast.ExceptHandler,
    frame: Frame,
    inferrer: Inferrer,
    why: str,
    options: PlanOptions,
) -> HandlerPlan:
    """A catch-all that belongs where it is (the try body runs callers' code): keep it, and
    with --boundaries make it log the traceback -- ``exc_info=True`` on the logging call it
    already makes, or a ``logger.exception(...)`` first -- keeping its message and flow."""
    reason = f"a boundary: {why}"

    def counts_as_logger(expr: ast.expr) -> bool:
        return is_logger_at(expr, frame, inferrer) or (
            inferrer.qualified(expr, frame) in options.logger_objects
        )

    handed = hands_on(
        handler, counts_as_logger, lambda call: reports_active(call, frame, inferrer)
    )
    if handed is not None:
        return _left(found, f"{reason}; the handler hands the exception on (`{handed}`), so a "
                            "catch-all that logs would report it twice")
    plan = HandlerPlan(
        index=-1, line=found.line, col=found.col + 1, kind=found.kind, outcome=BOUNDARY,
        reason=reason,
    )
    if not options.boundaries:
        return plan
    found_log = first_log_call(handler.body, lambda e: is_logger_at(e, frame, inferrer))
    if found_log is not None:
        position, log_call = found_log
        if any(k.arg == "exc_info" for k in log_call.keywords):
            return plan  # it logs the traceback at a level ruff does not count: nothing to do
        return replace(plan, fix="boundary-exc-info", log_statement=position)
    if logs_in_a_branch(handler, counts_as_logger):
        # which exceptions it logs is a decision (``if not isinstance(e, Quiet): log``)
        return replace(plan, reason=f"{reason}; it logs in a branch, left as it decides")
    fallback = fallback_logger(frame, inferrer)
    if fallback is None:
        return _left(found, f"{reason}; `logging` is shadowed in this module")
    call, imports = fallback
    return replace(plan, fix="boundary-log", fallback_log=call, imports=imports)


def _caught_by_original(
    found: BroadHandler, raised: Iterable[str], inferrer: Inferrer
) -> list[str]:
    """What the broad handler really sees: ``except Exception`` never saw ``SystemExit``."""
    if found.kind != "Exception":
        return list(raised)
    kept = []
    for name in raised:
        cls = analysis_class(name)
        if cls is not None and not issubclass(cls, Exception):
            continue
        kept.append(name)
    return kept


def _bare_to_exception(found: BroadHandler, reason: str) -> HandlerPlan:
    return HandlerPlan(
        index=-1, line=found.line, col=found.col + 1, kind=found.kind, outcome=UNSAFE,
        exceptions=("Exception",), reason=reason, fix="bare-to-exception", names=("Exception",),
    )


def _summarise(reasons: Sequence[str], limit: int = 3) -> str:
    if not reasons:
        return "cannot tell what the try body raises"
    shown = "; ".join(reasons[:limit])
    more = len(reasons) - limit
    return shown + (f"; and {more} more" if more > 0 else "")


def _structural_reason(
    try_node: ast.Try, frame: Frame, is_star: bool, inferrer: Inferrer
) -> str | None:
    """Handlers whose behaviour depends on catching everything are never rewritten."""
    if is_star:
        return "`except*` handler (exception groups)"
    if _jumps_out(try_node.finalbody):
        return "a `finally` that returns, breaks or continues swallows every exception"
    if contains_yield(try_node.body):
        return "the try body yields (exceptions can be thrown into the generator there)"
    for node in ast.walk(ast.Module(body=list(try_node.body), type_ignores=[])):
        if isinstance(node, ast.Call) and inferrer.qualified(node.func, frame) in _TASK_GROUPS:
            return "a task group in the try body raises ExceptionGroup"
    return None


def _jumps_out(body: Sequence[ast.stmt]) -> bool:
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Return, ast.Break, ast.Continue)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            # break/continue inside a loop of the finally block stay inside it
            stack.extend(
                n for n in ast.walk(node) if isinstance(n, ast.Return)
            )
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _logs_traceback(handler: ast.ExceptHandler, frame: Frame) -> bool:
    scope = Scope("module", dict(frame.module.bindings))
    return logs_traceback(handler.body, Resolver([scope]), ())


def _minus_earlier_handlers(
    answer: Answer,
    try_node: ast.Try,
    handler: ast.ExceptHandler,
    frame: Frame,
    inferrer: Inferrer,
) -> Answer:
    remaining = set(answer.raises)
    for earlier in try_node.handlers:
        if earlier is handler:
            break
        caught = inferrer.handler_names(earlier, frame)
        if caught is None:
            continue
        remaining = {r for r in remaining if not inferrer.hierarchy.caught_by(r, caught)}
    return answer.without(answer.raises - frozenset(remaining))


