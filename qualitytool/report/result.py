"""The whole report as plain data: the tools' results, the metrics, the gates over them and the
comparison with a baseline.  The formats and the Markdown reports read it; they need none of
the engine that builds it (:mod:`qualitytool.report.engine`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualitytool.findings import Finding
from qualitytool.report.gates import GATE_TOOLS, GateResult
from qualitytool.report.model import ToolResult, ToolStatus

if TYPE_CHECKING:
    from qualitytool.config import Config
    from qualitytool.report.baseline import Comparison
    from qualitytool.report.untrusted import IgnoredSetting
    from qualitytool.shard import Shard


@dataclass(frozen=True)
class QualityReport:
    """Everything ``qualitytool report`` measured, and the gates over it."""

    root: Path
    config: Config
    tools: tuple[ToolResult, ...]
    metrics: Mapping[str, Any]  # headline metrics over the whole project
    gates: tuple[GateResult, ...]
    files: int
    since: str | None = None
    changed: Mapping[str, frozenset[int]] | None = None
    gate_metrics: Mapping[str, Any] | None = None  # over the changed lines with --since
    comparison: Comparison | None = None
    shard: Shard | None = None  # this report covers one shard's files only
    # A shard's files (relative to the root, in discovery order), and what it analysed ("."
    # or a path inside the root): the merge checks them against its own checkout.
    analysed: tuple[str, ...] = ()
    scope: str = "."
    # --untrusted: the project's settings and files that would have run its code, ignored.
    untrusted: bool = False
    ignored: tuple[IgnoredSetting, ...] = ()
    # Files of qualitytool's own folders ignored (a cache that came with the checkout, a bad
    # run log...), one line each.
    warnings: tuple[str, ...] = ()
    # Files and folders that could not be read (none of the tools saw them), one line each.
    errors: tuple[str, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for t in self.tools for f in t.findings), key=Finding.sort_key)

    @property
    def failed_gates(self) -> list[GateResult]:
        return [g for g in self.gates if g.failed]

    @property
    def unmeasured_gates(self) -> list[tuple[GateResult, ToolResult | None]]:
        """Enforced gates without a value because their tool did not run, with that tool.

        (With ``--since`` a gate whose tool ran can still lack a value: no changed line to
        measure.  That is not a failure to measure.)
        """
        unmeasured = []
        for gate in self.gates:
            tool = self.tool(GATE_TOOLS[gate.key])
            if gate.status == "not measured" and (tool is None or not tool.ok):
                unmeasured.append((gate, tool))
        return unmeasured

    @property
    def crashed_gates(self) -> list[tuple[GateResult, ToolResult]]:
        """Enforced gates without a value because their tool crashed or timed out: these fail
        ``--check`` (a broken tool must never read as a pass)."""
        return [
            (gate, tool) for gate, tool in self.unmeasured_gates
            if tool is not None and tool.status in (ToolStatus.CRASHED, ToolStatus.TIMEOUT)
        ]

    @property
    def incomplete_gates(self) -> list[tuple[GateResult, ToolResult]]:
        """Enforced gates measured by a tool that could not analyse some files: these fail
        ``--check`` too (what the tool did not see cannot pass)."""
        incomplete = []
        for gate in self.gates:
            tool = self.tool(GATE_TOOLS[gate.key])
            if gate.status in ("pass", "fail") and tool is not None and tool.unanalysed:
                incomplete.append((gate, tool))
        return incomplete

    def tool(self, name: str) -> ToolResult | None:
        return next((t for t in self.tools if t.tool == name), None)
