"""TODO markers: where one opens a comment, and what its head says (author, issue, tags, link).

A marker is recognised where ruff's FIX rules recognise it: at the start of a comment (after
the comment opener and whitespace, or after a further ``#`` inside a ``#`` comment), in any
case, followed by a word boundary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


class Markers:
    """The configured markers, compiled once per scan."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        alternatives = "|".join(re.escape(m) for m in sorted(self.names, key=len, reverse=True))
        self._longest_first = sorted(self.names, key=len, reverse=True)
        # One group per marker: which one matched, when its text is not the marker's in
        # another case (U+0130 "İ" matches "i" and lowers to two characters).
        groups = "|".join(f"(?P<m{index}>{re.escape(m)})"
                          for index, m in enumerate(self._longest_first))
        self._start = re.compile(rf"(?i)({groups})(?![A-Za-z0-9_])")
        self._anywhere = re.compile(rf"(?i)(?:{alternatives})")
        # A marker right after "#" and blanks (or more "#"): a necessary condition for a
        # marker at the start of a "#" comment, checked by one regex search per file.
        self._after_hash = re.compile(rf"(?i)#(?:[^\S\n]|#)*(?:{alternatives})(?![A-Za-z0-9_])")
        self._canonical = {m.lower(): m for m in self.names}
        # The byte tests: sound for any text whose ASCII characters are their own bytes and
        # whose other characters are bytes above 0x7F (see ``decoding.ascii_transparent``).
        # Such a byte stands for any non-ASCII character: blanks other than ASCII ones
        # (U+00A0, U+3000), and letters that match a marker's letter case-insensitively
        # (U+212A KELVIN SIGN is a "k").
        wide = b"|".join(_wide_bytes(m) for m in sorted(self.names, key=len, reverse=True))
        self._lower_bytes = tuple(m.encode().lower() for m in self.names)
        self._anywhere_bytes = re.compile(rb"(?:" + wide + rb")")
        # After the blanks, the first character a marker may start with, looked at before
        # the markers are tried: most "#" of a file are passed at once.
        firsts = b"".join(_first_bytes(m) for m in self.names)
        self._after_hash_bytes = re.compile(
            rb"#[\t\x0b\x0c\r\x1c-\x20#\x80-\xff]*(?=[" + firsts + rb"\x80-\xff])(?:" + wide
            + rb")(?![A-Za-z0-9_])"
        )

    def in_text(self, text: str, hash_comments: bool = True) -> bool:
        """Cheap prefilter: could this file hold a marker at the start of a comment?"""
        pattern = self._after_hash if hash_comments else self._anywhere
        return pattern.search(text) is not None

    def in_bytes(self, raw: bytes, hash_comments: bool = True) -> bool:
        """:meth:`in_text` on the undecoded file, so that files without a marker are never
        decoded: True whenever :meth:`in_text` is for the text of ``raw``, provided that
        text keeps its ASCII characters as they are and writes the others above 0x7F
        (:func:`qualitytool.todos.decoding.ascii_transparent`)."""
        if hash_comments:
            return self._after_hash_bytes.search(raw) is not None
        lowered = raw.lower()  # bytes: ASCII letters only, as the wide pattern's classes
        if any(marker in lowered for marker in self._lower_bytes):
            return True
        return not raw.isascii() and self._anywhere_bytes.search(raw) is not None

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
                canonical = self._canonical.get(match[1].lower())
                if canonical is None:
                    (name,) = [key for key, value in match.groupdict().items() if value is not None]
                    canonical = self._longest_first[int(name[1:])]
                return start, canonical
            if not hash_sections:
                return None
            # As in ruff, a marker after a second "#" in the comment counts too.
            next_hash = text.find("#", start)
            if next_hash < 0:
                return None
            offset = next_hash + 1


def _first_bytes(marker: str) -> bytes:
    """The bytes (in a set) the wide pattern of ``marker`` may start with, beyond the high
    ones: its first character in either case when it is an ASCII letter."""
    first = marker[:1]
    if not first.isascii():
        return b""
    return re.escape((first.upper() + first.lower() if first.isalpha() else first).encode())


def _wide_bytes(marker: str) -> bytes:
    """A bytes pattern for ``marker`` as :meth:`Markers.in_text` finds it in a text: an ASCII
    letter in either case, another ASCII character as itself, and in place of any character
    one to four bytes above 0x7F (a non-ASCII character that may match it)."""
    parts = []
    for char in marker:
        if char.isascii() and char.isalpha():
            letters = re.escape((char.upper() + char.lower()).encode())
            parts.append(b"(?:[" + letters + rb"]|[\x80-\xff]{1,4})")
        elif char.isascii():
            parts.append(b"(?:" + re.escape(char.encode()) + rb"|[\x80-\xff]{1,4})")
        else:
            parts.append(rb"[\x80-\xff]{1,4}")
    return b"".join(parts)


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
    a word from ``tag_words`` (``limitation``, ``security``, ``perf``) a tag; a trailing
    `` - <url or #N>`` a link.  A tag word is also read, without changing the text, as the
    author writes labels in the comment: in brackets opening it (``TODO [bug] ...``,
    ``TODO: [perf, db] ...``), as a label opening it (``TODO: security: ...``) and as a
    hashtag anywhere (``... #perf``).
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
    if tag_set:
        for word in _labels_in(text):
            if word in tag_set and word not in tags:
                tags.append(word)
    return ParsedHead(text, author, issue_ref, link, tuple(tags))


# Labels the author writes in the text: "[bug, perf]" or "security:" opening it, "#perf".
_BRACKETS = re.compile(r"^\s*:?\s*\[(?P<words>[\w\s,/-]+)\]")
_LABEL = re.compile(r"^\s*(?P<word>[A-Za-z][\w-]*)\s*:(?!//)")
_HASHTAG = re.compile(r"(?<![\w&#/])#(?P<word>[A-Za-z][\w-]*)")


def _labels_in(text: str) -> list[str]:
    words = []
    brackets = _BRACKETS.match(text)
    if brackets is not None:
        words += [w.strip().lower() for w in re.split(r"[,/]", brackets["words"]) if w.strip()]
    label = _LABEL.match(text)
    if label is not None:
        words.append(label["word"].lower())
    words += [m["word"].lower() for m in _HASHTAG.finditer(text)]
    return words
