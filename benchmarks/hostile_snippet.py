"""Run one extracted ``try`` body against hostile values: the child of ``hostile_fixes.py``.

``python hostile_snippet.py SPEC.json RESULT.json`` (in a sandbox: see ``hostile_fixes.py``).
The spec holds the snippet (a module whose ``__snippet__`` function runs the try body), the
free names with the type the inference assumed for each (``{"type": ..., "optional": ...}``,
``None``: unknown), the attributes read on stand-in objects (``self.client``), and the classes
of the old and the new handler.  Each name is swept over the hostile values of its type (the
others at a benign value), then random combinations are tried; every exception the old
handler catches and the new one does not is reported.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import math
import random
import signal
import sys
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_values import (
    ANY,
    BYTES,
    FLOATS,
    INTS,
    JSON,
    JSON_DEPTH,
    TEXT,
    Factory,
    Pool,
    httpx_responses,
    nested_dict,
    nested_list,
    nested_tuple,
    requests_responses,
)

CALL_SECONDS = 5
COMBINATIONS = 30


def _const(value: Any) -> Factory:
    return lambda: value


def _pool(**values: Any) -> Pool:
    return Pool({name: _const(value) for name, value in values.items()})


def _paths() -> Pool:
    import pathlib

    return Pool(
        {name: (lambda f=factory: pathlib.Path(f())) for name, factory in TEXT.values.items()})


def _datetimes() -> Pool:
    import datetime

    return _pool(naive=datetime.datetime(2024, 1, 2), smallest=datetime.datetime.min,
                 largest=datetime.datetime.max,
                 aware=datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc))


def _dates() -> Pool:
    import datetime

    return _pool(day=datetime.date(2024, 1, 2), smallest=datetime.date.min,
                 largest=datetime.date.max)


def _deltas() -> Pool:
    import datetime

    return _pool(day=datetime.timedelta(days=1), largest=datetime.timedelta.max,
                 smallest=datetime.timedelta.min)


def _decimals() -> Pool:
    import decimal

    return Pool({name: (lambda t=text: decimal.Decimal(t)) for name, text in (
        ("one", "1.5"), ("nan", "nan"), ("signalling nan", "snan"), ("infinity", "inf"),
        ("huge exponent", "1e999999999"), ("zero", "0"))})


TYPES: dict[str, Callable[[], Pool]] = {
    "builtins.str": lambda: TEXT,
    "builtins.bytes": lambda: BYTES,
    "builtins.bytearray": lambda: Pool(
        {k: (lambda f=f: bytearray(f())) for k, f in BYTES.values.items()}),
    "builtins.int": lambda: INTS,
    "builtins.float": lambda: FLOATS | INTS.prefixed("int"),
    "builtins.bool": lambda: _pool(true=True, false=False),
    "builtins.complex": lambda: _pool(one=1j, nan=complex(math.nan, 0)),
    "builtins.dict": lambda: Pool({
        "empty": dict, "mixed": lambda: {"a": None, 1: "b", None: [], (): {}},
        "deep": lambda: nested_dict(JSON_DEPTH), "string values": lambda: {"a": "\ud800"}}),
    "builtins.list": lambda: Pool({
        "empty": list, "mixed": lambda: [None, 1, "a", b"b", 1.5, [], {}],
        "deep": lambda: nested_list(JSON_DEPTH), "huge": lambda: [0] * 1_000_000}),
    "builtins.tuple": lambda: Pool({
        "empty": tuple, "mixed": lambda: (None, 1, "a", []), "deep": nested_tuple}),
    "builtins.set": lambda: Pool({"empty": set, "mixed": lambda: {None, 1, "a"}}),
    "builtins.frozenset": lambda: Pool({"empty": frozenset, "mixed": lambda: frozenset({1, "a"})}),
    "json.Any": lambda: JSON,
    "typing.Any": lambda: ANY,
    "builtins.object": lambda: ANY,
    "httpx.Response": httpx_responses,
    "requests.Response": requests_responses,
    "requests.models.Response": requests_responses,
    "pathlib.Path": _paths,
    "pathlib.PurePath": _paths,
    "datetime.datetime": _datetimes,
    "datetime.date": _dates,
    "datetime.timedelta": _deltas,
    "decimal.Decimal": _decimals,
}
"""Hostile values by the type the inference assumed (a free name of unknown type: ``ANY``)."""

BENIGN: dict[str, Any] = {
    "builtins.str": "abc", "builtins.bytes": b"abc", "builtins.int": 1, "builtins.float": 1.5,
    "builtins.bool": True, "builtins.dict": {"a": 1}, "builtins.list": [1],
    "builtins.tuple": (1,), "json.Any": {"a": 1},
}


def pool_for(kind: dict[str, Any] | None) -> Pool:
    """The hostile values of a free name (``kind``: the type the inference assumed)."""
    if kind is None:
        return ANY
    found = _pool_of(kind["type"])
    if kind.get("optional"):
        found = found | Pool({"None": _const(None)})
    return found


def _pool_of(type_name: str) -> Pool:
    """The pool of a type the inference names: ``builtins.str``, a generic
    (``builtins.list[JSON]``: its origin's values), or a union (``<builtins.int |
    builtins.str>``, how it names a JSON value: the values of every member)."""
    if type_name.startswith("<") and type_name.endswith(">"):
        found = Pool({})
        for member in (m.strip() for m in type_name[1:-1].split("|")):
            found = found | _pool_of(member).prefixed(member)
        return found
    make = TYPES.get(type_name.split("[")[0])
    if make is None:
        raise LookupError(f"no hostile values for {type_name}")
    return make()


def benign(kind: dict[str, Any] | None, values: Pool) -> Factory:
    if kind is not None and kind["type"] in BENIGN:
        value = BENIGN[kind["type"]]
        return lambda: value
    return values.named()[0][1]


def resolve(name: str) -> type[BaseException]:
    """An exception class by its qualified name (``re.error``, ``httpx.HTTPStatusError``)."""
    import builtins

    if "." not in name:
        found = getattr(builtins, name)
    else:
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            try:
                found = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for part in parts[cut:]:
                found = getattr(found, part)
            break
        else:
            raise ImportError(name)
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        raise TypeError(f"{name} is not an exception class")
    return found


class Hung(BaseException):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise Hung


def stand_in(attributes: dict[str, Any]) -> types.SimpleNamespace:
    """An object with the given attributes (nested dicts become nested stand-ins)."""
    return types.SimpleNamespace(**{
        name: stand_in(value) if isinstance(value, dict) else value
        for name, value in attributes.items()})


def main(spec_path: str, result_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    result: dict[str, Any] = {"calls": 0, "hung": 0, "raised": {}, "catches_less": []}
    try:
        namespace: dict[str, Any] = {"__name__": "__snippet_module__"}
        exec(compile(spec["source"], spec["origin"], "exec"), namespace)  # noqa: S102
        snippet = namespace["__snippet__"]
        old = tuple(resolve(n) for n in spec["old"])
        new = tuple(resolve(n) for n in spec["new"])
        earlier = tuple(resolve(n) for n in spec["earlier"])
        never = tuple(resolve(n) for n in spec["never"])
        # The free names and the attributes of stand-ins: one flat list of slots.
        slots: list[tuple[str, dict[str, Any] | None]] = [
            (name, kind) for name, kind in spec["names"].items()]
        pools = {slot: pool_for(kind) for slot, kind in slots}
    except Exception as exc:  # noqa: BLE001 - a snippet we cannot set up is reported as such
        result["error"] = f"{type(exc).__name__}: {exc}"
        Path(result_path).write_text(json.dumps(result), encoding="utf-8")
        return 0
    defaults = {slot: benign(kind, pools[slot]) for slot, kind in slots}

    def run(values: dict[str, Factory]) -> None:
        made = {slot: factory() for slot, factory in values.items()}
        arguments: dict[str, Any] = {}
        objects: dict[str, dict[str, Any]] = {}
        for slot, value in made.items():
            if "." in slot:  # an attribute of a stand-in: self.client.timeout
                head, *path = slot.split(".")
                target = objects.setdefault(head, {})
                for part in path[:-1]:
                    target = target.setdefault(part, {})
                target[path[-1]] = value
            else:
                arguments[slot] = value
        for head, attributes in objects.items():
            arguments[head] = stand_in(attributes)
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(CALL_SECONDS)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcome = snippet(**arguments)
                if inspect.iscoroutine(outcome):
                    asyncio.run(outcome)
        except Hung:
            result["hung"] += 1
            return
        except BaseException as exc:  # noqa: BLE001 - what the body raises is the measurement
            signal.alarm(0)
            name = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
            result["raised"][name] = result["raised"].get(name, 0) + 1
            if isinstance(exc, (*earlier, *never)) or not isinstance(exc, old):
                return
            if not isinstance(exc, new):
                shown = {
                    slot: _short(made[slot]) for slot in made if values[slot] is not defaults[slot]}
                result["catches_less"].append({"exception": name, "detail": str(exc)[:120],
                                               "values": shown})
        finally:
            signal.alarm(0)
            result["calls"] += 1

    run(dict(defaults))
    for slot, _kind in slots:
        for _name, factory in pools[slot].named():
            run({**defaults, slot: factory})
    chooser = random.Random(0)
    for _ in range(COMBINATIONS if len(slots) > 1 else 0):
        run({slot: chooser.choice(pools[slot].named())[1] for slot, _k in slots})
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except BaseException:  # noqa: BLE001 - a deep value's repr fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else f"{text[:40]}...<{len(text)} chars>"


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
