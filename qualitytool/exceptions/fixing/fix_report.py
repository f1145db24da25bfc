"""What one ``fix-exceptions`` run did: JSON document, text summary, and the run log.

The JSON document (``version`` 1) is what ``--format json`` prints and what every run writes
to ``<project root>/.qualitytool/last-fix-exceptions.json`` for ``qualitytool report``.
"""

from __future__ import annotations

import enum
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualitytool.config import Config
from qualitytool.exceptions.fixing import run_log
from qualitytool.exceptions.fixing.fix import FixFileResult, HandlerOutcome
from qualitytool.exceptions.fixing.plan import Outcome
from qualitytool.exceptions.inference.hierarchy import BROAD
from qualitytool.findings import FileResult

RUN_LOG = run_log.RUN_LOG


@dataclass(frozen=True)
class FixReport:
    """The outcome of ``fix-exceptions`` over many files."""

    config: Config
    files: tuple[FileResult, ...]
    write: bool
    unsafe_fixes: bool
    # why the run log could not be written (a read-only checkout, say), if it could not
    run_log_error: str | None = None
    # SIGINT stopped the run: ``files`` are those finished before it
    interrupted: bool = False
    # --boundaries was given (a boundary left as it is then has nothing left to do)
    boundaries: bool = False

    @property
    def handlers(self) -> list[HandlerOutcome]:
        found = [h for f in self.files if isinstance(f, FixFileResult) for h in f.handlers]
        return sorted(found, key=lambda h: (h.path, h.line, h.col))

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.error is not None]

    @property
    def changed_files(self) -> list[FixFileResult]:
        """Files rewritten (with ``write``) or that would be (without)."""
        return [
            f for f in self.files
            if isinstance(f, FixFileResult) and f.diff and (f.written or not self.write)
        ]

    @property
    def diff(self) -> str:
        return "".join(f.diff for f in self.changed_files)

    @property
    def remaining(self) -> list[HandlerOutcome]:
        """Handlers ``check-exceptions`` still reports after this run (or would, after the
        fixes it would write): those not rewritten, and bare ``except:`` rewritten to the
        still broad ``except Exception:``.  A handler kept broad that now logs its traceback
        (``--boundaries``, ``--keep-fallback``, ``--ladder``) is exempt, as in ruff."""
        return [
            h for h in self.handlers
            if not h.applied or any(name in BROAD for name in h.exceptions)
        ]

    def summary(self) -> dict[str, int]:
        counts = Counter(h.outcome for h in self.handlers)
        applied = sum(1 for h in self.handlers if h.applied) if self.write else 0
        return {
            **{outcome.value: counts[outcome] for outcome in Outcome},
            "narrowed": counts[Outcome.SAFE] + counts[Outcome.UNSAFE] + counts[Outcome.EVIDENCE],
            "applied": applied,
            "files_changed": len(self.changed_files),
        }

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "version": 1,
            "write": self.write,  # false: a dry run, nothing was written
            "unsafe_fixes": self.unsafe_fixes,
            "handlers": [h.to_dict() for h in self.handlers],
            "summary": self.summary(),
            "errors": [{"path": f.path, "error": f.error} for f in self.errors],
        }
        if self.interrupted:  # only then: the document of a complete run is unchanged
            document["interrupted"] = True
        return document


def render_json(report: FixReport) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


def render_text(
    report: FixReport, show_diff: bool = True, *, concise: bool = False, summary: bool = True
) -> str:
    """The diff (``show_diff``), handlers not rewritten with their reason, a summary.
    ``concise`` (the output is not a terminal: a hook, a CI log) keeps one line per handler:
    no knowledge-base snippet, no blocker table; without ``summary``, only the diff."""
    lines: list[str] = []
    if show_diff and report.diff:
        lines.append(report.diff.rstrip("\n"))
    if not summary:
        return "\n".join(lines) + "\n" if lines else ""
    for handler in report.handlers:
        where = f"{handler.path}:{handler.line}:{handler.col}"
        if handler.outcome == "left":
            lines.append(f"{where}: left broad: {handler.reason}")
            if handler.unlock and not concise:
                lines.append(unlock_hint(handler.unlock))
        elif handler.outcome == "boundary" and not handler.applied:
            lines.append(f"{where}: kept broad, {handler.reason}")
        elif not handler.applied and handler.outcome in (Outcome.UNSAFE, Outcome.EVIDENCE):
            caught = ", ".join(handler.exceptions)
            lines.append(
                f"{where}: {handler.outcome} fix not applied (use --unsafe-fixes): "
                f"`{caught}`: {handler.reason}"
            )
        elif handler.outcome == Outcome.EVIDENCE:
            lines.append(f"{where}: narrowed with evidence: {handler.reason}")
        if handler.exercised == 0:
            lines.append(f"{where}: not exercised by tests (the try body never ran)")
    lines.append(summary_line(report))
    blockers = [] if concise else top_blockers(report.handlers)
    if blockers:
        lines.append("Top blockers of the handlers left broad (it alone / in all, what to do):")
        lines.extend(f"  {b.alone:4} / {b.handlers:<4} {b.advice()}" for b in blockers)
    others = [] if concise else other_reasons(report.handlers)
    if others:
        lines.append("Other reasons handlers are left broad (first reason, how many):")
        lines.extend(f"  {count:4}  {reason}" for reason, count in others)
    for error in report.errors:
        lines.append(f"error: {error.error}")
    return "\n".join(lines) + "\n"


