"""Scan files for TODO items: discovery, per-file scanning, categories, occurrence, blame."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from qualitytool.config import Config
from qualitytool.discovery import display_path, iter_file_names
from qualitytool.sources import SourceError
from qualitytool.todos.categories import Categorizer
from qualitytool.todos.category_rules import Thresholds, load_categorizer
from qualitytool.todos.context import FileCode
from qualitytool.todos.decoding import decode_source, may_hold_marker, read_bytes
from qualitytool.todos.file_scan import scan_source
from qualitytool.todos.markers import Markers
from qualitytool.todos.model import ScanResult, TodoItem, normalise_text
from qualitytool.todos.syntax import language_of
from qualitytool.todos.vendored import todo_exclusions

if TYPE_CHECKING:
    from qualitytool.shard import Shard


def categorizer_for(config: Config) -> Categorizer:
    """The built-in category rules extended by the configuration's ``category-rules``."""
    todos = config.todos
    extra = [config.root / name for name in todos.category_rules]
    return load_categorizer(extra, todos.limitation_phrases, Thresholds.of(todos))


# Below this many files one process is faster than starting workers.  The walk stops at
# this many to decide, and walks on beside the workers: the lower, the sooner they start
# (on Django, 414 folders are listed before its 200th file, 1,222 before its 400th).
_PARALLEL_THRESHOLD = 200
# Files per task sent to a worker: tasks go out while discovery still walks, and enough of
# them balance two cores.
_CHUNK_SIZE = 100


@dataclass(frozen=True)
class _ScanTask:
    """What a worker needs to scan its files: small, sent with every chunk."""

    cwd: str  # display paths are relative to this folder (ends with the separator)
    markers: tuple[str, ...]
    tag_words: tuple[str, ...]
    config: Config  # for its category rules


def scan_files(
    files: Iterable[Path | str],
    config: Config,
    *,
    jobs: int | None = None,
    base: Path | None = None,
    background: bool = False,
) -> ScanResult:
    """The categorised items of ``files`` (no blame), sorted by path and line; their paths
    are relative to ``base`` (default: the working directory).

    Large trees are split across processes (``jobs``, default the config's: 0 means one per
    core, this one included), in chunks sent to the workers while ``files`` (which may be
    discovery's generator) still produces; once it is exhausted this process scans the
    chunks no worker has taken yet.  Each process reads, scans and categorises its share
    (forked workers inherit the category rules compiled).  ``background`` workers suit a
    scan started from a thread beside other work (see
    :func:`qualitytool.parallel.worker_pool`).
    """
    names = ((name, language) for name in map(str, files)
             if (language := language_of(name)) is not None)
    head = list(itertools.islice(names, _PARALLEL_THRESHOLD))  # discovery's errors first
    categorizer = categorizer_for(config)
    task = _ScanTask(
        cwd=str((base or Path.cwd()).resolve()).rstrip(os.sep) + os.sep,
        markers=tuple(config.todos.markers),
        tag_words=(*config.todos.limitation_phrases, *categorizer.tag_words),
        config=config,
    )
    workers = 0  # besides this process
    if len(head) == _PARALLEL_THRESHOLD:  # imported only for a tree that needs workers
        from qualitytool.parallel import effective_jobs

        workers = min(effective_jobs(config.jobs if jobs is None else jobs), 8) - 1
    if workers < 1:
        every = [*head, *names]
        items, errors = _scan_and_categorize(task, every)
        scanned = len(every)
    else:
        items, errors, scanned = _scan_in_workers(
            task, itertools.chain(head, names), categorizer, workers, background)
    items.sort(key=lambda i: (i.path, i.line, i.col))
    return ScanResult(items=_with_occurrences(items), files_scanned=scanned,
                      errors=sorted(errors), categories=categorizer.names)


