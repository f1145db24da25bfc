"""A repository written by a hostile contributor, against every command (issue 25).

Each case of the issue is replayed on real files, real git repositories and the real tools:
it is refused with one clear line, or it fails the gate it should fail; and nothing is
written outside the checkout.  The cases, in the issue's order:

1. a forged report cache (`.qualitytool/cache/` committed with empty results);
2. a `.qualitytool` that a symbolic link leads out of the project;
3. cache and log files that are links to `/dev/zero`, or hold the wrong types;
4. shard files of `report --merge` relabelled, "skipped", from an older commit, naming
   `../../../../etc/passwd`, counting 10**12 shards, with the wrong types;
5. a forged evidence file naming what is not an exception class;
6. `scaffold-exceptions` and `--ladder` configured to write out of the project, or to paste
   code into the generated module;
7. the pull request's own configuration deciding what `report --untrusted` analyses;
8. output to a closed or full stream;
9. a symbolic link loop in the tree;
and what the same hunt turned up beside them: a `locale.py` or `gettext.py` at the root that
Python's helper processes imported, and a source file that is a link to `/dev/zero`.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from qualitytool.cache_files import CacheFolder
from qualitytool.cli import main
from tests.gitrepo import GitRepo

QUALITYTOOL = [sys.executable, "-m", "qualitytool"]
# A module with one high-severity bandit finding and a low pylint score.
INSECURE = '''"""Run things."""
import subprocess


def run(command):
    """Run a command."""
    return subprocess.Popen(command, shell=True)


def f(a, b, c, d, e, f, g, h):
    """Too many arguments."""
    x = 1
    return a
'''
HANDLER = ("def load(p):\n    try:\n        return open(p).read()\n"
           "    except Exception:\n        return None\n")
# The report runs pylint and bandit only: what a forged cache or shard would hide.
ONLY_PYLINT_AND_BANDIT = (
    '[tool.qualitytool.report]\ndisable = ["radon", "coverage", "annotations", '
    '"check-exceptions", "todos", "mypy", "basedpyright", "black", "isort", "ruff-format"]\n'
)


def cli(*args: str, cwd: Path | None = None) -> Result:
    """``qualitytool ARGS`` in-process, from ``cwd``."""
    before = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(before)


def console(*args: str, cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``python -m qualitytool ARGS`` in a process of its own (exit codes, streams)."""
    return subprocess.run([*QUALITYTOOL, *args], cwd=cwd, text=True, capture_output=True,
                          timeout=600, check=False, **kwargs)


def everything_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def insecure_project(root: Path, config: str = ONLY_PYLINT_AND_BANDIT) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "tasks.py").write_text(INSECURE)
    (root / "pyproject.toml").write_text(f"[tool.qualitytool]\n{config}")
    return root


def gate(result: Result | subprocess.CompletedProcess[str], key: str) -> str:
    """The status of one gate in a ``--format json`` report printed on standard output."""
    document = json.loads(result.stdout)
    return str(next(g["status"] for g in document["report"]["gates"] if g["key"] == key))


# --- 1. a forged report cache ---------------------------------------------------------------


