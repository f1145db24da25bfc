"""The knowledge base: which callables and operations raise which exceptions.

Knowledge is data.  It lives in ``rules/exceptions/*.toml`` (shipped) and in the files a
project lists under ``[tool.qualitytool.exceptions] knowledge-bases`` (loaded afterwards, so a
project can override or extend any entry).  The format::

    [[callable]]
    name = "json.loads"                 # fully-qualified; builtins as "builtins.int";
                                        # methods as "sqlite3.Connection.execute"
    raises = ["ValueError", "TypeError"]  # qualified names; builtin exceptions unqualified
    closed = true                       # true: nothing else worth catching can escape;
                                        # false: these and possibly others (an open set)
    returns = "json.Any"                # optional: type of the result, for local typing
                                        # ("re.Match | None" when it may be None)
    dispatch = "scalars"                # optional: it runs its arguments' special methods
                                        # (str, sorted, "".join): closed only for arguments
                                        # of builtin scalar types ("builtins": any builtin)
    source = "https://docs.python.org/3/library/json.html#json.loads"  # required
    note = "JSONDecodeError is a ValueError; TypeError for non-str input"  # optional

    [[operation]]                       # language operations, same fields
    name = "subscript"

    [[exception]]                       # third-party exception classes we cannot import:
    name = "requests.RequestException"  # their bases, so that narrowing can drop a class
    bases = ["OSError"]                 # already covered by its base
    source = "https://requests.readthedocs.io/en/latest/api/#exceptions"

Policy for ``raises``: everything the call raises for arguments of the documented types,
whatever their values (``OSError``, ``ValueError`` for an embedded null byte, ...), naming the
documented base class rather than a narrow subclass.  ``TypeError`` is listed where calling
with data of the wrong type is an everyday input condition (``int(None)``,
``json.loads(None)``), not for every wrong-type programming error.

A callable that is not in the knowledge base has an *unknown* answer.  ``raises = []`` with
``closed = true`` marks a call that cannot raise anything worth catching (``len``,
``isinstance``, logging calls).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class KnowledgeBaseError(Exception):
    """A knowledge-base file is unreadable or an entry is malformed (names file and entry)."""


@dataclass(frozen=True)
class RaiseSpec:
    """What one callable or operation can raise."""

    name: str
    raises: tuple[str, ...]
    closed: bool
    source: str
    returns: str | None = None
    note: str = ""
    origin: str = ""  # the file the entry came from
    # "scalars" / "builtins": the callable runs special methods of its arguments
    # (``str(x)`` runs ``x.__str__``); ``raises`` then holds only for arguments of builtin
    # scalar types / of any builtin type, and the answer is open for other arguments.
    dispatch: str | None = None


@dataclass(frozen=True)
class ExceptionSpec:
    """A (third-party) exception class and its direct bases."""

    name: str
    bases: tuple[str, ...]
    source: str
    note: str = ""


@dataclass(frozen=True)
class ClassSpec:
    """A library class whose methods share one contract (``[[class]]``)."""

    name: str
    raises: tuple[str, ...]
    closed: bool
    source: str
    methods: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)
    subclasses: bool = False
    note: str = ""
    origin: str = ""

    def method_spec(self, method: str) -> RaiseSpec:
        return RaiseSpec(
            name=f"{self.name}.{method}", raises=self.raises, closed=self.closed,
            source=self.source, returns=self.methods.get(method) or None, note=self.note,
            origin=self.origin,
        )


@dataclass(frozen=True)
class KnowledgeBase:
    """Callables and operations by fully-qualified name."""

    callables: Mapping[str, RaiseSpec] = field(default_factory=dict)
    operations: Mapping[str, RaiseSpec] = field(default_factory=dict)
    exceptions: Mapping[str, ExceptionSpec] = field(default_factory=dict)
    classes: Mapping[str, ClassSpec] = field(default_factory=dict)
    packages: Mapping[str, RaiseSpec] = field(default_factory=dict)

    def class_entry(self, qualified_class: str) -> ClassSpec | None:
        return self.classes.get(qualified_class)

    def package_entry(self, qualified_callable: str) -> RaiseSpec | None:
        parts = qualified_callable.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            spec = self.packages.get(".".join(parts[:cut]))
            if spec is not None:
                return spec
        return None

    def lookup(self, qualified_name: str) -> RaiseSpec | None:
        """The entry for a callable, or ``None`` when we know nothing about it."""
        return self.callables.get(qualified_name)

    def operation(self, name: str) -> RaiseSpec | None:
        return self.operations.get(name)


_KINDS = ("callable", "operation")
_FIELDS = {"name", "raises", "closed", "returns", "source", "note", "dispatch"}
_DISPATCH = ("scalars", "builtins")


def _common_fields(
    entry: Any, where: str, fields: set[str], names: str
) -> tuple[dict[str, Any], str, str, str]:
    """Checks shared by every entry kind: a table of known keys with a ``name``, a ``names``
    list of strings, a cited ``source`` and an optional ``note``.  Returns the table, name,
    source and note."""
    if not isinstance(entry, dict):
        raise KnowledgeBaseError(f"{where}: must be a table")
    unknown = set(entry) - fields
    if unknown:
        raise KnowledgeBaseError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise KnowledgeBaseError(f"{where}: 'name' must be a non-empty string")
    listed = entry.get(names)
    if not isinstance(listed, list) or not all(isinstance(r, str) and r for r in listed):
        raise KnowledgeBaseError(f"{where} ({name}): '{names}' must be a list of strings")
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise KnowledgeBaseError(f"{where} ({name}): 'source' is required (cite the docs)")
    note = entry.get("note", "")
    if not isinstance(note, str):
        raise KnowledgeBaseError(f"{where} ({name}): 'note' must be a string")
    return entry, name, source, note


def _parse_entry(entry: Any, where: str) -> RaiseSpec:
    table, name, source, note = _common_fields(entry, where, _FIELDS, "raises")
    closed = table.get("closed")
    if not isinstance(closed, bool):
        raise KnowledgeBaseError(f"{where} ({name}): 'closed' must be true or false")
    returns = table.get("returns")
    if returns is not None and not isinstance(returns, str):
        raise KnowledgeBaseError(f"{where} ({name}): 'returns' must be a string")
    dispatch = table.get("dispatch")
    if dispatch is not None and dispatch not in _DISPATCH:
        raise KnowledgeBaseError(
            f"{where} ({name}): 'dispatch' must be one of {', '.join(_DISPATCH)}"
        )
    return RaiseSpec(
        name=name,
        raises=tuple(table["raises"]),
        closed=closed,
        source=source,
        returns=returns,
        note=note,
        origin=where.split(":", 1)[0],
        dispatch=dispatch,
    )


def _parse_exception(entry: Any, where: str) -> ExceptionSpec:
    table, name, source, note = _common_fields(
        entry, where, {"name", "bases", "source", "note"}, "bases"
    )
    return ExceptionSpec(name=name, bases=tuple(table["bases"]), source=source, note=note)


def parse_exception_classes(text: str, origin: str) -> list[ExceptionSpec]:
    """The ``[[exception]]`` entries of one TOML document."""
    data = tomllib.loads(text)
    entries = data.get("exception", [])
    if not isinstance(entries, list):
        raise KnowledgeBaseError(f"{origin}: 'exception' must be an array of tables")
    return [
        _parse_exception(entry, f"{origin}: exception[{index}]")
        for index, entry in enumerate(entries)
    ]


def parse_knowledge(text: str, origin: str) -> dict[str, list[RaiseSpec]]:
    """Entries of one TOML document, by kind."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeBaseError(f"{origin}: invalid TOML: {exc}") from exc
    unknown = set(data) - set(_KINDS) - {"meta", "exception"}
    if unknown:
        raise KnowledgeBaseError(f"{origin}: unknown table(s) {', '.join(sorted(unknown))}")
    parsed: dict[str, list[RaiseSpec]] = {kind: [] for kind in _KINDS}
    for kind in _KINDS:
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            raise KnowledgeBaseError(f"{origin}: '{kind}' must be an array of tables")
        for index, entry in enumerate(entries):
            parsed[kind].append(_parse_entry(entry, f"{origin}: {kind}[{index}]"))
    return parsed


