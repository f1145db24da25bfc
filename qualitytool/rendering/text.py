"""``path:line:col: CODE message`` lines and a one-line summary, as ruff and flake8 print."""

from __future__ import annotations

from collections.abc import Sequence

from qualitytool.findings import FileResult, Finding, FixSafety, Severity

# How a fix is introduced on the line under its finding.
_FIX_LABEL = {FixSafety.SAFE: "fix", FixSafety.UNSAFE: "unsafe fix",
              FixSafety.DISPLAY_ONLY: "suggested fix", FixSafety.NONE: "no fix"}


def render_finding(finding: Finding) -> str:
    """``path:line:col: CODE message``; as ruff marks a finding a safe fix exists for,
    ``CODE [*] message``, and the fix, or why there is none, on the line below."""
    fix = finding.fix
    marker = " [*]" if fix is not None and fix.safety is FixSafety.SAFE else ""
    line = f"{finding.path}:{finding.line}:{finding.col}: {finding.rule_id}{marker} " \
           f"{finding.message}"
    if fix is None:
        return line
    return f"{line}\n  {_FIX_LABEL[fix.safety]}: {fix.description}"


def render(
    findings: Sequence[Finding],
    errors: Sequence[FileResult],
    files_checked: int,
    noun: str,
    note: str | None = None,
    fix_command: str | None = None,
) -> str:
    """All findings, then file errors, then the summary line (with ``note`` before its
    full stop); with ``fix_command``, a line on how many findings it fixes (see
    :func:`fixes_summary`)."""
    lines = [render_finding(f) for f in findings]
    lines.extend(f"error: {e.error}" for e in errors)
    lines.append(summary(findings, errors, files_checked, noun, note))
    if fix_command is not None and findings:
        lines.append(fixes_summary(findings, fix_command))
    return "\n".join(lines) + "\n"


def fixes_summary(findings: Sequence[Finding], fix_command: str) -> str:
    """As ruff's last line: how many ``fix_command`` fixes, and how many more with
    ``--unsafe-fixes``."""
    safe = sum(1 for f in findings if f.fix is not None and f.fix.safety is FixSafety.SAFE)
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.safety is FixSafety.UNSAFE)
    if safe:
        more = f" ({unsafe} more with `--unsafe-fixes`)" if unsafe else ""
        return f"[*] {safe} fixable with `{fix_command}`{more}."
    if unsafe:
        return f"No safe fixes ({unsafe} fixable with `{fix_command} --unsafe-fixes`)."
    return "No fixes available."


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
