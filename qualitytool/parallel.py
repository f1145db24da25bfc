"""Run a per-file function over many files in worker processes, never crashing the run.

As in LibCST's codemod runner, every file becomes a :class:`FileResult`; an unexpected error
in one file is recorded on that file (with the exception's type and message) and the others
carry on.  Small runs stay in-process: starting workers costs more than it saves.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from qualitytool.discovery import display_path
from qualitytool.findings import FileResult

# Below this many files, worker start-up costs more than the parallel work saves.
_SERIAL_THRESHOLD = 48
# Files per task sent to a worker: small enough to balance two cores over a few dozen
# files, large enough that pickling the task stays negligible.
_CHUNK_SIZE = 4


def effective_jobs(jobs: int) -> int:
    """``0`` means one worker per core."""
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def _guarded(func: Callable[[Path], FileResult], path: Path) -> FileResult:
    try:
        return func(path)
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop the run
        # One line naming the file: some messages (LibCST's) span many lines.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return FileResult(
            path=display_path(path),
            error=f"{display_path(path)}: internal error: {type(exc).__name__}: {first}".rstrip(": "),
        )


def _run_chunk(func: Callable[[Path], FileResult], paths: Sequence[Path]) -> list[FileResult]:
    return [_guarded(func, p) for p in paths]


def map_files(
    func: Callable[[Path], FileResult],
    paths: Iterable[Path],
    jobs: int = 0,
    on_result: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """``func`` over ``paths`` (picklable, top-level ``func``), results in input order.

    ``paths`` may be a generator: work is sent to the workers while it is still producing
    (discovery overlaps parsing), in small chunks so that both cores stay busy.
    """
    iterator = iter(paths)
    head = list(itertools.islice(iterator, _SERIAL_THRESHOLD))
    workers = effective_jobs(jobs)
    results: list[FileResult] = []
    if workers == 1 or len(head) < _SERIAL_THRESHOLD:
        for path in itertools.chain(head, iterator):
            result = _guarded(func, path)
            if on_result is not None:
                on_result(result)
            results.append(result)
        return results
    from concurrent.futures import ProcessPoolExecutor  # only runs big enough need it

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(_run_chunk, func, chunk)
            for chunk in _chunks(itertools.chain(head, iterator), _CHUNK_SIZE)
        ]
        for future in futures:
            for result in future.result():
                if on_result is not None:
                    on_result(result)
                results.append(result)
    return results


def _chunks(items: Iterable[Path], size: int) -> Iterator[list[Path]]:
    chunk: list[Path] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
