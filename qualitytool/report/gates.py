"""Quality gates: ``[tool.qualitytool.gates]`` thresholds against the measured metrics.

The gates themselves are records of :data:`qualitytool.gate_table.GATES`; this module
measures the headline metrics they read and evaluates each record.

A gate whose tool did not run (missing, crashed, no coverage.json) is *not measured*: shown as
such, never silently passed, and it fails ``--check`` only with ``--fail-unmeasured`` (the
tool's status is in the report).  With ``--since REF`` every gate is computed on the changed
lines only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qualitytool.config import GatesConfig
from qualitytool.findings import Finding, Severity
from qualitytool.gate_table import GATES, RANKS, Direction, Gate
from qualitytool.report.model import ToolResult, ToolStatus

# The runner behind each gate: a gate is unmeasured because this runner did not run.
GATE_TOOLS = {gate.key: gate.tool for gate in GATES}


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


def evaluate(
    gates: GatesConfig, values: Mapping[str, Any], table: Sequence[Gate] = GATES
) -> list[GateResult]:
    """Each gate of ``table`` with its configured threshold against ``values`` (from
    :func:`headline_metrics`), in table order."""
    return [_evaluate(gate, values[gate.metric], getattr(gates, gate.field)) for gate in table]


def _evaluate(gate: Gate, value: Any, limit: Any) -> GateResult:
    if gate.direction is Direction.AT_LEAST:
        return _minimum(gate, value, limit)
    if gate.direction is Direction.AT_MOST:
        return _maximum(gate, value, limit)
    return _rank(gate, value, limit)


def _minimum(gate: Gate, value: float | None, limit: float) -> GateResult:
    required = ">= " + _trim(limit)
    if value is None:
        return GateResult(gate.key, gate.label, required, None, "not measured")
    passed = value >= limit
    return GateResult(
        gate.key, gate.label, required, f"{value:.{gate.digits}f}", "pass" if passed else "fail",
        "" if passed else f"{_trim(limit - value)} below",
    )


def _maximum(gate: Gate, value: int | None, limit: int | None) -> GateResult:
    key, label = gate.key, gate.label
    if limit is None:
        return GateResult(key, label, "not enforced", None if value is None else str(value), "off")
    required = f"<= {limit}"
    if value is None:
        return GateResult(key, label, required, None, "not measured")
    passed = value <= limit
    return GateResult(key, label, required, str(value), "pass" if passed else "fail",
                      "" if passed else f"{value - limit} over")


def _rank(gate: Gate, value: str | None, limit: str) -> GateResult:
    key, label, required = gate.key, gate.label, f"{limit} or better"
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
