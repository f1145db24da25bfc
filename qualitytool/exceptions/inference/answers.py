"""The raise-set algebra: what a piece of code can raise, and how answers combine.

An :class:`Answer` is a set of exception names with a :class:`Certainty`:

- ``CLOSED``: this is everything the code can raise (for any input);
- ``OPEN``: at least these, and possibly more (a property, a user ``__str__``, a library that
  leaks undocumented errors);
- ``UNKNOWN``: we cannot tell (a call we know nothing about).

Combining answers takes the union of the sets and the weakest certainty.  Only a ``CLOSED``
answer makes a safe fix; an ``OPEN`` one makes an unsafe fix; ``UNKNOWN`` leaves the handler
broad.  Every answer that is not closed carries the reasons a user can act on.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace

from qualitytool.exceptions.inference.hierarchy import analysis_class
from qualitytool.exceptions.inference.pythons import VERSION_SPLIT_CLASSES


class Certainty(enum.IntEnum):
    """How much an answer is worth; a larger value is weaker (``max`` combines)."""

    CLOSED = 0
    OPEN = 1
    UNKNOWN = 2


CLOSED, OPEN, UNKNOWN = Certainty.CLOSED, Certainty.OPEN, Certainty.UNKNOWN


@dataclass(frozen=True)
class Answer:
    """What a piece of code can raise: a closed set, an open set, or unknown."""

    status: Certainty
    raises: frozenset[str] = frozenset()
    reasons: tuple[str, ...] = ()
    # Knowledge-base entries (``[[callable]]`` names) that would make the answer known.
    unlock: tuple[str, ...] = ()
    # Why the code is a boundary where a catch-all belongs: it runs code that is not there
    # to read (a callback, a future's result, a plugin), so no contract can ever close it.
    boundary: tuple[str, ...] = ()
    # The first ``blocking`` reasons are those of unknown parts: what stops any fix.
    blocking: int = 0

    @classmethod
    def closed(cls, names: Iterable[str] = ()) -> Answer:
        return cls(CLOSED, frozenset(names))

    @classmethod
    def open(cls, names: Iterable[str], reason: str) -> Answer:
        """At least ``names``; ``reason`` says what else may escape and why."""
        return cls(OPEN, frozenset(names), (reason,))

    @classmethod
    def unknown(
        cls, reason: str, unlock: str | None = None, boundary: str | None = None
    ) -> Answer:
        """Nothing is known; ``unlock`` names the contract that would change that, or
        ``boundary`` says why nothing can (the code runs callers' code)."""
        return cls(
            UNKNOWN, frozenset(), (reason,), (unlock,) if unlock else (),
            (boundary,) if boundary else (), blocking=1,
        )

    def weakened(self, reason: str) -> Answer:
        """The same names, open: something may add to them (``reason`` says what)."""
        status = max(self.status, OPEN)
        return replace(self, status=status, reasons=(*self.reasons, reason))

    def without(self, names: Iterable[str]) -> Answer:
        return replace(self, raises=self.raises - frozenset(names))

    def with_reasons(self, reasons: Iterable[str]) -> Answer:
        """The same answer with each reason rewritten (in order, one for one)."""
        return replace(self, reasons=tuple(reasons))


NOTHING = Answer(CLOSED)


def combine(answers: Iterable[Answer]) -> Answer:
    """The answer of code that runs all of ``answers``' parts (union, weakest certainty)."""
    status = CLOSED
    raises: set[str] = set()
    # What blocks a fix comes first: reasons of unknown parts, then of open ones.
    blocking: dict[str, None] = {}
    others: dict[str, None] = {}
    unlock: dict[str, None] = {}
    boundary: dict[str, None] = {}
    for answer in answers:
        status = max(status, answer.status)
        raises |= answer.raises
        blocking.update(dict.fromkeys(answer.reasons[: answer.blocking]))
        others.update(dict.fromkeys(answer.reasons[answer.blocking:]))
        unlock.update(dict.fromkeys(answer.unlock))
        boundary.update(dict.fromkeys(answer.boundary))
    reasons = (*blocking, *(r for r in others if r not in blocking))
    return Answer(
        status, frozenset(raises), reasons, tuple(unlock), tuple(boundary), len(blocking)
    )


def canonical_exception(name: str) -> str:
    """``builtins.OSError``, ``IOError``, ``socket.timeout`` -> the builtin's own name;
    ``asyncio.exceptions.TimeoutError`` -> ``asyncio.TimeoutError`` (not ``TimeoutError``:
    they differ on 3.10)."""
    name = name.removeprefix("builtins.")
    cls = analysis_class(name)
    if cls is not None and cls.__module__ == "builtins":
        return cls.__name__
    return VERSION_SPLIT_CLASSES.get(name, name)


def display(expr: ast.expr, limit: int = 60) -> str:
    """Source text of an expression for a reason, shortened."""
    text = ast.unparse(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."
