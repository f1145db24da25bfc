"""Formatters in check mode: one finding per file they would change.

Whether a file would change is cached per file (tool version, its configuration files and the
file's content), so a rerun checks only the files that changed.
"""

from __future__ import annotations

import re

from qualitytool.findings import Finding, Severity
from qualitytool.report.cache import config_fingerprint
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
        bucket = (
            ctx.cache.bucket(self.name, version, config_fingerprint(ctx.root, self.config_files))
            if ctx.cache else None
        )
        flagged: set[str] = set()
        todo = []
        for path in ctx.files:
            cached = bucket.get(ctx.relative(path), path) if bucket is not None else None
            if cached is None:
                todo.append(path)
            elif cached["flagged"]:
                flagged.add(ctx.relative(path))
        ctx.progress(self.name, len(ctx.files) - len(todo), len(ctx.files))
        if todo:
            completed = run_tool(
                self.name, [*command, *self.check_args, *(ctx.relative(p) for p in todo)],
                ctx.root, ctx.timeout, ok_codes=(0, 1),
            )
            fresh = {
                normal(ctx, match["path"].strip())
                for match in self.pattern.finditer(completed.stdout + "\n" + completed.stderr)
            }
            flagged |= fresh
            if bucket is not None:
                for path in todo:
                    bucket.put(ctx.relative(path), path, {"flagged": ctx.relative(path) in fresh})
        if bucket is not None:
            bucket.save()
        findings = tuple(
            Finding(rule_id=self.rule_id, tool=self.name, path=path, line=1, col=1,
                    message=self.message, severity=Severity.NOTE, context=self.rule_id)
            for path in sorted(flagged)
        )
        ctx.progress(self.name, len(ctx.files), len(ctx.files))
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=version, findings=findings,
            metrics={"files_to_change": len(flagged)}, files=len(ctx.files),
            cached_files=len(ctx.files) - len(todo),
        )
