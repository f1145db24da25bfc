"""Reading and decoding the files the TODO scanner reads."""

from __future__ import annotations

import codecs
import functools
import io
import sys
import tokenize
from pathlib import Path

from qualitytool.sources import SourceError, decode_python
from qualitytool.sources import read_bytes as read_source_bytes
from qualitytool.todos.markers import Markers
from qualitytool.todos.syntax import uses_hash_comments_only


def read_bytes(path: Path | str) -> bytes:
    try:
        return read_source_bytes(path)
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


def may_hold_marker(raw: bytes, language: str, markers: Markers) -> bool:
    """Whether the file ``raw`` of ``language`` may hold a marker that the scan of its text
    finds; False only when it cannot, so that most files are never decoded."""
    return (markers.in_bytes(raw, uses_hash_comments_only(language))
            or not ascii_transparent(raw, language))


def ascii_transparent(raw: bytes, language: str) -> bool:
    """Whether :func:`decode_source` gives ``raw`` a text whose ASCII characters are its own
    bytes and whose other characters are bytes above 0x7F, so that a test of the bytes for
    ASCII words (the markers) answers for the text: UTF-8 and Latin-1, what every file but a
    Python file with a coding cookie is decoded as, are; UTF-16 or UTF-7 (``+ACM-`` is a
    "#") are not.  False only for a Python file whose cookie names such an encoding."""
    if language != "python":
        return True  # UTF-8 (with or without its BOM), else Latin-1
    first = raw.find(b"\n")
    second = raw.find(b"\n", first + 1) if first >= 0 else -1
    if b"coding" not in (raw if second < 0 else raw[:second]):
        return True  # no cookie in the two lines tokenize reads: UTF-8, else Latin-1
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError:
        return True  # decode_python refuses it: UTF-8, else Latin-1
    return _transparent_encoding(encoding)


# Encodings whose text keeps ASCII characters as their own bytes and writes the others
# above 0x7F, by the name ``codecs.lookup`` gives them; the single-byte code pages are
# recognised by their decoding table.
_TRANSPARENT = frozenset({"utf-8", "utf-8-sig", "ascii", "iso8859-1"})


@functools.lru_cache(maxsize=32)
def _transparent_encoding(encoding: str) -> bool:
    try:
        info = codecs.lookup(encoding)
        b"#".decode(encoding, "replace")  # LookupError for a codec that is not a text one
    except LookupError:
        return True  # not a text encoding: decode_python refuses it, UTF-8 or Latin-1 then
    if info.name in _TRANSPARENT:
        return True
    # A code page (``encodings.cp1252``): one character per byte, from its table.
    module = sys.modules.get(getattr(info.decode, "__module__", None) or "")
    table = getattr(module, "decoding_table", None)
    return isinstance(table, str) and len(table) == 256 and all(
        ord(char) == byte if byte < 0x80 else ord(char) >= 0x80
        for byte, char in enumerate(table)
    )
