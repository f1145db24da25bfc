"""The TODO scanner: comments only, every comment syntax, marker forms, continuations,
categories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.api import scan_todos, write_todo_reports
from qualitytool.cli import main
from qualitytool.config import Config, TodosConfig, load_config
from qualitytool.todos.categories import CategoryRulesError
from qualitytool.todos.category_rules import load_categorizer
from qualitytool.todos.file_scan import scan_source
from qualitytool.todos.markers import Markers
from qualitytool.todos.model import TodoItem
from qualitytool.todos.syntax import language_of

from .conftest import EXAMPLE

MARKERS = Markers(("TODO", "FIXME", "XXX", "HACK"))


def found(source: str, language: str = "python") -> list[tuple[object, ...]]:
    """(line, col, marker, text, end_line, context, author, issue, tags) per item."""
    return [
        (i.line, i.col, i.marker, i.text, i.end_line, i.context, i.author, i.issue, i.tags)
        for i in scan_source(source, language, MARKERS, "f", tag_words=("limitation",))
    ]


PYTHON_CASES = [
    pytest.param('x = "# TODO: in a string"\nTODO_LIST = []\n', [], id="string and identifier"),
    pytest.param('"""\n# TODO: in a docstring\n"""\n', [], id="triple-quoted string"),
    pytest.param(
        "x = 1  # todo: lower case\n",
        [(1, 10, "TODO", "lower case", 1, "", None, None, ())], id="trailing, any case",
    ),
    pytest.param("# todos are prose\n# hacked together\n# xxxx\n", [], id="word boundary"),
    pytest.param(
        "# see below # FIXME: second section\n",
        [(1, 15, "FIXME", "second section", 1, "", None, None, ())], id="after a second hash",
    ),
    pytest.param(
        "# TODO(alice): a\n\n# TODO(#12): b\n\n# TODO(acme/app#7): c\n\n"
        "# TODO(limitation): d\n\n# TODO: e - https://example.com/issues/9\n\n"
        "# FIXME(bob, #3) - f\n",
        [
            (1, 3, "TODO", "a", 1, "", "alice", None, ()),
            (3, 3, "TODO", "b", 3, "", None, "#12", ()),
            (5, 3, "TODO", "c", 5, "", None, "acme/app#7", ()),
            (7, 3, "TODO", "d", 7, "", None, None, ("limitation",)),
            (9, 3, "TODO", "e", 9, "", None, "https://example.com/issues/9", ()),
            (11, 3, "FIXME", "f", 11, "", "bob", "#3", ()),
        ],
        id="author issue tag link",
    ),
    pytest.param(
        "class A:\n    def f(self):\n        # TODO: first\n        #   second\n        #\n"
        "        # not part of it\n        pass\n    # HACK: class level\n",
        [
            (3, 11, "TODO", "first second", 4, "A.f", None, None, ()),
            (8, 7, "HACK", "class level", 8, "A", None, None, ()),
        ],
        id="continuation and context",
    ),
    pytest.param(
        "# TODO: one\n# FIXME: two\nx = 1  # XXX: three\n# not a continuation of a trailing one\n",
        [
            (1, 3, "TODO", "one", 1, "", None, None, ()),
            (2, 3, "FIXME", "two", 2, "", None, None, ()),
            (3, 10, "XXX", "three", 3, "", None, None, ()),
        ],
        id="a marker starts a new item",
    ),
    pytest.param(
        "# TODO: compute lazily\n# x = compute()\n\n# FIXME: uncomment when ready\n"
        "# self.queue_message(\n# TODO: handle\n# if the user is an admin\n",
        [
            (1, 3, "TODO", "compute lazily", 1, "", None, None, ()),
            (4, 3, "FIXME", "uncomment when ready", 4, "", None, None, ()),
            (6, 3, "TODO", "handle if the user is an admin", 7, "", None, None, ()),
        ],
        id="commented-out code is no continuation",
    ),
    pytest.param(
        "def h(\n    a,\n):\n    # TODO: in h\n    pass\n\n\nasync def g():\n    # TODO: in g\n",
        [
            (4, 7, "TODO", "in h", 4, "h", None, None, ()),
            (9, 7, "TODO", "in g", 9, "g", None, None, ()),
        ],
        id="multi-line signature, async def",
    ),
]


