"""The report in the machine formats: text summary, JSON of everything, SARIF, GitHub."""

from __future__ import annotations

import json
from typing import Any

from qualitytool.findings import FileResult, Finding, Severity
from qualitytool.report.gates import GATE_TOOLS
from qualitytool.report.model import ToolResult, ToolStatus
from qualitytool.report.result import QualityReport

# GitHub code scanning keeps at most 25,000 results per run (and shows 5,000).
SARIF_RESULT_LIMIT = 25_000
GITHUB_ANNOTATION_LIMIT = 50
_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}


def _tool_failures(report: QualityReport) -> list[FileResult]:
    unread = [FileResult(path=error.split(": ", 1)[0], error=error) for error in report.errors]
    return unread + [
        FileResult(path=".", error=f"{t.tool}: {t.status.value}: {t.detail}")
        for t in report.tools
        if t.status in (ToolStatus.CRASHED, ToolStatus.TIMEOUT)
    ] + [
        FileResult(path=path, error=f"{t.tool} could not analyse this file: {why}")
        for t in report.tools for path, why in t.unanalysed
    ]


def _incomplete(gate_label: str, tool: ToolResult) -> str:
    files = "; ".join(f"{path}: {why}" for path, why in tool.unanalysed)
    count = len(tool.unanalysed)
    return (f"{gate_label}: {tool.tool} could not analyse {count} file"
            f"{'s' if count != 1 else ''} ({files})")


def _most_severe(findings: list[Finding], limit: int) -> list[Finding]:
    ranked = sorted(findings, key=lambda f: (_SEVERITY_ORDER[f.severity], *f.sort_key()))
    return sorted(ranked[:limit], key=Finding.sort_key)


def to_dict(report: QualityReport) -> dict[str, Any]:
    """Everything the report measured, JSON-friendly."""
    comparison = report.comparison
    data: dict[str, Any] = {
        "project": report.root.name,
        "files": report.files,
        "since": report.since,
        "changed_files": sorted(report.changed) if report.changed is not None else None,
        "gates": [
            {"key": g.key, "label": g.label, "required": g.required, "measured": g.actual,
             "status": g.status, "shortfall": g.shortfall}
            for g in report.gates
        ],
        "metrics": dict(report.metrics),
        "gate_metrics": dict(report.gate_metrics) if report.gate_metrics is not None else None,
        "untrusted": report.untrusted,
        "ignored": [
            {"tool": s.tool, "source": s.source, "setting": s.setting, "effect": s.effect}
            for s in report.ignored
        ],
        "tools": [
            {"tool": t.tool, "status": t.status.value, "version": t.version, "detail": t.detail,
             "files": t.files, "cached_files": t.cached_files, "findings": len(t.findings),
             "metrics": dict(t.metrics),
             "unanalysed": [{"path": path, "reason": why} for path, why in t.unanalysed]}
            for t in report.tools
        ],
    }
    if report.shard is not None:
        from qualitytool.report.merge import shard_section

        data["shard"] = shard_section(report)
    if comparison is not None:
        from qualitytool.rendering.json import finding_to_dict

        data["baseline"] = {
            "source": comparison.source,
            "config_changed": comparison.config_changed,
            "metrics": [
                {"key": d.key, "before": d.before, "after": d.after, "change": d.change,
                 "trend": d.trend}
                for d in comparison.metrics
            ],
            "new": [finding_to_dict(f) for f in comparison.new],
            "fixed": list(comparison.fixed),
            "unchanged": comparison.unchanged,
            "tool_changes": [
                {"tool": c.tool, "before": c.before, "after": c.after}
                for c in comparison.tool_changes
            ],
            "new_from_upgrade": [finding_to_dict(f) for f in comparison.new_from_upgrade],
            "gone_from_upgrade": list(comparison.gone_from_upgrade),
        }
    return data


def to_json(report: QualityReport) -> str:
    from qualitytool.rendering import json as json_output

    return json_output.render(report.findings, _tool_failures(report), report.files,
                              extra={"report": to_dict(report)})


def to_sarif(report: QualityReport) -> str:
    from qualitytool.rendering import sarif
    from qualitytool.rendering.rule_info import own_rules

    findings = _most_severe(report.findings, SARIF_RESULT_LIMIT)
    rules = {r.id: r for r in own_rules()}
    for finding in findings:
        if finding.rule_id not in rules:
            rules[finding.rule_id] = sarif.RuleInfo(
                id=finding.rule_id, name=f"{finding.tool}/{finding.rule_id}",
                summary=_rule_summary(finding), help_uri=finding.docs_url,
            )
    return sarif.render(findings, _tool_failures(report), list(rules.values()))


def _rule_summary(finding: Finding) -> str:
    if finding.tool == "pylint" and finding.message.endswith(")"):
        return finding.message[finding.message.rfind("(") + 1 : -1]  # the symbol
    if finding.tool == "radon":
        return f"cyclomatic complexity rank {finding.category}"
    return finding.message


