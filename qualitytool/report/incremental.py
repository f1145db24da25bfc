"""A tool's per-file results over a run's files: the cached ones, the others computed.

What a file's result depends on is its digest: the file's content hash unless the tool says
otherwise (pylint: the digest of the file's import closure, :mod:`qualitytool.report.imports`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qualitytool.report.cache import CacheBucket
from qualitytool.report.model import RunContext


def cached_per_file(
    ctx: RunContext,
    tool: str,
    bucket: CacheBucket | None,
    compute: Callable[[list[Path]], dict[Path, Any]],
    *,
    digest_of: Callable[[Path], str] | None = None,
) -> tuple[dict[Path, Any], int]:
    """Per-file results of ``tool`` over the context's files: cached ones from ``bucket``, the
    others from ``compute(files)`` (then cached).  Also returns how many came from the cache.

    ``digest_of(path)`` is what a file's result depends on (default: its content hash).  It is
    asked only for files with a stored result and for the files computed, so a cold run asks
    it after ``compute``."""
    if digest_of is None and ctx.cache is not None:
        digest_of = ctx.cache.file_hash
    if digest_of is None:  # a bucket outside a run's cache: nothing to key it by
        bucket = None
    results: dict[Path, Any] = {}
    todo: list[Path] = []
    for path in ctx.files:
        key = ctx.relative(path)
        cached = (
            bucket.get(key, digest_of(path))
            if bucket is not None and digest_of is not None and key in bucket else None
        )
        if cached is None:
            todo.append(path)
        else:
            results[path] = cached
    hits = len(results)
    ctx.progress(tool, hits, len(ctx.files))
    if todo:
        fresh = compute(todo)
        results.update(fresh)
        if bucket is not None and digest_of is not None:
            for path in todo:
                if fresh[path].get("cache", True):
                    bucket.put(ctx.relative(path), digest_of(path), fresh[path])
    if bucket is not None:
        bucket.save()
    ctx.progress(tool, len(ctx.files), len(ctx.files))
    return results, hits
