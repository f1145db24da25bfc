"""Comments of non-Python files, by each language's comment syntax.

The syntaxes are data, ``rules/comment_syntax.toml``: adding a language is one table there.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from qualitytool.todos.comments import CommentLine

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class CommentSyntax:
    """How one language writes comments and the strings that can hide comment openers."""

    language: str
    line: tuple[str, ...] = ()
    block: tuple[tuple[str, str], ...] = ()
    strings: tuple[str, ...] = ()
    # Strings may span lines (shell, SQL, JS template literals).
    multiline_strings: bool = False
    # ``#`` opens a comment only at the start of a word (shell ``${#x}``, YAML ``a#b``).
    hash_at_word_start: bool = False
    # ``#`` opens a comment only as the first thing on a line (Dockerfile).
    hash_at_line_start: bool = False
    # Every line-comment opener opens one only at the start of a word (``//`` in a Vue file,
    # not in ``https://``).
    line_at_word_start: bool = False


@dataclass(frozen=True)
class Languages:
    """Every language the scanner reads: its comment syntax and how its files are named."""

    syntaxes: dict[str, CommentSyntax]  # every language but Python
    extensions: dict[str, str]  # ".ts" -> "typescript"
    filenames: dict[str, str]  # "Dockerfile" -> "dockerfile"
    prefixes: tuple[tuple[str, str], ...]  # ("Dockerfile.", "dockerfile")


def _syntax(language: str, table: dict[str, Any]) -> CommentSyntax:
    return CommentSyntax(
        language,
        line=tuple(table.get("line", ())),
        block=tuple((opener, closer) for opener, closer in table.get("block", ())),
        strings=tuple(table.get("strings", ())),
        multiline_strings=bool(table.get("multiline-strings", False)),
        hash_at_word_start=bool(table.get("hash-at-word-start", False)),
        hash_at_line_start=bool(table.get("hash-at-line-start", False)),
        line_at_word_start=bool(table.get("line-at-word-start", False)),
    )


@functools.lru_cache(maxsize=1)
def languages() -> Languages:
    """The languages of ``rules/comment_syntax.toml``."""
    data = tomllib.loads(
        resources.files("qualitytool.rules").joinpath("comment_syntax.toml").read_text("utf-8"))
    syntaxes, extensions, filenames, prefixes = {}, {}, {}, []
    for language, table in data.items():
        if language != "python":
            syntaxes[language] = _syntax(language, table)
        extensions.update({ext: language for ext in table.get("extensions", ())})
        for name in table.get("filenames", ()):
            if name.endswith("*"):
                prefixes.append((name[:-1], language))
            else:
                filenames[name] = language
    return Languages(syntaxes, extensions, filenames, tuple(prefixes))


def syntax_of(language: str) -> CommentSyntax | None:
    """The comment syntax of a non-Python language (None for Python and unknown ones)."""
    return languages().syntaxes.get(language)


def language_of(path: Path | str) -> str | None:
    """The language whose comment syntax applies to ``path``, or None when unknown."""
    known = languages()
    name = os.path.basename(path)
    if name in known.filenames:
        return known.filenames[name]
    for prefix, language in known.prefixes:
        if name.startswith(prefix):
            return language
    return known.extensions.get(os.path.splitext(name)[1].lower())


def uses_hash_comments_only(language: str) -> bool:
    """Whether every comment of ``language`` starts with "#" (the cheaper prefilter applies)."""
    syntax = syntax_of(language)
    return syntax is None or (syntax.line == ("#",) and not syntax.block)


def syntax_comments(text: str, syntax: CommentSyntax) -> Iterator[CommentLine]:
    """Comments of a non-Python file, found by the language's comment syntax."""
    openers: list[str] = [*syntax.line, *(o for o, _ in syntax.block), *syntax.strings]
    pattern = re.compile("|".join(re.escape(o) for o in sorted(openers, key=len, reverse=True)))
    block_ends = dict(syntax.block)
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    block_id = 0

    def position(offset: int) -> tuple[int, int]:
        line = _bisect(line_starts, offset)
        return line + 1, offset - line_starts[line]

    pos = 0
    while True:
        match = pattern.search(text, pos)
        if match is None:
            return
        opener, start = match[0], match.start()
        if opener in syntax.strings:
            pos = _string_end(text, match.end(), opener, syntax.multiline_strings)
            continue
        if opener in block_ends:
            close = text.find(block_ends[opener], match.end())
            end = len(text) if close < 0 else close
            line, col = position(start)
            own_line = not text[line_starts[line - 1]:start].strip()
            first = True
            for offset, body in _block_lines(text, match.end(), end):
                body_line, body_col = position(offset)
                yield CommentLine(
                    body_line, body_col, body, own_line if first else True, block_id, col
                )
                first = False
            block_id += 1
            pos = end + len(block_ends[opener])
            continue
        line, col = position(start)
        before = text[line_starts[line - 1]:start]
        at_word_start = syntax.line_at_word_start or (opener == "#" and syntax.hash_at_word_start)
        if (opener == "#" and syntax.hash_at_line_start and before.strip()) or (
            at_word_start and before and not before[-1].isspace()
        ):
            pos = match.end()
            continue
        newline = text.find("\n", match.end())
        end = len(text) if newline < 0 else newline
        body = text[match.end():end].rstrip("\r")
        yield CommentLine(line, col + len(opener), body, not before.strip(), -1, col)
        pos = end


def _block_lines(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """Each line of a block comment without its `` * `` decoration, with its offset."""
    offset = start
    for raw in text[start:end].split("\n"):
        stripped = raw.lstrip()
        lead = len(raw) - len(stripped)
        if stripped.startswith("*") and not stripped.startswith("*/"):
            stripped = stripped[1:]
            lead += 1
        yield offset + lead, stripped.rstrip("\r")
        offset += len(raw) + 1


def _string_end(text: str, pos: int, quote: str, multiline: bool) -> int:
    stops = _string_stops(quote)
    while True:
        match = stops.search(text, pos)
        if match is None:
            return len(text)
        char = match[0]
        if char == "\\":
            pos = match.end() + 1
        elif char == quote:
            return match.end()
        elif not multiline:
            return match.start()
        else:
            pos = match.end()


@functools.lru_cache(maxsize=8)
def _string_stops(quote: str) -> re.Pattern[str]:
    return re.compile(r"[\\\n" + re.escape(quote) + "]")


def _bisect(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset) - 1
