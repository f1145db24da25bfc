"""Broad exception handlers from ``check-exceptions``, the last ``fix-exceptions`` run log,
and the evidence of the test suite.

The log is ``<project root>/.qualitytool/last-fix-exceptions.json``, written by
``qualitytool fix-exceptions``: what was narrowed safely, unsafely, or left, and why.  The
evidence is ``<project root>/.qualitytool/evidence.json``, written by ``qualitytool evidence
run``: which handlers the tests exercised, what they caught, which never ran.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from qualitytool.findings import Finding, RunResult, Severity
from qualitytool.report.model import RunContext, ToolResult, ToolStatus


def read_fix_log(ctx: RunContext) -> dict[str, Any] | None:
    """The last fix-exceptions run log, or None when none was recorded.  One that cannot be
    used (tracked by git, a symbolic link, malformed...) is ignored with a warning; under
    --untrusted none is read: whatever the checkout holds came with it."""
    from qualitytool.exceptions.fixing.run_log import read_run_log
    from qualitytool.own_files import OwnFileRefused

    if ctx.untrusted:
        return None
    try:
        return read_run_log(ctx.root)
    except OwnFileRefused as exc:
        ctx.warnings.append(f"{exc}; the exception report leaves it out")
        return None


class ExceptionsRunner:
    name = "check-exceptions"

    def applies(self, ctx: RunContext) -> str | None:
        return None

    def run(self, ctx: RunContext) -> ToolResult:
        from qualitytool import __version__
        from qualitytool.exceptions.checking.check import CheckOptions

        # What `check-exceptions` does, in this thread: forking worker processes from the
        # report's runner threads is unsafe, and the check is fast enough to hide behind pylint.
        check = CheckOptions(config=ctx.config, strict=False)
        results = RunResult(files=tuple(check(path) for path in ctx.files))
        findings = []
        for finding in results.findings:
            path = Path(finding.path)
            relative = ctx.relative(path if path.is_absolute() else Path.cwd() / path)
            findings.append(_moved(finding, relative))
        findings.sort(key=Finding.sort_key)
        per_file: dict[str, Counter[str]] = {}
        for finding in findings:
            kind = "critical" if finding.severity is Severity.ERROR else "other"
            per_file.setdefault(finding.path, Counter())[kind] += 1
        metrics: dict[str, Any] = {
            "total": len(findings),
            "critical": sum(1 for f in findings if f.severity is Severity.ERROR),
            "files": [
                {"path": p, "critical": c["critical"], "other": c["other"]}
                for p, c in sorted(per_file.items())
            ],
            "errors": sorted(
                ({"path": ctx.relative(Path(e.path).absolute()), "error": e.error or ""}
                 for e in results.errors),
                key=lambda e: e["path"],
            ),
            **project_records(ctx),
        }
        ctx.progress(self.name, len(ctx.files), len(ctx.files))
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=f"qualitytool {__version__}",
            findings=tuple(findings), metrics=metrics, files=len(results.files),
        )


def project_records(ctx: RunContext) -> dict[str, Any]:
    """What the project's own records say: the last fix-exceptions run log and the tests'
    evidence (each None when there is none, or it cannot be used)."""
    log = read_fix_log(ctx)
    return {"fix_log": _summarise_log(log) if log is not None else None,
            "evidence": _summarise_evidence(ctx)}


def _moved(finding: Finding, path: str) -> Finding:
    from dataclasses import replace

    return replace(finding, path=path)


def _summarise_log(log: dict[str, Any]) -> dict[str, Any]:
    handlers = sorted(
        log.get("handlers", []), key=lambda h: (h.get("path", ""), h.get("line", 0))
    )
    outcomes = Counter(h.get("outcome") for h in handlers)
    per_file: dict[str, Counter[str]] = {}
    for handler in handlers:
        per_file.setdefault(handler.get("path", "?"), Counter())[handler.get("outcome")] += 1
    return {
        "handlers": handlers,
        "before": len(handlers),
        "before_critical": sum(1 for h in handlers if h.get("critical")),
        "safe": outcomes["safe"],
        "unsafe": outcomes["unsafe"],
        "left": outcomes["left"],
        "boundary": outcomes["boundary"],
        "evidence": outcomes["evidence"],
        "laddered": outcomes["laddered"],
        "wrapped": outcomes["wrapped"],
        "narrowed": outcomes["safe"] + outcomes["unsafe"] + outcomes["evidence"],
        "summary": log.get("summary", {}),
        # a dry run wrote nothing: its fixes are what a run with --fix would do (older logs
        # do not say: None)
        "dry_run": log.get("write") is False,
        "unsafe_fixes": log.get("unsafe_fixes"),
        "errors": log.get("errors", []),
        "files": [
            {"path": p, "safe": c["safe"], "unsafe": c["unsafe"], "left": c["left"],
             "boundary": c["boundary"], "laddered": c["laddered"], "wrapped": c["wrapped"]}
            for p, c in sorted(per_file.items())
        ],
    }


def _summarise_evidence(ctx: RunContext) -> dict[str, Any] | None:
    """Counts and lists from the evidence file, or None when there is none (or it cannot be
    used: then with a warning).  Under --untrusted none is read, as for the run log."""
    from qualitytool.exceptions.evidence.show import EvidenceCounts, never_ran
    from qualitytool.exceptions.evidence.store import DEFAULT_PATH, EvidenceError, load
    from qualitytool.own_files import tracked_by_git

    target = ctx.root / DEFAULT_PATH
    if ctx.untrusted or not os.path.lexists(target):
        return None
    try:
        evidence = load(target, ctx.root)
    except EvidenceError as exc:
        ctx.warnings.append(f"{exc}; the exception report leaves it out")
        return None
    if tracked_by_git(target):
        ctx.warnings.append(f"{DEFAULT_PATH.as_posix()}: git tracks it (it came with the "
                            "checkout); the exception report leaves it out")
        return None
    counts = EvidenceCounts.of(evidence)
    caught = sorted((e for e in evidence.entries if e.caught), key=lambda e: (e.path, e.line))
    return {
        "watched": counts.watched, "exercised": counts.exercised, "caught": counts.caught,
        "never_ran": counts.never_ran, "runs": len(evidence.runs),
        "handlers_caught": [
            {"path": e.path, "line": e.line, "runs": e.runs,
             "classes": [f"{c.spelled or c.name} x{c.count}" for c in e.caught]}
            for e in caught
        ],
        "never_ran_list": [{"path": e.path, "line": e.line} for e in never_ran(evidence)],
    }


RUNNER = ExceptionsRunner()