@pytest.mark.parametrize(("source", "expected"), PYTHON_CASES)
def test_python(source: str, expected: list[tuple[object, ...]]) -> None:
    assert found(source) == expected


OTHER_LANGUAGE_CASES = [
    pytest.param(
        "typescript",
        '// TODO: line\nconst s = "// TODO: no", t = `\n// TODO: no\n`;\n'
        "/**\n * FIXME(alice): block\n *   continued\n * TODO: second\n */\n"
        "let x = 1; /* HACK: inline */\n",
        [
            (1, 4, "TODO", "line", 1, "", None, None, ()),
            (6, 4, "FIXME", "block continued", 7, "", "alice", None, ()),
            (8, 4, "TODO", "second", 8, "", None, None, ()),
            (10, 15, "HACK", "inline", 10, "", None, None, ()),
        ],
        id="typescript",
    ),
    pytest.param(
        "shell", 'echo "# TODO no" ${#x} # TODO: sh\n# FIXME: yes\n',
        [(1, 26, "TODO", "sh", 1, "", None, None, ()),
         (2, 3, "FIXME", "yes", 2, "", None, None, ())],
        id="shell",
    ),
    pytest.param(
        "yaml", "key: a#TODO\nother: x # TODO: yaml\n",
        [(2, 12, "TODO", "yaml", 2, "", None, None, ())], id="yaml",
    ),
    pytest.param(
        "yaml", "# TODO: uncomment once it ships\n# - name: install it\n#   debug: var=x\n",
        [(1, 3, "TODO", "uncomment once it ships", 1, "", None, None, ())],
        id="yaml commented-out task",
    ),
    pytest.param(
        "toml", 'a = "# TODO no"  # TODO: toml\n',
        [(1, 20, "TODO", "toml", 1, "", None, None, ())], id="toml",
    ),
    pytest.param(
        "dockerfile", "RUN echo # TODO no\n# TODO: docker\n",
        [(2, 3, "TODO", "docker", 2, "", None, None, ())], id="dockerfile",
    ),
    pytest.param(
        "sql", "SELECT '-- TODO no' -- TODO: sql\n/* FIXME: block */\n",
        [(1, 24, "TODO", "sql", 1, "", None, None, ()),
         (2, 4, "FIXME", "block", 2, "", None, None, ())],
        id="sql",
    ),
    pytest.param(
        "html", "<p>TODO no</p><!-- TODO: html\n  more -->\n",
        [(1, 20, "TODO", "html more", 2, "", None, None, ())], id="html",
    ),
    pytest.param(
        "css", 'a { content: "/* TODO no */" } /* XXX: css */\n',
        [(1, 35, "XXX", "css", 1, "", None, None, ())], id="css",
    ),
    pytest.param(
        "vue",
        "<template>\n  <p>Don't TODO no</p> <!-- TODO: template -->\n</template>\n"
        "<script>\nconst u = 'https://x/TODO'; // FIXME: script\n</script>\n"
        "<style>\n.a { color: red; } /* XXX: style */\n</style>\n",
        [(2, 29, "TODO", "template", 2, "", None, None, ()),
         (5, 32, "FIXME", "script", 5, "", None, None, ()),
         (8, 23, "XXX", "style", 8, "", None, None, ())],
        id="vue",
    ),
]


@pytest.mark.parametrize(("language", "source", "expected"), OTHER_LANGUAGE_CASES)
def test_other_languages(language: str, source: str, expected: list[tuple[object, ...]]) -> None:
    assert found(source, language) == expected


