"""Defects found by using the tool as an attacker would (issue 14): each test failed before
its fix.  Real subprocesses, real files; nothing mocked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.cli import main

BROAD = "import json\ns = \"{}\"\ntry:\n    data = json.loads(s)\nexcept Exception:\n    data = None\n"
NARROWED = "import json\ns = \"{}\"\ntry:\n    data = json.loads(s)\nexcept (TypeError, ValueError):\n    data = None\n"


def qualitytool(*args: str, cwd: Path, env: dict[str, str] | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The real command, in a fresh process, from ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "qualitytool", *args], cwd=cwd, capture_output=True, text=True,
        timeout=timeout, env={**os.environ, **(env or {})},
    )


def test_fix_exceptions_writes_through_a_symlinked_module(tmp_path: Path) -> None:
    outside = tmp_path / "shared"
    outside.mkdir()
    target = outside / "real.py"
    target.write_text(BROAD, encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    link = tree / "link.py"
    link.symlink_to(target)
    result = CliRunner().invoke(main, ["fix-exceptions", str(tree), "--write"])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == NARROWED
    assert sorted(p.name for p in outside.iterdir()) == ["real.py"]  # no temporary left
