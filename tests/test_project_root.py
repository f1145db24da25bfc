"""One project root, one ``.qualitytool/`` there, nothing for git to see: every command run
from a subfolder of a real git repository, as a user in an editor's terminal would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualitytool.config import common_start, find_project_root, load_config

from .github_server import FakeGitHub
from .gitrepo import GitRepo

TOKEN = "ghp_project_root_token_7"
MODULE = (
    "import os\n\n\n"
    "def remove(path):\n"
    "    # TODO: say why it may fail\n"
    "    try:\n"
    "        os.remove(path)\n"
    "    except Exception:\n"
    "        pass\n"
)


@pytest.fixture()
def repo(tmp_path: Path) -> GitRepo:
    """A committed project: a pyproject.toml without qualitytool settings, code two levels
    down."""
    project = GitRepo(tmp_path / "project")
    project.write("pyproject.toml", '[project]\nname = "shop"\nversion = "1"\n')
    project.write("app/pkg/__init__.py", "")
    project.write("app/pkg/mod.py", MODULE)
    project.write("app/other.py", "x = 1\n")
    project.commit("start")
    return project


def qualitytool(cwd: Path, *args: str, env: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qualitytool", *args], cwd=cwd, capture_output=True, text=True,
        timeout=600, check=False, env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def state_folders(root: Path) -> list[str]:
    return sorted(
        str(Path(folder).relative_to(root))
        for folder, names, _files in os.walk(root) if ".git" not in Path(folder).parts
        for name in names if name == ".qualitytool"
        for folder in [os.path.join(folder, name)]
    )


def assert_clean(repo: GitRepo, *changed: str) -> None:
    """Only the project root holds a ``.qualitytool/``; git sees exactly ``changed``."""
    assert state_folders(repo.root) in ([], [".qualitytool"])
    status = repo.git("status", "--porcelain", "--untracked-files=all").splitlines()
    assert [line.strip() for line in status] == list(changed)


# Each command as a user types it in app/pkg, and what it may change (git status lines).
COMMANDS = {
    "check-exceptions": (["check-exceptions"], ()),
    "check-exceptions .": (["check-exceptions", "."], ()),
    "check-exceptions a file": (["check-exceptions", "mod.py"], ()),
    "fix-exceptions (diff)": (["fix-exceptions", "."], ()),
    "fix-exceptions --write": (["fix-exceptions", "--write", "mod.py"], ("M app/pkg/mod.py",)),
    "todos": (["todos", "--no-blame"], ()),
    "todos --check": (["todos", "--check", "."], ()),
    "config": (["config"], ()),
    "rule": (["rule", "QT001"], ()),
    "report": (["report", "--format", "json", "."], ()),
    "evidence run": (["evidence", "run", "--", sys.executable, "-c", "pass"], ()),
    "scaffold-exceptions": (["scaffold-exceptions", "--framework", "none"],
                            ("?? app/core/__init__.py", "?? app/core/exceptions.py")),
    "init --ci": (["init", "--ci"],
                  ("?? .github/workflows/qualitytool-exceptions.yml",
                   "?? .github/workflows/qualitytool-report.yml",
                   "?? .github/workflows/qualitytool-todos.yml")),
}


@pytest.mark.parametrize(("args", "changed"), COMMANDS.values(), ids=COMMANDS.keys())
def test_a_command_in_a_subfolder_writes_only_at_the_root(
    repo: GitRepo, args: list[str], changed: tuple[str, ...]
) -> None:
    result = qualitytool(repo.root / "app" / "pkg", *args)
    assert "Traceback" not in result.stderr, result.stderr
    assert_clean(repo, *changed)


def test_evidence_and_the_fix_log_land_at_the_root(repo: GitRepo) -> None:
    sub = repo.root / "app" / "pkg"
    qualitytool(sub, "evidence", "run", "--", sys.executable, "-c", "pass")
    qualitytool(sub, "fix-exceptions", ".")
    shown = qualitytool(sub, "evidence", "show")
    assert shown.returncode == 0, shown.stderr
    merged = qualitytool(sub, "evidence", "merge", str(repo.root / ".qualitytool" /
                                                       "evidence.json"))
    assert merged.returncode == 0, merged.stderr
    kept = sorted(p.name for p in (repo.root / ".qualitytool").iterdir())
    assert kept == [".gitignore", "evidence.json", "last-fix-exceptions.json"]
    assert_clean(repo)


def test_todos_sync_dry_run_in_a_subfolder(repo: GitRepo) -> None:
    server = FakeGitHub(token=TOKEN).start()
    try:
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/app",
               "GITHUB_API_URL": server.base_url}
        result = qualitytool(repo.root / "app" / "pkg", "todos", "sync", "--dry-run",
                             "--no-blame", "--retry-backoff", "0", env=env)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert "would create 1" in result.stdout
    assert_clean(repo)


def test_a_state_folder_without_its_gitignore_gets_it_back(repo: GitRepo) -> None:
    """A ``.qualitytool/`` an older version made (no ``.gitignore``) is mended by the next run."""
    (repo.root / ".qualitytool").mkdir()
    (repo.root / ".qualitytool" / "last-fix-exceptions.json").write_text("{}")
    qualitytool(repo.root / "app", "fix-exceptions", ".")
    assert_clean(repo)


def test_the_project_root_is_the_nearest_pyproject_or_git(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    (tmp_path / "repo" / "lib" / "pyproject.toml").parent.mkdir()
    (tmp_path / "repo" / "lib" / "pyproject.toml").write_text("[project]\nname = 'lib'\n")
    (tmp_path / "repo" / "lib" / "src").mkdir()
    (tmp_path / "loose").mkdir()
    assert find_project_root(tmp_path / "repo" / "a" / "b") == tmp_path / "repo"
    assert find_project_root(tmp_path / "repo" / "lib" / "src") == tmp_path / "repo" / "lib"
    assert find_project_root(tmp_path / "loose") == tmp_path / "loose"
    assert load_config(tmp_path / "repo" / "a" / "b").root == tmp_path / "repo"
    # several paths: the folder holding them all, whatever their order
    paths = [tmp_path / "repo" / "lib" / "src", tmp_path / "repo" / "a" / "b"]
    assert common_start(paths) == common_start(paths[::-1]) == tmp_path / "repo"
