"""TODO counts and links: the TODO scanner of ``qualitytool todos``, called in this process.

It reads what ``qualitytool todos PATH --report DIR`` reads for the path the report is over
(the configuration's ``todos.include`` under it, not only the report's Python files: a report
on ``src/app`` counts the TODOs under ``src/app``, as the other runners analyse its files
only), with git blame for the reports' ages, and writes ``TODO_REPORT.md`` and
``KNOWN_LIMITATIONS.md`` into the report's ``--out``.
"""

from __future__ import annotations

from qualitytool.findings import Finding, Severity
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.tools import ToolError


class TodosRunner:
    name = "todos"

    def applies(self, ctx: RunContext) -> str | None:
        return None

    def run(self, ctx: RunContext) -> ToolResult:
        from qualitytool import __version__
        from qualitytool.discovery import DiscoveryError
        from qualitytool.rendering.templates import TemplateRenderError, templates_dir_of
        from qualitytool.todos.categories import CategoryRulesError
        from qualitytool.todos.output import summary, write_reports
        from qualitytool.todos.project_scan import scan_paths

        try:
            # Large trees in background workers (this is a runner thread); paths relative to
            # the project's root, as the other runners'.
            result = scan_paths(list(ctx.scope), ctx.config, shard=ctx.shard, base=ctx.root,
                                background=True)
            written = (
                [path.name for path in write_reports(result, ctx.out_dir,
                                                     templates_dir_of(ctx.config))]
                if ctx.out_dir is not None else []
            )
        except (DiscoveryError, CategoryRulesError, TemplateRenderError) as exc:
            raise ToolError(ToolStatus.CRASHED, str(exc)) from exc
        findings = [
            Finding(
                rule_id="TODO", tool=self.name, path=item.path, line=item.line, col=item.col,
                message=f"{item.marker} without an issue link: {item.text}",
                severity=Severity.WARNING, context=item.fingerprint, category=item.category,
            )
            for item in result.items
            if not item.issue
        ]
        counts = summary(result.items, result.categories)
        metrics = {
            "total": counts["total"],
            "linked": counts["linked"],
            "unlinked": counts["unlinked"],
            "by_category": dict(sorted(counts["by_category"].items())),
            "by_resolution": dict(sorted(counts["by_resolution"].items())),
            "reports": written,
            # A file that could not be read: an error line, as `qualitytool todos` prints it.
            "notes": [*result.notes, *(f"error: {error}" for error in result.errors)],
        }
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=f"qualitytool {__version__}",
            findings=tuple(sorted(findings, key=Finding.sort_key)), metrics=metrics,
            files=len({item.path for item in result.items}),
        )


RUNNER = TodosRunner()
