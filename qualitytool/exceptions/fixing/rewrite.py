"""Apply :class:`HandlerPlan` decisions to a LibCST tree, touching only the planned handlers.

:class:`HandlerRewriting` is the rewrite itself, shared by the LibCST codemod
(``qualitytool.codemods.fix_exceptions``) and :func:`apply_plans`, the fast path qualitytool's
own runs take: it needs no metadata and imports ``libcst.codemod`` (slow to import) only when
a rewrite needs an import added.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import libcst as cst

from qualitytool.exceptions.fixing.plan import HandlerPlan
from qualitytool.sources import SourceError

_LIBCST_PLACE = re.compile(r"error at (\d+):(\d+): ")


class HandlerRewriting:
    """Visitor methods that rewrite the handlers ``plans`` name (mixed into a transformer)."""

    def setup_rewriting(self, plans: Sequence[HandlerPlan], unsafe_fixes: bool) -> None:
        self.plans_by_rank = {p.index: p for p in plans if p.applies(unsafe_fixes)}
        self.ranks: dict[int, int] = {}
        self.seen = 0
        self.applied: list[HandlerPlan] = []

    def add_import(self, module: str, obj: str | None) -> None:
        raise NotImplementedError

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Handlers are statements: never descend into expressions or simple statements,
        # which are most of a module's nodes.
        if isinstance(node, (cst.BaseExpression, cst.SimpleStatementLine, cst.Decorator)):
            return False
        return super().on_visit(node)  # type: ignore[misc, no-any-return]

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
        if plan.fix == "boundary-log" and plan.fallback_log is not None:
            return updated_node.with_changes(body=_prepend(updated_node.body, plan.fallback_log))
        if plan.fix == "boundary-exc-info":
            return updated_node.with_changes(
                body=_with_exc_info(updated_node.body, plan.log_statement)
            )
        if plan.fix == "ladder":
            from qualitytool.exceptions.fixing.ladder import apply_ladder

            return apply_ladder(plan, updated_node, _prepend, _with_exc_info)
        if plan.fix == "wrap":
            from qualitytool.exceptions.fixing.wrap import apply_wrap

            return apply_wrap(plan, updated_node, _new_type(plan, updated_node))
        narrowed = updated_node.with_changes(
            type=_new_type(plan, updated_node),
            whitespace_after_except=(
                cst.SimpleWhitespace(" ")
                if updated_node.type is None
                else updated_node.whitespace_after_except
            ),
        )
        if plan.fix != "keep-fallback" or plan.fallback_log is None:
            return narrowed
        fallback = updated_node.with_changes(
            leading_lines=(), body=_prepend(updated_node.body, plan.fallback_log)
        )
        return cst.FlattenSentinel([narrowed, fallback])


def _new_type(plan: HandlerPlan, node: cst.ExceptHandler) -> cst.BaseExpression:
    names = list(plan.names)
    if plan.broad_positions and isinstance(node.type, cst.Tuple):
        module = cst.Module(body=[])
        kept = [
            module.code_for_node(element.value)
            for i, element in enumerate(node.type.elements)
            if i not in plan.broad_positions
        ]
        names = kept + [n for n in names if n not in kept]
    if len(names) == 1:
        return cst.parse_expression(names[0])
    return cst.parse_expression("(" + ", ".join(names) + ")")


def _prepend(body: cst.BaseSuite, statement: str) -> cst.BaseSuite:
    """``statement`` first in ``body``; it takes the place of a body that is only ``pass``
    (whose line keeps its comments)."""
    call = cst.Expr(cst.parse_expression(statement))
    if isinstance(body, cst.IndentedBlock):
        if len(body.body) == 1 and _only_pass(body.body[0]):
            only = body.body[0]
            assert isinstance(only, cst.SimpleStatementLine)
            return body.with_changes(body=[only.with_changes(body=[call])])
        line = cst.SimpleStatementLine(body=[call])
        return body.with_changes(body=[line, *body.body])
    assert isinstance(body, cst.SimpleStatementSuite)
    if len(body.body) == 1 and isinstance(body.body[0], cst.Pass):
        return body.with_changes(body=[call])
    return body.with_changes(body=[call, *body.body])


def _only_pass(line: cst.BaseStatement) -> bool:
    return (
        isinstance(line, cst.SimpleStatementLine)
        and len(line.body) == 1
        and isinstance(line.body[0], cst.Pass)
    )


def _with_exc_info(body: cst.BaseSuite, index: int) -> cst.BaseSuite:
    """``body`` with ``exc_info=True`` added to the logging call of its ``index``-th
    statement (counted as the ``ast`` counts them: ``a; b`` is two)."""
    return map_statement(body, index, _extended)


def map_statement(
    body: cst.BaseSuite,
    index: int,
    change: Callable[[cst.BaseSmallStatement], cst.BaseSmallStatement],
) -> cst.BaseSuite:
    """``body`` with ``change`` applied to its ``index``-th simple statement, counted as the
    ``ast`` counts them (``a; b`` is two, a compound statement is one)."""
    if isinstance(body, cst.SimpleStatementSuite):
        statements = list(body.body)
        statements[index] = change(statements[index])
        return body.with_changes(body=statements)
    assert isinstance(body, cst.IndentedBlock)
    lines = list(body.body)
    seen = 0
    for at, line in enumerate(lines):
        if not isinstance(line, cst.SimpleStatementLine):
            seen += 1  # a compound statement is one statement
            continue
        inner = list(line.body)
        if seen + len(inner) > index:
            inner[index - seen] = change(inner[index - seen])
            lines[at] = line.with_changes(body=inner)
            return body.with_changes(body=lines)
        seen += len(inner)
    return body


def _extended(statement: cst.CSTNode) -> cst.BaseSmallStatement:
    assert isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call)
    return statement.with_changes(value=_add_exc_info(statement.value))


def _add_exc_info(call: cst.Call) -> cst.Call:
    flag = cst.Arg(
        keyword=cst.Name("exc_info"), value=cst.Name("True"),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=[flag])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new argument takes it
        between = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) \
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args[-1] = last.with_changes(comma=between)
        flag = flag.with_changes(comma=last.comma)
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, flag])


class Rewriter(HandlerRewriting, cst.CSTTransformer):
    """The rewrite as a plain transformer; the imports it needs are collected in ``imports``."""

    def __init__(self, plans: Sequence[HandlerPlan], unsafe_fixes: bool) -> None:
        super().__init__()
        self.setup_rewriting(plans, unsafe_fixes)
        self.imports: list[tuple[str, str | None]] = []

    def add_import(self, module: str, obj: str | None) -> None:
        self.imports.append((module, obj))


def apply_plans(text: str, plans: Sequence[HandlerPlan], unsafe_fixes: bool) -> tuple[str, int]:
    """``text`` with the applicable plans applied: (new text, rewrites applied).

    Raises :class:`SourceError` (one line, without the file name) when LibCST cannot parse
    ``text``, :class:`InexactParse` when it would not write it back as it was."""
    if not any(p.applies(unsafe_fixes) for p in plans):
        return text, 0
    rewriter = Rewriter(plans, unsafe_fixes)
    tree = parse_for_rewrite(text)
    if tree.code != text:
        raise InexactParse("LibCST would not write this file back as it was; left unchanged")
    tree = tree.visit(rewriter)
    return add_imports(tree, rewriter.imports).code, len(rewriter.applied)


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


def add_imports(tree: cst.Module, imports: Sequence[tuple[str, str | None]]) -> cst.Module:
    """``tree`` with ``imports`` (module, object) added where LibCST's AddImportsVisitor puts
    them: after the module's first block of imports, unless already imported there."""
    if not imports:
        return tree
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    context = CodemodContext()
    for module, obj in imports:
        AddImportsVisitor.add_needed_import(context, module, obj)
    return AddImportsVisitor(context).transform_module(tree)
