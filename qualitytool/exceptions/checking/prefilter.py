"""Which files can hold a broad handler at all: a sound byte-level test, run before decoding
or parsing, so that a cold run parses only the few files that may hold one."""

from __future__ import annotations

import re
from pathlib import Path

from qualitytool.discovery import display_path
from qualitytool.findings import FileResult

# Why a file's result is clean without a parse: syntax errors there go unreported unless the
# run asks for them (``--check-syntax``), as the summary says.
NOT_PARSED = "not parsed: it cannot hold a broad handler"

_EXCEPT_CLAUSE = re.compile(rb"except\b([^\n]*)")
_BROAD_WORD = re.compile(rb"\b(?:Base)?Exception\b")


def might_have_broad_handler(raw: bytes) -> bool:
    """Cheap textual prefilter, run before decoding or parsing; never misses a handler.

    Looks at the text after each ``except``: a bare ``except:``, the word
    ``Exception``/``BaseException``, or a clause continued on the next line (an open
    parenthesis, a backslash) makes the file a candidate.  Files that mention ``builtins``
    may alias the exception classes (``from builtins import Exception as E``) and are
    candidates whenever they have an ``except``.  Anything else cannot hold a broad handler.
    """
    if b"except" not in raw:
        return False
    if b"builtins" in raw:
        return True
    for match in _EXCEPT_CLAUSE.finditer(raw):
        rest = match.group(1).strip()
        if rest.startswith(b":") or (b"Exception" in rest and _BROAD_WORD.search(rest)):
            return True
        if rest.endswith(b"\\") or rest.count(b"(") > rest.count(b")"):
            return True
    return False


def triage(path: Path) -> FileResult | None:
    """The result of a file that needs no parse -- it cannot be read, or cannot hold a broad
    handler -- or None when it must be checked."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        shown = display_path(path)
        return FileResult(path=shown, error=f"{shown}: cannot read: {exc.strerror or exc}")
    if might_have_broad_handler(raw):
        return None
    return FileResult(path=display_path(path), skipped=NOT_PARSED)
