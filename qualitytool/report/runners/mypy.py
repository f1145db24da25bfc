"""mypy: type-check errors, when the project configures mypy (or it is enabled in ours)."""

from __future__ import annotations

import re

from qualitytool.findings import Finding, Severity
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.project import pyproject_tool_table
from qualitytool.report.runners._external import OptionalTool, normal, relative_args
from qualitytool.report.tools import path_command, run_tool, tool_version

_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<kind>error|warning): "
    r"(?P<message>.*?)(?:  \[(?P<code>[\w-]+)\])?$"
)


class MypyRunner(OptionalTool):
    name = "mypy"

    def run(self, ctx: RunContext) -> ToolResult:
        command = path_command(ctx, self.name, "mypy")
        version = tool_version(command, ctx.root)
        table = pyproject_tool_table(ctx.root, "mypy") or {}
        # The project's own `files`/`packages` say what it type-checks; else our files.
        targets = [] if any(k in table for k in ("files", "packages", "modules")) else (
            relative_args(ctx)
        )
        argv = [*command, "--show-column-numbers", "--show-error-codes", "--no-error-summary",
                "--no-color-output", "--no-pretty", *targets]
        ctx.progress(self.name, 0, 1)
        completed = run_tool(self.name, argv, ctx.root, ctx.timeout, ok_codes=(0, 1))
        findings = []
        for line in completed.stdout.splitlines():
            match = _LINE.match(line)
            if match is None:
                continue
            code = match["code"] or "mypy"
            findings.append(
                Finding(
                    rule_id=code, tool=self.name, path=normal(ctx, match["path"]),
                    line=int(match["line"]), col=int(match["col"] or 1),
                    message=match["message"],
                    severity=Severity.ERROR if match["kind"] == "error" else Severity.WARNING,
                    docs_url="https://mypy.readthedocs.io/en/stable/error_code_list.html",
                    context=match["message"], category=match["kind"],
                )
            )
        findings.sort(key=Finding.sort_key)
        ctx.progress(self.name, 1, 1)
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=version, findings=tuple(findings),
            metrics={"errors": sum(1 for f in findings if f.severity is Severity.ERROR)},
        )


RUNNER = MypyRunner()
