"""The report's one-pass radon metrics equal radon's own functions, line-quirk for line-quirk.

radon is the oracle: ``raw_metrics`` must equal ``radon.raw.analyze`` and ``file_metrics`` must
equal ``cc_visit`` + ``mi_visit(multi=True)`` on hand-written edge cases, on Django's modules
and on generated programs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from radon.complexity import cc_rank, cc_visit
from radon.metrics import mi_rank, mi_visit
from radon.raw import analyze
from radon.visitors import Function

from qualitytool.report.radon_metrics import file_metrics, raw_metrics


def radon_file_metrics(source: str) -> dict[str, Any]:
    """What the radon runner computed before, with radon's public functions."""
    mi = mi_visit(source, multi=True)
    functions = [
        [b.fullname, b.lineno, b.complexity, cc_rank(b.complexity), b.endline]
        for b in cc_visit(source)
        if isinstance(b, Function)
    ]
    functions.sort(key=lambda f: (f[1], f[0]))
    return {"functions": functions, "mi": round(float(mi), 2), "mi_rank": mi_rank(mi)}


def outcome(func: Any, source: str) -> Any:
    try:
        return func(source)
    except (SyntaxError, ValueError) as exc:  # radon's own failures must be ours too
        return type(exc)


EDGE_CASES = {
    "empty": "",
    "blank lines only": "\n\n\n",
    "no trailing newline": "x = 1",
    "trailing blank lines": "x = 1\n\n\n",
    "comment at end without newline": "x = 1\n# done",
    "docstrings": '"""Module.\n\nMore.\n"""\n\ndef f():\n    """One line."""\n    return 1\n',
    "string statement over lines": "x = 1\n'''\na\n\nb\n'''\n",
    "blank line inside brackets": "call(\n\n    1,  # one\n    # alone\n    2,\n)\n",
    "backslash continuation": "x = 1 + \\\n    2\nif x and \\\n   y: pass\n",
    "compound on one line": "if x: return 0  # c\ntry: 1/0\nexcept E: pass\n"
                            "while x: x -= 1; y = 2\n",
    "semicolons": "a = 1; b = 2; c = 3\nx = 1;\n",
    "lambda and slices": "f = lambda x: x[1:2]\nd = {1: 2}\n",
    "decorators and classes": "@dec(\n    a=1,\n)\nclass C(B):\n    x: int = 1\n"
                              "    def m(self) -> None: ...\n",
    "f-strings": "x = f'{a!r:>{width}}'\ny = f'''\n{b}\n'''\n",
    "nested multi-line strings": "call('''a\nb''', \"\"\"c\n\nd\"\"\")\n",
    "crlf": "def f():\r\n    # c\r\n    return 1\r\n\r\n",
    "form feed": "x = 1\n\x0c\ndef f():\n    pass\n",
    "tabs": "if x:\n\ty = 1\n\t# c\n",
    "unterminated string": "x = 'abc\n",
    "stray character": "x = 1 $ 2\n",
    "open bracket at end": "x = (1,\n",
    "lone backslash between form feeds": "#\x0c\\\x0c\x0c\n",  # found by hypothesmith
    "match statement": "match x:\n    case [a, *rest]: pass\n    case _:\n        pass\n",
}


@pytest.mark.parametrize("source", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_raw_metrics_equal_radon(source: str) -> None:
    assert outcome(raw_metrics, source) == outcome(analyze, source)


FALLBACK = {"unterminated string", "stray character", "open bracket at end",
            "lone backslash between form feeds"}


@pytest.mark.parametrize(
    "source", [s for n, s in EDGE_CASES.items() if n not in FALLBACK],
    ids=[n for n in EDGE_CASES if n not in FALLBACK],
)
def test_single_pass_needs_no_fallback(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The valid programs are measured by the single pass, not by radon's slow path."""
    expected = analyze(source)

    def unexpected(_: str) -> None:
        raise AssertionError("fell back to radon.raw.analyze")

    monkeypatch.setattr("qualitytool.report.radon_metrics.analyze", unexpected)
    assert raw_metrics(source) == expected


@pytest.mark.parametrize("source", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_file_metrics_equal_radon(source: str) -> None:
    assert outcome(file_metrics, source) == outcome(radon_file_metrics, source)


def test_equal_on_django(django_source: Path) -> None:
    """Every module of Django's package: the raw metrics; every 8th: everything."""
    modules = sorted((django_source / "django").rglob("*.py"))
    assert len(modules) > 800
    raw_differences = []
    differences = []
    for index, path in enumerate(modules):
        source = path.read_text(encoding="utf-8")
        if raw_metrics(source) != analyze(source):
            raw_differences.append(path)
        if index % 8 == 0 and file_metrics(source) != radon_file_metrics(source):
            differences.append(path)
    assert raw_differences == []
    assert differences == []


@pytest.fixture(scope="module")
def generated_programs():  # type: ignore[no-untyped-def]
    import hypothesmith

    return hypothesmith.from_grammar()


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_equal_on_generated_programs(data, generated_programs) -> None:  # type: ignore[no-untyped-def]
    source = data.draw(generated_programs)
    assert outcome(raw_metrics, source) == outcome(analyze, source)
