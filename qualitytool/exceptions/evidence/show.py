"""``qualitytool evidence show``: the evidence file as a table, or as counts for reports."""

from __future__ import annotations

from dataclasses import dataclass

from qualitytool.exceptions.evidence.store import Evidence, TryEvidence


@dataclass(frozen=True)
class EvidenceCounts:
    watched: int  # try statements with a broad handler
    exercised: int  # whose body ran at least once under the tests
    caught: int  # whose handlers caught at least one exception
    never_ran: int

    @classmethod
    def of(cls, evidence: Evidence) -> EvidenceCounts:
        entries = evidence.entries
        exercised = sum(1 for e in entries if e.runs or e.caught)
        return cls(
            watched=len(entries), exercised=exercised,
            caught=sum(1 for e in entries if e.caught), never_ran=len(entries) - exercised,
        )


def never_ran(evidence: Evidence) -> list[TryEvidence]:
    """The error paths the test suite never exercised, in path order."""
    return sorted(
        (e for e in evidence.entries if not e.runs and not e.caught), key=lambda e: (e.path, e.line)
    )


def _caught_text(entry: TryEvidence) -> str:
    if not entry.caught:
        return "nothing"
    return ", ".join(f"{c.spelled or c.name} x{c.count}" for c in entry.caught)


def render_text(evidence: Evidence, *, show_never_ran: bool = True) -> str:
    counts = EvidenceCounts.of(evidence)
    lines = []
    ran = sorted(
        (e for e in evidence.entries if e.runs or e.caught), key=lambda e: (e.path, e.line)
    )
    if ran:
        width = max(len(f"{e.path}:{e.line}") for e in ran)
        lines.append(f"{'try statement':<{width}}  {'runs':>7}  caught")
        for entry in ran:
            lines.append(f"{entry.path + ':' + str(entry.line):<{width}}  {entry.runs:>7}  "
                         f"{_caught_text(entry)}")
            for observed in entry.caught:
                if observed.example:
                    lines.append(f"{'':<{width}}  {'':>7}    {observed.spelled or observed.name}: "
                                 f"e.g. {observed.example}")
    if show_never_ran:
        missing = never_ran(evidence)
        if missing:
            lines.append("Not exercised by tests (the try body never ran):")
            lines.extend(f"  {e.path}:{e.line}" for e in missing)
    lines.append(
        f"{counts.watched} try statements with a broad handler: {counts.exercised} exercised "
        f"by tests, {counts.caught} caught something, {counts.never_ran} never ran "
        f"({len(evidence.runs)} recorded run{'s' if len(evidence.runs) != 1 else ''})"
    )
    return "\n".join(lines) + "\n"
