"""Every command the docs show runs, for real, on the bundled example project.

The examples are the ``qualitytool`` command lines of the console, sh and bash blocks of
README.md and docs/*.md: in a console block, the lines after a ``$`` prompt (the lines below
one are its output); in a sh or bash block, every line.  A block runs whole, line by line in
one bash shell (``cd`` and ``export`` carry over to the next line), in a sandbox of its own:

- a block that names ``examples/legacy_app`` runs at the top of a git repository holding the
  files git tracks of ``examples/legacy_app``, as a clone of qualitytool would; any other
  block runs in the example project made a git repository of its own: the project "your
  project" stands for.  Either repository has ``origin/main`` at its only commit;
- ``tmp/`` stands for ``/tmp``: ``/tmp/...`` in a command is ``tmp/...``, and
  ``tmp/copy/legacy_app`` is another copy of the example;
- the test's virtualenv is first on PATH (``qualitytool``, ``python``), and the fake GitHub
  API of ``tests/github_server.py`` is ``GITHUB_API_URL``; it takes the token the docs write
  (``...``).

Each command must exit with a status its page gives to what the example shows: 0, or 1 --
"found something" -- for check-exceptions, fix-exceptions, ``todos --check`` and ``report
--check`` (2 is an error and 130 an interruption: never what an example shows), and print no
traceback.  In a console block every output line shown must be printed by its command, in
that order (``...`` stands for lines left out, ``[...]`` in a line for any text there).  A
block the test cannot run, or whose output it cannot compare, says so in an HTML comment
right above it: ``<!-- docs-test: skip: REASON -->`` or
``<!-- docs-test: output not compared: REASON -->``.  Run or not, every flag an example uses
(also in workflow ``run:`` lines and in inline code) must be one its command's ``--help``
lists, and every command line of a block must parse.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from qualitytool.cli import main

from .github_server import FakeGitHub
from .gitrepo import GitRepo

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "examples/legacy_app"
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
SHELLS = {"console", "sh", "bash", "shell"}
MARKER = re.compile(r"<!-- docs-test: (skip|output not compared): (\S.*?) -->")
# The commands whose exit status 1 means "found something" (with the flag, if any).
FOUND_EXIT_1 = {("check-exceptions",): None, ("fix-exceptions",): None,
                ("todos", "scan"): "--check", ("report",): "--check"}
# The token the docs export (``export GITHUB_TOKEN=...``), which the fake GitHub accepts.
DOCS_TOKEN = "..."


@dataclass(frozen=True)
class Command:
    line: str  # as the docs show it, without the prompt
    output: tuple[str, ...]  # the output lines shown below it (console blocks)


@dataclass(frozen=True)
class Example:
    where: str  # "docs/todos.md:7", the line of the opening fence
    language: str
    commands: tuple[Command, ...]
    skip: str | None  # why it is not run
    compare: bool  # whether the output shown is compared


def _blocks(path: Path) -> Iterator[tuple[int, str, list[str], str | None, str | None]]:
    """(line of the fence, language, body, skip reason, not-compared reason) of each fenced
    block at the top level of a Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = re.fullmatch(r"```(\w*)\s*", lines[index])
        if opening is None:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        marker = MARKER.fullmatch(before.strip())
        skip = marker[2] if marker and marker[1] == "skip" else None
        uncompared = marker[2] if marker and marker[1] != "skip" else None
        yield index + 1, opening[1], lines[index + 1:end], skip, uncompared
        index = end + 1


