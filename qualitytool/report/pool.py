"""Per-file analyses of the report's own runners, cached and spread over worker processes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qualitytool.parallel import SERIAL_THRESHOLD, effective_jobs, worker_pool
from qualitytool.report.cache import CacheBucket
from qualitytool.report.incremental import cached_per_file
from qualitytool.report.model import RunContext

PerFile = Callable[[Path], dict[str, Any]]


def _guarded(func: PerFile, path: Path) -> dict[str, Any]:
    try:
        return func(path)
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop the run
        return {"error": f"internal error: {type(exc).__name__}: {exc}"}


def _chunk(func: PerFile, paths: list[Path]) -> list[dict[str, Any]]:
    return [_guarded(func, p) for p in paths]


def map_cached(
    ctx: RunContext, tool: str, func: PerFile, bucket: CacheBucket | None
) -> tuple[dict[Path, dict[str, Any]], int]:
    """``func`` (top-level, picklable) over the context's files: results and cache hits."""
    return cached_per_file(ctx, tool, bucket, lambda todo: _map(ctx, tool, func, todo))


def analysed(
    ctx: RunContext, results: dict[Path, dict[str, Any]]
) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, str]]]:
    """``map_cached`` results split into (relative path, result) of the files analysed and the
    files that could not be (``{"path", "error"}``, sorted by path)."""
    done: list[tuple[str, dict[str, Any]]] = []
    errors: list[dict[str, str]] = []
    for path, result in results.items():
        relative = ctx.relative(path)
        if "error" in result:
            errors.append({"path": relative, "error": result["error"]})
        else:
            done.append((relative, result))
    return done, sorted(errors, key=lambda e: e["path"])


def _map(ctx: RunContext, tool: str, func: PerFile, todo: list[Path]) -> dict[Path, Any]:
    done = len(ctx.files) - len(todo)
    workers = min(effective_jobs(ctx.config.jobs), max(1, len(todo)))
    computed: list[dict[str, Any]] = []
    if workers == 1 or len(todo) < SERIAL_THRESHOLD:
        for path in todo:
            computed.append(_guarded(func, path))
            ctx.progress(tool, done + len(computed), len(ctx.files))
    else:
        size = max(1, -(-len(todo) // (workers * 8)))
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        # Secondary work started from a runner thread: see worker_pool.
        with worker_pool(workers, background=True) as pool:
            for chunk_results in pool.map(_chunk, [func] * len(chunks), chunks):
                computed.extend(chunk_results)
                ctx.progress(tool, done + len(computed), len(ctx.files))
    # An internal error is not a result worth keeping: the next run tries the file again.
    return {
        path: {**result, "cache": False} if "internal error" in str(result.get("error", ""))
        else result
        for path, result in zip(todo, computed)
    }
