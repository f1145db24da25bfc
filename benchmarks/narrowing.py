"""How far fix-exceptions narrows broad handlers on real code, and whether the code it
rewrote still passes its own tests.

Usage::

    python benchmarks/run.py narrowing [--repeat N] [--json FILE] [--no-suites]

Corpora (PyPI sdists, cached by ``common.sdist``): Django 5.2.8 (``django/``), tornado 6.6.1
(``tornado/``) and lnbits 1.6.2 (``lnbits/``, a FastAPI application backend: a Lightning
wallet and accounts server, about 300 broad handlers, a pytest suite in its sdist that runs
offline on SQLite with its fake funding source).

For each corpus, from the sdist root:

1. ``qualitytool fix-exceptions PKG --format json``: handlers considered, safe, unsafe and
   left, and the top 10 blockers of the handlers left broad.  A blocker is the first clause
   of the reason (clauses are separated by ``; ``) that blocks a fix: clauses
   "`x` may raise more than it documents" only make a fix unsafe, so they are skipped when a
   later clause blocks.  The grouped table normalizes the callee of "unknown call `x.y`" to
   its pattern (``self.m``, ``self.*.m``, ``*.m``, ``<name>``, ``<Class>``, ``<expr>.m``) and
   "(via `f`)" to "(via a project function)"; the raw table shows the clauses verbatim.
2. Django only: the median wall time of ``fix-exceptions django`` (diff mode, nothing
   written) next to ``ruff check --select BLE001,E722 django``, as in ``fix_exceptions.py``.
3. Corpora with a runnable suite (tornado, lnbits; skipped with ``--no-suites``): two fresh
   copies of the sdist in a temporary folder; the suite runs once before any rewrite (both
   copies are identical then), then ``fix-exceptions --write PKG`` on one copy and
   ``fix-exceptions --write --unsafe-fixes PKG`` on the other, each followed by the suite.
   "applied" is the JSON summary's ``applied``.

   - tornado: ``python -m tornado.test.runtests`` with the copy first on ``PYTHONPATH`` and
     ``TORNADO_EXTENSION=0`` (standard library only).
   - lnbits: ``pytest tests/unit``, ``tests/api`` and ``tests/wallets``, each in its own
     process with a fresh ``tests/data`` (as its Makefile runs them), with
     ``LNBITS_BACKEND_WALLET_CLASS=FakeWallet``.  Its dependencies (pinned by its
     ``uv.lock``, exported with ``uv export --frozen``) go once into a virtualenv under
     ``<corpus cache>/venvs/lnbits-1.6.2``, never into this repository.  Two tests fetch
     exchange rates from the network and fail offline, before and after alike.

A step that fails prints why; the others go on.  One summary table ends the run; ``--json
FILE`` also writes its figures as JSON.  The whole run takes about 20 minutes on 2 cores
(the lnbits suite is about 4 minutes a run); ``--no-suites`` takes well under a minute.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from common import Measurement, corpus_dir, print_table, sdist, time_command, tool

T = TypeVar("T")

SUITE_TIMEOUT = 1800
"""Seconds one test process may take before it counts as failed."""

OPEN_SET = " may raise more than it documents"
DERIVED_OPEN = " may raise more than its source shows"  # a contract derived from a library
UNKNOWN = re.compile(r"^unknown (?P<what>call|context manager) `(?P<callee>[^`]+)`(?P<rest>.*)$")
VIA = re.compile(r" \(via `[^`]+`\)")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
TRAILING_ATTRIBUTE = re.compile(r"\.([A-Za-z_][A-Za-z_0-9]*)$")


@dataclass
class SuiteResult:
    """A test run's counts, read from the runner's closing lines."""

    run: int = 0
    passed: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    seconds: float = 0.0
    broken: list[str] = field(default_factory=list)
    """The tests that failed or errored, as the runner names them."""

    def add(self, other: SuiteResult) -> None:
        self.run += other.run
        self.passed += other.passed
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped
        self.seconds += other.seconds
        self.broken += other.broken

    def brief(self) -> str:
        return f"{self.run} run, {self.failures} failed, {self.errors} errors"


@dataclass(frozen=True)
class Corpus:
    """An sdist, the package folder fix-exceptions runs on, and its test suite if runnable."""

    name: str
    version: str
    package: str
    suite: Callable[[Path], SuiteResult] | None = None

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


@dataclass
class CorpusFigures:
    """Everything measured on one corpus; ``None`` where the step failed or did not run."""

    handlers: int | None = None
    safe: int | None = None
    unsafe: int | None = None
    left: int | None = None
    boundary: int | None = None
    file_errors: int | None = None
    blockers: list[tuple[str, int]] = field(default_factory=list)
    raw_blockers: list[tuple[str, int]] = field(default_factory=list)
    applied_safe: int | None = None
    applied_unsafe: int | None = None
    applied_boundaries: int | None = None
    reported_after_boundaries: int | None = None  # check-exceptions after that rewrite
    tests_before: SuiteResult | None = None
    tests_after_safe: SuiteResult | None = None
    tests_after_unsafe: SuiteResult | None = None
    tests_after_boundaries: SuiteResult | None = None

    def percent(self, count: int | None) -> float | None:
        if count is None or not self.handlers:
            return None
        return 100.0 * count / self.handlers

    @property
    def safe_or_unsafe(self) -> int | None:
        return None if self.safe is None or self.unsafe is None else self.safe + self.unsafe


# --- steps -----------------------------------------------------------------------------


def step(label: str, action: Callable[..., T], *args: Any) -> T | None:
    """``action(*args)``; on failure print why and return ``None`` so the benchmark goes on."""
    try:
        return action(*args)
    except KeyboardInterrupt:
        raise
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - any failure is reported, not fatal
        print(f"  ! {label} failed: {type(exc).__name__}: {str(exc)[-800:]}")
        return None


def fix_exceptions(root: Path, package: str, *flags: str) -> dict[str, Any]:
    """``qualitytool fix-exceptions PACKAGE --format json [FLAGS]`` from ``root``, parsed."""
    result = subprocess.run(
        [tool("qualitytool"), "fix-exceptions", package, "--format", "json", *flags],
        cwd=root, capture_output=True, text=True, check=False,
    )
    if result.returncode not in (0, 1, 2):
        raise RuntimeError(f"exit {result.returncode}: {result.stderr[-500:]}")
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"no JSON on stdout ({exc}): {result.stderr[-500:]}") from exc
    return report


def fresh_copy(root: Path, target: Path) -> Path:
    """A copy of an unpacked sdist without our cache marker or earlier run logs."""
    shutil.copytree(root, target, ignore=shutil.ignore_patterns(
        ".complete", ".qualitytool", "__pycache__", ".pytest_cache"))
    return target


# --- narrowing figures and blockers -----------------------------------------------------


def callee_pattern(callee: str) -> str:
    """``self.cache.get`` -> ``self.*.get``, ``f.result`` -> ``*.result``, ``fn`` -> ``<name>``."""
    parts = callee.split(".")
    if not all(IDENTIFIER.fullmatch(part) for part in parts):
        trailing = TRAILING_ATTRIBUTE.search(callee)
        return f"<expr>.{trailing.group(1)}" if trailing else "<expr>"
    if len(parts) == 1:
        return "<Class>" if callee[:1].isupper() else "<name>"
    if parts[0] in ("self", "cls"):
        return f"{parts[0]}.{parts[-1]}" if len(parts) == 2 else f"{parts[0]}.*.{parts[-1]}"
    return f"*.{parts[-1]}"


def blocking_clause(reason: str) -> str:
    """The first clause of a "left" reason that blocks the fix (see the module docstring)."""
    clauses = [clause.strip() for clause in reason.split("; ")]
    blocking = [c for c in clauses if OPEN_SET not in c and DERIVED_OPEN not in c
                and not re.fullmatch(r"and \d+ more", c)]
    return blocking[0] if blocking else clauses[0]


def normalize_clause(clause: str) -> str:
    """Group a blocking clause: the callee by its pattern, "(via `f`)" as a project function."""
    generic = VIA.sub(" (via a project function)", clause)
    match = UNKNOWN.match(generic)
    if match:
        return f"unknown {match['what']} `{callee_pattern(match['callee'])}`{match['rest']}"
    if generic.endswith(OPEN_SET) and generic.startswith("`"):
        callee = generic[1:generic.index("`", 1)]
        return f"`{callee_pattern(callee)}`{generic[generic.index('`', 1) + 1:]}"
    return generic


def narrowing_figures(report: Mapping[str, Any]) -> CorpusFigures:
    """Counts per outcome and the top 10 blockers of one fix-exceptions JSON report."""
    handlers = report["handlers"]
    outcomes = Counter(handler["outcome"] for handler in handlers)
    clauses = [blocking_clause(handler["reason"] or "(no reason given)")
               for handler in handlers if handler["outcome"] == "left"]
    return CorpusFigures(
        handlers=len(handlers), safe=outcomes["safe"], unsafe=outcomes["unsafe"],
        left=outcomes["left"], boundary=outcomes["boundary"],
        file_errors=len(report.get("errors", [])),
        blockers=Counter(normalize_clause(c) for c in clauses).most_common(10),
        raw_blockers=Counter(clauses).most_common(10),
    )


def print_narrowing(corpus: Corpus, figures: CorpusFigures) -> None:
    """The outcome counts and both blocker tables of one corpus."""
    print(f"\nfix-exceptions {corpus.package} on {corpus.label}")
    print(f"  handlers considered {figures.handlers}: safe {figures.safe}, unsafe "
          f"{figures.unsafe}, boundary {figures.boundary}, left {figures.left}; safe {fmt_percent(figures.percent(figures.safe))}, "
          f"safe+unsafe {fmt_percent(figures.percent(figures.safe_or_unsafe))}"
          + (f"; {figures.file_errors} file(s) not analysed" if figures.file_errors else ""))
    print_blockers("top 10 blockers (grouped)", figures.blockers, figures.left)
    print_blockers("top 10 blockers (raw first blocking clause)", figures.raw_blockers,
                   figures.left)


def print_blockers(title: str, blockers: Iterable[tuple[str, int]], left: int | None) -> None:
    print(f"  {title}:")
    for text, count in blockers:
        share = f"{100.0 * count / left:5.1f}%" if left else "     "
        print(f"    {count:>4} {share}  {shorten(text, 110)}")


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def fmt_percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


# --- timing on Django --------------------------------------------------------------------


def time_django(root: Path, package: str, repeat: int) -> list[Measurement]:
    """fix-exceptions in diff mode vs ruff's BLE001/E722 on the same folder."""
    ours = time_command(
        f"qualitytool fix-exceptions {package} (diff)",
        [tool("qualitytool"), "fix-exceptions", package], root, repeat, ok_codes=(0, 1, 2),
    )
    ruff = time_command(
        "ruff --select BLE001,E722 --no-cache",
        [tool("ruff"), "check", "--isolated", "--select", "BLE001,E722", "--no-cache", "-q",
         package],
        root, repeat,
    )
    print_table(f"fix-exceptions on {package}/ of Django 5.2.8", [ours, ruff], baseline=ruff.label)
    return [ours, ruff]


