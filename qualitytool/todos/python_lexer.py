"""Comments of Python source and the def/class enclosing a line, without ``tokenize``'s cost."""

from __future__ import annotations

import bisect
import io
import itertools
import re
import tokenize
from collections.abc import Iterator, Sequence
from typing import Any

from qualitytool.todos.comments import CommentLine

# One pass over comments and strings: a comment runs to the end of its line; a string
# runs to its closing quote (a backslash escapes anything, triple quotes span lines), or,
# unterminated, to the end of the file (triple) or of the line (single).  Each string body
# is an "unrolled loop" (plain characters, then one escape or lone quote and plain characters
# again): no nested quantifier to backtrack into, and no possessive quantifier, which Python
# only reads from 3.11 on.
_PY_TOKENS = re.compile(
    r"(?P<comment>#[^\n]*)"
    r"|'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*(?:'''|\Z)"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*(?:"""|\Z)'
    r"|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*(?:'|(?=\n)|\Z)"
    r'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*(?:"|(?=\n)|\Z)'
)
_FOLLOWING_COMMENT_LINES = re.compile(r"[^\n]*(?:\n[ \t\f]*#[^\n]*)*")
_DEF = re.compile(r"(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)")


class PythonLexer:
    """Comments of Python source, and the def/class enclosing a line.

    The same strings-and-comments grammar as :mod:`tokenize` (every quote opens a string
    that a backslash cannot end, triple quotes span lines), matched by regular expressions
    instead of one Python object per token: five to ten times faster on real code, and
    tested to find exactly tokenize's comments on every file of Django and ansible-core
    (``tests/test_todos_oracle.py``).  Prefixes (``r``, ``b``, ``f``) do not change where a
    string ends.
    """

    def __init__(self, text: str, until: int | None = None) -> None:
        """Lex ``text``, or only up to the comment lines that follow offset ``until``."""
        self.text = text
        self._starts: list[int] = []  # comment spans, in order
        self._ends: list[int] = []
        self._multiline_strings: list[tuple[int, int]] = []  # (start, end) offsets
        end = len(text)
        if until is not None:
            # Continuations are the comment-only lines right below: stop after them.
            following = _FOLLOWING_COMMENT_LINES.match(text, until)
            end = following.end() if following else end
        # Where each line starts, up to the one after the last line lexed (the lines above
        # a comment are all its context needs).
        newline = text.find("\n", end)
        lengths = [len(line) + 1 for line in text[:len(text) if newline < 0 else newline + 1]
                   .split("\n")]
        lengths.pop()  # the part after the last newline starts no further line
        self.line_starts = list(itertools.accumulate(lengths, initial=0))
        self._lex(end)
        self.comments = _LazyComments(self)

    def _lex(self, end_offset: int) -> None:
        text = self.text
        starts, ends = self._starts, self._ends
        for match in _PY_TOKENS.finditer(text, 0, end_offset):
            start, end = match.span()
            if match.lastgroup == "comment":
                starts.append(start)
                ends.append(end)
            elif text.find("\n", start, end) >= 0:
                self._multiline_strings.append((start, end))

    def comment(self, index: int) -> CommentLine:
        text, start, end = self.text, self._starts[index], self._ends[index]
        line = bisect.bisect_right(self.line_starts, start) - 1
        line_start = self.line_starts[line]
        col = start - line_start
        return CommentLine(
            line + 1, col + 1, text[start + 1:end].rstrip("\r"),
            not text[line_start:start].strip(), -1, col,
        )

    def comments_at(self, offsets: Sequence[int]) -> list[int]:
        """Indices of the comments containing ``offsets`` (a "#" inside a string is none)."""
        found: list[int] = []
        for offset in offsets:
            index = bisect.bisect_right(self._starts, offset) - 1
            if index >= 0 and offset < self._ends[index] and (not found or found[-1] != index):
                found.append(index)
        return found

    def _inside_string(self, offset: int) -> bool:
        index = bisect.bisect_right(self._multiline_strings, (offset, len(self.text))) - 1
        return index >= 0 and self._multiline_strings[index][1] > offset

    def context_at(self, line: int, col: int) -> str:
        """The qualified name of the functions and classes enclosing column ``col`` of ``line``.

        Walks up from ``line`` to the nearest statement indented less than ``col``, then from
        there to the next less indented one, collecting ``def`` and ``class`` names.
        """
        names = []
        indent = col
        current = line  # 1-based: the comment's own line first (a trailing comment on a def)
        text, starts = self.text, self.line_starts
        while indent > 0 and current > 0:
            current -= 1
            start = starts[current]
            if text.startswith(" " * indent, start):
                continue  # indented at least as deep: not an enclosing statement
            if current + 1 < len(self.line_starts):
                end = self.line_starts[current + 1] - 1
            else:
                end = len(self.text)
            raw = self.text[start:end]
            stripped = raw.lstrip(" \t\f")
            if not stripped.strip() or stripped[0] in "#)]}":
                continue
            line_indent = len(raw) - len(stripped)
            if line_indent >= indent or self._inside_string(start + line_indent):
                continue
            found = _DEF.match(stripped)
            if found is not None:
                names.append(found[1])
            indent = line_indent
        return ".".join(reversed(names))


class _LazyComments(Sequence[CommentLine]):
    """The lexer's comments, each built when first asked for (most are never needed)."""

    def __init__(self, lexer: PythonLexer) -> None:
        self._lexer = lexer
        self._built: dict[int, CommentLine] = {}

    def __len__(self) -> int:
        return len(self._lexer._starts)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index not in self._built:
            self._built[index] = self._lexer.comment(index)
        return self._built[index]


def python_comments(text: str) -> Iterator[CommentLine]:
    """Comments of Python source via tokenize, with their enclosing def/class.

    The reference :class:`PythonLexer` is tested against; too slow for large trees.
    """
    scopes: list[tuple[int, str]] = []  # (column of def/class, name)
    at_statement_start = True
    pending_def: int | None = None
    statement_col, after_async = 0, False
    readline = io.StringIO(text).readline
    try:
        for token in tokenize.generate_tokens(readline):
            kind = token.type
            if kind == tokenize.COMMENT:
                row, col = token.start
                own_line = not token.line[:col].strip()
                context = ".".join(name for def_col, name in scopes if def_col < col)
                yield CommentLine(row, col + 1, token.string[1:], own_line, -1, col, context)
                continue
            if kind in (tokenize.NEWLINE, tokenize.NL):
                at_statement_start = kind == tokenize.NEWLINE or at_statement_start
                continue
            if kind in (tokenize.INDENT, tokenize.DEDENT):
                continue
            if pending_def is not None and kind == tokenize.NAME:
                scopes.append((pending_def, token.string))
                pending_def = None
                at_statement_start = False
                continue
            if at_statement_start:
                col = token.start[1]
                while scopes and scopes[-1][0] >= col:
                    scopes.pop()
                if kind == tokenize.NAME and token.string in ("def", "class"):
                    pending_def = statement_col if after_async else col
                elif kind == tokenize.NAME and token.string == "async":
                    statement_col, after_async = col, True
                    continue
                else:
                    at_statement_start = False
                after_async = False
                continue
            at_statement_start = False
    except (tokenize.TokenError, SyntaxError):
        # Keep the comments before the error (as ruff does on files that do not parse).
        return
