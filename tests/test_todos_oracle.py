"""Oracles on real code: ruff's FIX locations, and tokenize's comments.

On the Django 5.2.8 and ansible-core 2.19.14 sources our Python TODO locations equal ruff
``--select FIX`` (FIX001-FIX004).  Our marker rule differs from ruff's in one documented way:
we require a word boundary after the marker (ruff flags ``# todos``, ``# hacked``, ``# xxxx``);
neither corpus has such a comment, so the sets are equal.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

from qualitytool.api import scan_todos
from qualitytool.config import Config
from qualitytool.todos.markers import Markers
from qualitytool.todos.python_lexer import PythonLexer, python_comments

from .conftest import ruff_locations

pytestmark = pytest.mark.corpus

MARKERS = Markers(("TODO", "FIXME", "XXX", "HACK"))


@pytest.mark.parametrize(("corpus", "expected_count"), [("django", 47), ("ansible", 470)])
def test_python_locations_equal_ruff_fix(
    corpus: str, expected_count: int, request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root: Path = request.getfixturevalue(f"{corpus}_source")
    monkeypatch.chdir(root)
    result = scan_todos(["."], Config(root=root), blame=False)
    ours = {(i.path, i.line, i.col) for i in result.items if i.language == "python"}
    assert len(ours) == expected_count
    assert ours == ruff_locations(root, "FIX", "FIX00[1-4]")


def _candidate_files(root: Path) -> list[tuple[Path, str]]:
    files = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if MARKERS.in_text(text):
            files.append((path, text))
    return files


@pytest.mark.parametrize("corpus", ["django", "ansible"])
def test_lexer_finds_tokenize_comments(corpus: str, request: pytest.FixtureRequest) -> None:
    """The regex lexer the scanner uses finds exactly tokenize's comments, with the same
    enclosing def/class for every marker comment, on every file that could hold a TODO."""
    root: Path = request.getfixturevalue(f"{corpus}_source")
    compared = 0
    for path, text in _candidate_files(root):
        try:
            list(tokenize.generate_tokens(io.StringIO(text).readline))
        except (tokenize.TokenError, SyntaxError):
            continue  # tokenize gives up on files that do not parse; nothing to compare
        reference = list(python_comments(text))
        lexer = PythonLexer(text)
        assert [(c.line, c.col, c.text.rstrip("\r")) for c in lexer.comments] == [
            (c.line, c.col, c.text.rstrip("\r")) for c in reference
        ], path
        for comment in reference:
            if MARKERS.at_start(comment.text, True) is not None:
                assert lexer.context_at(comment.line, comment.opener_col) == comment.context, (
                    path, comment.line,
                )
        compared += 1
    assert compared > 30


@pytest.mark.parametrize("corpus", ["django", "ansible"])
def test_lexer_stopped_after_the_last_marker_agrees_with_the_full_one(
    corpus: str, request: pytest.FixtureRequest,
) -> None:
    """The scan lexes a file only up to the comment lines below its last marker (and keeps
    the line starts up to there): the same comments and enclosing def/class for every
    marker comment as the lexer of the whole file."""
    root: Path = request.getfixturevalue(f"{corpus}_source")
    compared = 0
    for _path, text in _candidate_files(root):
        positions = MARKERS.hash_positions(text)
        if not positions:
            continue
        full, partial = PythonLexer(text), PythonLexer(text, until=positions[-1])
        indices = partial.comments_at(positions)
        assert indices == full.comments_at(positions)
        for index in indices:
            comment = partial.comments[index]
            assert comment == full.comments[index]
            assert partial.context_at(comment.line, comment.opener_col) == full.context_at(
                comment.line, comment.opener_col)
            compared += 1
        assert partial.line_starts == full.line_starts[:len(partial.line_starts)]
    assert compared > 40