# --- test suites -------------------------------------------------------------------------


def run_process(argv: list[str], cwd: Path, env: Mapping[str, str]) -> tuple[str, float]:
    """Output (stdout and stderr together) and wall time of one test process."""
    start = time.perf_counter()
    result = subprocess.run(
        argv, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, check=False, timeout=SUITE_TIMEOUT,
    )
    return result.stdout, time.perf_counter() - start


def parse_unittest(output: str) -> SuiteResult:
    """Counts from unittest's "Ran N tests" and "OK (skipped=S)" / "FAILED (failures=F, ...)"."""
    ran = re.findall(r"^Ran (\d+) tests? in", output, re.MULTILINE)
    verdict = re.findall(r"^(OK|FAILED)\b(?: \((.*)\))?\s*$", output, re.MULTILINE)
    if not ran or not verdict:
        raise RuntimeError(f"no unittest summary in the output: {output[-800:]}")
    counts = dict(re.findall(r"(\w+)=(\d+)", verdict[-1][1] or ""))
    result = SuiteResult(
        run=int(ran[-1]), failures=int(counts.get("failures", 0)),
        errors=int(counts.get("errors", 0)), skipped=int(counts.get("skipped", 0)),
    )
    result.passed = result.run - result.failures - result.errors - result.skipped
    result.broken = re.findall(r"^(?:FAIL|ERROR): (.+)$", output, re.MULTILINE)
    return result


