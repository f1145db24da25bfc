"""The real pre-commit runs our hook from this repository in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO_ROOT


def precommit_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An empty git repository and the environment to run pre-commit in it."""
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("needs the qualitytool git checkout (pre-commit try-repo clones it)")
    repo = tmp_path / "project"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo, env


def try_repo(repo: Path, env: dict[str, str], hook: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` of this checkout's ``hook`` on every file of ``repo``."""
    pre_commit = Path(sys.executable).parent / "pre-commit"
    return subprocess.run(
        [str(pre_commit), "try-repo", str(REPO_ROOT), hook, "--all-files"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900, check=False,
    )


def test_precommit_try_repo(tmp_path: Path) -> None:
    repo, env = precommit_repo(tmp_path)

    def try_repo_check() -> subprocess.CompletedProcess[str]:
        return try_repo(repo, env, "qualitytool-check-exceptions")

    (repo / "bad.py").write_text("try:\n    f()\nexcept Exception:\n    pass\n")
    (repo / "good.py").write_text("x = 1\n")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    result = try_repo_check()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bad.py:3:8: QT001 Do not catch blind exception: `Exception`" in result.stdout
    (repo / "bad.py").write_text("try:\n    f()\nexcept ValueError:\n    pass\n")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    result = try_repo_check()
    assert result.returncode == 0, result.stdout + result.stderr
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
