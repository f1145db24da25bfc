"""Run a per-file function over many files in worker processes, never crashing the run.

As in LibCST's codemod runner, every file becomes a :class:`FileResult`; an unexpected error
in one file is recorded on that file (with the exception's type and message) and the others
carry on.  Small runs stay in-process: starting workers costs more than it saves.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qualitytool.discovery import display_path
from qualitytool.findings import FileResult

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# Below this many files, worker start-up costs more than the parallel work saves.
_SERIAL_THRESHOLD = 48
# Files per task sent to a worker: small enough to balance two cores over a few dozen
# files, large enough that pickling the task stays negligible.
_CHUNK_SIZE = 4
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


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


class Interrupted(KeyboardInterrupt):
    """SIGINT stopped :func:`map_files`; ``results`` are the files finished before it, in
    input order (a file in flight was finished, or left as it was: writes are atomic)."""

    def __init__(self, results: list[FileResult]) -> None:
        super().__init__()
        self.results = results


def map_files(
    func: Callable[[Path], FileResult],
    paths: Iterable[Path],
    jobs: int = 0,
    on_result: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """``func`` over ``paths`` (picklable, top-level ``func``), results in input order.

    ``paths`` may be a generator: work is sent to the workers while it is still producing
    (discovery overlaps parsing), in small chunks so that both cores stay busy.  SIGINT
    stops the run promptly and raises :class:`Interrupted` with what was finished.
    """
    iterator = iter(paths)
    results: list[FileResult] = []

    def collect(result: FileResult) -> None:
        if on_result is not None:
            on_result(result)
        results.append(result)

    try:
        head = list(itertools.islice(iterator, _SERIAL_THRESHOLD))
        workers = effective_jobs(jobs)
        if workers == 1 or len(head) < _SERIAL_THRESHOLD:
            for path in itertools.chain(head, iterator):
                collect(_guarded(func, path))
            return results
    except KeyboardInterrupt:
        raise Interrupted(results) from None
    with worker_pool(workers) as pool:
        futures: list[Future[list[FileResult]]] = []
        consumed = 0
        try:
            for chunk in _chunks(itertools.chain(head, iterator), _CHUNK_SIZE):
                futures.append(pool.submit(_run_chunk, func, chunk))
            for future in futures:
                chunk_results = future.result()
                consumed += 1
                for result in chunk_results:
                    collect(result)
        except KeyboardInterrupt:
            # Workers ignore SIGINT: drop the chunks not started, finish those in flight.
            for future in futures[consumed:]:
                future.cancel()
            for future in futures[consumed:]:
                if not future.cancelled():
                    for result in future.result():
                        collect(result)
            raise Interrupted(results) from None
    return results


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers ignore SIGINT (the parent decides what an interrupt
    stops) and die with the parent process, even when it is killed with SIGKILL."""
    # Imported here: a run small enough to stay in-process (or served by a cache) should not
    # pay for loading multiprocessing.
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_setup, initargs=(os.getpid(),)
    )


def _worker_setup(parent: int) -> None:
    import ctypes
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    if sys.platform.startswith("linux"):
        try:  # the kernel sends SIGTERM when the parent dies, however it dies
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
    # Elsewhere (and in case the parent died before prctl): watch the parent's pid.
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def _terminated(_signum: int, _frame: object) -> None:
    # The temporary file of a write in flight is removed; the file it would have replaced
    # is untouched.  os._exit: the pool's queues would block on a dead parent.  A worker that
    # never loaded the writer has nothing in flight (and a signal handler must not import).
    sources = sys.modules.get("qualitytool.sources")
    if sources is not None:
        sources.discard_temporary_files()
    os._exit(128 + signal.SIGTERM)


def _chunks(items: Iterable[Path], size: int) -> Iterator[list[Path]]:
    chunk: list[Path] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
