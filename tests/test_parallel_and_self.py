"""The worker pool on a stream of files, and qualitytool checked with its own tools."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualitytool.api import check_exceptions
from qualitytool.config import Config
from qualitytool.exceptions.check import CheckOptions
from qualitytool.parallel import map_files

from .conftest import REPO_ROOT

HANDLER = "try:\n    f()\nexcept Exception:\n    pass\n"


def _make_files(directory: Path, count: int) -> list[Path]:
    files = []
    for index in range(count):
        path = directory / f"m{index:03}.py"
        # Every third file holds a broad handler, one file does not parse.
        text = HANDLER if index % 3 == 0 else "x = 1\n"
        path.write_text("try:\n    f()\nexcept Exception\n" if index == 7 else text)
        files.append(path)
    return files


@pytest.mark.parametrize("jobs", [1, 2], ids=["serial", "two workers"])
def test_map_files_on_a_generator_keeps_order_and_errors(tmp_path: Path, jobs: int) -> None:
    files = _make_files(tmp_path, 120)
    seen: list[str] = []

    def stream() -> Iterator[Path]:
        yield from files

    results = map_files(
        CheckOptions(config=Config(root=tmp_path)), stream(), jobs=jobs,
        on_result=lambda r: seen.append(r.path),
    )
    assert [Path(r.path).name for r in results] == [f.name for f in files]
    assert seen == [r.path for r in results]
    assert [Path(r.path).name for r in results if r.findings] == [
        f"m{i:03}.py" for i in range(0, 120, 3)
    ]
    errors = [r for r in results if r.error]
    assert len(errors) == 1
    assert (errors[0].error or "").endswith("m007.py:3:17: cannot parse: expected ':'")


def test_check_exceptions_reports_the_discovered_count_before_results(tmp_path: Path) -> None:
    _make_files(tmp_path, 90)
    events: list[object] = []
    report = check_exceptions(
        [tmp_path], Config(root=tmp_path), jobs=2,
        on_discovered=lambda n: events.append(("discovered", n)),
        on_result=lambda r: events.append("result"),
    )
    assert events[0] == ("discovered", 90)
    assert events[1:] == ["result"] * 90
    assert report.files_checked == 90
    assert len(report.findings) == 30


def test_qualitytool_has_no_broad_handlers_of_its_own() -> None:
    dirs = [REPO_ROOT / name for name in ("qualitytool", "codemods", "benchmarks", "tests")]
    report = check_exceptions(dirs)
    assert [f"{f.path}:{f.line}: {f.message}" for f in report.findings] == []
    assert report.errors == []


def test_package_passes_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "qualitytool"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
