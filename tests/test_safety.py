"""Defects found by using the tool as an attacker would (issue 14): each test failed before
its fix.  Real subprocesses, real files; nothing mocked."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.cli import main

from .github_server import FakeGitHub, Fault

BROAD = ("import json\ns = \"{}\"\ntry:\n    data = json.loads(s)\n"
         "except Exception:\n    data = None\n")
NARROWED = ("import json\ns = \"{}\"\ntry:\n    data = json.loads(s)\n"
            "except (RecursionError, ValueError):\n    data = None\n")


def qualitytool(*args: str, cwd: Path, env: dict[str, str] | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The real command, in a fresh process, from ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "qualitytool", *args], cwd=cwd, capture_output=True, text=True,
        timeout=timeout, env={**os.environ, **(env or {})}, check=False,
    )


def test_fix_exceptions_writes_through_a_symlinked_module(tmp_path: Path) -> None:
    outside = tmp_path / "shared"
    outside.mkdir()
    target = outside / "real.py"
    target.write_text(BROAD, encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    link = tree / "link.py"
    link.symlink_to(target)
    result = CliRunner().invoke(main, ["fix-exceptions", str(tree), "--write"])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == NARROWED
    assert sorted(p.name for p in outside.iterdir()) == ["real.py"]  # no temporary left


# --- report never runs the analysed code unless asked -------------------------------------

def _marker_code(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').write('ran')\n"


def _hostile_project(root: Path, markers: Path) -> Path:
    """A project whose root shadows the tools, whose pylint config runs a hook and a plugin,
    whose mypy config loads a plugin, and that ships startup files."""
    root.mkdir(parents=True)
    (root / "app.py").write_text("def double(x: int) -> int:\n    return 2 * x\n", encoding="utf-8")
    for shadow in ("pylint.py", "bandit.py", "mypy.py"):
        (root / shadow).write_text(_marker_code(markers / f"shadow-{shadow}"), encoding="utf-8")
    (root / "qualitytool").mkdir()
    (root / "qualitytool" / "__init__.py").write_text(
        _marker_code(markers / "shadow-qualitytool"), encoding="utf-8")
    (root / ".pylintrc").write_text(
        f"[MAIN]\ninit-hook={_marker_code(markers / 'pylint-init-hook').strip()}\n"
        "load-plugins=evil_pylint_plugin\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.mypy]\nplugins = ["evil_mypy_plugin"]\n', encoding="utf-8")
    for name in ("conftest.py", "sitecustomize.py"):
        (root / name).write_text(_marker_code(markers / name), encoding="utf-8")
    (root / "evil.pth").write_text(f"import os; {_marker_code(markers / 'pth').strip()}\n",
                                   encoding="utf-8")
    return root


@pytest.fixture()
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The project, and the folder where its code leaves a file whenever it runs.  The
    plugins are importable (on PYTHONPATH, outside the project), so trusting them runs them."""
    markers = tmp_path / "markers"
    markers.mkdir()
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "evil_pylint_plugin.py").write_text(
        _marker_code(markers / "pylint-plugin") + "def register(linter):\n    pass\n",
        encoding="utf-8")
    (plugins / "evil_mypy_plugin.py").write_text(
        _marker_code(markers / "mypy-plugin")
        + "from mypy.plugin import Plugin\ndef plugin(version):\n    return Plugin\n",
        encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(plugins))
    return _hostile_project(tmp_path / "project", markers), markers


def _ran(markers: Path) -> list[str]:
    return sorted(p.name for p in markers.iterdir())


