"""Evidence as data: what each watched ``try`` statement's handlers caught while tests ran.

``.qualitytool/evidence.json`` holds one entry per ``try`` statement with a broad handler,
keyed by its path (relative to the project root) and fingerprint.  Runs accumulate: counts add
up, the first example test of a class is kept, and entries whose statement no longer exists
(the fingerprint is gone from the file) are dropped.

An evidence file is data from a stranger (it may come with the checkout, or from a CI job
that ran the project's tests): it is read only as a regular file under a size cap, checked
against :data:`FILE_SHAPE` (the names code will be written with must be dotted Python names),
and refused whole with one line when anything is off.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from qualitytool.atomic_files import atomic_write
from qualitytool.cache_files import ignore_state_folder
from qualitytool.json_schemas import DOTTED, Const, Int, ListOf, MapOf, OneOf, Record, Str, problem
from qualitytool.own_files import (
    MEGABYTE,
    OwnFileRefused,
    leads_out,
    read_own_file,
    read_regular_file,
)

FORMAT_VERSION = 1
DEFAULT_PATH = Path(".qualitytool") / "evidence.json"
EVIDENCE_LIMIT = 256 * MEGABYTE
# How an evidence file must look (what ``to_json`` writes).  ``class`` and ``mro`` are the
# names classes report at run time (a local class's holds ``<locals>``); ``spelled``, how code
# can name the class, is written into rewritten handlers: a dotted Python name or nothing.
OBSERVED_SHAPE = Record({
    "class": Str(min_len=1, max_len=1000), "spelled": OneOf(DOTTED, None),
    "mro": ListOf(Str(min_len=1, max_len=1000), max_items=1000), "count": Int(0),
    "example": OneOf(Str(max_len=10_000), None),
})
ENTRY_SHAPE = Record({
    "path": Str(min_len=1, max_len=10_000), "line": Int(1), "fingerprint": Str(max_len=200),
    "handler_lines": ListOf(Int(1), max_items=10_000), "runs": Int(0),
    "caught": ListOf(OBSERVED_SHAPE, max_items=10_000),
})
FILE_SHAPE = Record({
    "version": Const(FORMAT_VERSION),
    "runs": ListOf(MapOf(OneOf(Str(max_len=100_000), Int(), ListOf(str), None))),
    "handlers": ListOf(ENTRY_SHAPE),
})


class EvidenceError(Exception):
    """An evidence file cannot be read; the message is one line meant for users."""


@dataclass(frozen=True)
class ObservedClass:
    """One exception class a ``try`` statement's handlers received."""

    name: str  # ``module.qualname`` as the class reports itself (json.decoder.JSONDecodeError)
    spelled: str | None  # how code can import it (json.JSONDecodeError); None: a local class
    lineage: tuple[str, ...]  # ``module.qualname`` of the class and its bases, ``object`` left out
    count: int
    example: str | None  # a test id that raised it

    def to_dict(self) -> dict[str, object]:
        return {
            "class": self.name, "spelled": self.spelled, "mro": list(self.lineage),
            "count": self.count, "example": self.example,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ObservedClass:
        return cls(
            name=str(data["class"]),
            spelled=None if data.get("spelled") is None else str(data["spelled"]),
            lineage=tuple(str(m) for m in data.get("mro") or ()),  # type: ignore[attr-defined]
            count=int(data.get("count") or 0),  # type: ignore[call-overload]
            example=None if data.get("example") is None else str(data["example"]),
        )


@dataclass(frozen=True)
class TryEvidence:
    """What the tests showed of one ``try`` statement with a broad handler."""

    path: str  # relative to the project root, with ``/``
    line: int  # of the ``try``, when last recorded
    fingerprint: str
    handler_lines: tuple[int, ...]
    runs: int  # how often the ``try`` body started
    caught: tuple[ObservedClass, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path, "line": self.line, "fingerprint": self.fingerprint,
            "handler_lines": list(self.handler_lines), "runs": self.runs,
            "caught": [c.to_dict() for c in self.caught],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> TryEvidence:
        return cls(
            path=str(data["path"]),
            line=int(data["line"]),  # type: ignore[call-overload]
            fingerprint=str(data["fingerprint"]),
            handler_lines=tuple(int(x) for x in data.get("handler_lines") or ()),  # type: ignore[attr-defined]
            runs=int(data.get("runs") or 0),  # type: ignore[call-overload]
            caught=tuple(
                ObservedClass.from_dict(c) for c in data.get("caught") or ()  # type: ignore[attr-defined]
            ),
        )

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.fingerprint)


@dataclass(frozen=True)
class Evidence:
    entries: tuple[TryEvidence, ...] = ()
    runs: tuple[Mapping[str, object], ...] = ()  # one record per ``evidence run``
    dropped: int = field(default=0, compare=False)  # stale entries dropped by the last merge

    def to_json(self) -> str:
        data = {
            "version": FORMAT_VERSION,
            "runs": list(self.runs),
            "handlers": [e.to_dict() for e in sorted(self.entries, key=lambda e: (e.path, e.line))],
        }
        return json.dumps(data, indent=2) + "\n"

    def for_file(self, path: Path) -> dict[str, TryEvidence]:
        """Fingerprint -> entry for one file.  Entries hold paths relative to the root of the
        recording run; the longest one ``path`` ends with is taken, so that evidence recorded
        in another checkout (a CI job's artifact) or from another folder still applies."""
        parts = path.resolve().parts
        for start in range(len(parts)):
            found = self._by_path.get("/".join(parts[start:]))
            if found is not None:
                return dict(found)
        return {}

    @functools.cached_property
    def _by_path(self) -> dict[str, dict[str, TryEvidence]]:
        found: dict[str, dict[str, TryEvidence]] = {}
        for entry in self.entries:
            found.setdefault(entry.path, {})[entry.fingerprint] = entry
        return found


def load(path: Path, root: Path | None = None) -> Evidence:
    """The evidence file ``path``; ``root``: it is the project's own (``.qualitytool/``),
    read only inside the project and never through a symbolic link.  Raises
    :class:`EvidenceError` with one line when it cannot be read or is not an evidence file."""
    try:
        raw = (read_own_file(path, root, EVIDENCE_LIMIT) if root is not None
               else read_regular_file(path, EVIDENCE_LIMIT, follow=True))
    except OwnFileRefused as exc:
        raise EvidenceError(f"{exc}; not read") from exc
    if raw is None:
        raise EvidenceError(f"{path}: cannot read: No such file or directory")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise EvidenceError(f"{path}: not an evidence file: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise EvidenceError(
            f"{path}: not an evidence file of format {FORMAT_VERSION} "
            "(written by `qualitytool evidence run`)"
        )
    why = problem(data, FILE_SHAPE)
    if why is not None:
        raise EvidenceError(f"{path}: not an evidence file: {why}")
    entries = tuple(TryEvidence.from_dict(e) for e in data["handlers"])
    return Evidence(entries=entries, runs=tuple(data["runs"]))


def save(path: Path, evidence: Evidence, root: Path | None = None) -> None:
    """Write ``evidence`` to ``path`` atomically; ``root``: ``path`` is the project's own
    file, never written through a symbolic link below the project root."""
    if root is not None:
        reason = leads_out(root, path)
        if reason is not None:
            raise EvidenceError(f"{reason}; the evidence is not written")
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore_state_folder(path.parent)  # the default place, <root>/.qualitytool/
    atomic_write(path, evidence.to_json().encode("utf-8"), through_links=True)


def _merge_caught(
    old: Iterable[ObservedClass], new: Iterable[ObservedClass]
) -> tuple[ObservedClass, ...]:
    merged: dict[str, ObservedClass] = {c.name: c for c in old}
    for observed in new:
        before = merged.get(observed.name)
        if before is None:
            merged[observed.name] = observed
        else:
            merged[observed.name] = replace(
                before, count=before.count + observed.count,
                example=before.example or observed.example,
                spelled=before.spelled or observed.spelled,
            )
    return tuple(sorted(merged.values(), key=lambda c: (-c.count, c.name)))


def merge(
    old: Evidence,
    new: Evidence,
    current: Mapping[tuple[str, str], int],
    looked_at: Callable[[str], bool | None],
) -> Evidence:
    """``old`` plus ``new``.  ``current`` maps every (path, fingerprint) found now to its
    ``try`` line; ``looked_at(path)`` says whether this run read that file (None: it was not
    among the paths given but still exists).  Entries of ``old`` whose statement is gone are
    dropped and counted; entries of files this run did not read are kept as they were."""
    combined: dict[tuple[str, str], TryEvidence] = {}
    dropped = 0
    for entry in old.entries:
        line = current.get(entry.key)
        if line is None:
            if looked_at(entry.path) is None:
                combined[entry.key] = entry
            else:
                dropped += 1
            continue
        combined[entry.key] = replace(entry, line=line)
    for entry in new.entries:
        before = combined.get(entry.key)
        if before is None:
            combined[entry.key] = entry
        else:
            combined[entry.key] = replace(
                entry, runs=before.runs + entry.runs,
                caught=_merge_caught(before.caught, entry.caught),
            )
    return Evidence(entries=tuple(combined.values()), runs=old.runs + new.runs, dropped=dropped)