def test_a_forged_report_cache_never_passes_a_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reported case: force-adding `.qualitytool/cache/{bandit,pylint}-<key>.json` with
    empty results made `report --check` pass.  Forged without the machine's key, signed with
    another machine's, or this machine's own but committed: each is ignored with a warning
    and the gates fail as on a clean clone."""
    upstream = GitRepo(tmp_path / "upstream")
    insecure_project(upstream.root)
    upstream.commit("project")
    honest = cli("report", ".", "--format", "json", "--check", cwd=upstream.root)
    assert honest.exit_code == 1, honest.output
    assert (gate(honest, "bandit-high-max"), gate(honest, "pylint-score-min")) == ("fail", "fail")
    cache = upstream.root / ".qualitytool" / "cache"
    folder = CacheFolder(upstream.root, cache)
    pylint_file = next(cache.glob("pylint-*.json")).name
    bandit_file = next(cache.glob("bandit-*.json")).name
    forged = {}
    for name in (pylint_file, bandit_file):
        entries = folder.read(name)
        for entry in entries.values():
            for key in ("messages", "issues"):
                if key in entry["result"]:
                    entry["result"][key] = []  # "no findings", for the same content hashes
        forged[name] = entries
    # pylint's: plain JSON, as anyone can write it; bandit's: signed with another key.
    (cache / pylint_file).write_text(json.dumps(forged[pylint_file]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-machine"))
    CacheFolder(upstream.root, cache).write(bandit_file, forged[bandit_file])
    monkeypatch.undo()
    upstream.git("add", "-f", ".qualitytool/cache")
    upstream.commit("a cache that says there is nothing to find")

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(upstream.root), str(clone)], check=True)
    fooled = cli("report", ".", "--format", "json", "--check", cwd=clone)
    assert fooled.exit_code == 1, fooled.output
    assert (gate(fooled, "bandit-high-max"), gate(fooled, "pylint-score-min")) == ("fail", "fail")
    assert (f"warning: .qualitytool/cache/{pylint_file}: ignored: not signed by qualitytool on "
            "this machine (a cache that came with the checkout is never trusted)"
            ) in fooled.stderr.splitlines()
    assert (f"warning: .qualitytool/cache/{bandit_file}: ignored: its signature is not this "
            "machine's (a cache that came with the checkout is never trusted)"
            ) in fooled.stderr.splitlines()
    assert json.loads(fooled.stdout)["report"]["metrics"] == json.loads(
        honest.stdout)["report"]["metrics"]

    # --untrusted reads no cache at all and keeps none.
    trusted_config = tmp_path / "base-pyproject.toml"
    trusted_config.write_text(f"[tool.qualitytool]\n{ONLY_PYLINT_AND_BANDIT}")
    before = everything_under(clone / ".qualitytool")
    untrusted = cli("report", ".", "--untrusted", "--trusted-config", str(trusted_config),
                    "--format", "json", "--check", cwd=clone)
    assert untrusted.exit_code == 1, untrusted.output
    assert gate(untrusted, "bandit-high-max") == "fail"
    assert "ignored" not in untrusted.stderr  # not even read
    assert everything_under(clone / ".qualitytool") == before

    # This machine's own signature does not make a committed cache trusted either.
    again = cli("report", ".", "--format", "json", "--check", cwd=upstream.root)
    CacheFolder(upstream.root, cache).write(pylint_file, forged[pylint_file])
    upstream.git("add", "-f", ".qualitytool/cache")
    upstream.commit("this machine's cache, committed")
    committed = cli("report", ".", "--format", "json", "--check", cwd=upstream.root)
    assert committed.exit_code == 1 and again.exit_code == 1
    assert gate(committed, "pylint-score-min") == "fail"
    assert (f"warning: .qualitytool/cache/{pylint_file}: ignored: git tracks it (a cache is "
            "never committed; `git rm --cached` it)") in committed.stderr.splitlines()
    assert upstream.git("status", "--porcelain") == ""  # a tracked cache is never rewritten


def test_the_cache_key_is_private_and_outside_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualitytool.cache_files import key_file, machine_key

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    project = tmp_path / "project"
    project.mkdir()
    key, why = machine_key(project)
    path = key_file()
    assert key is not None and why is None and path is not None
    assert path == tmp_path / "home-cache" / "qualitytool" / "cache-key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert machine_key(project) == (key, None)  # made once
    path.chmod(0o644)
    assert machine_key(project) == (None, (f"others may read or write {path} (mode 644); make "
                                          "it 0600"))
    path.chmod(0o600)
    # A key inside the analysed project (a checkout holding a `.cache` folder) is refused.
    monkeypatch.setenv("XDG_CACHE_HOME", str(project / ".cache"))
    assert machine_key(project) == (
        None, (f"the cache key {project / '.cache' / 'qualitytool' / 'cache-key'} lies inside "
        "the analysed project"))
    result = cli("check-exceptions", ".", cwd=project)
    assert result.exit_code == 0
    assert not (project / ".qualitytool").exists() and not (project / ".cache").exists()


# --- 2. a .qualitytool that leads out of the project --------------------------------------


def test_nothing_is_read_or_written_through_a_qualitytool_link(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(HANDLER)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evidence.json").write_text('{"version": 1, "runs": [], "handlers": []}')
    (project / ".qualitytool").symlink_to(outside)
    link = f"{project.resolve() / '.qualitytool'} is a symbolic link (qualitytool never reads " \
           "or writes its files through one)"

    checked = cli("check-exceptions", ".", cwd=project)
    assert checked.exit_code == 1
    assert f"warning: the cache is not used: {link}" in checked.stderr.splitlines()
    fixed = cli("fix-exceptions", ".", "--fix", cwd=project)
    assert f"warning: cannot write the run log: {link}" in fixed.stderr.splitlines()
    report = cli("report", ".", "--format", "json", cwd=project)
    assert f"warning: the cache is not used: {link}" in report.stderr.splitlines()
    shown = cli("evidence", "show", cwd=project)
    assert shown.exit_code == 2
    assert f"{project.resolve() / '.qualitytool'}" in shown.stderr
    ran = cli("evidence", "run", "--", sys.executable, "-c", "pass", cwd=project)
    assert ran.exit_code == 2
    assert everything_under(outside) == ["evidence.json"]
    assert (outside / "evidence.json").read_text() == '{"version": 1, "runs": [], "handlers": []}'


# --- 3. files of the tool's own folders that are not what they should be ------------------


def test_cache_and_log_files_that_are_devices_or_of_the_wrong_shape(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(HANDLER)
    (project / "pyproject.toml").write_text(
        '[tool.qualitytool.report]\ndisable = ["pylint", "bandit", "todos"]\n')
    clean = cli("check-exceptions", ".", "--no-cache", cwd=project)
    own = project / ".qualitytool"
    (own / "cache").mkdir(parents=True)
    (own / "cache" / "folders.json").symlink_to("/dev/zero")
    (own / "last-fix-exceptions.json").symlink_to("/dev/zero")
    os.mkfifo(own / "evidence.json")
    result = cli("check-exceptions", ".", cwd=project)
    assert (result.exit_code, result.stdout) == (clean.exit_code, clean.stdout)
    assert ("warning: .qualitytool/cache/folders.json: ignored: "
            f"{own.resolve() / 'cache' / 'folders.json'} is a symbolic link") in result.stderr
    report = cli("report", ".", "--format", "json", cwd=project)
    assert report.exit_code == 0, report.output
    warnings = [line for line in report.stderr.splitlines() if "last-fix" in line
                or "evidence" in line]
    assert warnings == [
        (f"warning: {own.resolve() / 'last-fix-exceptions.json'} is a symbolic link "
        "(qualitytool never reads or writes its files through one); the exception report "
        "leaves it out"),
        (f"warning: {own.resolve() / 'evidence.json'} is not a regular file; not read; the "
        "exception report leaves it out"),
    ]
    tools = {t["tool"]: t["status"] for t in json.loads(report.stdout)["report"]["tools"]}
    assert tools["check-exceptions"] == "ok"


def test_a_cache_entry_of_the_wrong_types_is_recomputed_not_a_crash(tmp_path: Path) -> None:
    from qualitytool.api import build_report, resolve_config

    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("def f(x):\n    if x:\n        return 1\n    return 2\n")
    config = resolve_config([project])
    cold = build_report(project, config, tools=["radon", "annotations"])
    folder = CacheFolder(project, project / ".qualitytool" / "cache")
    for bucket in sorted((project / ".qualitytool" / "cache").glob("*.json")):
        entries = folder.read(bucket.name)
        for entry in entries.values():
            entry["result"] = {"functions": [["f", "one", None, "Z", []]], "mi": "high"}
        folder.write(bucket.name, entries)  # signed here: only the shape is wrong
    warm = build_report(project, config, tools=["radon", "annotations"])
    assert [(t.tool, t.status.value) for t in warm.tools] == [("annotations", "ok"),
                                                             ("radon", "ok")]
    assert warm.metrics == cold.metrics
    assert sorted(w.split(": entry ignored: ")[1] for w in warm.warnings) == [
        "app.py.result.functions[0]: expected a list of 4 items, got a list",
        "app.py.result.functions[0][1]: expected an integer, got a string",
    ]


# --- 4. shards that do not add up --------------------------------------------------------------


@pytest.fixture(scope="module")
def sharded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A committed project and its two honest shards (real pylint and bandit)."""
    repo = GitRepo(tmp_path_factory.mktemp("sharded") / "project")
    insecure_project(repo.root)
    repo.write("app/util.py",
               '"""Util."""\n\n\ndef double(x):\n    """Twice."""\n    return 2 * x\n')
    repo.write(".gitignore", "shard-*.json\n.qualitytool/\n")
    repo.commit("project")
    shards = []
    for index in (1, 2):
        result = cli("report", ".", "--shard", f"{index}/2", "--format", "json", cwd=repo.root)
        assert result.exit_code == 0, result.output
        shards.append(json.loads(result.stdout))
    return repo.root, shards