@pytest.mark.parametrize(
    ("name", "language"),
    [("a.tsx", "typescript"), ("Dockerfile", "dockerfile"), ("Dockerfile.dev", "dockerfile"),
     ("x.yml", "yaml"), ("run.sh", "shell"), ("q.sql", "sql"), ("App.vue", "vue"),
     ("Card.svelte", "vue"), ("README.md", None)],
)
def test_language_of(name: str, language: str | None) -> None:
    assert language_of(name) == language


def test_every_language_is_scanned_by_default() -> None:
    """A language added to rules/comment_syntax.toml is scanned without configuration."""
    from qualitytool.config import TodosConfig
    from qualitytool.todos.syntax import languages

    known = languages()
    include = set(TodosConfig().include)
    named = {f"*{ext}" for ext in known.extensions} | set(known.filenames) | {
        f"{prefix}*" for prefix, _ in known.prefixes}
    assert named - include == set()


def test_configured_markers() -> None:
    markers = Markers(("TODO", "NOTE"))
    items = scan_source("# NOTE: kept\n\n# FIXME: not configured\n", "python", markers, "f")
    assert [(i.marker, i.text) for i in items] == [("NOTE", "kept")]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("rotate the auth token", "security"),
        ("cache invalidation bug", "bug"),
        ("the author field is slow", "performance"),
        ("document the schema", "documentation"),
        ("add pagination", "feature"),
        ("refactor the loader", "refactor"),
        ("something else", "feature"),  # the fallback when no signal is strong enough
    ],
)
def test_categories(text: str, category: str) -> None:
    assert load_categorizer().category(text) == category


def test_category_rules_extendable(tmp_path: Path) -> None:
    extra = tmp_path / "more.toml"
    extra.write_text('[categories.security]\nphrases = ["gdpr"]\n'
                     '[categories.refactor]\npriority = 200\n')
    categorizer = load_categorizer([extra])
    assert load_categorizer().category("gdpr export") == "feature"
    assert categorizer.category("gdpr export") == "security"  # a plain phrase is enough alone
    # Points decide; priority only breaks ties ("refactor" +4 against "rewrite" +4).
    assert load_categorizer().category("refactor or rewrite it") == "refactor"
    assert categorizer.category("refactor the csrf check") == "security"
    extra.write_text('[categories.chores]\nphraze = ["x"]\n')
    with pytest.raises(CategoryRulesError,
                       match="more.toml: unknown key 'categories.chores.phraze'"):
        load_categorizer([extra])


def test_fingerprint_identity() -> None:
    source = ("def f():\n    # TODO: same\n    pass\n\n"
              "def g():\n    # TODO: same\n    # TODO: same\n")
    items = scan_todo_items(source, "app/x.py")
    assert len({i.fingerprint for i in items}) == 3  # identical texts in different places
    moved = scan_todo_items("\n\n# unrelated edit above\n" + source, "lib/app/x.py")
    assert [i.fingerprint for i in moved] == [i.fingerprint for i in items]


def scan_todo_items(source: str, path: str) -> list[TodoItem]:
    from qualitytool.todos.project_scan import _with_occurrences

    return _with_occurrences(scan_source(source, "python", MARKERS, path))


