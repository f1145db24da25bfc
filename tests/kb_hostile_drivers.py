"""How to call every closed knowledge-base entry with hostile input (see ``tests/kb_hostile.py``).

``DRIVERS[name]`` drives a ``[[callable]]`` or ``[[operation]]``; ``CLASS_DRIVERS[name]`` gives the
receivers of a ``[[class]]``, whose every public method is then called with hostile values.
``tests/test_kb_hostile.py`` fails when a closed entry has no driver here.
"""

from __future__ import annotations

import abc
import asyncio
import base64
import binascii
import calendar
import collections
import configparser
import contextlib
import copy
import csv
import datetime
import decimal
import enum
import gzip
import hashlib
import hmac
import http.client
import importlib.metadata
import inspect
import io
import ipaddress
import json
import logging
import operator
import os
import pathlib
import pickle
import queue
import re
import shutil
import socket
import sqlite3
import ssl
import statistics
import struct
import subprocess
import sys
import tarfile
import threading
import time
import typing
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import tomllib
from hostile_values import (
    ANY,
    BYTES,
    CONTAINERS,
    FLOATS,
    HUGE_RANGE,
    INTS,
    JSON,
    JSON_TEXT,
    NONE,
    SCALARS,
    TEXT,
    Deferred,
    Pool,
    httpx_responses,
    nested_list,
    nested_tuple,
    requests_responses,
)

from tests.kb_hostile import NO_VALUES as NOTHING
from tests.kb_hostile import NOT_A_PATH, A, D, Driver, Sandbox, confined_paths, on_cleanup

T = TEXT
B = BYTES
I = INTS
F = FLOATS
STR_OR_BYTES = TEXT.prefixed("str") | BYTES.prefixed("bytes")
NUMBERS = INTS.prefixed("int") | FLOATS.prefixed("float")
ITERABLES = CONTAINERS | TEXT.prefixed("str") | BYTES.prefixed("bytes")
PATHS = confined_paths()


def _const(value: Any) -> Callable[[], Any]:
    return lambda: value


def pool(**values: Any) -> Pool:
    """A pool of values named by keyword: literals, or lambdas that make them (big ones)."""
    return Pool({name.replace("_", " "): value if getattr(value, "__name__", "") == "<lambda>"
                 else _const(value) for name, value in values.items()})


def receiver(factory: Callable[[], Any], **named: Callable[[], Any]) -> Any:
    """The object a method is called on: a default one, and hostile variants."""
    return A(Pool({"default": factory, **named}), lambda: factory(), receiver=True)


def method(name: str) -> Callable[..., Any]:
    return lambda obj, *args, **kwargs: getattr(obj, name)(*args, **kwargs)


ENCODINGS = pool(utf_8="utf-8", ascii="ascii", unknown="nope", text_transform="rot13",
                 bytes_transform="hex", utf_16="utf-16", idna="idna", empty="", NUL="utf\0-8")
ERRORS = pool(strict="strict", unknown="nope", surrogateescape="surrogateescape",
              replace="replace", empty="")
SMALL_INTS = pool(zero=0, one=1, two=2, minus_one=-1, big=2**31, huge=2**64, minus_huge=-(2**64),
                  digits=10**5000)
FORMAT_SPECS = pool(empty="", fill="*^10", bad="Z", huge_width="99999999999999999999",
                    precision=".5000f", comma=",", NUL="\0", percent="%", type_mix="d",
                    sign_string="+s")

NOT_DEEP_TUPLES = ANY.without(lambda v: v is not nested_tuple())
"""A tuple of classes nested past the recursion limit is not promised to isinstance and
issubclass (README, "What no fix promises"): the second argument is the program's classes."""
NO_BIG_COUNTS = ANY.without(lambda v: not (isinstance(v, int) and 2 < v < 2**63))
"""Wrong-typed values for a count of rounds (pbkdf2's iterations): no integer that would
keep the call busy for hours without raising anything."""

NO_LONG_SLEEPS = ANY.without(lambda v: not (isinstance(v, (int, float)) and 0.05 < v < 2**64))
"""Wrong-typed values for a duration: no number that would only sleep (bool is an int)."""

# -- conditions: the hostile states of the process a call without arguments meets ---------------


def _gone_cwd() -> str:
    folder = os.path.join(Sandbox.dir(), "gone")
    os.mkdir(folder)
    os.chdir(folder)  # the runner goes back to its own folder after the call
    os.rmdir(folder)
    return "working directory removed"


def _deep_cwd() -> str:
    os.chdir(Sandbox.dir())
    for _ in range(250):  # 5,000 characters: past PATH_MAX, getcwd() fails
        os.mkdir("a" * 19)
        os.chdir("a" * 19)
    return "working directory past PATH_MAX"


def _no_descriptors() -> str:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    used = {int(name) for name in os.listdir("/proc/self/fd")}
    lowest_free = next(number for number in range(len(used) + 1) if number not in used)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, hard))
    on_cleanup(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)))
    return "no file descriptor left"


def _environment(values: dict[str, str] | None) -> Callable[[], str]:
    def make() -> str:
        kept = dict(os.environ)
        os.environ.clear()
        os.environ.update(values or {})
        time.tzset()

        def undo() -> None:
            os.environ.clear()
            os.environ.update(kept)
            time.tzset()
        on_cleanup(undo)
        return "environment"
    return make


def _umask() -> str:
    kept = os.umask(0o777)
    on_cleanup(lambda: os.umask(kept))
    return "umask 777"


def _signals_blocked() -> str:
    import signal

    kept = signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.valid_signals()) - {
        signal.SIGALRM})  # the runner's alarm still ends a call that hangs
    on_cleanup(lambda: signal.pthread_sigmask(signal.SIG_SETMASK, kept))
    return "signals blocked"


def _c_locale() -> str:
    import locale

    kept = locale.setlocale(locale.LC_ALL)
    locale.setlocale(locale.LC_ALL, "C")
    on_cleanup(lambda: locale.setlocale(locale.LC_ALL, kept))
    return "C locale"


def _stdout_closed() -> str:
    kept, closed = sys.stdout, open(os.devnull, "w")  # noqa: SIM115 - closed on purpose
    closed.close()
    sys.stdout = closed

    def undo() -> None:
        sys.stdout = kept
    on_cleanup(undo)
    return "stdout closed"


IN_A_THREAD = "in another thread"
IN_A_LOOP = "in a running event loop"
CONDITIONS = Pool({
    "working directory removed": _gone_cwd,
    "working directory past PATH_MAX": _deep_cwd,
    "no file descriptor left": _no_descriptors,
    "empty environment": _environment(None),
    "odd environment": _environment({"TZ": ":/nonexistent", "LANG": "xx_XX.nope",
                                     "LC_ALL": "xx_XX.nope", "HOME": "/nonexistent",
                                     "PATH": "", "TMPDIR": "/nonexistent", "USER": "\udcff"}),
    "umask 777": _umask,
    "signals blocked": _signals_blocked,
    "C locale": _c_locale,
    "stdout closed": _stdout_closed,
    IN_A_THREAD: lambda: IN_A_THREAD,
    IN_A_LOOP: lambda: IN_A_LOOP,
})
"""States of the process a call meets in production: its folder deleted under it, the
descriptor table full, the environment empty or odd, a restrictive umask, signals blocked, the
C locale, stdout closed, another thread, a running event loop.  A call without arguments has no
hostile input but these; each value puts the process in its state until the call is over."""


ASYNC_CONDITIONS = Pool({k: v for k, v in CONDITIONS.values.items() if k not in (
    "in another thread", "in a running event loop", "no file descriptor left")})
"""The conditions for a call in the runner's event loop: made before the loop (which needs
descriptors), in its thread."""


def _under(function: Callable[..., Any], asynchronous: bool = False) -> Driver:
    """A driver calling ``function()`` in each of the conditions (an asynchronous one in the
    runner's event loop, so not in another thread or a loop of its own)."""
    def call(condition: str) -> Any:
        if condition == IN_A_THREAD:
            failures: list[BaseException] = []

            def run() -> None:
                try:
                    function()
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    failures.append(exc)
            worker = threading.Thread(target=run)
            worker.start()
            worker.join()
            if failures:
                raise failures[0]
            return None
        if condition == IN_A_LOOP:
            async def in_loop() -> Any:
                return function()
            return asyncio.run(in_loop())
        return function()
    pool = ASYNC_CONDITIONS if asynchronous else CONDITIONS
    return D(call, A(pool, "plain", receiver=True), asynchronous=asynchronous)


# -- builtins -----------------------------------------------------------------------------------

STR = A(T, "abc", receiver=True)
BYTES_RECEIVER = A(B, b"abc", receiver=True)


def _str_method(name: str, *args: Any) -> Driver:
    return D(method(name), STR, *args)


