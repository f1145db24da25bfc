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
    wrong_types = ["TypeError"]         # optional: what an argument of the wrong type
                                        # raises; added when the inference cannot see the
                                        # type of every argument (or one may be None)
    parameters = ["s", "cls"]           # optional: the parameters, in order ("self": the
                                        # object a method is called on; "*args": variadic)
    arguments = { s = ["RecursionError"] }  # optional: what some values of a parameter
                                        # raise; added when its argument is not a literal
                                        # ("s:builtins.bytes": only for arguments of that
                                        # type, or of a type the inference cannot see)
    source = "https://docs.python.org/3/library/json.html#json.loads"  # required
    note = "JSONDecodeError is a ValueError; TypeError for non-str input"  # optional

    [[operation]]                       # language operations, same fields
    name = "subscript"

    [[exception]]                       # third-party exception classes we cannot import:
    name = "requests.RequestException"  # their bases, so that narrowing can drop a class
    bases = ["OSError"]                 # already covered by its base
    source = "https://requests.readthedocs.io/en/latest/api/#exceptions"

    [[class]]                           # a library class: one entry for all its methods
    name = "httpx.Client"               # fully qualified, as the library exports it
    raises = ["httpx.HTTPError"]        # what calling any of its methods may raise, unless
                                        # a [[callable]] names that method ("httpx.Client.get")
    closed = false                      # as for [[callable]]
    methods = { get = "httpx.Response", stream = "httpx.Response" }  # optional: methods'
                                        # return types, for local typing
    attributes = { headers = "httpx.Headers", timeout = "" }  # optional: attributes that
                                        # exist; reading them raises nothing (a property
                                        # with a [[callable]] entry of its own raises what
                                        # that entry says); value = their type, "" when unknown
    subclasses = false                  # optional: true when the entry also describes the
                                        # classes a user derives from it (pydantic.BaseModel,
                                        # django.db.models.Model); false: this class only
    caller_code = ["transport"]         # optional: constructor keywords that make its
                                        # methods run the caller's code (a transport, hooks):
                                        # an instance built with one is not described here
    own_code = ["httpx.AsyncHTTPTransport"]  # optional: the library's classes whose
                                        # instances, passed to one of those keywords, run
                                        # only the library's code (the default transport)
    source = "https://www.python-httpx.org/exceptions/"  # required
    note = "InvalidURL is not an HTTPError"  # optional

    [[package]]                         # a module or package prefix: what any callable
    name = "stripe"                     # under it raises when nothing more specific
    raises = ["stripe.StripeError"]     # matches; the longest dotted prefix wins
    closed = false                      # ("stripe.Charge.create" is under "stripe",
    source = "https://docs.stripe.com/error-handling?lang=python"  # "stripe_x.y" is not)
    note = "optional"

For coroutine methods and methods returning an async context manager, ``methods`` names the
type that ``await`` / ``async with`` gives (``aiohttp.ClientSession.get`` ->
``aiohttp.ClientResponse``).

Precedence, most specific first: a ``[[callable]]`` for the exact name, then the ``[[class]]``
of the receiver (``ClassSpec.method_spec``), then the longest matching ``[[package]]``.

Policy for ``raises`` of a closed entry: everything the call raises for arguments of the
documented types, whatever their values -- NUL bytes and lone surrogates (``ValueError``),
huge integers (``OverflowError``), input nested deeper than the recursion limit
(``RecursionError``), huge repeat counts -- naming the documented base class rather than a
narrow subclass.  Classes that only some values of one parameter raise go under
``arguments``: the inference adds them when that argument is not a literal (``s.split(",")``
cannot meet the ValueError of an empty separator; ``s.split(sep)`` can), which keeps fixes
precise where the call site leaves no room for hostile values.  ``wrong_types`` lists what an
argument of another builtin type (``None``, a number for a string) raises; the inference adds
it when it cannot see an argument's type, the argument may be None, or it is a decoded JSON
value.  An argument whose type the inference knows is taken to be one the callee accepts, as a
type checker would check the call; literal arguments are taken to be accepted values.
``tests/test_kb_hostile.py`` calls every closed entry with hostile values of both kinds and
fails on any class the entry does not list, except those of ``NEVER_PROMISED``.  Where no
honest closed list exists, the entry is open.

A callable that is not in the knowledge base has an *unknown* answer.  ``raises = []`` with
``closed = true`` marks a call that cannot raise anything worth catching (``len``,
``isinstance``, logging calls).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypedDict

