"""The report's runners on a small real project: real pylint, radon, bandit and coverage runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from qualitytool.api import build_report, resolve_config
from qualitytool.config import load_config
from qualitytool.report.model import ToolStatus
from qualitytool.report.result import QualityReport
from qualitytool.report.tools import ToolError
from tests.fixtures.report_support import copy_project, run_coverage, write_fix_log


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("runners"))
    run_coverage(root)
    write_fix_log(root)
    return root


@pytest.fixture(scope="module")
def report(project: Path) -> QualityReport:
    return build_report(project, use_cache=False)


def _tool(report: QualityReport, name: str):  # type: ignore[no-untyped-def]
    result = report.tool(name)
    assert result is not None
    return result


def test_statuses(report: QualityReport) -> None:
    assert {t.tool: t.status.value for t in report.tools} == {
        "annotations": "ok", "bandit": "ok", "basedpyright": "skipped", "black": "skipped",
        "check-exceptions": "ok", "coverage": "ok", "isort": "skipped", "mypy": "skipped",
        "pylint": "ok", "radon": "ok", "ruff-format": "skipped",
        "todos": "ok",
    }


def test_pylint_score_equals_pylints_own(report: QualityReport, project: Path) -> None:
    files = sorted(str(p.relative_to(project)) for p in project.rglob("*.py")
                   if "__pycache__" not in p.parts)
    completed = subprocess.run(
        [sys.executable, "-m", "pylint", "--output-format=json2", "--persistent=n", *files],
        cwd=project, capture_output=True, text=True, check=False,
    )
    own = json.loads(completed.stdout)
    pylint = _tool(report, "pylint")
    assert pylint.metrics["score"] == round(own["statistics"]["score"], 2)
    assert len(pylint.findings) == len(own["messages"])
    assert [(f.path, f.line, f.rule_id) for f in pylint.findings][:4] == [
        ("shop/catalog.py", 15, "W0718"),
        ("shop/catalog.py", 19, "C0116"),
        ("shop/payments.py", 11, "W0718"),
        ("shop/payments.py", 16, "C0116"),
    ]


@pytest.mark.parametrize(
    ("module", "args", "results"),
    [
        ("pylint", ["--output-format=json2", "--persistent=n", "-j", "1"], "messages"),
        ("bandit", ["-f", "json", "-q"], "results"),
    ],
)
def test_launch_changes_no_result(project: Path, module: str, args: list[str],
                                  results: str) -> None:
    """The garbage-collector tuning of ``qualitytool.report.launch`` is invisible in the output."""
    files = sorted(str(p.relative_to(project)) for p in project.rglob("*.py")
                   if "__pycache__" not in p.parts)

    def output(*prefix: str) -> Any:
        completed = subprocess.run([sys.executable, *prefix, module, *args, *files], cwd=project,
                                   capture_output=True, text=True, check=False)
        return json.loads(completed.stdout)[results]

    plain = output("-m")
    assert plain
    assert output("-m", "qualitytool.report.launch") == plain


@pytest.mark.parametrize("name", ["pylint", "bandit"])
def test_versions_are_the_ones_that_run(report: QualityReport, project: Path, name: str) -> None:
    """Read from our environment's metadata, they are what `python -m TOOL --version` says."""
    completed = subprocess.run([sys.executable, "-m", name, "--version"], cwd=project,
                               capture_output=True, text=True, check=True)
    version = _tool(report, name).version
    assert version
    assert version in completed.stdout.split()


def test_bandit_findings(report: QualityReport) -> None:
    found = [(f.path, f.line, f.rule_id, f.category, f.confidence, f.cwe)
             for f in _tool(report, "bandit").findings if not f.path.startswith("tests/")]
    assert found == [
        ("shop/catalog.py", 3, "B403", "LOW", "high", 502),
        ("shop/catalog.py", 8, "B301", "MEDIUM", "high", 502),
        ("shop/payments.py", 4, "B404", "LOW", "high", 78),
        ("shop/payments.py", 17, "B324", "HIGH", "high", 327),
        ("shop/payments.py", 21, "B602", "HIGH", "high", 78),
    ]
    # The project has no bandit configuration: its tests' asserts (B101) are not reported.
    assert [f for f in _tool(report, "bandit").findings if f.path.startswith("tests/")] == []
    assert _tool(report, "bandit").metrics["by_severity"] == {"HIGH": 2, "MEDIUM": 1, "LOW": 2}


