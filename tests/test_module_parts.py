"""A large module is parsed one part at a time (``qualitytool.module_parts``): the same
handlers as a whole-module parse, the same syntax errors, a fraction of the memory.

The thresholds are lowered so that small modules are cut into many parts; the oracle is the
whole-module parse of the same text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from qualitytool import module_parts as parts
from qualitytool.config import Config
from qualitytool.exceptions.checking.check import broad_handlers, check_file, parse_text
from qualitytool.exceptions.checking.handlers import find_broad_handlers
from qualitytool.sources import SourceError

from .conftest import REPO_ROOT


@pytest.fixture(autouse=True)
def tiny_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "PARTS_THRESHOLD", 40)
    monkeypatch.setattr(parts, "PART_SIZE", 1)


def whole(text: str) -> list[object]:
    return [vars(h) for h in find_broad_handlers(ast.parse(text), text)]


def by_parts(text: str) -> list[object]:
    return [vars(h) for h in broad_handlers(text.encode(), Path("m.py"), ())]


HANDLER = "def f{n}():\n    try:\n        g()\n    except {kind}:\n        pass\n"


def handlers(*kinds: str) -> str:
    return "".join(HANDLER.format(n=n, kind=kind) for n, kind in enumerate(kinds))


# Each text is cut at every line starting with def/class/async/@; some cuts are wrong (inside
# a string, brackets, a continuation, between a decorator and its function), so a part does not
# parse and the whole module is parsed instead; the handlers must be the same either way.
MODULES = {
    "plain": handlers("Exception", "BaseException", "ValueError", "Exception"),
    "a definition line inside a string": (
        'DOC = """\ndef inside():\n    try:\n        pass\n'
        '    except Exception:\n        pass\n"""\n'
        + handlers("Exception", "Exception")
    ),
    "inside brackets": "A = B = 1\nX = (A\n@ B)\n" + handlers("Exception") + "Y = (A\n@ B)\n",
    "after a backslash": "A = B = 1\nx = A \\\n@ B\n" + handlers("Exception", "Exception"),
    "decorated definitions": (
        "import functools\n@functools.cache\n" + handlers("Exception", "Exception")
        + "@property\n@functools.cache\nclass C:\n    pass\n"
    ),
    "a comment between a decorator and its function": (
        handlers("Exception") + "@functools.cache\n# cached\n" + handlers("Exception")
    ),
    "Exception rebound in a later part": (
        handlers("Exception", "E") + "E = Exception\n" + handlers("E") + "Exception = ValueError\n"
    ),
    "an alias imported in a later part": (
        handlers("Base") + "from builtins import BaseException as Base\n" + handlers("Base")
    ),
    "a name bound twice, in two parts": (
        "from builtins import Exception as E\n" + handlers("E") + "import os as E\n"
        + handlers("E")
    ),
    "async and class definitions": (
        "async def a():\n    try:\n        await b()\n    except:\n        pass\n"
        "class K:\n    def m(self):\n        try:\n            pass\n        except Exception:\n"
        "            raise\n" + handlers("Exception")
    ),
    "module-level handlers between definitions": (
        handlers("Exception") + "try:\n    import x\nexcept Exception:\n    x = None\n"
        + handlers("Exception")
    ),
    "a walrus": "if (n := 3):\n    pass\n" + handlers("Exception", "Exception"),
    "identifiers starting like keywords": (
        "default = 1\nclasses = []\nasync_mode = 2\n" + handlers("Exception", "Exception")
    ),
}


# The modules where a cut falls where no statement starts: parsed whole.
WRONG_CUTS = {"a definition line inside a string", "inside brackets", "after a backslash",
              "a comment between a decorator and its function"}


@pytest.mark.parametrize("name", list(MODULES), ids=list(MODULES))
def test_the_handlers_found_by_parts_are_those_of_the_whole_module(name: str) -> None:
    text = MODULES[name]
    assert parts.cut_points(text) is not None
    assert parts.parses_in_parts(text) is (name not in WRONG_CUTS)
    assert by_parts(text) == whole(text)


