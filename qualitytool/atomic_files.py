"""Writing a file atomically: the new bytes go to a temporary file in the file's own folder,
then a rename puts that file in its place, so a reader, or a run killed midway, sees the old
file or the new one and never half of one.

Every file qualitytool writes in place goes through :func:`atomic_write`: the sources that
fix-exceptions, ``todos --link`` and scaffold-exceptions rewrite, the caches and their key,
the run log, the evidence and the baseline.  The one exception is the evidence recorder
(:mod:`qualitytool.exceptions.evidence.recorder`), which runs inside the project's tests,
imports only the standard library and so keeps its own temporary file and rename.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Temporary files of writes in flight in this process, removed by a worker told to stop.
_IN_FLIGHT: set[str] = set()


def discard_temporary_files() -> None:
    """Remove the temporary files of the writes in flight (the targets stay as they were)."""
    for name in list(_IN_FLIGHT):
        try:
            os.unlink(name)
        except OSError:
            pass


def atomic_write(
    path: Path,
    data: bytes,
    *,
    expected: bytes | None = None,
    mode: int | None = None,
    durable: bool = True,
    through_links: bool = False,
    exclusive: bool = False,
) -> bool:
    """Replace ``path`` with ``data`` through a temporary file in its folder and a rename.

    - ``expected``: when the file no longer holds exactly these bytes (someone changed it
      since it was read, or it is gone), nothing is written and ``False`` is returned.
    - ``mode``: the permissions of the file written; by default those of the file it
      replaces, or for a new file those the umask gives (as ``open`` would).
    - ``durable``: the bytes reach the disk (fsync) before the rename; a cache, rebuilt
      when it is lost, does without.
    - ``through_links``: a symbolic link is written through (its target gets the bytes and
      the link stays a link), as for a project's source files; otherwise a link at ``path``
      is replaced by the file, and nothing is ever written where it pointed.
    - ``exclusive``: only create the file: ``FileExistsError`` when one is already there
      (written meanwhile by someone else), which is never replaced.

    Raises ``OSError``.  Whatever happens (``KeyboardInterrupt`` too) the temporary file is
    removed, and ``path`` is either untouched or holds all of ``data``.
    """
    import tempfile  # only a run that changes something writes

    if through_links:
        path = Path(os.path.realpath(path))
    if expected is not None:
        try:
            if path.read_bytes() != expected:
                return False
        except OSError:
            return False
    if mode is None:
        mode = _mode_of(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    _IN_FLIGHT.add(tmp_name)
    replaced = False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)  # mkstemp made it 0600
        if exclusive:
            os.link(tmp_name, path)  # fails when the file appeared meanwhile
        else:
            os.replace(tmp_name, path)
            replaced = True
    finally:
        # Removed whatever happened (after a link too); an error propagates unchanged.
        if not replaced:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
        _IN_FLIGHT.discard(tmp_name)
    return True


def _mode_of(path: Path) -> int:
    """The permissions of the regular file at ``path``, else those the umask gives a new one."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISREG(info.st_mode):
        return info.st_mode & 0o7777
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (setting it to read
    it would, for that instant, apply to the files the other threads create)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0)
    os.umask(umask)
    return umask
