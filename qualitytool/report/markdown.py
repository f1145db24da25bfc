"""The Markdown reports (Jinja2 templates in ``reports/templates``, overridable).

Templates are looked up first in ``[tool.qualitytool.report] templates-dir`` (relative to the
configuration file), then in the ones shipped as ``qualitytool.templates``.  Output is
deterministic: everything sorted, no timestamps, paths relative to the project root.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualitytool.findings import Finding
from qualitytool.rendering.templates import environment, render_template, templates_dir_of
from qualitytool.report.model import ToolStatus
from qualitytool.report.result import QualityReport

REPORTS = {
    "CODE_QUALITY_REPORT.md": "code_quality_report.md.j2",
    "TEST_COVERAGE_REPORT.md": "test_coverage_report.md.j2",
    "EXCEPTION_REFACTORING_REPORT.md": "exception_refactoring_report.md.j2",
}
# Long lists in the Markdown are cut here (the JSON output has everything).
LIST_LIMIT = 25
GITHUB_SUMMARY_LIMIT = 1024 * 1024  # bytes; GitHub rejects larger step summaries


@dataclass(frozen=True)
class Written:
    path: Path
    name: str


def _environment(report: QualityReport) -> Any:
    return environment(templates_dir_of(report.config), {"num": number, "loc": location})


def number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def location(finding: Finding) -> str:
    return f"`{finding.path}:{finding.line}`"


def context(report: QualityReport) -> dict[str, Any]:
    """What the templates see (docs/report.md, "Speed, cache and templates", lists it for
    authors)."""
    tools = {t.tool: t for t in report.tools}
    ok = {name: t for name, t in tools.items() if t.status is ToolStatus.OK}
    by_tool = Counter({t.tool: len(t.findings) for t in report.tools if t.findings})
    comparison = report.comparison
    return {
        "report": report,
        "project": report.root.name,
        "tools": tools,
        "ok": ok,
        # Optional tools the project does not configure: one line instead of a row each.
        "unused_tools": [
            name for name, t in tools.items()
            if t.status is ToolStatus.SKIPPED and t.detail.startswith("not used by the project")
        ],
        "gates": report.gates,
        "failed_gates": report.failed_gates,
        "crashed_gates": [gate for gate, _ in report.crashed_gates],
        "ignored": report.ignored,
        "metrics": report.metrics,
        "gate_metrics": report.gate_metrics,
        "since": report.since,
        "changed_files": len(report.changed or {}),
        "comparison": comparison,
        "deltas": {d.key: d for d in comparison.metrics} if comparison else {},
        "findings_by_tool": sorted(by_tool.items(), key=lambda item: (-item[1], item[0])),
        "bandit_findings": _of(ok, "bandit"),
        "typecheck_findings": sorted(
            [*_of(ok, "mypy"), *_of(ok, "basedpyright")], key=Finding.sort_key
        ),
        "format_findings": sorted(
            [*_of(ok, "black"), *_of(ok, "isort"), *_of(ok, "ruff-format")], key=Finding.sort_key
        ),
        "exception_findings": _of(ok, "check-exceptions"),
        "limit": LIST_LIMIT,
    }


def _of(tools: dict[str, Any], name: str) -> list[Finding]:
    return list(tools[name].findings) if name in tools else []


def render(report: QualityReport, template: str) -> str:
    return render_template(_environment(report), template, context(report))


def write_reports(report: QualityReport, out_dir: Path) -> list[Written]:
    """Write the three reports into ``out_dir`` (the todos runner writes its own there)."""
    # Every template renders before anything is written: a broken one writes nothing.
    texts = {name: render(report, template) for name, template in REPORTS.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():
        target = out_dir / name
        target.write_text(text, encoding="utf-8")
        written.append(Written(target, name))
    todos = report.tool("todos")
    if todos is not None and todos.ok:
        for name in todos.metrics.get("reports", []):
            written.append(Written(out_dir / name, name))
    return written


def step_summary(report: QualityReport, limit: int = GITHUB_SUMMARY_LIMIT) -> str:
    """The code quality report for ``GITHUB_STEP_SUMMARY``, cut to fit its 1 MiB limit."""
    text = render(report, REPORTS["CODE_QUALITY_REPORT.md"])
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    note = "\n\n_(cut to fit GitHub's 1 MiB step summary; the full report is in the artifacts)_\n"
    budget = limit - len(note.encode("utf-8"))
    cut = data[:budget].decode("utf-8", errors="ignore")
    return cut[: cut.rfind("\n") + 1] + note
