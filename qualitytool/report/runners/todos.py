"""TODO counts and links from ``qualitytool todos PATH --report DIR --format json``.

Run as a subprocess of our own command (the TODO scanner is its own feature); when this
installation has no ``todos`` command the tool is shown as not available.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from qualitytool.findings import Finding, Severity
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.tools import ToolError, run_tool

REPORT_FILES = ("TODO_REPORT.md", "KNOWN_LIMITATIONS.md")


class TodosRunner:
    name = "todos"

    def applies(self, ctx: RunContext) -> str | None:
        return None

    def run(self, ctx: RunContext) -> ToolResult:
        from qualitytool import __version__
        from qualitytool.report.launch import launch_command

        override = ctx.command_override(self.name)
        command = override.split() if override else launch_command("qualitytool")
        with tempfile.TemporaryDirectory(prefix="qualitytool-todos-") as scratch:
            out_dir = ctx.out_dir or Path(scratch)
            argv = [*command, "todos", str(ctx.root), "--report", str(out_dir), "--format", "json"]
            if ctx.shard is not None:
                argv += ["--shard", str(ctx.shard)]
            try:
                # 2: a file or folder could not be read; the JSON still covers the others
                completed = run_tool(self.name, argv, ctx.root, ctx.timeout,
                                     ok_codes=(0, 1, 2), background=True)
            except ToolError as exc:
                if "No such command" in exc.detail or "no such option" in exc.detail.lower():
                    raise ToolError(
                        ToolStatus.MISSING,
                        "not available (this qualitytool has no `todos` command)",
                    ) from exc
                raise
            try:
                document = json.loads(completed.stdout)
                items: list[dict[str, Any]] = document["items"]
                summary = document["summary"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ToolError(ToolStatus.CRASHED, f"unreadable JSON output: {exc}") from exc
            written = [name for name in REPORT_FILES if (out_dir / name).is_file()]
        findings = [
            Finding(
                rule_id="TODO", tool=self.name, path=item["path"], line=item["line"],
                col=item.get("col", 1),
                message=f"{item['marker']} without an issue link: {item['text']}",
                severity=Severity.WARNING, context=str(item.get("fingerprint", item["text"])),
                category=str(item.get("category", "")),
            )
            for item in items
            if not item.get("issue")
        ]
        metrics = {
            "total": summary.get("total", len(items)),
            "linked": summary.get("linked", 0),
            "unlinked": summary.get("unlinked", len(findings)),
            "by_category": dict(sorted(summary.get("by_category", {}).items())),
            "by_resolution": dict(sorted(summary.get("by_resolution", {}).items())),
            "reports": written if ctx.out_dir is not None else [],
            "notes": [*document.get("notes", []),
                      *(line for line in (completed.stderr or "").splitlines()
                        if line.startswith("error: "))],
        }
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=f"qualitytool {__version__}",
            findings=tuple(sorted(findings, key=Finding.sort_key)), metrics=metrics,
            files=len({item["path"] for item in items}),
        )


RUNNER = TodosRunner()
