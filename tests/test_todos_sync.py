"""``qualitytool todos sync``: the real PyGithub client against a local GitHub API server, in
real git repositories, across reruns, edits, moves, removals, crashes and server faults."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualitytool.cli import main
from qualitytool.todos.sync import parse_meta

from .github_server import FakeGitHub, Fault
from .gitrepo import GitRepo

TOKEN = "ghp_test_secret_token_123"
ISSUES = "/repos/acme/app/issues"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token=TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def project(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "project")
    repo.write("app/service.py", (
        "import os\n\n\n"
        "class Service:\n"
        "    def load(self):\n"
        "        # TODO: validate the auth token before use\n"
        "        return os.environ\n\n"
        "    def save(self):\n"
        "        # FIXME: writes are not batched\n"
        "        pass\n"
    ))
    repo.write("web/app.ts", "// TODO: add pagination to the list view\nexport const x = 1;\n")
    repo.write("app/tracked.py", "# TODO(#77): already tracked elsewhere\n")
    repo.commit("initial")
    return repo


def sync(repo: GitRepo, github: FakeGitHub, *args: str, token: str = TOKEN,
         monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(repo.root)
    env = {"GITHUB_TOKEN": token, "GITHUB_REPOSITORY": "acme/app",
           "GITHUB_API_URL": github.base_url, "GITHUB_SERVER_URL": "https://github.example",
           "GITHUB_SHA": ""}
    return CliRunner().invoke(
        main,
        ["todos", "sync", "--write-pause", "0", "--retry-backoff", "0", "--max-wait", "5", *args],
        env=env,
        catch_exceptions=False,
    )


def writes(github: FakeGitHub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in github.log if r.method != "GET"]


def titles(github: FakeGitHub) -> list[tuple[int, str, str]]:
    return [(n, i["title"], i["state"]) for n, i in sorted(github.issues.items())]


FIRST = [
    (1, "TODO: validate the auth token before use", "open"),
    (2, "FIXME: writes are not batched", "open"),
    (3, "TODO: add pagination to the list view", "open"),
]


def test_first_sync_then_rerun_creates_nothing(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert titles(github) == FIRST
    head = project.git("rev-parse", "HEAD")
    issue = github.issues[1]
    # A security item carries the flag's label too: one label finds everything that may be
    # about security, whatever its category.
    assert issue["labels"] == ["technical-debt", "todo", "security", "may-be-security"]
    assert (
        f"[`app/service.py:6`](https://github.example/acme/app/blob/{head}/app/service.py#L6)"
        " in `Service.load`:" in issue["body"]
    )
    snippet = "```python\n\nclass Service:\n    def load(self):\n        # TODO: validate"
    assert snippet in issue["body"]
    assert "- category: **security**\n- suggested resolution: **implement**\n" in issue["body"]
    assert "- last changed by Alice on 2024-01-02 (" in issue["body"]
    meta = parse_meta(issue["body"])
    assert meta["path"] == "app/service.py" and meta["context"] == "Service.load"
    assert result.output.splitlines() == [
        "create #1: TODO: validate the auth token before use (app/service.py:6) [created]",
        "create #2: FIXME: writes are not batched (app/service.py:10) [created]",
        "create #3: TODO: add pagination to the list view (web/app.ts:1) [created]",
        "create 3, update 0, close 0; 0 unchanged, 1 linked in the code.",
    ]
    # One list page, the labels the repository lacks, one POST per issue.
    assert [(r.method, r.path) for r in github.log] == [
        ("GET", ISSUES),
        *[("POST", "/repos/acme/app/labels")] * 6,
        *[("POST", ISSUES)] * 3,
    ]
    assert sorted(github.labels) == ["feature", "may-be-security", "performance", "security",
                                     "technical-debt", "todo"]

    github.log.clear()
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.output == "create 0, update 0, close 0; 3 unchanged, 1 linked in the code.\n"
    assert [(r.method, r.path) for r in github.log] == [("GET", ISSUES)]


def test_edit_above_and_move_change_nothing(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(project, github, monkeypatch=monkeypatch)
    service = project.root / "app/service.py"
    service.write_text('"""Service module."""\n\n# unrelated\n' + service.read_text())
    project.commit("edit above")
    project.git("mv", "web", "dashboard")
    project.commit("move the dashboard")
    github.log.clear()
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.output == "create 0, update 0, close 0; 3 unchanged, 1 linked in the code.\n"
    assert writes(github) == []
    assert titles(github) == FIRST


def test_text_edited_updates_removed_closes(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(project, github, monkeypatch=monkeypatch)
    service = project.root / "app/service.py"
    service.write_text(service.read_text().replace(
        "validate the auth token before use", "validate and refresh the auth token"))
    project.commit("reword")
    (project.root / "web/app.ts").write_text("export const x = 1;\n")
    removal = project.commit("pagination done")
    project.write("README.md", "later commit\n")
    project.commit("later")
    github.log.clear()
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        ("update #1: TODO: validate and refresh the auth token (app/service.py:6): text changed"
        " [updated]"),
        ("close #3: TODO: add pagination to the list view: no longer in the code"
        f" [closed (removed in {removal[:12]})]"),
        "create 0, update 1, close 1; 1 unchanged, 1 linked in the code.",
    ]
    assert titles(github) == [
        (1, "TODO: validate and refresh the auth token", "open"),
        (2, "FIXME: writes are not batched", "open"),
        (3, "TODO: add pagination to the list view", "closed"),
    ]
    assert github.comments[3] == [
        ("The `TODO` comment this issue tracked is no longer in `web/app.ts` as of commit "
        f"{removal}; closing. (`qualitytool todos sync`)")
    ]
    assert writes(github) == [("PATCH", f"{ISSUES}/1"), ("POST", f"{ISSUES}/3/comments"),
                              ("PATCH", f"{ISSUES}/3")]
    github.log.clear()
    result = sync(project, github, monkeypatch=monkeypatch)
    assert writes(github) == []


def test_linked_items_never_duplicated_nor_closed(
    tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "p")
    repo.write("a.py", "# TODO: make it faster\n")
    repo.commit("one")
    sync(repo, github, monkeypatch=monkeypatch)
    # The code now references the issue the tool created: still tracked, not closed.
    (repo.root / "a.py").write_text("# TODO(#1): make it faster\n# FIXME(acme/app#9): other\n")
    repo.commit("link")
    github.log.clear()
    result = sync(repo, github, monkeypatch=monkeypatch)
    assert result.output == "create 0, update 0, close 0; 0 unchanged, 2 linked in the code.\n"
    assert writes(github) == []


def test_dry_run_touches_nothing(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = sync(project, github, "--dry-run", monkeypatch=monkeypatch)
    assert result.output.splitlines() == [
        "create: TODO: validate the auth token before use (app/service.py:6)",
        "create: FIXME: writes are not batched (app/service.py:10)",
        "create: TODO: add pagination to the list view (web/app.ts:1)",
        ("dry run: would create 3, would update 0, would close 0; "
         "0 unchanged, 1 linked in the code."),
    ]
    assert writes(github) == [] and github.issues == {}


def test_max_new_and_selection(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    github.labels["todo"] = {"name": "todo"}  # exists, but on no issue of ours: 422, fine
    result = sync(project, github, "--max-new", "1", monkeypatch=monkeypatch)
    assert titles(github) == FIRST[:1]
    assert [(r.body or {}).get("name") for r in github.log if r.status == 422] == ["todo"]
    assert "note: --max-new 1: 2 item(s) left for a later run" in result.output
    result = sync(project, github, "--category", "feature", monkeypatch=monkeypatch)
    assert titles(github) == [FIRST[0], (2, "TODO: add pagination to the list view", "open")]


def test_crash_in_the_middle_then_rerun(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second create reaches GitHub, then the connection dies and so does everything after.
    github.add_fault(Fault("POST", ISSUES, drop=True, after=True, skip=1))
    github.add_fault(Fault("*", ".*", drop=True, times=1000, skip=7))
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert len(github.issues) == 2
    github.faults.clear()
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert titles(github) == FIRST


def test_502_after_create_is_not_duplicated(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    github.add_fault(Fault("POST", ISSUES, status=502, after=True, skip=1,
                           body={"message": "Server Error"}))
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert titles(github) == FIRST
    assert "create #2: FIXME: writes are not batched (app/service.py:10) [adopted (GitHub " \
        "created it but answered: GitHub answered 502: Server Error)]" in result.output
    assert [r.path for r in github.requests("POST") if r.path == ISSUES] == [ISSUES] * 3
    assert [r.path for r in github.requests("GET")] == [ISSUES, ISSUES]


def test_rate_limits_and_read_retries(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    limited = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}
    github.add_fault(Fault("GET", ISSUES, status=500))
    github.add_fault(Fault("POST", ISSUES, status=403, headers={"Retry-After": "1"}, body=limited))
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert titles(github) == FIRST
    assert [(r.method, r.status) for r in github.log if r.path == ISSUES] == [
        ("GET", 500), ("GET", 200), ("POST", 403), ("POST", 201), ("POST", 201), ("POST", 201),
    ]


def test_rate_limit_longer_than_max_wait(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    github.add_fault(Fault("POST", ISSUES, status=403, times=10,
                           headers={"X-RateLimit-Remaining": "0",
                                    "X-RateLimit-Reset": "9999999999"},
                           body={"message": "API rate limit exceeded"}))
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert "error: rate limited by GitHub for" in result.output
    assert github.issues == {}


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        pytest.param({}, ["--repo", "acme/missing"],
                     "error: GitHub answered 404: Not Found (is acme/missing the repository",
                     id="404"),
        pytest.param({"token": "ghp_wrong_token_456"}, [],
                     "error: GitHub answered 401: Bad credentials (check GITHUB_TOKEN)", id="401"),
        pytest.param({"token": ""}, [], "error: no token: set GITHUB_TOKEN", id="no token"),
    ],
)
def test_errors_are_clear_and_never_show_the_token(
    setup: dict[str, str], args: list[str], message: str, project: GitRepo, github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = setup.get("token", TOKEN)
    result = sync(project, github, *args, token=token, monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert message in result.output
    for secret in {TOKEN, token} - {""}:
        assert secret not in result.output
        assert secret not in caplog.text


def test_token_not_in_output_logs_or_issues_after_faults(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    github.add_fault(Fault("POST", ISSUES, status=502, after=True))
    github.add_fault(Fault("POST", ISSUES, status=422, skip=1,
                           body={"message": f"Validation Failed for {TOKEN}"}))
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert "error: GitHub answered 422: Validation Failed for ***" in result.output
    everything = result.output + caplog.text + repr(github.issues) + repr(github.comments)
    assert TOKEN not in everything


def test_token_not_in_options_repr() -> None:
    from qualitytool.todos.sync import SyncOptions

    options = SyncOptions.from_env({"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/app"})
    assert options.token == TOKEN
    assert TOKEN not in repr(options) and TOKEN not in str(options)


def test_api_url_and_repo_options_override_the_environment(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.root)
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "other/repo",
           "GITHUB_API_URL": "http://127.0.0.1:9", "GITHUB_SHA": "abc123"}
    result = CliRunner().invoke(main, [
        "todos", "sync", "--write-pause", "0", "--repo", "acme/app", "--api-url", github.base_url,
    ], env=env)
    assert result.exit_code == 0, result.output
    assert "https://github.com/acme/app/blob/abc123/app/service.py#L6" in github.issues[1]["body"]


def test_300_items_use_one_request_per_write_plus_one_page_per_100(
    tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "big")
    repo.write("big.py", "".join(f"# TODO: item number {n}\n\n" for n in range(300)))
    repo.commit("many")
    result = sync(repo, github, "--no-blame", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    issue_writes = len([r for r in github.log if r.method == "POST" and r.path == ISSUES])
    label_writes = len([r for r in github.log if r.path.endswith("/labels")])
    assert issue_writes == 300 and label_writes == 3
    assert len(github.log) == issue_writes + label_writes + 1  # one (empty) page of issues
    github.log.clear()
    result = sync(repo, github, "--no-blame", monkeypatch=monkeypatch)
    assert result.output == "create 0, update 0, close 0; 300 unchanged, 0 linked in the code.\n"
    assert len(github.log) == math.ceil(300 / 100)


def test_sync_of_a_subfolder_closes_nothing_outside_it(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(project, github, monkeypatch=monkeypatch)
    github.log.clear()
    result = sync(project, github, "app", monkeypatch=monkeypatch)
    assert result.output == "create 0, update 0, close 0; 2 unchanged, 1 linked in the code.\n"
    (project.root / "app/service.py").write_text("x = 1\n")
    project.commit("fixed")
    result = sync(project, github, "app", monkeypatch=monkeypatch)
    actions = [line.split(":")[0] for line in result.output.splitlines()[:-1]]
    assert actions == ["close #1", "close #2"]
    assert titles(github)[2] == (3, "TODO: add pagination to the list view", "open")


def test_github_enterprise_api_prefix_and_pagination(
    project: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = FakeGitHub(token=TOKEN, prefix="/api/v3").start()
    try:
        for n in range(150):  # labelled like ours but without a fingerprint: never touched
            server.add_issue(f"hand-made {n}", "no marker", ("technical-debt", "todo"))
        result = sync(project, server, monkeypatch=monkeypatch)
        assert result.exit_code == 0, result.output
        assert server.base_url.endswith("/api/v3")
        assert [(r.method, r.query.get("page")) for r in server.log if r.path == ISSUES][:2] == [
            ("GET", None), ("GET", ["2"]),
        ]
        assert [i["title"] for i in server.issues.values()][150:] == [t for _, t, _ in FIRST]
        server.log.clear()
        result = sync(project, server, monkeypatch=monkeypatch)
        assert result.output == "create 0, update 0, close 0; 3 unchanged, 1 linked in the code.\n"
        assert len(server.log) == 2  # 153 issues: two pages of 100
    finally:
        server.stop()


def test_renamed_file_updates_the_location(
    project: GitRepo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(project, github, monkeypatch=monkeypatch)
    project.git("mv", "app/service.py", "app/services.py")
    project.commit("rename")
    github.log.clear()
    result = sync(project, github, monkeypatch=monkeypatch)
    assert result.output.splitlines() == [
        ("update #1: TODO: validate the auth token before use (app/services.py:6): moved to"
        " another file [updated]"),
        ("update #2: FIXME: writes are not batched (app/services.py:10): moved to another file"
        " [updated]"),
        "create 0, update 2, close 0; 1 unchanged, 1 linked in the code.",
    ]
    assert parse_meta(github.issues[1]["body"])["path"] == "app/services.py"
    github.log.clear()
    sync(project, github, monkeypatch=monkeypatch)
    assert writes(github) == []
