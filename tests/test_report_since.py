"""`--since REF`: gates on the lines changed since a git ref, in a real temporary repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from qualitytool.cli import main
from qualitytool.report.since import changed_lines
from tests.fixtures.report_support import copy_project


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _repository(tmp_path: Path) -> Path:
    root = copy_project(tmp_path)
    (root / ".gitignore").write_text(".qualitytool/\n__pycache__/\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "legacy")
    catalog = root / "shop" / "catalog.py"
    catalog.write_text(catalog.read_text() + (
        "\n\ndef checksum(data: bytes) -> str:\n"
        '    """A checksum."""\n'
        "    import hashlib\n\n"
        "    return hashlib.md5(data).hexdigest()\n"
    ))
    (root / "shop" / "fresh.py").write_text(
        '"""New module."""\n\n\ndef double(x):\n    return 2 * x\n')
    return root


def test_changed_lines(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    assert changed_lines(root, "HEAD") == {
        "shop/catalog.py": frozenset(range(21, 28)),
        "shop/fresh.py": frozenset(range(1, 6)),
    }


def test_gates_apply_to_changed_lines_only(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["report", str(root), "--since", "HEAD", "--check",
                                  "--format", "json", "--no-cache"])
    report = json.loads(result.stdout)["report"]
    values = report["gate_metrics"]
    # The two legacy high-severity findings and the legacy critical handler are not counted.
    assert values["bandit_high"] == 1
    assert values["critical_broad_handlers"] == 0
    assert values["worst_complexity_rank"] == "B"
    # checksum is fully annotated (2/2), double is not (0/2).
    assert values["annotation_coverage"] == 50.0
    # Whole-project metrics are still reported beside them.
    assert report["metrics"]["bandit_high"] == 3
    assert result.exit_code == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("gate failed")]
    assert "gate failed: bandit high-severity findings: 1, required <= 0 (1 over)" in failed
    assert not any("critical paths" in line for line in failed)


def test_github_annotations_only_for_changed_lines(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    result = CliRunner().invoke(main, ["report", str(root), "--since", "HEAD", "--format",
                                       "github", "--no-cache"])
    lines = result.stdout.splitlines()
    assert lines[0].startswith("::error title=quality gate bandit-high-max::")
    annotated = {line.split("file=")[1].split(",")[0] for line in lines if "file=" in line}
    # fresh.py only has notes (a missing docstring), which are not annotated.
    assert annotated == {"shop/catalog.py"}
    assert any("line=27," in line and "title=B324" in line for line in lines)


def test_unknown_ref_is_a_usage_error(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    result = CliRunner().invoke(main, ["report", str(root), "--since", "no-such-ref"])
    assert result.exit_code == 2
    assert "unknown git ref 'no-such-ref'" in result.output
