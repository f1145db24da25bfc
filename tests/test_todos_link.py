"""``--link``: comments rewritten to ``TODO(#N)``, byte-preserving and idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualitytool.config import Config
from qualitytool.todos.link import LinkResult, link_comment_text, link_items
from qualitytool.todos.project_scan import scan_paths

from .github_server import FakeGitHub
from .gitrepo import GitRepo
from .test_todos_sync import TOKEN, github, sync, writes  # noqa: F401 - the fixture

CASES = [
    pytest.param("# TODO: text", 2, "# TODO(#5): text", id="plain"),
    pytest.param("# todo text", 2, "# todo(#5): text", id="no colon, case kept"),
    pytest.param("# TODO(alice): text", 2, "# TODO(alice, #5): text", id="author kept"),
    pytest.param("# FIXME - text", 2, "# FIXME(#5): text", id="dash separator"),
    pytest.param("x = 1  # TODO", 9, "x = 1  # TODO(#5):", id="no text"),
]
NO_OPS = [
    pytest.param("# TODO(#3): text", 2, id="already linked"),
    pytest.param("# TODO(acme/app#3): text", 2, id="already linked elsewhere"),
    pytest.param("# NOTE: text", 2, id="other marker"),
]


@pytest.mark.parametrize(("before", "offset", "after"), CASES)
def test_link_comment_text(before: str, offset: int, after: str) -> None:
    marker = before[offset:].split("(")[0].split(":")[0].split()[0]
    assert link_comment_text(before, offset, marker, "#5") == after
    assert link_comment_text(after, offset, marker, "#5") is None  # idempotent


@pytest.mark.parametrize(("before", "offset"), NO_OPS)
def test_link_comment_text_no_op(before: str, offset: int) -> None:
    assert link_comment_text(before, offset, "TODO", "#5") is None


def link_all(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[LinkResult]:
    monkeypatch.chdir(root)
    items = scan_paths(["."], Config(root=root), blame=False).items
    return link_items([(item, f"#{n}") for n, item in enumerate(items, start=10)])


def test_byte_preserving_python_and_other_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "crlf.py": b"def f():\r\n    # TODO: one\r\n    s = '# TODO: not a comment'\r\n",
        "latin.py": "# -*- coding: latin-1 -*-\n# FIXME(bob): caf\xe9\n".encode("latin-1"),
        "bom.py": b"\xef\xbb\xbf# HACK: bom\nx = 1\n",
        "app.ts": b"const a = 1;\r\n/* TODO: block */\r\n// XXX keep\r\n",
        "run.sh": b"#!/bin/sh\necho '# TODO no'  # TODO: shell\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    results = link_all(tmp_path, monkeypatch)
    assert [(r.path, r.linked, r.error) for r in results] == [
        ("app.ts", 2, None), ("bom.py", 1, None), ("crlf.py", 1, None), ("latin.py", 1, None),
        ("run.sh", 1, None),
    ]
    assert {name: (tmp_path / name).read_bytes() for name in files} == {
        "crlf.py": b"def f():\r\n    # TODO(#13): one\r\n    s = '# TODO: not a comment'\r\n",
        "latin.py": "# -*- coding: latin-1 -*-\n# FIXME(bob, #14): caf\xe9\n".encode("latin-1"),
        "bom.py": b"\xef\xbb\xbf# HACK(#12): bom\nx = 1\n",
        "app.ts": b"const a = 1;\r\n/* TODO(#10): block */\r\n// XXX(#11): keep\r\n",
        "run.sh": b"#!/bin/sh\necho '# TODO no'  # TODO(#15): shell\n",
    }
    before = {name: (tmp_path / name).read_bytes() for name in files}
    assert [r.linked for r in link_all(tmp_path, monkeypatch)] == []  # all linked: nothing to do
    assert {name: (tmp_path / name).read_bytes() for name in files} == before


def test_sync_link_end_to_end(
    tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    repo = GitRepo(tmp_path / "p")
    repo.write("a.py", "def f():\n    # TODO: make it faster\n    pass\n")
    repo.write("b.ts", "// FIXME(carol): handle errors\n")
    repo.commit("one")
    result = sync(repo, github, "--link", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert "linked 1 comment(s) in a.py" in result.output
    linked = "def f():\n    # TODO(#1): make it faster\n    pass\n"
    assert (repo.root / "a.py").read_text() == linked
    assert (repo.root / "b.ts").read_text() == "// FIXME(carol, #2): handle errors\n"
    repo.commit("link the TODOs")
    github.log.clear()
    result = sync(repo, github, "--link", monkeypatch=monkeypatch)
    assert result.output == "create 0, update 0, close 0; 0 unchanged, 2 linked in the code.\n"
    assert writes(github) == []
    assert [i["state"] for i in github.issues.values()] == ["open", "open"]
    assert TOKEN not in result.output


@pytest.mark.parametrize("tail", [
    pytest.param("globalA;\n\\\r\n", id="a backslash ending the file (found by the fuzz)"),
    pytest.param("x = 1\n\n \n", id="whitespace-only last lines"),
])
def test_link_changes_only_the_comment_line(tmp_path: Path, tail: str) -> None:
    """LibCST's tree would write these files back changed (the first one no longer parsing):
    linking edits the comment's line and nothing else."""
    before = "import os\n\n\ndef f():\n    # TODO: narrow this\n    return os.sep\n" + tail
    path = tmp_path / "mod.py"
    path.write_bytes(before.encode("utf-8"))
    items = scan_paths([path], Config(root=tmp_path)).items
    try:
        compile(before, "mod.py", "exec", dont_inherit=True)
    except SyntaxError:  # a final backslash line is refused from Python 3.12 on
        (result,) = link_items([(items[0], "#7")])
        assert result.linked == 0 and result.error is not None and "cannot parse" in result.error
        assert path.read_bytes() == before.encode("utf-8")  # left as it was
        return
    assert link_items([(items[0], "#7")]) == [LinkResult(str(path), 1)]
    assert path.read_bytes() == before.replace("TODO: narrow", "TODO(#7): narrow").encode()
    compile(path.read_bytes(), "mod.py", "exec", dont_inherit=True)


def test_link_after_a_carriage_return_inside_a_comment(tmp_path: Path) -> None:
    """A lone \\r inside a comment (found by the fuzz): LibCST counted it as a line end and
    missed the TODO the scanner found on the next line; the line edit links it."""
    before = "import os\n\n#\r0\n# TODO: generated code above\nx = os.sep\n"
    path = tmp_path / "mod.py"
    path.write_bytes(before.encode("utf-8"))
    items = scan_paths([path], Config(root=tmp_path)).items
    assert [(i.line, i.col) for i in items] == [(4, 3)]
    assert link_items([(items[0], "#7")]) == [LinkResult(str(path), 1)]
    assert path.read_bytes() == before.replace("TODO: gen", "TODO(#7): gen").encode()


def test_link_in_code_only_the_compiler_refuses(tmp_path: Path) -> None:
    """A module-level ``return`` parses (ast) but does not compile: the file is linked, as
    every command treats what ``ast.parse`` accepts as parsable."""
    before = "# TODO: narrow this\nreturn 1\n"
    path = tmp_path / "mod.py"
    path.write_bytes(before.encode("utf-8"))
    items = scan_paths([path], Config(root=tmp_path)).items
    assert link_items([(items[0], "#7")]) == [LinkResult(str(path), 1)]
    assert path.read_bytes() == b"# TODO(#7): narrow this\nreturn 1\n"
