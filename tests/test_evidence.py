"""Evidence mode: the recorder in real test runs, the evidence file, and fixes that use it.

Every run here is real: ``qualitytool evidence run`` starts a real test command (unittest,
pytest, pytest-xdist workers, a subprocess the tests start) on a small project in a temporary
folder, under this interpreter (3.10/3.11: the import-hook recorder) and, when one is
installed, under Python 3.12+ (``sys.monitoring``).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from functools import lru_cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.api import fix_exceptions, record_evidence
from qualitytool.cli import main
from qualitytool.config import Config
from qualitytool.exceptions.evidence.sites import find_sites, fingerprints
from qualitytool.exceptions.evidence.store import Evidence, ObservedClass, TryEvidence, load, save

APP = '''\
import json
import subprocess


class AppError(Exception):
    pass


def parse(text, hook):
    try:
        value = json.loads(text)
        value = hook.check(value)
    except KeyError:
        return "missing"
    except Exception:
        return None
    return value


def run(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, check=True)
    except Exception as exc:
        return str(exc)
    return out.stdout


def own(flag):
    try:
        if flag:
            raise AppError(flag)
    except Exception:
        return False
    return True


def never(x):
    try:
        return x.y
    except Exception:
        return 0
'''

TESTS = '''\
import subprocess
import sys
import unittest
import weakref

from app.core import never, own, parse, run


class Hook:
    def check(self, value):
        if value == 2:
            raise LookupError(value)
        if value == 3:
            raise KeyError(value)
        return value


class CoreTest(unittest.TestCase):
    def test_parse(self):
        self.assertIsNone(parse("{", Hook()))
        self.assertIsNone(parse("2", Hook()))
        self.assertEqual(parse("3", Hook()), "missing")
        self.assertEqual(parse("1", Hook()), 1)

    def test_run(self):
        self.assertIn("No such file", run(["/nonexistent-qualitytool-test"]))

    def test_own(self):
        self.assertFalse(own("x"))

    def test_child_process(self):
        code = "from app.core import run; run(['false'])"
        subprocess.run([sys.executable, "-c", code], check=True)

    def test_locals_are_not_kept_alive(self):
        class Thing:
            pass

        def inner():
            thing = Thing()
            ref = weakref.ref(thing)
            own("y")  # a watched handler catches while `thing` is a local
            return ref

        ref = inner()
        self.assertIsNone(ref())
'''


def make_project(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.qualitytool]\n')
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "core.py").write_text(APP)
    (root / "tests" / "__init__.py").write_text("")
    (root / "tests" / "test_core.py").write_text(TESTS)
    return root


@lru_cache(maxsize=1)
def python312() -> str | None:
    """An installed Python 3.12+ (sys.monitoring), or None."""
    candidates = [sys.executable, "python3.13", "python3.12"]
    candidates += sorted(
        str(p) for p in Path.home().glob(".pyenv/versions/3.1[2-9]*/bin/python3")
    )
    for candidate in candidates:
        try:
            out = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                capture_output=True, text=True, timeout=30, check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == "True":
            return candidate
    return None


def interpreters() -> list[object]:
    params: list[object] = []
    if sys.version_info < (3, 12):
        params.append(pytest.param((sys.executable, False), id="import-hook-recorder"))
    modern = python312()
    marks = [] if modern else [pytest.mark.skip(reason="no Python 3.12+ installed")]
    params.append(pytest.param((modern, False), id="sys.monitoring-recorder", marks=marks))
    params.append(pytest.param((modern, True), id="import-hook-recorder-on-3.12", marks=marks))
    return params


def record(root: Path, argv: list[str], instrument: bool = False) -> object:
    previous = Path.cwd()
    os.chdir(root)
    try:
        return record_evidence(argv, [root / "app"], instrument=instrument)
    finally:
        os.chdir(previous)


def by_line(evidence: Evidence) -> dict[int, TryEvidence]:
    return {e.line: e for e in evidence.entries}


def caught_names(entry: TryEvidence) -> dict[str, int]:
    return {c.spelled or c.name: c.count for c in entry.caught}


@pytest.mark.parametrize("interpreter", interpreters())
def test_unittest_run_records_every_watched_try(tmp_path: Path,
                                                interpreter: tuple[str, bool]) -> None:
    python, instrument = interpreter
    root = make_project(tmp_path / "proj")
    run = record(root, [python, "-m", "unittest", "-q"], instrument=instrument)
    assert run.exit_code == 0  # type: ignore[attr-defined]
    assert run.processes >= 2  # type: ignore[attr-defined]  # the tests and their child
    evidence = load(root / ".qualitytool" / "evidence.json")
    entries = by_line(evidence)
    assert set(entries) == {10, 21, 29, 38}
    parse, run_cmd, own, never = entries[10], entries[21], entries[29], entries[38]
    assert parse.runs == 4
    # every class a handler of the try received, with how the code can import it
    assert caught_names(parse) == {
        "json.JSONDecodeError": 1, "LookupError": 1, "KeyError": 1,
    }
    decode = next(c for c in parse.caught if c.spelled == "json.JSONDecodeError")
    assert decode.name == "json.decoder.JSONDecodeError"
    assert decode.lineage[:3] == (
        "json.decoder.JSONDecodeError", "builtins.ValueError", "builtins.Exception"
    )
    assert decode.example == "tests.test_core.CoreTest.test_parse"
    # the child process started by a test reported too
    assert caught_names(run_cmd) == {"FileNotFoundError": 1, "subprocess.CalledProcessError": 1}
    assert caught_names(own) == {"app.core.AppError": 2}
    assert never.runs == 0 and never.caught == ()


def test_pytest_xdist_workers_are_recorded(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    run = record(root, [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider"])
    assert run.exit_code == 0  # type: ignore[attr-defined]
    assert run.processes >= 3  # type: ignore[attr-defined]  # two workers and a child
    entries = by_line(load(root / ".qualitytool" / "evidence.json"))
    assert caught_names(entries[10]) == {"json.JSONDecodeError": 1, "LookupError": 1, "KeyError": 1}
    example = entries[10].caught[0].example
    assert example == "tests/test_core.py::CoreTest::test_parse"


def test_runs_accumulate_and_stale_entries_are_dropped(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    argv = [sys.executable, "-m", "unittest", "-q"]
    record(root, argv)
    record(root, argv)
    evidence = load(root / ".qualitytool" / "evidence.json")
    assert len(evidence.runs) == 2
    assert by_line(evidence)[10].runs == 8
    assert caught_names(by_line(evidence)[10])["KeyError"] == 2
    # code above a try moves it: same fingerprint, new line; editing a try makes it stale
    core = root / "app" / "core.py"
    text = core.read_text()
    text = text.replace("import subprocess\n", "import subprocess\nimport os\n\n")
    text = text.replace("return x.y", "return x.z")
    core.write_text(text)
    run = record(root, argv)
    evidence = load(root / ".qualitytool" / "evidence.json")
    assert run.merged.dropped == 1  # type: ignore[attr-defined]
    entries = by_line(evidence)
    assert entries[12].runs == 12  # the parse() try, two lines lower, counts kept
    assert entries[40].runs == 0  # never(): its old entry dropped, a fresh one recorded


def test_sitecustomize_of_the_environment_still_runs(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    custom = tmp_path / "custom"
    custom.mkdir()
    marker = tmp_path / "marker"
    (custom / "sitecustomize.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    env = dict(os.environ, PYTHONPATH=str(custom))
    previous = os.environ.copy()
    os.environ.update(env)
    try:
        run = record(root, [sys.executable, "-c", "import app.core; app.core.own(1)"])
    finally:
        os.environ.clear()
        os.environ.update(previous)
    assert run.exit_code == 0  # type: ignore[attr-defined]
    assert marker.exists()
    assert caught_names(by_line(run.evidence)[29]) == {"app.core.AppError": 1}  # type: ignore[attr-defined]


def test_cli_run_show_and_exit_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "proj")
    monkeypatch.chdir(root)
    runner = CliRunner()
    script = "import sys; import app.core; app.core.own(1); sys.exit(3)"
    result = runner.invoke(main, ["evidence", "run", "--path", "app", "--", sys.executable,
                                  "-c", script])
    assert result.exit_code == 3, result.output  # the command's own status
    assert "4 try statements watched" in result.output
    shown = runner.invoke(main, ["evidence", "show"])
    assert shown.exit_code == 0
    assert "app/core.py:29" in shown.output and "app.core.AppError x1" in shown.output
    assert "Not exercised by tests (the try body never ran):\n  app/core.py:10" in shown.output
    as_json = json.loads(runner.invoke(main, ["evidence", "show", "--format", "json"]).output)
    assert as_json["version"] == 1 and len(as_json["handlers"]) == 4
    (root / ".qualitytool" / "evidence.json").write_text("{not json")
    broken = runner.invoke(main, ["evidence", "show"])
    assert broken.exit_code == 2 and "not an evidence file" in broken.output


def test_fix_with_evidence(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    record(root, [sys.executable, "-m", "unittest", "-q"])
    evidence_file = root / ".qualitytool" / "evidence.json"
    config = Config(root=root)
    plain = fix_exceptions([root / "app"], config, record_run=False, jobs=1)
    report = fix_exceptions([root / "app"], config, evidence_file=evidence_file,
                            record_run=False, jobs=1)
    outcomes = {h.line: h for h in report.handlers}
    assert {h.line: h.outcome.value for h in plain.handlers}[15] == "left"  # hook.check()
    # parse(): KeyError went to the clause above it, JSONDecodeError is a ValueError
    parse = outcomes[15]
    assert parse.outcome.value == "evidence" and not parse.applied  # unsafe: hook.check is open
    assert parse.exceptions == ("LookupError", "RecursionError", "TypeError", "ValueError")
    assert parse.reason is not None and parse.reason.startswith(
        "observed in tests: LookupError x1 (tests.test_core.CoreTest.test_parse), "
        "json.JSONDecodeError x1 (tests.test_core.CoreTest.test_parse); "
        "inferred: RecursionError, TypeError, ValueError; open: unknown call `hook.check`"
    )
    own = outcomes[32]  # the tests confirm the open inferred set
    assert own.outcome.value == "evidence" and own.exceptions == ("app.core.AppError",)
    never = outcomes[40]
    assert never.exercised == 0
    text = (root / "app" / "core.py").read_text()
    assert text == APP  # no --write: nothing changed
    written = fix_exceptions([root / "app"], config, evidence_file=evidence_file,
                             unsafe_fixes=True, write=True, record_run=False, jobs=1)
    # never(): `x.y` on a value of unknown type is left broad (AttributeError would only be a
    # guess at what an implicit operation raises; a property may raise anything)
    assert [h.line for h in written.handlers if h.applied] == [15, 23, 32]
    new = (root / "app" / "core.py").read_text()
    assert ("    except (LookupError, RecursionError, TypeError, ValueError):\n"
            "        return None\n") in new
    assert "    except AppError:\n        return False\n" in new
    ast.parse(new)
    suite = subprocess.run([sys.executable, "-m", "unittest", "-q"], cwd=root,
                           capture_output=True, text=True, check=False)
    assert suite.returncode == 0, suite.stderr  # the suite that gave the evidence still passes
    again = fix_exceptions([root / "app"], config, evidence_file=evidence_file,
                           unsafe_fixes=True, write=True, record_run=False, jobs=1)
    assert not again.changed_files  # idempotent
    assert (root / "app" / "core.py").read_text() == new


def observed(name: str, spelled: str | None, *lineage: str, count: int = 1) -> ObservedClass:
    return ObservedClass(name=name, spelled=spelled, lineage=(name, *lineage), count=count,
                         example="tests/test_x.py::test_y")


# (body of the try, what the tests saw, outcome, exceptions, applied without --unsafe-fixes)
PLAN_CASES = [
    pytest.param(
        "    value = client.fetch(url)\n",
        [observed("httpx.ConnectError", "httpx.ConnectError", "httpx.TransportError",
                  "httpx.RequestError", "httpx.HTTPError", "builtins.Exception")],
        "evidence", ("httpx.ConnectError",), False,
        id="unknown call: the observed class, an unsafe fix",
    ),
    pytest.param(
        "    value = int(text)\n",
        [observed("builtins.UnicodeDecodeError", "UnicodeDecodeError", "builtins.ValueError",
                  "builtins.Exception")],
        "safe", ("OverflowError", "TypeError", "ValueError"), True,
        id="closed inference confirmed: the safe fix stands",
    ),
    pytest.param(
        "    value = int(text)\n",
        [observed("builtins.LookupError", "LookupError", "builtins.Exception")],
        "evidence", ("LookupError", "OverflowError", "TypeError", "ValueError"), True,
        id="closed inference, tests saw more: joined, applied (covers the closed part)",
    ),
    pytest.param(
        "    value = client.fetch(url)\n",
        [observed("builtins.Exception", "Exception", "builtins.BaseException")],
        "left", (), False,
        id="tests saw Exception itself: left",
    ),
    pytest.param(
        "    value = client.fetch(url)\n",
        [observed("app.views.f.<locals>.Err", None, "builtins.Exception")],
        "left", (), False,
        id="a local class cannot be named: left",
    ),
    pytest.param(
        "    value = client.fetch(url)\n",
        [observed("builtins.KeyError", "KeyError", "builtins.LookupError", "builtins.Exception"),
         observed("builtins.LookupError", "LookupError", "builtins.Exception")],
        "evidence", ("LookupError",), False,
        id="a subclass of another observed class is dropped",
    ),
]


@pytest.mark.parametrize(("body", "seen", "outcome", "names", "applies"), PLAN_CASES)
def test_plan_with_observed_classes(
    tmp_path: Path, body: str, seen: list[ObservedClass], outcome: str,
    names: tuple[str, ...], applies: bool,
) -> None:
    code = (f"def f(client, url, text: str):\n  try:\n{textwrap.indent(body, '  ')}"
            "  except Exception:\n    return None\n")
    path = tmp_path / "views.py"
    path.write_text(code)
    tree = ast.parse(code)
    (site,) = find_sites(tree, code)
    evidence = Evidence(entries=(TryEvidence(
        path="views.py", line=site.try_line, fingerprint=site.fingerprint,
        handler_lines=site.handler_lines, runs=3, caught=tuple(seen),
    ),))
    evidence_file = tmp_path / "evidence.json"
    save(evidence_file, evidence)
    report = fix_exceptions([path], Config(root=tmp_path), evidence_file=evidence_file,
                            record_run=False, jobs=1)
    (handler,) = report.handlers
    assert handler.outcome.value == outcome, handler.reason
    assert handler.exceptions == names
    assert handler.applied is applies
    assert handler.exercised == 3


def test_fingerprints_survive_moves_and_change_with_the_statement() -> None:
    code = "def f():\n    try:\n        a()\n    except Exception:\n        pass\n"
    moved = ("import os\n\n\nclass C:\n  def f(self):\n    try:\n        a()\n"
             "    except Exception:\n        pass\n")
    edited = code.replace("a()", "b()")
    twice = code + code.replace("def f", "def g")
    (first,) = fingerprints(ast.parse(code), code).values()
    assert list(fingerprints(ast.parse(moved), moved).values()) == [first]
    assert list(fingerprints(ast.parse(edited), edited).values()) != [first]
    assert list(fingerprints(ast.parse(twice), twice).values()) == [
        first, first.replace("-0", "-1")
    ]


def test_reports_show_the_evidence(tmp_path: Path) -> None:
    from qualitytool.api import build_report
    from qualitytool.report.markdown import render

    root = make_project(tmp_path / "proj")
    record(root,
           [sys.executable, "-c", "import app.core; app.core.own(1); app.core.run(['false'])"])
    report = build_report(root, use_cache=False, tools=["check-exceptions"])
    exceptions = render(report, "exception_refactoring_report.md.j2")
    assert "## Evidence from the test suite" in exceptions
    assert "| 4 | 2 | 2 | 2 |" in exceptions  # watched, exercised, caught, never ran
    assert "| `app/core.py:29` | 1 | app.core.AppError x1 |" in exceptions
    coverage = render(report, "test_coverage_report.md.j2")
    assert "## Error paths the tests never exercised" in coverage
    assert "- `app/core.py:10`\n- `app/core.py:38`" in coverage


def test_merge_joins_matrix_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "proj")
    monkeypatch.chdir(root)
    runner = CliRunner()
    for name, call in (("a.json", "own(1)"), ("b.json", "own(2); app.core.run(['false'])")):
        result = runner.invoke(main, ["evidence", "run", "--evidence", name, "--path", "app", "--",
                                      sys.executable, "-c", f"import app.core; app.core.{call}"])
        assert result.exit_code == 0, result.output
    merged = runner.invoke(main, ["evidence", "merge", "a.json", "b.json"])
    assert merged.exit_code == 0, merged.output
    assert "4 try statements, 2 recorded runs (0 stale entries dropped)" in merged.output
    entries = by_line(load(root / ".qualitytool" / "evidence.json"))
    assert caught_names(entries[29]) == {"app.core.AppError": 2}
    assert caught_names(entries[21]) == {"subprocess.CalledProcessError": 1}


def test_exception_report_counts_evidence_fixes(tmp_path: Path) -> None:
    from qualitytool.api import build_report
    from qualitytool.report.markdown import render

    root = make_project(tmp_path / "proj")
    record(root, [sys.executable, "-m", "unittest", "-q"])
    fix_exceptions([root / "app"], Config(root=root), jobs=1,
                   evidence_file=root / ".qualitytool" / "evidence.json")  # writes the run log
    text = render(build_report(root, use_cache=False, tools=["check-exceptions"]),
                  "exception_refactoring_report.md.j2")
    # a dry run (no write): what it would narrow
    assert "| would be narrowed with the tests' evidence (`--evidence`) | 2 |\n| boundary" in text
    assert "### Would be narrowed with the tests' evidence\n" in text


def test_a_command_that_cannot_start_writes_nothing(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "proj")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["evidence", "run", "--", "no-such-command-qualitytool"])
    assert result.exit_code == 2
    assert "cannot run 'no-such-command-qualitytool'" in result.output
    assert not (root / ".qualitytool" / "evidence.json").exists()
