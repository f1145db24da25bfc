"""Formatters in check mode: one finding per file they would change.

Whether a file would change is cached per file (tool version, its configuration files and the
file's content), so a rerun checks only the files that changed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from qualitytool.findings import Finding, Severity
from qualitytool.json_schemas import Record
from qualitytool.report.cache import config_fingerprint
from qualitytool.report.incremental import cached_per_file
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.runners._external import OptionalTool, normal
from qualitytool.report.tools import path_command, run_tool, tool_version


class FormatterCheck(OptionalTool):
    """``executable`` + ``check_args`` over the files; ``pattern`` picks the files it flags."""

    executable = ""
    check_args: tuple[str, ...] = ()
    pattern = re.compile("")
    rule_id = ""
    message = ""
    config_files: tuple[str, ...] = ("pyproject.toml", "setup.cfg", "tox.ini", ".editorconfig")

    def run(self, ctx: RunContext) -> ToolResult:
        command = path_command(ctx, self.name, self.executable)
        version = tool_version(command, ctx.root)
        bucket = ctx.bucket(self.name, version, config_fingerprint(ctx.root, self.config_files),
                            shape=Record({"flagged": bool}))
        per_file, hits = cached_per_file(
            ctx, self.name, bucket, lambda files: self._check(ctx, command, files)
        )
        flagged = {ctx.relative(path) for path, result in per_file.items() if result["flagged"]}
        findings = tuple(
            Finding(rule_id=self.rule_id, tool=self.name, path=path, line=1, col=1,
                    message=self.message, severity=Severity.NOTE, context=self.rule_id)
            for path in sorted(flagged)
        )
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=version, findings=findings,
            metrics={"files_to_change": len(flagged)}, files=len(ctx.files),
            cached_files=hits,
        )

    def _check(
        self, ctx: RunContext, command: list[str], files: list[Path]
    ) -> dict[Path, dict[str, Any]]:
        completed = run_tool(
            self.name, [*command, *self.check_args, *(ctx.relative(p) for p in files)],
            ctx.root, ctx.timeout, ok_codes=(0, 1),
        )
        flagged = {
            normal(ctx, match["path"].strip())
            for match in self.pattern.finditer(completed.stdout + "\n" + completed.stderr)
        }
        return {path: {"flagged": ctx.relative(path) in flagged} for path in files}
