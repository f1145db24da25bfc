"""Types from typeshed's stubs and typed packages: qualitytool.exceptions.inference.stubs."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

import pytest
import typeshed_client

from qualitytool.exceptions.inference.stubs import Stubs, StubType, default_stubs, site_packages


@pytest.fixture(scope="module")
def stubs() -> Stubs:
    """typeshed's stdlib plus this interpreter's site-packages (click, packaging, radon...)."""
    return Stubs(site_packages())


def T(name: str, optional: bool = False) -> StubType:
    return StubType(name, optional)


RETURN_TYPES = [
    # functions
    pytest.param("subprocess.run", T("subprocess.CompletedProcess"), id="subprocess.run"),
    pytest.param("os.getcwd", T("builtins.str"), id="os.getcwd"),
    pytest.param("os.stat", T("os.stat_result"), id="os.stat"),
    pytest.param("time.time", T("builtins.float"), id="time.time"),
    pytest.param("json.dumps", T("builtins.str"), id="json.dumps"),
    pytest.param("json.loads", None, id="json.loads: Any"),
    pytest.param(
        "re.match",
        T("re.Match", optional=True),
        id="re.match: str and bytes overloads agree, optional",
    ),
    pytest.param(
        "re.compile", T("re.Pattern"), id="re.compile: Pattern[AnyStr] is a generic alias"
    ),
    pytest.param("logging.getLogger", T("logging.Logger"), id="logging.getLogger"),
    pytest.param("uuid.uuid4", T("uuid.UUID"), id="uuid.uuid4"),
    pytest.param("socket.create_connection", T("socket.socket"), id="socket.create_connection"),
    pytest.param("tarfile.open", T("tarfile.TarFile"), id="tarfile.open: overloads agree"),
    pytest.param("builtins.len", T("builtins.int"), id="len"),
    pytest.param("builtins.sorted", T("builtins.list"), id="sorted: list[T] is builtins.list"),
    pytest.param(
        "hashlib.sha256",
        T("_hashlib.HASH"),
        id="hashlib.sha256: HASH is not re-exported by hashlib",
    ),
    pytest.param("asyncio.sleep", T("typing.Coroutine"), id="async def: a coroutine"),
    # overloads that disagree, or whose result depends on the arguments
    pytest.param(
        "builtins.open", None, id="open: overloads return TextIOWrapper, FileIO, Buffered*"
    ),
    pytest.param(
        "urllib.parse.urlparse",
        None,
        id="urlparse: ParseResult for str, ParseResultBytes for bytes",
    ),
    pytest.param(
        "shutil.which", None, id="shutil.which: str | None for str, bytes | None for bytes"
    ),
    pytest.param("os.path.join", None, id="os.path.join: str or bytes overloads"),
    pytest.param("sqlite3.connect", None, id="sqlite3.connect: factory type variable"),
    # methods
    pytest.param(
        "builtins.str.strip", T("builtins.str"), id="str.strip: LiteralString and str overloads"
    ),
    pytest.param("builtins.str.split", T("builtins.list"), id="str.split"),
    pytest.param("builtins.str.encode", T("builtins.bytes"), id="str.encode"),
    pytest.param("builtins.bytes.decode", T("builtins.str"), id="bytes.decode"),
    pytest.param("builtins.dict.get", None, id="dict.get: depends on the type parameters"),
    pytest.param("builtins.dict.copy", T("builtins.dict"), id="dict.copy"),
    pytest.param(
        "collections.defaultdict.copy", T("collections.defaultdict"), id="defaultdict.copy: Self"
    ),
    pytest.param("builtins.list.append", T("types.NoneType"), id="list.append returns None"),
    pytest.param(
        "datetime.datetime.strptime", T("datetime.datetime"), id="datetime.strptime: Self"
    ),
    pytest.param("datetime.datetime.now", T("datetime.datetime"), id="datetime.now"),
    pytest.param("datetime.date.today", T("datetime.date"), id="date.today: Self"),
    pytest.param("decimal.Decimal.quantize", T("decimal.Decimal"), id="Decimal.quantize"),
    pytest.param("pathlib.Path.read_text", T("builtins.str"), id="Path.read_text"),
    pytest.param("pathlib.Path.resolve", T("pathlib.Path"), id="Path.resolve: Self"),
    pytest.param(
        "pathlib.PosixPath.with_name", T("pathlib.PosixPath"), id="inherited Self is the receiver"
    ),
    pytest.param(
        "sqlite3.Connection.execute", T("sqlite3.Cursor"), id="sqlite3.Connection.execute"
    ),
    pytest.param("sqlite3.Cursor.fetchone", None, id="sqlite3.Cursor.fetchone: Any"),
    pytest.param("re.Pattern.match", T("re.Match", optional=True), id="Pattern.match"),
    pytest.param("subprocess.Popen.wait", T("builtins.int"), id="Popen.wait"),
    pytest.param("zipfile.ZipFile.namelist", T("builtins.list"), id="ZipFile.namelist"),
    pytest.param("logging.Logger.info", T("types.NoneType"), id="Logger.info"),
    pytest.param("os.environ.get", None, id="os.environ.get: AnyStr overloads"),
    pytest.param("socket.socket.recv", T("builtins.bytes"), id="socket.recv"),
    # classes called: constructors
    pytest.param("decimal.Decimal", T("decimal.Decimal"), id="Decimal(): defined in decimal"),
    pytest.param("pathlib.Path", T("pathlib.Path"), id="Path()"),
    pytest.param("socket.socket", T("socket.socket"), id="socket.socket()"),
    pytest.param("collections.OrderedDict", T("collections.OrderedDict"), id="OrderedDict()"),
    pytest.param("os.PathLike", T("os.PathLike"), id="os.PathLike"),
    pytest.param("io.TextIOWrapper", T("io.TextIOWrapper"), id="io re-exports _io.TextIOWrapper"),
    pytest.param("_io.TextIOWrapper", T("io.TextIOWrapper"), id="private module -> public twin"),
    pytest.param("typing.Text", T("builtins.str"), id="alias Text = str"),
    pytest.param("typing.Any", None, id="Any is no class to call"),
    # not callables, not known
    pytest.param("os", None, id="a module"),
    pytest.param("datetime.datetime.year", None, id="a property"),
    pytest.param("nonexistent.thing", None, id="unknown module"),
    pytest.param("builtins.str.nonexistent", None, id="unknown method"),
    pytest.param("radon.complexity.cc_visit", None, id="radon has no py.typed: not read"),
]


@pytest.mark.parametrize(("qualified", "expected"), RETURN_TYPES)
def test_return_type(stubs: Stubs, qualified: str, expected: StubType | None) -> None:
    assert stubs.return_type(qualified) == expected


ATTRIBUTES = [
    # (class, attribute, attribute_type, has_attribute)
    pytest.param(
        "subprocess.CompletedProcess",
        "returncode",
        T("builtins.int"),
        True,
        id="CompletedProcess.returncode",
    ),
    pytest.param(
        "subprocess.CompletedProcess",
        "stdout",
        None,
        True,
        id="CompletedProcess.stdout: type variable",
    ),
    pytest.param("re.Match", "group", None, True, id="Match.group is a method"),
    pytest.param(
        "datetime.datetime", "year", T("builtins.int"), True, id="datetime.year: inherited property"
    ),
    pytest.param("datetime.datetime", "nope", None, False, id="datetime has no nope"),
    pytest.param("builtins.str", "nope", None, False, id="str has no nope"),
    pytest.param("nope.Nope", "x", None, None, id="unknown class"),
    pytest.param("os.stat_result", "st_size", T("builtins.int"), True, id="stat_result.st_size"),
    pytest.param("socket.socket", "family", T("socket.AddressFamily"), True, id="socket.family"),
    pytest.param(
        "http.client.HTTPResponse", "status", T("builtins.int"), True, id="HTTPResponse.status"
    ),
    pytest.param(
        "builtins.OSError", "errno", T("builtins.int", optional=True), True, id="OSError.errno"
    ),
    pytest.param("pathlib.Path", "name", T("builtins.str"), True, id="Path.name from PurePath"),
    pytest.param(
        "pathlib.Path", "parent", T("pathlib.Path"), True, id="Path.parent: Self property"
    ),
    pytest.param(
        "io.TextIOWrapper", "buffer", None, True, id="TextIOWrapper.buffer: type variable"
    ),
    pytest.param("builtins.object", "__class__", T("builtins.type"), True, id="object.__class__"),
    pytest.param("argparse.Namespace", "anything", None, None, id="Namespace has __getattr__"),
    pytest.param("unittest.mock.Mock", "anything", None, None, id="Mock has an Any base"),
    pytest.param("os", "environ", T("os._Environ"), None, id="a module variable"),
    pytest.param("sys", "stderr", T("typing.TextIO", True), None,
                 id="MaybeNone: a variable that may be None"),
]


@pytest.mark.parametrize(("cls", "attr", "expected_type", "expected_has"), ATTRIBUTES)
def test_attributes(
    stubs: Stubs, cls: str, attr: str, expected_type: StubType | None, expected_has: bool | None
) -> None:
    assert (stubs.attribute_type(cls, attr), stubs.has_attribute(cls, attr)) == (
        expected_type,
        expected_has,
    )


KINDS = [
    pytest.param("os", "module", id="os"),
    pytest.param("os.path", "module", id="os.path: submodule bound in os"),
    pytest.param("xml.etree", "module", id="xml.etree: package"),
    pytest.param("subprocess.Popen", "class", id="Popen"),
    pytest.param("collections.abc.Mapping", "class", id="collections.abc.Mapping"),
    pytest.param("subprocess.run", "function", id="run"),
    pytest.param("builtins.str.strip", "function", id="a method"),
    pytest.param("datetime.datetime.year", "attribute", id="a property"),
    pytest.param("os.environ", "attribute", id="a module variable"),
    pytest.param("os.sep", "attribute", id="os.sep"),
    pytest.param("nonexistent", None, id="unknown module"),
    pytest.param("os.nonexistent", None, id="unknown name"),
    pytest.param(
        "datetime.UTC",
        "attribute" if sys.version_info >= (3, 11) else None,
        id="datetime.UTC: the stub's sys.version_info branch for this interpreter",
    ),
    pytest.param(
        "os.getuid",
        None if sys.platform == "win32" else "function",
        id="os.getuid: the stub's sys.platform branch",
    ),
]


@pytest.mark.parametrize(("qualified", "expected"), KINDS)
def test_kind(stubs: Stubs, qualified: str, expected: str | None) -> None:
    assert stubs.kind(qualified) == expected


BASES = [
    pytest.param("builtins.bool", ("builtins.int",), id="bool"),
    pytest.param("builtins.FileNotFoundError", ("builtins.OSError",), id="FileNotFoundError"),
    pytest.param("collections.OrderedDict", ("builtins.dict",), id="OrderedDict"),
    pytest.param("subprocess.CompletedProcess", ("builtins.object",), id="Generic[_T] left out"),
    pytest.param("builtins.object", (), id="object"),
    pytest.param(
        "socket.socket", ("_socket.socket",), id="socket.socket subclasses _socket.socket"
    ),
    pytest.param(
        "io.TextIOWrapper",
        ("io.TextIOBase", "_io._TextIOBase", "typing.TextIO"),
        id="TextIOWrapper: _io._TextIOBase is not re-exported",
    ),
    pytest.param("nope.Nope", (), id="unknown class"),
]


@pytest.mark.parametrize(("cls", "expected"), BASES)
def test_bases(stubs: Stubs, cls: str, expected: tuple[str, ...]) -> None:
    assert stubs.bases(cls) == expected


@pytest.mark.parametrize(
    "odd",
    ["", ".", "os.", ".os", "a..b", "1abc", "os.path.join.x", "builtins.str.strip.__name__.x"],
)
def test_odd_names_are_unknown(stubs: Stubs, odd: str) -> None:
    assert (stubs.return_type(odd), stubs.kind(odd), stubs.has_attribute(odd, "x")) == (
        None,
        None,
        None,
    )
    assert stubs.bases(odd) == ()


# -- third-party packages: inline annotations of a real py.typed package -----------------------


def test_installed_py_typed_package(stubs: Stubs) -> None:
    assert stubs.return_type("packaging.version.parse") == T("packaging.version.Version")
    assert stubs.attribute_type("packaging.version.Version", "major") == T("builtins.int")
    assert stubs.kind("packaging.version.Version.major") == "attribute"


def test_installed_package_overloads_merge_optional(stubs: Stubs) -> None:
    """click.get_current_context: Context for silent=False, Context | None otherwise."""
    assert stubs.return_type("click.get_current_context") == T("click.core.Context", True)


def test_stdlib_only_without_search_paths() -> None:
    assert Stubs().kind("packaging.version") is None
    assert Stubs().return_type("subprocess.run") == T("subprocess.CompletedProcess")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_search_path_packages(tmp_path: Path) -> None:
    _write(tmp_path / "typedpkg" / "py.typed", "")
    _write(
        tmp_path / "typedpkg" / "__init__.py",
        "from __future__ import annotations\n"
        "from typing import List, Optional\n"
        "from .config import Config\n"
        "def load(path: str) -> Config:\n    return Config()\n"
        "def names() -> List[str]:\n    return []\n"
        "def find(name: str) -> Optional['Config']:\n    return None\n",
    )
    _write(
        tmp_path / "typedpkg" / "config.py",
        "import os\n"
        "class Config:\n"
        "    def __init__(self) -> None:\n"
        "        self.name: str = os.getcwd()\n"
        "        self.size = 3\n",
    )
    _write(tmp_path / "untyped" / "__init__.py", "def load(path: str) -> str:\n    return path\n")
    _write(tmp_path / "fancy-stubs" / "__init__.pyi", "def fetch(url: str) -> bytes: ...\n")
    stubs = Stubs([str(tmp_path)])
    assert stubs.return_type("typedpkg.load") == T("typedpkg.config.Config")
    assert stubs.return_type("typedpkg.names") == T("builtins.list")
    assert stubs.return_type("typedpkg.find") == T("typedpkg.config.Config", optional=True)
    assert stubs.attribute_type("typedpkg.Config", "name") == T("builtins.str")
    assert stubs.has_attribute("typedpkg.Config", "size") is True
    # a source class may set attributes anywhere: not declared is not absent
    assert stubs.has_attribute("typedpkg.Config", "missing") is None
    assert stubs.kind("untyped.load") is None  # no py.typed: PEP 561 says not typed
    assert stubs.return_type("fancy.fetch") == T("builtins.bytes")  # a stub-only package


def test_each_stub_module_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[tuple[str, ...]] = []
    real_parse_ast = typeshed_client.parse_ast

    def counting_parse_ast(
        tree: ast.AST,
        context: typeshed_client.SearchContext,
        module: typeshed_client.ModulePath,
        **kwargs: Any,
    ) -> typeshed_client.NameDict:
        parsed.append(tuple(module))
        return real_parse_ast(tree, context, module, **kwargs)

    monkeypatch.setattr(typeshed_client, "parse_ast", counting_parse_ast)
    stubs = Stubs()
    for _ in range(3):
        stubs.return_type("builtins.str.strip")
        stubs.return_type("builtins.str.split")
        stubs.attribute_type("datetime.datetime", "year")
        stubs.has_attribute("builtins.dict", "get")
    assert parsed.count(("builtins",)) == 1
    assert parsed.count(("datetime",)) == 1


def test_default_stubs_is_shared() -> None:
    assert default_stubs() is default_stubs()
    assert default_stubs().return_type("os.getcwd") == T("builtins.str")