def test_untrusted_report_runs_none_of_the_projects_code(hostile: tuple[Path, Path]) -> None:
    from qualitytool.api import build_report

    project, markers = hostile
    report = build_report(project, tools=["pylint", "bandit", "mypy", "todos"],
                          use_cache=False, untrusted=True)
    assert _ran(markers) == []
    statuses = {t.tool: (t.status.value, t.detail) for t in report.tools}
    assert statuses["pylint"][0] == "ok" and statuses["bandit"][0] == "ok"
    assert statuses["todos"][0] == "ok"
    assert statuses["mypy"] == (
        "skipped", ("not run under --untrusted: pyproject.toml sets `plugins` (it would run the "
        "project's code)"))
    assert [s.describe() for s in report.ignored] == [
        # pylint reads the caller's configuration (none here: its defaults), not the checkout's
        ".pylintrc: pylint `configuration`: not read (the caller's configuration applies)",
        ".pylintrc: pylint `init-hook`: ignored (pylint ran without it)",
        ".pylintrc: pylint `load-plugins`: ignored (pylint ran without it)",
        "pyproject.toml: mypy `plugins`: mypy not run",
        ("conftest.py: python `conftest.py`: not run (the report runs no tests and keeps the "
        "project off sys.path)"),
        ("sitecustomize.py: python `sitecustomize.py`: not run (the report runs no tests and "
        "keeps the project off sys.path)"),
        ("evil.pth: python `evil.pth`: not run (the report runs no tests and keeps the project "
        "off sys.path)"),
    ]
    # pylint really linted the project, and was never told about the plugin.
    pylint = report.tool("pylint")
    assert pylint is not None and pylint.metrics["statements"] > 0
    assert not [f for f in pylint.findings if "bad-plugin-value" in f.message]


def test_trusted_report_keeps_todays_behaviour_but_never_imports_the_root(
    hostile: tuple[Path, Path],
) -> None:
    """Without --untrusted the project's configured hook and plugins run (as pylint and mypy
    would run them for its developers); files at its root never replace the tools."""
    from qualitytool.api import build_report

    project, markers = hostile
    report = build_report(project, tools=["pylint", "bandit", "mypy", "todos"], use_cache=False)
    assert _ran(markers) == ["mypy-plugin", "pylint-init-hook", "pylint-plugin"]
    assert report.ignored == ()
    assert {t.tool: t.status.value for t in report.tools} == {
        "bandit": "ok", "mypy": "ok", "pylint": "ok", "todos": "ok"}


def test_untrusted_report_ignores_configured_commands(tmp_path: Path) -> None:
    from qualitytool.api import build_report

    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("x = 1\n", encoding="utf-8")
    marker = tmp_path / "command-ran"
    (project / "pyproject.toml").write_text(
        "[tool.qualitytool.report]\n"
        f"commands = [\"pylint=/bin/sh -c 'touch {marker}; exit 3'\"]\n", encoding="utf-8")
    report = build_report(project, tools=["pylint"], use_cache=False, untrusted=True)
    assert not marker.exists()
    assert report.tool("pylint").status.value == "ok"  # type: ignore[union-attr]
    assert [s.describe() for s in report.ignored] == [
        ("pyproject.toml: qualitytool `[tool.qualitytool]`: not read (the caller's "
         "configuration applies)"),
        "pyproject.toml: qualitytool `commands: pylint`: ignored (the default command ran)"]
    build_report(project, tools=["pylint"], use_cache=False)
    assert marker.exists()  # trusted, the configured command is the command


# --- templates render in the sandbox ----------------------------------------------------------

ESCAPES = [
    pytest.param("{{ cycler.__init__.__globals__.os.system('touch MARKER') }}", id="globals"),
    pytest.param("{{ ''.__class__.__mro__[1].__subclasses__() }}", id="subclasses"),
    pytest.param("{{ lipsum.__globals__['os'].environ }}", id="environment"),
]


