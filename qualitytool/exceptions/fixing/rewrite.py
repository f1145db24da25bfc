"""Apply :class:`HandlerPlan` decisions to a LibCST tree, touching only the planned handlers.

:class:`HandlerRewriting` is the rewrite itself, shared by the LibCST codemod
(``qualitytool.codemods.fix_exceptions``) and :func:`apply_plans`, the fast path qualitytool's
own runs take: it needs no metadata and never imports ``libcst.codemod`` (slow to import).

What it writes follows the project's style (:mod:`project_style`): changed lines wrap as
black would within the project's line length (:mod:`layout`), new imports go where its
isort or ruff settings put them (:mod:`imports`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from qualitytool.exceptions.fixing import layout
from qualitytool.exceptions.fixing.handler_logging import TracebackFix
from qualitytool.exceptions.fixing.imports import add_imports
from qualitytool.exceptions.fixing.ladder import apply_ladder
from qualitytool.exceptions.fixing.layout import LineLimits
from qualitytool.exceptions.fixing.plan import HandlerPlan
from qualitytool.exceptions.fixing.project_style import ProjectStyle
from qualitytool.exceptions.fixing.statements import comment_length, map_statement_at
from qualitytool.exceptions.fixing.wrap import apply_wrap
from qualitytool.sources import SourceError

_LIBCST_PLACE = re.compile(r"error at (\d+):(\d+): ")


class HandlerRewriting:
    """Visitor methods that rewrite the handlers ``plans`` name (mixed into a transformer)."""

    def setup_rewriting(
        self,
        plans: Sequence[HandlerPlan],
        unsafe_fixes: bool,
        limits: LineLimits | None = None,
    ) -> None:
        self.plans_by_rank = {p.index: p for p in plans if p.applies(unsafe_fixes)}
        self.ranks: dict[int, int] = {}
        self.seen = 0
        self.applied: list[HandlerPlan] = []
        self.limits = limits or LineLimits()
        self.indents: list[str] = []  # of the blocks around the node being visited
        self.default_indent = "    "

    def add_import(self, module: str, obj: str | None) -> None:
        raise NotImplementedError

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Handlers are statements: never descend into expressions or simple statements,
        # which are most of a module's nodes.
        if isinstance(node, (cst.BaseExpression, cst.SimpleStatementLine, cst.Decorator)):
            return False
        return super().on_visit(node)  # type: ignore[misc, no-any-return]

    def visit_Module(self, node: cst.Module) -> bool:
        self.default_indent = node.default_indent
        return True

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        self.indents.append(self.default_indent if node.indent is None else node.indent)
        return True

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.BaseSuite:
        self.indents.pop()
        return updated_node

    # ExceptHandler and ExceptStarHandler are counted together, in source order, as
    # ``plan.handler_order`` counts ast.ExceptHandler nodes.
    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> bool:
        self._count(node)
        return True

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> bool:
        self._count(node)
        return True

    def _count(self, node: cst.CSTNode) -> None:
        self.ranks[id(node)] = self.seen
        self.seen += 1

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler | cst.FlattenSentinel[cst.ExceptHandler]:
        plan = self.plans_by_rank.get(self.ranks.get(id(original_node), -1))
        if plan is None:
            return updated_node
        for module, obj in plan.imports:
            self.add_import(module, obj)
        self.applied.append(plan)
        place = self._place(updated_node)
        if plan.fix == "boundary-log" and plan.fallback_log is not None:
            return updated_node.with_changes(body=place.prepend(updated_node.body,
                                                                 plan.fallback_log))
        if plan.fix == "boundary-exc-info":
            return updated_node.with_changes(
                body=place.with_traceback(updated_node.body, plan.log_statement,
                                          plan.traceback_fix)
            )
        if plan.fix == "ladder":
            return apply_ladder(
                plan, updated_node, place.prepend,
                lambda body, index: place.with_traceback(body, index, plan.traceback_fix),
            )
        if plan.fix == "wrap":
            return apply_wrap(plan, updated_node, place.except_type(plan, updated_node))
        narrowed = updated_node.with_changes(
            type=place.except_type(plan, updated_node),
            whitespace_after_except=(
                cst.SimpleWhitespace(" ")
                if updated_node.type is None
                else updated_node.whitespace_after_except
            ),
        )
        if plan.fix != "keep-fallback" or plan.fallback_log is None:
            return narrowed
        fallback = updated_node.with_changes(
            leading_lines=(), body=place.prepend(updated_node.body, plan.fallback_log)
        )
        return cst.FlattenSentinel([narrowed, fallback])

    def _place(self, handler: cst.ExceptHandler) -> HandlerPlace:
        column = sum(len(indent) for indent in self.indents)
        body = handler.body
        inner = self.default_indent
        if isinstance(body, cst.IndentedBlock) and body.indent is not None:
            inner = body.indent
        return HandlerPlace(column, self.default_indent, inner, self.limits)


@dataclass(frozen=True)
class HandlerPlace:
    """Where a handler stands (its ``except`` keyword's column; the module's indentation and
    its body's), for laying out what the rewrite writes in it."""

    column: int
    indent: str
    body_indent: str
    limits: LineLimits

    def except_type(self, plan: HandlerPlan, node: cst.ExceptHandler) -> cst.BaseExpression:
        """The new type of the handler, on its line when it fits, else one name per line."""
        names = list(plan.names)
        if plan.broad_positions and isinstance(node.type, cst.Tuple):
            kept = [
                layout.code(element.value)
                for i, element in enumerate(node.type.elements)
                if i not in plan.broad_positions
            ]
            names = kept + [n for n in names if n not in kept]
        after = len(layout.code(node.whitespace_before_colon)) + 1 + _rest_of_line(node.body)
        if node.name is not None:
            after += len(layout.code(node.name))
        return layout.except_type(names, self.column, after, self.limits, self.indent)

    def prepend(self, body: cst.BaseSuite, statement: str) -> cst.BaseSuite:
        """``statement`` (a call) first in ``body``; it takes the place of a body that is only
        ``pass`` (whose line keeps its comments)."""
        parsed = cst.parse_expression(statement)
        assert isinstance(parsed, cst.Call)
        if isinstance(body, cst.IndentedBlock):
            column = self.column + len(self.body_indent)
            if len(body.body) == 1 and _only_pass(body.body[0]):
                only = body.body[0]
                assert isinstance(only, cst.SimpleStatementLine)
                call = self._laid_out(parsed, column, comment_length(only.trailing_whitespace))
                return body.with_changes(body=[only.with_changes(body=[cst.Expr(call)])])
            # the comments above the body's first statement open the handler: they stay on top
            first = body.body[0]
            assert isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
            line = cst.SimpleStatementLine(
                body=[cst.Expr(self._laid_out(parsed, column, 0))],
                leading_lines=first.leading_lines,
            )
            return body.with_changes(body=[line, first.with_changes(leading_lines=()),
                                           *body.body[1:]])
        assert isinstance(body, cst.SimpleStatementSuite)
        expression = cst.Expr(parsed)  # ``except X: pass``: not black's style; kept on its line
        if len(body.body) == 1 and isinstance(body.body[0], cst.Pass):
            return body.with_changes(body=[expression])
        return body.with_changes(body=[expression, *body.body])

    def _laid_out(self, parsed: cst.Call, column: int, after: int) -> cst.Call:
        form = layout.choose(parsed.func, parsed.args, column, after, self.limits, self.indent)
        return layout.build(parsed.func, parsed.args, form, self.indent, parsed)

    def with_traceback(
        self, body: cst.BaseSuite, index: int, fix: TracebackFix | None
    ) -> cst.BaseSuite:
        """``body`` with the logging call of its ``index``-th statement (counted as the
        ``ast`` counts them: ``a; b`` is two) made to log the traceback its library's way."""
        column = self.column + len(self.body_indent)

        def change(statement: cst.BaseSmallStatement, before: int, after: int) -> (
            cst.BaseSmallStatement
        ):
            assert isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call)
            return statement.with_changes(
                value=self._traced(statement.value, fix, column + before, after)
            )

        return map_statement_at(body, index, change)

    def _traced(self, call: cst.Call, fix: TracebackFix | None, column: int, after: int) -> (
        cst.Call
    ):
        func = call.func
        assert isinstance(func, cst.Attribute)
        added: list[cst.Arg] = []
        if fix == TracebackFix.EXCEPTION:
            func = func.with_changes(attr=cst.Name("exception"))
        elif fix == TracebackFix.OPT_EXCEPTION:
            func = func.with_changes(value=_with_opt_exception(func.value))
        else:
            added = [layout.keyword_argument("exc_info", "True")]
        return layout.call(call, func, added, column, after, self.limits, self.indent)


