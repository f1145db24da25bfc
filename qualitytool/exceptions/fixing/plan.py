"""Decide, for every broad handler of one module, what it should catch instead.

The decisions are plain data (:class:`HandlerPlan`); the LibCST codemod in
``qualitytool.codemods.fix_exceptions`` applies them without re-deciding anything.
"""

from __future__ import annotations

import ast
import enum
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from qualitytool.checks.handler_body import logs_traceback
from qualitytool.config import ExceptionsConfig
from qualitytool.discovery import is_test_file
from qualitytool.exceptions.checking.handlers import (
    BroadHandler,
    Resolver,
    Scope,
    find_broad_handlers,
)
from qualitytool.exceptions.checking.verdict import verdict
from qualitytool.exceptions.evidence.sites import fingerprints
from qualitytool.exceptions.fixing.comments import ModuleComments, handler_comments
from qualitytool.exceptions.fixing.grouping import DEFAULT_GROUP_ABOVE, grouped
from qualitytool.exceptions.fixing.handler_logging import (
    TracebackFix,
    already_reported,
    choose_logger,
    fallback_logger,
    first_log_call,
    hands_on,
    library_reader,
    logs_in_a_branch,
    read_log_call,
    reporting_comments,
    reports_active,
    reports_the_error,
    terse_on_purpose,
    traceback_fix,
)
from qualitytool.exceptions.fixing.located import ancestors_of, located_handlers
from qualitytool.exceptions.fixing.meant_broad import (
    best_effort,
    isolating_loop,
    quiet_by_design,
    stream_loop,
)
from qualitytool.exceptions.fixing.mocked import called_names, mocked_names
from qualitytool.exceptions.fixing.naming import render_names
from qualitytool.exceptions.fixing.observed import describe, join, observed_here
from qualitytool.exceptions.fixing.sibling_files import SiblingScope
from qualitytool.exceptions.fixing.signals import Covered, covering
from qualitytool.exceptions.inference.hierarchy import BROAD, analysis_class
from qualitytool.exceptions.inference.infer import (
    CLOSED,
    OPEN,
    UNKNOWN,
    Answer,
    Frame,
    Inferrer,
    contains_yield,
)
from qualitytool.exceptions.inference.project import ModuleInfo

if TYPE_CHECKING:
    from qualitytool.exceptions.evidence.store import ObservedClass, TryEvidence


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
_YIELDS = "the try body yields (exceptions can be thrown into the generator there)"
# Set by the opt-in rewrites of qualitytool.exceptions.fixing.ladder and .wrap.
LADDERED, WRAPPED = Outcome.LADDERED, Outcome.WRAPPED
_TASK_GROUPS = ("asyncio.TaskGroup", "anyio.create_task_group", "trio.open_nursery")
_BARE_REASON = (
    "bare `except:` -> `except Exception:` stops catching SystemExit, KeyboardInterrupt, "
    "GeneratorExit and cancellation"
)


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
    annotate: tuple[str, ...] = ()  # values whose type annotation would make it known
    log_statement: int = -1  # boundary-exc-info: the handler body's statement to extend ...
    traceback_fix: TracebackFix | None = None  # ... and how it gets the traceback
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
    # [tool.qualitytool.exceptions]: which handlers are exempt, decided as check-exceptions
    # decides it (exceptions/checking/verdict.py)
    exceptions: ExceptionsConfig = field(default_factory=ExceptionsConfig)
    logger_objects: tuple[str, ...] = ()
    group_above: int = DEFAULT_GROUP_ABOVE  # [tool.qualitytool.exceptions] group-above
    max_names: int = 0  # [tool.qualitytool.exceptions] max-names (0: no limit)
    root: Path | None = None  # the project root, to tell test code from the rest
    # where the project's sibling handlers are looked for (None: no exclusions, no cache)
    siblings: SiblingScope | None = None


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
    context = ModuleContext(text, tree)
    for handler, try_node, frame, is_star in located_handlers(tree, module, inferrer, lines):
        found = broad.get((handler.lineno, handler.col_offset))
        if found is None or not verdict(found, options.exceptions).fixable:
            continue
        seen = None
        if evidence is not None:
            seen = evidence.get(prints.get(try_node.lineno, ""))
        plan = _plan_handler(
            found, handler, try_node, frame, is_star, inferrer, options, seen, context
        )
        if seen is not None:
            plan = replace(plan, exercised=seen.runs)
        plans.append(_with_index(plan, order[(handler.lineno, handler.col_offset)]))
    return sorted(plans, key=lambda p: p.index)


