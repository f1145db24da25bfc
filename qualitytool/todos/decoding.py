"""Reading and decoding the files the TODO scanner reads."""

from __future__ import annotations

from pathlib import Path

from qualitytool.sources import SourceError, decode_python
from qualitytool.sources import read_bytes as read_source_bytes


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
