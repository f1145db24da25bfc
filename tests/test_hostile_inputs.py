"""The bad-input suite: one tree of hostile files, every command run over it as a user would.

For each of ``check-exceptions``, ``fix-exceptions --write``, ``todos``, ``todos sync --link``
and ``report``: the run goes on, each bad file gets one clear line (never a traceback), the
exit status is the documented one, and no bad file changes by a byte (sha256 before/after).
Files that are odd but valid (encodings, line endings, tabs, empty, large) may be rewritten,
and must then still parse, keep their encoding and line endings, and be left alone by a
second run.
"""

from __future__ import annotations

import ast
import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from generated import module_text  # benchmarks/, on the path through conftest.py

from .github_server import FakeGitHub

QUALITYTOOL = str(Path(sys.executable).parent / "qualitytool")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
HANDLER = b"try:\n    x = 1\nexcept Exception:\n    x = 2\n"
TOKEN = "ghp_hostile_suite_token_42"


@dataclass(frozen=True)
class Bad:
    """A file the tools cannot analyse.  ``reason`` is what check-exceptions and
    fix-exceptions say about it; ``todos`` is what the TODO scanner says (None: it reads the
    file's comments fine); ``link`` what ``todos sync --link`` says (None: nothing to link)."""

    name: str
    reason: str
    todos: str | None = None
    link: str | None = None


# Built by _make_bad; every entry is a row of the table.
BAD = [
    pytest.param(Bad("syntax_error.py", "cannot parse: invalid syntax",
                     link="cannot parse"), id="syntax error"),
    pytest.param(Bad("not_utf8.py", "cannot decode", link="cannot decode"),
                 id="non-UTF-8 bytes"),
    pytest.param(Bad("python2.py", "cannot parse", link="cannot parse"), id="Python 2 code"),
    pytest.param(Bad("binary.py", "not valid utf-8"), id="binary file named .py"),
    pytest.param(Bad("nul_byte.py", "cannot parse: source code string cannot contain null "
                     "bytes", link="cannot parse"), id="null byte"),
    pytest.param(Bad("deep.py", "cannot parse: MemoryError: Parser stack overflowed - Python "
                     "source too complex to parse"),
                 id="nesting that overflows the parser's stack"),
    pytest.param(Bad("loop_a.py", "Too many levels of symbolic links",
                     todos="Too many levels of symbolic links"), id="symlink loop"),
    pytest.param(Bad("dangling.py", "No such file or directory",
                     todos="No such file or directory"), id="dangling symlink"),
    pytest.param(Bad("socket.py", "cannot read", todos="cannot read"),
                 id="unreadable file (a socket: unreadable even by root)"),
    pytest.param(Bad("unreadable.py", "cannot read: Permission denied",
                     todos="cannot read: Permission denied"),
                 id="unreadable file (mode 000)",
                 marks=pytest.mark.skipif(IS_ROOT, reason="root reads a mode-000 file")),
]
BAD_FILES = [p.values[0] for p in BAD if not p.marks or not IS_ROOT]


def _make_bad(root: Path) -> None:
    # Every bad file may hold a broad handler: files that cannot are not parsed (nor decoded)
    # unless --check-syntax (tests/test_check_exceptions.py).
    (root / "syntax_error.py").write_bytes(
        b"def broken(:\n    pass\n# TODO: fix the syntax\n" + HANDLER
    )
    (root / "not_utf8.py").write_bytes(b"s = '\xff\xfe caf\xe9'\n# TODO: decode it\n" + HANDLER)
    (root / "python2.py").write_bytes(
        b"try:\n    print 'x'\nexcept Exception, e:\n    pass\n# TODO: port it\n"
    )
    (root / "binary.py").write_bytes(bytes(range(256)) * 16 + b"\nexcept:\n")
    (root / "nul_byte.py").write_bytes(b"x = 1\n\x00\n# TODO: after a NUL\n" + HANDLER)
    # Too deep for the parser of every Python (a chain of minus signs this deep parses on 3.10
    # and 3.13, and is a RecursionError on 3.11 and 3.12).
    (root / "deep.py").write_bytes(b"try:\n    x = " + b"lambda: " * 3000 + b"1\nexcept "
                                   b"Exception:\n    pass\n")
    (root / "loop_a.py").symlink_to("loop_b.py")
    (root / "loop_b.py").symlink_to("loop_a.py")
    (root / "dangling.py").symlink_to("missing_target.py")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "socket.py"))
    sock.close()
    if not IS_ROOT:
        (root / "unreadable.py").write_bytes(b"# TODO: secret\n" + HANDLER)
        (root / "unreadable.py").chmod(0)