def _with_index(plan: HandlerPlan, index: int) -> HandlerPlan:
    return replace(plan, index=index)


def _left(
    found: BroadHandler, reason: str, unlock: tuple[str, ...] = (),
    annotate: tuple[str, ...] = (),
) -> HandlerPlan:
    return HandlerPlan(
        index=-1, line=found.line, col=found.col + 1, kind=found.kind, outcome=LEFT,
        reason=reason, unlock=unlock, annotate=annotate,
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
    context: ModuleContext,
) -> HandlerPlan:
    structural = _structural_reason(try_node, frame, is_star, inferrer)
    if structural is not None:
        stream = None if is_star else stream_loop(try_node, handler, context.parents(try_node))
        if stream is not None and structural == _YIELDS:
            handed = _handed_on(handler, frame, inferrer, options)
            return _boundary(found, handler, try_node, frame, inferrer, stream, options,
                             handed, context.comments)
        return _left(found, structural)
    earlier = _earlier_clauses(try_node, handler, frame, inferrer)
    answer = _minus(inferrer.infer_raised_exceptions(try_node.body, frame), earlier, inferrer)
    if found.kind == "bare" and _logs_traceback(handler, frame):
        if answer.status == UNKNOWN and answer.boundary:  # --boundaries made it log: settled
            return HandlerPlan(
                index=-1, line=found.line, col=found.col + 1, kind=found.kind,
                outcome=BOUNDARY, reason=f"a boundary: {answer.boundary[0]}; it logs the "
                                         "traceback",
            )
        return _left(found, "logs the traceback (a kept fallback)")
    handed = _handed_on(handler, frame, inferrer, options)
    if found.kind == "bare" and handed is not None:
        return _left(found, f"a bare `except:` that hands the exception on (`{handed}`) "
                            "keeps catching everything: a cancellation or a KeyboardInterrupt "
                            "must reach it too")
    decision = Decision(found, handler, try_node, frame, inferrer, options, context, handed)
    quiet = decision.quiet if answer.status != CLOSED else None
    held: str | None = None
    if seen is not None:
        held = quiet or decision.evidence_held_back(answer, earlier)
        if held is None:
            observed = observed_here(seen, try_node, handler, frame, inferrer)
            if observed:
                plan = decision.with_evidence(answer, observed)
                if plan is not None:
                    return plan
    plan = _static_plan(decision, answer, earlier, quiet)
    if held is not None and seen is not None and plan.outcome == LEFT and observed_here(
        seen, try_node, handler, frame, inferrer
    ):
        plan = replace(plan, reason=f"{plan.reason}; the tests' evidence is not used: {held}")
    return plan


def _static_plan(
    decision: Decision, answer: Answer, earlier: Sequence[Sequence[str]], quiet: str | None
) -> HandlerPlan:
    """The plan from what the code says alone (no evidence)."""
    found = decision.found
    if quiet is not None:  # whatever the body raises, the handler must stay quiet
        return _left(found, f"{quiet}; {_summarise(answer.reasons, 1)}")
    why = answer.boundary[0] if answer.boundary else (
        decision.shape() if answer.status != CLOSED else None  # a closed answer is a proof
    )
    if why is not None:
        return _boundary(found, decision.handler, decision.try_node, decision.frame,
                         decision.inferrer, why, decision.options, decision.handed,
                         decision.context.comments)
    if answer.status == UNKNOWN:
        reasons = _summarise(answer.reasons)
        if found.kind == "bare":
            return _bare_to_exception(found, f"{_BARE_REASON}; {reasons}")
        return _left(found, reasons, answer.unlock, answer.annotate)
    return decision.narrowed(answer, earlier)


@dataclass(frozen=True)
class ModuleContext:
    """What the plans of one module share: its text and tree, and, once needed, its comments
    and each node's parent."""

    text: str
    tree: ast.Module

    @functools.cached_property
    def comments(self) -> ModuleComments:
        return ModuleComments.of(self.text)

    def parents(self, node: ast.stmt) -> dict[ast.AST, ast.AST]:
        """The parents of ``node`` and of the nodes around it, up to the module."""
        return ancestors_of(self.tree, node)


