"""Shared shape of the optional tools the project configures itself (type checkers, formatters).

They run over the whole project in one process, with their own caches (mypy keeps
``.mypy_cache``), so the report does not cache them per file.
"""

from __future__ import annotations

from pathlib import Path

from qualitytool.report.model import RunContext
from qualitytool.report.project import uses


class OptionalTool:
    """Runs only when the project uses the tool (its configuration) or our config enables it."""

    name = ""

    def applies(self, ctx: RunContext) -> str | None:
        if uses(ctx.root, self.name, ctx.config.report.enable) is None:
            return (
                f"not used by the project (no {self.name} configuration; enable it with "
                f'[tool.qualitytool.report] enable = ["{self.name}"])'
            )
        return None


def relative_args(ctx: RunContext) -> list[str]:
    return [ctx.relative(p) for p in ctx.files]


def normal(ctx: RunContext, name: str) -> str:
    path = Path(name)
    return ctx.relative(path if path.is_absolute() else ctx.root / path)
