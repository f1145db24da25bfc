"""The package's structure: the CLI calls qualitytool.api only, every --format comes from one
registry, and `qualitytool --help` imports none of the analysers."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import qualitytool
from qualitytool import api
from qualitytool.cli import main
from qualitytool.output import registry
from qualitytool.output.registry import FORMATS, OutputFormat, ResultKind

CLI = Path(qualitytool.__file__).with_name("cli.py")
BROAD = """\
import json


def load(text):
    try:
        return json.loads(text)
    except Exception:
        return None


def run(job):
    try:
        job()
    except:
        pass
"""

# The command whose --format lists the formats of each kind.
COMMANDS = {
    ResultKind.CHECK: ["check-exceptions"],
    ResultKind.FIX: ["fix-exceptions"],
    ResultKind.EVIDENCE: ["evidence", "show"],
    ResultKind.TODOS: ["todos", "scan"],
    ResultKind.REPORT: ["report"],
}


def _runtime_imports(tree: ast.Module) -> set[str]:
    """Modules imported outside ``if TYPE_CHECKING:`` blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_cli_imports_only_the_api() -> None:
    ours = {m for m in _runtime_imports(ast.parse(CLI.read_text(encoding="utf-8")))
            if m.split(".")[0] == "qualitytool"}
    assert ours == {"qualitytool", "qualitytool.api"}


def test_help_imports_no_analyser() -> None:
    code = ("import sys\nfrom qualitytool.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('qualitytool')), "
            "file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    loaded = set(ast.literal_eval(done.stderr.strip().splitlines()[-1]))
    assert loaded == {"qualitytool", "qualitytool.cli", "qualitytool.api", "qualitytool.output",
                      "qualitytool.output.registry", "qualitytool.todos",
                      "qualitytool.todos.model"}


def _format_choices(path: list[str]) -> list[str]:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    option = next(p for p in command.params if p.name == "output_format")
    assert isinstance(option.type, click.Choice)
    return list(option.type.choices)


@pytest.mark.parametrize("kind", list(ResultKind), ids=lambda k: k.value)
def test_every_format_choice_comes_from_the_registry(kind: ResultKind) -> None:
    assert _format_choices(COMMANDS[kind]) == [f.name for f in FORMATS if f.kind is kind]


def test_formats_are_unique_per_kind() -> None:
    keys = [(f.kind, f.name) for f in FORMATS]
    assert len(keys) == len(set(keys))
    assert all("text" in registry.format_names(kind) for kind in ResultKind)


def test_a_registered_format_reaches_the_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Adding a format is one entry in the table: the choice and the rendering follow."""

    def count(report: api.CheckReport, _options: registry.RenderOptions) -> str:
        return f"{len(report.findings)} handlers in {report.files_checked} files\n"

    extended = (*FORMATS, OutputFormat("count", ResultKind.CHECK, count))
    monkeypatch.setattr(registry, "FORMATS", extended)
    # The CLI builds its choices when it is imported: import it again with the new table.
    # Both handles on the module are restored afterwards: sys.modules and the package's
    # attribute (which dotted monkeypatch targets such as "qualitytool.cli.x" resolve through).
    import qualitytool

    monkeypatch.setattr(qualitytool, "cli", sys.modules["qualitytool.cli"])
    monkeypatch.delitem(sys.modules, "qualitytool.cli")
    from qualitytool.cli import main as fresh_main

    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(BROAD, encoding="utf-8")
    result = CliRunner().invoke(fresh_main, ["check-exceptions", str(project),
                                             "--format", "count"])
    expected = api.check_exceptions([project])
    assert result.output == f"{len(expected.findings)} handlers in 1 files\n"
    assert len(expected.findings) > 0
    assert result.exit_code == 1


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(ValueError, match="no 'xml' format for report .one of text, json"):
        api.render(ResultKind.REPORT, "xml", object())


def test_render_matches_the_command_output(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(BROAD, encoding="utf-8")
    report = api.check_exceptions([tmp_path])
    for name in registry.format_names(ResultKind.CHECK):
        result = CliRunner().invoke(main, ["check-exceptions", str(tmp_path), "--format", name])
        assert result.stdout == api.render(ResultKind.CHECK, name, report), name
    data = json.loads(api.render(ResultKind.CHECK, "json", report))
    assert len(data["findings"]) == len(report.findings)


def test_the_api_names_everything_it_offers() -> None:
    tree = ast.parse(Path(api.__file__).read_text(encoding="utf-8"))
    public = {node.name for node in tree.body
              if isinstance(node, (ast.FunctionDef, ast.ClassDef))
              and not node.name.startswith("_")}
    assert public <= set(api.__all__)
    for name in api.__all__:  # each resolves, the lazily imported errors too
        assert getattr(api, name) is not None, name
    assert issubclass(api.SyncError, Exception) and issubclass(api.ShardError, ValueError)
