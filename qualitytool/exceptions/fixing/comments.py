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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# A class name as people write one in prose: CamelCase, dotted or not, with one of the
# suffixes exception classes carry, or one of the builtin classes without such a suffix.
_CLASS_NAME = re.compile(
    r"(?<![\w.`'\"])((?:[A-Za-z_]\w*\.)*(?:[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning)"
    r"|StopIteration|StopAsyncIteration))\b"
)


@dataclass(frozen=True)
class ModuleComments:
    """The comments of one module by line (a line holds at most one comment)."""

    by_line: Mapping[int, str]

    @classmethod
    def of(cls, text: str) -> ModuleComments:
        found: dict[int, str] = {}
        try:
            for token in tokenize.generate_tokens(io.StringIO(text).readline):
                if token.type == tokenize.COMMENT:
                    found[token.start[0]] = token.string
        except (tokenize.TokenError, SyntaxError, ValueError):
            pass  # what was read before the error still counts; the rest has none
        return cls(found)

    def between(self, first: int, last: int) -> list[str]:
        return [self.by_line[n] for n in range(first, last + 1) if n in self.by_line]


def handler_comments(
    comments: ModuleComments, try_node: ast.Try, handler: ast.ExceptHandler
) -> list[str]:
    """The comments of the ``try`` body (from the ``try:`` line on) and of ``handler``, from
    the line after the clause before it (a comment just above ``except`` is about it)."""
    body_end = try_node.body[-1].end_lineno or try_node.body[-1].lineno
    found = comments.between(try_node.lineno, body_end)
    previous_end = body_end
    for clause in try_node.handlers:
        if clause is handler:
            break
        previous_end = clause.end_lineno or clause.lineno
    return found + comments.between(previous_end + 1, handler.end_lineno or handler.lineno)


def named_classes(comments: Sequence[str]) -> list[str]:
    """The exception class names the comments mention, in order, once each."""
    names: dict[str, None] = {}
    for comment in comments:
        for match in _CLASS_NAME.finditer(comment):
            names[match.group(1)] = None
    return list(names)
