"""Golden files of the rendered Markdown reports, and template overrides.

Regenerate after an intended change with ``QUALITYTOOL_UPDATE_GOLDEN=1 pytest
tests/test_report_markdown.py`` and review the diff.  The tools' version numbers are written
as placeholders (``<coverage version>``), so that a fresh install with a newer patch release
still compares; a new version that changes a tool's messages still fails the test.
"""

from __future__ import annotations

import os
from importlib.metadata import version
from pathlib import Path

import pytest

from qualitytool.api import build_report
from qualitytool.config import load_config
from qualitytool.report.markdown import REPORTS, render, step_summary, write_reports
from qualitytool.report.result import QualityReport
from tests.fixtures.report_support import GOLDEN, copy_project, run_coverage, write_fix_log


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> QualityReport:
    root = copy_project(tmp_path_factory.mktemp("golden"))
    run_coverage(root)
    write_fix_log(root)
    return build_report(root, use_cache=False)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_golden(report: QualityReport, name: str) -> None:
    text = _without_versions(render(report, REPORTS[name]))
    golden = GOLDEN / name
    if os.environ.get("QUALITYTOOL_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def _without_versions(text: str) -> str:
    for tool in ("pylint", "bandit", "radon", "coverage"):
        text = text.replace(f" {version(tool)}", f" <{tool} version>")
    return text


def test_reports_are_deterministic(report: QualityReport, tmp_path: Path) -> None:
    """The reports written from a cold run and from a warm one (the cache) are the golden
    files, byte for byte (they are regenerated with :func:`test_golden`'s)."""
    first = {w.name: w.path.read_text(encoding="utf-8")
             for w in write_reports(report, tmp_path / "a")}
    again = build_report(report.root, use_cache=True)  # warm: from the cache this time
    second = {w.name: w.path.read_text(encoding="utf-8")
              for w in write_reports(again, tmp_path / "b")}
    assert sorted(first) == sorted(second) == sorted(REPORTS)
    for name in REPORTS:
        golden = (GOLDEN / name).read_text(encoding="utf-8")
        assert _without_versions(first[name]) == golden, f"{name}, cold"
        assert _without_versions(second[name]) == golden, f"{name}, from the cache"


def test_no_fix_log_recorded(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    text = render(build_report(root, use_cache=False, tools=["check-exceptions"]),
                  REPORTS["EXCEPTION_REFACTORING_REPORT.md"])
    assert "No fix-exceptions run recorded" in text
    assert "| `shop/payments.py` | 1 | 0 |" in text


def test_templates_dir_overrides_a_template(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "mytemplates").mkdir()
    (root / "mytemplates" / "code_quality_report.md.j2").write_text(
        "{% for g in gates %}{{ g.key }}={{ g.status }}\n{% endfor %}", encoding="utf-8"
    )
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.qualitytool.report]\ntemplates-dir = "mytemplates"\n')
    report = build_report(root, load_config(root), use_cache=False, tools=["radon"])
    assert render(report, REPORTS["CODE_QUALITY_REPORT.md"]).splitlines()[-2:] == [
        "worst-complexity-rank=pass", "annotation-coverage-min=not measured",
    ]
    # The others still come from the shipped templates.
    assert render(report, REPORTS["TEST_COVERAGE_REPORT.md"]).startswith(
        "# Test coverage report: report_small"
    )


def test_step_summary_fits_the_limit(report: QualityReport) -> None:
    full = step_summary(report)
    assert full == render(report, REPORTS["CODE_QUALITY_REPORT.md"])
    cut = step_summary(report, limit=1500)
    assert len(cut.encode("utf-8")) <= 1500
    assert cut.startswith("# Code quality report: report_small")
    assert cut.endswith("the full report is in the artifacts)_\n")
