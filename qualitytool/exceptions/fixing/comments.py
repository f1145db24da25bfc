"""What a handler's comments say: the exception classes they name.

A comment is the author's word on what reaches a handler ("ValueError, unpickling
exceptions", "request.user may raise OperationalError if the database is unavailable").
A narrowing must cover every class the comments of the ``try`` body and of the handler name,
or leave the handler broad and say why.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Sequence

# A class name as people write one in prose: CamelCase, dotted or not, with one of the
# suffixes exception classes carry, or one of the builtin classes without such a suffix.
_CLASS_NAME = re.compile(
    r"(?<![\w.`'\"])((?:[A-Za-z_]\w*\.)*(?:[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning)"
    r"|StopIteration|StopAsyncIteration))\b"
)


class ModuleComments:
    """The comments of one module by line, read (tokenized) one range of lines at a time and
    only where a ``#`` appears at all."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines(keepends=True)
        self._read: dict[tuple[int, int], dict[int, str]] = {}

    @classmethod
    def of(cls, text: str) -> ModuleComments:
        return cls(text)

    def between(self, first: int, last: int, indent: int = 0) -> list[str]:
        """The comments on lines ``first`` to ``last`` (1-based, inclusive): a range of whole
        statements whose first line is indented by ``indent``."""
        chunk = self._lines[first - 1:last]
        if not any("#" in line for line in chunk):
            return []
        key = (first, last)
        if key not in self._read:
            self._read[key] = _comments(chunk, first, indent)
        found = self._read[key]
        return [found[n] for n in sorted(found)]

    def paragraph_above(self, line: int, indent: int) -> list[str]:
        """The comments of the lines just above line ``line`` (1-based) that belong to its
        paragraph: up to a blank line or a line indented less than ``indent`` (the header of
        the enclosing block), as a comment that introduces a few statements is written."""
        first = line
        while first > 1:
            above = self._lines[first - 2]
            if not above.strip():
                break
            if len(above) - len(above.lstrip(" \t")) < indent:
                break
            first -= 1
        # The paragraph may begin inside a string (the end of a docstring): start at the
        # first line from which its lines read as whole tokens.
        for start in range(first, line):
            found = _whole_comments(self._lines[start - 1:line - 1], start, indent)
            if found is not None:
                return [found[n] for n in sorted(found)]
        return []


def _whole_comments(chunk: list[str], first: int, indent: int) -> dict[int, str] | None:
    """The comments of ``chunk`` when it reads as whole tokens, else None."""
    return _tokenized_comments(chunk, first, indent, whole=True)


def _comments(chunk: list[str], first: int, indent: int) -> dict[int, str]:
    """The comments of ``chunk``, up to where it stops reading as tokens."""
    return _tokenized_comments(chunk, first, indent, whole=False) or {}


def _tokenized_comments(
    chunk: list[str], first: int, indent: int, *, whole: bool
) -> dict[int, str] | None:
    """Line number -> comment in ``chunk`` (its lines dedented by ``indent``, the first being
    line ``first``); when it stops reading as tokens: None if ``whole``, else what was read."""
    source = "".join(line[min(indent, len(line) - len(line.lstrip(" \t"))):] for line in chunk)
    found: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found[first + token.start[0] - 1] = token.string
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None if whole else found
    return found


def handler_comments(
    comments: ModuleComments, try_node: ast.Try, handler: ast.ExceptHandler
) -> list[str]:
    """The comments of the ``try`` body (from the ``try:`` line on) and of ``handler``, from
    the line after the clause before it (a comment just above ``except`` is about it)."""
    body_end = try_node.body[-1].end_lineno or try_node.body[-1].lineno
    indent = try_node.col_offset
    found = comments.between(try_node.lineno, body_end, indent)
    previous_end = body_end
    for clause in try_node.handlers:
        if clause is handler:
            break
        previous_end = clause.end_lineno or clause.lineno
    return found + comments.between(
        previous_end + 1, handler.end_lineno or handler.lineno, indent
    )


def named_classes(comments: Sequence[str]) -> list[str]:
    """The exception class names the comments mention, in order, once each."""
    names: dict[str, None] = {}
    for comment in comments:
        for match in _CLASS_NAME.finditer(comment):
            names[match.group(1)] = None
    return list(names)