def merge(root: Path, documents: list[dict[str, Any]], *options: str) -> Result:
    names = []
    for index, document in enumerate(documents, 1):
        name = f"shard-{index}.json"
        (root / name).write_text(json.dumps(document))
        names.append(name)
    return cli("report", "--merge", *names, *options, cwd=root)


def edited(documents: list[dict[str, Any]], index: int, edit: Any) -> list[dict[str, Any]]:
    copies = json.loads(json.dumps(documents))
    edit(copies[index])
    return list(copies)


def test_honest_shards_merge_and_fail_the_gates_the_project_fails(
    sharded: tuple[Path, list[dict[str, Any]]],
) -> None:
    root, shards = sharded
    result = merge(root, shards, "--check")
    assert result.exit_code == 1, result.output
    assert "gate failed: bandit high-severity findings: 1, required" in result.output


def _relabel(document: dict[str, Any]) -> None:
    document["report"]["shard"]["index"] = 1
    document["report"]["shard"]["count"] = 1


def _passwd(document: dict[str, Any]) -> None:
    finding = document["report"]["shard"]["findings"]["pylint"][0]
    finding["path"] = "../../../../etc/passwd"


def _trillion(document: dict[str, Any]) -> None:
    document["report"]["shard"]["count"] = 10**12


def _bad_metric(document: dict[str, Any]) -> None:
    pylint = next(t for t in document["report"]["tools"] if t["tool"] == "pylint")
    pylint["metrics"]["files"][0]["statements"] = "many"


