"""The TODO item: plain data shared by the scanner, categorizer, blame, reporters and sync."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

CATEGORIES = ("security", "performance", "feature", "refactor", "documentation", "bug")
RESOLUTIONS = ("implement", "issue", "document")


@dataclass(frozen=True)
class Blame:
    """Who last touched the line, from ``git blame``."""

    author: str
    email: str
    commit: str
    date: str  # ISO 8601
    age_days: int


@dataclass(frozen=True)
class TodoItem:
    """One TODO/FIXME/XXX/HACK comment (with its continuation lines)."""

    path: str  # posix path relative to the scanned root
    line: int  # 1-based line of the marker
    col: int  # 1-based column of the comment start
    end_line: int  # last line of the comment, continuation included
    marker: str  # TODO, FIXME, XXX, HACK (upper case as configured)
    text: str  # the text after the marker, continuation lines joined by single spaces
    language: str  # "python", "javascript", "shell", ...
    context: str = ""  # enclosing function/class qualified name, "" at module level
    author: str | None = None  # from TODO(name)
    issue_ref: str | None = None  # "#123" or "owner/repo#123" from TODO(#123)
    link: str | None = None  # from "TODO: text - https://..."
    category: str = "bug"
    resolution: str = "issue"
    blame: Blame | None = None
    occurrence: int = 0  # index among items with the same file name, context and text

    @property
    def fingerprint(self) -> str:
        """Identity that survives edits above the comment and moving the file to a folder.

        Built from the file name (not its folder), the enclosing function or class, the
        marker, the normalised text and the occurrence index, never the line number.
        """
        normalised = re.sub(r"\s+", " ", self.text).strip().lower()
        key = "\x1f".join(
            (
                PurePosixPath(self.path).name,
                self.context,
                self.marker.upper(),
                normalised,
                str(self.occurrence),
            )
        )
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