def summary_line(report: FixReport) -> str:
    """``21 broad handlers: 6 safe fix(es), ...; 5 files would change`` (a dry run) or
    ``...; 5 files changed, 12 handlers remain`` (after ``--fix``)."""
    summary = report.summary()
    total = sum(summary[outcome.value] for outcome in Outcome)
    files = summary["files_changed"]
    verb = "changed" if report.write else "would change"
    evidence = f"{summary['evidence']} evidence fix(es), " if summary["evidence"] else ""
    # laddered and wrapped only come with --ladder/--wrap: shown when there are some
    opt_in = "".join(f"{summary[k]} {k}, " for k in ("laddered", "wrapped") if summary[k])
    remaining = len(report.remaining)
    remain = ("remain" if remaining != 1 else "remains") if report.write else "would remain"
    return (
        f"{total} broad handler{'s' if total != 1 else ''}: {summary['safe']} safe fix(es), "
        f"{summary['unsafe']} unsafe fix(es), {evidence}{summary['boundary']} boundar"
        f"{'ies' if summary['boundary'] != 1 else 'y'}, {opt_in}{summary['left']} left broad; "
        f"{files} file{'s' if files != 1 else ''} {verb}, {remaining} handler"
        f"{'s' if remaining != 1 else ''} {remain} broad"
    )


def unlock_hint(names: tuple[str, ...]) -> str:
    """The smallest knowledge-base entry that would let a later run get further with a
    handler, as TOML for a file listed in ``[tool.qualitytool.exceptions] knowledge-bases``."""
    more = f" (then {len(names) - 1} more: see --format json)" if len(names) > 1 else ""
    return (
        f"  `{names[0]}` has no contract{more}; describe it in a knowledge base listed "
        "under [tool.qualitytool.exceptions] knowledge-bases:\n"
        f'    [[callable]]\n    name = "{names[0]}"\n'
        "    raises = []       # what its documentation says it raises\n"
        "    closed = true     # false if it may raise more\n"
        '    source = ""       # where you read it'
    )


class BlockerKind(enum.Enum):
    """What a user can do about a blocker."""

    CONTRACT = "contract"  # describe a library callable in a knowledge base
    ANNOTATE = "annotate"  # give a value a type annotation


@dataclass(frozen=True)
class Blocker:
    """One thing that keeps handlers broad, and how many it keeps broad: ``alone`` of them
    only for it (resolving it makes those known), ``handlers`` in all."""

    kind: BlockerKind
    subject: str
    handlers: int
    alone: int

    def advice(self) -> str:
        if self.kind is BlockerKind.CONTRACT:
            return (f"`{self.subject}` has no contract: describe it in a knowledge base "
                    "([[callable]], as shown above)")
        value, _, where = self.subject.partition(" (in ")
        return f"`{value}`{f' (in {where}' if where else ''} has no known type: annotate it"


def top_blockers(handlers: list[HandlerOutcome], limit: int = 10) -> list[Blocker]:
    """What would unlock the most handlers left broad: each library callable without a
    contract and each value of unknown type whose method is called, by how many handlers it
    alone keeps broad, then by how many it keeps broad in all."""
    alone: Counter[tuple[BlockerKind, str]] = Counter()
    total: Counter[tuple[BlockerKind, str]] = Counter()
    for handler in handlers:
        if handler.outcome != Outcome.LEFT:
            continue
        keys = [(BlockerKind.CONTRACT, name) for name in handler.unlock]
        keys += [(BlockerKind.ANNOTATE, value) for value in handler.annotate]
        total.update(set(keys))
        if len(set(keys)) == 1:
            alone[keys[0]] += 1
    ranked = sorted(total, key=lambda k: (-alone[k], -total[k], k[0].value, k[1]))
    return [
        Blocker(kind, subject, total[(kind, subject)], alone[(kind, subject)])
        for kind, subject in ranked[:limit]
        if total[(kind, subject)] > 1 or alone[(kind, subject)]
    ]


def other_reasons(handlers: list[HandlerOutcome], limit: int = 5) -> list[tuple[str, int]]:
    """The most common first reasons of the handlers left broad that no contract or
    annotation would unlock, but for those left broad on purpose; the same reason reached
    from different places counts once."""
    counts: Counter[str] = Counter()
    for handler in handlers:
        if handler.outcome == Outcome.LEFT and handler.reason and not (
            handler.unlock or handler.annotate or _on_purpose(handler.reason)
        ):
            first = handler.reason.split("; ")[0]
            counts[first.split(" (via `")[0]] += 1
    return [(reason, count) for reason, count in counts.most_common(limit) if count > 1]


def _on_purpose(reason: str) -> bool:
    """Left broad on purpose (nothing to unlock): a boundary that hands the exception on, a
    quiet-by-design handler."""
    return reason.startswith(("a boundary: ", "quiet by design")) or (
        "hands the exception on" in reason
    )


def write_run_log(report: FixReport) -> Path:
    """Atomically write the JSON document to ``<root>/.qualitytool/last-fix-exceptions.json``
    (see :mod:`qualitytool.exceptions.fixing.run_log`)."""
    return run_log.write_run_log(report.config.root, render_json(report))