@pytest.mark.parametrize(
    ("configuration", "reported"),
    [
        pytest.param({}, [("app.py", "B101")], id="no configuration: B101 off in tests"),
        pytest.param({"pyproject.toml": "[tool.bandit]\nskips = []\n"},
                     [("app.py", "B101"), ("tests/test_app.py", "B101")],
                     id="[tool.bandit] decides"),
        pytest.param({".bandit": "[bandit]\nskips = B101\n"}, [], id=".bandit decides"),
    ],
)
def test_bandit_skips_asserts_in_tests_unless_the_project_configures_it(
    tmp_path: Path, configuration: dict[str, str], reported: list[tuple[str, str]]
) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "app.py").write_text("def check(x):\n    assert x\n")
    (tmp_path / "tests" / "test_app.py").write_text("def test_check():\n    assert 1\n")
    for name, text in configuration.items():
        (tmp_path / name).write_text(text)
    report = build_report(tmp_path, use_cache=False, tools=["bandit"])
    assert [(f.path, f.rule_id) for f in _tool(report, "bandit").findings] == reported


def test_radon_complexity(report: QualityReport) -> None:
    radon = _tool(report, "radon")
    assert [(f.path, f.line, f.rule_id, f.message) for f in radon.findings] == [
        ("shop/payments.py", 24, "CC-C", "`classify` has cyclomatic complexity 16 (rank C)"),
    ]
    assert radon.metrics["worst_rank"] == "C"
    assert radon.metrics["functions"] == 10
    assert [f["path"] for f in radon.metrics["maintainability"]][:1] == ["shop/payments.py"]


def test_annotation_coverage(report: QualityReport) -> None:
    metrics = _tool(report, "annotations").metrics
    # charge: 3/3, receipt_digest 0/2, archive 0/2, classify 0/7, load 2/2, price 3/3,
    # unused_helper 0/3, three tests 0/1 each.
    assert (metrics["annotated"], metrics["total"], metrics["percent"]) == (8, 25, 32.0)


def test_coverage_matches_coverage_py(report: QualityReport, project: Path) -> None:
    totals = json.loads((project / "coverage.json").read_text())["totals"]
    metrics = _tool(report, "coverage").metrics
    assert metrics["percent"] == round(totals["percent_covered"], 1)
    assert metrics["branch"] is True
    assert [(f["path"], f["percent"]) for f in metrics["low"]] == [("shop/payments.py", 23.1)]
    assert metrics["critical_percent"] == 23.1


def test_exceptions_and_fix_log(report: QualityReport) -> None:
    metrics = _tool(report, "check-exceptions").metrics
    assert (metrics["total"], metrics["critical"]) == (2, 1)
    log = metrics["fix_log"]
    assert (log["before"], log["safe"], log["unsafe"], log["left"]) == (3, 1, 1, 1)


def _with_config(project: Path, extra: str) -> Path:
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text() + extra, encoding="utf-8"
    )
    return project


def test_missing_crashing_and_slow_tools_do_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path)
    fake = tmp_path / "fake_tool.py"
    fake.write_text(
        "import sys, time\n"
        "if '--version' in sys.argv:\n    print('fake 1.0')\n    sys.exit(0)\n"
        "if sys.argv[1] == 'crash':\n    print('Traceback: boom', file=sys.stderr)\n"
        "    sys.exit(3)\n"
        "time.sleep(30)\n"
    )
    _with_config(project, f"""
[tool.mypy]

[tool.qualitytool.report]
tool-timeout = 2
enable = ["black"]
commands = [
    "pylint=/nonexistent/bin/pylint",
    'bandit={sys.executable} {fake} crash',
    'mypy={sys.executable} {fake} sleep',
    "black=black-not-installed",
]
""")
    # black configured as a program nowhere on PATH (the dev extras install the real one beside
    # our Python): the formatter the config enables is missing; nothing else breaks.
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    report = build_report(project, load_config(project), use_cache=False,
                          tools=["pylint", "bandit", "mypy", "black", "radon"])
    statuses = {t.tool: (t.status, t.detail) for t in report.tools}
    assert statuses == {
        "pylint": (ToolStatus.MISSING, "`/nonexistent/bin/pylint` not found"),
        "bandit": (ToolStatus.CRASHED, "exit status 3: Traceback: boom"),
        "mypy": (ToolStatus.TIMEOUT,
                 "no result after 2 s (raise `tool-timeout` of [tool.qualitytool.report])"),
        "black": (ToolStatus.MISSING, "`black-not-installed` not found on PATH"),
        "radon": (ToolStatus.OK, ""),
    }
    gates = {g.key: g.status for g in report.gates}
    assert gates["pylint-score-min"] == "not measured"
    assert gates["bandit-high-max"] == "not measured"
    assert gates["worst-complexity-rank"] == "pass"


