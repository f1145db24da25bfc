"""What a team triages: the author's own tags win over the rules, each item says how sure its
category is (and "uncertain" with its two likeliest below the configured confidence), and a
"may be security" flag with its evidence, in the table, the JSON, the reports and the issue
labels, its threshold in the configuration."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.cli import main
from qualitytool.config import Config, ConfigError, TodosConfig, load_config_file
from qualitytool.todos.categories import CategoryRulesError
from qualitytool.todos.category_rules import Thresholds, load_categorizer
from qualitytool.todos.model import TodoItem
from qualitytool.todos.project_scan import scan_paths

from .github_server import FakeGitHub
from .gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[1]
if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# One case per entry of [tags] in rules/todo_categories.toml: the tag in TODO(...) decides the
# category, whatever the words say ("cache this" alone is performance, "add" is feature).
TAG_CASES = {
    "security": "security", "sec": "security", "vuln": "security",
    "vulnerability": "security", "cve": "security", "xss": "security", "csrf": "security",
    "appsec": "security", "perf": "performance", "performance": "performance",
    "optimize": "performance", "optimise": "performance", "optimization": "performance",
    "speed": "performance", "bug": "bug", "bugfix": "bug", "broken": "bug", "flaky": "bug",
    "feature": "feature", "feat": "feature", "enhancement": "feature", "rfe": "feature",
    "idea": "feature", "nyi": "feature", "refactor": "refactor", "cleanup": "refactor",
    "tech-debt": "refactor", "techdebt": "refactor", "debt": "refactor", "smell": "refactor",
    "deprecated": "refactor", "deprecation": "refactor", "compat": "refactor",
    "legacy": "refactor", "doc": "documentation", "docs": "documentation",
    "documentation": "documentation", "todoc": "documentation", "needsdoc": "documentation",
    "caveat": "documentation",
}


def item(text: str, *, tags: tuple[str, ...] = (), marker: str = "TODO",
         path: str = "app/x.py") -> TodoItem:
    return TodoItem(path=path, line=1, col=1, end_line=1, marker=marker, text=text,
                    language="python", tags=tags)


def test_every_tag_of_the_rules_has_a_case() -> None:
    builtin = tomllib.loads((ROOT / "rules" / "todo_categories.toml").read_text("utf-8"))
    assert builtin["tags"] == TAG_CASES
    assert dict(load_categorizer().tags) == TAG_CASES


@pytest.mark.parametrize(("tag", "category"), TAG_CASES.items())
def test_the_authors_tag_wins(tmp_path: Path, tag: str, category: str) -> None:
    (tmp_path / "a.py").write_text(f"# TODO({tag}): cache this and add a test\n")
    (found,) = scan_paths([tmp_path], Config(root=tmp_path), blame=False).items
    assert (found.tags, found.author, found.category) == ((tag,), None, category)
    assert found.category_reason == f'{category}: the author\'s tag "{tag}"'
    assert (found.confidence, found.uncertain) == (1.0, False)


@pytest.mark.parametrize(
    ("comment", "tags", "author", "category"),
    [
        pytest.param("# TODO(security): cache the listing", ("security",), None, "security",
                     id="TODO(security)"),
        pytest.param("# FIXME(alice, perf): rename this", ("perf",), "alice", "performance",
                     id="author and tag"),
        pytest.param("# TODO [bug] add pagination", ("bug",), None, "bug", id="TODO [bug]"),
        pytest.param("# TODO: [perf, db] add pagination", ("perf",), None, "performance",
                     id="brackets after the colon"),
        pytest.param("# TODO: refactor: add pagination", ("refactor",), None, "refactor",
                     id="a label opening the text"),
        pytest.param("# TODO: add pagination #tech-debt", ("tech-debt",), None, "refactor",
                     id="hashtag"),
        pytest.param("# TODO(perf, security): rename this", ("perf", "security"), None,
                     "security", id="the security tag first"),
        pytest.param("# TODO(bob): add pagination", (), "bob", "feature", id="an author"),
        pytest.param("# TODO: see https://example.org/#bug and add pagination", (), None,
                     "feature", id="a URL fragment is no tag"),
        pytest.param("# TODO: Python 3.12: drop this shim", (), None, "refactor",
                     id="a label that is no tag"),
    ],
)
def test_the_forms_an_author_writes(tmp_path: Path, comment: str, tags: tuple[str, ...],
                                    author: str | None, category: str) -> None:
    (tmp_path / "a.py").write_text(comment + "\n")
    (found,) = scan_paths([tmp_path], Config(root=tmp_path), blame=False).items
    assert (found.tags, found.author, found.category) == (tags, author, category)


def test_a_configured_marker_that_is_a_tag_decides(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("# OPTIMIZE: add pagination\n# TODO: add pagination\n")
    config = Config(root=tmp_path, todos=TodosConfig(markers=("TODO", "OPTIMIZE")))
    found = scan_paths([tmp_path], config, blame=False).items
    assert [(i.marker, i.category) for i in found] == [("OPTIMIZE", "performance"),
                                                       ("TODO", "feature")]


def test_tags_follow_renames_drops_and_user_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('drop = ["documentation"]\n[rename]\nsecurity = "appsec"\n'
                     '[categories.compliance]\nphrases = ["gdpr"]\n'
                     '[tags]\ngdpr = "compliance"\nsec = "refactor"\n')
    categorizer = load_categorizer([rules])
    assert categorizer.apply(item("cache this", tags=("security",))).category == "appsec"
    assert categorizer.apply(item("cache this", tags=("gdpr",))).category == "compliance"
    assert categorizer.apply(item("cache this", tags=("sec",))).category == "refactor"
    # The dropped category's tags are gone: the words decide.
    assert categorizer.apply(item("cache this", tags=("docs",))).category == "performance"
    assert "docs" not in categorizer.tag_words


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tags]\nperf = "speedy"\n',
         ("rules.toml: key 'tags.perf' must name a category (one of security, performance, bug, "
          "feature, refactor, documentation), got 'speedy'")),
        ('[tags]\n"Perf" = "performance"\n', "rules.toml: [tags]: 'Perf': a tag is lower-case"),
        ('[security-flag]\ncategory = "appsec"\n',
         "rules.toml: key 'security-flag.category' must name a category"),
        ('[security-flag]\nscale = { code = "half" }\n',
         "rules.toml: key 'security-flag.scale.code' must be a number"),
        ('[security-flag]\nscale = { docs = 1 }\n',
         "rules.toml: key 'security-flag.scale.docs': not a place"),
        ('[security-flag]\nlabel = "x"\n', "rules.toml: unknown key 'security-flag.label'"),
        ('[settings]\ntemperature = 0\n', "key 'settings.temperature' must be more than 0"),
        ('[categories.bug]\nprior = "high"\n', "rules.toml: key 'categories.bug.prior' must be"),
        ('[settings]\nconfidence = 1\n', "rules.toml: unknown key 'settings.confidence'"),
    ],
)
def test_rule_file_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(CategoryRulesError) as raised:
        load_categorizer([path])
    assert str(raised.value).endswith(message) or message in str(raised.value)


def test_without_evidence_an_item_is_uncertain_with_its_two_likeliest() -> None:
    categorizer = load_categorizer()
    judged = categorizer.apply(item("threshold is in bytes but the runbook says percent"))
    assert (judged.category, judged.uncertain, judged.likeliest) == (
        "feature", True, ("feature", "refactor"))
    assert judged.confidence == 0.2513
    decisive = categorizer.apply(item("N+1 queries, cache this"))
    assert (decisive.category, decisive.uncertain, decisive.confidence) == (
        "performance", False, 0.9877)
    # A close call between two categories is uncertain too (security 6, refactor 6).
    close = categorizer.apply(TodoItem(
        path="app/security.py", line=41, col=7, end_line=41, marker="FIXME",
        text="md5 is not a password hash; drop once pre-2020 accounts are re-hashed with pbkdf2",
        language="python", context="legacy_md5_matches",
        below="return hashlib.md5(password.encode()).hexdigest() == stored"))
    assert (close.category, close.uncertain, close.likeliest, close.confidence) == (
        "security", True, ("security", "refactor"), 0.341)
    never = load_categorizer(thresholds=Thresholds(uncertain_below=0))
    assert not never.apply(item("threshold is in bytes")).uncertain


def test_the_flag_reads_the_comment_the_code_and_the_path() -> None:
    categorizer = load_categorizer()
    # security words in the comment count double: one concern word is enough
    flagged = categorizer.apply(item("the session token cannot be reused")).security
    assert (flagged.flagged, flagged.score, flagged.reason) == (
        True, 4.0, 'comment "session" +2, comment "token" +2')
    # the code around counts half; the path counts
    code = TodoItem(path="app/auth/views.py", line=5, col=7, end_line=5, marker="TODO",
                    text="tidy up this handler", language="python", context="refresh",
                    below="return hmac.compare_digest(a, b)")
    from qualitytool.todos.context import code_context
    lines = ["import hmac", "", "", "def refresh(request):", "    # TODO: tidy up this handler",
             "    return hmac.compare_digest(a, b)"]
    code = TodoItem(**{**code.__dict__, "code": code_context(lines, 5, 5, "python", 7)})
    judged = categorizer.apply(code).security
    assert (judged.flagged, judged.reason) == (
        True, 'code "hmac" +1, path "auth" +1, around "hmac" +0.5, calls "hmac" +0.5')
    # not enough: a test path takes a point away
    assert not categorizer.apply(item("rename the helper", path="tests/test_auth.py")).security \
        .flagged
    # an item of the security category is always flagged, by its own evidence
    security = categorizer.apply(item("escape user input before rendering")).security
    assert (security.flagged, security.by_category) == (True, True)
    strict = load_categorizer(thresholds=Thresholds(security_flag=10))
    assert not strict.apply(item("the session token cannot be reused")).security.flagged


PROJECT_FILES = {
    "app/auth/session.py": (
        "import hmac\n\n\n"
        "def refresh(request):\n"
        "    # TODO: tidy up this handler\n"
        "    return hmac.compare_digest(request.token, request.session_token)\n\n\n"
        "def listing():\n"
        "    # TODO(security): cache the listing\n"
        "    return []\n\n\n"
        "def export(rows):\n"
        "    # FIXME: something about the rows\n"
        "    return rows\n"
    ),
    "app/util.py": (
        "# TODO(limitation): the session token cannot be verified twice, so retries re-login\n"
        "ROTATE = False\n\n\n"
        "def add(a, b):\n"
        "    # TODO: add pagination #perf\n"
        "    return a + b\n"
    ),
}


@pytest.fixture
def project(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "project")
    for name, text in PROJECT_FILES.items():
        repo.write(name, text)
    repo.commit("initial")
    return repo


def cli(repo: GitRepo, args: list[str], monkeypatch: pytest.MonkeyPatch,
        env: dict[str, str] | None = None) -> tuple[int, str]:
    monkeypatch.chdir(repo.root)
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def test_json_reports_and_table(project: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = cli(project, ["todos", "--no-blame", "--format", "json", "--report", "out"],
                    monkeypatch)
    assert code == 0, out
    document = json.loads(out)
    tidy = document["items"][0]
    assert {k: tidy[k] for k in ("category", "confidence", "uncertain", "likeliest",
                                 "may_be_security", "security_evidence", "tags")} == {
        "category": "refactor", "confidence": 0.4129, "uncertain": True,
        "likeliest": ["refactor", "security"], "may_be_security": True,
        "security_evidence": ['code "hmac" +1', 'path "auth" +1', 'around "hmac" +0.5',
                              'calls "hmac" +0.5'],
        "tags": [],
    }
    assert document["summary"]["may_be_security"] == 3
    assert document["summary"]["uncertain"] == 2
    report = (project.root / "out" / "TODO_REPORT.md").read_text()
    assert report.splitlines()[:14] == [
        "# TODO report",
        "",
        "5 TODO comments: 0 linked to an issue, 5 not.",
        "3 may be about security; 2 uncertain (a person decides their category).",
        "",
        "## May be security (3)",
        "",
        "Whatever their category, these comments, their code or their path have security words in",
        "them: read each once. The evidence says what was found where.",
        "",
        "| location | category | text | evidence |",
        "| --- | --- | --- | --- |",
        ('| `app/auth/session.py:5` | uncertain: refactor or security | tidy up this handler | '
         'code "hmac" +1, path "auth" +1, around "hmac" +0.5, calls "hmac" +0.5 |'),
        ("| `app/auth/session.py:10` | security | cache the listing | the author's tag "
         '"security" |'),
    ]
    assert "| uncertain (a person decides) | 2 |" in report
    uncertain = report[report.index("## Uncertain: a person decides (2)"):]
    assert uncertain.splitlines()[5:8] == [
        "| --- | --- | --- | --- | ---: | ---: |",
        ("| `app/auth/session.py:5` | TODO | tidy up this handler | refactor or security, may be "
         "security | 0.41 | - |"),
        ("| `app/auth/session.py:15` | FIXME | something about the rows | feature or security | "
         "0.23 | - |"),
    ]
    limitations = (project.root / "out" / "KNOWN_LIMITATIONS.md").read_text()
    assert limitations.splitlines()[-1] == (
        "- **`app/util.py:1`**: the session token cannot be verified twice, so retries re-login "
        '(**may be security**: comment "session" +2, comment "token" +2)'
    )
    monkeypatch.setattr("qualitytool.cli._is_terminal", lambda: True)  # tables: a terminal's
    _, table = cli(project, ["todos", "--no-blame"], monkeypatch)
    assert table.splitlines()[0] == "security (1)"
    assert "uncertain (2): a person decides" in table.splitlines()
    assert "app/util.py:1  may be security" in table


def test_thresholds_from_the_configuration(project: GitRepo,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    project.write("pyproject.toml", "[tool.qualitytool.todos]\nsecurity-flag-threshold = 5\n"
                                    "uncertain-below = 0\n")
    _, out = cli(project, ["todos", "--no-blame", "--format", "json"], monkeypatch)
    summary = json.loads(out)["summary"]
    # only the author's security tag is left flagged; nothing is uncertain
    assert (summary["may_be_security"], summary["uncertain"]) == (1, 0)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("security-flag-threshold = -1",
         "'tool.qualitytool.todos.security-flag-threshold' must be 0 or more"),
        ("uncertain-below = 1.5",
         "'tool.qualitytool.todos.uncertain-below' must be between 0 and 1"),
        ('uncertain-below = "high"', "'tool.qualitytool.todos.uncertain-below' must be a number"),
    ],
)
def test_configuration_errors(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.qualitytool.todos]\n{table}\n")
    with pytest.raises(ConfigError, match=message):
        load_config_file(tmp_path / "pyproject.toml")


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token="ghp_triage_token").start()
    yield server
    server.stop()


def test_issue_labels(project: GitRepo, github: FakeGitHub,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"GITHUB_TOKEN": "ghp_triage_token", "GITHUB_REPOSITORY": "acme/app",
           "GITHUB_API_URL": github.base_url, "GITHUB_SERVER_URL": "https://github.example",
           "GITHUB_SHA": ""}
    sync = ["todos", "sync", "--write-pause", "0", "--retry-backoff", "0", "--max-wait", "5"]
    code, out = cli(project, sync, monkeypatch, env)
    assert code == 0, out
    labels = {i["title"]: i["labels"] for i in github.issues.values()}
    assert labels == {
        # uncertain: no category label, the triage label instead; may be security: its label
        "TODO: tidy up this handler": ["technical-debt", "todo", "needs-triage",
                                       "may-be-security"],
        "TODO: cache the listing": ["technical-debt", "todo", "security", "may-be-security"],
        "FIXME: something about the rows": ["technical-debt", "todo", "needs-triage"],
        "TODO: add pagination #perf": ["technical-debt", "todo", "performance"],
        "TODO: the session token cannot be verified twice, so retries re-login": [
            "technical-debt", "todo", "bug", "may-be-security"],
    }
    body = next(i["body"] for i in github.issues.values()
                if i["title"] == "TODO: tidy up this handler")
    assert ("- category: **uncertain**, a person decides: refactor or security (confidence "
            "0.41)\n- **may be about security**: code \"hmac\" +1, path \"auth\" +1, around "
            "\"hmac\" +0.5, calls \"hmac\" +0.5\n") in body
    # Both labels come from the configuration ("" for none).
    project.write("pyproject.toml", '[tool.qualitytool.todos]\nsecurity-flag-label = "appsec"\n'
                                    'uncertain-label = ""\n')
    project.write("app/new.py", "def f(token):\n    # TODO: check the token\n    return token\n")
    code, out = cli(project, sync, monkeypatch, env)
    assert code == 0, out
    labels = {i["title"]: i["labels"] for i in github.issues.values()}
    assert labels["TODO: check the token"] == ["technical-debt", "todo", "appsec"]