def _scan_in_workers(
    task: _ScanTask, names: Iterator[tuple[str, str]], categorizer: Categorizer, workers: int,
    background: bool,
) -> tuple[list[TodoItem], list[str], int]:
    import multiprocessing

    from qualitytool.parallel import worker_pool

    if not background and multiprocessing.get_start_method() == "fork":
        categorizer.compile()  # once, here: the workers are copies of this process
    items: list[TodoItem] = []
    errors: list[str] = []
    scanned = 0
    with worker_pool(workers, background=background) as pool:
        sent = []
        while chunk := list(itertools.islice(names, _CHUNK_SIZE)):
            sent.append((pool.submit(_scan_and_categorize, task, chunk), chunk))
            scanned += len(chunk)
        # The walk is over: this process scans too, from the last chunk back, each one no
        # worker has taken yet, until it meets theirs.
        while sent and sent[-1][0].cancel():
            chunk_items, chunk_errors = _scan_and_categorize(task, sent.pop()[1])
            items.extend(chunk_items)
            errors.extend(chunk_errors)
        for future, _chunk in sent:
            chunk_items, chunk_errors = future.result()
            items.extend(chunk_items)
            errors.extend(chunk_errors)
    return items, errors, scanned


def _scan_and_categorize(
    task: _ScanTask, files: list[tuple[str, str]]
) -> tuple[list[TodoItem], list[str]]:
    found, errors = _scan_chunk(task, files)
    categorizer = categorizer_for(task.config)
    return [categorizer.apply(item) for item in found], errors


def _scan_chunk(task: _ScanTask, files: list[tuple[str, str]]) -> tuple[list[TodoItem], list[str]]:
    """The items of ``files`` (``(path, language)``) with their code, not categorised yet,
    and the errors of the files that could not be read."""
    markers = _markers(task.markers)
    items: list[TodoItem] = []
    errors: list[str] = []
    for file, language in files:
        try:
            raw = read_bytes(file)
        except SourceError as exc:
            errors.append(str(exc))
            continue
        if not may_hold_marker(raw, language, markers):
            continue  # most files: never decoded
        text = decode_source(raw, file, language)
        code_of: FileCode | None = None
        for item in scan_source(text, language, markers, _display(file, task.cwd), file=file,
                                tag_words=task.tag_words):
            code_of = FileCode(text.splitlines(), language) if code_of is None else code_of
            code = code_of.context(item.line, item.end_line, item.col)
            below = code.after[0] if code.after else ""
            items.append(replace(item, below=below, code=code))
    return items, errors


@functools.lru_cache(maxsize=4)
def _markers(names: tuple[str, ...]) -> Markers:
    return Markers(names)


def _display(file: str, cwd: str) -> str:
    if file.startswith(cwd):
        return file[len(cwd):].replace(os.sep, "/")
    return display_path(file)


def _with_occurrences(items: list[TodoItem]) -> list[TodoItem]:
    """Number items that share file name, context, marker and text, so they stay distinct."""
    seen: Counter[tuple[str, str, str, str]] = Counter()
    numbered = []
    for item in items:
        key = (PurePosixPath(item.path).name, item.context, item.marker, normalise_text(item.text))
        numbered.append(replace(item, occurrence=seen[key]) if seen[key] else item)
        seen[key] += 1
    return numbered


def scan_paths(
    paths: Sequence[Path | str],
    config: Config,
    *,
    blame: bool = True,
    now: dt.datetime | None = None,
    shard: Shard | None = None,
    jobs: int | None = None,
    base: Path | None = None,
    background: bool = False,
) -> ScanResult:
    """Discover the files under ``paths`` the TODO scanner reads (``shard``: its share of
    them), scan them, blame the items.  ``jobs``, ``base`` and ``background`` as for
    :func:`scan_files`."""
    unreadable: list[str] = []
    # Path strings: a Path per file would cost more than the scan of most files.  Without a
    # shard, the files go to the scan as the walk finds them.
    files: Iterable[Path | str] = iter_file_names(
        paths, config, include=config.todos.include,
        on_error=lambda _folder, message: unreadable.append(message),
        exclude=todo_exclusions(config),
    )
    if shard is not None:
        files = shard.select([Path(name) for name in files], config.root)
    result = scan_files(files, config, jobs=jobs, base=base, background=background)
    if unreadable:
        result = replace(result, errors=sorted([*result.errors, *unreadable]))
    if not blame:
        return result
    from qualitytool.todos.blame import blame_items

    items, notes = blame_items(result.items, now=now)
    return replace(result, items=items, notes=[*result.notes, *notes])