# Odd but valid: (name, bytes, encoding, newline)
ODD = [
    ("latin1.py", b"# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n# TODO: accents\n" + HANDLER,
     "latin-1", b"\n"),
    ("bom.py", b"\xef\xbb\xbfimport json\n# TODO: bom\n" + HANDLER, "utf-8-sig", b"\n"),
    ("crlf.py", (b"# TODO: windows\n" + HANDLER).replace(b"\n", b"\r\n"), "utf-8", b"\r\n"),
    ("cr_only.py", (b"# TODO: classic mac\n" + HANDLER).replace(b"\n", b"\r"), "utf-8", b"\r"),
    ("tabs.py", b"def f():\n\ttry:\n\t\tx = 1\n\texcept Exception:\n\t\tx = 2\n\n"
     b"def g():\n    # TODO: spaces here\n" + b"".join(b"    " + line + b"\n"
                                                    for line in HANDLER.splitlines()),
     "utf-8", b"\n"),
    ("empty.py", b"", "utf-8", b"\n"),
]
LARGE = "large.py"  # a generated module of a few thousand lines (the 10 MB one: benchmarks)


def make_tree(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    _make_bad(root)
    for name, data, _, _ in ODD:
        (root / name).write_bytes(data)
    (root / LARGE).write_text(module_text(150_000), encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.qualitytool]\n", encoding="utf-8")
    return root


def digests(root: Path) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for bad in BAD_FILES:
        path = root / bad.name
        try:
            found[bad.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:  # links that cannot be followed, the socket: their target
            target = os.readlink(path) if path.is_symlink() else ""
            found[bad.name] = f"{type(exc).__name__}:{target}"
    return found


def run(root: Path, *args: str, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [QUALITYTOOL, *args], cwd=root, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "CI": "1", **(env or {})}, check=False,
    )


def lines_naming(output: str, name: str) -> list[str]:
    return [line for line in output.splitlines() if name in line]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh tree per module; commands that write get their own copy (see ``fresh``)."""
    root = make_tree(tmp_path_factory.mktemp("hostile") / "tree")
    yield root
    _unlock(root)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Path]:
    root = make_tree(tmp_path / "tree")
    yield root
    _unlock(root)


def _unlock(root: Path) -> None:
    if (root / "unreadable.py").exists():
        (root / "unreadable.py").chmod(0o644)


@pytest.fixture(scope="module")
def check_run(tree: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, str | None]]:
    before = digests(tree)
    return run(tree, "check-exceptions", "--jobs", "1", "."), before


@pytest.fixture(scope="module")
def fix_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[Path, subprocess.CompletedProcess[str], dict[str, str | None]]]:
    root = make_tree(tmp_path_factory.mktemp("hostile-fix") / "tree")
    before = digests(root)
    yield root, run(root, "fix-exceptions", "--write", "--jobs", "2", "."), before
    _unlock(root)


@pytest.fixture(scope="module")
def todos_run(tree: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, str | None]]:
    before = digests(tree)
    return run(tree, "todos", "--no-blame", "--check", "--format", "json", "."), before


@pytest.fixture(scope="module")
def link_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[Path, subprocess.CompletedProcess[str], dict[str, str | None]]]:
    root = make_tree(tmp_path_factory.mktemp("hostile-link") / "tree")
    before = digests(root)
    server = FakeGitHub(token=TOKEN).start()
    try:
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/app",
               "GITHUB_API_URL": server.base_url, "GITHUB_SERVER_URL": "https://github.example",
               "GITHUB_SHA": ""}
        result = run(root, "todos", "sync", "--link", "--no-blame", "--write-pause", "0",
                     "--retry-backoff", "0", "--max-wait", "5", ".", env=env)
    finally:
        server.stop()
    yield root, result, before
    _unlock(root)


@pytest.mark.parametrize("bad", BAD)
def test_check_exceptions(bad: Bad, check_run: tuple[subprocess.CompletedProcess[str],
                                                       dict[str, str | None]],
                          tree: Path) -> None:
    result, before = check_run
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == 2  # documented: a file could not be read, decoded or parsed
    (line,) = lines_naming(output, bad.name)
    assert line.startswith(f"error: {bad.name}") and bad.reason in line, line
    assert digests(tree)[bad.name] == before[bad.name]


@pytest.mark.parametrize("bad", BAD)
def test_fix_exceptions_write(bad: Bad, fix_run: tuple[
        Path, subprocess.CompletedProcess[str], dict[str, str | None]]) -> None:
    root, result, before = fix_run
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == 2
    (line,) = lines_naming(output, bad.name)
    assert line.startswith(f"error: {bad.name}") and bad.reason in line, line
    assert digests(root)[bad.name] == before[bad.name]


@pytest.mark.parametrize("bad", BAD)
def test_todos(bad: Bad, todos_run: tuple[subprocess.CompletedProcess[str],
                                          dict[str, str | None]], tree: Path) -> None:
    result, before = todos_run
    assert "Traceback" not in result.stderr
    assert result.returncode == 2  # documented: a file cannot be read (and --check cannot pass)
    errors = lines_naming(result.stderr, bad.name)
    if bad.todos is None:
        assert errors == []
    else:
        (line,) = errors
        assert line.startswith("error: ") and bad.todos in line, line
    assert digests(tree)[bad.name] == before[bad.name]


def test_todos_finds_the_comments_of_files_python_cannot_parse(
        todos_run: tuple[subprocess.CompletedProcess[str], dict[str, str | None]]) -> None:
    import json

    items = json.loads(todos_run[0].stdout)["items"]
    found = {(i["path"], i["text"]) for i in items}
    assert {("syntax_error.py", "fix the syntax"), ("not_utf8.py", "decode it"),
            ("python2.py", "port it"), ("nul_byte.py", "after a NUL")} <= found


@pytest.mark.parametrize("bad", BAD)
def test_todos_sync_link(bad: Bad, link_run: tuple[
        Path, subprocess.CompletedProcess[str], dict[str, str | None]]) -> None:
    root, result, before = link_run
    output = result.stdout + result.stderr
    assert "Traceback" not in output and TOKEN not in output
    assert result.returncode == 2, output  # documented: a file cannot be read
    messages = [line for line in lines_naming(output, bad.name)
                if line.startswith(("error:", "note:"))]
    expected = bad.link or bad.todos
    if expected is None:
        assert messages == []
    else:
        assert len(messages) == 1 and expected in messages[0], messages
    assert digests(root)[bad.name] == before[bad.name]


def test_odd_but_valid_files_are_fixed_faithfully_and_idempotently(fix_run: tuple[
        Path, subprocess.CompletedProcess[str], dict[str, str | None]]) -> None:
    root, result, _ = fix_run
    for name, original, encoding, newline in ODD:
        data = (root / name).read_bytes()
        lf, cr, crlf = data.count(b"\n"), data.count(b"\r"), data.count(b"\r\n")
        assert {b"\n": cr == 0, b"\r\n": lf == cr == crlf, b"\r": lf == 0}[newline], name
        ast.parse(data.decode(encoding))
        assert data.startswith(b"\xef\xbb\xbf") == original.startswith(b"\xef\xbb\xbf")
    ast.parse((root / LARGE).read_text(encoding="utf-8"))
    assert f"{LARGE}" not in result.stderr
    again = run(root, "fix-exceptions", "--jobs", "1", ".")
    assert "+++ b/" not in again.stdout  # nothing left to change: idempotent


def test_report(tree: Path) -> None:
    import json

    before = digests(tree)
    result = run(tree, "report", "--no-cache", "--format", "json", ".", timeout=600)
    assert "Traceback" not in result.stderr
    # Files no tool can open are left out of every tool and fail the run, as they fail
    # check-exceptions and todos; the others are each tool's to report.
    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    tools = {t["tool"]: t for t in document["report"]["tools"]}
    # pylint: see test_report_pylint_survives_deep_nesting
    ours = ("radon", "bandit", "annotations", "check-exceptions", "todos")
    assert {t: tools[t]["status"] for t in ours} == dict.fromkeys(ours, "ok")
    errors = [e["error"] for e in tools["check-exceptions"]["metrics"]["errors"]]
    unopened = [line.removeprefix("error: ") for line in result.stderr.splitlines()
                if line.startswith("error: ")]
    for bad in BAD_FILES:
        if bad.name in ("loop_a.py", "dangling.py", "socket.py"):
            (line,) = [e for e in unopened if e.startswith(f"{bad.name}: cannot read: ")]
        else:
            (line,) = [e for e in errors if e.startswith(bad.name)]
        assert bad.reason in line, line
    assert digests(tree) == before


def test_a_file_rewritten_while_the_run_reads_it(tmp_path: Path) -> None:
    """Another process rewrites a file in place over and over during the run: it is fixed,
    reported as changed or as unparsable (a half-written read), never a traceback, and what
    is left is always one of the complete versions."""
    root = make_tree(tmp_path / "tree")
    target = root / "changing.py"
    versions = [HANDLER * n for n in (1, 200, 5)]
    target.write_bytes(versions[0])
    stop = threading.Event()

    def churn() -> None:
        n = 0
        while not stop.is_set():
            with open(target, "wb") as handle:  # in place: readers may see half of it
                handle.write(versions[n % len(versions)])
            n += 1
            time.sleep(0.001)

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        result = run(root, "fix-exceptions", "--write", "--jobs", "1", ".")
    finally:
        stop.set()
        writer.join()
        _unlock(root)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == 2  # the tree's bad files
    assert len(lines_naming(result.stderr, "changing.py")) <= 1
    ast.parse(target.read_text(encoding="utf-8"))


def test_report_pylint_survives_deep_nesting(tmp_path: Path) -> None:
    """In parallel mode pylint itself dies on deep.py (RecursionError in astroid): the files
    are linted again in halves, deep.py is reported as not analysed (one line), the other
    files keep their messages, and ``--check`` fails on the pylint gate."""
    import json

    (tmp_path / "deep.py").write_bytes(b"x = " + b"-" * 5000 + b"1\n")
    for n in range(20):  # enough files for pylint's parallel mode
        (tmp_path / f"fine_{n}.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.qualitytool.gates]\npylint-score-min = 0\n", encoding="utf-8")
    result = run(tmp_path, "report", "--no-cache", "--format", "json", ".", timeout=600)
    tools = {t["tool"]: t for t in json.loads(result.stdout)["report"]["tools"]}
    pylint = tools["pylint"]
    assert pylint["status"] == "ok", pylint["detail"]
    assert [u["path"] for u in pylint["unanalysed"]] == ["deep.py"]
    assert pylint["unanalysed"][0]["reason"].startswith("astroid-error: ")
    assert pylint["files"] == 21 and pylint["findings"] == 40  # 2 messages on each fine file
    checked = run(tmp_path, "report", "--no-cache", "--check", ".", timeout=600)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "pylint: could not analyse deep.py: astroid-error: " in checked.stdout
    (gate_line,) = [line for line in checked.stderr.splitlines() if "pylint score" in line]
    assert gate_line.startswith("gate failed: pylint score: pylint could not analyse 1 file "
                                "(deep.py: astroid-error: ")


# pylint dying outright on one file (its process ends with a traceback, no JSON) cannot be
# provoked on purpose with the real pylint: this stand-in dies whenever poison.py is among
# the files it is given, and lints the others as pylint would a file without a docstring.
_DYING_PYLINT = """
import json, sys
args = sys.argv[1:]
if "--version" in args:
    print("pylint 3.9.9")
    sys.exit(0)
if "--list-msgs-enabled" in args:
    print("Enabled messages:\\n  duplicate-code (R0801)\\nDisabled messages:\\n")
    sys.exit(0)
files = [a for a in args if a.endswith(".py")]
if any(f.endswith("poison.py") for f in files):
    sys.stderr.write("Traceback (most recent call last):\\nRecursionError: too deep\\n")
    sys.exit(70)
per_file = "--enable=duplicate-code" not in args
print(json.dumps({"messages": [
    {"type": "convention", "symbol": "missing-module-docstring", "messageId": "C0114",
     "message": "Missing module docstring", "obj": "", "line": 1, "column": 0,
     "endLine": None, "endColumn": None, "path": f, "module": f[:-3]}
    for f in files if per_file
]}))
"""


def test_report_pylint_dying_on_one_file_is_bisected_to_it(tmp_path: Path) -> None:
    """When pylint's process dies, the files are linted again in halves down to the one it
    dies on: that file is reported as not analysed (the crash named), the others keep their
    messages, and ``--check`` fails on the pylint gate."""
    import json
    import sys

    fake = tmp_path / "tools" / "dying_pylint.py"
    fake.parent.mkdir()
    fake.write_text(_DYING_PYLINT, encoding="utf-8")
    (tmp_path / "poison.py").write_text("x = 1\n", encoding="utf-8")
    for n in range(6):
        (tmp_path / f"fine_{n}.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.qualitytool]\nexclude = [\"tools/\"]\n"
        "[tool.qualitytool.gates]\npylint-score-min = 0\n"
        f"[tool.qualitytool.report]\ncommands = [\"pylint={sys.executable} {fake}\"]\n",
        encoding="utf-8")
    result = run(tmp_path, "report", "--no-cache", "--format", "json", ".")
    tools = {t["tool"]: t for t in json.loads(result.stdout)["report"]["tools"]}
    pylint = tools["pylint"]
    assert pylint["status"] == "ok", pylint["detail"]
    assert [u["path"] for u in pylint["unanalysed"]] == ["poison.py"]
    reason = pylint["unanalysed"][0]["reason"]
    assert reason == "pylint crashed on it (exit status 70: RecursionError: too deep)"
    assert pylint["files"] == 7 and pylint["findings"] == 6  # one message on each fine file
    checked = run(tmp_path, "report", "--no-cache", "--check", ".")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "pylint: could not analyse poison.py: pylint crashed on it" in checked.stdout


def _folder_nobody_can_list(root: Path) -> Path:
    """A folder whose path is longer than PATH_MAX: listing it fails even for root."""
    here = os.open(root, os.O_RDONLY)
    try:
        for _ in range(18):
            os.mkdir("d" * 250, dir_fd=here)
            inner = os.open("d" * 250, os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = inner
        fd = os.open("hidden.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here)
        os.write(fd, b"# TODO: the only unlinked one\n" + HANDLER)
        os.close(fd)
    finally:
        os.close(here)
    return root / ("d" * 250)


@pytest.mark.parametrize("argv", [
    pytest.param(["check-exceptions", "."], id="check-exceptions"),
    pytest.param(["fix-exceptions", "--write", "."], id="fix-exceptions"),
    pytest.param(["todos", "--check", "--no-blame", "."], id="todos --check"),
])
def test_a_folder_that_cannot_be_listed_is_reported(argv: list[str], tmp_path: Path) -> None:
    _folder_nobody_can_list(tmp_path)
    (tmp_path / "fine.py").write_text("# TODO(#1): linked\nx = 1\n", encoding="utf-8")
    result = run(tmp_path, *argv)
    (line,) = [line for line in (result.stdout + result.stderr).splitlines()
               if "cannot read folder" in line]
    assert line.startswith("error: ddd") and line.endswith("File name too long")
    assert result.returncode == 2  # todos --check: the unread TODO cannot pass


@pytest.mark.skipif(IS_ROOT, reason="root reads a mode-000 file")
def test_todos_check_fails_when_the_only_todo_is_unreadable(tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("# TODO: not linked\n", encoding="utf-8")
    secret.chmod(0)
    try:
        result = run(tmp_path, "todos", "--check", "--no-blame", ".")
    finally:
        secret.chmod(0o644)
    assert result.returncode == 2
    assert "error: secret.py: cannot read: Permission denied" in result.stderr


def test_code_libcst_refuses_is_one_line_naming_the_file(tmp_path: Path) -> None:
    # CPython accepts 6,000 implicitly concatenated strings; LibCST's grammar does not.
    (tmp_path / "strings.py").write_text(
        "import json\nx = " + " ".join(['"a"'] * 6000) + "\n\n\ndef f(s):\n    try:\n"
        "        return json.loads(s)\n    except Exception:\n        return None\n",
        encoding="utf-8",
    )
    before = (tmp_path / "strings.py").read_bytes()
    result = run(tmp_path, "fix-exceptions", "--write", ".")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    (line,) = lines_naming(result.stdout + result.stderr, "strings.py")
    assert line.startswith("error: strings.py:") and "LibCST cannot parse this file" in line
    assert line.endswith("left unchanged")
    assert (tmp_path / "strings.py").read_bytes() == before
