"""Scan files for TODO items: discovery, per-file scanning, categories, occurrence, blame."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from qualitytool.config import Config
from qualitytool.discovery import discover_files, display_path
from qualitytool.sources import SourceError
from qualitytool.todos.categories import Categorizer, load_categorizer
from qualitytool.todos.model import ScanResult, TodoItem, normalise_text
from qualitytool.todos.scanner import Markers, language_of, read_text, scan_source


def categorizer_for(config: Config) -> Categorizer:
    """The built-in category rules extended by the configuration's ``category-rules``."""
    extra = [config.root / name for name in config.todos.category_rules]
    return load_categorizer(extra, config.todos.limitation_phrases)


def scan_files(
    files: Sequence[Path], config: Config, categorizer: Categorizer | None = None
) -> ScanResult:
    """The categorised items of ``files`` (no blame), sorted by path and line."""
    categorizer = categorizer or categorizer_for(config)
    markers = Markers(tuple(config.todos.markers))
    tag_words = tuple(config.todos.limitation_phrases)
    items: list[TodoItem] = []
    errors: list[str] = []
    scanned = 0
    # display_path() resolves the working directory on every call; once is enough here.
    cwd = str(Path.cwd().resolve()).rstrip(os.sep) + os.sep
    for file in files:
        language = language_of(file)
        if language is None:
            continue
        scanned += 1
        try:
            text = read_text(file, language)
        except SourceError as exc:
            errors.append(str(exc))
            continue
        for item in scan_source(
            text, language, markers, _display(str(file), cwd), file=str(file),
            tag_words=tag_words,
        ):
            category, resolution = categorizer.classify(item)
            items.append(replace(item, category=category, resolution=resolution))
    items.sort(key=lambda i: (i.path, i.line, i.col))
    return ScanResult(items=_with_occurrences(items), files_scanned=scanned, errors=errors)


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
) -> ScanResult:
    """Discover the files under ``paths`` the TODO scanner reads, scan them, blame the items."""
    files = discover_files(paths, config, include=config.todos.include)
    result = scan_files(files, config)
    if not blame:
        return result
    from qualitytool.todos.blame import blame_items

    items, notes = blame_items(result.items, now=now)
    return replace(result, items=items, notes=[*result.notes, *notes])
