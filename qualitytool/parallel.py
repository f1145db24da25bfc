"""Run a per-file function over many files in worker processes, never crashing the run.

As in LibCST's codemod runner, every file becomes a :class:`FileResult`; an unexpected error
in one file is recorded on that file (with the exception's type and message) and the others
carry on.  Small runs stay in-process: starting workers costs more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from qualitytool.findings import FileResult

# Below this many files, worker start-up costs more than the parallel work saves.
_SERIAL_THRESHOLD = 48


def effective_jobs(jobs: int) -> int:
    """``0`` means one worker per core."""
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def _guarded(func: Callable[[Path], FileResult], path: Path) -> FileResult:
    try:
        return func(path)
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop the run
        return FileResult(
            path=str(path), error=f"internal error: {type(exc).__name__}: {exc}"
        )


def _run_chunk(func: Callable[[Path], FileResult], paths: Sequence[Path]) -> list[FileResult]:
    return [_guarded(func, p) for p in paths]


def map_files(
    func: Callable[[Path], FileResult],
    paths: Sequence[Path],
    jobs: int = 0,
    on_result: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """``func`` over ``paths`` (picklable, top-level ``func``), results in input order."""
    workers = min(effective_jobs(jobs), max(1, len(paths)))
    if workers == 1 or len(paths) < _SERIAL_THRESHOLD:
        results = []
        for path in paths:
            result = _guarded(func, path)
            if on_result is not None:
                on_result(result)
            results.append(result)
        return results
    chunks = _chunks(paths, workers * 8)
    results: list[FileResult] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for chunk_results in pool.map(_run_chunk, [func] * len(chunks), chunks):
            for result in chunk_results:
                if on_result is not None:
                    on_result(result)
                results.append(result)
    return results


def _chunks(items: Sequence[Path], count: int) -> list[list[Path]]:
    size = max(1, -(-len(items) // count))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


