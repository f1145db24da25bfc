"""Baselines: a JSON snapshot of a report, and before -> after comparisons against one.

A snapshot holds the headline metrics, one fingerprint per finding (rule, file and what was
found, never the line number, so edits above a finding do not make it "new"), each tool's
version and a hash of the configuration.  When a tool's version differs between the baseline
and now, the findings it adds or drops are reported as coming from the upgrade, not as
regressions or fixes.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualitytool import __version__
from qualitytool.config import Config
from qualitytool.findings import Finding
from qualitytool.gate_table import GATES
from qualitytool.report.model import ToolResult
from qualitytool.sources import read_text

FORMAT_VERSION = 1
# Metrics where a lower value is better (for the arrows of the deltas): those of the gates
# that set a maximum, and the tracked metrics no gate reads.
LOWER_IS_BETTER = frozenset(
    {gate.metric for gate in GATES if gate.direction.lower_is_better}
    | {"broad_handlers", "average_complexity", "findings"}
)


class BaselineError(Exception):
    """The baseline file cannot be read or is not a qualitytool baseline."""


def config_hash(config: Config) -> str:
    data = config.to_dict()
    data.pop("root", None)
    data.pop("source", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def snapshot(
    config: Config, tools: Sequence[ToolResult], metrics: Mapping[str, Any]
) -> dict[str, Any]:
    """The JSON-friendly baseline of a report (deterministic: sorted, no timestamps)."""
    findings = sorted(
        ((t.tool, f) for t in tools for f in t.findings),
        key=lambda item: (item[1].fingerprint, item[1].line),
    )
    return {
        "version": FORMAT_VERSION,
        "qualitytool": __version__,
        "config_hash": config_hash(config),
        "tools": {t.tool: {"status": t.status.value, "version": t.version} for t in tools},
        "metrics": dict(sorted(metrics.items())),
        "findings": [
            # "tool" is the runner (pylint, check-exceptions, ...), as in "tools" above.
            {"fingerprint": f.fingerprint, "tool": runner, "rule_id": f.rule_id,
             "path": f.path, "line": f.line, "message": f.message}
            for runner, f in findings
        ],
    }


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path))
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or not isinstance(
        data.get("findings"), list
    ):
        raise BaselineError(f"{path}: not a qualitytool baseline (version {FORMAT_VERSION})")
    return data


@dataclass(frozen=True)
class MetricDelta:
    key: str
    before: Any
    after: Any

    @property
    def change(self) -> str:
        """"+1.5", "-2", "C -> B", "" when equal or not comparable."""
        if self.before == self.after or self.before is None or self.after is None:
            return ""
        if isinstance(self.before, (int, float)) and isinstance(self.after, (int, float)):
            delta = self.after - self.before
            text = f"{delta:+.2f}".rstrip("0").rstrip(".") if isinstance(delta, float) else (
                f"{delta:+d}"
            )
            return text
        return f"{self.before} -> {self.after}"

    @property
    def trend(self) -> str:
        """"better", "worse", "same" or "" (not comparable)."""
        if self.before is None or self.after is None:
            return ""
        if self.before == self.after:
            return "same"
        lower_better = self.key in LOWER_IS_BETTER
        try:
            improved = (self.after < self.before) == lower_better
        except TypeError:
            return ""
        return "better" if improved else "worse"


@dataclass(frozen=True)
class ToolVersionChange:
    tool: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Comparison:
    """A report against a baseline."""

    source: str
    metrics: tuple[MetricDelta, ...]
    new: tuple[Finding, ...]
    fixed: tuple[Mapping[str, Any], ...]
    unchanged: int
    tool_changes: tuple[ToolVersionChange, ...]
    # New and gone findings of tools whose version changed: the upgrade, not the code.
    new_from_upgrade: tuple[Finding, ...]
    gone_from_upgrade: tuple[Mapping[str, Any], ...]
    config_changed: bool
    # Findings per runner in the baseline and now (all runners, comparable or not).
    by_tool: tuple[tuple[str, int, int], ...] = ()


def compare(
    baseline: Mapping[str, Any],
    source: str,
    config: Config,
    tools: Sequence[ToolResult],
    metrics: Mapping[str, Any],
) -> Comparison:
    """Before -> after for every metric and new / fixed / unchanged findings by fingerprint."""
    before_metrics = baseline.get("metrics", {})
    deltas = tuple(
        MetricDelta(key, before_metrics.get(key), metrics.get(key))
        for key in sorted(set(before_metrics) | set(metrics))
    )
    before_tools = baseline.get("tools", {})
    changes = _tool_changes(before_tools, tools)
    upgraded = {c.tool for c in changes}
    # Tools that did not run now (or then) say nothing about their findings: skip them.
    ran_then = {name for name, t in before_tools.items() if t.get("status") == "ok"}
    comparable = {t.tool for t in tools if t.ok} & ran_then
    new, fixed, unchanged = _split(baseline["findings"], tools, comparable)
    return Comparison(
        source=source,
        metrics=deltas,
        new=_sorted_findings(f for r, f in new if r not in upgraded),
        fixed=_sorted_records(f for f in fixed if f["tool"] not in upgraded),
        unchanged=unchanged,
        tool_changes=changes,
        new_from_upgrade=_sorted_findings(f for r, f in new if r in upgraded),
        gone_from_upgrade=_sorted_records(f for f in fixed if f["tool"] in upgraded),
        config_changed=baseline.get("config_hash") != config_hash(config),
        by_tool=_by_tool(baseline["findings"], tools),
    )


def _by_tool(
    before: Sequence[Mapping[str, Any]], tools: Sequence[ToolResult]
) -> tuple[tuple[str, int, int], ...]:
    then = Counter(str(f["tool"]) for f in before)
    now = Counter({t.tool: len(t.findings) for t in tools})
    return tuple((name, then[name], now[name]) for name in sorted(set(then) | set(now))
                 if then[name] or now[name])


def _split(
    before: Sequence[Mapping[str, Any]], tools: Sequence[ToolResult], comparable: set[str]
) -> tuple[list[tuple[str, Finding]], list[Mapping[str, Any]], int]:
    """New (with their runner), fixed (baseline records) and the unchanged count."""
    before_prints = {f["fingerprint"]: f for f in before if f["tool"] in comparable}
    current = [(t.tool, f) for t in tools if t.tool in comparable for f in t.findings]
    current_prints = {f.fingerprint for _, f in current}
    new = [(runner, f) for runner, f in current if f.fingerprint not in before_prints]
    fixed = [f for p, f in sorted(before_prints.items()) if p not in current_prints]
    return new, fixed, len(current) - len(new)


def _tool_changes(
    before_tools: Mapping[str, Any], tools: Sequence[ToolResult]
) -> tuple[ToolVersionChange, ...]:
    changes = []
    for tool in sorted(tools, key=lambda t: t.tool):
        before = before_tools.get(tool.tool, {}).get("version")
        if before is not None and tool.version is not None and before != tool.version:
            changes.append(ToolVersionChange(tool.tool, before, tool.version))
    return tuple(changes)


def _sorted_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=Finding.sort_key))


def _sorted_records(records: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    return tuple(sorted(records, key=lambda f: (f["path"], f["line"], f["rule_id"])))