def _with_opt_exception(receiver: cst.BaseExpression) -> cst.BaseExpression:
    """A loguru logger expression with ``exception=True`` in its ``.opt(...)``: added to the
    chain's own ``opt`` call (a second ``opt`` would reset its other options), else a new
    ``.opt(exception=True)`` at the end of the chain."""
    flag = layout.keyword_argument("exception", "True")
    current = receiver
    while isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
        if current.func.attr.value == "opt":
            break
        current = current.func.value
    else:
        return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name("opt")), args=[flag])
    opt = current

    def replaced(node: cst.BaseExpression) -> cst.BaseExpression:
        if node is opt:
            kept = [a for a in opt.args if not (a.keyword and a.keyword.value == "exception")]
            base = opt.with_changes(args=kept)
            if kept:
                return layout.call(base, base.func, [flag], 0, 0, layout.LineLimits(10**6),
                                   "    ")
            return base.with_changes(args=[flag])
        assert isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
        return node.with_changes(func=node.func.with_changes(value=replaced(node.func.value)))

    return replaced(receiver)


def _rest_of_line(body: cst.BaseSuite) -> int:
    """How many characters follow the colon of a clause on its line."""
    if isinstance(body, cst.IndentedBlock):
        return comment_length(body.header)
    return len(layout.code(body).split("\n", 1)[0].rstrip("\r"))