DRIVERS: dict[str, Driver] = {
    "builtins.int": D(int, A(SCALARS, "12"), A(SMALL_INTS | pool(sixteen=16, thirty_seven=37),
                                               10, optional=True)),
    "builtins.float": D(float, A(SCALARS, "1.5")),
    "builtins.open": D(open, A(PATHS, wrong=NOT_A_PATH),
                       A(pool(read="r", write="w", append="a", binary="rb", exclusive="x",
                              bad="zz", both="rw", plus="r+", NUL="r\0", empty=""), "r",
                         optional=True),
                       A(SMALL_INTS, -1, optional=True, keyword="buffering", wrong=NOT_A_PATH),
                       A(ENCODINGS, "utf-8", optional=True, keyword="encoding"),
                       A(ERRORS, "strict", optional=True, keyword="errors"),
                       A(pool(empty="", CR="\r", LF="\n", bad="x", NUL="\0"), "\n", optional=True,
                         keyword="newline")),
    "builtins.bytes.fromhex": D(bytes.fromhex, A(T, "ab")),
    "builtins.bytes.decode": D(method("decode"), BYTES_RECEIVER,
                               A(ENCODINGS, "utf-8", optional=True),
                               A(ERRORS, "strict", optional=True)),
    "builtins.bytes.hex": D(method("hex"), BYTES_RECEIVER, A(STR_OR_BYTES, ":", optional=True),
                            A(SMALL_INTS, 1, optional=True)),
    "builtins.str.encode": D(method("encode"), STR, A(ENCODINGS, "utf-8", optional=True),
                             A(ERRORS, "strict", optional=True)),
    "builtins.str.index": _str_method("index", A(T, "a"), A(SMALL_INTS, 0, optional=True),
                                      A(SMALL_INTS, 3, optional=True)),
    "builtins.str.find": _str_method("find", A(T, "a"), A(SMALL_INTS, 0, optional=True),
                                     A(SMALL_INTS, 3, optional=True)),
    "builtins.str.count": _str_method("count", A(T, "a"), A(SMALL_INTS, 0, optional=True),
                                      A(SMALL_INTS, 3, optional=True)),
    "builtins.str.startswith": _str_method("startswith", A(T | pool(tuple=("a", "b")), "a"),
                                           A(SMALL_INTS, 0, optional=True),
                                           A(SMALL_INTS, 3, optional=True)),
    "builtins.str.endswith": _str_method("endswith", A(T | pool(tuple=("a", "b")), "a"),
                                         A(SMALL_INTS, 0, optional=True),
                                         A(SMALL_INTS, 3, optional=True)),
    "builtins.str.split": _str_method("split", A(T, ",", optional=True),
                                      A(SMALL_INTS, -1, optional=True)),
    "builtins.str.rsplit": _str_method("rsplit", A(T, ",", optional=True),
                                       A(SMALL_INTS, -1, optional=True)),
    "builtins.str.partition": _str_method("partition", A(T, ",")),
    "builtins.str.splitlines": _str_method("splitlines", A(pool(true=True, false=False), False,
                                                           optional=True)),
    "builtins.str.replace": _str_method("replace", A(T, "a"), A(T, "b"),
                                        A(SMALL_INTS, -1, optional=True)),
    "builtins.str.join": D(method("join"), STR, A(ITERABLES | HUGE_RANGE, ["a", "b"])),
    "builtins.str.format": D(lambda fmt, *args, **kwargs: fmt.format(*args, **kwargs),
                             A(T, "{}", receiver=True), A(SCALARS, 1, optional=True),
                             A(SCALARS, "x", optional=True, keyword="x")),
    "builtins.str.removeprefix": _str_method("removeprefix", A(T, "a")),
    "builtins.str.removesuffix": _str_method("removesuffix", A(T, "a")),
    "builtins.str.zfill": _str_method("zfill", A(SMALL_INTS, 5)),
    "builtins.str.center": _str_method("center", A(SMALL_INTS, 5), A(T, "*", optional=True)),
    "builtins.str.ljust": _str_method("ljust", A(SMALL_INTS, 5), A(T, "*", optional=True)),
    "builtins.str.rjust": _str_method("rjust", A(SMALL_INTS, 5), A(T, "*", optional=True)),
    **{f"builtins.str.{name}": _str_method(name, A(T, " ", optional=True))
       for name in ("strip", "lstrip", "rstrip")},
    **{f"builtins.str.{name}": _str_method(name)
       for name in ("lower", "upper", "title", "capitalize", "casefold", "swapcase", "isdigit",
                    "isnumeric", "isalpha", "isalnum", "isspace", "islower", "isupper",
                    "isdecimal", "isidentifier", "isascii", "isprintable")},
    "builtins.list.index": D(method("index"), A(CONTAINERS.without(
        lambda v: isinstance(v, list)) | pool(numbers=[1, 2, 3]), [1, 2], receiver=True),
        A(SCALARS, 1), A(SMALL_INTS, 0, optional=True), A(SMALL_INTS, 3, optional=True)),
    "builtins.list.remove": D(method("remove"), A(pool(numbers=[1, 2, 3], empty=[],
                                                       mixed=[None, "a", 1.5]), [1, 2],
                                                  receiver=True), A(SCALARS, 1)),
    "builtins.list.pop": D(method("pop"), A(pool(numbers=[1, 2, 3], empty=[]), [1, 2],
                                            receiver=True), A(SMALL_INTS, 0, optional=True)),
    "builtins.list.append": D(method("append"), A(pool(numbers=[1]), [1], receiver=True),
                              A(ANY, 1)),
    "builtins.list.insert": D(method("insert"), A(pool(numbers=[1]), [1], receiver=True),
                              A(SMALL_INTS, 0), A(ANY, 1)),
    "builtins.list.extend": D(method("extend"), A(pool(numbers=[1]), [1], receiver=True),
                              A(ITERABLES | HUGE_RANGE, [2])),
    "builtins.list.copy": D(method("copy"), A(CONTAINERS.without(lambda v: isinstance(v, list)),
                                              [1], receiver=True)),
    "builtins.dict.pop": D(method("pop"), A(pool(small={"a": 1}, empty={}), {"a": 1},
                                            receiver=True), A(SCALARS, "a"),
                           A(ANY, None, optional=True)),
    "builtins.dict.get": D(method("get"), A(pool(small={"a": 1}, empty={}), {"a": 1},
                                            receiver=True), A(SCALARS, "a"),
                           A(ANY, None, optional=True)),
    "builtins.dict.setdefault": D(method("setdefault"), A(pool(small={"a": 1}), {"a": 1},
                                                          receiver=True),
                                  A(SCALARS, "a"), A(ANY, None, optional=True)),
    "builtins.dict.update": D(method("update"), A(pool(small={"a": 1}), {"a": 1}, receiver=True),
                              A(ANY, {"b": 2}, optional=True),
                              A(ANY, 1, optional=True, keyword="c")),
    **{f"builtins.dict.{name}": D(method(name), A(CONTAINERS.without(
        lambda v: isinstance(v, dict)), {"a": 1}, receiver=True))
       for name in ("items", "keys", "values", "copy")},
    "builtins.set.add": D(method("add"), A(pool(small={1}), {1}, receiver=True), A(SCALARS, 2)),
    "builtins.set.discard": D(method("discard"), A(pool(small={1}), {1}, receiver=True),
                              A(SCALARS, 2)),
    "builtins.set.remove": D(method("remove"), A(pool(small={1}), {1}, receiver=True),
                             A(SCALARS, 1)),
    "builtins.len": D(len, A(ITERABLES | HUGE_RANGE, [1])),
    "builtins.isinstance": D(isinstance, A(ANY, 1), A(pool(int=int, tuple=(int, str),
                                                           union=int | str), int,
                                                      wrong=NOT_DEEP_TUPLES)),
    "builtins.issubclass": D(issubclass, A(pool(int=int, bool=bool, object=object), bool),
                             A(pool(int=int, tuple=(int, str)), int, wrong=NOT_DEEP_TUPLES)),
    "builtins.str": D(str, A(SCALARS, 1, optional=True)),
    "builtins.repr": D(repr, A(SCALARS, 1)),
    "builtins.print": D(print, A(SCALARS, "x"), A(SCALARS, "y", optional=True)),
    "builtins.dict": D(dict, A(ANY, [("a", 1)], optional=True),
                       A(ANY, 1, optional=True, keyword="b")),
    "builtins.list": D(list, A(ITERABLES | HUGE_RANGE, "ab", optional=True)),
    "builtins.tuple": D(tuple, A(ITERABLES | HUGE_RANGE, "ab", optional=True)),
    "builtins.bool": D(bool, A(ANY, 1, optional=True)),
    "builtins.hasattr": D(hasattr, A(ANY, 1), A(T, "real")),
    "builtins.callable": D(callable, A(ANY, 1)),
    "builtins.id": D(id, A(ANY, 1)),
    "builtins.type": D(type, A(ANY, 1)),
    "builtins.sorted": D(sorted, A(SCALARS, "cab")),
    "builtins.super": D(lambda *args: super(*args), A(pool(int=int, bool=bool), bool),
                        A(pool(true=True), True)),
    "builtins.range": D(range, A(SCALARS, 3), A(SCALARS, 10, optional=True),
                        A(SCALARS, 2, optional=True)),
    "builtins.set": D(set, A(SCALARS, "ab", optional=True)),
    "builtins.frozenset": D(frozenset, A(SCALARS, "ab", optional=True)),
    "builtins.enumerate": D(enumerate, A(ITERABLES, "ab"), A(ANY, 0, optional=True)),
    "builtins.zip": D(zip, A(ITERABLES, "ab"), A(ITERABLES, "cd", optional=True)),
    "builtins.map": D(map, A(pool(str=str, len=len), str), A(ITERABLES, "ab")),
    "builtins.filter": D(filter, A(pool(none=None, bool=bool), None), A(ITERABLES, "ab")),
    "builtins.reversed": D(reversed, A(ITERABLES, "ab")),
    "builtins.iter": D(iter, A(ITERABLES, "ab")),
    "builtins.sum": D(sum, A(SCALARS, b"ab"), A(SCALARS, 0, optional=True)),
    "builtins.any": D(any, A(SCALARS, "ab")),
    "builtins.all": D(all, A(SCALARS, "ab")),
    "builtins.abs": D(abs, A(SCALARS, -1)),
    "builtins.round": D(round, A(SCALARS, 1.5), A(SCALARS, 0, optional=True)),
    "builtins.min": D(min, A(SCALARS, "ab"), A(SCALARS, "c", optional=True)),
    "builtins.max": D(max, A(SCALARS, "ab"), A(SCALARS, "c", optional=True)),
    "builtins.chr": D(chr, A(SCALARS, 65)),
    "builtins.divmod": D(divmod, A(SCALARS, 7), A(SCALARS, 2)),
    "builtins.format": D(format, A(SCALARS, 1), A(SCALARS, "", optional=True)),
    "builtins.hash": D(hash, A(SCALARS, 1)),
    "builtins.object": _under(object),
    "builtins.setattr": D(setattr, A(ANY, 1), A(T, "x"), A(ANY, 1)),
    "builtins.delattr": D(delattr, A(ANY, 1), A(T, "x")),
    "sys.exit": D(sys.exit, A(ANY, 1, optional=True)),
    "sys.exc_info": _under(sys.exc_info),
    # logging: through a real logger with a real handler
    **{f"logging.Logger.{level}": D(
        lambda msg, *args, _level=level, **kwargs: getattr(
            logging.getLogger("kb-hostile"), _level)(msg, *args, **kwargs),
        A(SCALARS, "x %s"), A(SCALARS, 1, optional=True),
        A(pool(true=True, false=False, exception=ValueError("x")), True, optional=True,
          keyword="exc_info"))
       for level in ("debug", "info", "warning", "error", "exception", "critical")},
    "logging.Logger.log": D(lambda level, msg, *args: logging.getLogger("kb-hostile").log(
        level, msg, *args), A(SMALL_INTS | pool(info=logging.INFO), logging.INFO),
        A(SCALARS, "x %s"), A(SCALARS, 1, optional=True)),
    **{f"logging.{level}": D(getattr(logging, level), A(SCALARS, "x %s"),
                             A(SCALARS, 1, optional=True))
       for level in ("debug", "info", "warning", "error")},
    "logging.getLogger": D(logging.getLogger, A(T | NONE, "kb-hostile", optional=True)),
}

# -- language operations (what operations.py asks the knowledge base for typed operands) --------


def _assert(value: Any) -> None:
    assert value


def _import(name: str) -> None:
    exec(f"import {name}", {})  # noqa: S102 - module names from our own list


def _unpack(value: Any) -> None:
    _first, _second = value


def _store(target: list[Any], index: int, value: Any) -> None:
    target[index] = value


def _power(base: Any, exponent: Any) -> Any:
    # An integer to a huge integer power only ever ends in MemoryError (never promised), after
    # minutes of multiplying: not run.
    if isinstance(base, int) and isinstance(exponent, int) and abs(exponent) > 64 and abs(base) > 1:
        return None
    return base**exponent


