"""A few hundred fuzzed programs through fix-exceptions and todos --link, each checked for the
properties of ``benchmarks/fuzz.py`` (the long run, 10,000 programs, is
``python benchmarks/fuzz.py``)."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from fuzz import PRELUDE, fix_outcome, link_outcome, programs
from hypothesis import HealthCheck, given, settings

EXAMPLES = settings(max_examples=250, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))
BROAD = PRELUDE + ("def load(text):\n"
                   "    # TODO: narrow this\n"
                   "    try:\n"
                   "        return json.loads(text)\n"
                   "    except Exception:\n"
                   "        return None\n")


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # generated code like `1()`
def test_fix_exceptions_holds_its_properties_on_generated_programs() -> None:
    seen: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="qualitytool-fuzz-") as scratch:

        @EXAMPLES
        @given(programs())
        def holds(text: str) -> None:
            seen["programs"] += 1
            outcome = fix_outcome(text, Path(scratch))
            if outcome.refused is not None:  # LibCST refuses what CPython accepts: reported
                assert "LibCST" in outcome.refused or "nested" in outcome.refused
                seen["refused"] += 1
                return
            assert outcome.parses, "the result does not parse"
            assert outcome.same_code, "code changed outside the handlers' types and imports"
            assert outcome.imports_kept, "an import was lost"
            assert outcome.lost == [], "lines other than except clauses were lost"
            assert outcome.idempotent, "fixing the result again changed it"
            assert outcome.piecewise_same, "the piecewise rewrite differs"
            seen["rewritten"] += outcome.rewritten

        holds()
    assert seen["programs"] >= 200
    # The programs really exercise the rewrites, not only the parser.
    assert seen["rewritten"] >= seen["programs"] / 4
    assert seen["refused"] <= seen["programs"] / 10


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
def test_todos_link_holds_its_properties_on_generated_programs() -> None:
    seen: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="qualitytool-fuzz-") as scratch:

        @EXAMPLES
        @given(programs())
        def holds(text: str) -> None:
            seen["programs"] += 1
            outcome = link_outcome(text, Path(scratch))
            if outcome.errors:
                assert all("cannot parse" in e for e in outcome.errors), outcome.errors
                assert outcome.left_alone, "a file that cannot be parsed was changed"
                return
            assert outcome.changed == [], "lines other than comments changed"
            assert outcome.same_code, "linking changed the code"
            assert outcome.all_linked, "a comment was left unlinked"
            assert not outcome.relink_changes, "linking again changed the file"
            seen["linked"] += outcome.linked

        holds()
    assert seen["programs"] >= 200
    assert seen["linked"] >= seen["programs"] / 4


def test_the_fix_properties_catch_a_wrong_rewrite(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each property can fail: a rewrite that breaks it is caught."""
    from qualitytool.exceptions.fixing import fix

    real = fix.fix_source
    right = fix_outcome(BROAD, tmp_path)
    assert right.rewritten and right.parses and right.same_code and right.idempotent
    assert right.imports_kept and right.lost == [] and right.piecewise_same

    def wrong(change):  # type: ignore[no-untyped-def]
        def fix_source(text, tree, path, options):  # type: ignore[no-untyped-def]
            plans, fixed = real(text, tree, path, options)
            return plans, change(fixed)
        return fix_source

    monkeypatch.setattr(fix, "fix_source", wrong(lambda t: t + "def broken(:\n"))
    assert not fix_outcome(BROAD, tmp_path).parses
    monkeypatch.setattr(fix, "fix_source", wrong(lambda t: t.replace("return None", "pass")))
    outcome = fix_outcome(BROAD, tmp_path)
    assert not outcome.same_code and outcome.lost == ["        return None\n"]
    monkeypatch.setattr(fix, "fix_source", wrong(lambda t: t.replace("import os\n", "")))
    assert not fix_outcome(BROAD, tmp_path).imports_kept
    monkeypatch.setattr(fix, "fix_source", wrong(lambda t: t + "\n"))
    assert not fix_outcome(BROAD, tmp_path).idempotent
