"""The piecewise rewrite of large modules gives, byte for byte, the whole-module rewrite."""

from __future__ import annotations

import ast
import shutil
import sys
import warnings
from pathlib import Path

import pytest

from qualitytool.api import fix_exceptions
from qualitytool.config import Config, load_config
from qualitytool.exceptions.fixing import piecewise
from qualitytool.exceptions.fixing.fix import FixOptions, fix_file, fix_source, plan_source
from qualitytool.exceptions.fixing.rewrite import InexactParse, apply_plans
from qualitytool.sources import SourceError

from .conftest import EXAMPLE, REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from generated import module_text

HANDLER = (
    "def load_{n}(path):\n    try:\n        return json.loads(path)\n"
    "    except Exception:\n        return None\n"
)
FROM_IMPORT = (
    "def parse_{n}(text):\n    from json import loads\n    try:\n        return loads(text)\n"
    "    except Exception:  # why\n        return None\n"
)


def _class(body: str) -> str:
    return "class Loader:\n" + "".join("    " + line if line.strip() else line
                                       for line in body.splitlines(keepends=True))


CASES = [
    pytest.param("import json\n\n" + HANDLER.format(n=1) + HANDLER.format(n=2), id="plain"),
    pytest.param(("import json\n\n" + HANDLER.format(n=1) + HANDLER.format(n=2))
                 .replace("\n", "\r\n"), id="crlf"),
    pytest.param("import json\r\n" + HANDLER.format(n=1) + "\n" + HANDLER.format(n=2),
                 id="crlf first, lf after"),
    pytest.param("import json\nif json:\n\tx = 1\n" + HANDLER.format(n=1), id="tab indent first"),
    pytest.param('"""Doc."""\nfrom __future__ import annotations\nimport json\n# c\n'
                 + HANDLER.format(n=1) + FROM_IMPORT.format(n=2), id="docstring and future"),
    pytest.param("# header\n\n" + FROM_IMPORT.format(n=1), id="comment then code"),
    pytest.param("#!/usr/bin/env python\n" + FROM_IMPORT.format(n=1), id="no import block"),
    pytest.param("import json; import sys\nx = 1; y = 2\n" + HANDLER.format(n=1)
                 + "a = 1; b = 2\n", id="semicolons"),
    pytest.param("import json\n\n@staticmethod\n# between\n@property\n" + HANDLER.format(n=1)
                 + "\n\n" + _class(HANDLER.format(n=3)), id="decorators and a class"),
    pytest.param("import json\n" + HANDLER.format(n=1).rstrip("\n"), id="no final newline"),
    pytest.param("import json\nx = 1\nimport sys\n" + HANDLER.format(n=1), id="code between"),
    pytest.param("import logging as log\nfrom json import dumps\n\n" + FROM_IMPORT.format(n=1),
                 id="aliased logging"),
    pytest.param("import json\n" + "x = [\n    1,\n]\n" * 3 + HANDLER.format(n=1) + "y = 2\n"
                 + HANDLER.format(n=2) + "# trailing comment\n", id="statements around"),
    pytest.param("import json\ntry:\n    import yaml\nexcept Exception:\n    yaml = None\n"
                 + HANDLER.format(n=1), id="top-level try"),
]


def _plans_and_tree(text: str, options: FixOptions):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text)
    return plan_source(text, tree, Path("generated.py"), options), tree


@pytest.mark.parametrize("keep_fallback", [False, True], ids=["narrow", "keep-fallback"])
@pytest.mark.parametrize("text", CASES)
def test_piecewise_equals_whole_module(text: str, keep_fallback: bool) -> None:
    options = FixOptions(config=Config(root=Path.cwd()), unsafe_fixes=True,
                         keep_fallback=keep_fallback)
    plans, tree = _plans_and_tree(text, options)
    whole, applied = apply_plans(text, plans, unsafe_fixes=True)
    assert applied > 0 and whole != text  # the case really rewrites something
    assert piecewise.apply_plans_piecewise(text, tree, plans, unsafe_fixes=True) == (whole, applied)


def _fix_copy(root: Path, threshold: int, monkeypatch: pytest.MonkeyPatch,
              **flags: bool) -> dict[str, bytes]:
    monkeypatch.setattr(piecewise, "PIECEWISE_THRESHOLD", threshold)
    fix_exceptions([root], load_config(root), write=True, jobs=1, record_run=False, **flags)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


@pytest.mark.parametrize("flags", [
    pytest.param({"unsafe_fixes": True}, id="unsafe"),
    pytest.param({"unsafe_fixes": True, "keep_fallback": True}, id="keep-fallback"),
    pytest.param({"boundaries": True}, id="boundaries"),
])
def test_example_project_both_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    flags: dict[str, bool]) -> None:
    ignore = shutil.ignore_patterns(".qualitytool", "__pycache__", ".pytest_cache")
    whole, pieces = tmp_path / "whole", tmp_path / "pieces"
    shutil.copytree(EXAMPLE, whole, ignore=ignore)
    shutil.copytree(EXAMPLE, pieces, ignore=ignore)
    original = {str(p.relative_to(whole)): p.read_bytes() for p in sorted(whole.rglob("*.py"))}
    by_whole = _fix_copy(whole, 10**9, monkeypatch, **flags)
    by_pieces = _fix_copy(pieces, 0, monkeypatch, **flags)
    assert by_whole != original
    assert by_pieces == by_whole


