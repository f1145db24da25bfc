"""The real pre-commit runs the fix-exceptions hook (safe fixes only) in a temporary repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .test_precommit import precommit_repo, try_repo


def test_fix_exceptions_hook(tmp_path: Path) -> None:
    repo, env = precommit_repo(tmp_path)
    (repo / ".gitignore").write_text(".qualitytool/\n")  # the run log
    (repo / "fixable.py").write_text(
        "import os\ntry:\n    os.remove('x')\nexcept Exception:\n    pass\n")
    unsafe = "import json\ntry:\n    json.load(fh)\nexcept Exception:\n    pass\n"
    (repo / "unsafe.py").write_text(unsafe)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    result = try_repo(repo, env, "qualitytool-fix-exceptions")
    # the hook rewrote a file: pre-commit fails the run so the change gets reviewed
    assert result.returncode == 1, result.stdout + result.stderr
    assert "files were modified by this hook" in result.stdout
    assert (repo / "fixable.py").read_text() == (
        "import os\ntry:\n    os.remove('x')\nexcept OSError:\n    pass\n"
    )
    assert (repo / "unsafe.py").read_text() == unsafe  # unsafe fixes are never applied
    assert "unsafe.py:4:8: unsafe fix not applied (use --unsafe-fixes)" in result.stdout
    # (a second run finding nothing to do is covered without pre-commit: each try-repo run
    # installs the hook's environment afresh, which takes minutes)
