"""basedpyright: type-check errors, when the project configures (based)pyright or enables it."""

from __future__ import annotations

import json

from qualitytool.findings import Finding, Severity
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.runners._external import OptionalTool, normal
from qualitytool.report.tools import ToolError, path_command, run_tool, tool_version

_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING}


class BasedpyrightRunner(OptionalTool):
    name = "basedpyright"

    def run(self, ctx: RunContext) -> ToolResult:
        command = path_command(ctx, self.name, "basedpyright")
        version = tool_version(command, ctx.root)
        ctx.progress(self.name, 0, 1)
        completed = run_tool(self.name, [*command, "--outputjson"], ctx.root, ctx.timeout,
                             ok_codes=(0, 1))
        try:
            diagnostics = json.loads(completed.stdout)["generalDiagnostics"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ToolError(ToolStatus.CRASHED, f"unreadable JSON output: {exc}") from exc
        findings = []
        for item in diagnostics:
            start = item.get("range", {}).get("start", {})
            findings.append(
                Finding(
                    rule_id=item.get("rule") or "basedpyright", tool=self.name,
                    path=normal(ctx, item["file"]), line=start.get("line", 0) + 1,
                    col=start.get("character", 0) + 1, message=item["message"],
                    severity=_SEVERITY.get(item.get("severity", ""), Severity.NOTE),
                    context=item["message"], category=item.get("severity", ""),
                )
            )
        findings.sort(key=Finding.sort_key)
        ctx.progress(self.name, 1, 1)
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=version, findings=tuple(findings),
            metrics={"errors": sum(1 for f in findings if f.severity is Severity.ERROR)},
        )


RUNNER = BasedpyrightRunner()
