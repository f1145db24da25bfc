"""The last ``fix-exceptions`` run log: where it is, what it must look like, how it is read
back and written.

``<project root>/.qualitytool/last-fix-exceptions.json`` is what ``fix-exceptions --format
json`` prints (``version`` 1), written by every run for ``qualitytool report``.  It describes
a run on this machine: a run log that git tracks came with the checkout and is not read, nor
is one that is not a regular file under the size cap, one reached through a symbolic link, or
one whose content does not have :data:`RUN_LOG_SHAPE`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qualitytool.atomic_files import atomic_write
from qualitytool.cache_files import ignore_state_folder
from qualitytool.json_schemas import Const, Int, ListOf, MapOf, OneOf, Record, Str, problem
from qualitytool.own_files import MEGABYTE, OwnFileRefused, leads_out, read_own_file, tracked_by_git

RUN_LOG = Path(".qualitytool") / "last-fix-exceptions.json"
RUN_LOG_LIMIT = 256 * MEGABYTE
HANDLER_SHAPE = Record(
    {"path": str, "line": Int(0), "col": Int(0), "kind": str, "critical": bool,
     "outcome": str, "exceptions": ListOf(str), "reason": OneOf(str, None)},
    optional={"unlock": ListOf(str), "exercised": Int(0)},  # not in the logs of older runs
    extra=True,  # what a later version adds; only what the report reads is checked
)
RUN_LOG_SHAPE = Record(
    {"version": Const(1), "handlers": ListOf(HANDLER_SHAPE), "summary": MapOf(Int(0)),
     "errors": ListOf(Record({"path": str, "error": Str()}))},
    optional={"interrupted": bool, "write": bool, "unsafe_fixes": bool},
    extra=True,
)


def read_run_log(root: Path) -> dict[str, Any] | None:
    """The last run log of the project at ``root``; None when there is none.  Raises
    :class:`OwnFileRefused` (one line) when there is one that must not be used."""
    path = root / RUN_LOG
    raw = read_own_file(path, root, RUN_LOG_LIMIT)
    if raw is None:
        return None
    if tracked_by_git(path):
        raise OwnFileRefused(f"{RUN_LOG.as_posix()}: git tracks it (it came with the checkout, "
                             "not from a run on this machine)")
    try:
        log = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise OwnFileRefused(f"{RUN_LOG.as_posix()}: not valid JSON") from exc
    why = problem(log, RUN_LOG_SHAPE)
    if why is not None:
        raise OwnFileRefused(f"{RUN_LOG.as_posix()}: not a run log of fix-exceptions: {why}")
    return dict(log)


def write_run_log(root: Path, text: str) -> Path:
    """Atomically replace the run log of the project at ``root`` with ``text``.  Raises
    ``OSError`` when it cannot be written, :class:`OwnFileRefused` when ``.qualitytool``
    leads out of the project."""
    target = root / RUN_LOG
    reason = leads_out(root, target)
    if reason is not None:
        raise OwnFileRefused(reason)
    target.parent.mkdir(parents=True, exist_ok=True)
    ignore_state_folder(target.parent)
    # A log is for everyone (the umask's permissions); one lost in a crash is written again
    # by the next run.
    atomic_write(target, text.encode("utf-8"), durable=False)
    return target
