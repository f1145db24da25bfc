"""Every rule's VALID cases give no finding and INVALID cases exactly one, at the handler."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualitytool.checks import all_rules
from qualitytool.config import Config
from qualitytool.exceptions.checking.check import check_file

RULES = all_rules()
CASES = [
    pytest.param(code, source, expected, id=f"{code}-{kind}-{i}")
    for code, rule in RULES.items()
    for kind, sources, expected in (("valid", rule.valid, 0), ("invalid", rule.invalid, 1))
    for i, source in enumerate(sources)
]


@pytest.mark.parametrize(("code", "source", "expected"), CASES)
def test_rule_cases(tmp_path: Path, code: str, source: str, expected: int) -> None:
    path = tmp_path / "case.py"
    path.write_text(source)
    result = check_file(path, Config(root=tmp_path))
    assert result.error is None
    found = [f for f in result.findings if f.rule_id == code]
    assert len(found) == expected, [f.message for f in result.findings]
    if expected:
        lines = source.splitlines()
        assert lines[found[0].line - 1].lstrip().startswith("except")


def test_rules_are_documented() -> None:
    for rule in RULES.values():
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert section in rule.docs, (rule.code, section)
