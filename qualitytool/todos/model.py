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
class CodeContext:
    """The code around one TODO comment, as short stripped lines and names."""

    before: tuple[str, ...] = ()  # code lines right above the comment, nearest last
    after: tuple[str, ...] = ()  # code lines right below it, nearest first
    calls: tuple[str, ...] = ()  # names the enclosing function calls (dotted), first seen first
    imports: tuple[str, ...] = ()  # what the file's header and the enclosing function import

    def to_dict(self) -> dict[str, list[str]]:
        return {"before": list(self.before), "after": list(self.after),
                "calls": list(self.calls), "imports": list(self.imports)}

    @classmethod
    def from_dict(cls, raw: object) -> CodeContext:
        """The context stored by :meth:`to_dict` (missing or malformed parts are empty)."""
        if not isinstance(raw, dict):
            return cls()

        def strings(key: str) -> tuple[str, ...]:
            value = raw.get(key, [])
            return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

        return cls(strings("before"), strings("after"), strings("calls"), strings("imports"))




EMPTY_CONTEXT = CodeContext()


@dataclass(frozen=True)
class SecurityFlag:
    """Whether a TODO may be about security, whatever its category, and why."""

    flagged: bool
    score: float  # the flag's points
    evidence: tuple[str, ...]  # each piece: 'comment "token" +1', 'path "auth" +1', ...
    by_category: bool = False  # flagged because the item's category is the security one

    @property
    def reason(self) -> str:
        return ", ".join(self.evidence)


NOT_FLAGGED = SecurityFlag(False, 0.0, ())


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
    code: CodeContext = field(default=EMPTY_CONTEXT, compare=False)  # the code around it
    # How sure the categorizer is of ``category`` (1.0 for the author's own tag).
    confidence: float = field(default=1.0, compare=False)
    uncertain: bool = field(default=False, compare=False)  # below the configured confidence
    likeliest: tuple[str, ...] = field(default=(), compare=False)  # the two likeliest categories
    security: SecurityFlag = field(default=NOT_FLAGGED, compare=False)  # "may be security"

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
