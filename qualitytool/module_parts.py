"""Parse a large module one stretch of top-level statements at a time.

CPython's ``ast`` tree takes about 115 bytes per byte of source: 1.2 GB for a 10 MB
generated module, where ``check-exceptions`` needs only one statement's tree at a time.  So
above :data:`PARTS_THRESHOLD` characters the module is cut before top-level definitions
(lines starting at column 0 with ``def``, ``async def``, ``class`` or ``@``; above the
decorators of a definition) into parts of
about :data:`PART_SIZE` characters, and each part is parsed on its own, behind as many
newlines as there are lines before it (so that line numbers are the module's).

A cut can only be wrong where such a line does not start a statement: inside a string, a
bracket or a backslash continuation, or after a decorator.  Then the part before the cut
does not parse on its own (it ends inside that string, bracket or continuation, or with a
decorator and nothing to decorate), because each part is tokenized from a true statement
boundary exactly as the whole module is.  So when every part parses, every cut is a
statement boundary, and the parts' statements are the module's; when one does not, the
caller parses the whole module as before (and reports its syntax error, if it has one).
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable, Iterator
from typing import TypeVar

# Below this many characters a module is parsed whole (a 2 MB module's tree is about 240 MB).
PARTS_THRESHOLD = 2 * 1024 * 1024
# Parts are at least this long (fewer parser calls), cut at the next definition after it.
PART_SIZE = 256 * 1024
T = TypeVar("T")
_DEFINITION = re.compile(r"^(?:(?:def|async|class)\b|@)", re.MULTILINE)


class NotInParts(Exception):
    """The module cannot be taken apart: a part does not parse on its own."""


def cut_points(text: str) -> list[int] | None:
    """Character offsets where parts start (the first is 0); None when the module is small
    or uses line endings other than ``\\n`` (the cut relies on the tokenizer's lines)."""
    if len(text) <= PARTS_THRESHOLD or "\r" in text:
        return None
    points = [0]
    for match in _DEFINITION.finditer(text, PART_SIZE):
        start = _before_decorators(text, match.start())
        if start - points[-1] >= PART_SIZE:
            points.append(start)
    return points if len(points) > 1 else None


def _before_decorators(text: str, start: int) -> int:
    """``start``, or the start of the decorator lines right above it: a cut between a
    decorator and its definition would send the module back to the whole parse."""
    while start > 0:
        previous = text.rfind("\n", 0, start - 1) + 1
        if not text.startswith("@", previous):
            break
        start = previous
    return start


def module_parts(text: str, points: list[int]) -> Callable[[bool], Iterator[ast.Module]]:
    """A function giving the parsed parts of ``text`` cut at ``points``, first to last (or
    last to first when given True), each parsed anew: only one part's tree lives at a time.
    Raises :class:`NotInParts` when a part does not parse on its own."""
    bounds = list(zip(points, [*points[1:], len(text)], strict=True))
    # Newlines before each part (its first line number less one), counted once over the text.
    offsets = [0]
    for start, end in bounds[:-1]:
        offsets.append(offsets[-1] + text.count("\n", start, end))

    def parts(reverse: bool = False) -> Iterator[ast.Module]:
        order = range(len(bounds) - 1, -1, -1) if reverse else range(len(bounds))
        for index in order:
            start, end = bounds[index]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc.
                    tree = ast.parse("\n" * offsets[index] + text[start:end])
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                raise NotInParts(str(exc)) from exc
            yield tree
            del tree

    return parts


def each_part(text: str, work: Callable[[ast.Module], T]) -> list[T] | None:
    """``work`` done on each part's tree of ``text``, in order; None when ``text`` is small
    or a part does not parse on its own: then the caller parses the whole module (and any
    result ``work`` computed is to be dropped)."""
    points = cut_points(text)
    if points is None:
        return None
    try:
        return [work(tree) for tree in module_parts(text, points)(False)]
    except NotInParts:
        return None


def parses_in_parts(text: str) -> bool:
    """Whether ``text`` could be checked to parse one part at a time (and does); False when
    it is small, or a part does not parse (then the whole module must be parsed to know)."""
    return each_part(text, lambda _tree: None) is not None