@pytest.mark.parametrize("template", ESCAPES)
def test_project_templates_cannot_reach_os(tmp_path: Path, template: str) -> None:
    project = tmp_path / "project"
    (project / "templates").mkdir(parents=True)
    (project / "app.py").write_text("# TODO: one\n", encoding="utf-8")
    marker = tmp_path / "ran"
    (project / "templates" / "todo_report.md.j2").write_text(
        template.replace("MARKER", str(marker)), encoding="utf-8")
    (project / "pyproject.toml").write_text(
        '[tool.qualitytool.report]\ntemplates-dir = "templates"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["todos", str(project), "--no-blame", "--format", "json",
                                       "--report", str(tmp_path / "out")])
    assert not marker.exists()
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: template todo_report.md.j2: forbidden by the sandbox: ")
    assert not (tmp_path / "out" / "TODO_REPORT.md").exists()


# --- a tool that crashed or timed out fails its gates under --check ------------------------

def _small_project(root: Path, report_table: str) -> Path:
    root.mkdir(parents=True)
    (root / "app.py").write_text(
        '"""Doubling."""\n\n\ndef double(x: int) -> int:\n    """Twice x."""\n    return 2 * x\n',
        encoding="utf-8")
    (root / "pyproject.toml").write_text(
        f"[tool.qualitytool.report]\n{report_table}", encoding="utf-8")
    return root


def test_a_timed_out_tool_fails_its_gate_under_check(tmp_path: Path) -> None:
    project = _small_project(tmp_path / "project", (
        'disable = ["bandit", "todos", "coverage", "check-exceptions", "annotations"]\n'
        "tool-timeout = 0.01\n"))
    result = CliRunner().invoke(main, ["report", str(project), "--no-cache", "--check"])
    assert result.exit_code == 1, result.output
    assert ("gate failed: pylint score: not measured, pylint timeout: no result after 0.01 s "
            "(raise `tool-timeout` of [tool.qualitytool.report])") in result.output.splitlines()
    assert "All measured gates pass." not in result.output
    assert ("1 gate not measured because the tool crashed or timed out: pylint-score-min"
            in result.output.splitlines())
    # Without --check the report is still written and the exit status is 0.
    plain = CliRunner().invoke(main, ["report", str(project), "--no-cache"])
    assert plain.exit_code == 0, plain.output


def test_symlink_loop_never_reads_as_all_gates_pass(tmp_path: Path) -> None:
    """The reported case: every runner crashed on a symlink loop and `--check` said "All
    measured gates pass" with exit 0; then the loop showed only in the JSON and the exit
    status was 0.  Now no tool sees it, every tool runs, and the file that could not be read
    is one error line and exit status 2, as for check-exceptions and `todos --check`."""
    project = _small_project(tmp_path / "project", 'disable = ["todos", "coverage"]\n')
    (project / "loop.py").symlink_to("loop.py")
    result = CliRunner().invoke(main, ["report", str(project), "--no-cache", "--check",
                                       "--format", "json"])
    import json

    tools = json.loads(result.stdout)["report"]["tools"]
    assert [t["tool"] for t in tools if t["status"] in ("crashed", "timeout")] == []
    assert result.exit_code == 2, result.output
    loop = project / "loop.py"
    assert f"error: {loop}: cannot read: Too many levels of symbolic links" in (
        result.stderr.splitlines())


# --- paths from the configuration stay inside the project ---------------------------------

