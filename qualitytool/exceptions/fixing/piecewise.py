"""Rewrite a large module one top-level statement at a time, splicing the results back.

LibCST's tree of a module takes about 330 bytes per byte of source (3 GB for a 10 MB module),
while the rewrite only ever changes ``except`` clauses and the module's first import block.
So above :data:`PIECEWISE_THRESHOLD` characters, LibCST parses only the top-level statements
that hold a handler to rewrite (a few neighbours at a time) and, when imports are needed, the
head of the module up to its first statement after the imports.  Every other character of
the file is copied as it was.

Each rewritten piece is checked to parse on its own (so no second tree of the whole module
is built); the result is the text the whole-module rewrite (:func:`rewrite.apply_plans`)
produces: each
piece is parsed behind a two-line prelude that makes LibCST detect the module's own default
newline and indentation (new lines and blocks are written with those), and the handlers are
counted from the piece's first line on, as :func:`plan.handler_order` ranks them.
"""

from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from qualitytool.exceptions.fixing.plan import HandlerPlan, handler_order
from qualitytool.exceptions.fixing.rewrite import (
    InexactParse,
    Rewriter,
    add_imports,
    apply_plans,
    parse_for_rewrite,
)
from qualitytool.sources import SourceError

# Smaller modules take the whole-module path: LibCST's tree of 256 KB is about 85 MB.
PIECEWISE_THRESHOLD = 256 * 1024
# Neighbouring statements to rewrite are parsed together up to this size (fewer parser calls).
PIECE_SIZE = 64 * 1024
# CPython's tokenizer ends a line at \r\n, \r or \n; ``ast`` line numbers count those.
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class StatementLines:
    """Top-level statements sharing lines (``a; b``), as the lines they span (1-based)."""

    first: int  # the first decorator's line for a decorated definition
    last: int
    statements: int
    simple: bool  # not a compound statement (an import, an assignment, a docstring, ...)
    is_import: bool


def rewrite_module(
    text: str,
    tree: ast.Module,
    plans: Sequence[HandlerPlan],
    unsafe_fixes: bool,
) -> tuple[str, int]:
    """``text`` with the applicable plans applied: (new text, rewrites applied).

    Modules longer than :data:`PIECEWISE_THRESHOLD` characters are rewritten piecewise."""
    if len(text) <= PIECEWISE_THRESHOLD:
        try:
            return apply_plans(text, plans, unsafe_fixes)
        except InexactParse:
            pass  # the pieces may leave the lines LibCST would change outside them
    return apply_plans_piecewise(text, tree, plans, unsafe_fixes)


def apply_plans_piecewise(
    text: str, tree: ast.Module, plans: Sequence[HandlerPlan], unsafe_fixes: bool
) -> tuple[str, int]:
    """:func:`rewrite.apply_plans`'s result, parsing only the statements it changes."""
    applying = [p for p in plans if p.applies(unsafe_fixes)]
    if not applying:
        return text, 0
    starts = _line_starts(text)
    units = _statement_lines(tree)
    positions = sorted(handler_order(tree))
    handler_lines = sorted(p.line for p in applying)
    newline = _default_newline(text)
    prelude = f"if 1:{newline}{_default_indent(text)}pass{newline}"
    pieces: list[str] = []
    copied = 0  # text[:copied] is in ``pieces`` already
    imports: list[tuple[str, str | None]] = []
    applied = 0
    for begin, end in _pieces(units, handler_lines, starts):
        # From the line after the previous statement: a clean place to start tokenizing.
        first = units[begin - 1].last + 1 if begin else 1
        start, stop = _offset(starts, first, text), _offset(starts, units[end].last + 1, text)
        rewriter = Rewriter(applying, unsafe_fixes)
        rewriter.seen = bisect.bisect_left(positions, (first, -1))
        given = prelude + text[start:stop]
        piece = parse_for_rewrite(given, first - 2)
        if piece.code != given:
            raise InexactParse(
                f"{first}: LibCST would not write lines {first}-{units[end].last} back as they "
                "were (a whitespace-only line or a line continuation); left unchanged"
            )
        code = piece.visit(rewriter).code
        if not code.startswith(prelude):  # the rewrite never touches the prelude
            raise AssertionError("the piecewise rewrite changed its prelude")
        if rewriter.applied:
            _check_parses(code, first, units[end].last)
        pieces += [text[copied:start], code[len(prelude):]]
        copied = stop
        imports += rewriter.imports
        applied += len(rewriter.applied)
    pieces.append(text[copied:])
    new_text = "".join(pieces)
    if imports:
        new_text = _with_imports(new_text, units, starts, imports, newline)
    return new_text, applied