@dataclass(frozen=True)
class Decision:
    """Narrowing one handler: what the code itself says (an open call's documented classes
    taken by a clause above, a comment, the project's other handlers, a handler that hands
    the exception on) before any fix is proposed."""

    found: BroadHandler
    handler: ast.ExceptHandler
    try_node: ast.Try
    frame: Frame
    inferrer: Inferrer
    options: PlanOptions
    context: ModuleContext
    handed: str | None

    def left(self, reason: str) -> HandlerPlan:
        return _left(self.found, reason)

    @functools.cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        return self.context.parents(self.try_node)

    @functools.cached_property
    def quiet(self) -> str | None:
        """Why the handler must stay a quiet catch-all (a template filter, a prompt...)."""
        root = self.options.root
        if root is not None and is_test_file(_relative(self.frame.module.path, root)):
            return ("quiet by design: test code, where a caught exception is what the test "
                    "expects")
        return quiet_by_design(
            self.try_node, self.handler, self.frame, self.inferrer, self.parents,
            handler_comments(self.context.comments, self.try_node, self.handler),
        )

    def shape(self) -> str | None:
        """Why the ``try`` statement's place makes it a boundary, if it does (a reconnect
        loop, a loop over plugins, a best-effort side effect)."""
        parents = self.parents
        library = library_reader(self.frame, self.inferrer, self.options.logger_objects)

        return (
            stream_loop(self.try_node, self.handler, parents)
            or isolating_loop(self.try_node, parents)
            or best_effort(
                self.try_node, self.handler,
                lambda call: read_log_call(call, library) is not None,
            )
        )

    def narrowed(self, answer: Answer, earlier: Sequence[Sequence[str]]) -> HandlerPlan:
        found, inferrer, options = self.found, self.inferrer, self.options
        raised = _caught_by_original(found, answer.raises, inferrer)
        names = inferrer.hierarchy.minimal(raised)
        broad_raised = sorted(BROAD & set(names))
        if broad_raised:
            return self.left(f"the try body raises `{broad_raised[0]}` itself")
        if not names:
            if answer.status == CLOSED:
                return self.left("nothing in the try body raises an exception worth catching")
            return self.left(_summarise(answer.reasons))
        covered = self.covering(names)  # the code's own word first: its comments
        if isinstance(covered, HandlerPlan):
            return covered
        # A class the comments or sibling handlers add that a clause above already catches
        # never reaches this one (and listing it again is a duplicate, ruff's B025).
        kept = tuple(n for n in covered.names
                     if not any(inferrer.hierarchy.caught_by(n, clause) for clause in earlier))
        if not kept:
            return self.left("what the try body raises is caught by the clauses above")
        gone = [n for n in covered.names if n not in kept]
        covered = replace(covered, names=kept, notes=tuple(
            note for note in covered.notes if not any(f"`{n}`" in note for n in gone)))
        if not options.keep_fallback:  # a kept catch-all never catches less
            objection = self.open_objection(answer, raised, earlier, names)
            if objection is not None:
                return self.left(objection)
        rendered = self.written(covered.names, "--keep-fallback adds them above a kept catch-all")
        if isinstance(rendered, HandlerPlan):
            return rendered
        written, imports, listed = rendered
        outcome = SAFE if answer.status == CLOSED else UNSAFE
        notes = "; ".join(covered.notes)
        reason: str | None = (
            (notes or None) if outcome == SAFE
            else _summarise(answer.reasons) + (f"; {notes}" if notes else "")
        )
        fix = "narrow"
        fallback_log: str | None = None
        if options.keep_fallback:
            fallback = fallback_logger(self.frame, inferrer)
            if fallback is None:
                return self.left("keep-fallback: `logging` is shadowed in this module")
            fallback_log, logging_import = fallback
            imports = imports + logging_import
            fix, outcome, reason = "keep-fallback", SAFE, notes or None
        return HandlerPlan(
            index=-1, line=found.line, col=found.col + 1, kind=found.kind, outcome=outcome,
            exceptions=listed, reason=reason, fix=fix, names=tuple(written),
            broad_positions=_broad_positions(self.handler, self.frame, inferrer),
            imports=imports, fallback_log=fallback_log,
        )

    def documented_taken_above(
        self, answer: Answer, earlier: Sequence[Sequence[str]]
    ) -> str | None:
        """An open call whose documented classes a clause above already catches: what is
        left for this handler is what the call does not document."""
        if answer.status != OPEN or not earlier:
            return None
        caught_by = self.inferrer.hierarchy.caught_by
        for shown, documented in answer.open_calls:
            if documented and all(
                any(caught_by(name, clause) for clause in earlier) for name in documented
            ):
                listed = ", ".join(f"`{n}`" for n in sorted(documented))
                return (f"`{shown}` may raise more than it documents, and a clause above "
                        f"already catches what it documents ({listed}): this handler is "
                        "there for the rest")
        return None

    def open_objection(
        self, answer: Answer, raised: Sequence[str], earlier: Sequence[Sequence[str]],
        names: Sequence[str],
    ) -> str | None:
        """Why an open answer must not be narrowed, if it must not."""
        if answer.status != OPEN:
            return None
        taken = self.documented_taken_above(answer, earlier)
        if taken is not None:
            return taken
        mocked = self.mocked_by_tests()
        if mocked is not None:
            return mocked
        if self.handed is not None:
            return (f"the handler hands the exception on (`{self.handed}`): what a narrowed "
                    "handler no longer catches would never reach it; "
                    f"{_summarise(answer.reasons, 1)}")
        if not set(raised) & answer.documented:
            listed = ", ".join(f"`{n}`" for n in names)
            return (f"{listed} would only be guesses at what implicit operations raise, and "
                    f"the rest may be anything: {_summarise(answer.reasons, 1)}")
        return None

    def mocked_by_tests(self) -> str | None:
        """A callee of the ``try`` body the project's tests mock to raise a broad exception:
        they expect this handler to catch it."""
        root = self.options.root or (self.options.siblings.config.root
                                     if self.options.siblings is not None else None)
        if root is None:
            return None
        mocked = mocked_names(self.inferrer, root, self.options.siblings)
        if not mocked:
            return None
        for name in called_names(self.try_node.body):
            files = mocked.get(name)
            if files:
                more = f" and {len(files) - 1} more" if len(files) > 1 else ""
                return (f"the project's tests raise Exception through `{name}` ({files[0]}"
                        f"{more}) and expect this handler to catch it")
        return None

    def evidence_held_back(
        self, answer: Answer, earlier: Sequence[Sequence[str]]
    ) -> str | None:
        """Why the tests' evidence may not narrow this handler: the static pass keeps it broad
        on purpose (a boundary, a hook, a handler handing the exception on, a contract whose
        documented classes a clause above takes)."""
        if answer.boundary:
            return answer.boundary[0]
        if self.handed is not None:
            return f"hands the exception on (`{self.handed}`)"
        return self.documented_taken_above(answer, earlier)

    def covering(self, names: Sequence[str]) -> Covered | HandlerPlan:
        covered = covering(names, self.try_node, self.handler, self.frame, self.inferrer,
                           self.context.comments, self.options.siblings)
        return self.left(covered) if isinstance(covered, str) else covered

    def written(
        self, names: Sequence[str], too_many: str
    ) -> tuple[list[str], tuple[tuple[str, str | None], ...], tuple[str, ...]] | HandlerPlan:
        """How to write ``names`` in this module (grouped under common bases when there are
        more than ``group-above``), the imports that needs and the names listed; or the handler
        left broad: still more than ``max-names`` (``too_many`` says what to do), or a name
        that cannot be written."""
        options = self.options
        listed = grouped(names, options.group_above, self.inferrer)
        if options.max_names and len(listed) > options.max_names and not options.keep_fallback:
            return self.left(
                f"the handler would list {len(listed)} exceptions ({', '.join(listed)}), more "
                f"than [tool.qualitytool.exceptions] max-names = {options.max_names}; "
                f"{too_many}"
            )
        rendered = render_names(listed, self.frame, self.inferrer)
        if isinstance(rendered, str):
            return self.left(rendered)
        return rendered[0], rendered[1], tuple(listed)

    def with_evidence(
        self, answer: Answer, observed: Sequence[ObservedClass]
    ) -> HandlerPlan | None:
        """Narrow to the inferred set plus what the test suite saw this handler catch: an
        unsafe fix, unless the inferred part alone is closed (then the union covers it).
        None when the tests only confirm a closed inferred set (the plain safe fix stands)."""
        found, inferrer = self.found, self.inferrer
        inferred = inferrer.hierarchy.minimal(
            _caught_by_original(found, answer.raises, inferrer))
        if BROAD & set(inferred):
            return self.left(f"the try body raises `{min(BROAD & set(inferred))}` itself")
        joined = join(inferred, observed, inferrer)
        if isinstance(joined, str):
            return self.left(joined)
        if answer.status == CLOSED and set(joined) == set(inferred):
            return None
        covered = self.covering(joined)
        if isinstance(covered, HandlerPlan):
            return covered
        rendered = self.written(covered.names, "with what the tests raised")
        if isinstance(rendered, HandlerPlan):
            return rendered
        written, imports, listed = rendered
        reason = describe(answer, observed, inferred)
        if covered.notes:
            reason += "; " + "; ".join(covered.notes)
        return HandlerPlan(
            index=-1, line=found.line, col=found.col + 1, kind=found.kind, outcome=EVIDENCE,
            exceptions=listed, reason=reason, fix="narrow", names=tuple(written),
            broad_positions=_broad_positions(self.handler, self.frame, inferrer),
            imports=imports, inferred_closed=answer.status == CLOSED,
        )


