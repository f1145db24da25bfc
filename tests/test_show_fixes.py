"""check-exceptions --show-fixes: each finding says what fix-exceptions would do with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.api import check_exceptions, fix_exceptions
from qualitytool.cli import main
from qualitytool.config import Config, ExceptionsConfig
from qualitytool.exceptions.fixing.fix import FixFileResult
from qualitytool.findings import FixSafety

from .conftest import SARIF_SCHEMA

APP = '''\
import json


def load(raw):
    try:
        return json.loads(raw)
    except Exception:
        return {}


def port(value):
    try:
        return int(value)
    except:
        return 8000


def run(plugin):
    try:
        plugin.run()
    except Exception:
        pass


def name(obj):
    try:
        return obj.name
    except Exception as exc:
        raise RuntimeError("x") from exc
'''


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def _check(*args: str) -> str:
    result = CliRunner().invoke(main, ["check-exceptions", "--no-cache", *args, "app.py"])
    assert result.exit_code == 1, result.output
    return result.output


def test_text_marks_safe_fixes_and_says_what_each_writes(app: Path) -> None:
    assert _check("--show-fixes") == (
        "app.py:7:12: QT001 [*] Do not catch blind exception: `Exception`\n"
        "  fix: except (RecursionError, TypeError, ValueError):\n"
        "app.py:14:5: QT002 Do not use bare `except:`\n"
        "  unsafe fix: except (OverflowError, TypeError, ValueError): (unsafe: `int` runs "
        "special methods of `value`, whose type is unknown)\n"
        "app.py:21:12: QT001 Do not catch blind exception: `Exception`\n"
        "  no fix: unknown call `plugin.run`\n"
        "Found 3 broad exception handlers in 1 of 1 files.\n"
        "[*] 1 fixable with `qualitytool fix-exceptions --fix` (1 more with "
        "`--unsafe-fixes`).\n"
    )


def test_without_the_flag_nothing_changes(app: Path) -> None:
    assert _check() == (
        "app.py:7:12: QT001 Do not catch blind exception: `Exception`\n"
        "app.py:14:5: QT002 Do not use bare `except:`\n"
        "app.py:21:12: QT001 Do not catch blind exception: `Exception`\n"
        "Found 3 broad exception handlers in 1 of 1 files.\n"
    )


def test_strict_findings_that_are_exempt_have_no_fix(app: Path) -> None:
    lines = _check("--show-fixes", "--strict").splitlines()
    assert lines[6:8] == [
        ("app.py:28:12: QT001 Do not catch blind exception: `Exception` (it re-raises; "
        "reported by --strict)"),
        "  no fix: exempt: it re-raises, so fix-exceptions leaves it (only --strict reports it)",
    ]


def test_json_carries_each_fix_and_the_counts(app: Path) -> None:
    data = json.loads(_check("--show-fixes", "--format", "json"))
    assert [(f["line"], f["fix"]["safety"]) for f in data["findings"]] == [
        (7, "safe"), (14, "unsafe"), (21, "none"),
    ]
    assert data["findings"][0]["fix"] == {
        "safety": "safe", "description": "except (RecursionError, TypeError, ValueError):",
        "replacement": None,
    }
    assert data["fixes"] == {"safe": 1, "unsafe": 1, "none": 1}
    assert "fixes" not in json.loads(_check("--format", "json"))


def test_sarif_carries_the_fix_in_the_property_bag_and_validates(app: Path) -> None:
    import jsonschema

    document = json.loads(_check("--show-fixes", "--format", "sarif"))
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    fixes = [r["properties"]["fix"] for r in document["runs"][0]["results"]]
    assert [f["safety"] for f in fixes] == ["safe", "unsafe", "none"]
    assert fixes[2]["description"] == "unknown call `plugin.run`"


def test_github_annotations_carry_the_fix(app: Path) -> None:
    first = _check("--show-fixes", "--format", "github").splitlines()[0]
    assert first.endswith("::Do not catch blind exception: `Exception`%0Asafe fix: "
                          "except (RecursionError, TypeError, ValueError):")


def test_every_safety_is_the_outcome_fix_exceptions_plans(tmp_path: Path) -> None:
    """The fixes are fix-exceptions' own plans: the same outcome for every handler of the
    example snippets, over several files."""
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "more.py").write_text(
        "import os\n\ndef size(path):\n    try:\n        return os.path.getsize(path)\n"
        "    except Exception:\n        return 0\n\ndef first(items):\n    try:\n"
        "        return items[0]\n    except BaseException:\n        return None\n"
    )
    config = Config(root=tmp_path, exceptions=ExceptionsConfig(derive_contracts=False))
    checked = check_exceptions([tmp_path], config, jobs=1, use_cache=False, show_fixes=True)
    fixed = fix_exceptions([tmp_path], config, jobs=1, record_run=False)
    outcomes = {(Path(h.path).name, h.line): h.outcome.value
                for r in fixed.files if isinstance(r, FixFileResult) for h in r.handlers}
    safeties = {(Path(f.path).name, f.line): f.fix.safety.value
                for f in checked.findings if f.fix is not None}
    assert len(safeties) == len(checked.findings) == 5
    expected = {place: outcome if outcome in ("safe", "unsafe") else "none"
                for place, outcome in outcomes.items()}
    assert safeties == expected
    assert safeties == {("app.py", 7): "safe", ("app.py", 14): "unsafe", ("app.py", 21): "none",
                        ("more.py", 6): "safe", ("more.py", 12): "none"}


def test_a_cached_check_still_gets_fixes_planned_anew(tmp_path: Path) -> None:
    """The check cache keeps the findings of an unchanged file; what its fix is depends on
    other files (here: what ``b.parse`` raises), so it is planned on every run."""
    (tmp_path / "a.py").write_text(
        "from b import parse\n\n\ndef go(x):\n    try:\n        return parse(x)\n"
        "    except Exception:\n        return None\n"
    )
    (tmp_path / "b.py").write_text("def parse(x):\n    raise ValueError(x)\n")

    def check(*flags: str) -> list[str]:
        run = subprocess.run(
            [sys.executable, "-m", "qualitytool", "check-exceptions", *flags, "."],
            cwd=tmp_path, capture_output=True, text=True, check=False,
        )
        assert run.returncode == 1, run.stderr
        return run.stdout.splitlines()[:2]

    assert check() == ["a.py:7:12: QT001 Do not catch blind exception: `Exception`",
                       ("Found 1 broad exception handler in 1 of 2 files; 1 of the 2 cannot "
                       "hold one and was not parsed (--check-syntax reports their syntax "
                       "errors).")]
    assert list((tmp_path / ".qualitytool" / "cache").glob("check-exceptions-*.json"))
    assert check("--show-fixes") == [
        "a.py:7:12: QT001 [*] Do not catch blind exception: `Exception`",
        "  fix: except ValueError:",
    ]
    (tmp_path / "b.py").write_text("def parse(x):\n    return x.load()\n")
    assert check("--show-fixes") == [
        "a.py:7:12: QT001 Do not catch blind exception: `Exception`",
        "  no fix: unknown call `x.load` (via `parse`)",
    ]
    assert check()[0] == "a.py:7:12: QT001 Do not catch blind exception: `Exception`"


def test_a_file_that_cannot_be_planned_keeps_its_findings(tmp_path: Path) -> None:
    """A finding never disappears because planning failed: it gets a fix of safety none."""
    from qualitytool.exceptions.fixing.fixable import attach_fixes
    from qualitytool.findings import FileResult, Finding

    gone = Finding(rule_id="QT001", tool="qualitytool", path=str(tmp_path / "gone.py"),
                   line=3, col=8, message="Do not catch blind exception: `Exception`")
    [result] = attach_fixes([FileResult(path=gone.path, findings=(gone,))],
                            Config(root=tmp_path), jobs=1)
    [finding] = result.findings
    assert finding.fix is not None and finding.fix.safety is FixSafety.NONE
    assert finding.fix.description.startswith("fix-exceptions cannot read it: ")