def _commands(language: str, body: list[str]) -> list[Command]:
    commands: list[Command] = []
    if language == "console":
        for line in body:
            if line.startswith("$ "):
                commands.append(Command(line[2:], ()))
            elif commands:
                last = commands[-1]
                commands[-1] = Command(last.line, (*last.output, line))
        return commands
    joined = "\n".join(body).replace("\\\n", " ")
    return [Command(line, ()) for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def invocations(line: str) -> list[list[str]]:
    """The arguments of each ``qualitytool`` command in a shell command line."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    found: list[list[str]] = []
    segment: list[str] = []
    for token in [*lexer, ";"]:
        if token in (";", "&&", "||", "|", "&"):
            if segment and (segment[0] == "qualitytool" or segment[0].endswith("/qualitytool")):
                found.append(segment[1:])
            segment = []
        else:
            segment.append(token)
    return found


def examples() -> list[Example]:
    found = []
    for path in DOC_FILES:
        for number, language, body, skip, uncompared in _blocks(path):
            if language not in SHELLS:
                continue
            commands = _commands(language, body)
            if any(invocations(command.line) for command in commands):
                found.append(Example(f"{path.relative_to(ROOT)}:{number}", language,
                                     tuple(commands), skip, uncompared is None))
    return found


EXAMPLES = examples()


# --- which command, which flags --------------------------------------------------------------


def command_path(args: list[str]) -> tuple[str, ...]:
    """The subcommand words ``args`` start with (``todos PATH`` is ``todos scan``)."""
    command: click.Command = main
    path: list[str] = []
    for word in args:
        if not isinstance(command, click.Group):
            break
        default = getattr(command, "default_command", None)
        if word in command.commands:
            path.append(word)
            command = command.commands[word]
        elif default and not word.startswith("-h"):
            path.append(default)
            command = command.commands[default]
        else:
            break
    return tuple(path)


def flags(args: list[str]) -> list[str]:
    """The option names among ``args``, up to a ``--`` (what follows is another program's)."""
    found = []
    for word in args:
        if word == "--":
            break
        if re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", word):
            found.append(word.split("=", 1)[0])
    return found


@functools.cache
def help_options(path: tuple[str, ...]) -> frozenset[str]:
    """Every option name the command's ``--help`` lists (run for real)."""
    shown = subprocess.run([str(BIN / "qualitytool"), *path, "--help"], capture_output=True,
                           text=True, check=True).stdout
    options = shown.split("\nOptions:\n", 1)[1].split("\nCommands:\n", 1)[0]
    names: set[str] = set()
    for row in options.splitlines():
        first_column = re.match(r"  (-\S.*?)(?:\s{2,}|$)", row)
        if first_column:
            names.update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", first_column[1]))
    return frozenset(names)


def parse(args: list[str]) -> None:
    """Parse ``args`` as the command line does, down to the last subcommand, running nothing
    (a ``click.UsageError`` when they do not parse)."""
    command: click.Command = main
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            context = main.make_context("qualitytool", list(args))
            while isinstance(command, click.Group):
                rest = [*getattr(context, "_protected_args", context.protected_args),
                        *context.args]
                if not rest:
                    break
                name, sub, rest = command.resolve_command(context, rest)
                assert name is not None and sub is not None
                context = sub.make_context(name, rest, parent=context)
                command = sub
        except click.exceptions.Exit:
            pass  # --version


def _inline_commands(path: Path) -> list[str]:
    """``qualitytool ...`` in inline code and in workflow ``run:`` lines."""
    text = path.read_text(encoding="utf-8")
    found = re.findall(r"(?<!`)`(qualitytool [^`]+)`", text)
    found += re.findall(r"run: (qualitytool .+)", text)
    return found


def _synopsis_args(text: str) -> list[str]:
    """The words of a command as prose shows it (``[--fix]``, ``--format text|json``)."""
    return re.sub(r"[\[\]|]|/(?=--)", " ", text).split()[1:]


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_flag_shown_is_in_help(path: Path) -> None:
    shown = [(f"{example.where}: {command.line}", args)
             for example in EXAMPLES if example.where.split(":")[0] == str(path.relative_to(ROOT))
             for command in example.commands for args in invocations(command.line)]
    shown += [(text, _synopsis_args(text)) for text in _inline_commands(path)]
    unknown = [(where, flag) for where, args in shown for flag in flags(args)
               if flag not in help_options(command_path(args))]
    assert unknown == []


def test_the_examples_are_found() -> None:
    """The extraction itself: a change to how the docs write examples must not make them
    vanish from this test."""
    where = {example.where.split(":")[0] for example in EXAMPLES}
    assert {"README.md", "docs/check-exceptions.md", "docs/todos.md", "docs/ci.md",
            "docs/evidence.md", "docs/report.md"} <= where
    assert sum(len(example.commands) for example in EXAMPLES) >= 15
    assert invocations("cd examples/legacy_app && qualitytool todos --no-blame . && cat x") == [
        ["todos", "--no-blame", "."]]
    assert invocations("qualitytool report --merge shard-*.json  # one more job") == [
        ["report", "--merge", "shard-*.json"]]
    assert command_path(["todos", "--no-blame", "."]) == ("todos", "scan")
    assert command_path(["todos", "sync", "--dry-run"]) == ("todos", "sync")
    assert "--write" in help_options(("fix-exceptions",))
    assert flags(["evidence", "run", "--", "python", "-m", "pytest"]) == []


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.skip], ids=lambda e: e.where)
def test_examples_not_run_still_parse(example: Example) -> None:
    for command in example.commands:
        for args in invocations(command.line):
            parse(args)


# --- running them ----------------------------------------------------------------------------


def _runs() -> list[tuple[Example, ...]]:
    """The examples to run, those with the same command lines together (run once)."""
    runs: dict[tuple[str, ...], list[Example]] = {}
    for example in EXAMPLES:
        if example.skip is None:
            runs.setdefault(tuple(c.line for c in example.commands), []).append(example)
    return [tuple(group) for group in runs.values()]