def test_todos_runner_finds_what_the_todos_command_finds(tmp_path: Path) -> None:
    """The runner calls the scanner in the report's process (whose working directory is not
    the project); the command, run from the project's root, reports the same items, counts
    and notes."""
    project = copy_project(tmp_path)
    (project / "shop" / "later.py").write_text(
        "def paginate(items):\n    # TODO: cache the catalog\n    # TODO(#12): paginate\n"
        "    # HACK: the vendor API ignores page sizes\n    return items\n"
    )
    (project / "deploy.sh").write_text("#!/bin/sh\n# FIXME: pin the image digest\n")
    command = subprocess.run(
        [sys.executable, "-m", "qualitytool", "todos", str(project), "--format", "json"],
        cwd=project, capture_output=True, text=True, check=True,
    )
    document = json.loads(command.stdout)
    report = build_report(project, load_config(project), use_cache=False, tools=["todos"])
    todos = _tool(report, "todos")
    assert todos.status is ToolStatus.OK, todos.detail
    assert [(f.path, f.line, f.col, f.context, f.category) for f in todos.findings] == [
        (i["path"], i["line"], i["col"], i["fingerprint"], i["category"])
        for i in document["items"] if not i["issue"]
    ]
    assert [f.path for f in todos.findings] == ["deploy.sh", "shop/later.py", "shop/later.py"]
    assert {key: todos.metrics[key] for key in ("total", "linked", "unlinked")} == {
        key: document["summary"][key] for key in ("total", "linked", "unlinked")
    }
    assert todos.metrics["by_category"] == dict(sorted(document["summary"]["by_category"].items()))
    assert todos.metrics["notes"] == document["notes"]


def test_todos_runner_on_a_folder_counts_that_folders_todos(tmp_path: Path) -> None:
    """``report shop`` counts the TODOs under shop/, as the other runners analyse its files
    only, and as ``qualitytool todos shop`` does (pretalx: a report on src/pretalx/cfp failed
    its TODO gate on the root pyproject.toml's TODOs)."""
    from tests.gitrepo import GitRepo

    repo = GitRepo(copy_project(tmp_path))
    repo.write("shop/later.py", "def paginate(items):\n    # TODO: cache the catalog\n"
                                "    return items\n")
    repo.write("deploy.sh", "#!/bin/sh\n# FIXME: pin the image digest\n")
    repo.write("pyproject.toml", (repo.root / "pyproject.toml").read_text()
               + "# TODO: move the gates to a shared file\n")
    repo.commit("project")
    command = subprocess.run(
        [sys.executable, "-m", "qualitytool", "todos", "shop", "--format", "json"],
        cwd=repo.root, capture_output=True, text=True, check=True,
    )
    document = json.loads(command.stdout)
    report = build_report(repo.root / "shop", use_cache=False, tools=["todos"])
    todos = _tool(report, "todos")
    assert [(f.path, f.line) for f in todos.findings] == [("shop/later.py", 2)]
    assert [(i["path"], i["line"]) for i in document["items"]] == [("shop/later.py", 2)]
    assert todos.metrics["total"] == document["summary"]["total"] == 1
    whole = _tool(build_report(repo.root, use_cache=False, tools=["todos"]), "todos")
    assert [f.path for f in whole.findings] == ["deploy.sh", "pyproject.toml", "shop/later.py"]