from qualitytool.sources import read_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


NEVER_PROMISED = ("MemoryError", "KeyboardInterrupt", "SystemExit", "GeneratorExit", "Warning")
"""Exceptions that no contract lists and no fix promises to keep catching (the README's
"What no fix promises" says why): any allocation may raise MemoryError; KeyboardInterrupt,
SystemExit and GeneratorExit are not caught by ``except Exception`` in the first place (a bare
``except:`` is its own, unsafe, fix); warnings are exceptions only where the program turns
them into errors (``-W error``, as test runs do).  RecursionError is deliberately not here:
json, re, xml, tomllib, pickle, copy and repr raise it for deep input, and their contracts
list it."""


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
    # What an argument of the wrong type raises: added unless every argument's type is known.
    wrong_types: tuple[str, ...] = ()
    # Parameter names in order, and what some values of one of them raise (added when its
    # argument is not a literal).
    parameters: tuple[str, ...] = ()
    arguments: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False,
                                                     compare=True)

    def argument_classes(self, parameter: str | None, kind: str | None = None) -> tuple[str, ...]:
        """What a non-literal argument of ``parameter`` whose type is ``kind`` (``None``:
        unknown) may add.  A key ``"obj:builtins.range"`` holds only for arguments of that
        type (``"msg:builtins.list|builtins.dict"``: of those types) or of a type the inference
        cannot see; every key holds when the parameter is not known."""
        found: list[str] = []
        for key, classes in self.arguments.items():
            name, _, only = key.partition(":")
            if parameter is not None and name != parameter:
                continue
            if only and kind is not None and kind not in only.split("|"):
                continue
            found += classes
        return tuple(found)

    def parameter_of(self, position: int) -> str | None:
        """The parameter a positional argument binds to (``None``: unknown)."""
        named = [p for p in self.parameters if p != "self" and not p.startswith("**")]
        for index, parameter in enumerate(named):
            if parameter.startswith("*"):  # ``*args`` takes this position and the rest
                return parameter[1:] if position >= index else named[position]
            if index == position:
                return parameter
        return None

    def keyword_parameter(self, keyword: str) -> str:
        """The parameter a keyword argument binds to (``**kwargs`` takes the unknown ones)."""
        plain = {p.lstrip("*") for p in self.parameters if not p.startswith("*")}
        if keyword in plain:
            return keyword
        keywords = [p for p in self.parameters if p.startswith("**")]
        return keywords[0][2:] if keywords else keyword

    def is_variadic(self, parameter: str | None) -> bool:
        """``*args`` and ``**kwargs``: an argument bound there counts even when it is a
        literal (its classes come from it being there at all, as for the arguments of
        ``logger.info(message, *args, **kwargs)``, which make loguru format the message)."""
        return parameter is not None and (f"*{parameter}" in self.parameters
                                           or f"**{parameter}" in self.parameters)


@dataclass(frozen=True)
class ExceptionSpec:
    """A (third-party) exception class and its direct bases."""

    name: str
    bases: tuple[str, ...]
    source: str
    note: str = ""


@dataclass(frozen=True)
class ClassSpec:
    """What the methods of a library class raise, and which methods and attributes it has."""

    name: str
    raises: tuple[str, ...]
    closed: bool
    source: str
    # Excluded from the hash (a dict is unhashable); equality still compares them.
    methods: Mapping[str, str] = field(hash=False)  # method name -> qualified return type
    attributes: Mapping[str, str] = field(hash=False)  # attribute -> type, "" if unknown
    subclasses: bool = False  # the entry also describes classes a user derives from it
    note: str = ""
    origin: str = ""
    # constructor keywords that make the methods run the caller's code (httpx's transport=,
    # event_hooks=): an instance built with one of them is not what this entry describes
    caller_code: tuple[str, ...] = ()
    # the library's own classes whose instances, passed to a ``caller_code`` keyword, run
    # only the library's code (``transport=httpx.AsyncHTTPTransport(retries=0)``, what the
    # client builds by itself without one): the entry still describes such an instance
    own_code: tuple[str, ...] = ()

    def method_spec(self, method: str) -> RaiseSpec:
        """The class-wide answer for calling ``method`` on an instance."""
        return RaiseSpec(
            name=f"{self.name}.{method}",
            raises=self.raises,
            closed=self.closed,
            source=self.source,
            returns=self.methods.get(method),
            note=self.note,
            origin=self.origin,
        )