def to_github(report: QualityReport) -> str:
    """Failed gates as errors, then annotations for the most severe findings."""
    from qualitytool.rendering import github

    lines = [
        f"::error title=quality gate {g.key}::{g.label}: {g.actual} (required {g.required}; "
        f"{g.shortfall})"
        for g in report.failed_gates
    ]
    lines += [
        f"::error title=quality gate {g.key}::{g.label}: not measured, {tool.tool} "
        f"{tool.status.value} (required {g.required})"
        for g, tool in report.crashed_gates
    ]
    lines += [
        f"::error title=quality gate {g.key}::{_incomplete(g.label, tool)}"
        for g, tool in report.incomplete_gates
    ]
    findings = report.findings
    if report.changed is not None:
        from qualitytool.report.gates import on_changed_lines

        findings = [f for f in findings if on_changed_lines(f, report.changed)]
    top = _most_severe([f for f in findings if f.severity is not Severity.NOTE],
                       GITHUB_ANNOTATION_LIMIT)
    text = github.render(top, _tool_failures(report))
    return "\n".join(lines) + ("\n" if lines else "") + text


def to_text(report: QualityReport) -> str:
    """The gate table and the tools' status, for a terminal."""
    lines = []
    if report.since is not None:
        lines.append(f"Gates on lines changed since {report.since} "
                     f"({len(report.changed or {})} files).")
    width = max(len(g.label) for g in report.gates)
    for gate in report.gates:
        measured = gate.actual if gate.actual is not None else "not measured"
        verdict = {"fail": f"FAIL ({gate.shortfall})", "pass": "pass"}.get(gate.status,
                                                                          gate.status)
        lines.append(f"{gate.label:<{width}}  {measured:>12}  {gate.required:<14} {verdict}")
    lines.append("")
    for tool in report.tools:
        if tool.status is ToolStatus.OK and tool.tool in ("coverage", "annotations"):
            lines.append(f"{tool.tool}: {tool.metrics['percent']}% over {tool.files} files")
        elif tool.status is ToolStatus.OK:
            lines.append(f"{tool.tool}: {len(tool.findings)} findings "
                         f"({tool.files} files, {tool.cached_files} from cache)")
            lines.extend(f"{tool.tool}: could not analyse {path}: {why}"
                         for path, why in tool.unanalysed)
            if tool.detail:  # a note on the run (pylint's import-error share...)
                lines.append(f"{tool.tool}: note: {tool.detail}")
        elif tool.status is not ToolStatus.SKIPPED or tool.tool in ("coverage",):
            lines.append(f"{tool.tool}: {tool.status.value}: {tool.detail}")
    if report.ignored:
        lines.append("")
        lines.append("--untrusted: not run, the project's code:")
        lines.extend(f"  {setting.describe()}" for setting in report.ignored)
    failed = report.failed_gates
    crashed = report.crashed_gates
    lines.append("")
    if failed:
        lines.append(f"{len(failed)} gate{'s' if len(failed) != 1 else ''} failed: "
                     + ", ".join(g.key for g in failed))
    if crashed:
        lines.append(f"{len(crashed)} gate{'s' if len(crashed) != 1 else ''} not measured "
                     "because the tool crashed or timed out: "
                     + ", ".join(g.key for g, _ in crashed))
    incomplete = report.incomplete_gates
    if incomplete:
        lines.append(f"{len(incomplete)} gate{'s' if len(incomplete) != 1 else ''} measured "
                     "without the files their tool could not analyse: "
                     + ", ".join(g.key for g, _ in incomplete))
    if not failed and not crashed and not incomplete:
        lines.append("All measured gates pass.")
    return "\n".join(lines) + "\n"


def gate_failures(report: QualityReport, unmeasured: bool = False) -> list[str]:
    """One line per failed gate (and, with ``unmeasured``, per gate whose tool did not run)."""
    lines = [
        f"gate failed: {g.label}: {g.actual}, required {g.required} ({g.shortfall})"
        for g in report.failed_gates
    ]
    lines += [
        f"gate failed: {gate.label}: not measured, {GATE_TOOLS[gate.key]} "
        f"{tool.status.value}: {tool.detail}"
        for gate, tool in report.crashed_gates
    ]
    lines += [f"gate failed: {_incomplete(gate.label, tool)}"
              for gate, tool in report.incomplete_gates]
    if unmeasured:
        for gate, tool in report.unmeasured_gates:
            if tool is not None and tool.status in (ToolStatus.CRASHED, ToolStatus.TIMEOUT):
                continue  # listed above
            why = "not run" if tool is None else tool.status.value
            if tool is not None and tool.detail:
                why += f": {tool.detail}"
            lines.append(f"gate not measured: {gate.label}, required {gate.required} "
                         f"({GATE_TOOLS[gate.key]} {why})")
    return lines


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