def test_type_checker_and_formatters_the_project_configures(tmp_path: Path) -> None:
    project = _with_config(copy_project(tmp_path), """
[tool.mypy]
files = ["shop"]

[tool.isort]
profile = "black"

[tool.ruff.format]
""")
    (project / "shop" / "messy.py").write_text(
        '"""Messy."""\nimport sys\nimport os\n\n\ndef size(name: str) -> int:\n'
        "    return os.path.getsize(name) + len(sys.argv) + 'x'\n"
    )
    report = build_report(project, load_config(project), use_cache=False,
                          tools=["mypy", "isort", "ruff-format"])
    found = {t.tool: [(f.path, f.line, f.rule_id) for f in t.findings] for t in report.tools}
    assert {t.tool: t.status for t in report.tools} == {
        "isort": ToolStatus.OK, "mypy": ToolStatus.OK, "ruff-format": ToolStatus.OK,
    }
    assert found["mypy"] == [("shop/messy.py", 7, "operator")]
    assert found["isort"] == [("shop/messy.py", 1, "isort")]
    assert found["ruff-format"] == [("shop/messy.py", 1, "ruff-format")]


def test_todos_runner_runs_the_real_todos_command(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / "shop" / "later.py").write_text(
        "def paginate(items):\n"
        "    # TODO: cache the catalog\n"
        "    # TODO(#12): paginate\n"
        "    return items\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    report = build_report(project, load_config(project), use_cache=False, out_dir=out,
                          tools=["todos"])
    todos = _tool(report, "todos")
    assert todos.status is ToolStatus.OK, todos.detail
    assert [(f.path, f.line, f.message) for f in todos.findings] == [
        ("shop/later.py", 2, "TODO without an issue link: cache the catalog"),
    ]
    assert todos.metrics["reports"] == ["TODO_REPORT.md", "KNOWN_LIMITATIONS.md"]
    assert "shop/later.py:2" in (out / "TODO_REPORT.md").read_text()
    assert {g.key: (g.actual, g.status) for g in report.gates}["unlinked-todos-max"] == (
        "1", "fail")


def test_a_command_no_runner_uses_is_a_config_warning(tmp_path: Path) -> None:
    """``commands`` replaces the command of a tool the report starts; an entry for a tool that
    runs in-process (todos, radon), for no tool, or without ``=`` would otherwise be silently
    ignored."""
    project = copy_project(tmp_path)
    _with_config(project, """
[tool.qualitytool.report]
commands = ["todos=qualitytool todos", "pylnt=/bin/pylint", "bandit", "pylint=/bin/pylint"]
""")
    warnings = resolve_config([project]).warnings
    assert len(warnings) == 3
    assert "'todos=qualitytool todos' names `todos`, which runs in-process" in warnings[0]
    assert "'pylnt=/bin/pylint' names no tool of the report (`pylnt`)" in warnings[1]
    assert "'bandit' is not `tool=command`" in warnings[2]
    assert "tools that take a command: bandit, basedpyright, black, isort, mypy, pylint, " \
        "ruff-format" in warnings[0]


def test_a_tool_that_dies_leaving_a_child_does_not_hang_the_run(tmp_path: Path) -> None:
    """pylint's parallel mode can die and leave its workers holding its output: the run takes
    the tool's own exit, not the end of its workers (it waited forever on the 20,000-file
    benchmark)."""
    import os
    import signal
    import time

    from qualitytool.report.tools import run_tool

    script = ("import subprocess, sys; child = subprocess.Popen([sys.executable, '-c', "
              "'import time; time.sleep(120)']); print(child.pid); sys.exit(3)")
    start = time.monotonic()
    with pytest.raises(ToolError) as crashed:
        run_tool("python", [sys.executable, "-c", script], tmp_path, timeout=60)
    assert time.monotonic() - start < 30
    status, child = crashed.value.detail.split(": ")
    os.kill(int(child), signal.SIGKILL)  # the leftover worker, still running
    assert crashed.value.status is ToolStatus.CRASHED and status == "exit status 3"


# A stand-in pylint that never finishes a run holding slow.py (the real one cannot be made to
# hang on purpose) and lints the other files as pylint would a file without a docstring.
_HANGING_PYLINT = """
import json, sys, time
args = sys.argv[1:]
if "--version" in args:
    print("pylint 3.9.9")
    sys.exit(0)
if "--list-msgs-enabled" in args:
    print("Enabled messages:\\nDisabled messages:\\n")
    sys.exit(0)
files = [a for a in args if a.endswith(".py")]
if any(f.endswith("slow.py") for f in files):
    time.sleep(120)
print(json.dumps({"messages": [
    {"type": "convention", "symbol": "missing-module-docstring", "messageId": "C0114",
     "message": "Missing module docstring", "obj": "", "line": 1, "column": 0,
     "endLine": None, "endColumn": None, "path": f, "module": f[:-3]} for f in files
]}))
"""