def parse_pytest(output: str) -> SuiteResult:
    """Counts from pytest's closing line ("2 failed, 270 passed, 1 warning in 83.88s")."""
    lines = [line for line in output.splitlines() if re.search(r"\bin [\d.]+s\b", line)]
    summary = [line for line in lines if re.search(r"\d+ (passed|failed|errors?|skipped)", line)]
    if not summary:
        if any("no tests ran" in line for line in lines):
            return SuiteResult()
        raise RuntimeError(f"no pytest summary in the output: {output[-800:]}")
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary[-1])}
    passed = counts.get("passed", 0) + counts.get("xpassed", 0) + counts.get("xfailed", 0)
    failed = counts.get("failed", 0)
    skipped = counts.get("skipped", 0)
    return SuiteResult(
        run=passed + failed + skipped, passed=passed, failures=failed,
        errors=counts.get("errors", counts.get("error", 0)), skipped=skipped,
        broken=re.findall(r"^(?:FAILED|ERROR) (\S+)", output, re.MULTILINE),
    )


def tornado_suite(
    root: Path, python: str = sys.executable, prefix: tuple[str, ...] = ()
) -> SuiteResult:
    """tornado's own runner, standard library only, the copy first on PYTHONPATH.
    ``prefix`` wraps the command (``qualitytool evidence run --``)."""
    output, seconds = run_process(
        [*prefix, python, "-m", "tornado.test.runtests"], root,
        {"PYTHONPATH": str(root), "TORNADO_EXTENSION": "0"},
    )
    result = parse_unittest(output)
    result.seconds = seconds
    return result


