"""Scan files for TODO items: discovery, per-file scanning, categories, occurrence, blame."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from qualitytool.config import Config
from qualitytool.discovery import display_path, iter_file_names
from qualitytool.parallel import effective_jobs, worker_pool
from qualitytool.shard import Shard
from qualitytool.sources import SourceError
from qualitytool.todos.categories import Categorizer
from qualitytool.todos.category_rules import Thresholds, load_categorizer
from qualitytool.todos.context import FileCode
from qualitytool.todos.decoding import decode_source, read_bytes
from qualitytool.todos.file_scan import scan_source
from qualitytool.todos.markers import Markers
from qualitytool.todos.model import ScanResult, TodoItem, normalise_text
from qualitytool.todos.syntax import language_of, uses_hash_comments_only
from qualitytool.todos.vendored import todo_exclusions


def categorizer_for(config: Config) -> Categorizer:
    """The built-in category rules extended by the configuration's ``category-rules``."""
    todos = config.todos
    extra = [config.root / name for name in todos.category_rules]
    return load_categorizer(extra, todos.limitation_phrases, Thresholds.of(todos))


# Below this many files one process is faster than starting workers.
_PARALLEL_THRESHOLD = 400


def scan_files(
    files: Sequence[Path | str],
    config: Config,
    *,
    jobs: int | None = None,
    base: Path | None = None,
    background: bool = False,
) -> ScanResult:
    """The categorised items of ``files`` (no blame), sorted by path and line; their paths
    are relative to ``base`` (default: the working directory).

    Large trees are split across worker processes (``jobs``, default the config's: 0 means
    one per core); each worker reads, scans and categorises its share.  ``background``
    workers suit a scan started from a thread beside other work (see
    :func:`qualitytool.parallel.worker_pool`).
    """
    names = [(name, language) for name in map(str, files)
             if (language := language_of(name)) is not None]
    cwd = str((base or Path.cwd()).resolve()).rstrip(os.sep) + os.sep
    workers = min(effective_jobs(config.jobs if jobs is None else jobs), 8)
    if workers <= 1 or len(names) < _PARALLEL_THRESHOLD:
        items, errors = _scan_chunk(config, cwd, names)
    else:
        chunks = [names[i::workers * 4] for i in range(workers * 4)]
        items, errors = [], []
        with worker_pool(workers, background=background) as pool:
            for chunk_items, chunk_errors in pool.map(
                _scan_chunk, [config] * len(chunks), [cwd] * len(chunks), chunks
            ):
                items.extend(chunk_items)
                errors.extend(chunk_errors)
    items.sort(key=lambda i: (i.path, i.line, i.col))
    return ScanResult(items=_with_occurrences(items), files_scanned=len(names),
                      errors=sorted(errors), categories=categorizer_for(config).names)


def _scan_chunk(
    config: Config, cwd: str, files: list[tuple[str, str]]
) -> tuple[list[TodoItem], list[str]]:
    categorizer = categorizer_for(config)
    markers = Markers(tuple(config.todos.markers))
    tag_words = (*config.todos.limitation_phrases, *categorizer.tag_words)
    items: list[TodoItem] = []
    errors: list[str] = []
    for file, language in files:
        try:
            raw = read_bytes(file)
        except SourceError as exc:
            errors.append(str(exc))
            continue
        if not markers.in_bytes(raw, uses_hash_comments_only(language)):
            continue  # most files: never decoded
        text = decode_source(raw, file, language)
        code_of: FileCode | None = None
        for item in scan_source(text, language, markers, _display(file, cwd), file=file,
                                tag_words=tag_words):
            code_of = FileCode(text.splitlines(), language) if code_of is None else code_of
            code = code_of.context(item.line, item.end_line, item.col)
            below = code.after[0] if code.after else ""
            items.append(categorizer.apply(replace(item, below=below, code=code)))
    return items, errors


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
    # Path strings: a Path per file would cost more than the scan of most files.
    files: Sequence[Path | str] = list(iter_file_names(
        paths, config, include=config.todos.include,
        on_error=lambda _folder, message: unreadable.append(message),
        exclude=todo_exclusions(config),
    ))
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
