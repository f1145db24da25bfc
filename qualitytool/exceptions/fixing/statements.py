"""Changing one simple statement of a block, counted as the ``ast`` counts them (``a; b`` is
two statements, a compound statement one): shared by the rewrite (:mod:`rewrite`) and the
rewrites it delegates to (:mod:`wrap`)."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from qualitytool.exceptions.fixing import layout


def comment_length(trailing: cst.TrailingWhitespace) -> int:
    """How many characters a comment after a line takes, with the space before it."""
    if trailing.comment is None:
        return 0
    return len(trailing.whitespace.value) + len(trailing.comment.value)


def map_statement(
    body: cst.BaseSuite,
    index: int,
    change: Callable[[cst.BaseSmallStatement], cst.BaseSmallStatement],
) -> cst.BaseSuite:
    """``body`` with ``change`` applied to its ``index``-th simple statement, counted as the
    ``ast`` counts them (``a; b`` is two, a compound statement is one)."""
    return map_statement_at(body, index, lambda statement, _before, _after: change(statement))


def map_statement_at(
    body: cst.BaseSuite,
    index: int,
    change: Callable[[cst.BaseSmallStatement, int, int], cst.BaseSmallStatement],
) -> cst.BaseSuite:
    """:func:`map_statement` whose ``change`` is also told how many characters precede the
    statement on its line (after the indentation) and follow it (other statements after
    ``;``, a comment)."""
    if isinstance(body, cst.SimpleStatementSuite):
        statements = list(body.body)
        statements[index] = change(statements[index], 0, 0)
        return body.with_changes(body=statements)
    assert isinstance(body, cst.IndentedBlock)
    lines = list(body.body)
    seen = 0
    for at, line in enumerate(lines):
        if not isinstance(line, cst.SimpleStatementLine):
            seen += 1  # a compound statement is one statement
            continue
        inner = list(line.body)
        if seen + len(inner) > index:
            position = index - seen
            before = sum(len(layout.code(s)) for s in inner[:position])
            after = sum(len(layout.code(s)) for s in inner[position + 1:])
            after += comment_length(line.trailing_whitespace)
            semicolon = inner[position].semicolon
            if isinstance(semicolon, cst.Semicolon):
                after += len(layout.code(semicolon))
            inner[position] = change(inner[position], before, after)
            lines[at] = line.with_changes(body=inner)
            return body.with_changes(body=lines)
        seen += len(inner)
    return body