def builtin_knowledge_files() -> list[tuple[str, str]]:
    """(name, text) of every shipped knowledge-base file, in name order."""
    folder = resources.files("qualitytool.rules").joinpath("exceptions")
    files = []
    if folder.is_dir():
        for item in folder.iterdir():
            if item.name.endswith(".toml"):
                files.append((f"rules/exceptions/{item.name}", item.read_text(encoding="utf-8")))
    return sorted(files)


def load_knowledge_base(extra_files: Iterable[Path] = ()) -> KnowledgeBase:
    """The shipped knowledge base, then ``extra_files`` on top (later entries win)."""
    sources = builtin_knowledge_files()
    for path in extra_files:
        try:
            sources.append((str(path), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise KnowledgeBaseError(f"{path}: cannot read knowledge base: {exc}") from exc
    callables: dict[str, RaiseSpec] = {}
    operations: dict[str, RaiseSpec] = {}
    exceptions: dict[str, ExceptionSpec] = {}
    for origin, text in sources:
        parsed = parse_knowledge(text, origin)
        callables.update((spec.name, spec) for spec in parsed["callable"])
        operations.update((spec.name, spec) for spec in parsed["operation"])
        exceptions.update((spec.name, spec) for spec in parse_exception_classes(text, origin))
    return KnowledgeBase(callables=callables, operations=operations, exceptions=exceptions)