def test_a_pylint_timeout_loses_one_batch_and_the_others_are_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualitytool.report.runners import pylint

    monkeypatch.setattr(pylint, "BATCH", 2)
    fake = tmp_path / "tools" / "hanging_pylint.py"
    fake.parent.mkdir()
    fake.write_text(_HANGING_PYLINT, encoding="utf-8")
    for name in ("a.py", "b.py", "c.py", "slow.py"):
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.qualitytool]\nexclude = ["tools/"]\n'
        "[tool.qualitytool.report]\ntool-timeout = 2\n"
        f'commands = ["pylint={sys.executable} {fake}"]\n', encoding="utf-8")
    timeout = "no result after 2 s (raise `tool-timeout` of [tool.qualitytool.report])"
    for run in ("cold", "warm"):
        report = build_report(tmp_path, tools=["pylint"])
        result = _tool(report, "pylint")
        assert result.status is ToolStatus.OK
        assert result.unanalysed == (
            ("c.py", f"pylint timed out on its batch of 2 files: {timeout}"),
            ("slow.py", f"pylint timed out on its batch of 2 files: {timeout}"),
        )
        assert [(f.path, f.rule_id) for f in result.findings] == [("a.py", "C0114"),
                                                                  ("b.py", "C0114")]
        assert result.cached_files == (0 if run == "cold" else 2)


@pytest.mark.parametrize("files", [6, 20], ids=["one process", "-j workers"])
def test_pylint_progress_moves_file_by_file_within_a_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: int
) -> None:
    """pretalx read "pylint 0/685 files" for 131 of 151 s: progress moved per batch of 400.
    Now pylint counts the files it has linted and the report reads the count while the batch
    runs (the real pylint, one process below 16 files, -j workers above)."""
    from qualitytool.report.runners import pylint

    monkeypatch.setattr(pylint, "PROGRESS_SECONDS", 0.01)
    body = "".join(f"def f{i}(a, b):\n    if a:\n        return b + {i}\n    return a\n\n\n"
                   for i in range(40))
    for i in range(files):
        (tmp_path / f"m{i:02}.py").write_text(f'"""Module {i}."""\n' + body, encoding="utf-8")
    seen: list[tuple[str, int, int]] = []
    report = build_report(tmp_path, tools=["pylint"], use_cache=False,
                          on_progress=lambda *told: seen.append(told))
    assert _tool(report, "pylint").files == files
    done = [d for tool, d, total in seen if tool == "pylint" and total == files]
    assert done == sorted(done) and done[0] == 0 and done[-1] == files
    assert any(0 < d < files for d in done), done


def test_pylint_resolves_imports_in_the_projects_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """qualitytool in a venv of its own: pylint could not import the project's dependencies
    (pretalx: 1,668 import-error, 21% of the messages, score 4.28 instead of about 7.4).  The
    report says so, with what to do; once the project has its environment (.venv/, the same
    Python), pylint resolves imports there too, and the cached run without it is not reused."""
    import venv

    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    (tmp_path / "pyproject.toml").write_text("[tool.qualitytool]\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(
        '"""Fees."""\nimport lendingclient\n\n\ndef total(amount):\n    """Total."""\n'
        "    return lendingclient.fee(amount)\n", encoding="utf-8")
    before = _tool(build_report(tmp_path, tools=["pylint"]), "pylint")
    assert [(f.rule_id, f.line) for f in before.findings] == [("E0401", 2)]
    assert before.metrics["score"] == 0.0
    assert before.detail == (
        "1 of the 1 messages (100%) are import-error (E0401): pylint could not find the "
        "modules they name, and the score counts each as an error (10.00 without them); no "
        "environment of the project was found; run the report where the project's "
        "dependencies are installed, or point `[tool.qualitytool.exceptions] python` at the "
        "project's environment (same Python version)")
    venv.create(tmp_path / ".venv", with_pip=False)
    (site,) = (tmp_path / ".venv").glob("lib/python3.*/site-packages")
    (site / "lendingclient").mkdir()
    (site / "lendingclient" / "__init__.py").write_text(
        '"""A dependency."""\n\n\ndef fee(amount):\n    """Fee."""\n    return amount // 100\n',
        encoding="utf-8")
    after = _tool(build_report(tmp_path, tools=["pylint"]), "pylint")
    assert (after.findings, after.metrics["score"], after.detail) == ((), 10.0, "")
    assert after.files == 1 and after.cached_files == 0


