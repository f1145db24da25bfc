"""GitHub Actions workflow commands: ``::error file=...,line=...::message`` annotations."""

from __future__ import annotations

from collections.abc import Sequence

from qualitytool.findings import FileResult, Finding, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render_finding(finding: Finding) -> str:
    props = [f"file={_escape_property(finding.path)}", f"line={finding.line}"]
    props.append(f"col={finding.col}")
    if finding.end_line is not None:
        props.append(f"endLine={finding.end_line}")
    props.append(f"title={_escape_property(finding.rule_id)}")
    message = finding.message
    if finding.fix is not None:  # check-exceptions --show-fixes: the fix under the message
        message += f"\n{finding.fix.safety.value} fix: {finding.fix.description}"
    return f"::{_LEVEL[finding.severity]} {','.join(props)}::{_escape_data(message)}"


def render(
    findings: Sequence[Finding], errors: Sequence[FileResult], limit: int | None = None
) -> str:
    """Annotations for the findings (the first ``limit`` when given) and file errors."""
    shown = list(findings)[:limit] if limit is not None else list(findings)
    lines = [render_finding(f) for f in shown]
    lines.extend(
        f"::error file={_escape_property(e.path)}::{_escape_data(e.error or '')}" for e in errors
    )
    return "\n".join(lines) + ("\n" if lines else "")