LNBITS_SUITES = ("tests/unit", "tests/api", "tests/wallets")


def setup_command(argv: list[str], cwd: Path | None = None) -> None:
    """One set-up command, quiet unless it fails (then its output's tail is the reason)."""
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ...: exit {result.returncode}: "
                           f"{(result.stdout + result.stderr)[-800:]}")


def lnbits_python(root: Path) -> Path:
    """The interpreter of lnbits' test virtualenv, created once under the corpus cache."""
    venv = corpus_dir() / "venvs" / root.name
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return python
    print(f"  preparing lnbits' test virtualenv (once) in {venv}")
    shutil.rmtree(venv, ignore_errors=True)
    setup_command([sys.executable, "-m", "venv", str(venv)])
    setup_command([str(python), "-m", "pip", "install", "--quiet", "uv"])
    uv = str(venv / "bin" / "uv")
    requirements = venv / "requirements.txt"
    setup_command([uv, "export", "--frozen", "--no-hashes", "--no-emit-project", "--quiet",
                   "--output-file", str(requirements)], cwd=root)
    setup_command([uv, "pip", "install", "--quiet", "--python", str(python), "-r",
                   str(requirements)])
    # lnbits reads its own version from its installed metadata; the copy under test still
    # comes first on PYTHONPATH.
    archive = root.parent / f"{root.name}.tar.gz"
    setup_command([uv, "pip", "install", "--quiet", "--python", str(python), "--no-deps",
                   str(archive if archive.exists() else root)])
    (venv / ".complete").touch()
    return python


