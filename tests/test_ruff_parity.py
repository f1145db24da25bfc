"""Oracle: on the real Django source our flagged locations equal ruff's BLE001 + E722."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualitytool.api import check_exceptions
from qualitytool.config import Config

from .conftest import ruff_locations

pytestmark = pytest.mark.corpus


def test_django_matches_ruff(django_source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(django_source)
    report = check_exceptions(["."], Config(root=django_source))
    ours = {(f.path, f.line, f.col) for f in report.findings}
    expected = ruff_locations(django_source, "BLE001,E722", "BLE001|E722")
    assert len(expected) > 100
    assert ours == expected
