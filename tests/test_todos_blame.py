"""Blame through GitPython in real repositories: authors, dates, ages; degraded without history."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from qualitytool.config import Config
from qualitytool.todos.blame import NOT_A_REPO_NOTE, SHALLOW_NOTE
from qualitytool.todos.model import Blame
from qualitytool.todos.project_scan import scan_paths

from .gitrepo import GitRepo

NOW = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)


def scan(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[tuple[str, int, Blame | None]], list[str]]:
    monkeypatch.chdir(root)
    result = scan_paths(["."], Config(root=root), now=NOW)
    return [(i.path, i.line, i.blame) for i in result.items], result.notes


def test_blame_per_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "x = 1\n# TODO: old one\n")
    first = repo.commit("first", author="Alice", date="2024-01-02T03:04:05+00:00")
    repo.write("app.py", "x = 1\n# TODO: old one\ny = 2  # FIXME: newer\n")
    second = repo.commit("second", author="Bob", date="2024-02-20T10:00:00+01:00")
    repo.write("app.py",
               "# HACK: not committed yet\nx = 1\n# TODO: old one\ny = 2  # FIXME: newer\n")
    items, notes = scan(repo.root, monkeypatch)
    assert notes == []
    assert items == [
        ("app.py", 1, None),
        ("app.py", 3, Blame("Alice", "alice@example.com", first, "2024-01-02T03:04:05+00:00", 58)),
        ("app.py", 4, Blame("Bob", "bob@example.com", second, "2024-02-20T10:00:00+01:00", 9)),
    ]


def test_outside_git_one_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.py").write_text("# TODO: a\n")
    (tmp_path / "b.py").write_text("# TODO: b\n")
    items, notes = scan(tmp_path, monkeypatch)
    assert items == [("a.py", 1, None), ("b.py", 1, None)]
    assert notes == [NOT_A_REPO_NOTE.format(count=2)]


def test_shallow_clone_one_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = GitRepo(tmp_path / "origin")
    origin.write("a.py", "# TODO: a\n")
    origin.commit("one")
    origin.write("b.py", "# TODO: b\n")
    origin.commit("two")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{origin.root}", str(clone)],
                   check=True)
    items, notes = scan(clone, monkeypatch)
    assert items == [("a.py", 1, None), ("b.py", 1, None)]
    assert notes == [SHALLOW_NOTE.format(root=clone.resolve())]


def test_untracked_file_has_no_blame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", "# TODO: tracked\n")
    repo.commit("one")
    repo.write("new.py", "# TODO: untracked\n")
    items, notes = scan(repo.root, monkeypatch)
    blamed = [(path, blame is not None) for path, _, blame in items]
    assert blamed == [("a.py", True), ("new.py", False)]
    assert notes == []


def test_reports_and_json_with_blame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from qualitytool.api import write_todo_reports
    from qualitytool.todos.output import render_json, render_sarif

    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "# TODO: old one\n")
    first = repo.commit("first", author="Alice", date="2024-01-02T03:04:05+00:00")
    repo.write("web.ts", "// FIXME: newer one\n")
    repo.commit("second", author="Bob", date="2024-02-20T10:00:00+01:00")
    monkeypatch.chdir(repo.root)
    result = scan_paths(["."], Config(root=repo.root), now=NOW)
    document = json.loads(render_json(result))
    assert document["items"][0]["blame"] == {
        "author": "Alice", "commit": first, "date": "2024-01-02T03:04:05+00:00", "age_days": 58,
    }
    report = (write_todo_reports(result, tmp_path / "out")[0]).read_text()
    assert (
        "## Oldest\n\n| age (days) | location | text | author |\n| ---: | --- | --- | --- |\n"
        "| 58 | `app.py:1` | old one | Alice |\n| 9 | `web.ts:1` | newer one | Bob |\n"
    ) in report
    by_author = "## By author\n\n| author | items |\n| --- | ---: |\n| Alice | 1 |\n| Bob | 1 |\n"
    assert by_author in report
    sarif = json.loads(render_sarif(result))
    assert [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"])
            for r in sarif["runs"][0]["results"]] == [
        ("TODO", "warning", {"startLine": 1, "startColumn": 3, "endLine": 1}),
        ("FIXME", "warning", {"startLine": 1, "startColumn": 4, "endLine": 1}),
    ]
    assert [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]] == ["FIXME", "TODO"]
