"""LibCST codemod: narrow broad exception handlers to what the ``try`` body can raise.

Run it through qualitytool (``qualitytool fix-exceptions``) or LibCST's own runner::

    python -m libcst.tool codemod fix_exceptions.FixExceptionsCommand src/
    # with ``qualitytool.codemods`` listed under ``modules`` in .libcst.codemod.yaml

The decisions come from :func:`qualitytool.exceptions.plan.plan_module`; this module only
rewrites the handlers they name, touching nothing else (comments, formatting, line endings).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor

from qualitytool.exceptions.plan import HandlerPlan

Handler = cst.ExceptHandler | cst.ExceptStarHandler


class FixExceptionsCommand(VisitorBasedCodemodCommand):
    """Rewrite ``except Exception:`` / bare ``except:`` to the exceptions really raised."""

    DESCRIPTION = "Narrow broad exception handlers to the exceptions the try body can raise."

    def __init__(
        self,
        context: CodemodContext,
        plans: Sequence[HandlerPlan] | None = None,
        unsafe_fixes: bool = False,
        keep_fallback: bool = False,
    ) -> None:
        super().__init__(context)
        self._given_plans = plans
        self.unsafe_fixes = unsafe_fixes
        self.keep_fallback = keep_fallback
        self._plans: dict[int, HandlerPlan] = {}
        self._ranks: dict[int, int] = {}
        self._seen = 0
        self.applied: list[HandlerPlan] = []

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--unsafe-fixes", dest="unsafe_fixes", action="store_true",
            help="Also apply fixes that may change behaviour (open sets, bare except).",
        )
        arg_parser.add_argument(
            "--keep-fallback", dest="keep_fallback", action="store_true",
            help="Add the specific handlers above the broad one and keep it, logging.",
        )

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        plans = self._given_plans
        if plans is None:
            plans = _plans_for(tree.code, self.context.filename, self.keep_fallback)
        self._plans = {p.index: p for p in plans if p.applies(self.unsafe_fixes)}
        if not self._plans:
            return tree
        return super().transform_module_impl(tree)

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Handlers are statements: never descend into expressions or simple statements,
        # which are most of a module's nodes.
        if isinstance(node, (cst.BaseExpression, cst.SimpleStatementLine, cst.Decorator)):
            return False
        return super().on_visit(node)

    # ExceptHandler and ExceptStarHandler are counted together, in source order, as
    # ``plan.handler_order`` counts ast.ExceptHandler nodes.
    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> bool:
        self._count(node)
        return True

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> bool:
        self._count(node)
        return True

    def _count(self, node: Handler) -> None:
        self._ranks[id(node)] = self._seen
        self._seen += 1

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler | cst.FlattenSentinel[cst.ExceptHandler]:
        plan = self._plans.get(self._ranks.get(id(original_node), -1))
        if plan is None:
            return updated_node
        new_type = _new_type(plan, updated_node)
        for module, obj in plan.imports:
            AddImportsVisitor.add_needed_import(self.context, module, obj)
        self.applied.append(plan)
        narrowed = updated_node.with_changes(
            type=new_type,
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


def _plans_for(code: str, filename: str | None, keep_fallback: bool) -> list[HandlerPlan]:
    """Plans for a module when run by LibCST's runner (no qualitytool run around it)."""
    from qualitytool.exceptions.fix import standalone_plans

    return standalone_plans(code, Path(filename) if filename else None, keep_fallback)
