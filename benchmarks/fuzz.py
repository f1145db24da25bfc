"""Fuzz ``fix-exceptions`` and ``todos --link`` with programs Hypothesis and hypothesmith write.

Each program is hypothesmith's grammar-generated code with broad handlers and TODO comments
woven in.  Properties, checked on every program:

- fixing never raises; the result parses; fixing the result again changes nothing; the
  piecewise rewrite (large modules) gives the same bytes as the whole-module one;
- the AST outside the rewritten handlers is unchanged (handler types and the imports the
  rewrite adds aside), and no line is lost but the rewritten ``except`` lines;
- linking the TODO comments never raises, the result parses to the same AST, and linking
  again changes nothing.

``python benchmarks/fuzz.py --examples 10000`` (or ``benchmarks/run.py fuzz``) is the long run;
``--seed S`` draws another sequence, so shards (or a resumed run) cover new programs.
``tests/test_fuzz.py`` runs a few hundred programs in CI.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from qualitytool.config import Config

HANDLER_CLAUSES = ("except Exception", "except BaseException", "except",
                   "except (ValueError, Exception)", "except Exception as exc",
                   "except builtins.Exception")
TRY_BODIES = ("value = json.loads(text)", "value = int(text)", "os.remove(text)",
              "value = {}[text]", "callback()", "value = text.upper()", "pass",
              "with open(text) as handle:\n        value = handle.read()")
HANDLER_BODIES = ("pass", "value = None", "logger.error('failed: %s', text)",
                  "print('failed')  # a comment kept", "raise RuntimeError('x')")
# Built once: constructing the grammar strategy costs about a second.
GRAMMAR = hypothesmith.from_grammar()
PRELUDE = "import builtins\nimport json\nimport logging\nimport os\n\nlogger = logging.getLogger()\n"


@st.composite
def handler_blocks(draw: st.DrawFn) -> str:
    clause = draw(st.sampled_from(HANDLER_CLAUSES))
    body = draw(st.sampled_from(TRY_BODIES))
    handler = draw(st.sampled_from(HANDLER_BODIES))
    todo = draw(st.sampled_from(["", "    # TODO: narrow this\n", "    # FIXME(bob): later\n"]))
    return (f"def handled_{draw(st.integers(0, 10**6))}(text, callback):\n{todo}"
            f"    try:\n        {body}\n    {clause}:\n        {handler}\n")


@st.composite
def programs(draw: st.DrawFn) -> str:
    """Generated code with broad handlers and TODO comments between its statements."""
    generated = draw(GRAMMAR)
    if not generated.endswith("\n"):
        generated += "\n"
    blocks = draw(st.lists(handler_blocks(), min_size=1, max_size=4))
    where = draw(st.sampled_from(["before", "after", "both"]))
    parts = [PRELUDE]
    if where in ("before", "both"):
        parts += blocks
    parts.append(generated)
    if where in ("after", "both"):
        parts.append("# TODO: generated code above\n")
        parts += blocks
    text = "".join(parts)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        assume(False)
    return text


def _without_handler_types(tree: ast.Module) -> str:
    """The AST with every handler's type and every top-level import removed."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            node.type = None
    tree.body = [s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
    return ast.dump(tree)


def _imported(tree: ast.Module) -> set[tuple[str, str, str | None]]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {("", a.name, a.asname) for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {(node.module or "", a.name, a.asname) for a in node.names}
    return names


def _parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def check_fix(text: str, directory: Path, unsafe_fixes: bool = True) -> bool:
    """The fix-exceptions properties for one program; whether a handler was rewritten."""
    from qualitytool.exceptions.fixing.fix import FixOptions, fix_source
    from qualitytool.exceptions.fixing.piecewise import apply_plans_piecewise
    from qualitytool.sources import SourceError

    path = directory / "generated.py"
    options = FixOptions(config=Config(root=directory), roots=(str(directory),),
                         unsafe_fixes=unsafe_fixes)
    before = _parse(text)
    try:
        plans, fixed = fix_source(text, _parse(text), path, options)
    except SourceError as exc:  # LibCST refuses what CPython accepts: reported, not a crash
        assert "LibCST" in str(exc) or "nested" in str(exc), exc
        return False
    after = _parse(fixed)  # must parse
    assert _without_handler_types(_parse(text)) == _without_handler_types(after), "AST changed"
    assert _imported(before) <= _imported(_parse(fixed)), "an import was lost"
    lost = Counter(text.splitlines(keepends=True)) - Counter(fixed.splitlines(keepends=True))
    assert all(line.lstrip().startswith("except") for line in lost), f"lines lost: {lost}"
    _, again = fix_source(fixed, _parse(fixed), path, options)
    assert again == fixed, "not idempotent"
    if fixed != text:  # large modules are rewritten piecewise: the same bytes
        assert apply_plans_piecewise(text, before, plans, unsafe_fixes) == (
            fixed, sum(p.applies(unsafe_fixes) for p in plans)), "piecewise differs"
    return fixed != text


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def check_link(text: str, directory: Path) -> int:
    """The ``todos --link`` properties for one program; how many comments were linked."""
    from qualitytool.todos.link import link_items
    from qualitytool.todos.scan import scan_files

    path = directory / "generated.py"
    # Bytes, not read_text: its newline translation turns a final "\\\r\n" (which parses)
    # into "\\\n" (which does not).
    path.write_bytes(text.encode("utf-8"))
    config = Config(root=directory)
    items = scan_files([path], config, jobs=1).items
    results = link_items([(item, f"#{n}") for n, item in enumerate(items, start=1)])
    errors = [r.error for r in results if r.error]
    if errors:
        assert all("cannot parse" in e for e in errors), errors
        assert _read(path) == text  # left alone
        return 0
    linked = _read(path)
    lost = Counter(text.split("\n")) - Counter(linked.split("\n"))
    assert all("#" in line for line in lost), f"lines other than comments changed: {lost}"
    assert ast.dump(_parse(linked)) == ast.dump(_parse(text)), "linking changed the code"
    again = scan_files([path], config, jobs=1).items
    assert all(item.issue for item in again), "a comment was left unlinked"
    relinked = link_items([(item, "#999") for item in again])
    assert all(r.linked == 0 for r in relinked) and _read(path) == linked
    return sum(r.linked for r in results)


def fuzz(examples: int, progress: bool = False, seed: int | None = None) -> dict[str, float]:
    """Run ``examples`` programs through both checks; counts and the time taken.

    The same ``seed`` gives the same programs; without one, the programs are Hypothesis'
    derandomized sequence (what CI runs).  Shards with different seeds add up to a longer run."""
    counts = {"programs": 0, "rewritten": 0, "comments_linked": 0}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qualitytool-fuzz-") as scratch:
        directory = Path(scratch)

        @settings(max_examples=examples, deadline=None, database=None,
                  derandomize=seed is None, suppress_health_check=list(HealthCheck))
        @given(programs())
        def property_holds(text: str) -> None:
            counts["programs"] += 1
            counts["rewritten"] += check_fix(text, directory)
            counts["comments_linked"] += check_link(text, directory)
            if progress and counts["programs"] % 500 == 0:
                rate = counts["programs"] / (time.perf_counter() - start)
                print(f"  {counts['programs']} programs, {counts['rewritten']} rewritten, "
                      f"{rate:.1f} programs/s", file=sys.stderr, flush=True)

        if seed is not None:
            property_holds = hypothesis_seed(seed)(property_holds)
        property_holds()
    return {**counts, "seconds": round(time.perf_counter() - start, 1)}


def run(repeat: int, examples: int = 10_000, seed: int | None = None) -> None:
    del repeat  # one long run: every program is different
    figures = fuzz(examples, progress=True, seed=seed)
    shown = "" if seed is None else f" (seed {seed})"
    print(f"\nfuzz{shown}: {figures['programs']} programs, {figures['rewritten']} rewritten, "
          f"{figures['comments_linked']} TODO comments linked, 0 crashes, 0 unparsable, "
          f"non-idempotent or piecewise-different results, in {figures['seconds']} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", "--programs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None,
                        help="another sequence of programs (for shards or a second run)")
    arguments = parser.parse_args()
    run(1, arguments.examples, arguments.seed)
