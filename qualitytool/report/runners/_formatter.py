"""Formatters in check mode: one finding per file they would change."""

from __future__ import annotations

import re

from qualitytool.findings import Finding, Severity
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.runners._external import OptionalTool, normal, relative_args
from qualitytool.report.tools import path_command, run_tool, tool_version


class FormatterCheck(OptionalTool):
    """``executable`` + ``check_args`` over the files; ``pattern`` picks the files it flags."""

    executable = ""
    check_args: tuple[str, ...] = ()
    pattern = re.compile("")
    rule_id = ""
    message = ""

    def run(self, ctx: RunContext) -> ToolResult:
        command = path_command(ctx, self.name, self.executable)
        version = tool_version(command, ctx.root)
        ctx.progress(self.name, 0, 1)
        completed = run_tool(
            self.name, [*command, *self.check_args, *relative_args(ctx)], ctx.root,
            ctx.timeout, ok_codes=(0, 1),
        )
        flagged = sorted(
            {
                normal(ctx, match["path"].strip())
                for match in self.pattern.finditer(completed.stdout + "\n" + completed.stderr)
            }
        )
        findings = tuple(
            Finding(rule_id=self.rule_id, tool=self.name, path=path, line=1, col=1,
                    message=self.message, severity=Severity.NOTE, context=self.rule_id)
            for path in flagged
        )
        ctx.progress(self.name, 1, 1)
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=version, findings=findings,
            metrics={"files_to_change": len(flagged)}, files=len(ctx.files),
        )