@pytest.mark.parametrize(("table", "key", "value"), [
    pytest.param("report", "cache-dir", '"../../x"', id="cache-dir up"),
    pytest.param("report", "cache-dir", '"/tmp/qualitytool-elsewhere"', id="cache-dir absolute"),
    pytest.param("report", "cache-dir", '"~/cache"', id="cache-dir home"),
    pytest.param("report", "cache-dir", '"outside-link/cache"', id="cache-dir through a symlink"),
    pytest.param("report", "templates-dir", '"../templates"', id="templates-dir"),
    pytest.param("report", "coverage-file", '"../coverage.json"', id="coverage-file"),
    pytest.param("exceptions", "knowledge-bases", '["kb.toml", "../kb.toml"]', id="knowledge base"),
    pytest.param("todos", "category-rules", '["/etc/rules.toml"]', id="category rules"),
])
def test_config_paths_cannot_leave_the_project(
    tmp_path: Path, table: str, key: str, value: str
) -> None:
    from qualitytool.config import ConfigError, load_config

    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (project / "outside-link").symlink_to(tmp_path / "elsewhere")
    (project / "pyproject.toml").write_text(
        f"[tool.qualitytool.{table}]\n{key} = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(project)
    message = str(raised.value)
    assert message.startswith(f"{project / 'pyproject.toml'}: key 'tool.qualitytool.{table}."
                              f"{key}' must name a path inside the project ({project}); ")
    assert message.endswith("leads out of it")


def test_config_paths_inside_the_project_are_fine(tmp_path: Path) -> None:
    from qualitytool.config import load_config

    (tmp_path / "pyproject.toml").write_text(
        '[tool.qualitytool.report]\ncache-dir = "build/../.cache/qt"\ntemplates-dir = "t"\n'
        '[tool.qualitytool.exceptions]\nknowledge-bases = ["kb/vendor.toml"]\n',
        encoding="utf-8")
    config = load_config(tmp_path)
    assert config.report.cache_dir == "build/../.cache/qt"


def test_report_never_writes_its_cache_outside_the_project(tmp_path: Path) -> None:
    project = _small_project(tmp_path / "a" / "b" / "project", (
        'disable = ["bandit", "todos", "coverage", "pylint"]\ncache-dir = "../../x"\n'))
    result = CliRunner().invoke(main, ["report", str(project)])
    assert result.exit_code == 2
    assert "cache-dir' must name a path inside the project" in result.output
    assert not (tmp_path / "a" / "x").exists()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]


def test_report_out_is_relative_to_the_working_directory(tmp_path: Path) -> None:
    """`report tree --out rep` wrote the TODO reports into tree/rep (the todos runner works
    from the project's root) and the others into ./rep."""
    _small_project(tmp_path / "tree", 'disable = ["bandit", "pylint", "coverage"]\n')
    (tmp_path / "tree" / "jobs.py").write_text("# TODO: retry later\n", encoding="utf-8")
    result = qualitytool("report", "tree", "--out", "rep", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == [
        "CODE_QUALITY_REPORT.md", "EXCEPTION_REFACTORING_REPORT.md", "KNOWN_LIMITATIONS.md",
        "TEST_COVERAGE_REPORT.md", "TODO_REPORT.md",
    ]
    assert not (tmp_path / "tree" / "rep").exists()
    assert "retry later" in (tmp_path / "rep" / "TODO_REPORT.md").read_text(encoding="utf-8")


# --- todos sync against servers that are not GitHub's API ----------------------------------

SYNC_TOKEN = "ghp_test_secret_token_123"
PROXY_PAGE = b"<html><body>Sign in to the corporate proxy</body></html>"


@pytest.fixture()
def fake_github() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token=SYNC_TOKEN).start()
    yield server
    server.stop()


def _todo_repo(root: Path) -> Path:
    from .gitrepo import GitRepo

    repo = GitRepo(root)
    repo.write("jobs.py", "# TODO: retry the upload\n")
    repo.commit("initial")
    return root


