"""Per-file results cached by tool, tool version, relevant configuration and content hash.

One JSON file per (tool, tool version, configuration) holds, for each file, the hash of the
content it was computed from and the result.  A rerun recomputes only files whose content
changed; a new tool version or a changed configuration starts a fresh bucket.  The default
place is ``.qualitytool/cache/`` under the project root (add ``.qualitytool/`` to
``.gitignore``), or ``[tool.qualitytool.report] cache-dir``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualitytool import __version__

if TYPE_CHECKING:
    from qualitytool.report.model import RunContext

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
            digest.update(name.encode("utf-8") + b"\0" + candidate.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


class ReportCache:
    """The cache directory and the content hashes of this run's files."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._hashes: dict[Path, str] = {}
        self._lock = threading.Lock()

    def file_hash(self, path: Path) -> str:
        with self._lock:
            known = self._hashes.get(path)
        if known is not None:
            return known
        try:
            value = content_hash(path.read_bytes())
        except OSError:
            value = "unreadable"
        with self._lock:
            self._hashes[path] = value
        return value

    def bucket(self, tool: str, version: str, config_key: str) -> CacheBucket:
        parts = (_FORMAT, __version__, tool, version, config_key)
        key = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]
        return CacheBucket(self, self.directory / f"{tool}-{key}.json")


class CacheBucket:
    """The cached per-file results of one tool at one version and configuration."""

    def __init__(self, cache: ReportCache, path: Path) -> None:
        self._cache = cache
        self.path = path
        self._entries: dict[str, dict[str, Any]] = {}
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._entries = loaded
        except (OSError, ValueError):
            pass
        self._fresh: dict[str, dict[str, Any]] = {}

    def get(self, key: str, path: Path) -> Any | None:
        """The cached result for file ``path`` (stored under ``key``) if its content is unchanged."""
        entry = self._entries.get(key)
        digest = self._cache.file_hash(path)
        if entry is not None and entry.get("hash") == digest:
            self._fresh[key] = entry
            return entry["result"]
        return None

    def put(self, key: str, path: Path, result: Any) -> None:
        self._fresh[key] = {"hash": self._cache.file_hash(path), "result": result}

    def save(self) -> None:
        """Write this run's entries (files no longer analysed are dropped)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._fresh, handle, separators=(",", ":"), sort_keys=True)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs time


def cached_per_file(
    ctx: RunContext,
    tool: str,
    bucket: CacheBucket | None,
    compute: Callable[[list[Path]], dict[Path, Any]],
) -> tuple[dict[Path, Any], int]:
    """Per-file results of ``tool`` over the context's files: cached ones from ``bucket``, the
    others from ``compute(files)`` (then cached).  Also returns how many came from the cache."""
    results: dict[Path, Any] = {}
    todo: list[Path] = []
    for path in ctx.files:
        cached = bucket.get(ctx.relative(path), path) if bucket is not None else None
        if cached is None:
            todo.append(path)
        else:
            results[path] = cached
    hits = len(results)
    ctx.progress(tool, hits, len(ctx.files))
    if todo:
        fresh = compute(todo)
        results.update(fresh)
        if bucket is not None:
            for path in todo:
                if fresh[path].get("cache", True):
                    bucket.put(ctx.relative(path), path, fresh[path])
    if bucket is not None:
        bucket.save()
    ctx.progress(tool, len(ctx.files), len(ctx.files))
    return results, hits
