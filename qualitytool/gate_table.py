"""The quality gates of ``qualitytool report --check``, one record each.

Everything else about gates is derived from :data:`GATES`: the ``[tool.qualitytool.gates]``
keys, their types, defaults and checks (:mod:`qualitytool.config`), the evaluation and which
tool a gate waits on (:mod:`qualitytool.report.gates`), which way is better in a baseline
comparison (:mod:`qualitytool.report.baseline`).  Adding a gate is adding a record here.

A gate's ``metric`` names one of the numbers :func:`qualitytool.report.gates.headline_metrics`
measures (over the whole project, and over the changed lines with ``--since``).  This module
imports nothing of ours: the configuration is built from it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

RANKS = "ABCDEF"  # radon's complexity ranks, best first

Threshold = float | int | str | None


class Direction(enum.Enum):
    """How a measured value meets its threshold."""

    AT_LEAST = "at least"  # value >= threshold: higher is better
    AT_MOST = "at most"  # value <= threshold (no threshold: not enforced): lower is better
    RANK_AT_MOST = "rank at most"  # a rank of RANKS no worse than the threshold

    @property
    def lower_is_better(self) -> bool:
        return self is not Direction.AT_LEAST


@dataclass(frozen=True)
class Gate:
    key: str  # the key in [tool.qualitytool.gates], e.g. "pylint-score-min"
    label: str  # what the report calls it
    tool: str  # the runner measuring it: without its result the gate is "not measured"
    metric: str  # the headline metric it reads
    direction: Direction
    default: Threshold  # None: not enforced unless configured (AT_MOST only)
    digits: int = 0  # decimals shown for a measured AT_LEAST value
    bounds: tuple[float, float] | None = None  # allowed thresholds, e.g. (0, 100) for a percent

    @property
    def field(self) -> str:
        """The attribute of ``config.gates``: the key with underscores."""
        return self.key.replace("-", "_")

    @property
    def value_type(self) -> object:
        """The threshold's type, as the configuration checks it."""
        if self.direction is Direction.AT_LEAST:
            return float
        if self.direction is Direction.AT_MOST:
            return int | None
        return str

    def invalid(self, threshold: Threshold) -> str | None:
        """Why ``threshold`` cannot be this gate's (the end of a configuration error), if so."""
        if self.direction is Direction.RANK_AT_MOST and threshold not in tuple(RANKS):
            return f"must be one of A-F, got {threshold!r}"
        if self.bounds is not None and isinstance(threshold, (int, float)):
            low, high = self.bounds
            if not low <= threshold <= high:
                return f"must be between {low:g} and {high:g}"
        return None


GATES: tuple[Gate, ...] = (
    Gate("pylint-score-min", "pylint score", "pylint", "pylint_score",
         Direction.AT_LEAST, 8.5, digits=2),
    Gate("bandit-high-max", "bandit high-severity findings", "bandit", "bandit_high",
         Direction.AT_MOST, 0),
    Gate("bandit-medium-max", "bandit medium-severity findings", "bandit", "bandit_medium",
         Direction.AT_MOST, None),
    Gate("coverage-min", "test coverage %", "coverage", "coverage",
         Direction.AT_LEAST, 80.0, digits=1, bounds=(0, 100)),
    Gate("critical-broad-handlers-max", "broad exception handlers in critical paths",
         "check-exceptions", "critical_broad_handlers", Direction.AT_MOST, 0),
    Gate("unlinked-todos-max", "TODOs without an issue link", "todos", "unlinked_todos",
         Direction.AT_MOST, 0),
    Gate("worst-complexity-rank", "worst cyclomatic complexity rank", "radon",
         "worst_complexity_rank", Direction.RANK_AT_MOST, "C"),
    Gate("annotation-coverage-min", "annotation coverage %", "annotations",
         "annotation_coverage", Direction.AT_LEAST, 95.0, digits=1, bounds=(0, 100)),
)
