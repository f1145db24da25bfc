"""``todos sync --link``: rewrite synced comments to reference their issue (``TODO(#123)``).

The form ruff's TD rules accept.  Every file gets a byte-preserving edit of each comment's
own line: only the comments named by line and marker column are touched, an author or tag in
parentheses is kept (``# TODO(alice, #123): text``), and a comment that already names an
issue is left alone.  Writes are atomic and refuse to overwrite a file that changed since it
was read; linking twice changes nothing.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualitytool.atomic_files import atomic_write
from qualitytool.sources import SourceError, encode_python, read_bytes, read_python
from qualitytool.todos.model import TodoItem

_HEAD = re.compile(r"(?P<marker>\w+)(?:\((?P<paren>[^)]*)\))?[ \t]*(?::|-(?!-)|–|—)?[ \t]*")
_ISSUE_REF = re.compile(r"^(?:[\w.-]+/[\w.-]+)?#\d+$|^https?://")


@dataclass(frozen=True)
class LinkResult:
    path: str
    linked: int
    error: str | None = None


def link_items(links: Sequence[tuple[TodoItem, str]]) -> list[LinkResult]:
    """Rewrite each item's comment to reference its issue (``"#123"``), file by file."""
    by_file: dict[str, list[tuple[TodoItem, str]]] = defaultdict(list)
    for item, reference in links:
        if not item.issue:
            by_file[item.file].append((item, reference))
    results = []
    for file, file_links in sorted(by_file.items()):
        display = file_links[0][0].path
        try:
            if file_links[0][0].language == "python":
                linked = _link_python(Path(file), file_links)
            else:
                linked = _link_text(Path(file), file_links)
        except (SourceError, OSError, UnicodeDecodeError) as exc:
            results.append(LinkResult(display, 0, str(exc)))
            continue
        results.append(LinkResult(display, linked))
    return results


def _link_python(path: Path, links: list[tuple[TodoItem, str]]) -> int:
    """Edit the comments' own lines in the decoded text, nothing else.

    Not through LibCST's tree of the module: that takes about 330 bytes per byte of source
    and does not write every file back as it was (it drops a ``\\`` continuing the first
    line and some whitespace-only last lines, which can leave a file that no longer parses).
    The lexer the scanner used confirms each place is inside a comment."""
    from qualitytool.todos.python_lexer import PythonLexer

    source = read_python(path)
    _refuse_unparsable(path, source.text)
    comment_spans = {c.line: c.opener_col for c in PythonLexer(source.text).comments}
    lines = source.text.split("\n")
    linked = 0
    for item, reference in links:
        opener = comment_spans.get(item.line)
        if opener is None or item.col - 1 <= opener or item.line > len(lines):
            continue  # not a comment there (the file changed since it was scanned)
        new_line = _linked_line(lines[item.line - 1], item, reference)
        if new_line is not None:
            lines[item.line - 1] = new_line
            linked += 1
    if linked:
        data = encode_python(source, "\n".join(lines))
        if not atomic_write(path, data, expected=source.raw, through_links=True):
            raise SourceError(f"{path}: changed while linking; left alone")
    return linked


def _refuse_unparsable(path: Path, text: str) -> None:
    """A file Python cannot parse is left alone.  Compiled first, never run (the compiler's
    arena takes a fraction of the memory of ``ast``'s objects); what only the compiler
    refuses (a module-level ``return``) is decided by ``ast.parse``, as everywhere else."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, str(path), "exec", dont_inherit=True)
            return
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        try:
            ast.parse(text)
        except SyntaxError as exc:
            raise SourceError(f"{path}: cannot parse: {exc.msg}") from exc
        except ValueError as exc:  # a NUL byte on 3.10 (a SyntaxError from 3.11 on)
            raise SourceError(f"{path}: cannot parse: {exc}") from exc
        except (RecursionError, MemoryError) as exc:
            raise SourceError(f"{path}: cannot parse: {type(exc).__name__}: {exc}") from exc


def link_comment_text(text: str, offset: int, marker: str, reference: str) -> str | None:
    """``text`` with the marker at ``offset`` rewritten to reference ``reference``, or None
    when there is no such marker there or it already references an issue."""
    match = _HEAD.match(text, offset)
    if match is None or match["marker"].lower() != marker.lower():
        return None
    parts = [p.strip() for p in (match["paren"] or "").split(",") if p.strip()]
    if any(_ISSUE_REF.match(p) for p in parts):
        return None
    head = f"{match['marker']}({', '.join([*parts, reference])}): "
    rest = text[match.end():]
    return text[:offset] + head + rest if rest else text[:offset] + head.rstrip()


def _linked_line(line: str, item: TodoItem, reference: str) -> str | None:
    # A CRLF file's lines end in \r here: it stays at the end, outside the comment.
    body, end = (line[:-1], "\r") if line.endswith("\r") else (line, "")
    new_body = link_comment_text(body, item.col - 1, item.marker, reference)
    return None if new_body is None else new_body + end


def _link_text(path: Path, links: list[tuple[TodoItem, str]]) -> int:
    raw = read_bytes(path)
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("utf-8")
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    # Split on \n only (as the scanner counts lines); a \r stays at the end of its line.
    lines = text.split("\n")
    linked = 0
    for item, reference in links:
        index = item.line - 1
        if index >= len(lines):
            continue
        new_line = link_comment_text(lines[index], item.col - 1, item.marker, reference)
        if new_line is not None:
            lines[index] = new_line
            linked += 1
    if linked:
        data = bom + "\n".join(lines).encode("utf-8")
        if not atomic_write(path, data, expected=raw, through_links=True):
            raise SourceError(f"{path}: changed while linking; left alone")
    return linked
