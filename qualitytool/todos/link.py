"""``todos sync --link``: rewrite synced comments to reference their issue (``TODO(#123)``).

Python files go through the LibCST codemod (``codemods/link_todos.py``); other languages get a
byte-preserving edit of the one comment line.  Writes are atomic and refuse to overwrite a
file that changed since it was read; linking twice changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualitytool.sources import SourceError, atomic_write, read_python
from qualitytool.todos.model import TodoItem


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
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.metadata import MetadataWrapper

    from qualitytool.codemods.link_todos import LinkTodos

    source = read_python(path)
    try:
        module = cst.parse_module(source.raw)
    except cst.ParserSyntaxError as exc:
        raise SourceError(f"{path}: cannot parse: {exc.message}") from exc
    command = LinkTodos(
        CodemodContext(),
        {(item.line, item.col): (item.marker, reference) for item, reference in links},
    )
    new_module = MetadataWrapper(module).visit(command)
    if not command.linked:
        return 0
    # LibCST keeps the encoding (coding cookie, BOM) of the bytes it parsed.
    data = new_module.bytes
    if data != source.raw and not atomic_write(path, data, expected=source.raw):
        raise SourceError(f"{path}: changed while linking; left alone")
    return len(command.linked)


def _link_text(path: Path, links: list[tuple[TodoItem, str]]) -> int:
    from qualitytool.codemods.link_todos import link_comment_text

    raw = path.read_bytes()
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
        if not atomic_write(path, data, expected=raw):
            raise SourceError(f"{path}: changed while linking; left alone")
    return linked
