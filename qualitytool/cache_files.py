"""The files of qualitytool's caches in a project's cache folder: where they live, how they
are read and how they are written.

Every cache is JSON, never pickle (a repository may ship a cache, and reading it must not
run anything), read with the cyclic collector paused (the data is acyclic, and the collector
would only rescan it while it is built) and written through a temporary file and a rename.
A cache that is missing, corrupt or unwritable only costs time: nothing here raises.
"""

from __future__ import annotations

import gc
import json
import os
import time
from pathlib import Path
from typing import Any

from qualitytool.config import Config, cache_directory

_GITIGNORE = "# Made by qualitytool: its cache is never committed.\n*\n"
# The folder at the project root where every run keeps its files (caches, run log, evidence).
STATE_FOLDER = ".qualitytool"
_STATE_GITIGNORE = "# Made by qualitytool: what it keeps here is never committed.\n*\n"
# A cache file of other settings (another version, other options) unused this long goes.
STALE_DAYS = 30


def project_cache_file(config: Config, name: str) -> Path | None:
    """``name`` in the cache folder of the project of ``config``; None when that folder
    leads out of the project (a symbolic link shipped with the repository)."""
    directory = cache_directory(config.root, config)
    root = os.path.realpath(config.root)
    if not os.path.realpath(directory).startswith(root.rstrip(os.sep) + os.sep):
        return None
    return directory / name


def read_json(path: Path) -> Any:
    """The data of the cache file ``path``; None when it is missing or unreadable."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        if collecting:
            gc.enable()


def read_table(path: Path, version: str, key: str) -> dict[str, Any]:
    """The table ``key`` of the cache file ``path`` when it is of format ``version``; empty
    when the file is missing, unreadable or of another format or shape."""
    loaded = read_json(path)
    if isinstance(loaded, dict) and loaded.get("format") == version:
        table = loaded.get(key)
        if isinstance(table, dict):
            return table
    return {}


def write_json(path: Path, data: Any, *, sort_keys: bool = False) -> None:
    """Replace the cache file ``path`` with ``data``.  A cache folder made here gets a
    ``.gitignore`` telling git to leave it alone (as ruff's does), so that a run, the
    pre-commit hook, leaves no untracked files behind."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=sort_keys)
    import tempfile  # only a run that changed something writes

    tmp = None
    try:
        directory = path.parent
        if not directory.is_dir():
            directory.mkdir(parents=True)
            (directory / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
        ignore_state_folder(directory)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def ignore_state_folder(directory: Path) -> None:
    """Make the project's ``.qualitytool`` folder, ``directory`` or the one it is in, ignore
    itself (a ``.gitignore`` of ``*``, as ruff's cache does): the run log, the evidence and
    the caches it holds never show in ``git status``.  Made again when a user deleted it."""
    for folder in (directory, *directory.parents):
        if folder.name == STATE_FOLDER:
            marker = folder / ".gitignore"
            if not marker.exists():
                try:
                    marker.write_text(_STATE_GITIGNORE, encoding="utf-8")
                except OSError:  # a read-only checkout: nothing was written there either
                    pass
            return


def prune(directory: Path, pattern: str, keep: Path) -> None:
    """Delete the cache files matching ``pattern`` in ``directory``, other than ``keep``,
    not written for :data:`STALE_DAYS` days: each version and setting has its own file, and
    those of an upgraded version or a setting no longer used would pile up forever."""
    cutoff = time.time() - STALE_DAYS * 86400
    try:
        for other in directory.glob(pattern):
            if other != keep and other.stat().st_mtime < cutoff:
                other.unlink()
    except OSError:
        pass
