"""``check-exceptions``' per-file cache: a file's result is reused while the file is unchanged.

As ruff's cache does, a file counts as unchanged while ``os.stat`` gives the same size,
modification time, change time and inode; nothing is read or parsed for it.  One JSON file
per (qualitytool version and sources, Python version, settings that change findings) holds,
for each absolute path, that stamp and the result: ``[stamp]`` for a file without findings
(most files: the smaller the entry, the faster a warm run loads it), else ``[stamp, error,
findings]`` with the findings or the reason the file cannot be decoded or parsed.  Results
of files that could not be read are never cached.

The cache lives in the project's cache folder (``[tool.qualitytool.report] cache-dir``,
default ``.qualitytool/cache/``; see :mod:`qualitytool.cache_files`).  A forged cache
cannot hide a finding: its stamps would have to match the change times and
inodes of the files on this machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from qualitytool import __version__
from qualitytool.cache_files import project_cache_file, prune, read_table, write_json
from qualitytool.config import Config
from qualitytool.discovery import display_path
from qualitytool.exceptions.checking.prefilter import NOT_PARSED
from qualitytool.findings import FileResult, Finding, Severity

# Bumped when the shape of an entry changes.
_FORMAT = "3"
# An edited checkout (an editable install keeps its version number) must not reuse results
# computed by older code: the key holds the stamp of every module of the package (about a
# hundred stats; a hand-kept list of "the modules that matter" would go stale).
_PACKAGE = Path(__file__).resolve().parents[2]
# The entry of a file that could not hold a broad handler: ``[stamp, "not parsed"]``.
_NOT_PARSED = "not parsed"
_FINDING_FIELDS = tuple(f.name for f in fields(Finding) if f.name != "path")
# The errors that depend on a file's bytes alone (made by ``sources.decode_python`` and
# ``check.parse_text``), after the path: only those are cached, never "cannot read" (a
# permission, an I/O error) nor an internal error.
_CONTENT_ERROR = re.compile(r"(:\d+:\d+)?: (cannot parse|cannot decode|not valid [^ :]+): ")


class FileStamp(tuple[int, int, int, int]):
    """``(size, mtime_ns, ctime_ns, inode)`` of a regular file, from ``os.stat``; equal stamps
    mean an unchanged file.  A plain tuple: one is made per file on every run."""

    __slots__ = ()

    @classmethod
    def of(cls, path: str) -> FileStamp | None:
        """The stamp of the file ``path`` (following links), or None when it is not a
        regular file that can be stat'ed (those are never cached)."""
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        return cls((info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))

    def as_list(self) -> list[int]:
        return list(self)


def settings_key(config: Config, strict: bool, check_syntax: bool = False) -> str:
    """Everything besides a file's bytes that its result depends on, as one short hash."""
    options = config.exceptions
    parts = {
        "format": _FORMAT,
        "qualitytool": __version__,
        "sources": _package_stamps(),
        "python": sys.version,
        "root": str(config.root),
        "critical_paths": list(config.critical_paths),
        "exempt_reraise": options.exempt_reraise,
        "exempt_logged": options.exempt_logged,
        "honour_noqa": options.honour_noqa,
        "logger_objects": list(options.logger_objects),
        "strict": strict,
        "check_syntax": check_syntax,
    }
    text = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _package_stamps() -> list[list[Any]]:
    """``[relative path, size, mtime, ctime, inode]`` of every module and data file of the
    package, sorted (a scandir walk: it runs on every check)."""
    stamps: list[list[Any]] = []
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            with os.scandir(os.path.join(_PACKAGE, relative)) as entries:
                for entry in entries:
                    name = relative + entry.name
                    if entry.is_dir():
                        if entry.name != "__pycache__":
                            pending.append(name + "/")
                    elif entry.name.endswith((".py", ".toml")):
                        info = entry.stat()
                        stamps.append([name, info.st_size, info.st_mtime_ns, info.st_ctime_ns,
                                       info.st_ino])
        except OSError:
            stamps.append([relative, None])
    stamps.sort()
    return stamps


