"""The code a TODO comment sits in: the statement right below it."""

from __future__ import annotations

from collections.abc import Sequence

_COMMENT_OPENERS = {"python": ("#",)}
_OTHER_OPENERS = ("#", "//", "/*", "*", "--", "<!--")
_LONGEST = 160


def statement_below(lines: Sequence[str], end_line: int, language: str = "python") -> str:
    """The first line of code after the comment ending on ``end_line`` (1-based), stripped.

    Blank lines and further comment lines are skipped; "" at the end of the file.
    """
    openers = _COMMENT_OPENERS.get(language, _OTHER_OPENERS)
    for line in lines[end_line:end_line + 20]:
        stripped = line.strip()
        if not stripped or stripped.startswith(openers):
            continue
        return stripped[:_LONGEST]
    return ""