def _foreign_file(document: dict[str, Any]) -> None:
    document["report"]["shard"]["files"][0][1] = "0" * 64


@pytest.mark.parametrize(("shards_used", "edit", "message"), [
    pytest.param([1], _relabel, "did not analyse this checkout's share 1/1 (app/",
                 id="relabelled"),
    pytest.param([0, 1], _passwd, "refused: report.shard.findings['pylint'][0].path: "
                 "'../../../../etc/passwd' is not a normalised path inside the project",
                 id="path out of the checkout"),
    pytest.param([0, 1], _trillion, "refused: report.shard.count: 1000000000000 is out of range "
                 "(1 to 1024)", id="10**12 shards"),
    pytest.param([0, 1], _bad_metric, "refused: report.tools[", id="wrong metric types"),
    pytest.param([0, 1], _foreign_file, "analysed another version of", id="other content"),
])
def test_shards_that_do_not_add_up_are_refused(
    sharded: tuple[Path, list[dict[str, Any]]], shards_used: list[int], edit: Any, message: str
) -> None:
    root, shards = sharded
    documents = [shards[i] for i in shards_used]  # the first has app/tasks.py's findings
    result = merge(root, edited(documents, 0, edit), "--check")
    assert result.exit_code == 2, result.output
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("status", ["skipped", "missing", "crashed"])
def test_a_tool_a_shard_did_not_run_fails_its_gates(
    sharded: tuple[Path, list[dict[str, Any]]], status: str
) -> None:
    root, shards = sharded

    def excuse(document: dict[str, Any]) -> None:
        for tool in document["report"]["tools"]:
            if tool["tool"] == "bandit":
                tool["status"] = status
        document["report"]["shard"]["findings"]["bandit"] = []

    result = merge(root, edited(edited(shards, 0, excuse), 1, excuse), "--check")
    assert result.exit_code == 1, result.output
    assert "gate failed: bandit high-severity findings: not measured, bandit crashed: shard " \
           "1/2" in result.output


