"""Worker processes: the one process pool of qualitytool, and :func:`map_files` over it.

As in LibCST's codemod runner, every file becomes a :class:`FileResult`; an unexpected error
in one file is recorded on that file (with the exception's type and message) and the others
carry on.  Small runs stay in-process: starting workers costs more than it saves.

:func:`worker_pool` is the only place that starts worker processes (``check-exceptions``,
``fix-exceptions``, the TODO scanner and the report's per-file analyses all use it): its
workers die with the parent, and in ``background`` they yield the CPU.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from qualitytool.atomic_files import discard_temporary_files
from qualitytool.discovery import display_path
from qualitytool.gc_tuning import GC_THRESHOLDS

if TYPE_CHECKING:  # imported where a result is made: the TODO scan's workers need none
    from qualitytool.findings import FileResult

# Below this many files, worker start-up costs more than the parallel work saves.
SERIAL_THRESHOLD = 48
# Files per task sent to a worker: small enough to balance two cores over a few dozen
# files, large enough that pickling the task stays negligible.
_CHUNK_SIZE = 4
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# The niceness of secondary work (the report's per-file analyses): the slowest tool keeps the
# CPU it wants and the rest fill the gaps around it.
BACKGROUND_NICENESS = 10


def lower_priority(pid: int = 0) -> None:
    """Make process ``pid`` (0: this one) yield the CPU to normal-priority work, where the OS
    allows it; its children inherit the priority."""
    if hasattr(os, "setpriority"):
        try:
            current = os.getpriority(os.PRIO_PROCESS, pid)
            os.setpriority(os.PRIO_PROCESS, pid, max(current, BACKGROUND_NICENESS))
        except OSError:  # gone already, or not ours to change: a speed hint, never an error
            pass


def effective_jobs(jobs: int) -> int:
    """``0`` means one worker per core."""
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def _guarded(func: Callable[[Path], FileResult], path: Path) -> FileResult:
    try:
        return func(path)
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop the run
        from qualitytool.findings import FileResult

        # One line naming the file: some messages (LibCST's) span many lines.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if isinstance(exc, RecursionError):  # valid code nested deeper than the analysis goes
            return FileResult(path=display_path(path), error=f"{display_path(path)}: cannot "
                              f"analyse: nested too deeply (RecursionError: {first})")
        error = f"{display_path(path)}: internal error: {type(exc).__name__}: {first}"
        return FileResult(path=display_path(path), error=error.rstrip(": "))


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
        head = list(itertools.islice(iterator, SERIAL_THRESHOLD))
        workers = effective_jobs(jobs)
        if workers == 1 or len(head) < SERIAL_THRESHOLD:
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


def worker_pool(workers: int, *, background: bool = False) -> ProcessPoolExecutor:
    """A process pool whose workers die with the parent process, even when it is killed
    with SIGKILL, and ignore SIGINT (the parent decides what an interrupt stops).

    ``background`` is for read-only work started from the report's runner threads, beside
    the tools: the workers come from a fork server (forking a threaded process can copy a
    lock another thread holds, an import lock say, into the child), run at a lower CPU
    priority, collect garbage less often (parsing allocates many objects that are not
    garbage) and stop on SIGINT as the tools do.
    """
    if background:
        # The workers' parent is the fork server, which exits when this process does.
        context = multiprocessing.get_context("forkserver")
        _start_helpers_off_the_working_folder(context)
        return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                   initializer=_worker_setup, initargs=(os.getpid(), True))
    _start_helpers_off_the_working_folder(multiprocessing.get_context())
    return ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_setup, initargs=(os.getpid(), False)
    )


_HELPERS = threading.Lock()


def _start_helpers_off_the_working_folder(context: multiprocessing.context.BaseContext) -> None:
    """Start multiprocessing's helper processes (the fork server, the resource tracker)
    without the working folder on their ``sys.path``.

    They start as ``python -c ...``, which puts the working folder (the analysed project)
    first on ``sys.path`` before the first import: a project with a ``locale.py`` at its root
    had it imported, and run, by both.  ``PYTHONSAFEPATH`` (Python 3.11+) keeps it off; it
    is set only while they start (the tests ``evidence run`` starts must see the usual
    ``sys.path``), and the workers, started later by the fork server, inherit its path.
    """
    if context.get_start_method() == "fork":
        return  # forked workers are copies of this process: nothing starts from scratch
    with _HELPERS:
        previous = os.environ.get("PYTHONSAFEPATH")
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
            if context.get_start_method() == "forkserver":
                from multiprocessing import forkserver

                forkserver.ensure_running()
        finally:
            if previous is None:
                del os.environ["PYTHONSAFEPATH"]
            else:
                os.environ["PYTHONSAFEPATH"] = previous


def _worker_setup(parent: int, background: bool) -> None:
    if background:
        import gc

        lower_priority()
        gc.set_threshold(*GC_THRESHOLDS)
    else:  # background workers only read: Ctrl-C stops them at once, with the tools beside
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)
    if background:
        # The worker's parent is the fork server, which lives as long as any of its children
        # (each holds its liveness pipe): watch the process that made the pool instead.
        started = _start_time(parent)
        threading.Thread(target=_watch_process, args=(parent, started), daemon=True).start()
        return
    if sys.platform.startswith("linux"):
        try:  # the kernel sends SIGTERM when the parent dies, however it dies
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
    # Elsewhere (and in case the parent died before prctl): watch the parent's pid.
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def _watch_process(pid: int, started: str | None) -> None:
    while _start_time(pid) == started is not None:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def _start_time(pid: int) -> str | None:
    """What identifies a running process ``pid`` (its start time on Linux), or None when it
    is gone (or a zombie: dead, not yet reaped)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(") ", 1)[1].split()
    except OSError:  # gone, or no /proc (macOS): whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "" if not os.path.isdir("/proc") else None
    return None if fields[0] == "Z" else fields[19]  # state, starttime (man 5 proc)


def _terminated(_signum: int, _frame: object) -> None:
    # The temporary file of a write in flight is removed; the file it would have replaced
    # is untouched.  os._exit: the pool's queues would block on a dead parent.
    discard_temporary_files()
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
