"""Reading and atomically writing source files without losing a byte.

Python files are decoded with the encoding they declare (PEP 263, BOM included), so a
``latin-1`` file or one with a BOM is read and written back exactly as it was.
"""

from __future__ import annotations

import io
import os
import tempfile
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


# Temporary files of writes in flight in this process, removed by a worker told to stop.
_IN_FLIGHT: set[str] = set()


def discard_temporary_files() -> None:
    """Remove the temporary files of the writes in flight (the targets stay as they were)."""
    for name in list(_IN_FLIGHT):
        try:
            os.unlink(name)
        except OSError:
            pass


def atomic_write(path: Path, data: bytes, expected: bytes | None = None) -> bool:
    """Replace ``path`` with ``data`` through a temporary file and a rename.

    When ``expected`` is given and the file no longer holds exactly those bytes (someone
    changed it since it was read), nothing is written and ``False`` is returned.  A symlink
    is written through: its target gets the new bytes and the link stays a link.
    """
    path = Path(os.path.realpath(path))
    if expected is not None:
        try:
            if path.read_bytes() != expected:
                return False
        except OSError:
            return False
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:  # a new file: the permissions the umask gives
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    _IN_FLIGHT.add(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        # Clean up the temporary file whatever happened (even KeyboardInterrupt), then
        # let the original error propagate unchanged.
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    finally:
        _IN_FLIGHT.discard(tmp_name)
    return True