def test_shards_of_an_older_commit_are_refused(
    sharded: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    root, shards = sharded
    newer = tmp_path / "newer"
    shutil.copytree(root, newer)
    repo = GitRepo.__new__(GitRepo)
    repo.root = newer
    repo.write("app/util.py", '"""Util."""\n')
    head = repo.commit("a later commit")
    result = merge(newer, shards, "--check")
    assert result.exit_code == 2, result.output
    old = shards[0]["report"]["shard"]["commit"]
    assert (f"error: shard-1.json: the shards ran on commit {old}, this checkout is at {head}"
            in result.stderr)


# --- 5. a forged evidence file --------------------------------------------------------------

CAUGHT = '''import json


def parse(text):
    try:
        return json.loads(text)
    except Exception:
        return None
'''


def _evidence(project: Path, *names: str) -> Path:
    from qualitytool.exceptions.evidence.sites import fingerprints

    text = (project / "app.py").read_text()
    (fingerprint,) = fingerprints(ast.parse(text), text).values()
    caught = [{"class": name or "x", "spelled": name, "mro": [name or "x", "builtins.Exception"],
               "count": 1, "example": "tests/test_app.py::test_parse"} for name in names]
    document = {"version": 1, "runs": [], "handlers": [{
        "path": "app.py", "line": 4, "fingerprint": fingerprint, "handler_lines": [6],
        "runs": 3, "caught": caught}]}
    path = project / "forged-evidence.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("name", ["evilpkg.sub.Err", "len", "NotDefinedAnywhere", "os.path",
                                  "antigravity.Fly"])