def lnbits_suite(root: Path, prefix: tuple[str, ...] = ()) -> SuiteResult:
    """lnbits' unit, API and wallet tests, each in its own process on a fresh database.
    ``prefix`` wraps each command (``qualitytool evidence run --``)."""
    python = lnbits_python(root)
    total = SuiteResult()
    env = {
        "PYTHONPATH": str(root), "LNBITS_DATA_FOLDER": "./tests/data",
        "LNBITS_BACKEND_WALLET_CLASS": "FakeWallet", "PYTHONUNBUFFERED": "1", "DEBUG": "true",
    }
    for suite in LNBITS_SUITES:
        for data in (root / "tests" / "data", root / "data"):
            shutil.rmtree(data, ignore_errors=True)
        output, seconds = run_process(
            [*prefix, str(python), "-m", "pytest", suite, "-q", "-p", "no:cacheprovider", "-o",
             "addopts="], root, env,
        )
        result = parse_pytest(output)
        result.seconds = seconds
        print(f"    {suite}: {result.brief()}, {result.skipped} skipped ({seconds:.0f} s)")
        total.add(result)
    return total


def rewrite_and_test(corpus: Corpus, root: Path, figures: CorpusFigures) -> None:
    """The suite before any rewrite, then after the safe, the unsafe and the unsafe plus
    boundaries rewrite (with how many handlers check-exceptions still reports then)."""
    assert corpus.suite is not None
    suite = corpus.suite
    runs: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("safe", ()), ("unsafe", ("--unsafe-fixes",)),
        ("boundaries", ("--unsafe-fixes", "--boundaries")),
    )
    with tempfile.TemporaryDirectory(prefix=f"qt-narrowing-{corpus.name}-") as tmp:
        for mode, flags in runs:
            copy = step(f"copy for --write {' '.join(flags)}",
                        fresh_copy, root, Path(tmp) / mode / root.name)
            if copy is None:
                continue
            if mode == "safe":
                print(f"  {corpus.name} suite before any rewrite ...")
                figures.tests_before = step("suite before", suite, copy)
                print_suite("before", figures.tests_before)
            report = step(f"fix-exceptions --write {' '.join(flags)}",
                          fix_exceptions, copy, corpus.package, "--write", *flags)
            applied = None if report is None else int(report["summary"]["applied"])
            after_label = " ".join(["after --write", *flags])
            print(f"  {corpus.name}: fix-exceptions --write {' '.join(flags)} applied {applied} "
                  f"rewrite(s); suite {after_label} ...")
            after = step(f"suite {after_label}", suite, copy)
            print_suite(after_label, after)
            print_newly_broken(figures.tests_before, after)
            if mode == "safe":
                figures.applied_safe, figures.tests_after_safe = applied, after
            elif mode == "unsafe":
                figures.applied_unsafe, figures.tests_after_unsafe = applied, after
            else:
                figures.applied_boundaries, figures.tests_after_boundaries = applied, after
                figures.reported_after_boundaries = step(
                    "check-exceptions after", reported_handlers, copy, corpus.package)


def reported_handlers(root: Path, package: str) -> int:
    """How many broad handlers ``check-exceptions`` reports under ``package``."""
    result = subprocess.run(
        [tool("qualitytool"), "check-exceptions", package, "--format", "json"],
        cwd=root, capture_output=True, text=True, check=False,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"exit {result.returncode}: {result.stderr[-500:]}")
    return len(json.loads(result.stdout)["findings"])


def print_suite(label: str, result: SuiteResult | None) -> None:
    if result is not None:
        print(f"    {label}: {result.brief()}, {result.skipped} skipped, {result.passed} passed "
              f"({result.seconds:.0f} s)")


def print_newly_broken(before: SuiteResult | None, after: SuiteResult | None) -> None:
    """The tests broken after a rewrite that were not broken before it (at most 15)."""
    if before is None or after is None:
        return
    known = set(before.broken)
    new = [test for test in dict.fromkeys(after.broken) if test not in known]
    for test in new[:15]:
        print(f"      newly broken: {shorten(test, 120)}")
    if len(new) > 15:
        print(f"      ... and {len(new) - 15} more")


