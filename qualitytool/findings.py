"""Plain data shared by every analysis and reporter. Imports nothing of ours.

Every tool we run or implement (our own checks, pylint, radon, bandit, ...) turns its results
into :class:`Finding` objects; every reporter (text, JSON, SARIF, GitHub, Markdown) consumes
only these.  Per-file outcomes are :class:`FileResult` so a broken file never crashes a run.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    """How bad a finding is; maps onto SARIF levels and GitHub annotation kinds."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class FixSafety(str, enum.Enum):
    """Ruff's fix applicability: only SAFE fixes are applied without ``--unsafe-fixes``;
    NONE: there is no fix, and the fix's description says why."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"
    NONE = "none"


@dataclass(frozen=True)
class Fix:
    """A proposed change for a finding, or why there is none (``FixSafety.NONE``).

    ``description`` says what the fix writes (``check-exceptions --show-fixes``: the new
    ``except`` clause) or why it cannot be fixed; ``replacement`` is the new source text for
    the span ``line:col``-``end_line:end_col`` of the finding, or ``None`` when the fix is
    only described.
    """

    safety: FixSafety
    description: str
    replacement: str | None = None


@dataclass(frozen=True)
class Finding:
    """One problem at one place, from any tool.  Lines and columns are 1-based."""

    rule_id: str
    tool: str
    path: str
    line: int
    col: int
    message: str
    severity: Severity = Severity.WARNING
    confidence: str = "high"
    docs_url: str | None = None
    fix: Fix | None = None
    end_line: int | None = None
    end_col: int | None = None
    # A short, line-number-free description of what was found (for example the source of the
    # flagged line, stripped), used to build fingerprints that survive edits above the finding.
    context: str = ""
    # The tool's own classification, kept for reports: pylint's message type ("convention",
    # "refactor", ...), bandit's severity ("HIGH", "MEDIUM", "LOW"), radon's rank ("C", ...).
    category: str = ""
    # The CWE weakness id a security finding maps to (bandit), when the tool says.
    cwe: int | None = None

    @property
    def fingerprint(self) -> str:
        """Stable identity: rule, file and what was found, not where in the file."""
        key = "\x1f".join((self.tool, self.rule_id, self.path, self.context or self.message))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.rule_id)


@dataclass(frozen=True)
class FileResult:
    """What analysing one file produced: findings, or the reason it could not be analysed."""

    path: str
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    skipped: str | None = None


@dataclass(frozen=True)
class RunResult:
    """The outcome of one command over many files."""

    files: tuple[FileResult, ...] = field(default_factory=tuple)

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for r in self.files for f in r.findings), key=Finding.sort_key)

    @property
    def errors(self) -> list[FileResult]:
        return [r for r in self.files if r.error is not None]
