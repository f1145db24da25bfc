"""LibCST codemod: narrow broad exception handlers to what the ``try`` body can raise.

Run it through qualitytool (``qualitytool fix-exceptions``) or LibCST's own runner::

    python -m libcst.tool codemod fix_exceptions.FixExceptionsCommand src/
    # with ``qualitytool.codemods`` listed under ``modules`` in .libcst.codemod.yaml

The decisions come from :func:`qualitytool.exceptions.fixing.plan.plan_module`; this module only
rewrites the handlers they name, touching nothing else (comments, formatting, line endings).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor

from qualitytool.exceptions.fixing.plan import HandlerPlan
from qualitytool.exceptions.fixing.rewrite import HandlerRewriting


class FixExceptionsCommand(HandlerRewriting, VisitorBasedCodemodCommand):
    """Rewrite ``except Exception:`` / bare ``except:`` to the exceptions really raised."""

    DESCRIPTION = "Narrow broad exception handlers to the exceptions the try body can raise."

    def __init__(
        self,
        context: CodemodContext,
        plans: Sequence[HandlerPlan] | None = None,
        unsafe_fixes: bool = False,
        keep_fallback: bool = False,
        boundaries: bool = False,
    ) -> None:
        super().__init__(context)
        self._given_plans = plans
        self.unsafe_fixes = unsafe_fixes
        self.keep_fallback = keep_fallback
        self.boundaries = boundaries
        self.setup_rewriting((), unsafe_fixes)

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
        arg_parser.add_argument(
            "--boundaries", dest="boundaries", action="store_true",
            help="Keep catch-alls around callbacks and futures, and make them log the traceback.",
        )

    def add_import(self, module: str, obj: str | None) -> None:
        AddImportsVisitor.add_needed_import(self.context, module, obj)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        plans = self._given_plans
        if plans is None:
            plans = _plans_for(
                tree.code, self.context.filename, self.keep_fallback, self.boundaries
            )
        self.setup_rewriting(plans, self.unsafe_fixes)
        if not self.plans_by_rank:
            return tree
        return super().transform_module_impl(tree)


def _plans_for(
    code: str, filename: str | None, keep_fallback: bool, boundaries: bool
) -> list[HandlerPlan]:
    """Plans for a module when run by LibCST's runner (no qualitytool run around it)."""
    from qualitytool.exceptions.fixing.fix import standalone_plans

    return standalone_plans(
        code, Path(filename) if filename else None, keep_fallback, boundaries
    )