def test_a_long_report_says_which_tool_runs_when_stderr_is_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from click.testing import CliRunner

    from qualitytool import cli

    monkeypatch.setattr(cli._ToolProgress, "QUIET_SECONDS", 0.5)
    monkeypatch.setattr(cli._ToolProgress, "EVERY_SECONDS", 60.0)
    fake = tmp_path / "tools" / "slow_pylint.py"
    fake.parent.mkdir()
    fake.write_text(_HANGING_PYLINT.replace("time.sleep(120)", "time.sleep(4)"),
                    encoding="utf-8")
    for name in ("a.py", "slow.py"):
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.qualitytool]\nexclude = ["tools/"]\n[tool.qualitytool.report]\n'
        'disable = ["bandit", "todos", "coverage", "check-exceptions", "annotations", "radon"]\n'
        f'commands = ["pylint={sys.executable} {fake}"]\n',
        encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["report", "--no-cache", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("report: ")]
    assert [re.sub(r"\(\d+ s\)", "(N s)", line) for line in lines] == [
        "report: pylint 0/2 files, running (N s)",
        "report: pylint 2/2 files, done (N s)",
    ]


_CYCLE = {"orders.py": "from shop import billing\n\n\ndef total():\n    return billing.TAX\n",
          "billing.py": "from shop import orders\n\nTAX = 2\n\n\ndef bill():\n"
                        "    return orders.total()\n"}
_DUPLICATED = '''"""Export as {kind}."""


def rows_{kind}(table):
    lines = []
    for row in table:
        cells = [str(cell).strip() for cell in row]
        cells = [cell.replace("\\n", " ") for cell in cells]
        cells = [cell if cell else "-" for cell in cells]
        lines.append("{sep}".join(cells))
    return "\\n".join(lines)
'''


def test_the_cross_file_pass_runs_in_the_first_pylint_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """duplicate-code and cyclic-import come from a child of the first per-file pylint process
    (it has built every module already: a pass of their own built them all again, a fifth of
    a cold report's pylint time on tornado), equal to what a pass of their own finds, and are
    cached; a pass of their own runs only when no file needs linting and nothing is cached."""
    from qualitytool.report.runners import pylint

    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "__init__.py").write_text("", encoding="utf-8")
    for name, text in _CYCLE.items():
        (shop / name).write_text(text, encoding="utf-8")
    for kind, sep in (("csv", ","), ("tsv", "\\t")):
        (shop / f"export_{kind}.py").write_text(_DUPLICATED.format(kind=kind, sep=sep),
                                                encoding="utf-8")
    paths = sorted(p.relative_to(tmp_path).as_posix() for p in shop.glob("*.py"))

    def records(report: QualityReport) -> list[tuple[str, str, str]]:
        return sorted((f.path, f.rule_id, f.message) for f in _tool(report, "pylint").findings
                      if f.rule_id in ("R0401", "R0801"))

    # The cycle and the duplicated block (equal to a pass of their own's: see the end).
    alone = build_report(tmp_path, tools=["pylint"], use_cache=False)
    assert {r[1] for r in records(alone)} == {"R0401", "R0801"}, records(alone)

    own_passes: list[list[str]] = []
    standalone = pylint.cross_file_records

    def counted(ctx: Any, paths: list[str], version: str, **kwargs: Any) -> Any:
        own_passes.append(paths)
        return standalone(ctx, paths, version, **kwargs)

    monkeypatch.setattr(pylint, "cross_file_records", counted)
    for use_cache in (False, True):
        report = build_report(tmp_path, tools=["pylint"], use_cache=use_cache)
        assert records(report) == records(alone)
        assert own_passes == []
    warm = build_report(tmp_path, tools=["pylint"])
    assert records(warm) == records(alone) and _tool(warm, "pylint").cached_files == len(paths)
    assert own_passes == []
    # Every file cached, the cross-file result lost: the one case of a pass of its own (the
    # one the merge of a sharded run makes), which finds the same.
    for bucket in (tmp_path / ".qualitytool" / "cache").rglob("*pylint-cross-file*"):
        bucket.unlink()
    lost = build_report(tmp_path, tools=["pylint"])
    assert records(lost) == records(alone)
    assert len(own_passes) == 1