@dataclass(frozen=True)
class KnowledgeBase:
    """Callables, operations, classes and packages by fully-qualified name."""

    callables: Mapping[str, RaiseSpec] = field(default_factory=dict)
    operations: Mapping[str, RaiseSpec] = field(default_factory=dict)
    exceptions: Mapping[str, ExceptionSpec] = field(default_factory=dict)
    classes: Mapping[str, ClassSpec] = field(default_factory=dict)
    packages: Mapping[str, RaiseSpec] = field(default_factory=dict)

    def lookup(self, qualified_name: str) -> RaiseSpec | None:
        """The entry for a callable, or ``None`` when we know nothing about it."""
        return self.callables.get(qualified_name)

    def operation(self, name: str) -> RaiseSpec | None:
        return self.operations.get(name)

    def class_entry(self, qualified_class: str) -> ClassSpec | None:
        """The ``[[class]]`` entry for exactly this class, or ``None``."""
        return self.classes.get(qualified_class)

    def package_entry(self, qualified_callable: str) -> RaiseSpec | None:
        """The ``[[package]]`` entry with the longest dotted prefix of ``qualified_callable``
        (``stripe.Charge.create`` is under ``stripe``; ``stripe_x.y`` is not)."""
        parts = qualified_callable.split(".")
        for cut in range(len(parts), 0, -1):
            spec = self.packages.get(".".join(parts[:cut]))
            if spec is not None:
                return spec
        return None


# Kinds of entry, as TOML arrays of tables.
ParsedKnowledge = TypedDict(
    "ParsedKnowledge",
    {
        "callable": list[RaiseSpec],
        "operation": list[RaiseSpec],
        "package": list[RaiseSpec],
        "class": list[ClassSpec],
        "exception": list[ExceptionSpec],
    },
)

_TABLES = {"callable", "operation", "package", "class", "exception", "meta"}
_FIELDS = {"name", "raises", "closed", "returns", "source", "note", "dispatch", "wrong_types",
           "parameters", "arguments"}
_PACKAGE_FIELDS = _FIELDS - {"returns", "dispatch", "wrong_types", "parameters", "arguments"}
_DISPATCH = ("scalars", "builtins")
_CLASS_FIELDS = {
    "name", "raises", "closed", "methods", "attributes", "subclasses", "source", "note",
    "caller_code", "own_code",
}


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


def _parse_entry(entry: Any, where: str, fields: set[str] = _FIELDS) -> RaiseSpec:
    table, name, source, note = _common_fields(entry, where, fields, "raises")
    closed = _boolean(table, "closed", where, name)
    returns = table.get("returns")
    if returns is not None and not isinstance(returns, str):
        raise KnowledgeBaseError(f"{where} ({name}): 'returns' must be a string")
    dispatch = table.get("dispatch")
    if dispatch is not None and dispatch not in _DISPATCH:
        raise KnowledgeBaseError(
            f"{where} ({name}): 'dispatch' must be one of {', '.join(_DISPATCH)}"
        )
    wrong_types = _strings(table, "wrong_types", where, name)
    parameters = _strings(table, "parameters", where, name)
    arguments = table.get("arguments", {})
    if not isinstance(arguments, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(c, str) and c for c in v)
        for k, v in arguments.items()
    ):
        raise KnowledgeBaseError(
            f"{where} ({name}): 'arguments' must be a table of parameters to lists of strings")
    unknown = sorted({k.partition(":")[0] for k in arguments} - {p.lstrip("*") for p in parameters})
    if unknown:
        raise KnowledgeBaseError(
            f"{where} ({name}): 'arguments' names {', '.join(unknown)}, not in 'parameters'")
    return RaiseSpec(
        name=name,
        raises=tuple(table["raises"]),
        closed=closed,
        source=source,
        returns=returns,
        note=note,
        origin=where.split(":", 1)[0],
        dispatch=dispatch,
        wrong_types=wrong_types,
        parameters=parameters,
        arguments={key: tuple(value) for key, value in arguments.items()},
    )


def _strings(table: dict[str, Any], key: str, where: str, name: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise KnowledgeBaseError(f"{where} ({name}): '{key}' must be a list of strings")
    return tuple(value)


def _boolean(
    table: dict[str, Any], key: str, where: str, name: str, default: bool | None = None
) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise KnowledgeBaseError(f"{where} ({name}): '{key}' must be true or false")
    return value


def _string_table(
    table: dict[str, Any], key: str, where: str, name: str, allow_empty: bool
) -> dict[str, str]:
    value = table.get(key, {})
    what = "strings" if allow_empty else "non-empty strings"
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k.isidentifier() and isinstance(v, str) and (v or allow_empty)
        for k, v in value.items()
    ):
        raise KnowledgeBaseError(
            f"{where} ({name}): '{key}' must be a table of identifiers to {what}"
        )
    return dict(value)