def test_forged_evidence_never_reaches_the_code(tmp_path: Path, name: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(CAUGHT)
    forged = _evidence(project, name)
    result = cli("fix-exceptions", "app.py", "--evidence", str(forged), "--unsafe-fixes",
                 "--fix", "--format", "json", cwd=project)
    assert result.exit_code == 1, result.output  # a broad handler remains
    (handler,) = json.loads(result.stdout)["handlers"]
    assert handler["outcome"] == "left"
    top = name.split(".")[0]
    assert top not in (project / "app.py").read_text()
    assert handler["reason"] in (
        f"the evidence names `{name}`, which does not resolve to an exception class here",)
    ast.parse((project / "app.py").read_text())


def test_an_empty_evidence_name_is_one_clear_error(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(CAUGHT)
    forged = _evidence(project, "")
    result = cli("fix-exceptions", "app.py", "--evidence", str(forged), "--unsafe-fixes",
                 cwd=project)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {forged}: not an evidence file: handlers[0].caught[0].spelled: '' is not a "
        "dotted Python name\n")
    assert (project / "app.py").read_text() == CAUGHT


# --- 6. scaffold-exceptions and --ladder -------------------------------------------------------


@pytest.mark.parametrize(("key", "value", "message"), [
    ("module", '"../outside/exceptions.py"',
     ("key 'tool.qualitytool.exceptions.hierarchy.module' must be a path relative to the "
     "project root, inside it, got '../outside/exceptions.py'")),
    ("module", '"errors.txt"', ("key 'tool.qualitytool.exceptions.hierarchy.module' must name "
     "a Python module (a .py file), got 'errors.txt'")),
    ("handlers-module", '"/tmp/handlers.py"', ("key 'tool.qualitytool.exceptions.hierarchy."
     "handlers-module' must be a path relative to the project root, inside it")),
    ("base-name", '"X(Exception):\\n    pass\\nimport evilmod\\nclass Y"',
     "key 'tool.qualitytool.exceptions.hierarchy.base-name' must be a Python class name"),
])
def test_scaffold_and_ladder_refuse_a_hostile_configuration(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        f"[tool.qualitytool.exceptions.hierarchy]\n{key} = {value}\nframework = \"fastapi\"\n")
    (project / "app.py").write_text(HANDLER)
    for args in (["scaffold-exceptions", "."], ["fix-exceptions", ".", "--ladder"]):
        result = cli(*args, cwd=project)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
    assert everything_under(tmp_path) == ["project", "project/app.py", "project/pyproject.toml"]


def test_scaffold_command_line_values_are_checked_too(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    evil = cli("scaffold-exceptions", ".", "--base-name", "A(Exception): pass\nimport os #",
               cwd=project)
    assert evil.exit_code == 2
    assert evil.stderr.startswith("error: --base-name 'A(Exception): pass\\nimport os #': must "
                                  "be a Python class name")
    up = cli("scaffold-exceptions", ".", "--module", "../escape.py", cwd=project)
    assert up.exit_code == 2
    assert everything_under(tmp_path) == ["project"]


def test_scaffold_escapes_what_it_pastes_into_code(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    description = 'Payments """\nimport evilmod\n""" and \\ "quotes"'
    (project / "pyproject.toml").write_text(
        '[project]\nname = "shop\\"\\"\\"; import evilmod; x = \\"\\"\\""\n'
        "[tool.qualitytool.exceptions.hierarchy]\nmodule = \"app/errors.py\"\n"
        "framework = \"fastapi\"\n"
        "[[tool.qualitytool.exceptions.hierarchy.families]]\n"
        f'name = "PaymentError"\nstatus = 402\nleaves = ["CardDeclinedError"]\n'
        f"description = {json.dumps(description)}\n")
    result = cli("scaffold-exceptions", ".", cwd=project)
    assert result.exit_code == 0, result.output
    for module in ("app/errors.py", "app/exception_handlers.py"):
        tree = ast.parse((project / module).read_text())
        imported = {alias.name for node in ast.walk(tree)
                    if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
        assert "evilmod" not in imported, module
    tree = ast.parse((project / "app" / "errors.py").read_text())
    family = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PaymentError")
    assert ast.get_docstring(family) == ('Payments """ import evilmod """ and \\ "quotes" '
                                         "(HTTP 402).")
    message = next(n for n in family.body if isinstance(n, ast.Assign)
                   and n.targets[0].id == "default_message")  # type: ignore[attr-defined]
    assert ast.literal_eval(message.value) == description


# --- 7. the pull request's own configuration ------------------------------------------------


def test_untrusted_report_takes_its_configuration_from_the_base_branch(tmp_path: Path) -> None:
    """The reported case: the pull request's `include = []` made `report --untrusted --check`
    pass over 0 files; its own gates and pylint settings would pass anything too."""
    repo = GitRepo(tmp_path / "project")
    insecure_project(repo.root)
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "pull-request")
    repo.write("pyproject.toml",
               f"[tool.qualitytool]\ninclude = []\n{ONLY_PYLINT_AND_BANDIT}"
               "[tool.qualitytool.gates]\npylint-score-min = 0\nbandit-high-max = 99\n"
               '[tool.pylint."messages control"]\ndisable = "all"\n')
    repo.write(".gitignore", "app/tasks.py\n")  # and, should include come back, hide it
    repo.commit("pull request: nothing to see")
    fooled = cli("report", ".", "--format", "json", "--check", cwd=repo.root)
    assert fooled.exit_code == 2  # even trusted: no file analysed fails --check
    assert ("error: no file was analysed under . (its include and exclude patterns match "
            "none): nothing passes a gate unmeasured") in fooled.stderr
    based = cli("report", ".", "--untrusted", "--trusted-ref", "main", "--format", "json",
                "--check", cwd=repo.root)
    assert based.exit_code == 1, based.output
    report = json.loads(based.stdout)["report"]
    assert report["files"] == 2
    assert (gate(based, "bandit-high-max"), gate(based, "pylint-score-min")) == ("fail", "fail")
    assert [i for i in report["ignored"] if i["effect"].startswith("not read")] == [
        {"tool": "qualitytool", "source": "pyproject.toml", "setting": "[tool.qualitytool]",
         "effect": "not read (main:pyproject.toml applies)"},
        {"tool": "pylint", "source": "pyproject.toml", "setting": "configuration",
         "effect": "not read (main:pyproject.toml applies)"},
        {"tool": "qualitytool", "source": ".gitignore", "setting": "ignored files",
         "effect": "not read (every file is analysed but the default exclusions and the "
                   "trusted exclude patterns)"},
    ]
    defaults = cli("report", ".", "--untrusted", "--format", "json", cwd=repo.root)
    assert ("warning: --untrusted without --trusted-ref or --trusted-config: the checkout's "
            "configuration is not read, the defaults apply") in defaults.stderr.splitlines()
    assert json.loads(defaults.stdout)["report"]["files"] == 2
    empty = tmp_path / "empty.toml"
    empty.write_text("[tool.qualitytool]\ninclude = []\n")
    nothing = cli("report", ".", "--untrusted", "--trusted-config", str(empty), cwd=repo.root)
    assert nothing.exit_code == 2
    inside = cli("report", ".", "--untrusted", "--trusted-config", "pyproject.toml",
                 cwd=repo.root)
    assert inside.exit_code == 2
    assert "a file of the checkout being analysed (git tracks it)" in inside.stderr


# --- 8. output to a closed or full stream ------------------------------------------------------


def _many_handlers(project: Path) -> None:
    project.mkdir()
    for index in range(40):
        (project / f"m{index}.py").write_text(HANDLER * 50)


@pytest.mark.parametrize("args", [["check-exceptions", "."], ["--version"]])
def test_a_closed_or_full_standard_output_is_one_error(tmp_path: Path, args: list[str]) -> None:
    project = tmp_path / "project"
    _many_handlers(project)
    closed = console(*args, cwd=project, stdout=None, preexec_fn=lambda: os.close(1))
    assert closed.returncode == 2
    assert closed.stderr == "error: cannot write the output: standard output is closed\n"
    with open("/dev/full", "w") as full:
        filled = subprocess.run([*QUALITYTOOL, *args], cwd=project, stdout=full, text=True,
                                stderr=subprocess.PIPE, timeout=600, check=False)
    assert filled.returncode == 2
    assert filled.stderr == "error: cannot write the output: No space left on device\n"
    written = console(*args, "--output", "/dev/full", cwd=project) if args[0] != "--version" \
        else None
    if written is not None:
        assert (written.returncode, written.stderr) == (
            2, "error: /dev/full: No space left on device\n")


@pytest.mark.parametrize("args", [["check-exceptions", "."], ["--version"]])
def test_a_reader_that_went_away_is_one_error(tmp_path: Path, args: list[str]) -> None:
    """A pipe whose reader is gone: a broken pipe is exit status 2, not click's silent 1
    ("found something")."""
    project = tmp_path / "project"
    _many_handlers(project)
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run([*QUALITYTOOL, *args], cwd=project, stdout=write, text=True,
                                stderr=subprocess.PIPE, timeout=600, check=False)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (
        2, "error: cannot write the output: Broken pipe\n")


# --- 9. a symbolic link loop, and files no command may hang on ---------------------------------


def test_a_symlink_loop_fails_report_as_it_fails_the_other_commands(tmp_path: Path) -> None:
    project = insecure_project(tmp_path / "project", config="")
    (project / "app" / "loop.py").symlink_to("loop.py")
    (project / "app" / "zero.py").symlink_to("/dev/zero")
    for args in (["check-exceptions", "."], ["todos", ".", "--check", "--no-blame"],
                 ["report", ".", "--check", "--no-cache"]):
        result = console(*args, cwd=project)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "app/zero.py: cannot read: not a regular file" in result.stdout + result.stderr
        assert "app/loop.py: cannot read" in result.stdout + result.stderr


def test_modules_at_the_root_never_run_in_qualitytools_processes(tmp_path: Path) -> None:
    """Python's helper processes (the fork server, the resource tracker) and ``python -m``
    put the working folder first on sys.path: a `locale.py` or `gettext.py` there was
    imported, and run, by the report's fork server and by `python -m qualitytool`."""
    project = tmp_path / "project"
    project.mkdir()
    marker = tmp_path / "ran"
    for name in ("locale", "gettext", "enum", "typing_extensions"):
        (project / f"{name}.py").write_text(
            f"open({str(marker / name)!r}, 'w').close()\n")
    marker.mkdir()
    for index in range(60):  # enough files for the report's worker processes
        (project / f"m{index}.py").write_text(f"def f{index}(x: int) -> int:\n    return x\n")
    (project / "pyproject.toml").write_text(
        '[tool.qualitytool.report]\ndisable = ["pylint", "bandit", "todos", "coverage"]\n')
    result = console("report", ".", "--no-cache", cwd=project)
    assert result.returncode == 0, result.stderr
    version = console("--version", cwd=project)
    assert version.returncode == 0, version.stderr
    assert everything_under(marker) == []
