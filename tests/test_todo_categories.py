"""TODO categories: measured on the labelled corpus of real comments, weighed from the comment,
its code and its path, explained, and extended by the user's own rules (a ``compliance``
category that reaches the table, the reports and the GitHub issue labels)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.cli import main
from qualitytool.config import Config, TodosConfig
from qualitytool.todos.categories import CategoryRulesError, load_categorizer
from qualitytool.todos.evaluate import LabelledTodo, Split, evaluate, load_corpus, of_split
from qualitytool.todos.model import TodoItem
from qualitytool.todos.scan import scan_paths

from .github_server import FakeGitHub
from .gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "todo_corpus" / "todos.jsonl"
SIX = {"security", "performance", "feature", "refactor", "documentation", "bug"}


@pytest.fixture(scope="module")
def corpus() -> list[LabelledTodo]:
    return load_corpus(CORPUS)


def test_corpus_is_labelled_real_comments_split_by_location(corpus: list[LabelledTodo]) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks" / "todo_corpus"))
    try:
        from extract import split_of  # the split is a hash of the location, fixed beforehand
    finally:
        sys.path.remove(str(ROOT / "benchmarks" / "todo_corpus"))
    raw = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    assert len(corpus) >= 300
    assert len({r.project for r in corpus}) >= 12
    assert all(r["version"] and r["path"] and r["line"] >= 1 for r in raw)
    assert {r.category for r in corpus} == SIX
    assert {r.resolution for r in corpus} == {"implement", "issue", "document"}
    assert all(r.split.value == split_of(r.project, r.path, r.line) for r in corpus)
    held = len(of_split(corpus, Split.HELD_BACK))
    assert 0.28 < held / len(corpus) < 0.38
    assert len({(r.project, r.path, r.line) for r in corpus}) == len(corpus)


def test_scores_on_a_small_labelled_set() -> None:
    categorizer = load_categorizer()

    def labelled(text: str, category: str, resolution: str) -> LabelledTodo:
        return LabelledTodo("p", "a.py", 1, text, "", "", category, resolution, Split.TUNING)

    scores = evaluate(categorizer, [
        labelled("escape user input before rendering", "security", "implement"),
        labelled("N+1 queries here", "performance", "issue"),
        labelled("add pagination", "feature", "issue"),
        labelled("cache this", "bug", "implement"),  # labelled bug, given performance
    ])
    assert scores.accuracy == 0.75
    assert scores.precision("performance") == 0.5 and scores.recall("performance") == 1.0
    assert scores.recall("bug") == 0.0 and scores.precision("bug") is None
    assert scores.confusion == {("security", "security"): 1, ("performance", "performance"): 1,
                                ("feature", "feature"): 1, ("bug", "performance"): 1}
    assert scores.resolution_accuracy == 0.75


def test_tuning_split_does_not_regress(corpus: list[LabelledTodo]) -> None:
    scores = evaluate(load_categorizer(), of_split(corpus, Split.TUNING))
    assert scores.accuracy >= 0.80
    assert (scores.recall("security") or 0) >= 0.80


def test_held_back_split_does_not_regress(corpus: list[LabelledTodo]) -> None:
    # Measured when the rules were written: 61.6% (see the README).  A floor, not the goal.
    scores = evaluate(load_categorizer(), of_split(corpus, Split.HELD_BACK))
    assert scores.accuracy >= 0.60


@pytest.mark.xfail(strict=True, reason="not yet: the held-back split is at 61.6% accuracy, "
                   "security recall 1 of 3, precision 1 of 8 (issue 16's targets)")
def test_held_back_split_meets_the_targets(corpus: list[LabelledTodo]) -> None:
    scores = evaluate(load_categorizer(), of_split(corpus, Split.HELD_BACK))
    assert scores.accuracy >= 0.85
    assert (scores.recall("security") or 0) >= 0.95
    assert (scores.precision("security") or 0) >= 0.80


def item(text: str, path: str = "app/x.py", context: str = "", below: str = "") -> TodoItem:
    return TodoItem(path=path, line=1, col=1, end_line=1, marker="TODO", text=text,
                    language="python", context=context, below=below)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("validate the signature", "security"),
        ("escape user input", "security"),
        ("rate limit this endpoint", "security"),
        ("csrf", "security"),
        ("secrets in logs", "security"),
        ("pin the certificate", "security"),
        ("sanitize", "security"),
        ("permission check", "security"),
        ("N+1", "performance"),
        ("O(n^2)", "performance"),
        ("cache this", "performance"),
        ("see https://bugs.example.org/security/1 for the reloader", "feature"),  # URL words
    ],
)
def test_phrases_from_the_issue(text: str, category: str) -> None:
    assert load_categorizer().category(text) == category


def test_code_and_path_back_up_weak_words() -> None:
    categorizer = load_categorizer()
    # "verify the token" is weak on its own; in an auth module next to an HMAC it is security.
    alone = categorizer.judge(item("verify the token"))
    assert (alone.category, alone.fallback) == ("feature", True)
    assert alone.reason == ("feature: no category reached the minimum score (the fallback); "
                            "best security 2")
    verdict = categorizer.judge(item("verify the token", path="app/auth/tokens.py",
                                     context="TokenStore.check",
                                     below="return hmac.compare_digest(a, b)"))
    assert verdict.category == "security"
    assert [(e.where.value, e.phrase, e.weight) for e in verdict.evidence] == [
        ("comment", "verify", 1.0), ("comment", "token", 1.0), ("code", "hmac", 1.0),
        ("path", "auth", 1.0)]
    assert verdict.reason == ('security 4: comment "verify" +1, comment "token" +1, '
                              'code "hmac" +1, path "auth" +1')
    # A weaker phrase inside a stronger one's match is not counted twice.
    assert categorizer.judge(item("rotate the signing key")).reason == (
        'security 8: comment "signing key" +8')
