"""``path:line:col: CODE message`` lines and a one-line summary, as ruff and flake8 print."""

from __future__ import annotations

from collections.abc import Sequence

from qualitytool.findings import FileResult, Finding, Severity


def render_finding(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.col}: {finding.rule_id} {finding.message}"


def render(
    findings: Sequence[Finding],
    errors: Sequence[FileResult],
    files_checked: int,
    noun: str,
    note: str | None = None,
) -> str:
    """All findings, then file errors, then the summary line (with ``note`` before its
    full stop)."""
    lines = [render_finding(f) for f in findings]
    lines.extend(f"error: {e.error}" for e in errors)
    lines.append(summary(findings, errors, files_checked, noun, note))
    return "\n".join(lines) + "\n"


def summary(
    findings: Sequence[Finding],
    errors: Sequence[FileResult],
    files_checked: int,
    noun: str,
    note: str | None = None,
) -> str:
    count = len(findings)
    critical = sum(1 for f in findings if f.severity is Severity.ERROR)
    files = len({f.path for f in findings})
    plural = "s" if count != 1 else ""
    if count:
        text = f"Found {count} {noun}{plural} in {files} of {files_checked} files"
        if critical:
            text += f" ({critical} in critical paths)"
    else:
        text = f"No {noun}s found in {files_checked} files"
    if errors:
        text += f"; {len(errors)} file{'s' if len(errors) != 1 else ''} could not be analysed"
    if note:
        text += f"; {note}"
    return text + "."
