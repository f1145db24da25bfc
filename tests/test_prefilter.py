"""The byte-level test of whether a file can hold a broad handler: sound (a file it passes
over has none, on generated programs and on all of Django), and what a run says about the
files it therefore does not parse."""

from __future__ import annotations

import ast
import json
import warnings
from pathlib import Path

import hypothesmith
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualitytool.cli import main
from qualitytool.exceptions.checking.handlers import find_broad_handlers
from qualitytool.exceptions.checking.prefilter import might_have_broad_handler

HANDLER = "try:\n    f()\nexcept Exception:\n    pass\n"


def handlers_in(text: str) -> list[tuple[int, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text)
    return [(h.line, h.col) for h in find_broad_handlers(tree, text, ())]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(HANDLER, id="except Exception"),
        pytest.param("try:\n    f()\nexcept:\n    pass\n", id="bare"),
        pytest.param("try:\n    f()\nexcept  :\n    pass\n", id="bare with spaces"),
        pytest.param("try:\n    f()\nexcept (ValueError,\n        Exception):\n    pass\n",
                     id="tuple continued on the next line"),
        pytest.param("try:\n    f()\nexcept \\\n        Exception:\n    pass\n",
                     id="backslash continuation"),
        pytest.param("from builtins import Exception as E\ntry:\n    f()\nexcept E:\n    pass\n",
                     id="alias from builtins"),
        pytest.param("import builtins\ntry:\n    f()\nexcept builtins.BaseException:\n"
                     "    pass\n", id="builtins.BaseException"),
        pytest.param("try:\n    f()\nexcept(Exception):\n    pass\n", id="no space"),
        pytest.param("try:\n    f()\nexcept* Exception:\n    pass\n", id="except star"),
    ],
)
def test_every_shape_of_broad_handler_is_a_candidate(text: str) -> None:
    assert handlers_in(text) or "except*" in text
    assert might_have_broad_handler(text.encode())


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x = 1\n", id="no except"),
        pytest.param("try:\n    f()\nexcept ValueError:\n    pass\n", id="narrow handler"),
        pytest.param("try:\n    f()\nexcept (KeyError, OSError):\n    pass\n", id="narrow tuple"),
        pytest.param("class MyException(Exception):\n    pass\n", id="a class, no except"),
    ],
)
def test_files_that_cannot_hold_one_are_not_candidates(text: str) -> None:
    assert handlers_in(text) == []
    assert not might_have_broad_handler(text.encode())


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node()))
def test_a_program_it_passes_over_holds_no_broad_handler(source: str) -> None:
    try:
        found = handlers_in(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    if found:
        assert might_have_broad_handler(source.encode("utf-8", "surrogatepass"))


@pytest.mark.corpus
def test_no_file_of_django_it_passes_over_holds_a_broad_handler(django_source: Path) -> None:
    passed_over = 0
    for path in sorted((django_source / "django").rglob("*.py")):
        raw = path.read_bytes()
        if not might_have_broad_handler(raw):
            passed_over += 1
            assert handlers_in(raw.decode("utf-8")) == [], path
    assert passed_over > 700  # most of Django cannot hold one: the test looks at something


def test_a_syntax_error_where_no_handler_can_be_is_reported_only_when_asked(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.qualitytool]\n")
    (tmp_path / "handler.py").write_text(HANDLER)
    (tmp_path / "broken.py").write_text("def broken(:\n    pass\n")
    (tmp_path / "clean.py").write_text("x = 1\n")
    runner = CliRunner()
    for _ in range(2):  # cold, then warm from the cache
        default = runner.invoke(main, ["check-exceptions", str(tmp_path)])
        assert (default.exit_code, default.output.splitlines()[-1]) == (1, (
            "Found 1 broad exception handler in 1 of 3 files; 2 of the 3 cannot hold one "
            "and were not parsed (--check-syntax reports their syntax errors)."
        ))
    data = json.loads(runner.invoke(main, ["check-exceptions", "--format", "json",
                                           str(tmp_path)]).output)
    assert (data["files_checked"], data["files_not_parsed"], data["errors"]) == (3, 2, [])
    for _ in range(2):
        asked = runner.invoke(main, ["check-exceptions", "--check-syntax", str(tmp_path)])
        assert asked.exit_code == 2
        assert asked.output.splitlines()[-2:] == [
            f"error: {tmp_path / 'broken.py'}:1:12: cannot parse: invalid syntax",
            "Found 1 broad exception handler in 1 of 3 files; 1 file could not be analysed.",
        ]
