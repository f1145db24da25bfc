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
from dataclasses import dataclass, field
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
PRELUDE = ("import builtins\nimport json\nimport logging\nimport os\n\n"
           "logger = logging.getLogger()\n")


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


@dataclass
class FixOutcome:
    """What fix-exceptions did to one program, as the properties read it."""

    refused: str | None = None  # LibCST refused the program (reported, not a crash)
    rewritten: bool = False
    parses: bool = False  # the result parses
    same_code: bool = False  # its AST outside handler types and imports is the program's
    imports_kept: bool = False  # every import of the program is still there
    lost: list[str] = field(default_factory=list)  # lines gone other than ``except`` lines
    idempotent: bool = False  # fixing the result again changes nothing
    piecewise_same: bool = False  # the piecewise rewrite gives the same bytes


def fix_outcome(text: str, directory: Path, unsafe_fixes: bool = True) -> FixOutcome:
    """Fix one program and read the properties of the result."""
    from qualitytool.exceptions.fixing import fix
    from qualitytool.exceptions.fixing.piecewise import apply_plans_piecewise
    from qualitytool.sources import SourceError

    path = directory / "generated.py"
    options = fix.FixOptions(config=Config(root=directory), roots=(str(directory),),
                             unsafe_fixes=unsafe_fixes)
    before = _parse(text)
    try:
        plans, fixed = fix.fix_source(text, _parse(text), path, options)
    except SourceError as exc:
        return FixOutcome(refused=str(exc))
    outcome = FixOutcome(rewritten=fixed != text)
    try:
        after = _parse(fixed)
    except SyntaxError:
        return outcome
    outcome.parses = True
    outcome.imports_kept = _imported(before) <= _imported(after)
    # (_without_handler_types changes the tree it is given.)
    outcome.same_code = _without_handler_types(_parse(text)) == _without_handler_types(after)
    gone = Counter(text.splitlines(keepends=True)) - Counter(fixed.splitlines(keepends=True))
    outcome.lost = [line for line in gone.elements() if not line.lstrip().startswith("except")]
    _, again = fix.fix_source(fixed, _parse(fixed), path, options)
    outcome.idempotent = again == fixed
    # Large modules are rewritten piecewise: the same bytes.
    outcome.piecewise_same = not outcome.rewritten or apply_plans_piecewise(
        text, before, plans, unsafe_fixes) == (fixed, sum(p.applies(unsafe_fixes) for p in plans))
    return outcome


def check_fix(text: str, directory: Path, unsafe_fixes: bool = True) -> bool:
    """The fix-exceptions properties for one program; whether a handler was rewritten."""
    outcome = fix_outcome(text, directory, unsafe_fixes)
    if outcome.refused is not None:  # LibCST refuses what CPython accepts
        assert "LibCST" in outcome.refused or "nested" in outcome.refused, outcome.refused
        return False
    assert outcome.parses, "the result does not parse"
    assert outcome.same_code, "AST changed"
    assert outcome.imports_kept, "an import was lost"
    assert not outcome.lost, f"lines lost: {outcome.lost}"
    assert outcome.idempotent, "not idempotent"
    assert outcome.piecewise_same, "piecewise differs"
    return outcome.rewritten


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


@dataclass
class LinkOutcome:
    """What ``todos --link`` did to one program, as the properties read it."""

    errors: list[str] = field(default_factory=list)
    left_alone: bool = False  # with errors: the file is unchanged
    linked: int = 0
    changed: list[str] = field(default_factory=list)  # lines changed other than comments
    same_code: bool = False  # the result parses to the same AST
    all_linked: bool = False  # scanning again finds every comment linked
    relink_changes: bool = True  # linking again changed something


def link_outcome(text: str, directory: Path) -> LinkOutcome:
    """Link the TODO comments of one program and read the properties of the result."""
    from qualitytool.todos.link import link_items
    from qualitytool.todos.project_scan import scan_files

    path = directory / "generated.py"
    # Bytes, not read_text: its newline translation turns a final "\\\r\n" (which parses)
    # into "\\\n" (which does not).
    path.write_bytes(text.encode("utf-8"))
    config = Config(root=directory)
    items = scan_files([path], config, jobs=1).items
    results = link_items([(item, f"#{n}") for n, item in enumerate(items, start=1)])
    errors = [r.error for r in results if r.error]
    if errors:
        return LinkOutcome(errors=errors, left_alone=_read(path) == text)
    linked = _read(path)
    lost = Counter(text.split("\n")) - Counter(linked.split("\n"))
    again = scan_files([path], config, jobs=1).items
    relinked = link_items([(item, "#999") for item in again])
    return LinkOutcome(
        linked=sum(r.linked for r in results),
        changed=[line for line in lost.elements() if "#" not in line],
        same_code=ast.dump(_parse(linked)) == ast.dump(_parse(text)),
        all_linked=all(item.issue for item in again),
        relink_changes=any(r.linked for r in relinked) or _read(path) != linked,
    )


def check_link(text: str, directory: Path) -> int:
    """The ``todos --link`` properties for one program; how many comments were linked."""
    outcome = link_outcome(text, directory)
    if outcome.errors:
        assert all("cannot parse" in e for e in outcome.errors), outcome.errors
        assert outcome.left_alone
        return 0
    assert not outcome.changed, f"lines other than comments changed: {outcome.changed}"
    assert outcome.same_code, "linking changed the code"
    assert outcome.all_linked, "a comment was left unlinked"
    assert not outcome.relink_changes, "linking again changed the file"
    return outcome.linked


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