def allowed_exit(args: list[str]) -> set[int]:
    path = command_path(args)
    if path in FOUND_EXIT_1 and FOUND_EXIT_1[path] in (None, *args):
        return {0, 1}
    return {0}


@dataclass(frozen=True)
class Sandbox:
    start: Path  # where the block starts
    tmp: Path  # what /tmp stands for


def _tracked_example_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", EXAMPLE], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    if listed.returncode == 0 and listed.stdout:
        return [name for name in listed.stdout.split("\0") if name]
    # Not a git checkout (an unpacked sdist): every file but caches.
    return [str(p.relative_to(ROOT)) for p in (ROOT / EXAMPLE).rglob("*")
            if p.is_file() and not {".qualitytool", "__pycache__"} & set(p.parts)]


def make_sandbox(base: Path, clone: bool) -> Sandbox:
    """A clone-like repository holding the example (``clone``), or the example as a
    repository of its own."""
    repo = GitRepo(base / ("qualitytool" if clone else "legacy_app"))
    for name in _tracked_example_files():
        target = repo.root / (name if clone else str(Path(name).relative_to(EXAMPLE)))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    repo.commit("the example project")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    tmp = base / "tmp"
    shutil.copytree(ROOT / EXAMPLE, tmp / "copy" / "legacy_app",
                    ignore=shutil.ignore_patterns(".qualitytool", "__pycache__"))
    return Sandbox(repo.root, tmp)


def _script(commands: tuple[Command, ...], sandbox: Sandbox, logs: Path) -> str:
    lines = [f"cd {shlex.quote(str(sandbox.start))}"]
    for number, command in enumerate(commands):
        line = command.line.replace("/tmp/", f"{sandbox.tmp}/")
        lines += ["{ " + line, f"}} >{logs}/{number}.out 2>{logs}/{number}.err",
                  f"echo $? >{logs}/{number}.status"]
    return "\n".join(lines) + "\n"


def _in_order(shown: tuple[str, ...], printed: list[str]) -> list[str]:
    """The lines of ``shown`` (but ``...`` and blank lines) that ``printed`` lacks, in order;
    ``[...]`` in a shown line matches any text."""
    missing = []
    position = 0
    for line in (s.rstrip() for s in shown):
        if line in ("", "..."):
            continue
        pattern = re.compile(".*".join(map(re.escape, line.split("[...]"))))
        found = next((i for i in range(position, len(printed))
                      if pattern.fullmatch(printed[i])), None)
        if found is None:
            missing.append(line)
        else:
            position = found + 1
    return missing


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token=DOCS_TOKEN).start()
    yield server
    server.stop()


@pytest.mark.parametrize("group", _runs(), ids=lambda g: "+".join(e.where for e in g))
def test_example_runs(group: tuple[Example, ...], tmp_path: Path, github: FakeGitHub) -> None:
    example = group[0]
    sandbox = make_sandbox(tmp_path, any(EXAMPLE in c.line for c in example.commands))
    if any("kb derive" in command.line for command in example.commands):
        from .installed_libraries import make_venv

        make_venv(sandbox.start / ".venv")  # the libraries whose contracts it derives
    logs = tmp_path / "logs"
    logs.mkdir()
    # A reader's shell: no GitHub Actions variables, no pytest of ours around the commands.
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("GITHUB_", "PYTEST_"))}
    environment.update(PATH=f"{BIN}{os.pathsep}{environment.get('PATH', '')}",
                       GITHUB_API_URL=github.base_url, GITHUB_SERVER_URL="https://github.com")
    subprocess.run(["bash", "-c", _script(example.commands, sandbox, logs)],
                   env=environment, cwd=tmp_path, check=True, timeout=600)
    problems = []
    for number, command in enumerate(example.commands):
        status = int((logs / f"{number}.status").read_text())
        out = (logs / f"{number}.out").read_text(encoding="utf-8", errors="replace")
        err = (logs / f"{number}.err").read_text(encoding="utf-8", errors="replace")
        if not invocations(command.line):
            if status != 0:
                problems.append(f"{command.line}: exit status {status}: {err[-2000:]}")
            continue
        allowed = set.union(*(allowed_exit(args) for args in invocations(command.line)))
        if status not in allowed or "Traceback (most recent call last)" in out + err:
            problems.append(f"{command.line}: exit status {status}:\n{out[-2000:]}{err[-3000:]}")
            continue
        printed = [line.rstrip() for line in (out + err).replace(str(sandbox.tmp), "/tmp")
                   .splitlines()]
        for shown_in in group:
            if not shown_in.compare:
                continue
            shown = shown_in.commands[number].output
            missing = _in_order(shown, printed)
            if missing:
                problems.append(f"{shown_in.where}: `{command.line}` printed\n"
                                + "\n".join(printed) + "\nwithout these lines the docs show:\n"
                                + "\n".join(missing))
    assert problems == [], "\n\n".join(problems)
