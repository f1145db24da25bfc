"""ruff's conventions on the command line: --fix (and --write), --diff that never writes,
--exit-zero, --statistics, --exclude / --extend-exclude / --force-exclude, --since, exit 1
after fixing while findings remain, every option in --help, one line per finding when the
output is not a terminal, and "would" in what a dry run reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from qualitytool.cli import main

from .gitrepo import GitRepo

FIXABLE = (
    "import os\n\n\ndef drop(p):\n    try:\n        os.remove(p)\n    except Exception:\n"
    "        pass\n"
)
# p may be None (TypeError) or hold a NUL byte (ValueError)
NARROWED = "except (OSError, TypeError, ValueError):"
FIXED = FIXABLE.replace("except Exception:", NARROWED)
LEFT = "def call(f):\n    try:\n        f.go()\n    except Exception:\n        return None\n"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as a hook or CI runs it: standard output is a pipe, not a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "qualitytool", *args], cwd=cwd, capture_output=True, text=True,
        timeout=300, check=False,
    )


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "project"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "pyproject.toml").write_text('[project]\nname = "p"\n')
    return root


# -- every option in --help ----------------------------------------------------------------

def _commands(group: click.Group, prefix: tuple[str, ...] = ()
              ) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize(("words", "command"), _commands(main),
                         ids=[" ".join(w) for w, _ in _commands(main)])
def test_every_option_is_in_help(words: tuple[str, ...], command: click.Command) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "qualitytool", *words, "--help"], capture_output=True,
        text=True, check=True,
    ).stdout
    for param in command.params:
        if isinstance(param, click.Option):
            assert not param.hidden, param.name
            for flag in param.opts:
                assert flag in shown, (words, flag)


def test_todos_help_shows_the_options_of_todos_scan() -> None:
    shown = subprocess.run([sys.executable, "-m", "qualitytool", "todos", "--help"],
                           capture_output=True, text=True, check=True).stdout
    for flag in ("--explain", "--check", "--no-blame", "--report", "--since", "--statistics"):
        assert flag in shown
    assert "sync" in shown


# -- fix-exceptions: --fix, --write, --diff, exit statuses --------------------------------

def test_fix_writes_and_exits_1_while_handlers_remain(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.py": FIXABLE, "b.py": LEFT})
    result = run(root, "fix-exceptions", "--fix", ".")
    assert result.returncode == 1, result.stderr
    assert (root / "a.py").read_text() == FIXED
    assert result.stdout.splitlines() == [
        "b.py:4:12: left broad: unknown call `f.go`",
        ("2 broad handlers: 1 safe fix(es), 0 unsafe fix(es), 0 boundaries, 1 left broad; "
        "1 file changed, 1 handler remains broad"),
    ]


def test_fix_exits_0_when_nothing_remains_and_write_is_the_same(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.py": FIXABLE})
    result = run(root, "fix-exceptions", "--write", ".")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "a.py").read_text() == FIXED
    again = run(root, "fix-exceptions", "--fix", ".")
    assert (again.returncode, again.stdout) == (
        0, ("0 broad handlers: 0 safe fix(es), 0 unsafe fix(es), 0 boundaries, 0 left broad; "
        "0 files changed, 0 handlers remain broad\n"))


def test_diff_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.py": FIXABLE, "b.py": LEFT})
    result = run(root, "fix-exceptions", "--diff", ".")
    assert result.returncode == 1
    assert result.stdout == (
        "--- a/a.py\n+++ b/a.py\n@@ -4,5 +4,5 @@\n def drop(p):\n     try:\n"
        "         os.remove(p)\n-    except Exception:\n"
        "+    except (OSError, TypeError, ValueError):\n"
        "         pass\n"
    )
    assert result.stderr.splitlines()[-1].endswith("1 file would change, 1 handler would "
                                                   "remain broad")
    assert (root / "a.py").read_text() == FIXABLE
    both = run(root, "fix-exceptions", "--fix", "--diff", ".")
    assert both.stdout == result.stdout and (root / "a.py").read_text() == FIXABLE
    assert "warning: --diff writes nothing" in both.stderr
    (root / "a.py").unlink()
    clean = run(root, "fix-exceptions", "--diff", ".")
    assert (clean.returncode, clean.stdout) == (0, "")  # a handler is left, but no diff


def test_a_dry_run_fails_on_any_broad_handler_and_exit_zero_does_not(tmp_path: Path) -> None:
    root = project(tmp_path, {"b.py": LEFT})
    assert run(root, "fix-exceptions", ".").returncode == 1
    assert run(root, "fix-exceptions", "--exit-zero", ".").returncode == 0
    assert run(root, "check-exceptions", "-e", ".").returncode == 0
    (root / "broken.py").write_text("try:\n    x(\nexcept Exception:\n    pass\n")
    assert run(root, "check-exceptions", "--exit-zero", ".").returncode == 2  # still an error


# -- --statistics ---------------------------------------------------------------------------

def test_statistics(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "a.py": FIXABLE, "b.py": LEFT, "c.py": "try:\n    x = 1\nexcept:\n    pass\n",
        "d.py": "# TODO: one\n# FIXME(#3): two\nx = 1  # TODO: three - https://t/1\n",
    })
    assert run(root, "check-exceptions", "--statistics", ".").stdout == (
        "    2\tQT001\tbroad-exception-caught\n    1\tQT002\tbare-except\n")
    assert run(root, "fix-exceptions", "--statistics", ".").stdout == (
        "    1\tQT001\tleft broad\n    1\tQT001\tsafe: would be fixed\n"
        "    1\tQT002\tleft broad\n")
    todos = run(root, "todos", "--statistics", "--no-blame", ".")
    assert todos.stdout == ("    1\tFIXME\tfeature, linked\n    1\tTODO\tfeature, linked\n"
                            "    1\tTODO\tfeature, no issue link\n")


# -- exclusions -------------------------------------------------------------------------------

def test_exclude_extend_exclude_and_force_exclude(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/a.py": LEFT, "legacy/b.py": LEFT, "gen/c.py": LEFT})
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('[tool.qualitytool]\nexclude = ["gen/"]\n')

    def flagged(*args: str) -> list[str]:
        lines = run(root, "check-exceptions", *args).stdout.splitlines()[:-1]
        return sorted(line.split(":")[0] for line in lines)

    assert flagged(".") == ["app/a.py", "legacy/b.py"]
    assert flagged("--extend-exclude", "legacy/", ".") == ["app/a.py"]
    assert flagged("--exclude", "legacy/", ".") == ["app/a.py", "gen/c.py"]  # replaces gen/
    assert flagged("--exclude", "legacy/,app/", ".") == ["gen/c.py"]
    # files named on the command line (pre-commit names every staged file)
    assert flagged("app/a.py", "gen/c.py") == ["app/a.py", "gen/c.py"]
    assert flagged("--force-exclude", "app/a.py", "gen/c.py") == ["app/a.py"]


# -- --since: only new code fails -------------------------------------------------------------

def test_since_reports_and_fixes_only_changed_lines(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("pyproject.toml", '[project]\nname = "p"\n')
    repo.write("old.py", FIXABLE + LEFT + "# TODO: old\n")
    repo.commit("legacy")
    assert run(repo.root, "check-exceptions", "--since", "HEAD", ".").returncode == 0
    assert run(repo.root, "fix-exceptions", "--fix", "--since", "HEAD", ".").returncode == 0
    assert run(repo.root, "todos", "--check", "--since", "HEAD", ".").returncode == 0
    assert (repo.root / "old.py").read_text() == FIXABLE + LEFT + "# TODO: old\n"
    # a new handler and a new TODO at the end of the old file, and a new file
    repo.write("old.py", FIXABLE + LEFT + "# TODO: old\n\n\ndef drop2(p):\n    try:\n"
               "        os.remove(p)\n    except Exception:\n        pass\n# TODO: new\n")
    repo.write("new.py", LEFT)
    check = run(repo.root, "check-exceptions", "--since", "HEAD", ".")
    assert check.stdout.splitlines()[:-1] == [
        "new.py:4:12: QT001 Do not catch blind exception: `Exception`",
        "old.py:20:12: QT001 Do not catch blind exception: `Exception`",
    ]
    todos = run(repo.root, "todos", "--check", "--since", "HEAD", "--no-blame", ".")
    assert todos.returncode == 1
    assert todos.stdout.splitlines()[0] == "old.py:22:3: TODO [feature] new"
    fixed = run(repo.root, "fix-exceptions", "--fix", "--since", "HEAD", ".")
    assert fixed.returncode == 1  # new.py's handler is left broad
    text = (repo.root / "old.py").read_text()
    assert text.count(NARROWED) == 1 and text.count("except Exception:") == 2
    assert text.index(NARROWED) > text.index("def drop2")
    unknown = run(repo.root, "check-exceptions", "--since", "no-such-rev", ".")
    assert unknown.returncode == 2
    assert unknown.stderr == "error: --since: unknown git ref 'no-such-rev'\n"


# -- output that is not a terminal -----------------------------------------------------------

def test_output_that_is_not_a_terminal_is_one_line_per_finding(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "a.py": "import gettext\n\ntry:\n    gettext.translation('x')\nexcept Exception:\n"
                "    pass\n",
        "b.py": "# TODO: one\n# FIXME: two\n",
    })
    todos = run(root, "todos", "--no-blame", ".")
    assert todos.stdout.splitlines() == [
        "b.py:1:3: TODO [uncertain: feature or refactor] one",
        "b.py:2:3: FIXME [uncertain: feature or refactor] two",
        ("Found 2 TODO comments in 1 of 3 files: 0 linked to an issue, "
         "2 not (2 to file as issues); "
         "2 uncertain."),
    ]
    assert "┏" not in todos.stdout
    fix = run(root, "fix-exceptions", ".")
    assert len(fix.stdout.splitlines()) == 2  # the handler, the summary: no TOML snippet
    assert "[[callable]]" not in fix.stdout


# -- "would" in what a dry run reports -------------------------------------------------------

def test_the_refactoring_report_of_a_dry_run_says_would(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.py": FIXABLE, "b.py": LEFT})
    run(root, "fix-exceptions", ".")
    log = json.loads((root / ".qualitytool" / "last-fix-exceptions.json").read_text())
    assert (log["write"], log["unsafe_fixes"]) == (False, False)
    run(root, "report", "--out", "out", "--format", "json", ".")
    text = (root / "out" / "EXCEPTION_REFACTORING_REPORT.md").read_text()
    assert "## Last fix-exceptions run (a dry run: nothing was written)" in text
    assert "| would be narrowed safely | 1 |" in text
    assert "Fixes applied: none (a dry run); files that would change: 1." in text
    assert "### Would be narrowed safely" in text
    run(root, "fix-exceptions", "--fix", ".")
    run(root, "report", "--out", "out", "--format", "json", ".")
    text = (root / "out" / "EXCEPTION_REFACTORING_REPORT.md").read_text()
    assert "would" not in text.lower()
    assert "Fixes applied: 1; files changed: 1." in text

