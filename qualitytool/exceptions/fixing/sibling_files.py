"""Which files of the project may hold a sibling handler: the call shapes each file makes
(``client.aclose``, ``import_module``), read as text and remembered between runs.

The files are those discovery would analyse in the package being fixed: the configured
``exclude`` / ``extend-exclude`` patterns, ``.gitignore`` rules and the folders discovery
never enters (virtualenvs, ``build``, ``node_modules`` ...) leave files out.  A handler in
vendored code or in generated migrations is not the project's word on what a call raises,
and the user who excluded them said so.

Reading every file's text costs most of a one-file pre-commit run on a large project
(pretalx's 686 files: 1.3 s of the hook's 1.9 s), so the shapes of each file are kept in the
project's cache folder (``sibling-shapes.json``, signed with this machine's key: see
:mod:`qualitytool.cache_files`) by absolute path, with the file's ``os.stat`` stamp (size,
modification time, change time, inode).  A file is read again when its stamp changed, and
every file when the tool's version or the pattern changed (the format key holds both).

The cache only says which files to read: the sibling handlers themselves are always found in
the file's syntax tree, parsed from the file on disk.  A forged entry could only hide a file
(by leaving a shape out), and only with a signature of this machine and the stamp of the file
as it is now -- the inode and change time a checkout cannot set.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualitytool import __version__
from qualitytool.cache_files import CacheFolder, read_table
from qualitytool.config import Config
from qualitytool.discovery import DiscoveryError, iter_file_names
from qualitytool.listing_cache import SETTLE_SECONDS, ListingCache

# ``client.aclose(`` -> "client.aclose", ``import_module(`` -> "import_module".  Each name
# starts at a word boundary: without it every position inside a name not followed by ``(``
# is tried again (twice the time on pretalx's 686 files; the same shapes).
_CALLED = re.compile(r"(?:\b([A-Za-z_]\w*)\s*\.\s*)?\b([A-Za-z_]\w*)\s*\(")
# What a cached entry's shapes may be, joined by NUL (checked in C: a warm run checks all).
_SHAPE = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?"
_SHAPES = re.compile(rf"(?:{_SHAPE}(?:\0{_SHAPE})*)?")
_NAME = "sibling-shapes.json"
# Bumped when an entry's shape changes; the version and the pattern are part of the key.
_FORMAT = "1"
_KEY = "-".join((
    _FORMAT, __version__, hashlib.sha256(_CALLED.pattern.encode("utf-8")).hexdigest()[:12],
))


@dataclass(frozen=True)
class SiblingScope:
    """Where a run looks for siblings: the project's configuration (its exclusions, its
    cache folder) and whether the cache is used (``--no-cache``: neither read nor written)."""

    config: Config
    use_cache: bool = True


def shapes_in(text: str) -> list[str]:
    """The call shapes of a module's text, sorted, each once."""
    return sorted({f"{receiver}.{name}" if receiver else name
                   for receiver, name in _CALLED.findall(text)})


class ShapeCache:
    """The call shapes of the project's files, by absolute path; ``read`` counts the files
    whose text this run read (the others came from the cache).

    A subclass keeps other names read from a file's text the same way (the names the
    project's tests mock: :mod:`qualitytool.exceptions.fixing.mocked`): its cache file
    (``name``, ``key``), what it reads from a text, and what a cached entry may hold."""

    name = _NAME
    key = _KEY
    valid = _SHAPES

    def __init__(self, folder: CacheFolder | None) -> None:
        self.folder = folder
        self.read = 0
        self._changed = False
        self._settled_before = time.time_ns() - SETTLE_SECONDS * 1_000_000_000
        self._entries: dict[str, Any] = (
            read_table(folder, self.name, self.key, "files") if folder is not None else {}
        )

    def names_in(self, text: str) -> list[str]:
        """What an entry holds for a file of this text (sorted, each once)."""
        return shapes_in(text)

    def shapes(self, path: str) -> list[str] | None:
        """The call shapes of the file ``path``; None when it cannot be read."""
        try:
            info = os.stat(path)  # taken before reading: a change after it shows next time
        except (OSError, ValueError):
            return None
        stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        entry = self._entries.get(path)
        if entry.__class__ is list and len(entry) == 2 and entry[0] == stamp and _valid(
            entry[1], self.valid
        ):
            found: list[str] = entry[1]
            return found
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except (OSError, ValueError):
            return None
        self.read += 1
        found = self.names_in(text)
        # A file changed within the file system's time granularity of the run could change
        # again unseen (git's "racy" entries): read again next time.
        if max(info.st_mtime_ns, info.st_ctime_ns) < self._settled_before:
            self._entries[path] = [stamp, found]
            self._changed = True
        elif entry is not None:
            del self._entries[path]
            self._changed = True
        return found

    def save(self) -> None:
        """Write the cache if this run changed it, without the files that no longer exist.
        Failing to write (a read-only project) is not an error."""
        if self.folder is None or not self._changed:
            return
        files = {p: e for p, e in self._entries.items() if os.path.isfile(p)}
        self.folder.write(self.name, {"format": self.key, "files": files})
        self._changed = False


def _valid(shapes: Any, pattern: re.Pattern[str]) -> bool:
    if shapes.__class__ is not list:
        return False
    try:
        joined = "\0".join(shapes)  # a TypeError for anything but strings
    except TypeError:
        return False
    return pattern.fullmatch(joined) is not None


def callers_by_shape(
    folders: Sequence[str], recursive: bool, scope: SiblingScope | None
) -> tuple[dict[str, list[str]], int]:
    """Every call shape in the project's Python files under ``folders`` (or directly in
    them only) -> those files (absolute paths), and how many files were read (not taken
    from the cache)."""
    config = scope.config if scope is not None else Config(root=Path(folders[0]))
    folder = CacheFolder.of(config) if scope is not None and scope.use_cache else None
    if folder is not None and not folder.usable:
        folder = None
    cache = ShapeCache(folder)
    listings = ListingCache(folder) if folder is not None else None
    callers: dict[str, list[str]] = {}
    for path in project_files(folders, recursive, config, listings):
        found = cache.shapes(path)
        if found is None:
            continue
        for shape in found:
            callers.setdefault(shape, []).append(path)
    cache.save()
    if listings is not None:
        listings.save()
    return callers, cache.read


def project_files(
    folders: Sequence[str], recursive: bool, config: Config, listings: ListingCache | None
) -> Iterator[str]:
    """The Python files discovery would analyse under ``folders``, every one of them; a
    folder that cannot be listed is left out.

    No count caps the search: a sibling the search skipped would leave a class the project
    catches around the call out of an unsafe fix, which promises to cover them.  Its cost
    is one read per file, then one ``os.stat`` per file with the cache warm; what the
    project does not want searched it excludes (``exclude`` / ``extend-exclude``)."""
    names = iter_file_names(folders, config, include=("*.py",), listings=listings,
                            recursive=recursive)
    try:
        yield from names
    except DiscoveryError:  # a folder removed since it was found
        return
