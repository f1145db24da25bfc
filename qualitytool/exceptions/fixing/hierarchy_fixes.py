"""The opt-in rewrites that use the project's exception hierarchy: ``--ladder`` and ``--wrap``.

They run after :func:`qualitytool.exceptions.fixing.plan.plan_module` and turn some of its plans
into laddered or wrapped ones; every other plan is passed through unchanged.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

from qualitytool.exceptions.fixing.families import load_project_hierarchy
from qualitytool.exceptions.fixing.located import located_handlers
from qualitytool.exceptions.fixing.plan import HandlerPlan, handler_order
from qualitytool.exceptions.inference.infer import Inferrer
from qualitytool.exceptions.inference.project import ModuleInfo

if TYPE_CHECKING:
    from qualitytool.exceptions.fixing.fix import FixOptions


def upgrade_plans(
    plans: list[HandlerPlan],
    text: str,
    tree: ast.Module,
    module: ModuleInfo,
    inferrer: Inferrer,
    options: FixOptions,
) -> list[HandlerPlan]:
    """``plans`` with the handlers ``--ladder``/``--wrap`` rewrite replaced."""
    from qualitytool.exceptions.fixing.ladder import ladder_plan
    from qualitytool.exceptions.fixing.wrap import wrap_plan

    hierarchy = load_project_hierarchy(options.config)
    if hierarchy is None:
        return plans
    by_rank = {p.index: p for p in plans}
    order = handler_order(tree)
    lines = sorted({line for (line, _), rank in order.items() if rank in by_rank})
    upgraded: dict[int, HandlerPlan] = {}
    for handler, try_node, frame, _is_star in located_handlers(tree, module, inferrer, lines):
        plan = by_rank.get(order[(handler.lineno, handler.col_offset)])
        if plan is None:
            continue
        result: HandlerPlan | str = "not asked"
        if options.ladder:
            result = ladder_plan(plan, handler, try_node, frame, inferrer, hierarchy, text)
        if isinstance(result, str) and options.wrap:
            result = wrap_plan(plan, handler, try_node, frame, inferrer, hierarchy, text)
        if not isinstance(result, str):
            upgraded[plan.index] = replace(result, index=plan.index)
    return [upgraded.get(p.index, p) for p in plans]
