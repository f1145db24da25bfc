"""TODO categories: measured on the labelled corpus of real comments, weighed from the comment,
its code and its path, explained, and extended by the user's own rules (a ``compliance``
category that reaches the table, the reports and the GitHub issue labels)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qualitytool.cli import main
from qualitytool.config import Config, TodosConfig
from qualitytool.todos.categories import CategoryRulesError
from qualitytool.todos.category_rules import load_categorizer
from qualitytool.todos.evaluate import LabelledTodo, Split, evaluate, load_corpus, of_split
from qualitytool.todos.model import TodoItem
from qualitytool.todos.project_scan import scan_paths

from .github_server import FakeGitHub
from .gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "todo_corpus" / "todos.jsonl"
PENDING = ROOT / "benchmarks" / "todo_corpus" / "unlabelled.jsonl"
SIX = {"security", "performance", "feature", "refactor", "documentation", "bug"}


@pytest.fixture(scope="module")
def corpus() -> list[LabelledTodo]:
    return load_corpus(CORPUS)


def _extract_module() -> Any:
    sys.path.insert(0, str(ROOT / "benchmarks" / "todo_corpus"))
    try:
        import extract  # the split is a hash of the location, fixed beforehand
    finally:
        sys.path.remove(str(ROOT / "benchmarks" / "todo_corpus"))
    return extract


def test_corpus_is_labelled_real_comments_split_by_location(corpus: list[LabelledTodo]) -> None:
    split_of = _extract_module().split_of
    raw = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    # Comments drawn and split, not labelled yet (held back until the rules were frozen).
    pending = ([json.loads(line) for line in PENDING.read_text(encoding="utf-8").splitlines()]
               if PENDING.exists() else [])
    assert len(corpus) >= 300
    assert len({r.project for r in corpus}) >= 12
    assert all(r["version"] and r["path"] and r["line"] >= 1 for r in raw)
    assert {r.category for r in corpus} == SIX
    assert {r.resolution for r in corpus} == {"implement", "issue", "document"}
    assert all(r.split.value == split_of(r.project, r.path, r.line) for r in corpus)
    assert all(r["split"] == split_of(r["project"], r["path"], r["line"]) for r in pending)
    assert not any("category" in r for r in pending)
    held = [*of_split(corpus, Split.HELD_BACK), *pending]
    assert len(held) >= 400
    assert 0.28 < len(held) / (len(corpus) + len(pending)) < 0.38
    # enough security items held back for its precision and recall to mean something
    assert sum(r.category == "security" for r in of_split(corpus, Split.HELD_BACK)) >= 20
    locations = [(r["project"], r["path"], r["line"]) for r in [*raw, *pending]]
    assert len(set(locations)) == len(locations)


def test_every_comment_keeps_its_code_context() -> None:
    raw = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    assert all(set(r["code"]) == {"before", "after", "calls", "imports"} for r in raw)
    python = [r for r in raw if r["language"] == "python"]
    # most comments sit in a function: its calls are kept; the file's imports too
    assert sum(bool(r["code"]["calls"]) for r in python) / len(python) > 0.6
    assert sum(bool(r["code"]["imports"]) for r in python) / len(python) > 0.8
    assert all(r["below"] == (r["code"]["after"][0] if r["code"]["after"] else "") for r in raw)


def test_the_guide_has_one_place_for_a_workaround_of_someone_elses_bug(
        corpus: list[LabelledTodo]) -> None:
    guide = (ROOT / "benchmarks" / "todo_corpus" / "README.md").read_text(encoding="utf-8")
    assert "a workaround for someone else's bug that should go" not in guide
    assert ("A working workaround for someone else's bug, to go once it is fixed upstream, is\n"
            "   compatibility code to delete later: refactor") in guide
    relabelled = {(r.project, r.path, r.line): r.category for r in corpus}
    assert relabelled[("docker", "docker/api/swarm.py", 288)] == "refactor"


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


def _targets() -> Any:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import todo_categories  # the benchmark: its targets are the issue's
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return todo_categories.TARGETS


def test_tuning_split_does_not_regress(corpus: list[LabelledTodo]) -> None:
    # Measured after the sixth round's general words (848 comments): 70.5%, security
    # precision 72.3% at recall 56.7%, the flag 57 of 60 security items flagging 29.2%, the
    # most confident half 86.1% right.
    scores = evaluate(load_categorizer(), of_split(corpus, Split.TUNING))
    assert scores.accuracy >= 0.70
    assert (scores.precision("security") or 0) >= 0.72
    assert (scores.recall("security") or 0) >= 0.56
    assert (scores.flag_recall or 0) >= 0.95
    assert scores.flag_rate <= 0.30
    assert scores.confident_accuracy(0.5) >= 0.86


def test_held_back_split_does_not_regress(corpus: list[LabelledTodo]) -> None:
    # 414 comments, 30 security: 55.8% when the fourth round's rules were frozen, 57.2% after
    # the sixth round's general words; the flag 29 of 30 security items.  Floors, not the goal.
    scores = evaluate(load_categorizer(), of_split(corpus, Split.HELD_BACK))
    assert scores.accuracy >= 0.57
    assert (scores.flag_recall or 0) >= 29 / 30


# The issue's targets on the held-back split that are not met, with the measured figure (414
# comments, 30 security); each stays a strict expected failure until it is met (then the test
# fails and its mark goes).  Met: the flag finds 29 of 30 security items (96.7%).
NOT_MET = {
    "security flag precision": "23.0% (29 of 126 flagged)",
    "items flagged": "30.4% (126 of 414)",
    "security category precision": "52.6% (10 of 19)",
    "security category recall": "33.3% (10 of 30)",
    "most confident half right": "74.9%",
    "accuracy": "57.2%",
}


@pytest.mark.parametrize("target", [
    pytest.param(t, id=t.name, marks=[pytest.mark.xfail(
        strict=True, reason=f"not met on the held-back split: {NOT_MET[t.name]}")]
        if t.name in NOT_MET else [])
    for t in _targets()])
def test_held_back_split_meets_the_target(corpus: list[LabelledTodo], target: Any) -> None:
    scores = evaluate(load_categorizer(), of_split(corpus, Split.HELD_BACK))
    assert target.met(scores), target.describe(scores)


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
    assert alone.reason == "feature: no category reached its minimum score; best security 2"
    verdict = categorizer.judge(item("verify the token", path="app/auth/tokens.py",
                                     context="TokenStore.check",
                                     below="return hmac.compare_digest(a, b)"))
    assert verdict.category == "security"
    assert [(e.where.value, e.phrase, e.weight) for e in verdict.evidence] == [
        ("comment", "verify", 1.0), ("comment", "token", 1.0), ("code", "token", 1.0),
        ("path", "auth", 1.0)]
    assert verdict.reason == ('security 4: comment "verify" +1, comment "token" +1, '
                              'code "token" +1, path "auth" +1')
    # A weaker phrase inside a stronger one's match is not counted twice.
    assert categorizer.judge(item("rotate the signing key")).reason == (
        'security 8: comment "signing key" +8')


def test_a_topic_counts_once_and_needs_backing() -> None:
    categorizer = load_categorizer()
    # A security topic alone is not enough: TODOs in a hashing library all mention hashes.
    alone = categorizer.judge(item("store the hashed password"))
    assert (alone.category, alone.fallback) == ("feature", True)
    assert alone.reason == "feature: no category reached its minimum score; best security 3"
    # Two topic words are one topic (the signal's `max = 1`); the code backs it.
    backed = categorizer.judge(item("store the hashed password", context="save_credentials"))
    assert backed.reason == 'security 4: comment "hashed" +3, code "credentials" +1'
    # A comment that names what a check does to input is backed by a security path.
    assert categorizer.judge(item("reject packets of length 0", path="proxy/tls/records.py")
                             ).reason == 'security 4: comment "reject" +3, path "tls" +1'


def test_a_signal_max_limits_the_phrases_that_count(tmp_path: Path) -> None:
    extra = ("[[categories.bug.signals]]\nweight = 1\n{max}"
             'phrases = ["hangs", "stalls", "freezes", "segfaults"]\n')
    text = "hangs, stalls, freezes and segfaults"
    default = load_categorizer([rules(tmp_path, extra.format(max=""))])
    assert default.judge(item(text)).reason == 'bug 2: comment "hangs" +1, comment "stalls" +1'
    three = load_categorizer([rules(tmp_path, extra.format(max="max = 3\n"))])
    assert three.judge(item(text)).reason == (
        'bug 3: comment "hangs" +1, comment "stalls" +1, comment "freezes" +1')


COMPLIANCE_RULES = """\
[categories.compliance]
priority = 90
label = "area: compliance"
phrases = ["gdpr", "pii", "retention period"]

