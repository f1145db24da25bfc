"""``--statistics``: one line per kind of finding with how many there are, most first, as
ruff prints it (``count<TAB>code<TAB>name``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any


def _table(counts: Counter[tuple[str, str]]) -> str:
    rows = sorted(counts.items(), key=lambda row: (-row[1], row[0]))
    return "".join(f"{count:5}\t{code}\t{name}\n" for (code, name), count in rows)


def check_statistics(findings: Iterable[Any]) -> str:
    """``check-exceptions``: findings by rule."""
    from qualitytool.checks import get_rule

    counts: Counter[tuple[str, str]] = Counter()
    for finding in findings:
        rule = get_rule(finding.rule_id)
        counts[(finding.rule_id, rule.name if rule is not None else "")] += 1
    return _table(counts)


def fix_statistics(handlers: Iterable[Any], *, unsafe_fixes: bool, write: bool) -> str:
    """``fix-exceptions``: handlers by rule and by what the run did (or would do) with them."""
    from qualitytool.checks import rule_for_kind

    counts: Counter[tuple[str, str]] = Counter()
    for handler in handlers:
        code = rule_for_kind(handler.kind).code
        counts[(code, _fate(handler, unsafe_fixes=unsafe_fixes, write=write))] += 1
    return _table(counts)


def _fate(handler: Any, *, unsafe_fixes: bool, write: bool) -> str:
    outcome = str(getattr(handler.outcome, "value", handler.outcome))
    if handler.applied:
        return f"{outcome}: {'fixed' if write else 'would be fixed'}"
    if outcome in ("unsafe", "evidence") and not unsafe_fixes:
        return f"{outcome}: fix not applied (--unsafe-fixes)"
    if outcome == "boundary":
        return "boundary: kept broad (--boundaries logs it)"
    return "left broad" if outcome == "left" else outcome


def todo_statistics(items: Iterable[Any]) -> str:
    """``todos``: items by marker and category; unlinked ones (what ``--check`` fails on)
    apart from linked ones."""
    counts: Counter[tuple[str, str]] = Counter()
    for item in items:
        linked = "linked" if item.issue else "no issue link"
        counts[(item.marker, f"{item.category}, {linked}")] += 1
    return _table(counts)