def _handed_on(
    handler: ast.ExceptHandler, frame: Frame, inferrer: Inferrer, options: PlanOptions
) -> str | None:
    """The statement by which the handler hands the exception on, if it does."""
    library = library_reader(frame, inferrer, options.logger_objects)
    return hands_on(handler, library, lambda call: reports_active(call, frame, inferrer))


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


def _boundary(
    found: BroadHandler,
    handler: ast.ExceptHandler,
    try_node: ast.Try,
    frame: Frame,
    inferrer: Inferrer,
    why: str,
    options: PlanOptions,
    handed: str | None,
    comments: ModuleComments,
) -> HandlerPlan:
    """A catch-all that belongs where it is (the try body runs callers' code): keep it, and
    with --boundaries make it log the traceback the way the module logs -- on the logging
    call it already makes (``exc_info=True``; ``.exception(...)`` for an error; loguru's
    ``.opt(exception=True)``), or a ``logger.exception(...)`` first through the module's
    logger -- keeping its message and flow.  A handler that already reports the traceback
    (or whose comment says the error is logged elsewhere or dropped on purpose) is kept
    as it is."""
    reason = f"a boundary: {why}"
    if handed is not None:
        return _left(found, f"{reason}; the handler hands the exception on (`{handed}`), so a "
                            "catch-all that logs would report it twice")
    plan = HandlerPlan(
        index=-1, line=found.line, col=found.col + 1, kind=found.kind, outcome=BOUNDARY,
        reason=reason,
    )
    library = library_reader(frame, inferrer, options.logger_objects)
    said = reporting_comments(handler, try_node, comments, frame.module.tree)
    reported = already_reported(handler, frame, inferrer, library, said)
    if reported is not None:
        return replace(plan, reason=f"{reason}; {reported}")
    # Without --boundaries the decision is the same, and the reason says what the option
    # would do only where it would do it.
    would = replace(plan, reason=f"{reason} (--boundaries makes it log the traceback)")
    found_log = first_log_call(handler.body, library)
    if found_log is not None:
        position, log_call = found_log
        if log_call.traceback:
            return plan  # it logs the traceback at a level ruff does not count: nothing to do
        terse = terse_on_purpose(log_call, handler.name)
        if terse is not None:
            return replace(plan, reason=f"{reason}; {terse}")
        fix = traceback_fix(log_call)
        if not isinstance(fix, TracebackFix):
            return replace(plan, reason=f"{reason}; {fix}")
        if not options.boundaries:
            return would
        return replace(plan, fix="boundary-exc-info", log_statement=position, traceback_fix=fix)
    if logs_in_a_branch(handler, library):
        # which exceptions it logs is a decision (``if not isinstance(e, Quiet): log``)
        return replace(plan, reason=f"{reason}; it logs in a branch, left as it decides")
    shown = reports_the_error(handler)
    if shown is not None:
        return replace(plan, reason=f"{reason}; the handler reports the error itself "
                                    f"(`{shown}`), so a new log call would report it twice")
    choice = choose_logger(frame, inferrer)
    if isinstance(choice, str):
        return _left(found, f"{reason}; {choice}")
    if not options.boundaries:
        return would
    return replace(plan, fix="boundary-log", fallback_log=choice.exception_call(),
                   imports=choice.imports)


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
        return _YIELDS
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


def _earlier_clauses(
    try_node: ast.Try, handler: ast.ExceptHandler, frame: Frame, inferrer: Inferrer
) -> list[list[str]]:
    """What each clause above ``handler`` catches (those that cannot be resolved: nothing)."""
    clauses = []
    for earlier in try_node.handlers:
        if earlier is handler:
            break
        caught = inferrer.handler_names(earlier, frame)
        if caught is not None:
            clauses.append(caught)
    return clauses


def _minus(answer: Answer, earlier: Sequence[Sequence[str]], inferrer: Inferrer) -> Answer:
    """The answer without what the clauses above take."""
    taken = {
        r for r in answer.raises
        if any(inferrer.hierarchy.caught_by(r, clause) for clause in earlier)
    }
    return answer.without(taken)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # outside the project: judged by its name alone
        return path.name
