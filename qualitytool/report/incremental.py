"""A tool's per-file results over a run's files: the cached ones, the others computed.

What a file's result depends on is its digest: the file's content hash unless the tool says
otherwise (pylint: the digest of the file's import closure, :mod:`qualitytool.report.imports`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qualitytool.json_schemas import Int, ListOf, Row
from qualitytool.report.cache import CacheBucket, ReportCache
from qualitytool.report.imports import (
    ImportRecord,
    closure_digests,
    file_imports,
    import_graph,
    package_anchor,
)
from qualitytool.report.model import RunContext

# The format of the cached import records (bucket "imports"), and their shape.
_IMPORT_RECORDS = "1"
IMPORT_RECORDS = ListOf(Row((str, Int(0, 1000), ListOf(str))))


def cached_per_file(
    ctx: RunContext,
    tool: str,
    bucket: CacheBucket | None,
    compute: Callable[[list[Path]], dict[Path, Any]],
    *,
    digest_of: Callable[[Path], str] | None = None,
    batch: int | None = None,
) -> tuple[dict[Path, Any], int]:
    """Per-file results of ``tool`` over the context's files: cached ones from ``bucket``, the
    others from ``compute(files)`` (then cached).  Also returns how many came from the cache.

    ``digest_of(path)`` is what a file's result depends on (default: its content hash).  It is
    asked only for files with a stored result and for the files computed, so a cold run asks
    it after ``compute``.  ``batch``: compute at most that many files at a time, each batch
    cached (and its progress told) as soon as it is done, so that a run stopped on a large
    project keeps what it finished."""
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
    size = batch or len(todo) or 1
    for start in range(0, len(todo), size):
        chunk = todo[start:start + size]
        fresh = compute(chunk)
        results.update(fresh)
        if bucket is not None and digest_of is not None:
            for path in chunk:
                if fresh[path].get("cache", True):
                    bucket.put(ctx.relative(path), digest_of(path), fresh[path])
            if start + size < len(todo):
                bucket.save()
        ctx.progress(tool, hits + start + len(chunk), len(ctx.files))
    if bucket is not None:
        bucket.save()
    ctx.progress(tool, len(ctx.files), len(ctx.files))
    return results, hits


def import_closure_digests(ctx: RunContext) -> Callable[[Path], str] | None:
    """The digest of each file's import closure (:mod:`qualitytool.report.imports`), for the
    results of a tool that follows imports; ``None`` when not caching.  The graph is built
    once, on the first digest asked for; the import statements of unchanged files come from
    the cache, so a warm run parses only the files that changed."""
    cache = ctx.cache
    if cache is None:
        return None
    return lambda path: cache.once("import-closure", lambda: _closure_digests(ctx, cache))[path]


def _closure_digests(ctx: RunContext, cache: ReportCache) -> dict[Path, str]:
    bucket = cache.bucket("imports", _IMPORT_RECORDS, "", IMPORT_RECORDS)

    def imports_of(path: Path) -> list[ImportRecord]:
        key, digest = ctx.relative(path), cache.file_hash(path)
        stored = bucket.get(key, digest)
        if stored is None:
            records = file_imports(path)
            bucket.put(key, digest, records)
            return records
        return [(module, level, tuple(names)) for module, level, names in stored]

    graph = import_graph(ctx.files, imports_of, ctx.root)
    bucket.save()

    def identity(path: Path) -> str:
        # The module's name too: adding an __init__.py above a file changes what it is.
        name = path.relative_to(package_anchor(path)).as_posix()
        return f"{ctx.relative(path)}\0{name}\0{cache.file_hash(path)}"

    return closure_digests(graph, identity)
