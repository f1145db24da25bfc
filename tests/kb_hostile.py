"""Running knowledge-base contracts against hostile input: the driver model and the runner.

A :class:`Driver` says how to call one closed entry (``json.loads``, ``builtins.str.split``,
``os.remove``) and what each argument is documented to be (a :class:`Arg` with a pool of
hostile values of that kind, see ``benchmarks/hostile_values.py``).  :func:`exercise` calls it

* once for every hostile value of every argument (the others at their default), then
* with hypothesis' random combinations,

each time with documented values and again with values of the wrong type, and collects every
exception that the entry does not list: for documented values ``raises``, for a value of the
wrong type ``raises`` plus ``wrong_types`` (what the inference adds when it cannot see an
argument's type).  Entries with ``dispatch`` run their arguments' special methods and are
closed only for builtin scalars (``"scalars"``) or builtin values (``"builtins"``): their
wrong-typed values come from those pools and must be covered by ``raises`` alone, since the
inference trusts any argument of a known builtin type there.

Exceptions that no fix promises to keep catching (``qualitytool.exceptions.inference.
knowledge.NEVER_PROMISED``: MemoryError, KeyboardInterrupt, SystemExit, warnings raised as
errors) are not held against an entry.  RecursionError is: every call here starts from a
shallow stack, so a RecursionError is the input's depth, and the entry must list it.

A call without arguments has no hostile input, only hostile conditions: its driver takes a
condition as its receiver (``CONDITIONS`` in the drivers: working directory removed, no file
descriptor left, an odd environment, another thread...), a value that puts the process in that
state and registers its undo (:func:`on_cleanup`), run when the call is over.

Calls that touch the file system get a fresh sandbox folder (``Sandbox``), and every path a
destructive call gets is confined to it; calls never get small integers where a file
descriptor or process id could be meant.  The runner is meant to run in a child process with
resource limits (``tests/test_kb_hostile.py`` starts it): a call that allocates without bound
fails there with MemoryError instead of taking the machine.
"""

from __future__ import annotations

import asyncio
import faulthandler
import inspect
import os
import shutil
import signal
import socket
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from hostile_values import ANY, WRONG, WRONG_SCALARS, Deferred, Factory, Pool

from qualitytool.exceptions.inference.hierarchy import runtime_class
from qualitytool.exceptions.inference.knowledge import (
    NEVER_PROMISED,
    ClassSpec,
    RaiseSpec,
)

NO_VALUES = Pool({})


@dataclass(frozen=True, eq=False)
class Arg:
    """One argument: its documented values, a default, and values of the wrong type.

    ``receiver`` marks the object a method is called on: its type is what the inference
    resolved the method through, so it never gets values of another type.  ``keyword`` passes
    the argument by name; ``optional`` arguments are left out unless a value is drawn for them.
    """

    pool: Pool
    default: Callable[[], Any]
    wrong: Pool | None = None  # None: any builtin value (ANY)
    optional: bool = False
    keyword: str | None = None
    receiver: bool = False
    name: str | None = None  # the parameter, as the entry's ``arguments`` names it

    @property
    def parameter(self) -> str | None:
        return "self" if self.receiver else self.name or self.keyword

    def wrong_pool(self) -> Pool:
        if self.receiver:
            return NO_VALUES
        return WRONG if self.wrong is None else self.wrong


@dataclass(frozen=True)
class Driver:
    """How to call one entry: ``call(*positional, **keywords)`` built from ``args``."""

    call: Callable[..., Any]
    args: tuple[Arg, ...] = ()
    asynchronous: bool = False  # called inside a running event loop; awaited if awaitable
    examples: int = 15  # hypothesis examples (on top of the sweep over every named value)
    note: str = ""


def D(call: Callable[..., Any], *args: Arg, **options: Any) -> Driver:
    return Driver(call, args, **options)


def A(pool: Pool, default: Any = ..., **options: Any) -> Arg:
    """An argument; ``default`` (a benign value, or a lambda making one) stands in for it
    while another argument is swept; the pool's first named value when not given."""
    if default is ...:
        factory: Callable[[], Any] = pool.named()[0][1] if pool.values else (lambda: None)
    elif callable(default) and getattr(default, "__name__", "") == "<lambda>":
        factory = default
    else:
        factory = lambda: default
    return Arg(pool, factory, **options)


# -- the sandbox ----------------------------------------------------------------------------


