"""Reading source files without losing a byte.

Python files are decoded with the encoding they declare (PEP 263, BOM included), so a
``latin-1`` file or one with a BOM is read and, encoded again by :func:`encode_python` and
written by :func:`qualitytool.atomic_files.atomic_write`, written back exactly as it was.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

from qualitytool.own_files import MEGABYTE, read_file

# No source file, configuration file or tool output of a project is larger.
MAX_SOURCE_BYTES = 256 * MEGABYTE


class SourceError(Exception):
    """A file cannot be read or decoded; the message is one line meant for users."""


@dataclass(frozen=True)
class PythonSource:
    """A Python file's text together with what is needed to write it back identically."""

    path: Path
    raw: bytes
    text: str
    encoding: str  # as declared; "utf-8-sig" when the file starts with a BOM


def decode_python(raw: bytes, path: Path) -> PythonSource:
    """Decode ``raw`` as Python source honouring its coding cookie and BOM."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        raise SourceError(f"{path}: cannot decode: {exc}") from exc
    try:
        # newline="" semantics: keep \r\n and \r exactly; decode() does not translate.
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"{path}: not valid {encoding}: {exc.__class__.__name__}: {exc}") from exc
    if encoding == "utf-8-sig" and text.startswith("\ufeff"):
        text = text[1:]
    return PythonSource(path=path, raw=raw, text=text, encoding=encoding)


def read_bytes(path: Path | str) -> bytes:
    """The bytes of a file of the analysed project: a regular file (a link to ``/dev/zero``
    or a FIFO is never read), at most :data:`MAX_SOURCE_BYTES`.  Raises ``OSError``."""
    return read_file(path, MAX_SOURCE_BYTES)


def read_text(path: Path | str, errors: str = "strict") -> str:
    """:func:`read_bytes` decoded as UTF-8 (configuration files); raises ``OSError``,
    ``UnicodeDecodeError``."""
    return read_bytes(path).decode("utf-8", errors)


def read_python(path: Path) -> PythonSource:
    """Read and decode one Python file, or raise :class:`SourceError`."""
    try:
        raw = read_bytes(path)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return decode_python(raw, path)


def encode_python(source: PythonSource, new_text: str) -> bytes:
    """Encode ``new_text`` the way ``source`` was encoded (BOM and declared encoding)."""
    data = new_text.encode(source.encoding)
    if source.encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
        data = b"\xef\xbb\xbf" + data
    return data