def _only_pass(line: cst.BaseStatement) -> bool:
    return (
        isinstance(line, cst.SimpleStatementLine)
        and len(line.body) == 1
        and isinstance(line.body[0], cst.Pass)
    )


class Rewriter(HandlerRewriting, cst.CSTTransformer):
    """The rewrite as a plain transformer; the imports it needs are collected in ``imports``."""

    def __init__(
        self, plans: Sequence[HandlerPlan], unsafe_fixes: bool, limits: LineLimits | None = None
    ) -> None:
        super().__init__()
        self.setup_rewriting(plans, unsafe_fixes, limits)
        self.imports: list[tuple[str, str | None]] = []

    def add_import(self, module: str, obj: str | None) -> None:
        self.imports.append((module, obj))


def apply_plans(
    text: str,
    plans: Sequence[HandlerPlan],
    unsafe_fixes: bool,
    style: ProjectStyle | None = None,
) -> tuple[str, int]:
    """``text`` with the applicable plans applied: (new text, rewrites applied), written in
    the project's ``style`` (line lengths, import sorting).

    Raises :class:`SourceError` (one line, without the file name) when LibCST cannot parse
    ``text``, :class:`InexactParse` when it would not write it back as it was."""
    if not any(p.applies(unsafe_fixes) for p in plans):
        return text, 0
    style = style or ProjectStyle()
    rewriter = Rewriter(plans, unsafe_fixes, style.limits)
    tree = parse_for_rewrite(text)
    if tree.code != text:
        raise InexactParse("LibCST would not write this file back as it was; left unchanged")
    tree = tree.visit(rewriter)
    return add_imports(tree, rewriter.imports, style.imports).code, len(rewriter.applied)


class InexactParse(SourceError):
    """LibCST's tree of a text does not give the text back (it drops some whitespace-only
    lines and line continuations): a rewrite through it would change other lines too."""


def parse_for_rewrite(text: str, first_line: int = 1) -> cst.Module:
    """LibCST's tree of ``text`` (whose line 1 is the file's line ``first_line``), or
    :class:`SourceError` saying where LibCST refused it."""
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        # CPython accepted the file (it was planned from its ast), LibCST's grammar does not.
        reason = exc.message.strip().splitlines()[0] if exc.message.strip() else "syntax error"
        # LibCST's message names the token it stopped at ("error at L:C"), counted from the
        # start of what it was given; its raw_line is one further down.
        place = _LIBCST_PLACE.search(reason)
        line, col = (int(place[1]), int(place[2])) if place else (exc.raw_line, exc.raw_column)
        reason = _LIBCST_PLACE.sub("", reason)
        raise SourceError(
            f"{line + first_line - 1}:{col}: LibCST cannot parse this file ({reason}); "
            "left unchanged"
        ) from exc
    except RecursionError as exc:
        raise SourceError("too deeply nested for LibCST; left unchanged") from exc
