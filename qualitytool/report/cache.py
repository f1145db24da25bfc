"""Per-file results cached by tool, tool version, relevant configuration and a digest.

One JSON file per (tool, tool version, configuration) holds, for each file, the digest of what
its result was computed from and the result.  The digest is the file's content hash, or for a
tool that follows imports (pylint) the digest of the file's import closure
(:mod:`qualitytool.report.imports`).  A rerun recomputes only files whose digest changed; a new
tool version or a changed configuration starts a fresh bucket.  A run over part of the project
(``report src/app``) rewrites the entries of its own files only: the entries of files outside
the paths it analysed stay, and those of files inside them that no longer exist (deleted,
excluded now) are dropped (:class:`CacheScope`).  The default
place is ``.qualitytool/cache/`` under the project root, or ``[tool.qualitytool.report]
cache-dir``; files are read and written through :mod:`qualitytool.cache_files`: signed with
this machine's key, so that a cache that came with the checkout (its keys are content hashes
anyone can compute) is never used, and each entry is checked against its runner's shape
(:mod:`qualitytool.json_schemas`) before a runner sees it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from qualitytool import __version__
from qualitytool.cache_files import CacheFolder
from qualitytool.json_schemas import Record, Str, problem
from qualitytool.sources import read_bytes

T = TypeVar("T")

# Bumped when the shape of cached results changes.
_FORMAT = "1"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def config_fingerprint(root: Path, names: tuple[str, ...], extra: str = "") -> str:
    """A hash of the configuration files (that exist) among ``names`` under ``root``."""
    digest = hashlib.sha256(extra.encode("utf-8"))
    for name in names:
        candidate = root / name
        if candidate.is_file():
            digest.update(name.encode("utf-8") + b"\0" + read_bytes(candidate) + b"\0")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class CacheScope:
    """Which stored entries a run answers for: the files under the paths it analysed.

    ``folders``: those paths as cache keys (relative to the root, ``"."`` for the whole
    project); ``present``: the keys of every file discovered under them.  An entry of a file
    inside ``folders`` that is not ``present`` any more is dropped when a bucket is saved;
    every other entry stays (a run over one folder keeps the rest of the project's cache).
    Keys that are no file's (``*project*...``, a pass over several files) stay too."""

    folders: tuple[str, ...] = (".",)
    present: frozenset[str] | None = None

    @classmethod
    def of(cls, folders: Iterable[str], present: Iterable[str]) -> CacheScope:
        return cls(tuple(folders), frozenset(present))

    def keeps(self, key: str) -> bool:
        """Whether a stored entry this run did not rewrite is still worth keeping."""
        if key.startswith("*") or self.present is None or key in self.present:
            return True
        return not any(folder == "." or key == folder or key.startswith(folder + "/")
                       for folder in self.folders)


class ReportCache:
    """The cache folder, and the content hashes (and other shared facts) of this run's
    files; ``scope``: which stored entries the run answers for (default: all of them)."""

    def __init__(self, folder: CacheFolder, scope: CacheScope | None = None) -> None:
        self.folder = folder
        self.scope = scope or CacheScope()
        self._hashes: dict[Path, str] = {}
        self._lock = threading.Lock()
        self._once: dict[str, Any] = {}
        self._once_lock = threading.Lock()

    @property
    def warnings(self) -> list[str]:
        """Cache files ignored so far (not signed here, tracked by git, a bad entry...)."""
        return self.folder.warnings

    def once(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``name`` is asked for in this run, then that value
        (what several runners share, such as the import graph)."""
        with self._once_lock:
            if name not in self._once:
                self._once[name] = compute()
            value: T = self._once[name]
            return value

    def file_hash(self, path: Path) -> str:
        with self._lock:
            known = self._hashes.get(path)
        if known is not None:
            return known
        try:
            value = content_hash(read_bytes(path))
        except OSError:
            value = "unreadable"
        with self._lock:
            self._hashes[path] = value
        return value

    def bucket(self, tool: str, version: str, config_key: str, shape: Any) -> CacheBucket:
        """The bucket of ``tool`` at ``version`` and configuration; ``shape`` is the shape of
        one stored result (:mod:`qualitytool.json_schemas`)."""
        parts = (_FORMAT, __version__, tool, version, config_key)
        key = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]
        with self._lock:  # runner threads read their buckets side by side
            return CacheBucket(self.folder, f"{tool}-{key}.json", shape, self.scope)


class CacheBucket:
    """The cached per-file results of one tool at one version and configuration."""

    def __init__(
        self, folder: CacheFolder, name: str, shape: Any, scope: CacheScope | None = None
    ) -> None:
        self.folder = folder
        self._scope = scope or CacheScope()
        self.name = name
        self.path = folder.path(name)
        self._shape = Record({"hash": Str(max_len=200), "result": shape})
        loaded = folder.read(name)
        if loaded is not None and not isinstance(loaded, dict):
            folder.warnings.append(f"{folder.shown(name)}: ignored: not a table of results")
            loaded = None
        self._entries: dict[str, Any] = loaded or {}
        self._fresh: dict[str, dict[str, Any]] = {}
        self._reported = False

    def __contains__(self, key: str) -> bool:
        """Whether a result is stored under ``key`` (computed from whatever digest)."""
        return key in self._entries

    def get(self, key: str, digest: str) -> Any | None:
        """The result stored under ``key`` if it was computed from ``digest`` and has the
        shape of this tool's results; kept for the next run."""
        entry = self._entries.get(key)
        if not isinstance(entry, dict) or entry.get("hash") != digest:
            return None
        why = problem(entry, self._shape, key)
        if why is not None:
            if not self._reported:  # one line per cache file
                self._reported = True
                self.folder.warnings.append(
                    f"{self.folder.shown(self.name)}: entry ignored: {why}"
                )
            return None
        self._fresh[key] = entry
        return entry["result"]

    def put(self, key: str, digest: str, result: Any) -> None:
        self._fresh[key] = {"hash": digest, "result": result}

    def save(self) -> None:
        """Write this run's entries, and keep the stored ones the run does not answer for
        (see :class:`CacheScope`).  Those are written back as they were read, still unchecked:
        each entry is checked against the shape when a run uses it (:meth:`get`)."""
        kept = {
            key: entry for key, entry in self._entries.items()
            if key not in self._fresh and isinstance(entry, dict)
            and isinstance(entry.get("hash"), str) and self._scope.keeps(key)
        }
        self.folder.write(self.name, {**kept, **self._fresh}, sort_keys=True)

