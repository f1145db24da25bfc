"""Schemas of the JSON qualitytool reads back (caches, run logs, evidence, shard reports),
and one function to check a value against one.

What comes with a checkout, or from another job of a CI matrix, is data from a stranger: its
types are checked before any of it is used, and numbers are bounded, so that a wrong type is a
refused file (one warning or one error) rather than a traceback, a crash of a tool's result,
or a loop over a forged count.

A shape is one of:

- ``str``, ``int``, ``float``, ``bool``, ``None``: a value of that JSON type (``int`` and
  ``float`` refuse booleans; ``float`` takes integers too), with the default bounds below;
- :class:`Str`, :class:`Int`, :class:`Num`: the same with bounds of their own;
- :class:`ListOf`, :class:`Row` (a fixed-length list, one shape per position),
  :class:`MapOf` (an object with any keys), :class:`Record` (an object with known keys);
- :class:`OneOf`: any of several shapes; :class:`Const`: one of a few values;
- :data:`DOTTED`: a dotted Python name (``json.JSONDecodeError``), each part an identifier
  and no keyword: what may be written into code;
- :data:`REL_PATH`: a normalised relative POSIX path (``pkg/mod.py``: no ``..``, no ``.``, no
  empty part, not absolute, no backslash), so that it names a file inside a tree;
  :func:`paths_in` collects every such value of a checked value.
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Bounds of the plain shapes: counts and line numbers of real projects stay far below.
MAX_INT = 10**12
MAX_STR = 1 << 20
MAX_ITEMS = 10**7


class ShapeError(ValueError):
    """A value does not have the expected shape; the message says where and why."""


@dataclass(frozen=True)
class Str:
    max_len: int = MAX_STR
    min_len: int = 0


def is_dotted_name(text: str) -> bool:
    """Whether ``text`` is a dotted Python name (``a.b.C``) that code can spell."""
    return bool(text) and all(
        part.isidentifier() and not keyword.iskeyword(part) for part in text.split(".")
    )


def is_relative_path(text: str) -> bool:
    """Whether ``text`` is a normalised relative POSIX path that stays inside its tree."""
    parts = text.split("/")
    return bool(text) and "\\" not in text and "\0" not in text and all(
        part not in ("", ".", "..") for part in parts
    )


@dataclass(frozen=True)
class Kind:
    """A string of one kind: ``accepts`` tells, ``noun`` names it in messages."""

    noun: str
    accepts: Callable[[str], bool]
    max_len: int = 4096


DOTTED = Kind("a dotted Python name", is_dotted_name, 1000)
REL_PATH = Kind("a normalised path inside the project", is_relative_path)


@dataclass(frozen=True)
class AnyValue:
    """Any JSON value (what parts of a document nobody reads may hold)."""


ANY = AnyValue()


@dataclass(frozen=True)
class Int:
    low: int = -MAX_INT
    high: int = MAX_INT


@dataclass(frozen=True)
class Num:
    low: float = -float(MAX_INT)
    high: float = float(MAX_INT)


@dataclass(frozen=True)
class ListOf:
    item: Any
    max_items: int = MAX_ITEMS


@dataclass(frozen=True)
class Row:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class MapOf:
    value: Any
    key: Any = str
    max_items: int = MAX_ITEMS


@dataclass(frozen=True)
class Record:
    """An object with the ``required`` keys and possibly the ``optional`` ones; other keys
    are refused unless ``extra``."""

    required: Mapping[str, Any]
    optional: Mapping[str, Any] = field(default_factory=dict)
    extra: bool = False


@dataclass(frozen=True)
class OneOf:
    shapes: tuple[Any, ...]

    def __init__(self, *shapes: Any) -> None:
        object.__setattr__(self, "shapes", shapes)


@dataclass(frozen=True)
class Const:
    values: tuple[Any, ...]

    def __init__(self, *values: Any) -> None:
        object.__setattr__(self, "values", values)


def problem(value: Any, shape: Any, where: str = "") -> str | None:
    """Why ``value`` does not have ``shape`` (naming where in it), or None when it has."""
    here = where or "the value"
    if isinstance(shape, AnyValue):
        return None
    if shape is None:
        return None if value is None else f"{here}: expected null, got {_kind(value)}"
    if shape is str:
        shape = Str()
    elif shape is int:
        shape = Int()
    elif shape is float:
        shape = Num()
    if shape is bool:
        return None if isinstance(value, bool) else f"{here}: expected true or false, got " \
                                                     f"{_kind(value)}"
    if isinstance(shape, Str):
        if not isinstance(value, str):
            return f"{here}: expected a string, got {_kind(value)}"
        if not shape.min_len <= len(value) <= shape.max_len:
            return f"{here}: a string of {len(value)} characters"
        return None
    if isinstance(shape, Kind):
        if not isinstance(value, str):
            return f"{here}: expected {shape.noun}, got {_kind(value)}"
        if len(value) > shape.max_len or not shape.accepts(value):
            return f"{here}: {_short(value)} is not {shape.noun}"
        return None
    if isinstance(shape, Int):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{here}: expected an integer, got {_kind(value)}"
        if not shape.low <= value <= shape.high:
            return f"{here}: {value} is out of range ({shape.low} to {shape.high})"
        return None
    if isinstance(shape, Num):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{here}: expected a number, got {_kind(value)}"
        if not (math.isfinite(value) and shape.low <= value <= shape.high):
            return f"{here}: {value} is out of range ({shape.low:g} to {shape.high:g})"
        return None
    if isinstance(shape, Const):
        return None if any(value == v and type(value) is type(v) for v in shape.values) else \
            f"{here}: expected one of {', '.join(map(repr, shape.values))}, got {_short(value)}"
    if isinstance(shape, OneOf):
        reasons = [problem(value, option, where) for option in shape.shapes]
        if any(reason is None for reason in reasons):
            return None
        # The option of the value's own type says best what is wrong with it.
        closest = [r for r in reasons if r is not None and not r.startswith(f"{here}: expected")]
        return closest[0] if closest else reasons[-1]
    if isinstance(shape, ListOf):
        if not isinstance(value, list):
            return f"{here}: expected a list, got {_kind(value)}"
        if len(value) > shape.max_items:
            return f"{here}: a list of {len(value)} items (at most {shape.max_items})"
        for index, item in enumerate(value):
            reason = problem(item, shape.item, f"{where}[{index}]")
            if reason is not None:
                return reason
        return None
    if isinstance(shape, Row):
        if not isinstance(value, list) or len(value) != len(shape.items):
            return f"{here}: expected a list of {len(shape.items)} items, got {_kind(value)}"
        for index, (item, item_shape) in enumerate(zip(value, shape.items)):
            reason = problem(item, item_shape, f"{where}[{index}]")
            if reason is not None:
                return reason
        return None
    if isinstance(shape, MapOf):
        if not isinstance(value, dict):
            return f"{here}: expected an object, got {_kind(value)}"
        if len(value) > shape.max_items:
            return f"{here}: an object of {len(value)} keys (at most {shape.max_items})"
        for key, item in value.items():
            reason = problem(key, shape.key, f"{where} key") or problem(
                item, shape.value, f"{where}[{key!r}]"
            )
            if reason is not None:
                return reason
        return None
    if isinstance(shape, Record):
        if not isinstance(value, dict):
            return f"{here}: expected an object, got {_kind(value)}"
        for key, item_shape in shape.required.items():
            if key not in value:
                return f"{here}: no {key!r}"
            reason = problem(value[key], item_shape, f"{where}.{key}" if where else key)
            if reason is not None:
                return reason
        for key, item in value.items():
            if key in shape.required:
                continue
            if key in shape.optional:
                reason = problem(item, shape.optional[key], f"{where}.{key}" if where else key)
                if reason is not None:
                    return reason
            elif not shape.extra:
                return f"{here}: unexpected key {_short(key)}"
        return None
    raise TypeError(f"not a shape: {shape!r}")  # pragma: no cover - a programming error


def paths_in(value: Any, shape: Any) -> list[str]:
    """The values at :data:`REL_PATH` positions of ``value`` (which has ``shape``)."""
    found: list[str] = []

    def walk(item: Any, part: Any) -> None:
        if part == REL_PATH:
            found.append(item)
        elif isinstance(part, OneOf):
            for option in part.shapes:
                if problem(item, option) is None:
                    walk(item, option)
                    return
        elif isinstance(part, ListOf):
            for element in item:
                walk(element, part.item)
        elif isinstance(part, Row):
            for element, element_shape in zip(item, part.items):
                walk(element, element_shape)
        elif isinstance(part, MapOf):
            for key, element in item.items():
                walk(key, part.key)
                walk(element, part.value)
        elif isinstance(part, Record):
            for key, element in item.items():
                inner = part.required.get(key, part.optional.get(key))
                if inner is not None:
                    walk(element, inner)

    walk(value, shape)
    return found


def check(value: Any, shape: Any, what: str = "") -> Any:
    """``value`` when it has ``shape``; raises :class:`ShapeError` otherwise."""
    reason = problem(value, shape, what)
    if reason is not None:
        raise ShapeError(reason)
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
