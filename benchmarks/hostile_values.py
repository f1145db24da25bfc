"""Hostile values, by the type a caller assumes, for the knowledge base's hostile-input tests
(``tests/test_kb_hostile.py``) and the differential benchmark of safe fixes
(``benchmarks/hostile_fixes.py``).

Every value is built by a factory, so that a call that mutates its argument never changes the
value the next call gets (the deeply nested values are built once and shared: building one
takes longer than most calls, and no call under test mutates its arguments' insides).  The
catalogue holds the extremes that break contracts in practice (deep nesting, huge repeat
counts and integers, NUL bytes, lone surrogates, huge strings, the wrong type, ``None``
where a value is optional); ``strategy(kind)`` adds hypothesis' random values of the same
kind around them.

Sizes stay within what a test run on a shared machine can afford: strings of a million
characters, nesting 100,000 deep (far past the interpreter's recursion limit of 1,000),
integers of 5,000 digits (past the 4,300-digit limit of ``int``/``str`` conversion).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError:  # a snippet runner in another virtualenv: the named values only
    st = None

Factory = Callable[[], Any]

DEPTH = 100_000
"""How deep nested values go: far past ``sys.getrecursionlimit()`` (1,000)."""
JSON_DEPTH = 990
"""The deepest nesting ``json.loads`` decodes (from a shallow stack) before RecursionError."""
HUGE = 1_000_000
"""Length of the huge strings and byte strings."""
DIGITS = 5_000
"""Digits of the huge integers: past the 4,300 digits ``str(int)`` accepts."""


@functools.cache
def nested_list(depth: int = DEPTH) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@functools.cache
def nested_dict(depth: int = DEPTH) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@functools.cache
def nested_tuple(depth: int = DEPTH) -> tuple[Any, ...]:
    value: tuple[Any, ...] = ()
    for _ in range(depth):
        value = (value,)
    return value


def self_containing_list() -> list[Any]:
    value: list[Any] = []
    value.append(value)
    return value


def _const(value: Any) -> Factory:
    return lambda: value


@dataclass(frozen=True)
class Pool:
    """Named hostile values of some kinds, and hypothesis' random values of the same kinds."""

    values: Mapping[str, Factory]
    random: tuple[Any, ...] = field(default=())  # hypothesis strategies

    def __or__(self, other: Pool) -> Pool:
        return Pool({**self.values, **other.values}, self.random + other.random)

    def prefixed(self, prefix: str) -> Pool:
        return Pool({f"{prefix}: {k}": v for k, v in self.values.items()}, self.random)

    def without(self, keep: Callable[[Any], bool]) -> Pool:
        """The values ``keep`` accepts (random values are filtered the same way)."""
        return Pool({k: v for k, v in self.values.items() if keep(v())},
                    tuple(r.filter(keep) for r in self.random))

    def named(self) -> list[tuple[str, Factory]]:
        return sorted(self.values.items())

    def strategy(self) -> Any:
        """Factories of a value of the pool, or of a random value of the same kinds (values
        are made when the factory is called: after a call's sandbox exists)."""
        names = sorted(self.values)
        fixed = st.sampled_from(names).map(lambda name: self.values[name])
        randoms = [r.map(_factory) for r in self.random]
        return st.one_of(fixed, *randoms) if names else st.one_of(*randoms)


@dataclass(frozen=True)
class Deferred:
    """A random value that can only be made at call time (a path inside the call's sandbox)."""

    make: Factory


def _factory(value: Any) -> Factory:
    return value.make if isinstance(value, Deferred) else (lambda: value)


def _random(make: Callable[[], Any]) -> tuple[Any, ...]:
    """A hypothesis strategy, when hypothesis is installed."""
    return (make(),) if st is not None else ()


if st is not None:
    _TEXT = st.text(st.characters(exclude_categories=()))
    _LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _TEXT)
    _TREE = st.recursive(_LEAF, lambda inner: st.one_of(
        st.lists(inner), st.dictionaries(_TEXT, inner)), max_leaves=20)


TEXT = Pool({
    "empty": _const(""),
    "NUL": _const("\0"),
    "inner NUL": _const("a\0b"),
    "lone high surrogate": _const("\ud800"),
    "lone low surrogate": _const("\udcff"),
    "surrogate in text": _const("ab\udc80cd"),
    "BOM": _const("\ufeff"),
    "non-ASCII": _const("é"),
    "astral": _const("\U0001f4a5"),
    "line separators": _const("\x85\u2028\u2029\r\n\r"),
    "control": _const("\x1b[31m\x7f\x00\x01"),
    "huge": lambda: "a" * HUGE,
    "huge non-ASCII": lambda: "\u00e9" * HUGE,
    "deep brackets": lambda: "[" * DEPTH,
    "deep braces": lambda: '{"a":' * DEPTH,
    "deep parentheses": lambda: "(" * DEPTH,
    "deep tags": lambda: "<a>" * DEPTH,
    "2,000 nested groups": lambda: "(" * 2000 + "a" + ")" * 2000,
    "huge repeat count": _const("a{4294967296}"),
    "huge number": lambda: "9" * DIGITS,
    "negative number": _const("-1"),
    "nan": _const("nan"),
    "infinity": _const("1e999"),
    "percent format": _const("%s%d%(x)s%"),
    "brace format": _const("{0}{x}{"),
    "backslashes": _const("\\9\\N{nope}\\"),
    "spaces": _const("   "),
    "dots": _const(".."),
    "slash": _const("/"),
    "equals": _const("=a=b"),
    "case changing": _const("\u0130\u00df\ufb03\u01c5"),
    "right-to-left": _const("\u202eabc"),
    "digits of other scripts": _const("\u0661\u0662"),
}, _random(lambda: _TEXT))

