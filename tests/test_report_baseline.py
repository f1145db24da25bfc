"""Baselines: snapshots, before -> after deltas, new / fixed / unchanged findings, upgrades."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qualitytool.cli import main
from tests.fixtures.report_support import copy_project


def _report(root: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["report", str(root), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["report"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The fixture project with a baseline taken, then edited: one fix, one new problem."""
    root = copy_project(tmp_path_factory.mktemp("baseline"))
    baseline = root.parent / "baseline.json"
    _report(root, "--save-baseline", str(baseline), "--no-cache")
    payments = root / "shop" / "payments.py"
    payments.write_text(
        payments.read_text().replace(
            '    subprocess.call("tar czf archive.tgz " + path, shell=True)\n',
            '    subprocess.call(["tar", "czf", "archive.tgz", path])\n',
        )
    )
    catalog = root / "shop" / "catalog.py"
    # New code above the old findings: they move down but stay "unchanged".
    catalog.write_text(catalog.read_text().replace(
        "import pickle\n",
        "import pickle\n\n\ndef parse(text: str) -> object:\n    \"\"\"Parse.\"\"\"\n"
        "    return eval(text)\n",
    ))
    return root, baseline


def test_baseline_snapshot_is_deterministic(project: tuple[Path, Path]) -> None:
    _root, baseline = project
    data = json.loads(baseline.read_text())
    assert sorted(data) == ["config_hash", "findings", "metrics", "qualitytool", "tools", "version"]
    assert data["metrics"]["pylint_score"] == 7.45
    assert data["metrics"]["bandit_high"] == 2
    assert data["tools"]["bandit"]["status"] == "ok"
    assert data["findings"] == sorted(data["findings"], key=lambda f: (f["fingerprint"], f["line"]))
    assert "generated" not in baseline.read_text()


def test_deltas_and_new_fixed_unchanged(project: tuple[Path, Path]) -> None:
    root, baseline = project
    report = _report(root, "--baseline", str(baseline))
    compared = report["baseline"]
    deltas = {d["key"]: (d["before"], d["after"], d["change"], d["trend"])
              for d in compared["metrics"]}
    assert deltas["bandit_high"] == (2, 1, "-1", "better")
    assert deltas["bandit_medium"] == (1, 2, "+1", "worse")
    assert deltas["worst_complexity_rank"] == ("C", "C", "", "same")
    new_bandit = [(f["path"], f["line"], f["rule_id"]) for f in compared["new"]
                  if f["tool"] == "bandit"]
    fixed_bandit = [(f["path"], f["line"], f["rule_id"]) for f in compared["fixed"]
                    if f["tool"] == "bandit"]
    # The fix without a shell is still a subprocess call with a partial path: bandit says so.
    assert new_bandit == [("shop/catalog.py", 8, "B307"), ("shop/payments.py", 21, "B603"),
                          ("shop/payments.py", 21, "B607")]
    assert fixed_bandit == [("shop/payments.py", 21, "B602")]
    # The pickle findings moved 5 lines down and are still the same findings.
    assert not any(f["path"] == "shop/catalog.py" and f["rule_id"] in ("B301", "B403")
                   for f in compared["new"])
    assert compared["unchanged"] > 10
    assert compared["tool_changes"] == []


def test_markdown_shows_before_and_after(project: tuple[Path, Path], tmp_path: Path) -> None:
    root, baseline = project
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(root), "--baseline", str(baseline),
                                       "--out", str(out)])
    assert result.exit_code == 0
    text = (out / "CODE_QUALITY_REPORT.md").read_text()
    assert "| bandit high-severity findings | <= 0 | 1 | **FAIL** (1 over) | 2 -> 1 |" in text
    assert "| bandit high | 2 | 1 | -1 (better) |" in text
    assert "| `shop/catalog.py:8` | bandit | B307 |" in text
    assert "| `shop/payments.py:21` | bandit | B602 |" in text
    chart = text[text.index("xychart-beta"):text.index("| tool | baseline | now |")]
    assert '    x-axis ["bandit", "check-exceptions", "pylint", "radon"]\n' in chart
    assert "    bar [5, 2, 13, 1]\n    bar [7, 2, 14, 1]\n" in chart
    assert "| bandit | 5 | 7 |" in text


def test_tool_version_change_is_not_a_regression(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    root, baseline = project
    data = json.loads(baseline.read_text())
    data["tools"]["bandit"]["version"] = "0.9.0"
    older = tmp_path / "older.json"
    older.write_text(json.dumps(data))
    compared = _report(root, "--baseline", str(older))["baseline"]
    assert compared["tool_changes"] == [{"tool": "bandit", "before": "0.9.0",
                                         "after": data_version(root)}]
    assert [f["rule_id"] for f in compared["new_from_upgrade"]] == ["B307", "B603", "B607"]
    assert [f["rule_id"] for f in compared["gone_from_upgrade"]] == ["B602"]
    assert not any(f["tool"] == "bandit" for f in compared["new"])
    assert not any(f["tool"] == "bandit" for f in compared["fixed"])


def data_version(root: Path) -> str:
    from importlib.metadata import version

    return version("bandit")


def test_unreadable_baseline_is_a_usage_error(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 7}')
    result = CliRunner().invoke(main, ["report", str(root), "--baseline", str(bad)])
    assert result.exit_code == 2
    assert "not a qualitytool baseline" in result.output