def _with_imports(
    text: str,
    units: Sequence[StatementLines],
    starts: Sequence[int],
    imports: Sequence[tuple[str, str | None]],
    newline: str,
) -> str:
    """``text`` with ``imports`` added by LibCST to its head only: the statements before the
    first one that can end the first import block, which a placeholder stands for.

    The rewrites never change a line above that statement, so ``starts`` still holds."""
    stop = next(
        (i for i, unit in enumerate(units)
         if unit.statements != 1 or not unit.simple or (i and not unit.is_import)),
        len(units),
    )
    cut = _offset(starts, units[stop].first, text) if stop < len(units) else len(text)
    placeholder = f"pass{newline}" if stop < len(units) else ""
    given = text[:cut] + placeholder
    parsed = parse_for_rewrite(given)
    if parsed.code != given:
        raise InexactParse("LibCST would not write the imports at the top of this file back as "
                           "they were; left unchanged")
    head = add_imports(parsed, imports).code
    _check_parses(head, 1, units[stop].first if stop < len(units) else len(starts))
    if not head.endswith(placeholder):
        raise AssertionError("adding imports changed the statement after them")
    return head[: len(head) - len(placeholder)] + text[cut:]


def _check_parses(code: str, first: int, last: int) -> None:
    """Each rewritten piece is checked on its own, instead of the whole new module (a second
    tree of it would double the peak memory): a piece starts and ends between top-level
    statements, and what lies between the pieces is unchanged, so the module parses when
    every piece does."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise SourceError(
            f"{first}: internal error: the rewrite of lines {first}-{last} does not parse "
            f"({type(exc).__name__}: {exc}); left unchanged"
        ) from exc


def _pieces(
    units: Sequence[StatementLines], lines: Sequence[int], starts: Sequence[int]
) -> list[tuple[int, int]]:
    """(first, last) indexes of runs of neighbouring units holding one of ``lines``."""
    firsts = [unit.first for unit in units]
    wanted = sorted({bisect.bisect_right(firsts, line) - 1 for line in lines})
    runs: list[tuple[int, int]] = []
    for index in wanted:
        if runs and runs[-1][1] == index - 1 and (
            starts[min(units[index].last, len(starts) - 1)] - starts[units[runs[-1][0]].first - 1]
            <= PIECE_SIZE
        ):
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _statement_lines(tree: ast.Module) -> list[StatementLines]:
    units: list[StatementLines] = []
    for stmt in tree.body:
        decorators = getattr(stmt, "decorator_list", None) or ()
        first = min([stmt.lineno, *(d.lineno for d in decorators)])
        last = stmt.end_lineno or stmt.lineno
        simple = not hasattr(stmt, "body")
        is_import = isinstance(stmt, (ast.Import, ast.ImportFrom))
        if units and first <= units[-1].last:  # shares a line with the one before
            prior = units.pop()
            units.append(StatementLines(prior.first, max(prior.last, last),
                                        prior.statements + 1, prior.simple and simple, False))
        else:
            units.append(StatementLines(first, last, 1, simple, is_import))
    return units


def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in _LINE_END.finditer(text))]


def _offset(starts: Sequence[int], line: int, text: str) -> int:
    return starts[line - 1] if line - 1 < len(starts) else len(text)


def _default_newline(text: str) -> str:
    """The newline LibCST writes new lines with: the module's first one."""
    match = _LINE_END.search(text)
    return match.group(0) if match else "\n"


def _default_indent(text: str) -> str:
    """The indentation LibCST gives new blocks: the module's first indented line's."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.INDENT:
                return token.string
    except (tokenize.TokenError, SyntaxError):
        pass
    return "    "
