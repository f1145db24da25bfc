"""The unified diff fix-exceptions prints: it applies back exactly, and stays linear when a
file repeats the same lines thousands of times (difflib's is quadratic there)."""

from __future__ import annotations

import difflib
import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from qualitytool.textdiff import unified_diff

# Newline-terminated, as difflib's: a last line without one is fix-exceptions' to mark.
LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "try:\n", "except Exception:\n",
                                  "unique 1\n", "unique 2\n"]), max_size=40)


def apply(a: list[str], diff: str) -> list[str]:
    """Apply a unified diff to ``a`` (checking every context and removed line)."""
    lines = diff.splitlines(keepends=True)[2:]
    out: list[str] = []
    position = k = 0
    while k < len(lines):
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", lines[k])
        assert m is not None, lines[k]
        k += 1
        start, length = int(m[1]), int(m[2]) if m[2] is not None else 1
        start = start - 1 if length else start
        out += a[position:start]
        position = start
        while k < len(lines) and not lines[k].startswith("@@"):
            line = lines[k]
            k += 1
            if line[0] in " -":
                assert a[position] == line[1:]
                position += 1
            if line[0] in " +":
                out.append(line[1:])
    return out + a[position:]


@settings(max_examples=400, deadline=None)
@given(LINES, LINES)
def test_the_diff_applies_back(a: list[str], b: list[str]) -> None:
    diff = unified_diff(a, b, "a/x.py", "b/x.py")
    assert (diff == "") == (a == b)
    if diff:
        assert diff.startswith("--- a/x.py\n+++ b/x.py\n@@ -")
        assert apply(a, diff) == b


def test_same_as_difflib_when_lines_are_unique() -> None:
    a = [f"line {i}\n" for i in range(50)]
    b = a[:10] + ["new\n"] + a[12:40] + a[41:]
    assert unified_diff(a, b, "a/f", "b/f") == "".join(difflib.unified_diff(a, b, "a/f", "b/f"))


def test_linear_on_thousands_of_identical_handlers() -> None:
    handler = ["    try:\n", "        return json.loads(s)\n", "    except Exception:\n",
               "        return None\n"]
    a = [line for i in range(10_000) for line in [f"def f{i}(s):\n", *handler]]
    b = [line.replace("except Exception:", "except (TypeError, ValueError):") for line in a]
    start = time.perf_counter()
    diff = unified_diff(a, b, "a/m.py", "b/m.py")
    elapsed = time.perf_counter() - start
    assert diff.count("\n+    except (TypeError, ValueError):\n") == 10_000
    assert apply(a, diff) == b
    # difflib takes minutes here (about 25 s at 2,500 handlers on this machine's cores).
    assert elapsed < 20, elapsed