[[categories.compliance.signals]]
in = "path"
weight = 1
phrases = ["privacy"]
"""


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token="ghp_categories_token").start()
    yield server
    server.stop()


@pytest.fixture
def compliance_project(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "project")
    repo.write("pyproject.toml", '[tool.qualitytool.todos]\ncategory-rules = ["compliance.toml"]\n')
    repo.write("compliance.toml", COMPLIANCE_RULES)
    repo.write("app/users.py", (
        "def forget(user):\n"
        "    # TODO: erase the PII when the retention period is over\n"
        "    user.delete()\n\n\n"
        "def listing():\n"
        "    # TODO: add pagination\n"
        "    return []\n"
    ))
    repo.commit("initial")
    return repo


def run(repo: GitRepo, args: list[str], monkeypatch: pytest.MonkeyPatch,
        env: dict[str, str] | None = None) -> tuple[int, str]:
    """Exit code and standard output (standard error too when the command failed)."""
    monkeypatch.chdir(repo.root)
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def test_a_user_category_in_the_table_json_and_reports(
    compliance_project: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qualitytool.cli._is_terminal", lambda: True)  # tables: a terminal's
    code, out = run(compliance_project, ["todos", "--no-blame"], monkeypatch)
    assert code == 0, out
    assert out.splitlines()[0] == "feature (1)"
    assert "compliance (1)" in out.splitlines()
    code, out = run(compliance_project, ["todos", "--no-blame", "--format", "json",
                                         "--report", "out"], monkeypatch)
    document = json.loads(out)
    gdpr = document["items"][0]
    assert (gdpr["category"], gdpr["resolution"]) == ("compliance", "issue")
    # A plain phrase weighs the minimum score: each is enough on its own.
    assert gdpr["category_reason"] == ('compliance 4: comment "pii" +2, comment '
                                       '"retention period" +2')
    assert document["summary"]["by_category"] == {
        "security": 0, "performance": 0, "bug": 0, "feature": 1, "refactor": 0,
        "documentation": 0, "compliance": 1}
    report = (compliance_project.root / "out" / "TODO_REPORT.md").read_text()
    assert "| compliance | 1 |" in report
    assert "## Compliance (1)" in report
    assert "| `app/users.py:2` | TODO | erase the PII when the retention period is over |" in report


def test_a_user_category_labels_its_issues(
    compliance_project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"GITHUB_TOKEN": "ghp_categories_token", "GITHUB_REPOSITORY": "acme/app",
           "GITHUB_API_URL": github.base_url, "GITHUB_SERVER_URL": "https://github.example",
           "GITHUB_SHA": ""}
    sync = ["todos", "sync", "--write-pause", "0", "--retry-backoff", "0", "--max-wait", "5"]
    code, out = run(compliance_project, [*sync, "--category", "nonsense"], monkeypatch, env)
    assert code == 2
    assert ("error: --category: unknown category 'nonsense' (one of security, performance, bug, "
            "feature, refactor, documentation, compliance)") in out
    code, out = run(compliance_project, [*sync, "--category", "compliance"], monkeypatch, env)
    assert code == 0, out
    assert [(i["title"], i["labels"]) for i in github.issues.values()] == [
        ("TODO: erase the PII when the retention period is over",
         ["technical-debt", "todo", "area: compliance"])]
    assert "area: compliance" in github.labels
    assert "- category: **compliance**" in next(iter(github.issues.values()))["body"]


def rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


def test_rename_and_drop_categories(tmp_path: Path) -> None:
    categorizer = load_categorizer([rules(tmp_path, (
        'drop = ["documentation"]\n'
        "[rename]\nsecurity = \"appsec\"\n"
        "[categories.appsec]\nlabel = \"team: appsec\"\n"
    ))])
    assert categorizer.names == ("appsec", "performance", "bug", "feature", "refactor")
    assert categorizer.labels["appsec"] == "team: appsec"
    assert categorizer.apply(item("escape user input")).category == "appsec"
    assert categorizer.apply(item("escape user input")).resolution == "implement"  # follows
    assert categorizer.category("document the schema") == "feature"  # the fallback now
    renamed_fallback = load_categorizer([rules(tmp_path, '[rename]\nfeature = "enhancement"\n')])
    assert renamed_fallback.category("something else") == "enhancement"


def test_scan_uses_the_configured_categories(tmp_path: Path) -> None:
    rules(tmp_path, '[rename]\nperformance = "speed"\n')
    (tmp_path / "a.py").write_text("x = 1  # TODO: N+1 queries\n")
    config = Config(root=tmp_path, todos=TodosConfig(category_rules=("rules.toml",)))
    result = scan_paths([tmp_path], config, blame=False)
    assert [(i.category, i.category_reason) for i in result.items] == [
        ("speed", 'speed 5: comment "n+1" +5')]
    assert result.categories == ("security", "speed", "bug", "feature", "refactor",
                                 "documentation")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('drop = ["chores"]\n', "rules.toml: drop: unknown category 'chores'"),
        ('[rename]\nchores = "x"\n', "rules.toml: rename: unknown category 'chores'"),
        ('[rename]\nbug = "feature"\n', "rules.toml: rename.bug: 'feature' already exists"),
        ('[categories.Bad]\nphrases = ["x"]\n', "rules.toml: [categories.Bad]: a category name"),
        ('[[categories.bug.signals]]\nin = "docs"\n',
         ("rules.toml: key 'categories.bug.signals[0].in' must be one of comment, code, around, "
          "calls, imports, path, marker")),
        ('[[categories.bug.signals]]\nphrases = ["re:(("]\n', "bad regular expression"),
        ('[[categories.bug.signals]]\nweight = "high"\n', "must be a number"),
        ('[[categories.bug.signals]]\nmax = 0\n',
         "rules.toml: key 'categories.bug.signals[0].max' must be a positive integer"),
        ('[settings]\nfallback = "chores"\n', "settings.fallback: 'chores' is not a category"),
        ('drop = ["security", "performance", "bug", "feature", "refactor", "documentation"]\n',
         "no categories left"),
        ("verbose = true\n", "rules.toml: unknown key 'verbose'"),
    ],
)
def test_rule_file_errors_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CategoryRulesError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_categorizer([rules(tmp_path, text)])


def test_explain_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "views.py").write_text(
        "import hmac\n\n\n"
        "def login(request, token):\n"
        "    # TODO: verify the token signature\n"
        "    return check(request)\n\n\n"
        "def refresh(request):\n"
        "    # TODO: tidy up this handler\n"
        "    return hmac.compare_digest(request.token, request.session_token)\n"
        "# FIXME: slow\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["todos", "--no-blame", "--explain", "--output", "out.txt",
                                       "."], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # Why the category, how sure, and what made each item "may be security": the words of
    # the comment (counting double), the path, the code around it and the function's calls.
    assert (tmp_path / "out.txt").read_text().splitlines() == [
        ("auth/views.py:5:7: TODO [uncertain: feature or security, may be security] verify the "
         "token signature"),
        "    why: feature: no category reached its minimum score; best security 3",
        "    confidence: 0.15 (uncertain: feature or security)",
        ('    may be security: comment "verify" +2, comment "token" +2, path "auth" +1, '
         'around "hmac" +0.5'),
        ("auth/views.py:10:7: TODO [uncertain: refactor or security, may be security] tidy up "
         "this handler"),
        '    why: refactor 2: comment "tidy" +2; next security 2',
        "    confidence: 0.41 (uncertain: refactor or security)",
        ('    may be security: code "hmac" +1, path "auth" +1, around "token" +0.5, '
         'calls "hmac" +0.5'),
        "auth/views.py:12:3: FIXME [performance, may be security] slow",
        '    why: performance 5: comment "slow" +5; next security 1',
        "    confidence: 0.72 (likeliest: performance, feature)",
        '    may be security: path "auth" +1, around "hmac" +0.5, calls "hmac" +0.5',
        ("Found 3 TODO comments in 1 of 1 files: 0 linked to an issue, "
         "3 not (3 to file as issues); "
         "3 may be security, 2 uncertain."),
    ]
    monkeypatch.setattr("qualitytool.cli._is_terminal", lambda: True)  # tables: a terminal's
    table = CliRunner().invoke(main, ["todos", "--no-blame", "--explain", "."],
                               catch_exceptions=False).output
    assert "why: performance 5" in table
    assert 'may be security: path "auth" +1' in table
    assert "uncertain (2): a person decides" in table.splitlines()


def test_the_corpus_counts_match_the_projects(corpus: list[LabelledTodo]) -> None:
    per_project = Counter(r.project for r in corpus)
    assert max(per_project.values()) <= 29  # 23 sampled + at most 6 from security paths


def test_the_documented_rules_example_works(tmp_path: Path) -> None:
    readme = (ROOT / "docs" / "todos.md").read_text(encoding="utf-8")
    start = readme.index("# qualitytool-todo-categories.toml\n")
    example = readme[start:readme.index("```", start)]
    categorizer = load_categorizer([rules(tmp_path, example)])
    assert categorizer.names == ("appsec", "performance", "bug", "feature", "refactor",
                                 "compliance")
    assert categorizer.labels["compliance"] == "area: compliance"
    assert categorizer.category("escape user input") == "appsec"
    assert categorizer.category("export the PII") == "compliance"
    verdict = categorizer.judge(item("keep this", path="app/privacy/consent_forms.py"))
    assert verdict.reason == "feature: no category reached its minimum score; best compliance 1"


def test_rules_compiled_at_once_judge_as_the_rules_compiled_when_read() -> None:
    """``compile()`` (before forking workers) compiles every signal's phrases and changes
    no verdict."""
    from qualitytool.todos.category_rules import _read, categorizer_from_documents
    from qualitytool.todos.model import CodeContext

    text = (ROOT / "rules" / "todo_categories.toml").read_text(encoding="utf-8")
    eager = categorizer_from_documents([("rules", _read("rules", text))], ("not supported",))
    lazy = categorizer_from_documents([("rules", _read("rules", text))], ("not supported",))
    eager.compile()
    signals = [s for c in eager.categories for s in c.signals]
    assert signals and all("matcher" in vars(s) for s in signals)
    assert not any("matcher" in vars(s) for c in lazy.categories for s in c.signals)
    items = [
        TodoItem(path="app/auth/tokens.py", line=3, col=5, end_line=3, marker=marker, text=text,
                 language="python", context="check_token", below="return token == given",
                 code=CodeContext(("def check_token(token, given):",), ("return 1",), ("hmac",),
                                  ("hmac",)))
        for marker, text in [("TODO", "use a constant-time comparison"),
                             ("FIXME", "slow query, cache it"), ("XXX", "not supported yet"),
                             ("HACK", "work around the upstream bug #12")]
    ]
    assert [eager.apply(i) for i in items] == [lazy.apply(i) for i in items]