def test_large_module_is_rewritten_piecewise_and_exactly(tmp_path: Path) -> None:
    """Above the threshold the run takes the piecewise path: the file gets exactly the
    whole-module rewrite's bytes (latin-1 and CRLF kept), and a second run changes nothing."""
    text = ("# -*- coding: latin-1 -*-\n# caf\xe9\n"
            + module_text(piecewise.PIECEWISE_THRESHOLD + 50_000)).replace("\n", "\r\n")
    target = tmp_path / "big.py"
    target.write_bytes(text.encode("latin-1"))
    (tmp_path / "pyproject.toml").write_text("[tool.qualitytool]\n", encoding="utf-8")
    options = FixOptions(config=Config(root=tmp_path), unsafe_fixes=True, keep_fallback=True)
    plans, _ = _plans_and_tree(text, options)
    expected, applied = apply_plans(text, plans, unsafe_fixes=True)
    assert applied > 100
    report = fix_exceptions([target], load_config(tmp_path), write=True, jobs=1,
                            unsafe_fixes=True, keep_fallback=True, record_run=False)
    assert report.summary()["applied"] == applied
    assert target.read_bytes() == expected.encode("latin-1")
    again = fix_exceptions([target], load_config(tmp_path), write=True, jobs=1,
                           unsafe_fixes=True, keep_fallback=True, record_run=False)
    assert again.summary()["files_changed"] == 0
    assert target.read_bytes() == expected.encode("latin-1")


def test_libcst_refusal_names_the_files_line(tmp_path: Path) -> None:
    """Both paths refuse a statement LibCST cannot parse with the same file line; the
    piecewise one only refuses the statements it rewrites."""
    # CPython accepts 6,000 implicitly concatenated strings; LibCST's grammar does not.
    strings = "x = " + " ".join(['"a"'] * 6000) + "\n"
    refused = ("def f(s):\n    " + strings + "    try:\n        return json.loads(s)\n"
               "    except Exception:\n        return None\n")
    text = module_text(2_000) + refused
    options = FixOptions(config=Config(root=tmp_path), unsafe_fixes=True)
    plans, tree = _plans_and_tree(text, options)
    errors = []
    for rewrite in (lambda: apply_plans(text, plans, unsafe_fixes=True),
                    lambda: piecewise.apply_plans_piecewise(text, tree, plans, unsafe_fixes=True)):
        with pytest.raises(SourceError) as refusal:
            rewrite()
        errors.append(str(refusal.value))
    line = text.count("\n", 0, text.index("    x = ")) + 1
    assert errors[1] == errors[0]
    assert errors[0].startswith(f"{line + 1}:4: ")  # where LibCST gave up: the ``try``
    assert "LibCST cannot parse this file (parser error: expected one of STRING" in errors[0]
    fine = module_text(2_000) + strings
    plans, tree = _plans_and_tree(fine, options)
    with pytest.raises(SourceError):
        apply_plans(fine, plans, unsafe_fixes=True)
    pieces, applied = piecewise.apply_plans_piecewise(fine, tree, plans, unsafe_fixes=True)
    assert applied == len(plans) > 0 and pieces.endswith(strings)


@pytest.mark.parametrize("text", [
    pytest.param("import json\n" + HANDLER.format(n=1) + "\n \n", id="blank lines at the end"),
    pytest.param("\\\nimport json\n" + HANDLER.format(n=1), id="continued first line"),
])
def test_what_libcst_would_drop_is_kept(tmp_path: Path, text: str) -> None:
    """LibCST writes ``\\n\\n \\n`` back as ``\\n \\n`` and drops a leading ``\\``: the
    whole-module rewrite would change lines it never meant to touch, so such a file is
    rewritten piecewise (found by the fuzz)."""
    options = FixOptions(config=Config(root=tmp_path), unsafe_fixes=True)
    plans, tree = _plans_and_tree(text, options)
    with pytest.raises(InexactParse):
        apply_plans(text, plans, unsafe_fixes=True)
    _, fixed = fix_source(text, tree, Path("generated.py"), options)
    assert fixed == text.replace("except Exception:",
                                 "except (RecursionError, TypeError, ValueError):")


def test_a_piece_libcst_would_change_is_refused(tmp_path: Path) -> None:
    before = "\\\n" + FROM_IMPORT.format(n=1)
    target = tmp_path / "continued.py"
    target.write_text(before, encoding="utf-8")
    options = FixOptions(config=Config(root=tmp_path), unsafe_fixes=True, write=True)
    result = fix_file(target, options)
    # Behind the prelude LibCST cannot even parse the piece: refused either way.
    assert result.error == (f"{target}:3:9: LibCST cannot parse this file "
                            "(parser error: expected INDENT); left unchanged")
    assert target.read_text(encoding="utf-8") == before


@pytest.mark.parametrize("tail", [
    pytest.param("return 1\n", id="module-level return (the compiler refuses it)"),
    pytest.param("nonlocal x\n", id="module-level nonlocal (the compiler refuses it)"),
])
def test_the_rewrite_check_accepts_what_ast_accepts(tmp_path: Path, tail: str) -> None:
    """The check that a rewrite parses compiles it first (less memory); code only the
    compiler refuses is still written, as ``ast.parse`` accepts it (and as before)."""
    before = "import json\n" + HANDLER.format(n=1) + tail
    target = tmp_path / "odd.py"
    target.write_text(before, encoding="utf-8")
    result = fix_file(target, FixOptions(config=Config(root=tmp_path), write=True))
    assert result.error is None and result.written
    assert target.read_text(encoding="utf-8") == before.replace(
        "except Exception:", "except (RecursionError, TypeError, ValueError):")
