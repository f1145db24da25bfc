"""Find TODO/FIXME/XXX/HACK comments: Python through ``tokenize``, other languages by their
comment syntax.  Only comments count: a marker inside a string or an identifier is not a TODO.

A marker is recognised where ruff's FIX rules recognise it: at the start of a comment (after
the comment opener and whitespace, or after a further ``#`` inside a ``#`` comment), in any
case.  Unlike ruff we also require a word boundary after it, so ``# todos``, ``# hacked`` and
``# xxxx`` are prose, not markers.  Comment lines that directly follow a marker line, start
at the same column and carry no marker of their own continue the same item.
"""

from __future__ import annotations

import bisect
import functools
import io
import os
import re
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualitytool.sources import SourceError, decode_python
from qualitytool.todos.model import TodoItem


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


_C_LIKE = (("/*", "*/"),)
SYNTAXES = {
    "javascript": CommentSyntax("javascript", ("//",), _C_LIKE, ('"', "'", "`"), True),
    "typescript": CommentSyntax("typescript", ("//",), _C_LIKE, ('"', "'", "`"), True),
    "css": CommentSyntax("css", (), _C_LIKE, ('"', "'")),
    "scss": CommentSyntax("scss", ("//",), _C_LIKE, ('"', "'")),
    "shell": CommentSyntax("shell", ("#",), (), ('"', "'"), True, hash_at_word_start=True),
    "yaml": CommentSyntax("yaml", ("#",), (), (), hash_at_word_start=True),
    "toml": CommentSyntax("toml", ("#",), (), ('"', "'")),
    "dockerfile": CommentSyntax("dockerfile", ("#",), (), (), hash_at_line_start=True),
    "sql": CommentSyntax("sql", ("--",), _C_LIKE, ("'", '"'), True),
    "html": CommentSyntax("html", (), (("<!--", "-->"),), ()),
}

_EXTENSIONS = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".css": "css", ".scss": "scss", ".less": "scss",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell",
    ".yml": "yaml", ".yaml": "yaml", ".toml": "toml", ".dockerfile": "dockerfile",
    ".sql": "sql", ".html": "html", ".htm": "html", ".jinja": "html", ".j2": "html",
}


def language_of(path: Path | str) -> str | None:
    """The language whose comment syntax applies to ``path``, or None when unknown."""
    name = os.path.basename(path)
    if name in ("Dockerfile", "Containerfile") or name.startswith("Dockerfile."):
        return "dockerfile"
    return _EXTENSIONS.get(os.path.splitext(name)[1].lower())


@dataclass(frozen=True)
class CommentLine:
    """One line of a comment: where its text starts and the text after the opener."""

    line: int  # 1-based
    col: int  # 0-based column of ``text``'s first character
    text: str  # after the opener (``#``, ``//``, a block's ``*`` decoration)
    own_line: bool  # nothing but whitespace before the comment on this line
    block: int  # comments sharing a block id are lines of one block comment (-1: line comment)
    opener_col: int  # column of the comment opener (continuations must line up)
    context: str = ""  # enclosing def/class (Python only)