EXAMPLE_ITEMS = [
    ("app/api/health.py", 16, 3, "XXX", "feature", "issue", None, None, ""),
    ("app/api/users.py", 104, 11, "TODO", "feature", "issue", None, None,
     "make_user_router.list_orders"),
    ("app/cache.py", 29, 11, "TODO", "security", "implement", None, None, "ResponseCache.get"),
    ("app/config.py", 49, 7, "TODO", "feature", "document", None, None, "_read_ini"),
    ("app/db.py", 9, 3, "TODO", "documentation", "issue", None, None, ""),
    ("app/db.py", 91, 15, "FIXME", "performance", "issue", None, None,
     "Database.list_orders_with_items"),
    ("app/framework.py", 28, 11, "FIXME", "bug", "implement", None, None, "Request.__init__"),
    ("app/main.py", 57, 7, "TODO", "refactor", "issue", None, None, "create_app"),
    ("app/maintenance.py", 17, 7, "HACK", "performance", "issue", None, None, "backup_directory"),
    ("app/middleware/metrics.py", 12, 3, "TODO", "feature", "issue", None, None, ""),
    ("app/security.py", 17, 3, "TODO", "security", "implement", None, None, ""),
    ("app/security.py", 41, 7, "FIXME", "security", "implement", None, None, "legacy_md5_matches"),
    ("app/services/notifications.py", 73, 11, "TODO", "performance", "issue", "alice", None,
     "NotificationService.trigger"),
    ("app/services/notifications.py", 83, 15, "FIXME", "bug", "implement", None, None,
     "NotificationService.trigger"),
    ("app/services/storage.py", 22, 7, "TODO", "feature", "issue", None, "#12", "StorageService"),
    ("app/services/storage.py", 28, 11, "XXX", "security", "implement", None, None,
     "StorageService.path_for"),
    ("app/services/storage.py", 91, 11, "TODO", "security", "implement", None, None,
     "StorageService.restore"),
]


def test_example_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    result = scan_todos(["."], load_config(EXAMPLE), blame=False)
    assert [
        (i.path, i.line, i.col, i.marker, i.category, i.resolution, i.author, i.issue, i.context)
        for i in result.items
    ] == EXAMPLE_ITEMS
    metrics = next(i for i in result.items if i.path == "app/middleware/metrics.py")
    assert metrics.text == (
        "histogram buckets are hard-coded; make them configurable via "
        "settings.metrics_buckets once the config loader supports lists."
    )
    assert metrics.end_line == 13
    assert not any(i.path == "app/api/users.py" and i.line == 13 for i in result.items)