def _sync(root: Path, api_url: str, *args: str,
          monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(root)
    env = {"GITHUB_TOKEN": SYNC_TOKEN, "GITHUB_REPOSITORY": "acme/app", "GITHUB_SHA": "",
           "GITHUB_API_URL": api_url}
    result = CliRunner().invoke(main, ["todos", "sync", "--no-blame", "--write-pause", "0",
                                       "--retry-backoff", "0", "--max-wait", "1", *args],
                                env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("answer", ["302", "html"])
def test_sync_refuses_answers_that_are_not_githubs(
    tmp_path: Path, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch,
    method: str, answer: str,
) -> None:
    root = _todo_repo(tmp_path / "project")
    if answer == "302":
        fault = Fault(method, "/repos/acme/app/issues", status=302, times=10,
                      headers={"Location": "https://sso.example/login"})
        expected = (f"error: {method} /repos/acme/app/issues: GitHub's API does not redirect, "
                    "but this server answered 302 to https://sso.example/login; is the API URL "
                    "right (GitHub Enterprise: https://HOST/api/v3)?")
    else:
        fault = Fault(method, "/repos/acme/app/issues", status=200, times=10, raw=PROXY_PAGE,
                      content_type="text/html")
        expected = (f"error: {method} /repos/acme/app/issues: the server answered 200 with "
                    "text/html, not GitHub's JSON (a proxy or login page?); is the API URL right?")
    fake_github.add_fault(fault)
    code, output = _sync(root, fake_github.base_url, monkeypatch=monkeypatch)
    assert (code, output.strip().splitlines()[-1]) == (2, expected)
    assert "[created]" not in output and "Traceback" not in output
    assert fake_github.issues == {}


@pytest.mark.parametrize(("url", "where"), [
    pytest.param("not a url", "--api-url", id="words"),
    pytest.param("api.github.com", "--api-url", id="no scheme"),
    pytest.param("ftp://api.example", "--api-url", id="ftp"),
    pytest.param("https://", "--api-url", id="no host"),
    pytest.param("http://host:99999", "--api-url", id="bad port"),
])
def test_sync_rejects_an_api_url_that_is_not_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, where: str
) -> None:
    root = _todo_repo(tmp_path / "project")
    code, output = _sync(root, "https://api.github.com", "--api-url", url,
                         monkeypatch=monkeypatch)
    assert code == 2
    assert output.strip().splitlines()[-1] == (
        f"error: {where} must be an http(s) URL such as https://api.github.com, got {url!r}")
    code, output = _sync(root, url, monkeypatch=monkeypatch)
    assert code == 2 and "error: GITHUB_API_URL must be an http(s) URL" in output


PYLINT_CONFIGS = [
    pytest.param(".pylintrc", "[MAIN]\ninit-hook={hook}\nload-plugins=evil_pylint_plugin\n",
                 id="pylintrc"),
    pytest.param("pyproject.toml",
                 '[tool.pylint.main]\ninit-hook = "{hook}"\n'
                 'load-plugins = ["evil_pylint_plugin"]\n',
                 id="pyproject"),
    pytest.param("setup.cfg", "[pylint.main]\ninit-hook={hook}\nload-plugins=evil_pylint_plugin\n",
                 id="setup.cfg"),
    pytest.param("tox.ini", "[pylint]\ninit-hook = {hook}\nload-plugins = evil_pylint_plugin\n",
                 id="tox.ini"),
]


@pytest.mark.parametrize(("name", "text"), PYLINT_CONFIGS)
def test_pylint_under_untrusted_ignores_hook_and_plugins_in_every_config_format(
    tmp_path: Path, name: str, text: str
) -> None:
    from qualitytool.report.launch import launch_command
    from qualitytool.report.untrusted import code_running_settings

    markers = tmp_path / "markers"
    markers.mkdir()
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "evil_pylint_plugin.py").write_text(
        _marker_code(markers / "plugin") + "def register(linter):\n    pass\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text('"""App."""\n', encoding="utf-8")
    hook = f"open('{markers / 'hook'}', 'w').write('ran')"
    (project / name).write_text(text.format(hook=hook), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(plugins)}

    def pylint(untrusted: bool) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*launch_command("pylint", untrusted=untrusted), "app.py"],
                              cwd=project, env=env, capture_output=True, text=True, check=False,
                              timeout=120)

    completed = pylint(untrusted=True)
    assert _ran(markers) == [], completed.stderr
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert [(s.source, s.setting) for s in code_running_settings(project)] == [
        (name, "init-hook"), (name, "load-plugins")]
    pylint(untrusted=False)
    assert _ran(markers) == ["hook", "plugin"]  # the same config, trusted, runs both