class Markers:
    """The configured markers, compiled once per scan."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        alternatives = "|".join(re.escape(m) for m in sorted(self.names, key=len, reverse=True))
        self._start = re.compile(rf"(?i)({alternatives})(?![A-Za-z0-9_])")
        self._anywhere = re.compile(rf"(?i)(?:{alternatives})")
        # A marker right after "#" and blanks (or more "#"): a necessary condition for a
        # marker at the start of a "#" comment, checked by one regex search per file.
        self._after_hash = re.compile(rf"(?i)#(?:[^\S\n]|#)*(?:{alternatives})(?![A-Za-z0-9_])")
        self._canonical = {m.lower(): m for m in self.names}
        encoded = b"|".join(re.escape(m.encode()) for m in sorted(self.names, key=len, reverse=True))
        self._anywhere_bytes = re.compile(rb"(?i)(?:" + encoded + rb")")
        self._after_hash_bytes = re.compile(
            rb"(?i)#(?:[ \t\f\v\r#]|\xc2\xa0)*(?:" + encoded + rb")(?![A-Za-z0-9_])"
        )

    def in_text(self, text: str, hash_comments: bool = True) -> bool:
        """Cheap prefilter: could this file hold a marker at the start of a comment?"""
        pattern = self._after_hash if hash_comments else self._anywhere
        return pattern.search(text) is not None

    def in_bytes(self, raw: bytes, hash_comments: bool = True) -> bool:
        """:meth:`in_text` on the undecoded file (the markers are ASCII in every encoding
        source files use), so that files without a marker are never decoded."""
        pattern = self._after_hash_bytes if hash_comments else self._anywhere_bytes
        return pattern.search(raw) is not None

    def hash_positions(self, text: str) -> list[int]:
        """Offsets of each "#" that a marker follows (the candidates of :meth:`in_text`)."""
        return [m.start() for m in self._after_hash.finditer(text)]

    def at_start(self, text: str, hash_sections: bool) -> tuple[int, str] | None:
        """The offset in ``text`` and canonical name of a marker opening the comment."""
        offset = 0
        while True:
            stripped = text[offset:].lstrip()
            start = len(text) - len(stripped)
            match = self._start.match(text, start)
            if match is not None:
                return start, self._canonical[match[1].lower()]
            if not hash_sections:
                return None
            # As in ruff, a marker after a second "#" in the comment counts too.
            next_hash = text.find("#", start)
            if next_hash < 0:
                return None
            offset = next_hash + 1


_ISSUE_REF = re.compile(r"^(?:[\w.-]+/[\w.-]+)?#\d+$")
_URL = re.compile(r"^https?://\S+$")
_HEAD = re.compile(r"^\s*(?:\((?P<paren>[^)]*)\))?\s*(?::|-(?!-)|–|—)?\s*")
_TRAILING_LINK = re.compile(
    r"\s+[-–—]\s+(?P<link>https?://\S+|(?:[\w.-]+/[\w.-]+)?#\d+)\s*$"
)


@dataclass(frozen=True)
class ParsedHead:
    text: str
    author: str | None
    issue_ref: str | None
    link: str | None
    tags: tuple[str, ...]


def parse_marker_text(rest: str, tag_words: Sequence[str] = ()) -> ParsedHead:
    """Split what follows a marker into author, issue reference, tags, text and link.

    ``(alice)`` is an author, ``(#12)`` / ``(owner/repo#12)`` / ``(https://...)`` an issue,
    a word from ``tag_words`` (``limitation``) a tag; a trailing `` - <url or #N>`` a link.
    """
    head = _HEAD.match(rest)
    assert head is not None  # every part of the pattern is optional
    author = issue_ref = None
    tags: list[str] = []
    tag_set = {w.lower() for w in tag_words}
    if head["paren"] is not None:
        for part in (p.strip() for p in head["paren"].split(",")):
            if not part:
                continue
            if _ISSUE_REF.match(part) or _URL.match(part):
                issue_ref = issue_ref or part
            elif part.lower() in tag_set:
                tags.append(part.lower())
            elif author is None:
                author = part.lstrip("@")
            else:
                tags.append(part)
    text = rest[head.end():].strip()
    link = None
    trailing = _TRAILING_LINK.search(text)
    if trailing is not None:
        link = trailing["link"]
        text = text[: trailing.start()].rstrip()
    return ParsedHead(text, author, issue_ref, link, tuple(tags))


def scan_source(
    text: str,
    language: str,
    markers: Markers,
    path: str,
    *,
    file: str = "",
    tag_words: Sequence[str] = (),
) -> list[TodoItem]:
    """The TODO items in one file's text (uncategorised: category and resolution defaults)."""
    if not markers.in_text(text, uses_hash_comments_only(language)):
        return []
    lexer = None
    comments: Sequence[CommentLine]
    if language == "python":
        positions = markers.hash_positions(text)
        lexer = PythonLexer(text, until=positions[-1] if positions else 0)
        comments = lexer.comments
        candidates: Iterable[int] = lexer.comments_at(positions)
    else:
        comments = list(syntax_comments(text, SYNTAXES[language]))
        candidates = range(len(comments))
    hash_sections = language == "python" or "#" in SYNTAXES.get(language, SYNTAXES["css"]).line
    items = []
    consumed = -1  # index of the last comment used as a continuation
    for start_index in candidates:
        if start_index <= consumed:
            continue
        comment = comments[start_index]
        found = markers.at_start(comment.text, hash_sections)
        if found is None:
            continue
        offset, marker = found
        rest = comment.text[offset + len(marker):]
        parts = [rest]
        end_line = comment.line
        index = start_index + 1
        if comment.own_line or comment.block >= 0:
            while index < len(comments):
                following = comments[index]
                if not _continues(comment, following, end_line):
                    break
                if markers.at_start(following.text, hash_sections) is not None:
                    break
                if _COMMENTED_OUT_CODE.match(following.text.strip()):
                    break
                parts.append(following.text.strip())
                end_line = following.line
                consumed = index
                index += 1
        parsed = parse_marker_text(" ".join(p.strip() for p in parts), tag_words)
        items.append(
            TodoItem(
                path=path,
                line=comment.line,
                col=comment.col + offset + 1,
                end_line=end_line,
                marker=marker,
                text=parsed.text,
                language=language,
                context=lexer.context_at(comment.line, comment.opener_col) if lexer else "",
                author=parsed.author,
                issue_ref=parsed.issue_ref,
                link=parsed.link,
                tags=parsed.tags,
                file=file,
            )
        )
    return items


# Commented-out code right below a TODO is not part of its text ("# TODO: uncomment once
# X ships" followed by "# - name: install X", "# x = compute()", "# if ready:").
_COMMENTED_OUT_CODE = re.compile(
    r"""^(?:
        -\s+[\w.-]+:(?:\s|$)                              # YAML list item of a mapping
      | [a-z_][\w.-]*:$                                   # YAML key opening a block
      | (?:async\s+)?(?:def|class)\s+\w+.*:$              # Python definition
      | (?:if|elif|else|for|while|with|try|except|finally)\b.*:$  # Python block statement
      | (?:import\s+[\w.]+|from\s+[\w.]+\s+import\b).*    # Python import
      | (?:return|raise)\b.*[(\[.].*                       # return / raise with an expression
      | [A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*[-+*/|&]?=(?!=)\s*\S.*   # assignment
      | -\s+["'].*                                        # YAML list item, quoted
      | [A-Za-z_][\w.]*\((?:.*\)[;,]?)?$                  # a call (or its first line)
      | [{}()\[\];]+$                                     # brackets alone
    )""",
    re.VERBOSE,
)


def _continues(first: CommentLine, following: CommentLine, end_line: int) -> bool:
    if following.line != end_line + 1 or not following.text.strip():
        return False
    if first.block >= 0:
        return following.block == first.block
    return following.own_line and following.opener_col == first.opener_col


# One pass over comments and strings: a comment runs to the end of its line; a string
# runs to its closing quote (a backslash escapes anything, triple quotes span lines), or,
# unterminated, to the end of the file (triple) or of the line (single).
_PY_TOKENS = re.compile(
    r"(?P<comment>#[^\n]*)"
    r"|'''(?:[^'\\]++|\\[\s\S]|'(?!''))*+(?:'''|\Z)"
    r'|"""(?:[^"\\]++|\\[\s\S]|"(?!""))*+(?:"""|\Z)'
    r"|'(?:[^'\\\n]++|\\[\s\S])*+(?:'|(?=\n)|\Z)"
    r'|"(?:[^"\\\n]++|\\[\s\S])*+(?:"|(?=\n)|\Z)'
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
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._starts: list[int] = []  # comment spans, in order
        self._ends: list[int] = []
        self._multiline_strings: list[tuple[int, int]] = []  # (start, end) offsets
        end = len(text)
        if until is not None:
            # Continuations are the comment-only lines right below: stop after them.
            following = _FOLLOWING_COMMENT_LINES.match(text, until)
            end = following.end() if following else end
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
            end = self.line_starts[current + 1] - 1 if current + 1 < len(self.line_starts) else len(self.text)
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
        if opener == "#" and (
            (syntax.hash_at_line_start and before.strip())
            or (syntax.hash_at_word_start and before and not before[-1].isspace())
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


def read_bytes(path: Path | str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def decode_source(raw: bytes, path: Path | str, language: str) -> str:
    """A file's text; Python decoded as Python decodes it, others as UTF-8 (else Latin-1).

    A NUL byte does not stop the scan: the file matched a source pattern and the prefilter
    found a marker in it, so its comments are read like any other's.
    """
    if language == "python":
        try:
            return decode_python(raw, Path(path)).text
        except SourceError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_text(path: Path | str, language: str) -> str:
    """A file's text, decoded as :func:`decode_source` does."""
    return decode_source(read_bytes(path), path, language)


def uses_hash_comments_only(language: str) -> bool:
    """Whether every comment of ``language`` starts with "#" (the cheaper prefilter applies)."""
    syntax = SYNTAXES.get(language)
    return syntax is None or (syntax.line == ("#",) and not syntax.block)