BYTES = Pool({
    "empty": _const(b""),
    "NUL": _const(b"\0"),
    "invalid UTF-8": _const(b"\xff\xfe\xfd"),
    "encoded surrogate": _const(b"\xed\xa0\x80"),
    "truncated UTF-8": _const(b"\xe2\x82"),
    "huge": lambda: b"a" * HUGE,
    "deep brackets": lambda: b"[" * DEPTH,
    "huge number": lambda: b"9" * DIGITS,
    "gzip header": _const(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"),
    "zip header": _const(b"PK\x03\x04"),
    "pickle header": _const(b"\x80\x05\x95"),
    "high bytes": lambda: bytes(range(128, 256)),
}, _random(lambda: st.binary()))

INTS = Pool({
    "zero": _const(0),
    "one": _const(1),
    "minus one": _const(-1),
    "True": _const(True),
    "2**31": _const(2**31),
    "-2**31 - 1": _const(-(2**31) - 1),
    "2**63": _const(2**63),
    "-2**63 - 1": _const(-(2**63) - 1),
    "2**64": _const(2**64),
    "10**100": _const(10**100),
    "-10**100": _const(-(10**100)),
    "5,000 digits": lambda: 10**DIGITS,
}, _random(lambda: st.integers()))

FLOATS = Pool({
    "nan": _const(math.nan),
    "infinity": _const(math.inf),
    "minus infinity": _const(-math.inf),
    "minus zero": _const(-0.0),
    "largest": _const(1.7976931348623157e308),
    "smallest": _const(5e-324),
    "half": _const(0.5),
}, _random(lambda: st.floats()))

NONE = Pool({"None": _const(None)}, _random(lambda: st.none()))

CONTAINERS = Pool({
    "empty list": list,
    "empty dict": dict,
    "empty tuple": tuple,
    "empty set": set,
    "list of mixed": lambda: [None, 1, "a", b"b", 1.5, [], {}],
    "dict of mixed": lambda: {"a": None, 1: "b", None: [], (): {}},
    "list of None": lambda: [None, None],
    "unhashable tuple": lambda: (1, []),
    "deep list": nested_list,
    "deep dict": nested_dict,
    "deep tuple": nested_tuple,
    "self-containing list": self_containing_list,
    "huge list": lambda: [0] * HUGE,
    "bytearray": lambda: bytearray(b"a\0"),
    "frozenset": lambda: frozenset({1, "a"}),
}, _random(lambda: st.one_of(st.lists(_TREE), st.dictionaries(_TEXT, _TREE))))

HUGE_RANGE = Pool({"range past ssize_t": lambda: range(2**100)})
"""A range longer than ``sys.maxsize``: ``len()`` of it overflows.  Only for calls that take its
length, never in the general pools: iterating it (``sum``, ``x in r`` for a non-int) would
run for ever without raising, and a hang is not an exception."""

OTHER = Pool({
    "complex": _const(1 + 1j),
    "object": object,
    "a class": _const(int),
    "a function": _const(len),
    "Ellipsis": _const(...),
    "NotImplemented": _const(NotImplemented),
})

SCALARS = (TEXT.prefixed("str") | BYTES.prefixed("bytes") | INTS.prefixed("int")
           | FLOATS.prefixed("float") | NONE | Pool({"complex": _const(1 + 1j)}))
"""Values of the builtin scalar types (``dispatch = "scalars"``)."""

ANY = (SCALARS | CONTAINERS.prefixed("container")
       | OTHER.without(lambda v: not isinstance(v, complex)))
"""Values of any builtin type: what an argument of unknown type may be."""

JSON = Pool({
    "null": _const(None),
    "true": _const(True),
    "zero": _const(0),
    "huge int": lambda: 10**DIGITS,
    "float": _const(1.5),
    "nan": _const(math.nan),
    "empty list": list,
    "empty object": dict,
    "list of mixed": lambda: [None, 1, "a", [], {}],
    "object of mixed": lambda: {"a": None, "b": [1], "c": {"d": "e"}, "": 0},
    "deep list": lambda: nested_list(JSON_DEPTH),
    "deep object": lambda: nested_dict(JSON_DEPTH),
}, _random(lambda: _TREE)) | TEXT.prefixed("string")
"""Values ``json.loads`` can return (a hostile payload, decoded): nested as deep as it decodes
from a shallow stack."""


JSON_TEXT = Pool({
    "deep array": lambda: "[" * DEPTH + "]" * DEPTH,
    "unclosed deep array": lambda: "[" * DEPTH,
    "deep object": lambda: '{"a":' * DEPTH + "1" + "}" * DEPTH,
    "huge integer": lambda: "9" * DIGITS,
    "NaN": _const("NaN"),
    "lone surrogate escape": _const('"\\ud800"'),
    "lone surrogate": _const('"\ud800"'),
    "NUL": _const('"\0"'),
    "BOM": _const("\ufeff{}"),
    "huge string": lambda: '"' + "a" * HUGE + '"',
    "truncated": _const('{"a": '),
    "empty": _const(""),
}, _random(lambda: _TEXT)) | TEXT.prefixed("text")
"""Hostile JSON documents (most not valid)."""




# -- library values ---------------------------------------------------------------------------

def _httpx_response(status: int = 200, body: bytes = b"{}", headers: Any = None,
                    request: bool = True) -> Callable[[], Any]:
    def make() -> Any:
        import httpx

        return httpx.Response(status, content=body, headers=headers, request=httpx.Request(
            "GET", "http://x/") if request else None)
    return make


def _requests_response(status: int = 200, body: bytes = b"{}",
                       encoding: str | None = None) -> Callable[[], Any]:
    def make() -> Any:
        import requests

        response = requests.Response()
        response.status_code = status
        response._content = body
        response.encoding = encoding
        response.url = "http://x/"
        response.reason = "\udcff" if status == 599 else "r"
        return response
    return make


RESPONSE_BODIES = {
    "JSON": b"{}", "empty": b"", "deep": b"[" * 100_000, "undecodable": b"\xff\xfe{",
    "huge number": b"9" * 5000, "NUL": b'"\0"', "UTF-16": json.dumps([1]).encode("utf-16"),
    "surrogate escape": b'"\\ud800"', "NaN": b"NaN", "truncated": b'{"a":',
}


def httpx_responses() -> Pool:
    """httpx responses with hostile bodies, statuses and charsets (as ``r`` in ``r.json()``)."""
    values: dict[str, Callable[[], Any]] = {
        name: _httpx_response(200, body) for name, body in RESPONSE_BODIES.items()}
    values.update({
        "not found": _httpx_response(404), "server error": _httpx_response(503),
        "redirect": _httpx_response(302), "odd status": _httpx_response(999),

        "bad charset": _httpx_response(200, b"{}",
                                       {"content-type": "application/json; charset=nope"}),
        "latin-1 charset": _httpx_response(200, b'"\xe9"',
                                           {"content-type": "text/plain; charset=latin-1"}),
        # charsets naming codecs that are not text encodings, or that need a BOM
        **{f"{charset} charset": _httpx_response(
            200, b'{"a": 1}', {"content-type": f"application/json; charset={charset}"})
           for charset in ("hex", "zlib", "base64", "rot13", "utf-16", "idna", "punycode")},
    })
    # Not here: a Response built by hand without a request (raise_for_status is a RuntimeError)
    # and a streamed one nobody read (content/json are ResponseNotRead): every call raises,
    # whatever the input -- programming errors, not hostile values.
    return Pool(values)


def requests_responses() -> Pool:
    """requests responses with hostile bodies, statuses and encodings."""
    values: dict[str, Callable[[], Any]] = {
        name: _requests_response(200, body) for name, body in RESPONSE_BODIES.items()}
    values.update({
        "not found": _requests_response(404), "server error": _requests_response(503),
        "undecodable reason": _requests_response(599),
        "bad encoding": _requests_response(200, b"{}", "nope"),
        "latin-1": _requests_response(200, b'"\xe9"', "latin-1"),
        # the charset of the Content-Type header, which requests takes as the encoding
        **{f"{encoding} encoding": _requests_response(200, b'{"a": "\xff"}', encoding)
           for encoding in ("hex", "zlib", "rot13", "utf-16", "idna", "punycode", "utf\0-8")},
    })
    return Pool(values)


def _subset(pool: Pool, names: tuple[str, ...]) -> Pool:
    return Pool({name: pool.values[name] for name in names}, pool.random)


WRONG = _subset(ANY, (
    "None", "str: empty", "str: NUL", "str: lone high surrogate", "str: huge",
    "bytes: empty", "bytes: invalid UTF-8", "int: zero", "int: minus one", "int: 10**100",
    "int: 5,000 digits", "float: nan", "float: infinity", "complex", "container: empty list",
    "container: empty dict", "container: list of mixed", "container: dict of mixed",
    "container: unhashable tuple", "container: deep list", "container: deep dict",
    "container: deep tuple", "container: self-containing list", "container: bytearray",
    "object", "a class", "a function", "Ellipsis",
))
"""A value of each builtin type, and of each hostile shape, for arguments of the wrong type
(the documented types get their whole pool)."""
WRONG_SCALARS = _subset(SCALARS, tuple(n for n in WRONG.values if n in SCALARS.values))
"""The scalars of ``WRONG``: the wrong types of a ``dispatch = "scalars"`` entry."""
