"""LibCST codemod: make TODO comments reference their issue, ``# TODO(#123): text``.

The form ruff's TD rules accept.  Only the comments named by line and marker column are
touched; an author or tag in parentheses is kept (``# TODO(alice, #123): text``), and a
comment that already names an issue is left alone, so running it twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider

_HEAD = re.compile(r"(?P<marker>\w+)(?:\((?P<paren>[^)]*)\))?[ \t]*(?::|-(?!-)|–|—)?[ \t]*")
_ISSUE_REF = re.compile(r"^(?:[\w.-]+/[\w.-]+)?#\d+$|^https?://")


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


class LinkTodos(VisitorBasedCodemodCommand):
    """Rewrite ``# TODO: text`` to ``# TODO(#123): text`` for the given comments."""

    DESCRIPTION = "Make TODO comments reference their GitHub issue: # TODO(#123): text."
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self, context: CodemodContext, links: Mapping[tuple[int, int], tuple[str, str]]
    ) -> None:
        """``links`` maps (line, 1-based marker column) to (marker, issue reference)."""
        super().__init__(context)
        self.links = dict(links)
        self.linked: list[tuple[int, int]] = []

    def leave_Comment(self, original_node: cst.Comment, updated_node: cst.Comment) -> cst.Comment:
        start = self.get_metadata(PositionProvider, original_node).start
        for (line, col), (marker, reference) in self.links.items():
            if line != start.line:
                continue
            offset = col - 1 - start.column
            if not 0 < offset < len(original_node.value):
                continue
            new_value = link_comment_text(updated_node.value, offset, marker, reference)
            if new_value is None:
                self.warn(f"line {line}: no unlinked {marker} at column {col}; left alone")
                continue
            self.linked.append((line, col))
            return updated_node.with_changes(value=new_value)
        return updated_node
