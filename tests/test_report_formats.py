"""CI outputs of `qualitytool report`: SARIF (schema-validated), JSON, GitHub, job summary,
the `init --ci` workflow, and the per-file cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.api import build_report
from qualitytool.cli import main
from tests.conftest import SARIF_SCHEMA
from tests.fixtures.report_support import copy_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("formats"))


def test_sarif_validates_against_schema(project: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(project), "--format", "sarif"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    import jsonschema

    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def test_sarif_has_what_code_scanning_needs(project: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(project), "--format", "sarif"])
    document = json.loads(result.stdout)
    assert document["$schema"] and document["version"] == "2.1.0"
    run = document["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["B602"]["name"] == "bandit/B602"
    assert rules["C0116"]["shortDescription"]["text"] == "missing-function-docstring"
    assert rules["CC-C"]["shortDescription"]["text"] == "cyclomatic complexity rank C"
    by_rule = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"], r["level"])
               for r in run["results"]}
    assert ("B602", "shop/payments.py", 21, "error") in by_rule
    assert ("QT001", "shop/payments.py", 11, "error") in by_rule
    assert ("CC-C", "shop/payments.py", 24, "warning") in by_rule
    assert all(r["partialFingerprints"]["qualitytool/v1"] for r in run["results"])
    assert all(r["message"]["text"] for r in run["results"])


def test_json_has_everything(project: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(project), "--format", "json"])
    document = json.loads(result.stdout)
    # 13 pylint, 5 bandit (B101 skipped in tests/), 2 exceptions, 1 radon
    assert len(document["findings"]) == 21
    tools = {t["tool"]: t for t in document["report"]["tools"]}
    assert tools["pylint"]["metrics"]["score"] == 7.45
    assert tools["todos"]["status"] == "ok"
    assert tools["todos"]["metrics"]["unlinked"] == 0


def test_github_format_and_step_summary(project: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = CliRunner(env={"GITHUB_STEP_SUMMARY": str(summary)}).invoke(
        main, ["report", str(project), "--format", "github"]
    )
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error title=quality gate pylint-score-min::pylint score: 7.45 (required >= 8.5; "
        "1.05 below)"
    )
    assert "::error file=shop/payments.py,line=21,col=5,title=B602::subprocess call with "\
        "shell=True identified, security issue. (subprocess_popen_with_shell_equals_true, "\
        "CWE-78)" in lines
    assert not any("title=C0116" in line for line in lines)  # notes are not annotated
    text = summary.read_text()
    assert text.startswith("earlier step\n# Code quality report: report_small\n")


def test_init_ci_writes_the_report_workflow(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--ci"])
    assert result.exit_code == 0
    workflow = (tmp_path / ".github" / "workflows" / "qualitytool-report.yml").read_text()
    assert "  pull_request:\n" in workflow
    # The base branch reaches the shell through env:, never as ${{ }} inside run:.
    assert ('qualitytool report . --untrusted --trusted-ref "origin/${BASE_REF}" '
            '--check --since "origin/${BASE_REF}"' in workflow)
    assert "--format sarif --output qualitytool-report.sarif" in workflow
    assert "sarif_file: qualitytool-report.sarif" in workflow
    import yaml

    jobs = yaml.safe_load(workflow)["jobs"]
    # The pull request's code runs only in the job without write permissions.
    report_runs = [step.get("run", "") for step in jobs["report"]["steps"]]
    assert [r.split()[:2] for r in report_runs if r] == [
        ["pip", "install"], ["qualitytool", "report"], ["qualitytool", "report"]]
    assert all("--untrusted" in r for r in report_runs if r.startswith("qualitytool"))
    assert jobs["report"]["needs"] == "tests"
    assert all(step.get("env", {}).get("BASE_REF") == "${{ github.base_ref }}"
               for step in jobs["report"]["steps"] if "--trusted-ref" in step.get("run", ""))
    assert "pytest" in jobs["tests"]["steps"][2]["run"]
    assert yaml.safe_load(workflow)["permissions"] == {}
    assert jobs["tests"]["permissions"] == {"contents": "read"}
    assert jobs["report"]["permissions"] == {"contents": "read", "security-events": "write"}


def test_cache_reuses_unchanged_files(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    cold = build_report(root)
    assert (root / ".qualitytool" / "cache").is_dir()
    warm = build_report(root)
    for name in ("pylint", "bandit", "radon", "annotations"):
        tool = warm.tool(name)
        assert tool is not None and tool.cached_files == tool.files == 5, name
    assert warm.findings == cold.findings
    assert warm.metrics == cold.metrics
    catalog = root / "shop" / "catalog.py"
    catalog.write_text(catalog.read_text().replace("def unused_helper(x, y):",
                                                   "def unused_helper(x: int, y: int) -> int:"))
    changed = build_report(root)
    pylint = changed.tool("pylint")
    # catalog.py and tests/check_shop.py, which imports shop.catalog, are linted again.
    assert pylint is not None and pylint.cached_files == 3
    bandit = changed.tool("bandit")
    assert bandit is not None and bandit.cached_files == 4
    assert changed.metrics["annotation_coverage"] == 44.0
    assert changed.findings == build_report(root, use_cache=False).findings


def _cached_keys(root: Path) -> dict[str, set[str]]:
    """The keys of each report cache file (tool name up to its last '-'), from the JSON
    after the signature line."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / ".qualitytool" / "cache").glob("*.json")):
        body = path.read_bytes().partition(b"\n")[2]
        found.setdefault(path.name.rsplit("-", 1)[0], set()).update(json.loads(body))
    return found


def test_a_report_on_a_folder_keeps_the_cache_of_the_rest_of_the_project(
    tmp_path: Path,
) -> None:
    root = copy_project(tmp_path)
    tools = ["pylint", "bandit", "radon", "annotations"]
    build_report(root, tools=tools)
    every = {"shop/__init__.py", "shop/catalog.py", "shop/payments.py", "tests/__init__.py",
             "tests/check_shop.py"}
    assert _cached_keys(root) == {"annotations": every, "bandit": every, "imports": every,
                                  "pylint": every, "pylint-cross-file": {"*project*"},
                                  "radon": every}
    shop = build_report(root / "shop", tools=tools)
    assert all(t.files == 3 for t in shop.tools)
    assert _cached_keys(root)["pylint-cross-file"] == {"*project*", "*project*:shop"}
    warm = build_report(root, tools=tools)
    assert [(t.tool, t.cached_files, t.files) for t in warm.tools] == [
        (name, 5, 5) for name in sorted(tools)]
    # A file deleted inside the folder reported on loses its entries; the others stay.
    (root / "shop" / "catalog.py").unlink()
    build_report(root / "shop", tools=tools)
    left = every - {"shop/catalog.py"}
    assert {name: keys for name, keys in _cached_keys(root).items()
            if name != "pylint-cross-file"} == dict.fromkeys(
        ["annotations", "bandit", "imports", "pylint", "radon"], left)