def _archives() -> dict[str, bytes]:
    """Small archives, good and broken, made once: broken as downloads and uploads are (cut
    short, flipped bytes) and as a crafted archive is (a version or compression method the
    reader does not know, a member's time past any time_t)."""
    import gzip
    import io
    import lzma
    import random
    import tarfile
    import zipfile

    def zipped(method: int, members: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", method) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return buffer.getvalue()

    def tarred(members: dict[str, bytes], **fields: Any) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                for key, value in fields.items():
                    setattr(info, key, value)
                archive.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    def flipped(data: bytes, at: int, count: int = 20) -> bytes:
        return data[:at] + bytes(b ^ 0xFF for b in data[at:at + count]) + data[at + count:]

    good_zip = zipped(zipfile.ZIP_DEFLATED, {"a.txt": b"x" * 1000, "dir/b.txt": b"y"})
    at = good_zip.index(b"a.txt") + 5
    corrupt_zip = good_zip[:at] + bytes(b ^ 0xFF for b in good_zip[at:at + 20]) + good_zip[at + 20:]
    noise = random.Random(22).randbytes(20_000)  # incompressible: a cut keeps the first header
    lzma_zip = zipped(zipfile.ZIP_LZMA, {"a.bin": noise})
    central = good_zip.index(b"PK\x01\x02")
    newer_zip = good_zip[:central + 6] + bytes([110]) + good_zip[central + 7:]  # "version 11.0"
    unknown_method_zip = good_zip[:central + 10] + b"\x63\x00" + good_zip[central + 12:]
    stored_zip = zipped(zipfile.ZIP_STORED, {"a.bin": noise[:2000]})
    central = stored_zip.index(b"PK\x01\x02")  # sizes past the end of the file: EOFError
    overlong_zip = stored_zip[:central + 20] + (10**6).to_bytes(4, "little") * 2 + stored_zip[
        central + 28:]
    good_tar = tarred({"a.txt": b"x" * 1000, "dir/b.txt": b"y"})
    big_tar = tarred({"a.bin": noise, "b.bin": noise})
    gz_tar, xz_tar = gzip.compress(big_tar), lzma.compress(big_tar)
    # A gzip stream by hand (the same bytes for every zlib): one stored block holding a member's
    # header and half its data, then a block of the reserved type, met while extracting.
    header = tarfile.TarInfo("a.bin")
    header.size = 65536
    stored = header.tobuf() + b"x" * 32768
    bad_deflate = (b"\0" + len(stored).to_bytes(2, "little") + (len(stored) ^ 0xFFFF).to_bytes(
        2, "little") + stored + b"\x07")
    return {
        "good.zip": good_zip, "bad.zip": b"PK\x03\x04" + b"\0" * 40,
        "truncated.zip": good_zip[: len(good_zip) // 2], "corrupt.zip": corrupt_zip,
        "corrupt-lzma.zip": flipped(lzma_zip, len(lzma_zip) // 2),
        "newer.zip": newer_zip, "unknown-method.zip": unknown_method_zip,
        "overlong.zip": overlong_zip,
        "good.tar": good_tar, "bad.tar": b"\xff" * 512,
        "corrupt.tar": good_tar[:700],
        "truncated.tar.gz": gzip.compress(good_tar)[:60],
        "cut.tar.gz": gz_tar[: len(gz_tar) * 3 // 4], "cut.tar.xz": xz_tar[: len(xz_tar) * 3 // 4],
        "corrupt.tar.xz": flipped(xz_tar, len(xz_tar) // 2),
        "corrupt.tar.gz": b"\x1f\x8b\x08\0\0\0\0\0\0\xff" + bad_deflate,
        "far-future.tar": tarred({"a.txt": b"x"}, mtime=10**30),
        "huge-owner.tar": tarred({"a.txt": b"x"}, uid=2**70, gid=2**70),
        "good.gz": gzip.compress(b"hello"), "bad.gz": b"\x1f\x8b\x08" + b"\xff" * 20,
        "deep.xml": b"<a>" * 100_000, "bad.xml": b"<a><b></a>", "good.xml": b"<a><b/></a>",
        "bad.ini": b"no section\n", "good.ini": b"[a]\nb = 1\n",
    }


MEMORY_FOLDER = "/dev/shm" if os.access("/dev/shm", os.W_OK | os.X_OK) else None
"""Where the sandboxes go: a file system in memory when there is one (making and removing a
folder on a disk's file system costs milliseconds, and the run makes one per call)."""


class Sandbox:
    """A fresh folder per call (made when a value first asks for it), with the files hostile
    paths point at."""

    current: Path | None = None
    files: ClassVar[dict[str, bytes]] = {}

    @classmethod
    def dir(cls) -> Path:
        if cls.current is None:
            if not cls.files:
                cls.files = _archives()
            root = cls.current = Path(tempfile.mkdtemp(prefix="kb-hostile-", dir=MEMORY_FOLDER))
            (root / "text").write_text("hello\nw\u00f6rld\n", encoding="utf-8")
            (root / "binary").write_bytes(b"\xff\xfe\0\x80")
            (root / "dir").mkdir()
            (root / "dir" / "inner").write_text("x")
            (root / "loop").symlink_to("loop")
            (root / "dangling").symlink_to("missing")
            for name, data in cls.files.items():
                (root / name).write_bytes(data)
        return cls.current

    @classmethod
    def clean(cls) -> None:
        root, cls.current = cls.current, None
        if root is not None:
            _remove_tree(str(root))


def _remove_tree(root: str) -> None:
    """Remove a folder whatever a call left in it: folders it made unreadable, folders nested
    deeper than the recursion limit (shutil.rmtree and Path.rglob recurse) and paths longer
    than PATH_MAX (a working directory made past it): walked one folder at a time from inside,
    with a list of the names on the way down."""
    back = os.open(".", os.O_RDONLY)
    try:
        os.chmod(root, 0o700)
        os.chdir(root)
    except OSError:
        os.close(back)
        return
    names: list[str] = []
    skipped: list[set[str]] = [set()]  # per level: folders it could not enter
    try:
        while True:
            inner = None
            for entry in list(os.scandir(".")):
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in skipped[-1]:
                        inner = entry.name
                        break
                    continue
                try:
                    os.unlink(entry.name)
                except OSError:
                    pass
            if inner is not None:
                try:
                    os.chmod(inner, 0o700)
                    os.chdir(inner)
                except OSError:
                    skipped[-1].add(inner)
                    continue
                names.append(inner)
                skipped.append(set())
                continue
            if not names:
                break
            os.chdir("..")
            skipped.pop()
            done = names.pop()
            try:
                os.rmdir(done)
            except OSError:
                skipped[-1].add(done)  # not empty after all: never entered again
    except OSError:
        pass
    finally:
        os.fchdir(back)
        os.close(back)
    try:
        os.rmdir(root)
    except OSError:
        pass


_UNDO: list[Callable[[], None]] = []


def on_cleanup(undo: Callable[[], None]) -> None:
    """Have ``undo`` run once the call is over: a value that changes the process (the
    environment, a resource limit, the signal mask) to put a call in a hostile condition."""
    _UNDO.append(undo)


def undo_conditions() -> None:
    while _UNDO:
        _UNDO.pop()()


def sandboxed(name: str | bytes) -> Any:
    """``name`` inside the sandbox, whatever it holds: slashes and dot names are defused,
    NUL bytes and surrogates kept (they must fail, not escape)."""
    if isinstance(name, bytes):
        safe_bytes = name.replace(b"/", b"_")
        if safe_bytes in (b"", b".", b".."):
            safe_bytes = b"_" + safe_bytes
        return os.fsencode(Sandbox.dir()) + b"/" + safe_bytes
    safe = name.replace("/", "_")
    if safe in ("", ".", ".."):
        safe = "_" + safe
    return f"{Sandbox.dir()}/{safe}"


def _in(*parts: str) -> Callable[[], str]:
    return lambda: os.path.join(Sandbox.dir(), *parts)


PATH_FIXTURES = Pool({
    "text file": _in("text"),
    "binary file": _in("binary"),
    "folder": _in("dir"),
    "missing": _in("missing"),
    "through a file": _in("text", "x"),
    "symlink loop": _in("loop"),
    "dangling symlink": _in("dangling"),
    "long name": _in("a" * 300),
    "long path": lambda: os.path.join(Sandbox.dir(), *(["a"] * 3000)),
    "NUL": _in("a\0b"),
    "lone surrogate": _in("\ud800"),
    "escaped byte": _in("\udcff"),
    "as bytes": lambda: os.fsencode(os.path.join(Sandbox.dir(), "text")),
    "bytes with NUL": lambda: os.fsencode(Sandbox.dir()) + b"/a\0",
    "undecodable bytes": lambda: os.fsencode(Sandbox.dir()) + b"/\xff",
    "as Path": lambda: Path(Sandbox.dir(), "text"),
})
"""Paths inside the sandbox: files, folders, broken links, bad names."""


def confined_paths() -> Pool:
    """Sandbox fixtures, and random names inside the sandbox."""

    def inside(name: str | bytes) -> Deferred:
        return Deferred(lambda: sandboxed(name))

    return PATH_FIXTURES | Pool({}, (
        st.text(st.characters(exclude_categories=()), max_size=40).map(inside),
        st.binary(max_size=40).map(inside),
    ))


def _not_a_descriptor(value: Any) -> bool:
    """No small integers (a file descriptor or a process id of this machine), no path."""
    if isinstance(value, bool) or (isinstance(value, int) and 0 <= value < 1 << 22):
        return False
    return not isinstance(value, (str, bytes, bytearray, memoryview))


NOT_A_PATH = ANY.without(_not_a_descriptor)
"""Wrong-type values safe to hand to calls that take paths or descriptors: never a path
(it would not be confined), never an integer that could name a descriptor or a process."""


# -- running --------------------------------------------------------------------------------


@dataclass
class Finding:
    """An exception the entry does not list, with the call that raised it."""

    entry: str
    exception: str
    call: str
    wrong_type: bool

    def line(self) -> str:
        kind = "wrong-typed" if self.wrong_type else "documented"
        return f"{self.entry}: {self.exception} from {self.call} ({kind} arguments)"


@dataclass
class Outcome:
    entry: str
    calls: int = 0
    hung: int = 0
    raised: dict[str, int] = field(default_factory=dict)  # class name -> how many times
    findings: list[Finding] = field(default_factory=list)


def _empty(stream: Any) -> None:
    """Drop what print() wrote, so that the file does not grow."""
    try:
        stream.seek(0)
        stream.truncate()
    except (OSError, ValueError, AttributeError):
        pass


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _close_all(values: list[Any]) -> None:
    """Close the files, sockets and connections a call was given."""
    for value in values:
        close = getattr(value, "close", None)
        if callable(close) and not isinstance(value, type):
            try:
                result = close()
                if inspect.iscoroutine(result):
                    result.close()
            except BaseException:  # noqa: BLE001, S110 - cleaning up after a hostile call
                pass


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except BaseException:  # noqa: BLE001 - a deep value's repr fails; describe it instead
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else f"{text[:40]}...<{len(text)} chars>"


def _classes(names: tuple[str, ...]) -> tuple[type[BaseException], ...]:
    found = []
    for name in names:
        cls = runtime_class(name) or _library_class(name)
        if cls is None:
            raise LookupError(f"no such exception class: {name}")
        found.append(cls)
    return tuple(found)


def _library_class(name: str) -> type[BaseException] | None:
    import importlib

    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part, None)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            return obj
        return None
    return None


HANG = 2.0
"""Seconds an asynchronous call may take before it counts as hanging (no exception)."""


class CallHung(BaseException):
    """Raised by the alarm when one call takes longer than ``HUNG``: hanging is not raising."""


HUNG = 20
"""Seconds a call may take (a blocking read on a silent socket) before it is abandoned."""


def _alarm(_signum: int, _frame: Any) -> None:
    raise CallHung


STUCK = 120
"""Seconds after which a call stuck in C code (where the alarm cannot reach it) ends the
child process with every thread's traceback in the hang log: a test run never waits for
good."""
HANG_LOG: Any = None


def _invoke(driver: Driver, positional: list[Any],
            keywords: dict[str, Any]) -> BaseException | None:
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HUNG)
    if HANG_LOG is not None:
        faulthandler.dump_traceback_later(STUCK, exit=True, file=HANG_LOG)
    try:
        return _call(driver, positional, keywords)
    finally:
        signal.alarm(0)
        if HANG_LOG is not None:
            faulthandler.cancel_dump_traceback_later()


def _call(driver: Driver, positional: list[Any], keywords: dict[str, Any]) -> BaseException | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if driver.asynchronous:
                asyncio.run(_in_loop(driver, positional, keywords))
            else:
                result = driver.call(*positional, **keywords)
                if inspect.iscoroutine(result):
                    result.close()
    except BaseException as exc:  # noqa: BLE001 - what the call raised is the measurement
        return exc
    return None


async def _in_loop(driver: Driver, positional: list[Any], keywords: dict[str, Any]) -> None:
    result = driver.call(*positional, **keywords)
    if inspect.isawaitable(result):
        task = asyncio.ensure_future(result)
        done, _ = await asyncio.wait({task}, timeout=HANG)
        if task in done:
            task.result()
        else:
            task.cancel()


class Runner:
    """Calls one entry's driver and records what it raised."""

    def __init__(self, spec: RaiseSpec | ClassSpec, driver: Driver) -> None:
        self.spec = spec
        self.driver = driver
        self.outcome = Outcome(spec.name)
        dispatch = getattr(spec, "dispatch", None)
        self.dispatch = dispatch
        self.wrong_types = tuple(getattr(spec, "wrong_types", ()))
        self.never = _classes(NEVER_PROMISED)
        self._expected: dict[tuple[str, ...], tuple[type[BaseException], ...]] = {}
        # The parameter each argument binds to, as the inference binds them.
        self.parameters: dict[Arg, str | None] = {}
        position = 0
        keyword_parameter = getattr(spec, "keyword_parameter", None)
        for arg in driver.args:
            if arg.keyword and not arg.name and keyword_parameter is not None:
                self.parameters[arg] = keyword_parameter(arg.keyword)
            elif arg.receiver or arg.name or arg.keyword:
                self.parameters[arg] = arg.parameter
            else:
                parameter_of = getattr(spec, "parameter_of", None)
                self.parameters[arg] = parameter_of(position) if parameter_of else None
                position += 1

    def expected(self, hostile: set[tuple[str | None, str | None]],
                 wrong: bool) -> tuple[type[BaseException], ...]:
        """What the entry promises for a call whose arguments ``hostile`` -- (parameter,
        type as the inference sees it) -- are not literals, some of the wrong type."""
        names = [*self.spec.raises, *(self.wrong_types if wrong else ())]
        classes_of = getattr(self.spec, "argument_classes", None)  # a [[class]] has none
        for parameter, kind in hostile:
            names += classes_of(parameter, kind) if classes_of is not None else ()
        key = tuple(sorted(set(names)))
        if key not in self._expected:
            self._expected[key] = _classes(key)
        return self._expected[key]

    def wrong_pool(self, arg: Arg) -> Pool:
        if arg.receiver:
            return NO_VALUES
        if self.dispatch == "scalars" and arg.wrong is None:
            return WRONG_SCALARS
        return arg.wrong_pool()

    def _positions_kept(self, values: list[tuple[Arg, Factory]]) -> list[tuple[Arg, Factory]]:
        """Leaving out an optional positional argument must not shift the ones after it:
        those before a given positional argument get their default."""
        given = {arg for arg, _f in values}
        positional = [a for a in self.driver.args if not a.keyword]
        last = max((i for i, a in enumerate(positional) if a in given), default=-1)
        needed = {a for a in positional[:last + 1]}
        made = dict(values)
        return [(arg, made.get(arg, arg.default)) for arg in self.driver.args
                if arg in given or arg in needed]

    def call(self, values: list[tuple[Arg, Factory]], wrong: bool,
             hostile: set[Arg] | None = None) -> None:
        """Make the values (inside a fresh sandbox) and call the entry with them; ``hostile``
        names the parameters given a hostile value (the others get their benign default)."""
        values = self._positions_kept(values)
        Sandbox.clean()  # a sandbox made since the last call (by a value made late) goes too
        cwd = os.getcwd()
        positional: list[Any] = []
        keywords: dict[str, Any] = {}
        made: dict[Arg, Any] = {}
        try:
            for arg, factory in values:
                made[arg] = factory()
                if arg.keyword:
                    keywords[arg.keyword] = made[arg]
                else:
                    positional.append(made[arg])
            exc = _invoke(self.driver, positional, keywords)
        finally:
            undo_conditions()
            os.chdir(cwd)
            _close_all([*positional, *keywords.values()])
            Sandbox.clean()
            _empty(sys.stdout)
        self.outcome.calls += 1
        if exc is None:
            return
        if isinstance(exc, CallHung):
            self.outcome.hung += 1
            return
        name = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
        self.outcome.raised[name] = self.outcome.raised.get(name, 0) + 1
        if isinstance(exc, self.never):
            return
        kinds = {(self.parameters[arg],
                  None if wrong and not arg.receiver else _type_name(made.get(arg)))
                 for arg in hostile or set()}
        if isinstance(exc, self.expected(kinds, wrong)):
            return
        shown = ", ".join([*(_short(v) for v in positional),
                           *(f"{k}={_short(v)}" for k, v in keywords.items())])
        try:
            detail = str(exc).splitlines()[0][:80] if str(exc) else ""
        except BaseException:  # noqa: BLE001 - a message holding a deep repr fails
            detail = "<no message>"
        self.outcome.findings.append(Finding(
            self.spec.name, f"{name}({detail})", f"{self._label()}({shown})", wrong))

    def _label(self) -> str:
        return self.spec.name.removeprefix("builtins.")

    def defaults(self) -> list[tuple[Arg, Factory]]:
        return [(arg, arg.default) for arg in self.driver.args if not arg.optional]

    def sweep(self) -> None:
        """Every named value of every argument, the others at their default (optional ones
        left out); then the wrong-typed values."""
        self.call(self.defaults(), False)
        for index, arg in enumerate(self.driver.args):
            for wrong, pool in ((False, arg.pool), (True, self.wrong_pool(arg))):
                for _name, factory in pool.named():
                    values = []
                    for other_index, other in enumerate(self.driver.args):
                        if other_index == index:
                            values.append((other, factory))
                        elif not other.optional or (other_index < index and not other.keyword):
                            values.append((other, other.default))
                    self.call(values, wrong, {arg})

    def explore(self) -> None:
        """Random combinations of documented and wrong-typed values."""
        args = self.driver.args
        if not args:
            return

        def one(arg: Arg) -> st.SearchStrategy[tuple[bool, Factory, bool]]:
            documented = arg.pool.strategy().map(lambda f: (False, f, True))
            wrong_pool = self.wrong_pool(arg)
            options = [documented]
            if wrong_pool.values or wrong_pool.random:
                options.append(wrong_pool.strategy().map(lambda f: (True, f, True)))
            if arg.optional:
                options.append(st.just((False, arg.default, False)))
            return st.one_of(options)

        @settings(max_examples=self.driver.examples, deadline=None, database=None,
                  derandomize=True, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(st.tuples(*(one(arg) for arg in args)))
        def run(drawn: tuple[tuple[bool, Factory, bool], ...]) -> None:
            values = []
            hostile: set[Arg] = set()
            wrong = False
            for arg, (is_wrong, value, present) in zip(args, drawn):
                if not present:
                    continue
                values.append((arg, value))
                if value is not arg.default:
                    hostile.add(arg)
                    wrong = wrong or is_wrong
            self.call(values, wrong, hostile)

        run()

    def run(self) -> Outcome:
        self.sweep()
        self.explore()
        return self.outcome


def iter_findings(outcomes: list[Outcome]) -> Iterator[str]:
    for outcome in outcomes:
        seen: set[tuple[str, bool]] = set()
        for finding in outcome.findings:
            key = (finding.exception.split("(")[0], finding.wrong_type)
            if key not in seen:
                seen.add(key)
                yield finding.line()


def describe_failure() -> str:
    return traceback.format_exc()


# -- classes -------------------------------------------------------------------------------------

SPECIAL_METHODS = (
    "__getitem__", "__contains__", "__iter__", "__len__", "__bool__", "__str__", "__repr__",
    "__format__", "__hash__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
    "__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__", "__pow__",
    "__neg__", "__abs__", "__int__", "__float__", "__round__", "__enter__", "__exit__",
)
"""Special methods the inference asks a ``[[class]]`` entry about (operations, f-strings, with)."""


def method_names(receivers: Pool) -> list[str]:
    """Every public method, and the special methods above, of the receivers' classes."""
    names: set[str] = set()
    for _name, factory in receivers.named():
        value = factory()
        for name in dir(type(value)):
            if (not name.startswith("_") or name in SPECIAL_METHODS) and callable(
                    getattr(type(value), name, None)):
                names.add(name)
    return sorted(names)


def class_drivers(receivers: Pool, arguments: Pool, names: list[str]) -> dict[str, Driver]:
    """One driver per method: the receiver, then up to two arguments of any value."""
    drivers = {}
    for name in names:
        def call(obj: Any, *args: Any, _name: str = name) -> Any:
            bound = getattr(obj, _name, None)
            if bound is None:
                return None  # the method of another receiver class (a JSON str has no get)
            return bound(*args)
        first = receivers.named()[0][1]
        drivers[name] = Driver(call, (
            Arg(receivers, first, receiver=True),
            *(Arg(arguments, lambda: 1, wrong=NO_VALUES, optional=True) for _ in range(2)),
        ), examples=10)
    return drivers


# -- the child process ---------------------------------------------------------------------------


def run_file(origin: str, only: set[str] | None = None) -> list[dict[str, Any]]:
    """Run every closed entry of one shipped knowledge-base file; a JSON-able report."""
    from qualitytool.exceptions.inference.knowledge import builtin_knowledge_files, parse_knowledge
    from tests.kb_hostile_drivers import CLASS_DRIVERS, DRIVERS

    logging_setup()
    text = dict(builtin_knowledge_files())[origin]
    parsed = parse_knowledge(text, origin)
    reports = []
    specs: list[RaiseSpec | ClassSpec] = [
        *parsed["callable"], *parsed["operation"], *parsed["class"]]
    progress = os.environ.get("KB_HOSTILE_PROGRESS")
    for spec in specs:
        if not spec.closed or (only and spec.name not in only):
            continue
        if progress:
            with open(progress, "a", encoding="utf-8") as log:
                log.write(f"{spec.name}\n")
        if isinstance(spec, ClassSpec):
            if spec.name not in CLASS_DRIVERS:
                reports.append({"entry": spec.name, "missing": True})
                continue
            receivers, arguments = CLASS_DRIVERS[spec.name]
            outcomes = [Runner(spec, driver).run() for driver in class_drivers(
                receivers, arguments, method_names(receivers)).values()]
            merged = Outcome(spec.name)
            for outcome in outcomes:
                merged.calls += outcome.calls
                merged.hung += outcome.hung
                merged.findings += outcome.findings
                for name, count in outcome.raised.items():
                    merged.raised[name] = merged.raised.get(name, 0) + count
            outcome = merged
        elif spec.name not in DRIVERS:
            reports.append({"entry": spec.name, "missing": True})
            continue
        else:
            try:
                outcome = Runner(spec, DRIVERS[spec.name]).run()
            except Exception:  # noqa: BLE001 - a broken driver is reported, the others run
                reports.append({"entry": spec.name, "error": describe_failure()})
                continue
        reports.append({
            "entry": spec.name, "calls": outcome.calls, "hung": outcome.hung,
            "raised": outcome.raised,
            "findings": list(iter_findings([outcome])),
        })
    return reports


def logging_setup() -> None:
    """A real handler writing to a real (strict UTF-8) file, as a service's logging does."""
    import logging

    handler = logging.FileHandler(os.path.join(tempfile.gettempdir(),
                                               f"kb-hostile-{os.getpid()}.log"),
                                  encoding="utf-8", delay=True)
    logging.basicConfig(handlers=[handler], level=logging.DEBUG, force=True)
    logging.raiseExceptions = True


def main(argv: list[str]) -> int:
    import json
    import resource

    global HANG_LOG
    origin, output = argv[0], argv[1]
    HANG_LOG = open(f"{output}.hang", "w")  # noqa: SIM115 - open while the child lives
    only = set(argv[2:]) or None
    limit = 3 << 29  # 1.5 GiB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    workdir = tempfile.mkdtemp(prefix="kb-hostile-cwd-")
    os.chdir(workdir)
    # print() writes to a strict UTF-8 file, as a service's stdout pipe; handleError's
    # reports of the logging calls go nowhere.
    sys.stdout = open(os.path.join(workdir, "stdout"), "w", encoding="utf-8")  # noqa: SIM115
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    sys.setrecursionlimit(1000)
    socket.setdefaulttimeout(5)  # a socket made without a timeout never blocks for good
    reports = run_file(origin, only)
    with open(output, "w", encoding="utf-8") as out:
        json.dump(reports, out, ensure_ascii=True)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    # Run as ``python -m tests.kb_hostile``, this file is ``__main__``, while the drivers import
    # ``tests.kb_hostile``: two copies of ``Sandbox``, and the runner would clean one while the
    # drivers' values fill the other (one sandbox for the whole run, emptied by the first
    # ``os.remove``).  The runner is the drivers' copy.
    from tests.kb_hostile import main as run_child

    raise SystemExit(run_child(sys.argv[1:]))
