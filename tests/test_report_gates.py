"""Gates: pass/fail against configured thresholds, `--check` exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.cli import main
from qualitytool.config import GatesConfig
from qualitytool.report.gates import evaluate
from tests.fixtures.report_support import copy_project

MEASURED = {
    "pylint_score": 7.2, "bandit_high": 1, "bandit_medium": 5, "coverage": 81.0,
    "critical_broad_handlers": 0, "unlinked_todos": None, "worst_complexity_rank": "D",
    "annotation_coverage": 95.0,
}


def test_default_gates() -> None:
    results = {g.key: (g.actual, g.status, g.shortfall) for g in evaluate(GatesConfig(), MEASURED)}
    assert results == {
        "pylint-score-min": ("7.20", "fail", "1.3 below"),
        "bandit-high-max": ("1", "fail", "1 over"),
        "bandit-medium-max": ("5", "off", ""),
        "coverage-min": ("81.0", "pass", ""),
        "critical-broad-handlers-max": ("0", "pass", ""),
        "unlinked-todos-max": (None, "not measured", ""),
        "worst-complexity-rank": ("D", "fail", "1 rank(s) worse"),
        "annotation-coverage-min": ("95.0", "pass", ""),
    }


def test_overridden_gates() -> None:
    gates = GatesConfig(pylint_score_min=7.0, bandit_high_max=1, bandit_medium_max=4,
                        worst_complexity_rank="D", coverage_min=90)
    failed = {g.key: g.shortfall for g in evaluate(gates, MEASURED) if g.failed}
    assert failed == {"bandit-medium-max": "1 over", "coverage-min": "9 below"}


def _configure(root: Path, gates: str) -> None:
    with (root / "pyproject.toml").open("a") as handle:
        handle.write(f"\n[tool.qualitytool.gates]\n{gates}\n")


@pytest.mark.parametrize(
    ("gates", "exit_code", "messages"),
    [
        pytest.param(
            "", 1,
            ["gate failed: pylint score: 7.45, required >= 8.5 (1.05 below)",
             "gate failed: bandit high-severity findings: 2, required <= 0 (2 over)",
             ("gate failed: broad exception handlers in critical paths: 1, required <= 0 "
             "(1 over)"),
             "gate failed: annotation coverage %: 32.0, required >= 95 (63 below)"],
            id="defaults fail",
        ),
        pytest.param(
            "pylint-score-min = 7\nbandit-high-max = 2\ncritical-broad-handlers-max = 1\n"
            "annotation-coverage-min = 30\n", 0, [], id="lenient gates pass",
        ),
        pytest.param(
            "pylint-score-min = 7\nbandit-high-max = 2\ncritical-broad-handlers-max = 1\n"
            "annotation-coverage-min = 30\nbandit-medium-max = 0\n", 1,
            ["gate failed: bandit medium-severity findings: 1, required <= 0 (1 over)"],
            id="medium enforced",
        ),
    ],
)
def test_check_exit_status(tmp_path: Path, gates: str, exit_code: int, messages: list[str]) -> None:
    root = copy_project(tmp_path)
    _configure(root, gates)
    result = CliRunner().invoke(
        main, ["report", str(root), "--check", "--format", "json", "--no-cache"]
    )
    assert result.exit_code == exit_code, result.output
    failures = [line for line in result.stderr.splitlines() if line.startswith("gate failed")]
    assert failures == messages
    document = json.loads(result.stdout)
    statuses = {g["key"]: g["status"] for g in document["report"]["gates"]}
    assert statuses["coverage-min"] == "not measured"  # no coverage.json in this copy
    assert statuses["unlinked-todos-max"] == "pass"  # the fixture has no TODO comments


def test_without_check_a_failing_gate_exits_zero(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    result = CliRunner().invoke(main, ["report", str(root), "--no-cache"])
    assert result.exit_code == 0
    assert "pylint score" in result.stdout and "FAIL (1.05 below)" in result.stdout


LENIENT = ("pylint-score-min = 7\nbandit-high-max = 2\ncritical-broad-handlers-max = 1\n"
           "annotation-coverage-min = 30\n")


def test_fail_unmeasured(tmp_path: Path) -> None:
    """The gates pass, but coverage was not measured (no coverage.json): with
    --fail-unmeasured that fails --check too, and the line says why."""
    root = copy_project(tmp_path)
    _configure(root, LENIENT)
    result = CliRunner().invoke(
        main, ["report", str(root), "--check", "--fail-unmeasured", "--no-cache",
               "--output", str(tmp_path / "report.txt")]
    )
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("gate ")]
    assert len(lines) == 1
    assert lines[0].startswith(
        "gate not measured: test coverage %, required >= 80 (coverage skipped: no coverage.json"
    )


def test_fail_unmeasured_needs_check(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path), "--fail-unmeasured"])
    assert result.exit_code == 2
    assert "--fail-unmeasured only means something with --check" in result.output