# --- the run -----------------------------------------------------------------------------

CORPORA = (
    Corpus("django", "5.2.8", "django"),
    Corpus("tornado", "6.6.1", "tornado", tornado_suite),
    Corpus("lnbits", "1.6.2", "lnbits", lnbits_suite),
)


def run(repeat: int, json_path: Path | None = None, suites: bool = True) -> list[Measurement]:
    """Every corpus in turn, then the summary table (and the JSON file if asked)."""
    results: dict[str, CorpusFigures] = {}
    measurements: list[Measurement] = []
    for corpus in CORPORA:
        figures = results.setdefault(corpus.label, CorpusFigures())
        root = step(f"download {corpus.label}", sdist, corpus.name, corpus.version)
        if root is None:
            continue
        report = step(f"fix-exceptions on {corpus.label}", fix_exceptions, root, corpus.package)
        if report is not None:
            results[corpus.label] = figures = narrowing_figures(report)
            print_narrowing(corpus, figures)
        if corpus.name == "django":
            measurements = step("timing on Django", time_django, root, corpus.package,
                                repeat) or []
        if suites and corpus.suite is not None:
            rewrite_and_test(corpus, root, figures)
    print_summary(results, measurements)
    if json_path is not None:
        step(f"writing {json_path}", write_json, json_path, results, measurements)
    return measurements


def summary_rows(figures: CorpusFigures) -> list[tuple[str, str]]:
    """The summary table's rows for one corpus: (metric, value)."""
    def count(value: int | None) -> str:
        return "-" if value is None else str(value)

    def suite(result: SuiteResult | None) -> str:
        return "-" if result is None else f"{result.run}/{result.failures}F/{result.errors}E"

    return [
        ("handlers considered", count(figures.handlers)),
        ("safe", count(figures.safe)),
        ("unsafe", count(figures.unsafe)),
        ("boundary (kept broad on purpose)", count(figures.boundary)),
        ("left", count(figures.left)),
        ("safe %", fmt_percent(figures.percent(figures.safe))),
        ("safe+unsafe %", fmt_percent(figures.percent(figures.safe_or_unsafe))),
        ("applied by --write", count(figures.applied_safe)),
        ("applied by --write --unsafe-fixes", count(figures.applied_unsafe)),
        ("applied by ... --boundaries", count(figures.applied_boundaries)),
        ("reported by check-exceptions then", count(figures.reported_after_boundaries)),
        ("tests before (run/failed/errors)", suite(figures.tests_before)),
        ("tests after --write", suite(figures.tests_after_safe)),
        ("tests after --write --unsafe-fixes", suite(figures.tests_after_unsafe)),
        ("tests after ... --boundaries", suite(figures.tests_after_boundaries)),
    ]


def print_summary(results: Mapping[str, CorpusFigures], measurements: list[Measurement]) -> None:
    """One table: a row per metric, a column per corpus; then the Django timing."""
    labels = list(results)
    columns = {label: dict(summary_rows(results[label])) for label in labels}
    metrics = [metric for metric, _ in summary_rows(CorpusFigures())]
    print("\nsummary")
    print(f"{'':<36}" + "".join(f"{label:>17}" for label in labels))
    for metric in metrics:
        print(f"{metric:<36}" + "".join(f"{columns[label][metric]:>17}" for label in labels))
    if len(measurements) == 2:
        ours, ruff = measurements
        print(f"Django timing: fix-exceptions (diff) {ours.median:.2f} s, ruff {ruff.median:.2f} s"
              f" (median of {len(ours.seconds)}): {ours.median / ruff.median:.1f}x ruff's time")


def write_json(path: Path, results: Mapping[str, CorpusFigures],
               measurements: list[Measurement]) -> None:
    document = {
        "corpora": {label: asdict(figures) for label, figures in results.items()},
        "timing": {m.label: {"median": m.median, "seconds": m.seconds} for m in measurements},
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {path}")