def test_the_handlers_of_this_repository_s_modules_joined(tmp_path: Path) -> None:
    """Every module of the package, one after the other in one text: hundreds of parts."""
    text = "".join(
        path.read_text(encoding="utf-8") + "\n"
        for path in sorted((REPO_ROOT / "qualitytool").rglob("*.py"))
    ).replace("from __future__ import annotations\n", "")
    ast.parse(text)
    points = parts.cut_points(text)
    assert points is not None and len(points) > 300
    assert by_parts(text) == whole(text)


@pytest.mark.parametrize(
    "text",
    [
        handlers("Exception") + "def broken(:\n    pass\n" + handlers("Exception"),
        handlers("Exception") + 'S = """never closed\n' + handlers("Exception"),
        handlers("Exception") + "x = (\n" + handlers("Exception"),
        handlers("Exception") + "@decorator\n",
        handlers("Exception") + "x = 1\0\n" + handlers("Exception"),
    ],
    ids=["syntax error", "unclosed string", "unclosed bracket", "dangling decorator", "NUL"],
)
def test_a_module_that_does_not_parse_gives_the_whole_module_s_error(text: str) -> None:
    with pytest.raises(SourceError) as by_parts_error:
        broad_handlers(text.encode(), Path("m.py"), ())
    with pytest.raises(SourceError) as whole_error:
        parse_text(text, Path("m.py"))
    assert str(by_parts_error.value) == str(whole_error.value)
    assert not parts.parses_in_parts(text)


def test_a_file_without_handlers_is_still_checked_to_parse(tmp_path: Path) -> None:
    """The parse that only looks for syntax errors goes by parts too."""
    good = tmp_path / "good.py"
    good.write_text("".join(f"def f{n}():\n    return {n}\n" for n in range(50)))
    bad = tmp_path / "bad.py"
    bad.write_text("".join(f"def f{n}():\n    return {n}\n" for n in range(50)) + "def (:\n")
    config = Config(root=tmp_path)
    assert check_file(good, config, check_syntax=True).error is None
    assert parts.parses_in_parts(good.read_text())
    error = check_file(bad, config, check_syntax=True).error
    assert error is not None and "bad.py:101:5: cannot parse" in error


def test_line_endings_other_than_newline_are_parsed_whole() -> None:
    text = handlers("Exception", "Exception").replace("\n", "\r\n")
    assert parts.cut_points(text) is None
    assert by_parts(text) == whole(text)


def test_a_small_module_is_parsed_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "PARTS_THRESHOLD", 10_000)
    assert parts.cut_points(handlers("Exception")) is None


def test_a_cut_never_falls_between_a_decorator_and_its_definition() -> None:
    text = "import functools\n" + "".join(
        f"@functools.cache\n@staticmethod\ndef f{n}():\n    return {n}\n" for n in range(20)
    )
    points = parts.cut_points(text)
    assert points is not None and len(points) > 10
    assert all(text.startswith("@functools.cache\n", point) for point in points[1:])
    assert parts.parses_in_parts(text)


@pytest.mark.parametrize("name", list(MODULES), ids=list(MODULES))
def test_the_report_s_statement_and_annotation_counts_by_parts_are_the_whole_s(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pylint's statement count and the annotation count, which the report computes beside
    the tools, go by parts too: the same figures as from the whole module's tree."""
    import importlib

    # (``from qualitytool.report.runners import annotations`` gives the __future__ feature.)
    annotations = importlib.import_module("qualitytool.report.runners.annotations")
    pylint = importlib.import_module("qualitytool.report.runners.pylint")
    text = (MODULES[name] + '"""not a docstring"""\n'
            'class K:\n    """doc"""\n    def m(self, x: int): ...\n')
    path = tmp_path / "m.py"
    path.write_text(text, encoding="utf-8")
    by_parts = (pylint.count_statements(path), annotations.analyse_file(path))
    monkeypatch.setattr(parts, "PARTS_THRESHOLD", 10**9)  # the whole module, as before
    assert by_parts == (pylint.count_statements(path), annotations.analyse_file(path))
    assert by_parts[0] > 0 and by_parts[1]["functions"]
