"""The TODO item: plain data shared by the scanner, categorizer, blame, reporters and sync."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

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

    path: str  # display path (relative to the working directory when inside it)
    line: int  # 1-based line of the marker
    col: int  # 1-based column of the marker (as ruff's FIX rules report it)
    end_line: int  # last line of the comment, continuation included
    marker: str  # the configured marker (e.g. TODO or FIXME), whatever its case in the source
    text: str  # the text after the marker, continuation lines joined by single spaces
    language: str  # "python", "javascript", "shell", ...
    context: str = ""  # enclosing function/class qualified name, "" at module level
    author: str | None = None  # from TODO(name)
    issue_ref: str | None = None  # "#123" or "owner/repo#123" from TODO(#123)
    link: str | None = None  # from "TODO: text - https://..."
    tags: tuple[str, ...] = ()  # other words in TODO(...), e.g. "limitation"
    category: str = "bug"  # one of the configured categories (rules/todo_categories.toml)
    resolution: str = "issue"
    blame: Blame | None = None
    occurrence: int = 0  # index among items with the same file name, context and text
    file: str = field(default="", compare=False)  # absolute path, for blame, sync and --link
    below: str = field(default="", compare=False)  # the first line of code below the comment
    category_reason: str = field(default="", compare=False)  # why it got its category

    @property
    def issue(self) -> str | None:
        """The issue this item is tracked in: ``TODO(#12)``, ``TODO(o/r#12)`` or a trailing link."""
        return self.issue_ref or self.link

    @property
    def fingerprint(self) -> str:
        """Identity that survives edits above the comment and moving the file to a folder.

        Built from the file name (not its folder), the enclosing function or class, the
        marker, the normalised text and the occurrence index, never the line number.
        """
        key = "\x1f".join(
            (
                PurePosixPath(self.path).name,
                self.context,
                self.marker.upper(),
                normalise_text(self.text),
                str(self.occurrence),
            )
        )
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def normalise_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class ScanResult:
    """What a scan found: the items (sorted by path and line) and notes for the user."""

    items: list[TodoItem]
    notes: list[str] = field(default_factory=list)
    files_scanned: int = 0
    errors: list[str] = field(default_factory=list)
    # The configured categories in display order (built-in rules plus the user's).
    categories: tuple[str, ...] = ()
