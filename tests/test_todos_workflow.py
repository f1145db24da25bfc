"""``qualitytool init --ci`` writes the weekly TODO sync workflow."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from qualitytool.cli import main


def test_init_ci_writes_the_todos_workflow(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", "--ci", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / ".github/workflows/qualitytool-todos.yml"
    workflow = yaml.safe_load(path.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers == {"schedule": [{"cron": "17 6 * * 1"}], "workflow_dispatch": None}
    # Nothing at the top; the one job gets what it needs and no more.
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["todos"]["permissions"] == {"contents": "read", "issues": "write"}
    steps = workflow["jobs"]["todos"]["steps"]
    assert steps[0] == {"uses": "actions/checkout@v6",
                        "with": {"persist-credentials": False, "fetch-depth": 0}}
    # The first sync of a codebase with hundreds of TODOs opens them over several weeks.
    assert steps[3] == {
        "name": "Sync TODO issues",
        "env": {"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"},
        "run": "qualitytool todos sync . --max-new 20",
    }
    assert steps[4]["run"] == (
        'qualitytool todos . --format markdown --report todo-report >> "$GITHUB_STEP_SUMMARY"'
    )


def test_precommit_hook_manifest() -> None:
    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text())
    todos = next(h for h in hooks if h["id"] == "qualitytool-todos")
    assert todos["entry"] == "qualitytool todos --check --no-blame --force-exclude"
    assert {"python", "ts", "tsx", "shell", "yaml", "dockerfile", "sql"} <= set(todos["types_or"])
    # One process per hook run (each spreads its files over the cores itself): one summary,
    # not one per batch pre-commit would start in parallel.
    assert all(hook["require_serial"] for hook in hooks)


def test_precommit_todos_hook_reads_every_language_the_scanner_knows() -> None:
    """Each file name of rules/comment_syntax.toml that pre-commit's identify tags is passed
    to the todos hook (.mts and .cts have no tag: identify does not know them)."""
    from identify import identify

    from qualitytool.todos.syntax import languages

    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text())
    types_or = set(next(h for h in hooks if h["id"] == "qualitytool-todos")["types_or"])
    known = languages()
    names = [f"x{ext}" for ext in known.extensions] + list(known.filenames) + [
        f"{prefix}x" for prefix, _ in known.prefixes]
    missed = [name for name in names
              if (tags := identify.tags_from_filename(name) - {"text"}) and not tags & types_or]
    assert missed == []