def run_cli(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_json_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run_cli(["todos", ".", "--format", "json", "--no-blame"], EXAMPLE, monkeypatch)
    assert code == 0
    document = json.loads(out)
    assert list(document) == ["version", "items", "summary", "notes"]
    assert document["version"] == 1
    storage = next(i for i in document["items"] if i["issue"] == "#12")
    assert storage == {
        "path": "app/services/storage.py", "line": 22, "col": 7, "marker": "TODO",
        "text": "add a real S3 backend instead of mirroring through the vendor SDK",
        "category": "feature", "category_reason": 'feature 4: comment "add" +4; next refactor 2',
        "confidence": 0.7321, "uncertain": False, "likeliest": ["feature", "refactor"],
        "may_be_security": False, "security_evidence": [], "tags": [],
        "resolution": "issue", "author": None, "issue": "#12",
        "fingerprint": storage["fingerprint"], "blame": None,
    }
    assert len(storage["fingerprint"]) == 16
    assert document["summary"] == {
        "total": 17, "linked": 1, "unlinked": 16,
        "by_category": {"security": 5, "performance": 3, "bug": 2, "feature": 5,
                        "refactor": 1, "documentation": 1},
        "by_resolution": {"implement": 7, "issue": 9, "document": 1},
        "may_be_security": 5, "uncertain": 4,
    }


def test_cli_check_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.py").write_text("# TODO(#1): linked\n")
    (tmp_path / "b.ts").write_text("// FIXME: unlinked\n")
    code, out = run_cli(["todos", "--check", "--no-blame", "a.py"], tmp_path, monkeypatch)
    assert code == 0
    code, out = run_cli(["todos", "--check", "--no-blame", "--format", "github", "."], tmp_path,
                        monkeypatch)
    assert code == 1
    assert out == (
        "::notice file=a.py,line=1,col=3,endLine=1,title=TODO::TODO [uncertain: feature or "
        "refactor, issue]: linked (tracked in #1)\n"
        "::warning file=b.ts,line=1,col=4,endLine=1,title=FIXME::FIXME [uncertain: feature or "
        "refactor, issue]: unlinked (no issue linked)\n"
        "1 TODO comment(s) without an issue link\n"
    )


def test_cli_report_and_json_in_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out_dir = tmp_path / "reports"
    code, out = run_cli(
        ["todos", ".", "--no-blame", "--format", "json", "--report", str(out_dir)],
        EXAMPLE, monkeypatch,
    )
    assert code == 0
    assert json.loads(out[out.index("{"):])["summary"]["total"] == 17
    report = (out_dir / "TODO_REPORT.md").read_text()
    limitations = (out_dir / "KNOWN_LIMITATIONS.md").read_text()
    assert report.startswith(
        "# TODO report\n\n17 TODO comments: 1 linked to an issue, 16 not.\n"
        "5 may be about security; 4 uncertain (a person decides their category).\n")
    # Uncertain items are counted and listed apart, for a person to decide.
    assert "| security | 4 |" in report
    assert "| uncertain (a person decides) | 4 |" in report
    assert "| `app/services/storage.py:22` | TODO | add a real S3 backend instead of mirroring" \
        " through the vendor SDK | issue | #12 | - |" in report
    assert limitations == (
        "# Known limitations\n\n"
        "Behaviour the code documents as deliberate or not yet supported, collected from\n"
        "`TODO(limitation)` comments and comments with a limitation phrase.\n\n"
        "- **`app/config.py:49`** (`_read_ini`): INI cannot express nested tables or lists, "
        "so INI settings are flat strings. (category uncertain: feature or refactor)\n"
    )
    # Deterministic: a second run writes the same bytes; --format markdown is the same report.
    again = tmp_path / "again"
    write_todo_reports(scan_todos([EXAMPLE], load_config(EXAMPLE), blame=False), again)
    assert (again / "TODO_REPORT.md").read_text() == report
    code, markdown = run_cli(["todos", ".", "--no-blame", "--format", "markdown"], EXAMPLE,
                             monkeypatch)
    assert markdown == report


def test_cli_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("qualitytool.cli._is_terminal", lambda: True)  # tables: a terminal's
    code, out = run_cli(["todos", "--no-blame", "app/security.py"], EXAMPLE, monkeypatch)
    assert code == 0
    assert out.splitlines()[0] == "security (1)"
    assert "app/security.py:17" in out and "TODO: rotate the signing" in out
    assert "uncertain (1): a person decides" in out.splitlines()
    assert "app/security.py:41  security or refactor?" in out
    assert out.splitlines()[-1] == (
        "Found 2 TODO comments in 1 of 1 files: 0 linked to an issue, 2 not (2 to implement); "
        "2 may be security, 1 uncertain."
    )


def test_summary_line_names_the_next_step_of_the_unlinked_items_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counts in parentheses add up to the items without a link (a linked item's next
    step is its issue), and say what each step is ("3 not (3 issue)" read as nonsense)."""
    (tmp_path / "pyproject.toml").write_text("[tool.qualitytool]\n", encoding="utf-8")
    (tmp_path / "jobs.py").write_text(
        "# TODO(#12): retry the export when the storage backend is unavailable again\n"
        "# TODO: split the scheduler into a queue module and a worker module someday\n"
        "# TODO(limitation): exports are not resumable after a restart of the worker\n",
        encoding="utf-8")
    code, out = run_cli(["todos", "--no-blame", "jobs.py"], tmp_path, monkeypatch)
    assert code == 0
    assert out.splitlines()[-1] == (
        "Found 3 TODO comments in 1 of 1 files: 1 linked to an issue, 2 not (1 to file as an "
        "issue, 1 to document as a limitation); 2 uncertain."
    )


def test_config_markers_and_rules(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text('[categories.feature]\nphrases = ["widget"]\n')
    (tmp_path / "a.py").write_text("# NOTE: a widget\n\n# TODO: ignored marker\n")
    config = Config(root=tmp_path, todos=TodosConfig(markers=("NOTE",),
                                                     category_rules=("rules.toml",)))
    result = scan_todos([tmp_path], config, blame=False)
    assert [(i.marker, i.text, i.category) for i in result.items] == [
        ("NOTE", "a widget", "feature")
    ]
