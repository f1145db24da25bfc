"""Gates: pass/fail against configured thresholds, `--check` exit codes and messages."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.cli import main
from qualitytool.config import Config, ConfigError, GatesConfig, load_config_file
from qualitytool.gate_table import GATES
from qualitytool.report.gates import GATE_TOOLS, evaluate, headline_metrics
from tests.fixtures.report_support import copy_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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


# The gate table: every consumer is derived from qualitytool.gate_table.GATES.


def test_config_fields_are_the_gate_table(tmp_path: Path) -> None:
    fields = dataclasses.fields(GatesConfig)
    assert [(f.name, f.default) for f in fields] == [(g.field, g.default) for g in GATES]
    assert Config(root=tmp_path).to_dict()["gates"] == {g.key: g.default for g in GATES}
    assert GATE_TOOLS == {g.key: g.tool for g in GATES}


def test_every_gate_reads_a_measured_metric() -> None:
    measured = headline_metrics({})
    assert {g.metric for g in GATES} <= set(measured)
    assert [g.key for g in evaluate(GatesConfig(), measured)] == [g.key for g in GATES]


def test_the_docs_list_the_default_gates() -> None:
    """The defaults block of the configuration reference (generated from the table; a stale
    page fails tests/test_docs.py) holds every gate, those not enforced commented out."""
    page = (Path(__file__).parents[1] / "docs" / "configuration-reference.md").read_text(
        encoding="utf-8")
    block = page.split("```toml\n[tool.qualitytool.gates]", 1)[1].split("```", 1)[0]
    documented = tomllib.loads("[tool.qualitytool.gates]" + block)["tool"]["qualitytool"]["gates"]
    assert documented == {g.key: g.default for g in GATES if g.default is not None}
    unset = [line.split()[1] for line in block.splitlines() if line.startswith("# ")]
    assert unset == [g.key for g in GATES if g.default is None]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        pytest.param('worst-complexity-rank = "G"',
                     "key 'tool.qualitytool.gates.worst-complexity-rank' must be one of A-F, "
                     "got 'G'", id="rank"),
        pytest.param("coverage-min = 101",
                     "key 'tool.qualitytool.gates.coverage-min' must be between 0 and 100",
                     id="percent"),
        pytest.param('bandit-high-max = "none"',
                     "key 'tool.qualitytool.gates.bandit-high-max' must be an integer, "
                     "got 'none'", id="type"),
    ],
)
def test_bad_thresholds_name_the_key(tmp_path: Path, setting: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.qualitytool.gates]\n{setting}\n",
                                             encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config_file(tmp_path / "pyproject.toml")


# A gate appended to the table, in a fresh interpreter (the configuration's class is built
# from the table when qualitytool.config is imported).
_ADDED_GATE = """
import json, sys
from pathlib import Path

from qualitytool import gate_table

gate_table.GATES = (*gate_table.GATES, gate_table.Gate(
    "bandit-high-soft-max", "bandit high-severity findings (soft)", "bandit", "bandit_high",
    gate_table.Direction.AT_MOST, 5))

from qualitytool import api
from qualitytool.report import formats
from qualitytool.report.baseline import LOWER_IS_BETTER

root = Path(sys.argv[1])
config = api.resolve_config([root])
report = api.build_report(root, config, tools=["bandit"], use_cache=False)
gates = {g["key"]: g for g in formats.to_dict(report)["gates"]}
print(json.dumps({
    "configured": config.to_dict()["gates"]["bandit-high-soft-max"],
    "gate": gates["bandit-high-soft-max"],
    "unmeasured": [g.key for g, _ in report.unmeasured_gates],
    "lower_is_better": "bandit_high" in LOWER_IS_BETTER,
}))
"""


def test_a_gate_added_to_the_table_is_configured_evaluated_and_reported(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    _configure(root, "bandit-high-soft-max = 1")
    done = subprocess.run([sys.executable, "-c", _ADDED_GATE, str(root)], capture_output=True,
                          text=True, check=True, cwd=Path(__file__).parents[1])
    result = json.loads(done.stdout)
    assert result["configured"] == 1
    assert result["gate"] == {
        "key": "bandit-high-soft-max", "label": "bandit high-severity findings (soft)",
        "required": "<= 1", "measured": "2", "status": "fail", "shortfall": "1 over",
    }
    # Only bandit ran: the other tools' gates are unmeasured, the new gate is not.
    assert "bandit-high-soft-max" not in result["unmeasured"]
    assert "pylint-score-min" in result["unmeasured"]
    assert result["lower_is_better"] is True
