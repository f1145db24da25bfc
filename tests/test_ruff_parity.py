"""Oracle: on the real Django source our flagged locations equal ruff's BLE001 + E722."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from qualitytool.api import check_exceptions
from qualitytool.config import Config

pytestmark = pytest.mark.corpus


def ruff_locations(root: Path) -> set[tuple[str, int, int]]:
    ruff = Path(sys.executable).parent / "ruff"
    out = subprocess.run(
        [str(ruff), "check", "--isolated", "--select", "BLE001,E722", "--no-cache",
         "--output-format", "concise", "."],
        cwd=root, capture_output=True, text=True, check=False,
    ).stdout
    found = set()
    for line in out.splitlines():
        match = re.match(r"(.+?):(\d+):(\d+): (BLE001|E722) ", line)
        if match:
            found.add((match[1], int(match[2]), int(match[3])))
    return found


def test_django_matches_ruff(django_source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(django_source)
    report = check_exceptions(["."], Config(root=django_source))
    ours = {(f.path, f.line, f.col) for f in report.findings}
    expected = ruff_locations(django_source)
    assert len(expected) > 100
    assert ours == expected