def _divide(op: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    """What the "division" entry alone answers for: operations.py adds "arithmetic"
    (OverflowError) for a true division and for a float beside an int, and TypeError for //
    and % of a complex number; those cases are that entry's and its own."""
    floats = (float, complex)
    mixed = isinstance(left, floats) != isinstance(right, floats)
    if op is operator.truediv or mixed or isinstance(left, complex) or isinstance(right, complex):
        return None
    return op(left, right)


def _mixed_arithmetic(op: Callable[[Any, Any], Any], number: Any, integer: Any) -> Any:
    """What operations.py asks "arithmetic" about: a float or complex number with an int,
    both ways round, and a true division of two ints.  Division by zero is "division"'s, and
    // or % of a complex number operations.py's own TypeError."""
    pairs = [(integer, number), (number, integer)]
    if op is operator.truediv:
        pairs.append((integer, integer or 3))
    for left, right in pairs:
        if op in (operator.truediv, operator.floordiv, operator.mod) and (
            right == 0 or (op is not operator.truediv and complex in (type(left), type(right)))
        ):
            continue
        op(left, right)
    return None


NUMBER_LISTS = Pool({f"list of {name}": (lambda make=make: [make(), make(), 1])
                     for name, make in NUMBERS.named()})
SUPPRESSORS = receiver(lambda: contextlib.suppress(KeyError),
                       none_given=contextlib.suppress,
                       not_a_class=lambda: contextlib.suppress("KeyError"),
                       a_tuple=lambda: contextlib.suppress((KeyError, ValueError)))
# (not a tuple of classes nested deeper than the recursion limit: issubclass raises
# RecursionError for it, and that argument is the program's own classes -- see "What no
# fix promises" in docs/inference.md)
NUMBER_OPERANDS = NUMBERS | pool(complex=1 + 1j, complex_zero=0j, true=True, false=False)
DIVISIONS = pool(truediv=operator.truediv, floordiv=operator.floordiv, mod=operator.mod)
SEQUENCES = {
    "builtins.list": A(pool(numbers=[1, 2, 3], empty=[]), [1], receiver=True),
    "builtins.tuple": A(pool(numbers=(1, 2, 3), empty=()), (1,), receiver=True),
    "builtins.str": A(T, "abc", receiver=True),
}
TYPED_INDEX = A(INTS | pool(false=False), 0, wrong=NOTHING)

DRIVERS.update({
    "assert": D(_assert, A(ANY, True, wrong=NOTHING)),
    "import": D(_import, A(pool(json="json", os_path="os.path", missing="kb_hostile_nope",
                                missing_submodule="json.nope", windows_only="msvcrt",
                                windows_registry="winreg", tk="tkinter", curses="curses",
                                readline="readline", encodings="encodings.nope",
                                frozen="__phello__"), "json", wrong=NOTHING)),
    "unpacking": D(_unpack, A(CONTAINERS | TEXT.prefixed("str") | BYTES.prefixed("bytes"),
                              (1, 2), wrong=NOTHING)),
    "division": D(_divide, A(DIVISIONS, operator.floordiv, receiver=True),
                  A(NUMBER_OPERANDS, 7, wrong=NOTHING), A(NUMBER_OPERANDS, 2, wrong=NOTHING)),
    "arithmetic": D(_mixed_arithmetic, A(pool(add=operator.add, sub=operator.sub,
                                              mul=operator.mul, truediv=operator.truediv,
                                              floordiv=operator.floordiv, mod=operator.mod),
                                         operator.add, receiver=True),
                    A(FLOATS | pool(complex=1 + 1j), 1.5, wrong=NOTHING),
                    A(INTS, 1, wrong=NOTHING)),
    "power": D(_power, A(NUMBER_OPERANDS, 2, wrong=NOTHING),
               A(NUMBER_OPERANDS, 3, wrong=NOTHING)),
    "subscript:builtins.dict": D(
        lambda mapping, key: mapping[key],
        A(pool(small={"a": 1, 1: 2, (1, 2): 3}, empty={}), {"a": 1}, receiver=True),
        A(SCALARS, "a", wrong=NOTHING)),  # a tuple key: operations.py adds TypeError
    **{f"subscript:{name}": D(operator.getitem, sequence, TYPED_INDEX)
       for name, sequence in SEQUENCES.items()},
    "subscript-store:builtins.list": D(_store, SEQUENCES["builtins.list"], TYPED_INDEX,
                                       A(ANY, 1, wrong=NOTHING)),
})

# -- data formats -------------------------------------------------------------------------------

REGEX = T | pool(
    unbalanced="(", bracket="[", nothing_to_repeat="a**", named_group="(?P<", backslash="\\",
    variable_lookbehind="(?<=a+)b", bad_range="a{2,1}", global_flags_later="a(?i)",
    bad_name="\\N{nope}", numeric_group_name="(?P<1>a)", bad_reference="\\9",
    reversed_class="[z-a]", huge_upper_bound="a{,4294967296}", compiled=re.compile("a"),
    bytes=b"a", compiled_bytes=re.compile(b"a"),
)
"""Patterns that fail to compile, or compile oddly.  No catastrophic backtracking: it hangs
rather than raises, and a hang is not an exception a handler could catch."""
FLAGS = SMALL_INTS | pool(ignorecase=re.IGNORECASE, locale=re.LOCALE,
                          ascii_unicode=re.ASCII | re.UNICODE,
                          verbose=re.VERBOSE)
SUBJECTS = STR_OR_BYTES
TEMPLATES = T | pool(group_nine="\\9", bad_name="\\g<nope>", trailing="\\", bytes=b"x",
                     group_zero="\\g<0>")


def _file(name: str) -> Callable[[], str]:
    return lambda: os.path.join(Sandbox.dir(), name)


def _opened(name: str, mode: str = "r", **options: Any) -> Callable[[], Any]:
    return lambda: open(os.path.join(Sandbox.dir(), name), mode, **options)


def _closed(factory: Callable[[], Any]) -> Callable[[], Any]:
    def make() -> Any:
        value = factory()
        value.close()
        return value
    return make


DATA_FILES = pool() | Pool({
    "deep XML": _file("deep.xml"), "bad XML": _file("bad.xml"), "good XML": _file("good.xml"),
    "bad INI": _file("bad.ini"), "good INI": _file("good.ini"), "text": _file("text"),
    "binary": _file("binary"), "missing": _file("missing"), "folder": _file("dir"),
})
ARCHIVES = Pool({
    "good zip": _file("good.zip"), "bad zip": _file("bad.zip"),
    "truncated zip": _file("truncated.zip"), "good tar": _file("good.tar"),
    "bad tar": _file("bad.tar"), "truncated tar": _file("truncated.tar.gz"),
    "good gzip": _file("good.gz"), "bad gzip": _file("bad.gz"),
    "corrupt LZMA zip": _file("corrupt-lzma.zip"), "zip of a newer version": _file("newer.zip"),
    "zip of an unknown method": _file("unknown-method.zip"), "cut tar.gz": _file("cut.tar.gz"),
    "zip of overlong members": _file("overlong.zip"), "corrupt tar.gz": _file("corrupt.tar.gz"),
    "cut tar.xz": _file("cut.tar.xz"), "corrupt tar.xz": _file("corrupt.tar.xz"),
    "tar of a far-future time": _file("far-future.tar"),
    "tar of a huge owner": _file("huge-owner.tar"),
}) | PATHS
TIMESTAMPS = NUMBERS | pool(year_10000=253402300800, before_1900=-2208988800.5)
ISO_TEXT = T | pool(date="2024-01-02", datetime="2024-01-02T03:04:05+01:00",
                    bad_month="2024-13-01", leap="2023-02-29",
                    long_fraction="2024-01-02T03:04:05.1234567",
                    offset_out_of_range="2024-01-02T03:04:05+25:00")
DATE_PARTS = INTS | pool(year=2024, month=12, day=31)
CONFIG = Pool({
    "empty": configparser.ConfigParser,
    "parsed": lambda: _parsed_config("[a]\nb = 1\nc = %(d)s\ne = yes\nf = 1.5\nloop = %(loop)s\n"),
    "raw": lambda: _parsed_config("[a]\nb = %(x\n", interpolation=None),
})


def _parsed_config(text: str, **options: Any) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(**options)
    parser.read_string(text)
    return parser


def _zip(name: str, mode: str = "r") -> Callable[[], zipfile.ZipFile]:
    return lambda: zipfile.ZipFile(os.path.join(Sandbox.dir(), name), mode)


def _tar(name: str, mode: str = "r", **options: Any) -> Callable[[], tarfile.TarFile]:
    return lambda: tarfile.open(os.path.join(Sandbox.dir(), name), mode, **options)


def _zip_writing_handle() -> zipfile.ZipFile:
    """An archive with a member still open for writing: closing it raises ValueError."""
    archive = zipfile.ZipFile(os.path.join(Sandbox.dir(), "new.zip"), "w")
    _OPEN_MEMBERS[:] = [archive.open("a", "w")]  # kept: collected, it would close itself
    return archive


_OPEN_MEMBERS: list[Any] = []


def _zip_on_closed_file() -> zipfile.ZipFile:
    """An archive being written whose file object its caller closed."""
    stream = io.BytesIO()
    archive = zipfile.ZipFile(stream, "w")
    archive.writestr("a", "x")
    stream.close()
    return archive


def _zip_on_full_device() -> zipfile.ZipFile:
    """Closing writes the central directory, which the device refuses (ENOSPC)."""
    return zipfile.ZipFile("/dev/full", "w")


ZIP_STATES = {
    "closed": _closed(_zip("good.zip")), "writing": _zip("new.zip", "w"),
    "appending": _zip("good.zip", "a"), "exclusive": _zip("new.zip", "x"),
    "in memory": lambda: zipfile.ZipFile(io.BytesIO(), "w"),
    "member open for writing": _zip_writing_handle, "file object closed": _zip_on_closed_file,
    "full device": _zip_on_full_device,
}
"""Archives in every state a with statement or a cleanup meets them."""


def _deep_folder() -> str:
    """A folder nested deeper than the recursion limit (made through descriptors: its path is
    longer than a system call takes)."""
    top = os.path.join(Sandbox.dir(), "deep")
    os.mkdir(top)
    current = os.open(top, os.O_RDONLY)
    try:
        for _ in range(1100):
            os.mkdir("a", dir_fd=current)
            inner = os.open("a", os.O_RDONLY, dir_fd=current)
            os.close(current)
            current = inner
    finally:
        os.close(current)
    return top


def _long_named_file() -> str:
    path = os.path.join(Sandbox.dir(), "n" * 200)
    with open(path, "w") as file:
        file.write("x")
    return path


DRIVERS.update({
    "json.loads": D(json.loads, A(JSON_TEXT | BYTES.prefixed("bytes") | pool(
        bytearray=bytearray(b"[1]"), utf16=json.dumps([1]).encode("utf-16"),
        utf32_bom="\ufeff".encode("utf-32")), "[1]")),
    "json.dumps": D(json.dumps, A(JSON | CONTAINERS.prefixed("container"), [1]),
                    A(pool(false=False, true=True), True, optional=True, keyword="allow_nan"),
                    A(pool(false=False, true=True), False, optional=True, keyword="sort_keys"),
                    A(SMALL_INTS | pool(text="\t"), None, optional=True, keyword="indent")),
    "csv.DictReader": D(csv.DictReader, A(ITERABLES, ["a,b", "1,2"]),
                        A(ANY, None, optional=True)),
    "configparser.ConfigParser": D(
        configparser.ConfigParser,
        A(pool(none=None, plain={"a": "1"}, numbers={"a": 1}, environment=lambda: dict(os.environ),
               case_twins={"Path": "a", "PATH": "b"}, none_value={"a": None},
               surrogate_key={"\ud800": "x"}, deep_value=lambda: {"a": nested_list()}),
          None, optional=True),
        A(pool(dict=dict, ordered=collections.OrderedDict), dict, optional=True,
          keyword="dict_type"),
        A(pool(true=True, false=False), False, optional=True, keyword="allow_no_value"),
        A(T | pool(pair=("=", ":"), empty=()), ("=", ":"), optional=True, keyword="delimiters"),
        A(T | pool(pair=("#", ";"), empty=()), ("#", ";"), optional=True,
          keyword="comment_prefixes"),
        A(pool(true=True, false=False), True, optional=True, keyword="strict"),
        A(T, "DEFAULT", optional=True, keyword="default_section"),
        A(pool(none=None, basic=configparser.BasicInterpolation(),
               extended=configparser.ExtendedInterpolation()), None, optional=True,
          keyword="interpolation"),
        A(pool(empty={}, int={"int": int}, number_key={1: int}, empty_key={"": int}), {},
          optional=True, keyword="converters")),
    "configparser.ConfigParser.read": D(lambda files, encoding=None: configparser.ConfigParser(
        ).read(files, encoding), A(DATA_FILES | PATHS, _file("good.ini"), wrong=NOT_A_PATH),
        A(ENCODINGS, "utf-8", optional=True)),
    "configparser.ConfigParser.read_string": D(lambda text: configparser.ConfigParser(
        ).read_string(text), A(T | pool(good="[a]\nb=1\n", duplicate="[a]\n[a]\n",
                                       continuation="[a]\nb=1\n  c\n d"), "[a]\nb=1\n")),
    **{f"configparser.ConfigParser.{name}": D(method(name), A(CONFIG, CONFIG.values["parsed"],
                                                              receiver=True),
                                              A(T | pool(a="a", default="DEFAULT"), "a"),
                                              A(T | pool(b="b", c="c", e="e", f="f", loop="loop"),
                                                "b"),
                                              A(pool(true=True, false=False), False,
                                                optional=True, keyword="raw"),
                                              A(ANY, None, optional=True, keyword="fallback"))
       for name in ("get", "getint", "getfloat", "getboolean")},
    "tomllib.loads": D(tomllib.loads, A(T | pool(
        deep_array=lambda: "a = " + "[" * 100_000, deep_table="a = " + "{b = " * 2000,
        good="a = 1", huge_integer="a = " + "9" * 5000, bad_date="a = 2024-13-01"), "a = 1")),
    "xml.etree.ElementTree.fromstring": D(ET.fromstring, A(STR_OR_BYTES | pool(
        good="<a/>", deep_document=lambda: "<a>" * 100_000 + "</a>" * 100_000,
        entity="<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", undefined_entity="<a>&nope;</a>"),
        "<a/>")),
    "xml.etree.ElementTree.parse": D(ET.parse, A(DATA_FILES | PATHS | Pool({
        "file object": lambda: io.BytesIO(b"<a/>"), "closed file": _closed(lambda: io.BytesIO())
    }), _file("good.xml"), wrong=NOT_A_PATH)),
    "pickle.dumps": D(pickle.dumps, A(JSON | CONTAINERS.prefixed("container") | pool(
        function=len, lock=threading.Lock(), generator=(x for x in ())), [1]),
                      A(SMALL_INTS, None, optional=True)),
    "base64.b64decode": D(base64.b64decode, A(STR_OR_BYTES, "YQ=="),
                          A(pool(none=None, good=b"-_", short=b"-", text="-_"), None,
                            optional=True),
                          A(pool(true=True, false=False), False, optional=True,
                            keyword="validate")),
    "base64.urlsafe_b64decode": D(base64.urlsafe_b64decode, A(STR_OR_BYTES, "YQ==")),
    "base64.b32decode": D(base64.b32decode, A(STR_OR_BYTES, "ME======"),
                          A(pool(true=True, false=False), False, optional=True),
                          A(pool(none=None, L=b"L", bad=b"LL", text="L"), None, optional=True)),
    "base64.b64encode": D(base64.b64encode, A(BYTES, b"a"),
                          A(pool(none=None, good=b"-_", short=b"-", text="-_"), None,
                            optional=True)),
    "binascii.unhexlify": D(binascii.unhexlify, A(STR_OR_BYTES, "ab")),
    "binascii.a2b_base64": D(binascii.a2b_base64, A(STR_OR_BYTES, "YQ==")),
    "struct.pack": D(struct.pack,
                     A(STR_OR_BYTES | pool(int=">I", pascal="p", huge_count="4294967296s",
                                                        bad="Z"), ">I"),
                     A(ANY, 1), A(ANY, 2, optional=True)),
    "struct.unpack": D(struct.unpack, A(STR_OR_BYTES | pool(int=">I", huge_count="4294967296s"),
                                        ">I"), A(BYTES, b"\0\0\0\1")),
    "zlib.decompress": D(zlib.decompress, A(BYTES | pool(good=zlib.compress(b"x"),
                                                         truncated=zlib.compress(b"x" * 100)[:8]),
                                            zlib.compress(b"x")),
                         A(SMALL_INTS, 15, optional=True), A(SMALL_INTS, 1024, optional=True)),
    "gzip.decompress": D(gzip.decompress, A(BYTES | pool(
        good=gzip.compress(b"x"), truncated=gzip.compress(b"x" * 100)[:12],
        bad_crc=gzip.compress(b"x")[:-8] + b"\0" * 8,
        trailing_garbage=gzip.compress(b"x") + b"\1"), gzip.compress(b"x"))),
    "gzip.open": D(gzip.open, A(ARCHIVES, _file("good.gz"), wrong=NOT_A_PATH),
                   A(pool(read="rb", text="rt", write="wb", bad="zz", append="ab", exclusive="x",
                          NUL="r\0"), "rb", optional=True),
                   A(SMALL_INTS, 9, optional=True),
                   A(ENCODINGS, None, optional=True, keyword="encoding")),
    "zipfile.ZipFile": D(zipfile.ZipFile, A(ARCHIVES | Pool({
        "file object": lambda: io.BytesIO(b"PK\x05\x06" + b"\0" * 18),
        "closed file": _closed(lambda: io.BytesIO())}), _file("good.zip"), wrong=NOT_A_PATH),
                         A(pool(read="r", write="w", append="a", exclusive="x", bad="q"), "r",
                           optional=True),
                         A(SMALL_INTS | pool(deflated=zipfile.ZIP_DEFLATED), zipfile.ZIP_STORED,
                           optional=True)),
    "zipfile.ZipFile.__enter__": D(method("__enter__"), receiver(_zip("good.zip"), **ZIP_STATES)),
    "zipfile.ZipFile.__exit__": D(lambda archive: archive.__exit__(None, None, None), receiver(
        _zip("good.zip"), **ZIP_STATES)),
    "zipfile.ZipFile.extractall": D(method("extractall"), receiver(
        _zip("good.zip"), truncated=_zip("corrupt.zip"), closed=_closed(_zip("good.zip")),
        writing=_zip("new.zip", "w"), corrupt_lzma=_zip("corrupt-lzma.zip"),
        unknown_method=_zip("unknown-method.zip"), overlong=_zip("overlong.zip")),
        A(PATHS, _file("out"), optional=True, wrong=NOT_A_PATH),
        A(CONTAINERS | pool(missing=["nope"], good=["a.txt"]), None, optional=True),
        A(STR_OR_BYTES, None, optional=True)),
    "zipfile.is_zipfile": D(zipfile.is_zipfile, A(ARCHIVES | Pool({
        "file object": lambda: io.BytesIO(b"PK"), "closed file": _closed(lambda: io.BytesIO())}),
        _file("good.zip"), wrong=NOT_A_PATH)),
    "tarfile.open": D(tarfile.open, A(ARCHIVES, _file("good.tar"), wrong=NOT_A_PATH),
                      A(pool(read="r", gzip="r:gz", any="r:*", bad_compression="r:nope",
                             write="w", bad="q", stream="r|", empty=""), "r", optional=True)),
    "tarfile.TarFile.add": D(method("add"), receiver(
        _tar("new.tar", "w"), closed=_closed(_tar("new.tar", "w")), reading=_tar("good.tar"),
        ustar=_tar("new.tar", "w", format=tarfile.USTAR_FORMAT),
        gnu=_tar("new.tar", "w", format=tarfile.GNU_FORMAT), gzip=_tar("new.tar.gz", "w:gz")),
                             A(PATHS | Pool({"deep folder": _deep_folder,
                                             "long name": _long_named_file}), _file("text"),
                               wrong=NOT_A_PATH),
                             A(T, None, optional=True)),
    "tarfile.TarFile.extractall": D(method("extractall"), receiver(
        _tar("good.tar"), closed=_closed(_tar("good.tar")), corrupt=_tar("corrupt.tar"),
        writing=_tar("new.tar", "w"), cut_gz=_tar("cut.tar.gz"), cut_gz_stream=_tar(
            "cut.tar.gz", "r|gz"), cut_xz=_tar("cut.tar.xz"), corrupt_xz=_tar("corrupt.tar.xz"),
        corrupt_gz=_tar("corrupt.tar.gz"),
        far_future=_tar("far-future.tar"), huge_owner=_tar("huge-owner.tar")),
        A(PATHS, _file("out"), optional=True, wrong=NOT_A_PATH),
        A(CONTAINERS, None, optional=True),
        A(pool(data="data", tar="tar", fully_trusted="fully_trusted", unknown="nope"), "data",
          optional=True, keyword="filter")),
    "tarfile.is_tarfile": D(tarfile.is_tarfile, A(ARCHIVES | Pool({
        "file object": lambda: io.BytesIO(b"x"), "closed file": _closed(lambda: io.BytesIO())}),
        _file("good.tar"), wrong=NOT_A_PATH)),
    "re.compile": D(re.compile, A(REGEX, "a"), A(FLAGS, 0, optional=True)),
    **{f"re.{name}": D(getattr(re, name), A(REGEX, "a"), A(SUBJECTS, "abc"),
                       A(FLAGS, 0, optional=True, keyword="flags"))
       for name in ("match", "search", "fullmatch", "findall")},
    "re.split": D(re.split, A(REGEX, "a"), A(SUBJECTS, "abc"), A(SMALL_INTS, 0, optional=True),
                  A(FLAGS, 0, optional=True)),
    "re.sub": D(re.sub, A(REGEX, "a"), A(TEMPLATES, "x"), A(SUBJECTS, "abc"),
                A(SMALL_INTS, 0, optional=True), A(FLAGS, 0, optional=True)),
    "datetime.datetime.strptime": D(datetime.datetime.strptime, A(T | pool(
        good="2024-01-02"), "2024-01-02"), A(T | pool(good="%Y-%m-%d", bad="%Q", lone="%",
                                                     week="%U %Y", tz="%z"), "%Y-%m-%d")),
    "datetime.datetime.fromisoformat": D(datetime.datetime.fromisoformat, A(ISO_TEXT,
                                                                            "2024-01-02")),
    "datetime.date.fromisoformat": D(datetime.date.fromisoformat, A(ISO_TEXT, "2024-01-02")),
    "datetime.datetime.fromtimestamp": D(datetime.datetime.fromtimestamp, A(TIMESTAMPS, 0),
                                         A(pool(none=None, utc=datetime.timezone.utc), None,
                                           optional=True)),
    "datetime.datetime.now": D(datetime.datetime.now, A(pool(
        none=None, utc=datetime.timezone.utc, far=datetime.timezone(datetime.timedelta(
            hours=23, minutes=59))), None, optional=True)),
    "datetime.date": D(datetime.date, A(DATE_PARTS, 2024), A(DATE_PARTS, 1), A(DATE_PARTS, 2)),
    "datetime.datetime": D(datetime.datetime, A(DATE_PARTS, 2024), A(DATE_PARTS, 1),
                           A(DATE_PARTS, 2), A(DATE_PARTS, 3, optional=True),
                           A(DATE_PARTS, 4, optional=True), A(DATE_PARTS, 5, optional=True),
                           A(DATE_PARTS, 6, optional=True)),
    "decimal.Decimal": D(decimal.Decimal, A(SCALARS | pool(
        exponent="1e999999999999999999", tuple=(0, (1, 2), -1), bad_tuple=(3, (1,), 0),
        digits_tuple=(0, (10,), 0)), "1.5", optional=True)),
    "uuid.UUID": D(uuid.UUID, A(T | pool(good="12345678123456781234567812345678"),
                                "12345678123456781234567812345678", optional=True),
                   A(BYTES, None, optional=True, keyword="bytes"),
                   A(INTS, None, optional=True, keyword="int")),
    "uuid.uuid4": _under(uuid.uuid4),
    **{f"ipaddress.{name}": D(getattr(ipaddress, name), A(T | INTS.prefixed("int") | BYTES.prefixed(
        "bytes") | pool(v4="1.2.3.4", v6="::1", net="10.0.0.0/8", host_bits="10.0.0.1/8",
                        scoped="fe80::1%eth0", tuple=("1.2.3.4", 24), huge_prefix="1.2.3.4/99"),
        "1.2.3.4"))
       for name in ("ip_address", "ip_network", "ip_interface")},
    "hmac.compare_digest": D(hmac.compare_digest, A(STR_OR_BYTES, "a"), A(STR_OR_BYTES, "a")),
    "hmac.new": D(hmac.new, A(BYTES, b"k"), A(BYTES, b"m", optional=True),
                  A(T | pool(sha256="sha256", upper_case="SHA256", shake="shake_128",
                             unknown="nope", function=hashlib.sha256, none=None,
                             not_a_digest=lambda: (lambda: 1)), "sha256")),
    "hashlib.md5": D(hashlib.md5, A(BYTES, b"", optional=True)),
    "hashlib.sha256": D(hashlib.sha256, A(BYTES, b"", optional=True)),
    "hashlib.pbkdf2_hmac": D(hashlib.pbkdf2_hmac, A(pool(sha256="sha256", unknown="nope",
                                                         empty=""), "sha256"),
                             A(BYTES, b"p"), A(BYTES, b"s"),
                             A(pool(zero=0, minus_one=-1, two=2, huge=2**64, digits=10**5000),
                               2, wrong=NO_BIG_COUNTS),
                             A(pool(zero=0, minus_one=-1, small=64, huge=2**64, digits=10**5000,
                                    none=None), None, optional=True, wrong=NO_BIG_COUNTS)),
    "calendar.timegm": D(calendar.timegm, A(CONTAINERS | pool(
        good=(2024, 1, 2, 3, 4, 5), huge_year=(10**100, 1, 1, 0, 0, 0), short=(2024,),
        struct=time.gmtime(0)), (2024, 1, 2, 3, 4, 5))),
})

# -- classes ------------------------------------------------------------------------------------

CLASS_DRIVERS: dict[str, tuple[Pool, Pool]] = {}
"""``[[class]]`` name -> (receivers, argument values): every public method of each receiver's
class, and the special methods the inference asks about, called with up to two arguments."""

# -- files and processes ------------------------------------------------------------------------

FIXED_ANY = Pool(dict(ANY.values))
"""Values of any builtin type, without hypothesis' random ones: for arguments where a random
string could name a program or a path outside the sandbox."""


def _path_receivers() -> Pool:
    """``pathlib.Path`` objects for the sandbox's fixtures (str paths only: Path takes no bytes)."""
    made = {name: (lambda f=factory: pathlib.Path(f())) for name, factory in PATHS.values.items()
            if isinstance(name, str) and name not in ("as bytes", "bytes with NUL",
                                                      "undecodable bytes")}
    return Pool(made, tuple(r.map(lambda d: Deferred(lambda: pathlib.Path(
        os.fsdecode(d.make())))) for r in PATHS.random))


PATH_RECEIVERS = _path_receivers()
MODES = pool(read_only=0o400, all=0o777, none=0, huge=2**100, negative=-1, setuid=0o4755,
             beyond=0o10000000)
FILE_RECEIVERS = Pool({
    "text for reading": _opened("text", encoding="utf-8"),
    "binary for reading": _opened("binary", "rb"),
    "undecodable text": _opened("binary", encoding="utf-8"),
    "ASCII text for writing": _opened("new", "w", encoding="ascii"),
    "binary for writing": _opened("new", "wb"),
    "unbuffered": _opened("new", "wb", buffering=0),
    "read-only, written": _opened("text", "r"),
    "closed": _closed(_opened("text")),
    "full device": lambda: open("/dev/full", "w"),  # noqa: SIM115 - ENOSPC on flush
    "full device, written": lambda: _written(open("/dev/full", "w")),  # noqa: SIM115
    "broken pipe": lambda: _broken_pipe(),
    "broken pipe, written": lambda: _written(_broken_pipe()),
    "text over a broken pipe, written": lambda: _written(io.TextIOWrapper(_broken_pipe())),
    "in memory": lambda: io.StringIO("a\nb"),
})


_OF_THE_FILES_KIND = object()
"""The benign data for a write: a literal of the file's kind (str to a text file), as code
writes one; data that is not a literal may be of the other kind (the entry's arguments)."""


def _write(file: Any, data: Any) -> Any:
    if data is _OF_THE_FILES_KIND:
        data = "x" if isinstance(file, io.TextIOBase) else b"x"
    return file.write(data)


def _written(file: Any) -> Any:
    """A file holding buffered data that flushing or closing it must write."""
    file.write("x" if isinstance(file, io.TextIOBase) else b"x")
    return file


def _broken_pipe() -> Any:
    read, write = os.pipe()
    os.close(read)
    return os.fdopen(write, "wb")


def _python(*args: Any) -> Callable[[], list[Any]]:
    return lambda: [sys.executable, "-c", *args]


COMMANDS = Pool({
    "succeeds": _python("pass"),
    "fails": _python("raise SystemExit(3)"),
    "sleeps": _python("import time; time.sleep(1)"),
    "missing program": lambda: [os.path.join(Sandbox.dir(), "missing")],
    "not executable": lambda: [os.path.join(Sandbox.dir(), "text")],
    "a folder": lambda: [os.path.join(Sandbox.dir(), "dir")],
    "empty": list,
    "NUL in an argument": _python("pass", "a\0"),
    "surrogate in an argument": _python("pass", "\ud800"),
    "huge argument": _python("pass", "a" * 200_000),
    "bytes": lambda: [os.fsencode(sys.executable), b"-c", b"pass"],
    "Path": lambda: [pathlib.Path(sys.executable), "-c", "pass"],
    "None in the list": _python("pass", None),
    "number in the list": _python("pass", 1),
    "a string": lambda: os.path.join(Sandbox.dir(), "missing"),
})
"""Programs to run: this Python with hostile arguments, or paths inside the sandbox; never a
name a random string could spell."""
ENVIRONMENTS = pool(none=None, empty={}, NUL_value={"A": "\0"}, equals_in_name={"A=B": "1"},
                    empty_name={"": "1"}, number={"A": 1}, surrogate={"A": "\ud800"},
                    bytes={b"A": b"1"})
TIMEOUTS = pool(none=None, tiny=0.01, zero=0, negative=-1, nan=float("nan"),
                infinity=float("inf"), huge=2**100, text="1")
NET_TIMEOUTS = pool(tiny=0.01, zero=0, negative=-1, nan=float("nan"), huge=2**100, text="1",
                    huge_float=1e300)
"""Timeouts for calls that may meet the silent port: None or infinity there only hangs."""
SUBPROCESS = (A(COMMANDS, _python("pass"), wrong=Pool(dict(NOT_A_PATH.values))),
              A(ENVIRONMENTS, None, optional=True, keyword="env"),
              A(PATHS, None, optional=True, keyword="cwd", wrong=NOT_A_PATH),
              A(TIMEOUTS, None, optional=True, keyword="timeout"),
              A(pool(true=True, false=False), False, optional=True, keyword="check"),
              A(pool(none=None, text="x", bytes=b"x", surrogate="\ud800"), None, optional=True,
                keyword="input"),
              A(pool(true=True, false=False), False, optional=True, keyword="text"),
              A(pool(true=True, false=False), False, optional=True, keyword="shell"))


def _run(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(args: Any, **options: Any) -> Any:
        if options.get("shell") and not isinstance(args, list):
            options["shell"] = False  # a string under a shell is a command line: never run
        if "input" in options and function is not subprocess.run:
            del options["input"]
        if "check" in options and function is not subprocess.run:
            del options["check"]
        if options.get("shell"):
            args = [sys.executable, "-c", "pass"]  # a shell runs only this
        if function is not subprocess.check_output:  # it takes stdout itself
            options["stdout"] = subprocess.DEVNULL
        return function(args, stderr=subprocess.DEVNULL, **options)
    return call


def _popen(args: Any, **options: Any) -> None:
    options.pop("timeout", None)
    options.pop("check", None)
    options.pop("input", None)
    if options.get("shell"):
        args = [sys.executable, "-c", "pass"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               **options)
    process.kill()
    process.wait()


DRIVERS.update({
    **{f"os.{name}": D(getattr(os, name), A(PATHS, _file("text"), wrong=NOT_A_PATH))
       for name in ("remove", "unlink", "rmdir", "listdir", "scandir", "stat", "lstat", "chdir",
                    "readlink")},
    **{f"os.{name}": D(getattr(os, name), A(PATHS, _file("text"), wrong=NOT_A_PATH),
                       A(PATHS, _file("moved"), wrong=NOT_A_PATH))
       for name in ("rename", "replace")},
    "os.mkdir": D(os.mkdir, A(PATHS, _file("new"), wrong=NOT_A_PATH),
                  A(MODES, 0o777, optional=True)),
    "os.makedirs": D(os.makedirs, A(PATHS, _file("new"), wrong=NOT_A_PATH),
                     A(MODES, 0o777, optional=True),
                     A(pool(true=True, false=False), False, optional=True, keyword="exist_ok")),
    "os.chmod": D(os.chmod, A(PATHS, _file("text"), wrong=NOT_A_PATH), A(MODES, 0o600)),
    "os.symlink": D(os.symlink, A(T | pool(target="text"), "text"),
                    A(PATHS, _file("link"), wrong=NOT_A_PATH)),
    "os.kill": D(os.kill, A(Pool({"this process": os.getpid}) | pool(
        beyond_pid_max=4194305, huge=2**100, minus_huge=-(2**100), beyond_int=2**31),
        lambda: os.getpid(), wrong=NOT_A_PATH),
                 A(pool(probe=0, invalid=-1, beyond=65, huge=2**100, minus_huge=-(2**100),
                        beyond_int=2**31), 0, wrong=NOT_A_PATH)),
    # os.fsync takes an object with a fileno() method as well; os.close takes a number only
    **{f"os.{name}": D(getattr(os, name), A(Pool({
        "open descriptor": lambda: os.open(os.path.join(Sandbox.dir(), "text"), os.O_RDONLY),
        **({"a file object": _opened("text")} if name == "fsync" else {})}) | pool(
        not_open=10**6, minus_one=-1, huge=2**100, minus_huge=-(2**100), beyond_int=2**31),
        10**6, wrong=NOT_A_PATH | Pool({"a file object": _opened("text")})))
       for name in ("close", "fsync")},
    "os.getenv": D(os.getenv, A(T, "HOME"), A(ANY, None, optional=True)),
    "os.environ.get": D(os.environ.get, A(T, "HOME"), A(ANY, None, optional=True)),
    **{f"os.path.{name}": D(getattr(os.path, name), A(PATHS, _file("text"), wrong=NOT_A_PATH))
       for name in ("getsize", "getmtime", "getatime", "exists", "isfile", "isdir", "basename",
                    "dirname", "abspath", "splitext")},
    "os.path.realpath": D(os.path.realpath, A(PATHS, _file("text"), wrong=NOT_A_PATH),
                          A(pool(true=True, false=False), False, optional=True,
                            keyword="strict")),
    "os.path.join": D(os.path.join, A(PATHS | T.prefixed("str"), _file("text"),
                                      wrong=NOT_A_PATH),
                      A(PATHS | T.prefixed("str") | B.prefixed("bytes"), "x", wrong=NOT_A_PATH,
                        optional=True)),
    **{f"shutil.{name}": D(getattr(shutil, name), A(PATHS, _file("text"), wrong=NOT_A_PATH),
                           A(PATHS, _file("copy"), wrong=NOT_A_PATH))
       for name in ("copyfile", "copy", "copy2", "copytree", "move")},
    "shutil.rmtree": D(shutil.rmtree, A(PATHS, _file("dir"), wrong=NOT_A_PATH)),
    "shutil.disk_usage": D(shutil.disk_usage, A(PATHS, _file("dir"), wrong=NOT_A_PATH)),
    "shutil.which": D(shutil.which, A(T | B, "python3"),
                      A(SMALL_INTS, os.X_OK, optional=True),
                      A(PATHS | pool(none=None), None, optional=True, wrong=NOT_A_PATH)),
    "pathlib.Path": D(pathlib.Path, A(PATHS | T.prefixed("str"), "x", optional=True,
                                      wrong=NOT_A_PATH),
                      A(PATHS | T.prefixed("str"), "y", optional=True, wrong=NOT_A_PATH)),
    "pathlib.Path.read_text": D(method("read_text"), A(PATH_RECEIVERS, receiver=True),
                                A(ENCODINGS, "utf-8", optional=True),
                                A(ERRORS, "strict", optional=True)),
    "pathlib.Path.read_bytes": D(method("read_bytes"), A(PATH_RECEIVERS, receiver=True)),
    "pathlib.Path.write_text": D(method("write_text"), A(PATH_RECEIVERS, receiver=True),
                                 A(T, "x"), A(ENCODINGS, "utf-8", optional=True),
                                 A(ERRORS, "strict", optional=True)),
    "pathlib.Path.write_bytes": D(method("write_bytes"), A(PATH_RECEIVERS, receiver=True),
                                  A(B, b"x")),
    "pathlib.Path.open": D(method("open"), A(PATH_RECEIVERS, receiver=True),
                           A(pool(read="r", write="w", binary="rb", bad="zz", NUL="r\0"), "r",
                             optional=True), A(SMALL_INTS, -1, optional=True),
                           A(ENCODINGS, None, optional=True)),
    **{f"pathlib.Path.{name}": D(method(name), A(PATH_RECEIVERS, receiver=True))
       for name in ("unlink", "rmdir", "stat", "resolve", "exists", "is_file", "is_dir")},
    "pathlib.Path.mkdir": D(method("mkdir"), A(PATH_RECEIVERS, receiver=True),
                            A(MODES, 0o777, optional=True),
                            A(pool(true=True, false=False), False, optional=True),
                            A(pool(true=True, false=False), False, optional=True)),
    "pathlib.Path.rename": D(method("rename"), A(PATH_RECEIVERS, receiver=True),
                             A(PATHS, _file("renamed"), wrong=NOT_A_PATH)),
    "pathlib.Path.relative_to": D(method("relative_to"), A(PATH_RECEIVERS, receiver=True),
                                  A(PATHS | T.prefixed("str"), "/", wrong=NOT_A_PATH)),
    "io.IOBase.read": D(method("read"), A(FILE_RECEIVERS, receiver=True),
                        A(INTS | pool(none=None), -1, optional=True)),
    # TextIOWrapper.readline takes an int only (None is a wrong type, as for a may-be-None
    # argument: wrong_types), read and readlines take None too
    "io.IOBase.readline": D(method("readline"), A(FILE_RECEIVERS, receiver=True),
                            A(INTS, -1, optional=True)),
    "io.IOBase.readlines": D(method("readlines"), A(FILE_RECEIVERS, receiver=True),
                             A(INTS | pool(none=None), -1, optional=True)),
    "io.IOBase.write": D(_write, A(FILE_RECEIVERS, receiver=True),
                         A(T | B | pool(big=b"x" * 70_000), _OF_THE_FILES_KIND)),
    "io.IOBase.seek": D(method("seek"), A(FILE_RECEIVERS, receiver=True), A(INTS, 0),
                        A(SMALL_INTS, 0, optional=True)),
    **{f"io.IOBase.{name}": D(method(name), A(FILE_RECEIVERS, receiver=True))
       for name in ("flush", "close", "__enter__")},
    "io.IOBase.__exit__": D(lambda f: f.__exit__(None, None, None),
                            A(FILE_RECEIVERS, receiver=True)),
    **{f"subprocess.{name}": D(_run(getattr(subprocess, name)), *SUBPROCESS)
       for name in ("run", "call", "check_call", "check_output")},
    "subprocess.Popen": D(_popen, *SUBPROCESS),
    "importlib.metadata.version": D(importlib.metadata.version, A(T | pool(
        installed="pytest", missing="kb-hostile-nope"), "pytest")),
})

# -- pathlib beyond reading and writing (rules/exceptions/stdlib_pathlib.toml) -------------------

PURE_PATHS = PATH_RECEIVERS | Pool({
    name: (lambda text=text: pathlib.Path(text)) for name, text in {
        "relative": "a/b.txt", "empty": "", "dot": ".", "parent": "..", "root": "/",
        "home": "~", "home of root": "~root", "home of nobody": "~kb-hostile-nobody",
        "home with NUL": "~a\0b", "home with a surrogate": "~\udcff", "double suffix": "a.tar.gz",
        "trailing dot": "a.", "NUL": "a\0b", "lone surrogate": "\ud800"}.items()})
"""Paths pathlib only computes with (no system call): the sandbox's, and relative and odd
ones, the root among them (never walked or changed)."""
PATTERNS = T.without(lambda v: len(v) < 10_000) | pool(
    star="*", recursive="**", recursive_file="**/*.txt", absolute="/x", stars_inside="a**",
    parent="../*", bracket="[", class_="[a-z]*", dot_star=".*", trailing_slash="dir/")
SUFFIXES = T | pool(txt=".txt", no_dot="txt", dot=".", double=".a.b", slash="/x", NUL=".\0",
                    dot_slash="./", none_empty="")
NAMES = T | pool(plain="b.txt", slash="a/b", dot=".", dots="..", NUL="a\0b")


def _listed(method_name: str) -> Callable[..., Any]:
    """The method's result, iterated (glob, rglob and iterdir are lazy up to Python 3.12)."""
    return lambda path, *args: list(getattr(path, method_name)(*args))


def _with_cwd_gone(make: Callable[[], pathlib.Path]) -> Callable[[], pathlib.Path]:
    def made() -> pathlib.Path:
        _gone_cwd()
        return make()
    return made


RELATIVE_PATHS = PATH_RECEIVERS | Pool({
    "relative": lambda: pathlib.Path("a"), "empty": lambda: pathlib.Path(""),
    "relative, working directory removed": _with_cwd_gone(lambda: pathlib.Path("a")),
    "relative, working directory past PATH_MAX": lambda: (_deep_cwd(), pathlib.Path("a"))[1],
})

DRIVERS.update({
    "pathlib.Path.absolute": D(method("absolute"), A(RELATIVE_PATHS, receiver=True)),
    "pathlib.Path.cwd": D(lambda condition: pathlib.Path.cwd(), A(CONDITIONS, "plain",
                                                                  receiver=True)),
    "pathlib.Path.glob": D(_listed("glob"), A(PATH_RECEIVERS, receiver=True),
                           A(PATTERNS, "*")),
    "pathlib.Path.rglob": D(_listed("rglob"), A(PATH_RECEIVERS, receiver=True),
                            A(PATTERNS, "*")),
    "pathlib.Path.iterdir": D(_listed("iterdir"), A(PATH_RECEIVERS, receiver=True)),
    "pathlib.Path.with_suffix": D(method("with_suffix"), A(PURE_PATHS, receiver=True),
                                  A(SUFFIXES, ".txt")),
    "pathlib.Path.with_name": D(method("with_name"), A(PURE_PATHS, receiver=True),
                                A(NAMES, "b.txt")),
    "pathlib.Path.as_uri": D(method("as_uri"), A(PURE_PATHS, receiver=True)),
    "pathlib.Path.match": D(method("match"), A(PURE_PATHS, receiver=True), A(PATTERNS, "*")),
    "pathlib.Path.is_relative_to": D(method("is_relative_to"), A(PURE_PATHS, receiver=True),
                                     A(PATHS | T.prefixed("str"), "/", wrong=NOT_A_PATH)),
    "pathlib.Path.touch": D(method("touch"), A(PATH_RECEIVERS, receiver=True),
                            A(MODES, 0o666, optional=True),
                            A(pool(true=True, false=False), True, optional=True)),
    "pathlib.Path.expanduser": D(lambda path, _condition: path.expanduser(),
                                 A(PURE_PATHS, receiver=True),
                                 A(CONDITIONS, "plain", receiver=True)),
    **{f"pathlib.Path.{name}": D(method(name), A(PATH_RECEIVERS, receiver=True))
       for name in ("is_symlink", "lstat", "readlink")},
    "pathlib.Path.chmod": D(method("chmod"), A(PATH_RECEIVERS, receiver=True), A(MODES, 0o600)),
    "pathlib.Path.replace": D(method("replace"), A(PATH_RECEIVERS, receiver=True),
                              A(PATHS, _file("moved"), wrong=NOT_A_PATH)),
    "pathlib.Path.samefile": D(method("samefile"), A(PATH_RECEIVERS, receiver=True),
                               A(PATHS, _file("text"), wrong=NOT_A_PATH)),
})


# -- network, databases, concurrency ------------------------------------------------------------


RAW_RESPONSES = {
    "/broken": b"HTTP/1.1 999 \xff\r\nX: \0\r\n\r\n",
    "/no-answer": b"",
    "/bad-status": b"HTTP/1.1 abc OK\r\n\r\n",
    "/not-http": b"hello\r\n\r\n",
    "/many-headers": b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 200 + b"\r\n",
    "/long-header": b"HTTP/1.1 200 OK\r\nX: " + b"y" * 70_000 + b"\r\n\r\n",
    "/long-status": b"HTTP/1.1 200 " + b"O" * 70_000 + b"\r\n\r\n",
    "/bad-length": b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    "/huge-length": b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",
    "/bad-chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "/continue-forever": b"HTTP/1.1 100 Continue\r\n\r\n" * 3,
    "/headers-cut": b"HTTP/1.1 200 OK\r\nX: y",
    **{f"/status-{code}": b"HTTP/1.1 %d R\r\nContent-Length: 0\r\n\r\n" % code
       for code in (204, 301, 399, 400, 418, 500, 599, 600, 999)},
    "/no-reason": b"HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n",
    "/undecodable-reason": b"HTTP/1.1 404 \xff\xfe\r\nContent-Length: 0\r\n\r\n",
}
"""What the local server answers on these paths, byte for byte: the replies a broken or hostile
server gives."""


class Servers:
    """A local HTTP server answering hostile responses, a port that accepts and never
    answers, and a closed port: made once per child process."""

    http_port = silent_port = closed_port = 0

    @classmethod
    def start(cls) -> None:
        if cls.http_port:
            return
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path in RAW_RESPONSES:
                    self.wfile.write(RAW_RESPONSES[self.path])
                    self.close_connection = True
                    return
                body = b"[" * 100_000 if self.path == "/deep" else b"\xff\xfe{"
                self.send_response(404 if self.path == "/missing" else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(128)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        cls.closed_port = probe.getsockname()[1]
        probe.close()
        cls.http_port, cls.silent_port = server.server_address[1], silent.getsockname()[1]
        cls._keep = (server, silent)


def _port(kind: str) -> Callable[[], int]:
    def make() -> int:
        Servers.start()
        return int(getattr(Servers, f"{kind}_port"))
    return make


def _url(path: str = "/", kind: str = "http", scheme: str = "http") -> Callable[[], str]:
    return lambda: f"{scheme}://127.0.0.1:{_port(kind)()}{path}"


HOSTS = pool(loopback="127.0.0.1", ipv6="::1", name="localhost", NUL="local\0host",
             long_label="a" * 64, too_long="a." * 200, surrogate="\ud800", empty="",
             bad_punycode="xn--", invalid=".invalid", numeric_overflow="999.999.999.999",
             bytes=b"127.0.0.1")
PORTS = Pool({"closed": _port("closed"), "silent": _port("silent")}) | pool(
    zero=0, beyond=65536, negative=-1, huge=2**100, text="http", numeric_text="80", none=None)
ADDRESSES = Pool({
    "closed port": lambda: ("127.0.0.1", _port("closed")()),
    "silent port": lambda: ("127.0.0.1", _port("silent")()),
}) | pool(beyond_port=("127.0.0.1", 65536), huge_port=("127.0.0.1", 2**100),
          NUL_host=("a\0", 80), surrogate_host=("\ud800", 80), long_host=("a" * 64, 80),
          too_few=("127.0.0.1",), text_port=("127.0.0.1", "x"), none=(None, None),
          empty=("", 0))
URLS = Pool({
    "served": _url(), "not found": _url("/missing"), "broken response": _url("/broken"),
    "silent": _url(kind="silent"), "closed": _url(kind="closed"),
    "deep JSON": _url("/deep"),
}) | T | pool(no_scheme="example", unknown_scheme="nope://x", file="file:///nonexistent",
              bad_ipv6="http://[::1", bad_port="http://127.0.0.1:99999/",
              control="http://127.0.0.1/\r\nX: y", space="http://127.0.0.1/a b",
              data_url="data:text/plain;base64,!!", NUL="http://127.0.0.1/\0",
              surrogate="http://127.0.0.1/\ud800", ftp="ftp://127.0.0.1:1/")
DATABASES = Pool({
    "in memory": lambda: sqlite3.connect(":memory:"),
    "closed": _closed(lambda: sqlite3.connect(":memory:")),
    "in a transaction": lambda: _transaction(),
    "with a table": lambda: _table(),
    "of another thread": lambda: _in_thread(lambda: sqlite3.connect(":memory:")),
    "foreign key violation pending": lambda: _deferred_violation(),
    "locked by a reader": lambda: _locked_by_a_reader(),
    "in autocommit mode": lambda: sqlite3.connect(":memory:", isolation_level=None),
    "file removed": lambda: _file_database(remove=True),
})
SQL = T | pool(select="select 1", parameter="select ?", named="select :a",
               insert="insert into t values (?)", bad="nope", two="select 1; select 2",
               deep="select " + "(" * 2000 + "1" + ")" * 2000)
PARAMETERS = CONTAINERS | pool(one=(1,), huge=(2**100,), text=("\ud800",), named={"a": 1},
                               object=(object(),), none=None)


def _in_thread(make: Callable[[], Any]) -> Any:
    """What ``make`` returns, made in another thread (sqlite3 objects check the thread)."""
    made: list[Any] = []
    worker = threading.Thread(target=lambda: made.append(make()))
    worker.start()
    worker.join()
    return made[0]


def _deferred_violation() -> sqlite3.Connection:
    """A transaction breaking a deferred foreign key: commit raises IntegrityError."""
    connection = sqlite3.connect(":memory:")
    connection.executescript(
        "pragma foreign_keys = on; create table p (id integer primary key);"
        "create table c (p references p (id) deferrable initially deferred);")
    connection.execute("insert into c values (1)")
    return connection


_READERS: list[Any] = []


def _file_database(remove: bool = False) -> sqlite3.Connection:
    path = os.path.join(Sandbox.dir(), "db.sqlite")
    connection = sqlite3.connect(path, timeout=0)
    connection.execute("create table t (x)")
    connection.executemany("insert into t values (?)", [(1,), (2,), (3,)])
    connection.commit()
    if remove:
        os.remove(path)
    return connection


def _locked_by_a_reader() -> sqlite3.Connection:
    """A connection holding a write while another reads: committing it finds the database
    locked (OperationalError) at once (timeout 0)."""
    writer = _file_database()
    reader = sqlite3.connect(os.path.join(Sandbox.dir(), "db.sqlite"), timeout=0)
    cursor = reader.execute("select x from t")
    cursor.fetchone()  # the statement stays open (the cursor steps one row ahead)
    _READERS[:] = [reader, cursor]  # kept: collected, it would release its lock
    writer.execute("insert into t values (1)")
    return writer


def _transaction() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute("create table t (x unique)")
    connection.execute("insert into t values (1)")
    return connection


def _table() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute("create table t (x unique)")
    connection.commit()
    return connection


def _cursor(factory: Callable[[], sqlite3.Connection]) -> Callable[[], sqlite3.Cursor]:
    return lambda: factory().cursor()


CURSORS = Pool({
    "fresh": _cursor(DATABASES.values["in memory"]),
    "executed": lambda: sqlite3.connect(":memory:").execute("select 1 union select 2"),
    "closed": _closed(_cursor(DATABASES.values["in memory"])),
    "of a closed connection": lambda: _cursor_of_closed(),
    "of another thread": lambda: _in_thread(_cursor(DATABASES.values["in memory"])),
    "undecodable text": lambda: sqlite3.connect(":memory:").execute(
        "select 1 union all select cast(x'ff' as text)"),
    "overflowing later": lambda: sqlite3.connect(":memory:").execute(
        "select 1 union all select abs(-9223372036854775807 - 1)"),
    "interrupted": lambda: _interrupted(),
})


def _interrupted() -> sqlite3.Cursor:
    connection = sqlite3.connect(":memory:")
    cursor = connection.execute("select 1 union all select 2")
    connection.interrupt()
    return cursor


def _cursor_of_closed() -> sqlite3.Cursor:
    connection = sqlite3.connect(":memory:")
    cursor = connection.execute("select 1")
    connection.close()
    return cursor


SOCKETS = Pool({
    "fresh": socket.socket,
    "closed": _closed(socket.socket),
    "pair": lambda: _pair(),
    "UDP": lambda: _timed(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)),
    "timing out": lambda: _pair(timeout=0.05),
    "peer gone": lambda: _pair(peer_closed=True),
})


_OF_THE_FAMILY = object()
"""The benign address for a connect: a literal of the socket's family, as code writes one (an
(host, port) pair for AF_INET, a path for AF_UNIX); an address that is not a literal may be of
another shape (the entry's arguments)."""
UNIX_ADDRESSES = Pool({"missing socket file": lambda: os.path.join(Sandbox.dir(), "missing"),
                       "a file, not a socket": lambda: os.path.join(Sandbox.dir(), "text")}) | pool(
    abstract="\0kb-hostile-none", bytes=b"/nonexistent", too_long="/" + "a" * 200)


def _connect(sock: socket.socket, address: Any) -> None:
    if address is _OF_THE_FAMILY:
        unix = sock.family == socket.AF_UNIX
        address = os.path.join(Sandbox.dir(), "missing") if unix else ("127.0.0.1", _port(
            "closed")())
    sock.connect(address)


def _timed(sock: socket.socket) -> socket.socket:
    sock.settimeout(0.2)
    return sock


def _pair(timeout: float | None = 0.2, peer_closed: bool = False) -> socket.socket:
    mine, theirs = socket.socketpair()
    mine.settimeout(timeout)
    if peer_closed:
        theirs.close()
    else:
        _PEERS.append(theirs)
    return mine


_PEERS: list[socket.socket] = []
CONNECTIONS = Pool({
    "closed port": lambda: http.client.HTTPConnection("127.0.0.1", _port("closed")(), timeout=1),
    "served": lambda: http.client.HTTPConnection("127.0.0.1", _port("http")(), timeout=1),
    "silent": lambda: http.client.HTTPConnection("127.0.0.1", _port("silent")(), timeout=0.2),
})


def _requested(path: str, kind: str = "http") -> Callable[[], http.client.HTTPConnection]:
    def make() -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection("127.0.0.1", _port(kind)(), timeout=1)
        connection.request("GET", path)
        return connection
    return make


def _requested_twice() -> http.client.HTTPConnection:
    """A response taken and not read: the next getresponse() is ResponseNotReady."""
    connection = _requested("/")()
    connection.getresponse()
    return connection


async def _in_new_loop(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


async def _coroutine() -> None:
    return None


QUEUES = Pool({"empty": asyncio.Queue, "full": lambda: _full_queue(asyncio.Queue(1))})
THREAD_QUEUES = Pool({"empty": queue.Queue, "full": lambda: _full_queue(queue.Queue(1))})


def _drained(q: Any) -> Any:
    q.get_nowait()
    return q


def _full_queue(q: Any) -> Any:
    q.put_nowait(1)
    return q


def _acquired(lock: Any) -> Any:
    """``lock`` acquired without waiting (an asyncio one outside a loop: its uncontended
    acquire() returns at the first step)."""
    acquired = lock.acquire()
    if inspect.iscoroutine(acquired):
        try:
            acquired.send(None)
        except StopIteration:
            pass
    return lock


def _released_elsewhere(lock: Any) -> Any:
    worker = threading.Thread(target=lambda: lock.release() if lock.locked() else None)
    worker.start()
    worker.join()
    return lock


def _async_lock_states(cls: type, name: str) -> Pool:
    """An asyncio lock as ``async with`` meets it: on entry free (or used in another loop); on
    exit held by the block, or released in it (a release too many)."""
    if name in ("__aenter__", "acquire"):
        return Pool({"fresh": cls, "used in another loop": lambda: _used_in_a_loop(cls()),
                     "acquired and released": lambda: _released(_acquired(cls())),
                     "held, bound to another loop": lambda: _acquired(_bound_elsewhere(cls()))})
    if name == "release":
        return Pool({"acquired": lambda: _acquired(cls()), "fresh": cls,
                     "acquired and released": lambda: _released(_acquired(cls()))})
    states = {"acquired": lambda: _acquired(cls()), "released in the block": cls}
    if cls is not asyncio.Lock:
        states["acquired twice, released once"] = lambda: _released(_acquired(_acquired(cls(2))))
    return Pool(states)


def _released(lock: Any) -> Any:
    lock.release()
    return lock


def _bound_elsewhere(lock: Any) -> Any:
    """``lock`` waited for in an event loop, now ended: it is bound to that loop, and waiting
    for it in another raises RuntimeError."""
    async def hold() -> None:
        async with lock:
            await asyncio.sleep(0)

    async def contend() -> None:
        holder = asyncio.ensure_future(hold())
        await asyncio.sleep(0)
        async with lock:
            pass
        await holder
    asyncio.run(contend())
    return lock


def _used_in_a_loop(lock: Any) -> Any:
    async def use() -> None:
        async with lock:
            pass
    asyncio.run(use())
    return lock


DRIVERS.update({
    "socket.socket": D(socket.socket, A(SMALL_INTS | pool(inet=socket.AF_INET, unix=socket.AF_UNIX),
                                        socket.AF_INET, optional=True, wrong=NOT_A_PATH),
                       A(SMALL_INTS | pool(stream=socket.SOCK_STREAM), socket.SOCK_STREAM,
                         optional=True, wrong=NOT_A_PATH),
                       A(SMALL_INTS, 0, optional=True, wrong=NOT_A_PATH)),
    "socket.socket.connect": D(_connect, A(SOCKETS, receiver=True),
                               A(ADDRESSES | UNIX_ADDRESSES, _OF_THE_FAMILY)),
    "socket.socket.send": D(method("send"), A(SOCKETS, receiver=True),
                            A(B | pool(big=b"x" * 1_000_000), b"x"),
                            A(SMALL_INTS, 0, optional=True)),
    "socket.socket.sendall": D(method("sendall"), A(SOCKETS, receiver=True),
                               A(B | pool(big=b"x" * 100_000), b"x"),
                               A(SMALL_INTS, 0, optional=True)),
    "socket.socket.recv": D(method("recv"), A(SOCKETS, receiver=True), A(SMALL_INTS, 10),
                            A(SMALL_INTS, 0, optional=True)),
    "socket.socket.close": D(method("close"), A(SOCKETS, receiver=True)),
    "socket.socket.__enter__": D(method("__enter__"), A(SOCKETS, receiver=True)),
    "socket.socket.__exit__": D(lambda s: s.__exit__(None, None, None), A(SOCKETS, receiver=True)),
    "socket.create_connection": D(socket.create_connection, A(ADDRESSES,
                                                              ADDRESSES.values["closed port"]),
                                  A(NET_TIMEOUTS, 1, optional=True),
                                  A(pool(none=None, bad=("nope", 0), good=("127.0.0.1", 0)),
                                    None, optional=True)),
    "socket.getaddrinfo": D(socket.getaddrinfo, A(HOSTS | pool(none=None), "127.0.0.1"),
                            A(PORTS, 80), A(SMALL_INTS, 0, optional=True),
                            A(SMALL_INTS, 0, optional=True)),
    # a purpose that is not an ssl.Purpose (a str) is a wrong type: TypeError (wrong_types)
    "ssl.create_default_context": D(ssl.create_default_context, A(pool(
        server=ssl.Purpose.SERVER_AUTH, client=ssl.Purpose.CLIENT_AUTH), ssl.Purpose.SERVER_AUTH,
        optional=True),
        A(PATHS | pool(none=None), None, optional=True, keyword="cafile", wrong=NOT_A_PATH),
        A(PATHS | pool(none=None), None, optional=True, keyword="capath", wrong=NOT_A_PATH),
        A(T | B | pool(none=None), None, optional=True, keyword="cadata")),
    "ssl.SSLContext.load_cert_chain": D(method("load_cert_chain"), receiver(
        lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)),
        A(PATHS, _file("text"), wrong=NOT_A_PATH),
        A(PATHS | pool(none=None), None, optional=True, wrong=NOT_A_PATH),
        A(T | B | pool(none=None, long="a" * 2000), None, optional=True)),
    "urllib.request.urlopen": D(urllib.request.urlopen, A(URLS, _url()),
                                A(B | pool(none=None), None, optional=True),
                                A(NET_TIMEOUTS, 2, optional=True)),
    "urllib.request.Request": D(urllib.request.Request, A(URLS, _url()),
                                A(B | pool(none=None), None, optional=True),
                                A(pool(empty={}, bad={"a\nb": "c"}, number={1: 2}), {},
                                  optional=True),
                                A(T | pool(none=None), None, optional=True, keyword="method")),
    "urllib.parse.urlsplit": D(urllib.parse.urlsplit, A(STR_OR_BYTES | URLS, "http://a/"),
                               A(STR_OR_BYTES, "", optional=True)),
    "urllib.parse.urlparse": D(urllib.parse.urlparse, A(STR_OR_BYTES | URLS, "http://a/"),
                               A(STR_OR_BYTES, "", optional=True)),
    "urllib.parse.urlencode": D(urllib.parse.urlencode, A(CONTAINERS | pool(
        good={"a": 1}, surrogate={"a": "\ud800"}, pairs=[("a", "b")], nested={"a": [1, 2]},
        bytes_key={b"\xff": 1}), {"a": 1}), A(pool(true=True, false=False), False,
                                              optional=True),
        A(T, "", optional=True), A(ENCODINGS, None, optional=True, keyword="encoding")),
    "urllib.parse.quote": D(urllib.parse.quote, A(STR_OR_BYTES, "a b"),
                            A(STR_OR_BYTES, "/", optional=True),
                            A(ENCODINGS, None, optional=True, keyword="encoding"),
                            A(ERRORS, None, optional=True, keyword="errors")),
    "urllib.parse.parse_qsl": D(urllib.parse.parse_qsl, A(STR_OR_BYTES | pool(
        good="a=1&b=2", many="&".join(["a=1"] * 10_000)), "a=1"),
        A(pool(true=True, false=False), False, optional=True),
        A(pool(true=True, false=False), False, optional=True),
        A(ENCODINGS, "utf-8", optional=True), A(ERRORS, "replace", optional=True),
        A(SMALL_INTS | pool(none=None), None, optional=True)),
    "http.client.HTTPConnection": D(http.client.HTTPConnection, A(HOSTS | pool(
        with_port="a:80", bad_port="a:b", ipv6="[::1]:80", bad_ipv6="[::1"), "127.0.0.1"),
        A(PORTS, None, optional=True), A(TIMEOUTS, None, optional=True)),
    "http.client.HTTPSConnection": D(http.client.HTTPSConnection, A(HOSTS | pool(
        with_port="a:80", bad_port="a:b"), "127.0.0.1"), A(PORTS, None, optional=True)),
    "http.client.HTTPConnection.request": D(method("request"), A(CONNECTIONS, receiver=True),
                                            A(T | pool(get="GET", control="GET\r\n"), "GET"),
                                            A(T | pool(root="/", control="/\r\nX: y"), "/"),
                                            A(T | B | pool(none=None, list=[b"a"], number=1),
                                              None, optional=True),
                                            A(pool(empty={}, bad_name={"a\nb": "c"},
                                                   bad_value={"a": "b\r\nc"}, number={"a": 1},
                                                   surrogate={"a": "\ud800"}), {},
                                              optional=True)),
    "http.client.HTTPConnection.getresponse": D(method("getresponse"), receiver(
        _requested("/"), not_requested=CONNECTIONS.values["served"], deep=_requested("/deep"),
        silent=_requested("/", "silent"), twice=_requested_twice,
        **{path.strip("/").replace("-", " "): _requested(path) for path in RAW_RESPONSES})),
    "sqlite3.connect": D(sqlite3.connect, A(PATHS | pool(memory=":memory:", uri="file:x?mode=nope"),
                                            ":memory:", wrong=NOT_A_PATH),
                         A(TIMEOUTS, 5, optional=True),
                         A(pool(true=True, false=False), False, optional=True, keyword="uri"),
                         A(SMALL_INTS, 0, optional=True, keyword="detect_types")),
    **{f"sqlite3.Connection.{name}": D(method(name), A(DATABASES, receiver=True),
                                       A(SQL, "select 1"),
                                       A(PARAMETERS, (), optional=True))
       for name in ("execute",)},
    "sqlite3.Connection.executemany": D(method("executemany"), A(DATABASES, receiver=True),
                                        A(SQL, "select ?"), A(PARAMETERS | pool(
                                            rows=[(1,), (2,)], bad_rows=[(1,), ()]), [(1,)])),
    "sqlite3.Connection.executescript": D(method("executescript"), A(DATABASES, receiver=True),
                                          A(SQL, "select 1;")),
    **{f"sqlite3.Connection.{name}": D(method(name), A(DATABASES, receiver=True))
       for name in ("commit", "rollback", "close", "cursor", "__enter__")},
    "sqlite3.Connection.__exit__": D(lambda c: c.__exit__(None, None, None),
                                     A(DATABASES, receiver=True)),
    "sqlite3.Cursor.execute": D(method("execute"), A(CURSORS, receiver=True), A(SQL, "select 1"),
                                A(PARAMETERS, (), optional=True)),
    "sqlite3.Cursor.fetchone": D(method("fetchone"), A(CURSORS, receiver=True)),
    "sqlite3.Cursor.fetchall": D(method("fetchall"), A(CURSORS, receiver=True)),
    "asyncio.sleep": D(asyncio.sleep, A(TIMEOUTS | NUMBERS, 0), A(ANY, None, optional=True),
                       asynchronous=True),
    "asyncio.open_connection": D(asyncio.open_connection, A(HOSTS | pool(none=None), "127.0.0.1"),
                                 A(PORTS, lambda: _port("closed")()), asynchronous=True),
    "asyncio.Queue.get_nowait": D(lambda q, _condition: q.get_nowait(), A(QUEUES | Pool({
        "unbounded, one item": lambda: _full_queue(asyncio.Queue()),
        "drained": lambda: _drained(_full_queue(asyncio.Queue()))}), receiver=True),
                                  A(ASYNC_CONDITIONS, "plain", receiver=True), asynchronous=True),
    "asyncio.Queue.put_nowait": D(method("put_nowait"), A(QUEUES, receiver=True), A(ANY, 1),
                                  asynchronous=True),
    "asyncio.Queue": D(asyncio.Queue, A(SMALL_INTS, 0, optional=True), asynchronous=True),
    "queue.Queue.get_nowait": D(lambda q, _condition: q.get_nowait(), A(THREAD_QUEUES | Pool({
        "unbounded, one item": lambda: _full_queue(queue.Queue()),
        "drained": lambda: _drained(_full_queue(queue.Queue()))}), receiver=True),
                                A(CONDITIONS, "plain", receiver=True)),
    "queue.Queue": D(queue.Queue, A(SMALL_INTS, 0, optional=True)),
    "threading.Lock": _under(threading.Lock),
    "threading.Lock.__enter__": D(lambda lock, _condition: lock.__enter__(), receiver(
        threading.Lock, released_by_another_thread=lambda: _released_elsewhere(threading.Lock())),
        A(CONDITIONS, "plain", receiver=True)),
    # what the with statement acquired, unless the block (or another thread) released it
    "threading.Lock.__exit__": D(lambda lock, _condition: lock.__exit__(None, None, None),
                                 receiver(lambda: _acquired(threading.Lock()),
                                          released_in_the_block=threading.Lock,
                                          released_by_another_thread=lambda: _released_elsewhere(
                                              _acquired(threading.Lock()))),
                                 A(CONDITIONS, "plain", receiver=True)),
    "time.time": _under(time.time),
    "time.monotonic": _under(time.monotonic),
    "time.perf_counter": _under(time.perf_counter),
    # None or a str for the duration is a wrong type (wrong_types); no long sleeps among them
    "time.sleep": D(time.sleep, A(pool(tiny=0.01, zero=0, negative=-1, nan=float("nan"),
                                       infinity=float("inf"), huge=2**100, huge_float=1e300,
                                       past_time_t=9.3e18, minus_zero=-0.0), 0,
                                  wrong=NO_LONG_SLEEPS)),
    # asyncio, and the async context managers the inference asks about
    "asyncio.create_task": D(asyncio.create_task, A(Pool({"coroutine": _coroutine}),
                                                    lambda: _coroutine()), asynchronous=True),
    "asyncio.tasks.create_task": D(asyncio.tasks.create_task, A(Pool({
        "coroutine": _coroutine}), lambda: _coroutine()), asynchronous=True),
    "asyncio.iscoroutinefunction": D(asyncio.iscoroutinefunction, A(ANY, 1)),
    "asyncio.get_running_loop": _under(asyncio.get_running_loop),
    # statistics: lists of hostile numbers, and anything else as the data
    "statistics.median": D(statistics.median, A(NUMBER_LISTS | ITERABLES, lambda: [1, 2])),
    "statistics.mean": D(statistics.mean, A(NUMBER_LISTS | ITERABLES, lambda: [1, 2])),
    "contextlib.suppress": D(contextlib.suppress, A(ANY, KeyError)),
    "contextlib.suppress.__enter__": D(lambda cm, _condition: cm.__enter__(), SUPPRESSORS,
                                       A(CONDITIONS, "plain", receiver=True)),
    # the block raised: a class given or another one (an exception group's unmatched part is
    # the block's own exception, re-raised: not here)
    "contextlib.suppress.__exit__": D(lambda cm, exc: cm.__exit__(type(exc), exc, None),
                                      SUPPRESSORS, A(pool(key_error=KeyError("k"),
                                                          value_error=ValueError("v"),
                                                          keyboard=KeyboardInterrupt()))),
    "inspect.isawaitable": D(inspect.isawaitable, A(ANY, 1)),
    "asyncio.events.AbstractEventLoop.create_future": _under(
        lambda: asyncio.get_running_loop().create_future(), asynchronous=True),
    "asyncio.Task.cancel": D(lambda message=None: asyncio.ensure_future(_coroutine()).cancel(
        message), A(ANY, None, optional=True), asynchronous=True),
    "asyncio.Future.cancel": D(lambda message=None: asyncio.get_running_loop().create_future(
        ).cancel(message), A(ANY, None, optional=True), asynchronous=True),
    **{f"asyncio.locks.{cls}.{name}": D(
        lambda lock, _condition, _name=name: getattr(lock, _name)(
            *(() if _name == "__aenter__" else (None, None, None))),
        A(_async_lock_states(getattr(asyncio, cls), name), receiver=True),
        A(ASYNC_CONDITIONS, "plain", receiver=True), asynchronous=True)
       for cls in ("Lock", "Semaphore", "BoundedSemaphore")
       for name in ("__aenter__", "__aexit__")},
    "asyncio.Lock": _under(asyncio.Lock, asynchronous=True),
    **{f"asyncio.locks.Lock.{name}": D(
        lambda lock, _condition, _name=name: getattr(lock, _name)(),
        A(_async_lock_states(asyncio.Lock, name), receiver=True),
        A(ASYNC_CONDITIONS, "plain", receiver=True), asynchronous=True)
       for name in ("acquire", "release")},
    "copy.copy": D(copy.copy, A(ANY | pool(lock=threading.Lock()), [1])),
    "copy.deepcopy": D(copy.deepcopy, A(ANY | pool(lock=threading.Lock()), [1])),
    "typing.NamedTuple": D(lambda *args: _Point(*args), A(ANY, 1), A(ANY, 2, optional=True),
                           A(ANY, 3, optional=True)),
    "enum.Enum": D(lambda value: _Color(value), A(ANY, 1)),
    "abc.ABC": D(lambda *args: _Abstract(*args), A(ANY, 1, optional=True)),
})


class _Point(typing.NamedTuple):
    x: int
    y: int = 0


class _Color(enum.Enum):
    RED = 1
    GREEN = "g"


class _Abstract(abc.ABC):
    pass

# -- decoded JSON values: the typing models them (a union of seven types), not the knowledge base

CLASS_DRIVERS.update({
    "re.Match": (Pool({
        "str": lambda: re.match(r"(a)(?P<n>b)?(c)?", "ab"),
        "bytes": lambda: re.match(rb"(a)(?P<n>b)?", b"ab"),
    }), SCALARS | TEMPLATES),
    "re.Pattern": (Pool({
        "str": lambda: re.compile(r"(a)(?P<n>b)?"),
        "bytes": lambda: re.compile(rb"(a)"),
    }), SCALARS | TEMPLATES),
    "datetime.datetime": (Pool({
        "naive": lambda: datetime.datetime(2024, 1, 2, 3, 4, 5),
        "aware": lambda: datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc),
        "smallest": lambda: datetime.datetime.min,
        "largest": lambda: datetime.datetime.max,
    }), SCALARS | pool(delta=datetime.timedelta(days=1), huge_delta=datetime.timedelta.max,
                       utc=datetime.timezone.utc, format="%Y-%m-%d %Q",
                       date=datetime.date(2024, 1, 1),
                       aware=datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc))),
    "datetime.date": (Pool({
        "some day": lambda: datetime.date(2024, 1, 2),
        "smallest": lambda: datetime.date.min, "largest": lambda: datetime.date.max,
    }), SCALARS | pool(delta=datetime.timedelta(days=1), huge_delta=datetime.timedelta.max,
                       format="%Y %Q", datetime=datetime.datetime(2024, 1, 1))),
    "datetime.timedelta": (Pool({
        "a day": lambda: datetime.timedelta(days=1), "largest": lambda: datetime.timedelta.max,
        "smallest": lambda: datetime.timedelta.min, "zero": datetime.timedelta,
    }), SCALARS | pool(delta=datetime.timedelta(days=1), huge_delta=datetime.timedelta.max)),
    "decimal.Decimal": (Pool({
        "one and a half": lambda: decimal.Decimal("1.5"), "nan": lambda: decimal.Decimal("nan"),
        "signalling nan": lambda: decimal.Decimal("snan"),
        "infinity": lambda: decimal.Decimal("inf"),
        "huge exponent": lambda: decimal.Decimal("1e9999"),
        "zero": decimal.Decimal,
    }), SCALARS | pool(decimal=decimal.Decimal("0.01"), zero=decimal.Decimal(0),
                       context=decimal.Context(prec=1), huge=decimal.Decimal("1e999999999"))),
    "configparser.ConfigParser": (CONFIG, T | NONE | pool(
        a="a", b="b", c="c", loop="loop", file=io.StringIO("[x]\ny=1\n"))),
    "_hashlib.HASH": (Pool({"md5": hashlib.md5, "sha256": hashlib.sha256}), SCALARS),
})

