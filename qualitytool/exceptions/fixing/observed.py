"""The raise-set algebra of evidence: what the test suite saw a handler catch, joined with
what inference found.

Observed classes come from ``qualitytool evidence run`` with their runtime MRO, so they can be
compared with the handler's earlier clauses and with each other without importing anything.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from qualitytool.exceptions.inference.answers import CLOSED, Answer
from qualitytool.exceptions.inference.frames import Frame
from qualitytool.exceptions.inference.hierarchy import BROAD, runtime_class
from qualitytool.json_schemas import is_dotted_name

if TYPE_CHECKING:
    from qualitytool.exceptions.evidence.store import ObservedClass, TryEvidence
    from qualitytool.exceptions.inference.infer import Inferrer


def canonical(runtime_name: str) -> str:
    """``builtins.ValueError`` -> ``ValueError``; other names unchanged."""
    return runtime_name.removeprefix("builtins.")


def _caught_by(observed: ObservedClass, names: Sequence[str], inferrer: Inferrer) -> bool:
    """Whether a clause catching ``names`` takes the observed class.  A class this process
    can look up (builtin, standard library) is judged by its real bases, never by the
    lineage the evidence file claims for it."""
    if "BaseException" in names:
        return True
    if observed.spelled is not None and runtime_class(observed.spelled) is not None:
        return inferrer.hierarchy.caught_by(observed.spelled, names)
    lineage = {canonical(n) for n in observed.lineage}
    if lineage & set(names):
        return True
    return observed.spelled is not None and inferrer.hierarchy.caught_by(observed.spelled, names)


def observed_here(
    seen: TryEvidence,
    try_node: ast.Try,
    handler: ast.ExceptHandler,
    frame: Frame,
    inferrer: Inferrer,
) -> tuple[ObservedClass, ...]:
    """The observed classes that reached ``handler``: not taken by an earlier clause (when a
    clause cannot be resolved, it is assumed to take nothing: the set only grows), and of a
    kind the handler catches (``except Exception`` never sees ``KeyboardInterrupt``)."""
    reaching = []
    for observed in seen.caught:
        taken = False
        for earlier in try_node.handlers:
            if earlier is handler:
                break
            names = inferrer.handler_names(earlier, frame)
            if names is not None and _caught_by(observed, names, inferrer):
                taken = True
                break
        if taken:
            continue
        mine = inferrer.handler_names(handler, frame)
        if mine is None or _caught_by(observed, mine, inferrer):
            reaching.append(observed)
    return tuple(reaching)


def join(
    inferred: Sequence[str], observed: Sequence[ObservedClass], inferrer: Inferrer
) -> list[str] | str:
    """The inferred names plus every observed class, smallest covering list; or why there is
    none (a class the code cannot name, or ``Exception`` itself)."""
    names = list(inferred)
    for seen in observed:
        if canonical(seen.lineage[0] if seen.lineage else seen.name) in BROAD:
            example = f" (e.g. {seen.example})" if seen.example else ""
            return f"the tests show it catching `{canonical(seen.name)}` itself{example}"
        if seen.spelled is None:
            return f"the tests show it catching `{seen.name}`, a class the code cannot import"
        if not is_dotted_name(seen.spelled) or canonical(seen.spelled) in BROAD:
            return (f"the evidence names `{seen.spelled}`, which cannot be written in an "
                    "except clause")
        if not inferrer.hierarchy.is_exception_class(seen.spelled):
            return (f"the evidence names `{seen.spelled}`, which does not resolve to an "
                    "exception class here")
        if not _caught_by(seen, names, inferrer):
            names.append(seen.spelled)
    by_spelling = {s.spelled: s for s in observed}
    kept = []
    for name in names:
        seen_class = by_spelling.get(name)
        if seen_class is not None and runtime_class(name) is None:  # else: minimal() decides
            bases = {canonical(b) for b in seen_class.lineage[1:]}
            if bases & (set(names) - {name}):
                continue
        kept.append(name)
    return inferrer.hierarchy.minimal(kept)


def describe(answer: Answer, observed: Sequence[ObservedClass], inferred: Sequence[str]) -> str:
    """The reason shown with an evidence fix: what the tests saw, what inference found."""
    seen = ", ".join(
        f"{s.spelled or s.name} x{s.count}" + (f" ({s.example})" if s.example else "")
        for s in observed[:3]
    )
    if len(observed) > 3:
        seen += f" and {len(observed) - 3} more"
    parts = [f"observed in tests: {seen}"]
    parts.append(f"inferred: {', '.join(inferred)}" if inferred else "inferred: nothing known")
    if answer.status != CLOSED and answer.reasons:
        parts.append(f"open: {answer.reasons[0]}")
    return "; ".join(parts)
