"""Quality gates: ``[tool.qualitytool.gates]`` thresholds against the measured metrics.

A gate whose tool did not run (missing, crashed, no coverage.json) is *not measured*: shown as
such, never silently passed, and it fails ``--check`` only with ``--fail-unmeasured`` (the
tool's status is in the report).  With ``--since REF`` every gate is computed on the changed
lines only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qualitytool.config import GatesConfig
from qualitytool.findings import Finding, Severity
from qualitytool.report.model import ToolResult, ToolStatus

RANKS = "ABCDEF"
# The runner behind each gate: a gate is unmeasured because this runner did not run.
GATE_TOOLS = {
    "pylint-score-min": "pylint", "bandit-high-max": "bandit", "bandit-medium-max": "bandit",
    "coverage-min": "coverage", "critical-broad-handlers-max": "check-exceptions",
    "unlinked-todos-max": "todos", "worst-complexity-rank": "radon",
    "annotation-coverage-min": "annotations",
}


@dataclass(frozen=True)
class GateResult:
    """One gate: what was required, what was measured, and by how much it failed."""

    key: str  # the config key, e.g. "pylint-score-min"
    label: str
    required: str  # e.g. ">= 8.5"
    actual: str | None  # formatted measurement; None when not measured
    status: str  # "pass", "fail", "not measured", "off"
    shortfall: str = ""  # e.g. "0.29 below", "3 over"
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"


Changed = Mapping[str, frozenset[int]]


def on_changed_lines(finding: Finding, changed: Changed) -> bool:
    lines = changed.get(finding.path)
    if not lines:
        return False
    if finding.end_line is not None and finding.end_line > finding.line:
        return any(n in lines for n in range(finding.line, finding.end_line + 1))
    return finding.line in lines


def headline_metrics(tools: Mapping[str, ToolResult], changed: Changed | None = None) -> dict[
    str, Any
]:
    """The gated numbers (None when not measured), over everything or the changed lines."""

    def findings(tool: str) -> list[Finding] | None:
        result = tools.get(tool)
        if result is None or result.status is not ToolStatus.OK:
            return None
        if changed is None:
            return list(result.findings)
        return [f for f in result.findings if on_changed_lines(f, changed)]

    def metric(tool: str) -> Mapping[str, Any] | None:
        result = tools.get(tool)
        return result.metrics if result is not None and result.ok else None

    bandit = findings("bandit")
    exceptions = findings("check-exceptions")
    todos = findings("todos")
    return {
        "pylint_score": _pylint_score(metric("pylint"), findings("pylint"), changed),
        "bandit_high": None if bandit is None else sum(f.category == "HIGH" for f in bandit),
        "bandit_medium": None if bandit is None else sum(f.category == "MEDIUM" for f in bandit),
        "coverage": _coverage(metric("coverage"), changed),
        "critical_broad_handlers": None if exceptions is None
        else sum(f.severity is Severity.ERROR for f in exceptions),
        "unlinked_todos": None if todos is None else len(todos),
        "worst_complexity_rank": _worst_rank(metric("radon"), findings("radon"), changed),
        "annotation_coverage": _annotations(metric("annotations"), changed),
    }


def _pylint_score(
    metrics: Mapping[str, Any] | None, findings: list[Finding] | None, changed: Changed | None
) -> float | None:
    if metrics is None or findings is None:
        return None
    if changed is None:
        return _float(metrics["score"])
    from collections import Counter

    from qualitytool.report.runners.pylint import score

    # New-code score: the messages on changed lines over the statements of the changed files.
    statements = sum(f["statements"] for f in metrics["files"] if f["path"] in changed)
    value = score(Counter(f.category for f in findings), statements)
    return round(value, 2) if value is not None else 10.0


def _coverage(metrics: Mapping[str, Any] | None, changed: Changed | None) -> float | None:
    if metrics is None:
        return None
    if changed is None:
        return _float(metrics["percent"])
    covered = measured = 0
    for entry in metrics["files"]:
        lines = changed.get(entry["path"], frozenset())
        covered += len(lines.intersection(entry["executed_lines"]))
        measured += len(lines.intersection(entry["executed_lines"] + entry["missing_lines"]))
    return round(100.0 * covered / measured, 1) if measured else 100.0


def _worst_rank(
    metrics: Mapping[str, Any] | None, findings: list[Finding] | None, changed: Changed | None
) -> str | None:
    if metrics is None or findings is None:
        return None
    if changed is None:
        return str(metrics["worst_rank"])
    # Only hotspots (rank C and worse) are findings; changed code without one is B or better.
    return max((f.category for f in findings), default="B")


def _annotations(metrics: Mapping[str, Any] | None, changed: Changed | None) -> float | None:
    if metrics is None:
        return None
    if changed is None:
        return _float(metrics["percent"])
    annotated = total = 0
    for entry in metrics["files"]:
        lines = changed.get(entry["path"])
        if not lines:
            continue
        for line, done, needed in entry["functions"]:
            if line in lines:
                annotated += done
                total += needed
    return round(100.0 * annotated / total, 1) if total else 100.0


def evaluate(gates: GatesConfig, values: Mapping[str, Any]) -> list[GateResult]:
    """Each configured gate against ``values`` (from :func:`headline_metrics`)."""
    return [
        _minimum("pylint-score-min", "pylint score", values["pylint_score"],
                 gates.pylint_score_min, "{:.2f}"),
        _maximum("bandit-high-max", "bandit high-severity findings", values["bandit_high"],
                 gates.bandit_high_max),
        _maximum("bandit-medium-max", "bandit medium-severity findings",
                 values["bandit_medium"], gates.bandit_medium_max),
        _minimum("coverage-min", "test coverage %", values["coverage"], gates.coverage_min,
                 "{:.1f}"),
        _maximum("critical-broad-handlers-max", "broad exception handlers in critical paths",
                 values["critical_broad_handlers"], gates.critical_broad_handlers_max),
        _maximum("unlinked-todos-max", "TODOs without an issue link", values["unlinked_todos"],
                 gates.unlinked_todos_max),
        _rank(values["worst_complexity_rank"], gates.worst_complexity_rank),
        _minimum("annotation-coverage-min", "annotation coverage %",
                 values["annotation_coverage"], gates.annotation_coverage_min, "{:.1f}"),
    ]


def _minimum(key: str, label: str, value: float | None, limit: float, fmt: str) -> GateResult:
    required = ">= " + _trim(limit)
    if value is None:
        return GateResult(key, label, required, None, "not measured")
    passed = value >= limit
    return GateResult(
        key, label, required, fmt.format(value), "pass" if passed else "fail",
        "" if passed else f"{_trim(limit - value)} below",
    )


def _maximum(key: str, label: str, value: int | None, limit: int | None) -> GateResult:
    if limit is None:
        return GateResult(key, label, "not enforced", None if value is None else str(value), "off")
    required = f"<= {limit}"
    if value is None:
        return GateResult(key, label, required, None, "not measured")
    passed = value <= limit
    return GateResult(key, label, required, str(value), "pass" if passed else "fail",
                      "" if passed else f"{value - limit} over")


def _rank(value: str | None, limit: str) -> GateResult:
    key, label, required = "worst-complexity-rank", "worst cyclomatic complexity rank", (
        f"{limit} or better"
    )
    if value is None:
        return GateResult(key, label, required, None, "not measured")
    passed = RANKS.index(value) <= RANKS.index(limit)
    return GateResult(key, label, required, value, "pass" if passed else "fail",
                      "" if passed else f"{RANKS.index(value) - RANKS.index(limit)} rank(s) worse")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _trim(number: float) -> str:
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return text or "0"
