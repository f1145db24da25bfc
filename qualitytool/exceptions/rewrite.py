"""Apply :class:`HandlerPlan` decisions to a LibCST tree, touching only the planned handlers.

:class:`HandlerRewriting` is the rewrite itself, shared by the LibCST codemod
(``qualitytool.codemods.fix_exceptions``) and :func:`apply_plans`, the fast path qualitytool's
own runs take: it needs no metadata and imports ``libcst.codemod`` (slow to import) only when
a rewrite needs an import added.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from qualitytool.exceptions.plan import HandlerPlan


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
    call = cst.Expr(cst.parse_expression(statement))
    if isinstance(body, cst.IndentedBlock):
        line = cst.SimpleStatementLine(body=[call])
        return body.with_changes(body=[line, *body.body])
    assert isinstance(body, cst.SimpleStatementSuite)
    return body.with_changes(body=[call, *body.body])


class _Rewriter(HandlerRewriting, cst.CSTTransformer):
    def __init__(self, plans: Sequence[HandlerPlan], unsafe_fixes: bool) -> None:
        super().__init__()
        self.setup_rewriting(plans, unsafe_fixes)
        self.imports: list[tuple[str, str | None]] = []

    def add_import(self, module: str, obj: str | None) -> None:
        self.imports.append((module, obj))


def apply_plans(text: str, plans: Sequence[HandlerPlan], unsafe_fixes: bool) -> tuple[str, int]:
    """``text`` with the applicable plans applied: (new text, rewrites applied)."""
    if not any(p.applies(unsafe_fixes) for p in plans):
        return text, 0
    rewriter = _Rewriter(plans, unsafe_fixes)
    tree = cst.parse_module(text).visit(rewriter)
    if rewriter.imports:
        from libcst.codemod import CodemodContext
        from libcst.codemod.visitors import AddImportsVisitor

        context = CodemodContext()
        for module, obj in rewriter.imports:
            AddImportsVisitor.add_needed_import(context, module, obj)
        tree = AddImportsVisitor(context).transform_module(tree)
    return tree.code, len(rewriter.applied)