class CheckCache:
    """The cached results of one ``check-exceptions`` setting, by absolute path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._changed = False
        # Most paths are under the working folder: shown without calling display_path.
        self._under_cwd = os.path.join(os.getcwd(), "")
        self._entries: dict[str, Any] = read_table(path, _FORMAT, "files")

    @classmethod
    def for_run(
        cls, config: Config, strict: bool, check_syntax: bool = False
    ) -> CheckCache | None:
        """The cache of a run with this configuration, ``strict`` and ``check_syntax``; None
        when the cache folder leads out of the project (a symbolic link shipped with the
        repository)."""
        name = f"check-exceptions-{settings_key(config, strict, check_syntax)}.json"
        path = project_cache_file(config, name)
        return cls(path) if path is not None else None

    def lookup(self, path: str, stamp: FileStamp) -> FileResult | None:
        """The cached result of the file at absolute ``path`` if it has ``stamp``; None
        when there is none (or it is unusable)."""
        entry = self._entries.get(path)
        if entry.__class__ is not list or not entry or entry[0] != stamp.as_list():
            return None
        rest = path[len(self._under_cwd):] if path.startswith(self._under_cwd) else None
        if rest is not None and os.sep + "." not in os.sep + rest:
            shown = rest.replace(os.sep, "/")
        else:  # "." and ".." need normalising; a folder elsewhere is shown whole
            shown = display_path(path)
        if len(entry) == 1:  # most files: no findings, nothing to build
            return FileResult(shown)
        if len(entry) == 2:
            return FileResult(shown, skipped=NOT_PARSED) if entry[1] == _NOT_PARSED else None
        try:
            _stamp, error, items = entry
            if error is not None:
                if not isinstance(error, str):
                    return None
                return FileResult(path=shown, error=shown + error)
            findings = tuple(_finding(shown, item) for item in items)
        except (TypeError, ValueError):
            return None
        return FileResult(path=shown, findings=findings)

    def store(self, path: str, stamp: FileStamp, result: FileResult) -> None:
        """Remember ``result`` (computed after ``stamp`` was taken) for the file ``path``."""
        entry: list[Any] = [stamp.as_list()]
        if result.skipped == NOT_PARSED:
            entry.append(_NOT_PARSED)
        elif result.error is not None:
            # The path is kept out of the entry: it is shown relative to the working folder.
            suffix = result.error[len(result.path):]
            if not result.error.startswith(result.path) or not _CONTENT_ERROR.match(suffix):
                return
            if "MemoryError" in suffix:  # this machine, now; not the file
                return
            entry += [suffix, []]
        elif result.findings:
            if any(f.fix is not None or f.path != result.path for f in result.findings):
                return
            entry += [None, [_finding_entry(f) for f in result.findings]]
        if self._entries.get(path) != entry:
            self._entries[path] = entry
            self._changed = True

    def save(self) -> None:
        """Write the cache if this run changed it; entries of files that no longer exist are
        dropped.  Failing to write (a read-only project) is not an error."""
        if not self._changed:
            return
        files = {p: e for p, e in self._entries.items() if os.path.exists(p)}
        write_json(self.path, {"format": _FORMAT, "files": files})
        prune(self.path.parent, "check-exceptions-*.json", keep=self.path)


def _finding_entry(finding: Finding) -> dict[str, Any]:
    entry = {name: getattr(finding, name) for name in _FINDING_FIELDS}
    entry["severity"] = finding.severity.value
    return entry


def _finding(path: str, entry: Any) -> Finding:
    if not isinstance(entry, dict) or set(entry) != set(_FINDING_FIELDS):
        raise ValueError("not a cached finding")
    values = dict(entry)
    values["severity"] = Severity(values["severity"])
    if values["fix"] is not None:
        raise ValueError("a cached finding has no fix")
    return Finding(path=path, **values)