# -- libraries ------------------------------------------------------------------------------------


def _lazy(module: str, attribute: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        import importlib

        target: Any = importlib.import_module(module)
        for part in attribute.split("."):
            target = getattr(target, part)
        return target(*args, **kwargs)
    return call


def _django() -> None:
    from django.conf import settings

    if not settings.configured:
        settings.configure(SECRET_KEY="k", USE_I18N=True, INSTALLED_APPS=[])
        import django

        django.setup()


def _django_call(module: str, attribute: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        _django()
        return _lazy(module, attribute)(*args, **kwargs)
    return call


def _stripe_signed(payload: str) -> Callable[[], str]:
    def make() -> str:
        stamp = int(time.time())
        digest = hmac.new(b"whsec_x", f"{stamp}.{payload}".encode(), hashlib.sha256)
        return f"t={stamp},v1={digest.hexdigest()}"
    return make


URL_TEXT = T | pool(good="http://127.0.0.1:1/", bad_ipv6="http://[::1", NUL="http://a\0b/",
                    no_scheme="example", unknown_scheme="nope://x", bad_port="http://a:b/",
                    redis="redis://127.0.0.1:1/0", redis_bad_db="redis://127.0.0.1:1/x",
                    unix="unix:///nope", rediss="rediss://127.0.0.1:1")
HEADERS = pool(none=None, empty={}, NUL={"a": "\0"}, newline={"a": "b\nc"}, number={"a": 1},
               surrogate={"a": "\ud800"}, bad_name={"a b": "c"}, bytes={b"\xff": b"\xff"},
               list=[("a", "b")], bad_list=[("a",)])
JWT_TOKENS = T | B | pool(
    good="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhIjoxfQ.GuoUe6tw79bJlbU1HU0ADX0pr0u2kf3r_4OdrDufSfQ",
    bad_header="e30.e30.", deep_header=base64.urlsafe_b64encode(b"[" * 100_000).decode() + ".e30.",
    two_parts="a.b", none_alg=base64.urlsafe_b64encode(b'{"alg":"none"}').decode() + ".e30.")

DRIVERS.update({
    "aiohttp.ClientSession": D(_lazy("aiohttp", "ClientSession"),
                               A(URL_TEXT | pool(none=None), None, optional=True),
                               A(HEADERS, None, optional=True, keyword="headers"),
                               A(TIMEOUTS, None, optional=True, keyword="timeout"),
                               asynchronous=True),
    "aiohttp.ClientResponse.raise_for_status": D(lambda path: _raise_for_status(path), A(pool(
        ok="/", not_found="/missing", **{name.replace("/", "").replace("-", "_"): name
                                         for name in RAW_RESPONSES}), "/", receiver=True),
        asynchronous=True),
    "click.echo": D(_lazy("click", "echo"), A(SCALARS | pool(none=None), "x", optional=True),
                    A(Pool({"closed": _closed(lambda: io.StringIO()), "full": lambda: open(  # noqa: SIM115 - the stream under test
                        "/dev/full", "w"), "broken pipe": _broken_pipe}) | pool(none=None), None,
                      optional=True, keyword="file"),
                    A(pool(true=True, false=False), True, optional=True, keyword="nl")),
    "click.secho": D(_lazy("click", "secho"), A(SCALARS | pool(none=None), "x", optional=True),
                     A(T | pool(red="red", none=None), None, optional=True, keyword="fg")),
    "click.get_current_context": D(_lazy("click", "get_current_context"),
                                   A(pool(true=True, false=False), False, optional=True)),
    "django.core.signing.Signer.unsign": D(
        lambda value: _django_call("django.core.signing", "Signer")(key="k").unsign(value),
        A(T | pool(no_separator="abc", bad="a:b", empty_signature="a:"), "a:b")),
    "django.core.validators.validate_email": D(
        _django_call("django.core.validators", "validate_email"),
        A(T | pool(good="a@b.com", long="a" * 400 + "@b.com", idn="a@\u00e9.com",
                   NUL="a@b\0.com", no_at="ab"), "a@b.com")),
    "django.utils.dateparse.parse_date": D(_django_call("django.utils.dateparse", "parse_date"),
                                           A(ISO_TEXT, "2024-01-02")),
    "django.utils.dateparse.parse_datetime": D(
        _django_call("django.utils.dateparse", "parse_datetime"),
        A(ISO_TEXT | pool(huge_offset="2024-01-02T00:00+99:99", huge_year="99999-01-01T00:00"),
          "2024-01-02T03:04")),
    "django.utils.translation.gettext": D(_django_call("django.utils.translation", "gettext"),
                                          A(T, "x")),
    "fastapi.HTTPException": D(_lazy("fastapi", "HTTPException"), A(INTS | pool(ok=404), 404),
                               A(ANY, None, optional=True), A(HEADERS, None, optional=True)),
    "httpx.Response.json": D(method("json"), A(httpx_responses(), receiver=True)),
    "httpx.Response.text": D(lambda response: response.text, A(httpx_responses(), receiver=True)),
    "httpx.Response.raise_for_status": D(method("raise_for_status"),
                                         A(httpx_responses(), receiver=True)),
    **{f"httpx.{name}": D(_lazy("httpx", name), A(URL_TEXT | pool(empty=""), "", optional=True,
                                                  keyword="base_url"),
                          A(HEADERS, None, optional=True, keyword="headers"),
                          A(TIMEOUTS, 5, optional=True, keyword="timeout"),
                          A(pool(true=True, false=False, bad_path="/nope"), True,
                            optional=True, keyword="verify"),
                          asynchronous=name == "AsyncClient")
       for name in ("Client", "AsyncClient")},
    "jwt.decode": D(_lazy("jwt", "decode"), A(JWT_TOKENS, JWT_TOKENS.values["good"]),
                    A(T | B, "k"), A(pool(hs256=["HS256"], none=None, empty=[], bad=["nope"],
                                          text="HS256"), ["HS256"], keyword="algorithms")),
    "jwt.decode_complete": D(_lazy("jwt", "decode_complete"), A(JWT_TOKENS, JWT_TOKENS.values[
        "good"]), A(T | B, "k"), A(pool(hs256=["HS256"], bad=["nope"]), ["HS256"],
                                   keyword="algorithms")),
    "jwt.get_unverified_header": D(_lazy("jwt", "get_unverified_header"),
                                   A(JWT_TOKENS, JWT_TOKENS.values["good"])),
    "jwt.encode": D(_lazy("jwt", "encode"), A(JSON.without(lambda v: isinstance(v, dict)) | pool(
        claims={"a": 1}, bad_exp={"exp": "x"}, object={"a": object()}), {"a": 1}),
                    A(T | B, "k"), A(pool(hs256="HS256", rs256="RS256", none="none",
                                          unknown="nope", empty=""), "HS256", optional=True),
                    A(HEADERS, None, optional=True, keyword="headers")),
    **{f"redis{'.asyncio' if asynchronous else ''}.Redis": D(
        _lazy("redis.asyncio" if asynchronous else "redis", "Redis"),
        A(T | pool(local="127.0.0.1"), "127.0.0.1", optional=True, keyword="host"),
        A(PORTS, 6379, optional=True, keyword="port"),
        A(INTS | T.prefixed("str"), 0, optional=True, keyword="db"),
        A(TIMEOUTS, None, optional=True, keyword="socket_timeout"), asynchronous=asynchronous)
       for asynchronous in (False, True)},
    **{f"redis{'.asyncio' if asynchronous else ''}.from_url": D(
        _lazy("redis.asyncio" if asynchronous else "redis", "from_url"), A(URL_TEXT, "redis://x"),
        asynchronous=asynchronous)
       for asynchronous in (False, True)},
    "requests.Response.json": D(method("json"), A(requests_responses(), receiver=True)),
    "requests.Response.text": D(lambda response: response.text,
                                A(requests_responses(), receiver=True)),
    "requests.Response.raise_for_status": D(method("raise_for_status"),
                                            A(requests_responses(), receiver=True)),
    "requests.Session": _under(_lazy("requests", "Session")),
    "requests.Session.__enter__": _under(lambda: _lazy("requests", "Session")().__enter__()),
    "sqlalchemy.orm.Session": D(_lazy("sqlalchemy.orm", "Session"),
                                A(ANY | Pool({"engine": lambda: _lazy(
                                    "sqlalchemy", "create_engine")("sqlite://")}),
                                  None, optional=True),
                                A(pool(true=True, false=False), True, optional=True,
                                  keyword="autoflush")),
    "stripe.Webhook.construct_event": D(_lazy("stripe", "Webhook.construct_event"),
                                        A(T | B | JSON_TEXT, "{}"),
                                        A(T | Pool({"valid for {}": _stripe_signed("{}"),
                                                    "valid for a deep array": _stripe_signed(
                                                        "[" * 100_000)}), "t=1,v1=x"),
                                        A(T | pool(secret="whsec_x"), "whsec_x"),
                                        A(SMALL_INTS, 300, optional=True)),
    "stripe.StripeClient": D(_lazy("stripe", "StripeClient"), A(T | pool(key="sk_test_x"),
                                                                 "sk_test_x")),
    "yaml.safe_load": D(_lazy("yaml", "safe_load"), A(STR_OR_BYTES | pool(
        deep="[" * 100_000, anchors="a: &a [*a]", alias_bomb="a: &a [1]\nb: [*a, *a]",
        bad_tag="!!python/object:os.system x", huge_int="a: " + "9" * 5000,
        timestamp="a: 2024-13-45", binary="a: !!binary '!!'"), "a: 1")),
    "yaml.safe_dump": D(_lazy("yaml", "safe_dump"), A(JSON | CONTAINERS.prefixed("container"),
                                                      {"a": 1})),
})


async def _raise_for_status(path: str) -> None:
    """``raise_for_status()`` of a real response of the local server (a reply the client
    refuses raises from the request, which is not the entry under test)."""
    import aiohttp

    url = f"http://127.0.0.1:{_port('http')()}{path}"
    async with aiohttp.ClientSession() as session:
        try:
            response = await session.get(url, allow_redirects=False)
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
            return
        async with response:
            response.raise_for_status()


def _loguru() -> Any:
    """loguru's logger with one sink of every level (a file), as a service sets it up."""
    from loguru import logger

    if not getattr(_loguru, "ready", False):
        logger.remove()
        logger.add(os.path.join(os.getcwd(), "loguru.log"), level=0)
        _loguru.ready = True  # type: ignore[attr-defined]
    return logger


def _loguru_level(level: str) -> Driver:
    return D(lambda message, *args, **kwargs: getattr(_loguru(), level)(message, *args, **kwargs),
             A(SCALARS | T.prefixed("text") | pool(braces="{x} {0} {", attribute="{0.nope}",
                                                   bad_spec="{:d}"), "message"),
             A(SCALARS, 1, optional=True), A(SCALARS, 2, optional=True),
             A(SCALARS, "y", optional=True, keyword="x"))


LOGURU_LOGGERS = Pool({
    "logger": _loguru, "colors": lambda: _loguru().opt(colors=True),
    "record": lambda: _loguru().opt(record=True), "raw": lambda: _loguru().opt(raw=True),
    "no capture": lambda: _loguru().opt(capture=False), "bound": lambda: _loguru().bind(a=1),
})
"""What ``logger.opt(...)``/``bind(...)`` return: the receivers of the ``loguru.Logger`` entries."""


def _loguru_method(level: str) -> Driver:
    return D(lambda logger, message, *args, **kwargs: getattr(logger, level)(
        message, *args, **kwargs), A(LOGURU_LOGGERS, lambda: _loguru(), receiver=True),
        *_loguru_level(level).args)


for _owner in ("loguru.logger", "loguru.Logger", "loguru._logger.Logger"):
    method_of = _loguru_level if _owner == "loguru.logger" else _loguru_method
    DRIVERS.update({f"{_owner}.{level}": method_of(level) for level in (
        "trace", "debug", "info", "success", "warning", "error", "critical", "exception")})
    DRIVERS[f"{_owner}.log"] = D(
        lambda level, message, *args: _loguru().log(level, message, *args),
        A(INTS | T | pool(info="INFO", number=20), "INFO"),
        A(SCALARS | pool(braces="{x} {0} {"), "message"), A(SCALARS, 1, optional=True))
    DRIVERS[f"{_owner}.opt"] = D(lambda **options: _loguru().opt(**options),
                                 A(ANY, True, optional=True, keyword="exception"),
                                 A(ANY, True, optional=True, keyword="lazy"),
                                 A(ANY, 0, optional=True, keyword="depth"),
                                 A(ANY, True, optional=True, keyword="colors"))
    DRIVERS[f"{_owner}.bind"] = D(lambda **extra: _loguru().bind(**extra),
                                  A(ANY, 1, optional=True, keyword="user"),
                                  A(ANY, 2, optional=True, keyword="request_id"))


# -- the backend stack's closed contracts ------------------------------------------------------

def _bcrypt_salt() -> bytes:
    return bytes(__import__("bcrypt").gensalt(4))


def _bcrypt_hash() -> bytes:
    return bytes(__import__("bcrypt").hashpw(b"pw", _bcrypt_salt()))


KEYS = BYTES | pool(key16=b"k" * 16, key24=b"k" * 24, key32=b"k" * 32)
AES_MODES = pool(cbc=2, ecb=1, gcm=11, ctr=6, unknown=99, huge=2**100, negative=-1)


def _cryptodome(top: str, path: str) -> Callable[..., Any]:
    return _lazy(f"{top}.{path.rpartition('.')[0]}", path.rpartition(".")[2])


for _top in ("Cryptodome", "Crypto"):
    DRIVERS.update({
        f"{_top}.Cipher.AES.new": D(_cryptodome(_top, "Cipher.AES.new"), A(KEYS, b"k" * 16),
                                   A(AES_MODES, 2), A(BYTES | pool(iv=b"i" * 16), b"i" * 16,
                                                      optional=True)),
        f"{_top}.Cipher.ChaCha20.new": D(lambda key, nonce=None, _t=_top: _cryptodome(
            _t, "Cipher.ChaCha20.new")(key=key, **({"nonce": nonce} if nonce is not None else {})),
            A(KEYS, b"k" * 32), A(BYTES | pool(nonce=b"n" * 12), None, optional=True)),
        f"{_top}.Util.Padding.unpad": D(_cryptodome(_top, "Util.Padding.unpad"),
                                        A(BYTES | pool(padded=b"x" * 15 + b"\x01"),
                                          b"x" * 15 + b"\x01"),
                                        A(SMALL_INTS | pool(sixteen=16, zero=0), 16),
                                        A(pool(pkcs7="pkcs7", iso="iso7816", x923="x923",
                                               unknown="nope"), "pkcs7", optional=True)),
        f"{_top}.Util.Padding.pad": D(_cryptodome(_top, "Util.Padding.pad"), A(BYTES, b"x"),
                                      A(SMALL_INTS | pool(sixteen=16, zero=0), 16),
                                      A(pool(pkcs7="pkcs7", iso="iso7816", x923="x923",
                                             unknown="nope"), "pkcs7", optional=True)),
        f"{_top}.Random.get_random_bytes": D(_cryptodome(_top, "Random.get_random_bytes"),
                                             A(SMALL_INTS | pool(sixteen=16), 16)),
    })

DRIVERS.update({
    "httpx.URL": D(_lazy("httpx", "URL"), A(URL_TEXT, "http://x/", optional=True),
                   A(T | pool(https="https"), "https", optional=True, keyword="scheme"),
                   A(T, "x", optional=True, keyword="host"),
                   A(INTS | pool(http=80), 80, optional=True, keyword="port"),
                   A(T, "/", optional=True, keyword="path")),
    # (a default that is a function is taken as the value itself: the lambdas make one)
    "bcrypt.hashpw": D(_lazy("bcrypt", "hashpw"), A(BYTES, b"pw"),
                       A(BYTES | Pool({"salt": _bcrypt_salt}), lambda: _bcrypt_salt())),
    "bcrypt.checkpw": D(_lazy("bcrypt", "checkpw"), A(BYTES, b"pw"),
                        A(BYTES | Pool({"hash": _bcrypt_hash}), lambda: _bcrypt_hash())),
    "bcrypt.gensalt": D(_lazy("bcrypt", "gensalt"), A(SMALL_INTS | pool(four=4), 4, optional=True),
                        A(BYTES | pool(b2b=b"2b", b2a=b"2a"), b"2b", optional=True)),
    **{name: D(_lazy("sqlalchemy", "text"), A(T | pool(bind="select :a", colon="select a::int"),
                                               "select 1"))
       for name in ("sqlalchemy.text", "sqlalchemy.sql.text")},
    "email.mime.text.MIMEText": D(_lazy("email.mime.text", "MIMEText"), A(T, "text"),
                                  A(T | pool(plain="plain", html="html"), "plain", optional=True),
                                  A(ENCODINGS | pool(none=None), None, optional=True)),
    "email.mime.multipart.MIMEMultipart": D(_lazy("email.mime.multipart", "MIMEMultipart"),
                                            A(T | pool(mixed="mixed"), "mixed", optional=True),
                                            A(T | pool(none=None), None, optional=True),
                                            A(CONTAINERS | pool(none=None), None, optional=True)),
    "email.utils.parseaddr": D(_lazy("email.utils", "parseaddr"), A(T | pool(
        good="A <a@b.c>", nested="(((((((((a@b", quoted='"' * 1000), "a@b.c")),
    "email.utils.formataddr": D(_lazy("email.utils", "formataddr"), A(Pool({
        name: (lambda f=factory: (f(), "a@b.c")) for name, factory in T.values.items()}) | Pool({
        f"address: {name}": (lambda f=factory: ("A", f())) for name, factory in T.values.items()
    }), ("A", "a@b.c")), A(ENCODINGS, "utf-8", optional=True)),
    "email.message_from_string": D(_lazy("email", "message_from_string"), A(T | pool(
        headers="Subject: x\n\nbody", broken="Subject\n\n", deep="From: " + "(" * 5000 + "\n\n"),
        "Subject: x\n\nbody")),
})