def _parse_class(entry: Any, where: str) -> ClassSpec:
    table, name, source, note = _common_fields(entry, where, _CLASS_FIELDS, "raises")
    closed = _boolean(table, "closed", where, name)
    subclasses = _boolean(table, "subclasses", where, name, default=False)
    methods = _string_table(table, "methods", where, name, allow_empty=False)
    attributes = _string_table(table, "attributes", where, name, allow_empty=True)
    caller_code = table.get("caller_code", [])
    if not isinstance(caller_code, list) or not all(
        isinstance(k, str) and k.isidentifier() for k in caller_code
    ):
        raise KnowledgeBaseError(f"{where} ({name}): 'caller_code' must be a list of identifiers")
    own_code = table.get("own_code", [])
    if not isinstance(own_code, list) or not all(
        isinstance(c, str) and all(p.isidentifier() for p in c.split(".")) for c in own_code
    ):
        raise KnowledgeBaseError(
            f"{where} ({name}): 'own_code' must be a list of qualified class names")
    both = sorted(set(methods) & set(attributes))
    if both:
        raise KnowledgeBaseError(
            f"{where} ({name}): {', '.join(both)} listed as both method and attribute"
        )
    return ClassSpec(
        name=name,
        raises=tuple(table["raises"]),
        closed=closed,
        source=source,
        methods=methods,
        attributes=attributes,
        subclasses=subclasses,
        note=note,
        origin=where.split(":", 1)[0],
        caller_code=tuple(caller_code),
        own_code=tuple(own_code),
    )


def _parse_exception(entry: Any, where: str) -> ExceptionSpec:
    table, name, source, note = _common_fields(
        entry, where, {"name", "bases", "source", "note"}, "bases"
    )
    return ExceptionSpec(name=name, bases=tuple(table["bases"]), source=source, note=note)


def _array(data: dict[str, Any], kind: str, origin: str) -> list[Any]:
    entries = data.get(kind, [])
    if not isinstance(entries, list):
        raise KnowledgeBaseError(f"{origin}: '{kind}' must be an array of tables")
    return entries


def parse_knowledge(text: str, origin: str) -> ParsedKnowledge:
    """Entries of one TOML document, by kind (``callable``, ``operation``, ``package``,
    ``class``, ``exception``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeBaseError(f"{origin}: invalid TOML: {exc}") from exc
    unknown = set(data) - _TABLES
    if unknown:
        raise KnowledgeBaseError(f"{origin}: unknown table(s) {', '.join(sorted(unknown))}")

    def entries(kind: str) -> Iterator[tuple[Any, str]]:
        for index, entry in enumerate(_array(data, kind, origin)):
            yield entry, f"{origin}: {kind}[{index}]"

    return {
        "callable": [_parse_entry(entry, where) for entry, where in entries("callable")],
        "operation": [_parse_entry(entry, where) for entry, where in entries("operation")],
        "package": [
            _parse_entry(entry, where, _PACKAGE_FIELDS) for entry, where in entries("package")
        ],
        "class": [_parse_class(entry, where) for entry, where in entries("class")],
        "exception": [_parse_exception(entry, where) for entry, where in entries("exception")],
    }


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
            sources.append((str(path), read_text(path)))
        except (OSError, UnicodeDecodeError) as exc:
            raise KnowledgeBaseError(f"{path}: cannot read knowledge base: {exc}") from exc
    callables: dict[str, RaiseSpec] = {}
    operations: dict[str, RaiseSpec] = {}
    packages: dict[str, RaiseSpec] = {}
    classes: dict[str, ClassSpec] = {}
    exceptions: dict[str, ExceptionSpec] = {}
    for origin, text in sources:
        parsed = parse_knowledge(text, origin)
        callables.update((spec.name, spec) for spec in parsed["callable"])
        operations.update((spec.name, spec) for spec in parsed["operation"])
        packages.update((spec.name, spec) for spec in parsed["package"])
        classes.update((spec.name, spec) for spec in parsed["class"])
        exceptions.update((spec.name, spec) for spec in parsed["exception"])
    return KnowledgeBase(
        callables=callables,
        operations=operations,
        exceptions=exceptions,
        classes=classes,
        packages=packages,
    )
