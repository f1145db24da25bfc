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
    # The names stated by a contract, a ``raise`` statement or the language (a call's
    # documented classes, a project function's own raises, a dict subscript's KeyError); the
    # rest are guesses at what an operation on a value of unknown type raises (an attribute
    # of an object of unknown type: AttributeError, but a property may raise anything).
    documented: frozenset[str] = frozenset()
    # Each call whose contract is open, with the classes it documents: if a handler above
    # takes all of those, what is left for this one is what the call does not document.
    open_calls: tuple[tuple[str, frozenset[str]], ...] = ()
    # Values of unknown type whose methods are called (``ws`` of ``ws.send(...)``): a type
    # annotation would let a later run know the callee.
    annotate: tuple[str, ...] = ()
    # (qualified callee, how the call is written: ``client.post``) of each call whose contract
    # is open, in this code or in the project functions it calls: the project's other
    # handlers around those callees know what reaches this one.
    open_callees: tuple[tuple[str, str], ...] = ()

    @classmethod
    def closed(cls, names: Iterable[str] = ()) -> Answer:
        """Exactly ``names``: stated, by a contract or by the language (a dict's KeyError)."""
        stated = frozenset(names)
        return cls(CLOSED, stated, documented=stated)

    @classmethod
    def open(cls, names: Iterable[str], reason: str) -> Answer:
        """At least ``names``; ``reason`` says what else may escape and why.  The names are
        guesses (what an operation on a value of unknown type usually raises) unless a
        contract states them (:meth:`as_open_call`)."""
        return cls(OPEN, frozenset(names), (reason,))

    @classmethod
    def unknown(
        cls, reason: str, unlock: str | None = None, boundary: str | None = None,
        annotate: str | None = None,
    ) -> Answer:
        """Nothing is known; ``unlock`` names the contract that would change that,
        ``annotate`` the value whose type would, or ``boundary`` says why nothing can (the
        code runs callers' code)."""
        return cls(
            UNKNOWN, frozenset(), (reason,), (unlock,) if unlock else (),
            (boundary,) if boundary else (), blocking=1,
            annotate=(annotate,) if annotate else (),
        )

    def weakened(self, reason: str) -> Answer:
        """The same names, open: something may add to them (``reason`` says what)."""
        status = max(self.status, OPEN)
        return replace(self, status=status, reasons=(*self.reasons, reason))

    def without(self, names: Iterable[str]) -> Answer:
        removed = frozenset(names)
        return replace(
            self, raises=self.raises - removed, documented=self.documented - removed
        )

    def as_documented(self) -> Answer:
        """The same answer, every name stated by a contract or a ``raise``."""
        return replace(self, documented=self.raises)

    def as_open_call(self, shown: str) -> Answer:
        """The answer of an open call ``shown``: its names are what it documents."""
        if self.status == CLOSED:
            return self.as_documented()
        return replace(
            self, documented=self.raises, open_calls=((shown, self.raises),)
        )

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
    documented: set[str] = set()
    open_calls: dict[tuple[str, frozenset[str]], None] = {}
    annotate: dict[str, None] = {}
    open_callees: dict[tuple[str, str], None] = {}
    for answer in answers:
        status = max(status, answer.status)
        raises |= answer.raises
        blocking.update(dict.fromkeys(answer.reasons[: answer.blocking]))
        others.update(dict.fromkeys(answer.reasons[answer.blocking:]))
        unlock.update(dict.fromkeys(answer.unlock))
        boundary.update(dict.fromkeys(answer.boundary))
        documented |= answer.documented
        open_calls.update(dict.fromkeys(answer.open_calls))
        annotate.update(dict.fromkeys(answer.annotate))
        open_callees.update(dict.fromkeys(answer.open_callees))
    reasons = (*blocking, *(r for r in others if r not in blocking))
    return Answer(
        status, frozenset(raises), reasons, tuple(unlock), tuple(boundary), len(blocking),
        frozenset(documented), tuple(open_calls), tuple(annotate), tuple(open_callees),
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


def call_shape(func: ast.expr) -> str | None:
    """How a call is written, as a project-wide text search finds it: the method and the
    last name of its receiver (``client.aclose``), or the function's name."""
    if isinstance(func, ast.Name):
        return func.id
    if not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    last = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(
        receiver, "id", None)
    return f"{last}.{func.attr}" if isinstance(last, str) else None


def display(expr: ast.expr, limit: int = 60) -> str:
    """Source text of an expression for a reason, shortened."""
    text = ast.unparse(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."
