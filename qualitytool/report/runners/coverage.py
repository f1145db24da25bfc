"""coverage.py's ``coverage.json`` (from ``coverage json``), when the project has one.

The report does not run the tests: it reads what the project's test run recorded.  Files the
report analyses but coverage.json does not mention are listed as not measured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qualitytool.discovery import matches_any
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.tools import ToolError
from qualitytool.sources import read_text

# The coverage report lists files below this share, worst first.
LOW_COVERAGE = 50.0


def _coverage_file(ctx: RunContext) -> Path:
    return ctx.root / ctx.config.report.coverage_file


class CoverageRunner:
    name = "coverage"

    def applies(self, ctx: RunContext) -> str | None:
        if not _coverage_file(ctx).is_file():
            return (
                f"no {ctx.config.report.coverage_file} (run `coverage run -m pytest` then "
                "`coverage json` first)"
            )
        return None

    def run(self, ctx: RunContext) -> ToolResult:
        source = _coverage_file(ctx)
        try:  # a regular file under a cap: a link to /dev/zero must not end the run
            document = json.loads(read_text(source))
            meta = document["meta"]
            raw_files = document["files"]
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            raise ToolError(ToolStatus.CRASHED, f"{source.name}: unreadable: {exc}") from exc
        branch = bool(meta.get("branch_coverage"))
        analysed = {ctx.relative(p) for p in ctx.files}
        files = sorted(
            (entry for name, data in raw_files.items()
             if (entry := _file_entry(ctx, name, data, branch))["path"] in analysed),
            key=lambda f: f["path"],
        )
        metrics = _metrics(ctx, files, analysed, branch)
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=str(meta.get("version", "?")),
            metrics=metrics, files=len(files),
        )


def _file_entry(ctx: RunContext, name: str, data: dict[str, Any], branch: bool) -> dict[str, Any]:
    path = Path(name)
    absolute = path if path.is_absolute() else ctx.root / path
    summary = data["summary"]
    entry: dict[str, Any] = {
        "path": ctx.relative(absolute),
        "percent": round(float(summary["percent_covered"]), 1),
        "statements": summary["num_statements"],
        "missing": summary["missing_lines"],
        "executed_lines": sorted(data.get("executed_lines", [])),
        "missing_lines": sorted(data.get("missing_lines", [])),
        "critical": matches_any(absolute, ctx.config.critical_paths, ctx.config.root),
    }
    if branch:
        entry["branches"] = summary.get("num_branches", 0)
        entry["partial_branches"] = summary.get("num_partial_branches", 0)
        entry["covered_branches"] = summary.get("covered_branches", 0)
    return entry


def _metrics(
    ctx: RunContext, files: list[dict[str, Any]], analysed: set[str], branch: bool
) -> dict[str, Any]:
    statements = sum(f["statements"] for f in files)
    covered_lines = statements - sum(f["missing"] for f in files)
    critical = [f for f in files if f["critical"]]
    metrics: dict[str, Any] = {
        # As coverage.py computes it (lines, plus branches when recorded), over the
        # analysed files only.
        "percent": _overall(files, branch),
        "line_percent": round(100.0 * covered_lines / statements, 1) if statements else 100.0,
        "branch": branch,
        "files": files,
        "low": sorted(
            (f for f in files if f["percent"] < LOW_COVERAGE),
            key=lambda f: (f["percent"], f["path"]),
        ),
        "low_threshold": LOW_COVERAGE,
        "not_measured": sorted(analysed - {f["path"] for f in files}),
        "critical": critical,
        "critical_percent": _overall(critical, branch),
        "source": ctx.config.report.coverage_file,
    }
    if branch:
        branches = sum(f["branches"] for f in files)
        covered = sum(f["covered_branches"] for f in files)
        metrics["branch_percent"] = round(100.0 * covered / branches, 1) if branches else 100.0
    return metrics


def _overall(files: list[dict[str, Any]], branch: bool) -> float | None:
    statements = sum(f["statements"] for f in files)
    covered = statements - sum(f["missing"] for f in files)
    if branch:
        statements += sum(f["branches"] for f in files)
        covered += sum(f["covered_branches"] for f in files)
    return round(100.0 * covered / statements, 1) if statements else None


RUNNER = CoverageRunner()
