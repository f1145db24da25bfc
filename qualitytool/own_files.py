"""The files qualitytool writes into a project and reads back: its caches, the last
``fix-exceptions`` run log, the evidence file.

They live in the project's ``.qualitytool/`` folder (or the configured ``cache-dir``), which
comes with the checkout like everything else in it: a repository can ship that folder, or a
symbolic link in its place.  So every such file is read as data from a stranger:

- it must lie inside the project, reached without a symbolic link below the project root
  (a ``.qualitytool`` linking out of the project is never read or written through);
- it must be a regular file, itself not a symbolic link (``/dev/zero``, a FIFO, a socket
  or a link are refused without being read);
- it must be smaller than a cap, and it is read no further than the cap;
- its content is then checked against a schema by the caller (:mod:`qualitytool.json_schemas`).

A file refused for any of these reasons raises :class:`OwnFileRefused`, whose message is one
line naming the reason; callers ignore the file with a warning.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MEGABYTE = 1 << 20


class OwnFileRefused(Exception):
    """A file of qualitytool's own folders that must not be used; the message is one line."""


def leads_out(root: Path, path: Path) -> str | None:
    """Why ``path`` cannot be used as a file of the project at ``root``, or None when it
    lies inside the project and no symbolic link below the root leads to it."""
    base = Path(os.path.realpath(root))
    absolute = Path(os.path.normpath(path if path.is_absolute() else Path(root) / path))
    try:
        relative = absolute.relative_to(os.path.normpath(os.path.abspath(root)))
    except ValueError:
        try:
            relative = absolute.relative_to(base)
        except ValueError:
            return f"{path} is outside the project ({root})"
    current = base
    for part in relative.parts:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return None  # what does not exist yet is made by qualitytool, as a real folder
        except OSError as exc:
            return f"{current}: {exc.strerror or exc}"
        if stat.S_ISLNK(info.st_mode):
            return f"{current} is a symbolic link (qualitytool never reads or writes its " \
                   "files through one)"
    return None


def read_own_file(path: Path, root: Path, limit: int) -> bytes | None:
    """The bytes of ``path``, a file of qualitytool's own folders in the project at ``root``;
    None when it does not exist.  Raises :class:`OwnFileRefused` when it leads out of the
    project, is not a regular file, or holds more than ``limit`` bytes."""
    reason = leads_out(root, path)
    if reason is not None:
        raise OwnFileRefused(reason)
    return read_regular_file(path, limit)


def read_regular_file(path: Path, limit: int, *, follow: bool = False) -> bytes | None:
    """The bytes of the regular file ``path`` (never more than ``limit``: a larger file is
    refused); None when it does not exist.  ``follow``: a symbolic link is followed (a path
    the user named), else refused.  Raises :class:`OwnFileRefused`."""
    try:
        return read_file(path, limit, follow=follow)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise OwnFileRefused(f"{path} is a symbolic link") from exc
        if exc.errno in (errno.EINVAL, errno.EFBIG):
            raise OwnFileRefused(f"{path} is {exc.strerror}") from exc
        raise OwnFileRefused(f"{path}: cannot read: {exc.strerror or exc}") from exc


def read_file(path: Path | str, limit: int, *, follow: bool = True) -> bytes:
    """The bytes of the regular file ``path``, as ``Path.read_bytes`` reads them, but never
    from a device, a FIFO or a socket (reading ``/dev/zero`` never ends; opening a FIFO
    waits for a writer) and never more than ``limit`` bytes.  Raises ``OSError``: its
    ``strerror`` is "not a regular file" or "larger than N MB" for those."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {_size(limit)}", str(path))
        chunks = []
        remaining = limit + 1  # one byte more: a file that grew past the cap is refused
        # The size it has now, and one byte to see the end: a buffer of the cap's size per
        # read cost more than the read itself on a tree of small files.
        wanted = info.st_size + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, wanted, 16 * MEGABYTE))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            wanted = 64 * 1024  # it grew since: the rest in modest reads
        if remaining <= 0:
            raise OSError(errno.EFBIG, f"larger than {_size(limit)}", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    return f"{limit // MEGABYTE} MB" if limit >= MEGABYTE else f"{limit} bytes"


def tracked_by_git(path: Path) -> bool:
    """Whether git tracks the file ``path`` (it came with the checkout); False outside git
    or when git cannot tell."""
    import subprocess

    try:
        listed = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", path.name], cwd=path.parent,
            capture_output=True, timeout=60, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return listed.returncode == 0
