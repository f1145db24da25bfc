"""How far fix-exceptions narrows broad handlers on real code, in every mode, and whether the
code it rewrote still passes the project's own tests and linters.

Usage::

    python benchmarks/run.py narrowing [--repeat N] [--json FILE] [--no-suites]

Corpora (PyPI sdists, cached by ``common.sdist``), each analysed as its developers have it:

- Django 5.2.8 (``django/``): its dependencies in a virtualenv (``pip install django==5.2.8``)
  under ``<corpus cache>/venvs/django-5.2.8``; suite: ``tests/runtests.py --parallel 1`` over
  the apps of ``DJANGO_APPS`` (about 3,900 tests); linters: black, flake8 and isort (its
  tox.ini's ``black``, ``flake8`` and ``isort`` environments, current releases).
- tornado 6.6.1 (``tornado/``): no dependencies; suite: ``python -m tornado.test.runtests``
  (standard library only); linters: flake8 7.3.0 and black 26.5.1 (its requirements.txt).
- lnbits 1.6.2 (``lnbits/``, a FastAPI backend): its dependencies, pinned by its ``uv.lock``,
  in ``<corpus cache>/venvs/lnbits-1.6.2``; suite: ``pytest tests/unit``, ``tests/api`` and
  ``tests/wallets`` on SQLite with its fake funding source; linters: its own ruff and black
  (pinned in its lock, configured in its pyproject.toml).

The project's virtualenv is linked as ``.venv`` into every copy, where fix-exceptions finds it
by itself, as a user's checkout would have it.

For each corpus, on fresh copies in a temporary folder:

1. The suite on an untouched copy (skipped with ``--no-suites``).
2. For each mode -- ``safe`` (``--write``), ``unsafe`` (``--write --unsafe-fixes``),
   ``boundaries`` (``--write --unsafe-fixes --boundaries``) and, on tornado with the suites,
   ``evidence`` (the same plus ``--evidence`` from its own suite run under ``qualitytool
   evidence run``) -- ``fix-exceptions PKG --format json`` with the mode's flags on a fresh
   copy.  Each handler is counted once: *narrowed* (a fix this mode applies), *boundary* (kept
   broad on purpose; logged under ``--boundaries``), *handing on* (left as it is because it
   hands the exception on), *left* (everything else, among them unsafe fixes the mode does
   not apply).  Then the project's linters on the files the rewrite changed, before (the
   untouched sdist) and after: a finding is new when the after run has more of it than the
   before run (findings are compared by file, code and message, without line numbers), and the
   suite again: a test is newly broken when it fails after and did not before.
3. The blockers of the handlers left broad in the ``boundaries`` mode: the first clause of the
   reason that blocks a fix (clauses "`x` may raise more than it documents" only make a fix
   unsafe, so they are skipped when a later clause blocks), grouped by callee pattern
   (``self.m``, ``self.*.m``, ``*.m``, ``<name>``, ``<Class>``, ``<expr>.m``) and raw.
4. Timing: fix-exceptions (diff mode) on ``django/`` beside ruff's BLE001/E722, and on
   ``lnbits/`` with its virtualenv (the first run and the median of ``--repeat`` more).

A step that fails prints why; the others go on.  One summary table per corpus ends the run;
``--json FILE`` also writes the figures as JSON.  The whole run takes about 40 minutes on 2
cores (lnbits' suite is about 4 minutes a run); ``--no-suites`` a few minutes.
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
from collections.abc import Callable, Iterable, Mapping, Sequence
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
HANDS_ON = "hands the exception on"
NARROWING = ("safe", "unsafe", "evidence", "laddered", "wrapped")


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
class Mode:
    """One way of running ``fix-exceptions --write``."""

    name: str
    flags: tuple[str, ...]
    unsafe: bool = False
    evidence: bool = False  # adds ``--evidence`` from the project's own suite


MODES = (
    Mode("safe", ()),
    Mode("unsafe", ("--unsafe-fixes",), unsafe=True),
    Mode("boundaries", ("--unsafe-fixes", "--boundaries"), unsafe=True),
    Mode("evidence", ("--unsafe-fixes", "--boundaries"), unsafe=True, evidence=True),
)


@dataclass(frozen=True)
class Linter:
    """A linter of the project, run from a copy's root on the files a rewrite changed."""

    name: str
    argv: tuple[str, ...]
    parse: Callable[[str], Counter[str]]
    ok_codes: tuple[int, ...] = (0, 1)


@dataclass(frozen=True)
class Corpus:
    """An sdist, the package folder fix-exceptions runs on, and how its developers check it."""

    name: str
    version: str
    package: str
    suite: Callable[[Path, tuple[str, ...]], SuiteResult] | None = None
    environment: Callable[[Path], Path] | None = None  # the project's virtualenv
    linters: Callable[[Path], tuple[Linter, ...]] = lambda _root: ()

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


@dataclass
class ModeFigures:
    """One mode on one corpus; ``None`` where the step failed or did not run."""

    handlers: int | None = None
    narrowed: int | None = None
    boundary: int | None = None
    handing_on: int | None = None
    left: int | None = None
    applied: int | None = None
    files_changed: int | None = None
    new_lint: dict[str, int] | None = None
    new_lint_examples: list[str] = field(default_factory=list)
    tests_after: SuiteResult | None = None
    newly_broken: list[str] | None = None

    def percent(self, count: int | None) -> float | None:
        if count is None or not self.handlers:
            return None
        return 100.0 * count / self.handlers


@dataclass
class CorpusFigures:
    """Everything measured on one corpus."""

    environment: str | None = None
    tests_before: SuiteResult | None = None
    # The untouched copy's suite run again, once, when a test failed after a rewrite only:
    # a test failing in either untouched run fails without the rewrite (timing, load).
    tests_before_again: SuiteResult | None = None
    untouched: Path | None = None
    modes: dict[str, ModeFigures] = field(default_factory=dict)
    file_errors: int | None = None
    blockers: list[tuple[str, int]] = field(default_factory=list)
    raw_blockers: list[tuple[str, int]] = field(default_factory=list)
    lnbits_first_run: float | None = None
    lnbits_median: float | None = None


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


def fresh_copy(root: Path, target: Path, environment: Path | None = None) -> Path:
    """A copy of an unpacked sdist without our cache marker or earlier run logs, with the
    project's virtualenv linked as ``.venv`` when it has one."""
    shutil.copytree(root, target, ignore=shutil.ignore_patterns(
        ".complete", ".qualitytool", "__pycache__", ".pytest_cache", ".venv"))
    if environment is not None:
        (target / ".venv").symlink_to(environment, target_is_directory=True)
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


def mode_figures(report: Mapping[str, Any], mode: Mode) -> ModeFigures:
    """Each handler of one fix-exceptions JSON report counted once, as ``mode`` treats it."""
    counts: Counter[str] = Counter()
    for handler in report["handlers"]:
        outcome = handler["outcome"]
        applied = outcome == "safe" or (outcome in NARROWING and mode.unsafe)
        if applied:
            counts["narrowed"] += 1
        elif outcome == "boundary":
            counts["boundary"] += 1
        elif HANDS_ON in (handler["reason"] or ""):
            counts["handing_on"] += 1
        else:
            counts["left"] += 1
    summary = report.get("summary", {})
    return ModeFigures(
        handlers=len(report["handlers"]), narrowed=counts["narrowed"],
        boundary=counts["boundary"], handing_on=counts["handing_on"], left=counts["left"],
        applied=summary.get("applied"), files_changed=summary.get("files_changed"),
    )


def blocker_tables(
    report: Mapping[str, Any]
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The top 10 blockers of the handlers left broad (not those that hand the exception
    on: nothing blocks them), grouped and raw."""
    clauses = [blocking_clause(handler["reason"] or "(no reason given)")
               for handler in report["handlers"]
               if handler["outcome"] == "left" and HANDS_ON not in (handler["reason"] or "")]
    return (Counter(normalize_clause(c) for c in clauses).most_common(10),
            Counter(clauses).most_common(10))


def print_blockers(title: str, blockers: Iterable[tuple[str, int]], left: int | None) -> None:
    print(f"  {title}:")
    for text, count in blockers:
        share = f"{100.0 * count / left:5.1f}%" if left else "     "
        print(f"    {count:>4} {share}  {shorten(text, 110)}")


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def fmt_percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


# --- linters -------------------------------------------------------------------------------

LINE_AND_COLUMN = re.compile(r"^(?P<path>[^:\s]+\.pyi?):\d+(?::\d+)?:?\s*(?P<rest>.*)$")


def parse_located(output: str) -> Counter[str]:
    """``path:line:col: CODE message`` lines (ruff's concise format, flake8) without the
    position; other lines are ignored."""
    found: Counter[str] = Counter()
    for line in output.splitlines():
        match = LINE_AND_COLUMN.match(line.strip())
        if match:
            found[f"{match['path']}: {match['rest']}"] += 1
    return found


def parse_black(output: str) -> Counter[str]:
    """black --check: one "would reformat PATH" per file."""
    return Counter(f"{line.split('would reformat ', 1)[1].strip()}: would reformat"
                   for line in output.splitlines() if "would reformat " in line)


def parse_isort(output: str) -> Counter[str]:
    """isort --check-only: "ERROR: PATH Imports are incorrectly sorted ..." per file."""
    found: Counter[str] = Counter()
    for line in output.splitlines():
        if line.startswith("ERROR: ") and "incorrectly sorted" in line:
            path = line[len("ERROR: "):].split(" Imports are", 1)[0]
            found[f"{path}: imports incorrectly sorted"] += 1
    return found


def cached_venv(name: str, requirements: Sequence[str]) -> Path:
    """A virtualenv under the corpus cache holding ``requirements`` (made once)."""
    venv = corpus_dir() / "venvs" / name
    if not (venv / ".complete").exists():
        print(f"  preparing {name} (once) in {venv}")
        shutil.rmtree(venv, ignore_errors=True)
        setup_command([sys.executable, "-m", "venv", str(venv)])
        setup_command([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                       *requirements])
        (venv / ".complete").touch()
    return venv / "bin"


def lnbits_linters(root: Path) -> tuple[Linter, ...]:
    bin_dir = lnbits_python(root).parent
    return (
        Linter("ruff", (str(bin_dir / "ruff"), "check", "--no-cache", "--force-exclude",
                        "--output-format", "concise"), parse_located),
        Linter("black", (str(bin_dir / "black"), "--check"), parse_black, (0, 1, 123)),
    )


def tornado_linters(_root: Path) -> tuple[Linter, ...]:
    bin_dir = cached_venv("linters-tornado-6.6.1", ("flake8==7.3.0", "black==26.5.1"))
    return (
        Linter("flake8", (str(bin_dir / "flake8"),), parse_located),
        Linter("black", (str(bin_dir / "black"), "--check"), parse_black, (0, 1, 123)),
    )


def django_linters(_root: Path) -> tuple[Linter, ...]:
    bin_dir = cached_venv("linters-django-5.2.8", ("black", "flake8>=3.7.0", "isort>=5.1.0"))
    return (
        Linter("black", (str(bin_dir / "black"), "--check"), parse_black, (0, 1, 123)),
        Linter("flake8", (str(bin_dir / "flake8"),), parse_located),
        Linter("isort", (str(bin_dir / "isort"), "--check-only"), parse_isort),
    )


def changed_files(before: Path, after: Path, package: str) -> list[str]:
    """The ``.py`` files under ``package`` whose bytes differ between the two trees."""
    changed = []
    for path in sorted((after / package).rglob("*.py")):
        relative = path.relative_to(after)
        original = before / relative
        if not original.exists() or original.read_bytes() != path.read_bytes():
            changed.append(str(relative))
    return changed


def run_linter(linter: Linter, root: Path, files: Sequence[str]) -> Counter[str]:
    result = subprocess.run([*linter.argv, *files], cwd=root, capture_output=True, text=True,
                            check=False, timeout=SUITE_TIMEOUT)
    if result.returncode not in linter.ok_codes:
        raise RuntimeError(f"{linter.name}: exit {result.returncode}: "
                           f"{(result.stdout + result.stderr)[-500:]}")
    # isort names files by absolute path: the two trees' findings compare without the root
    output = (result.stdout + "\n" + result.stderr).replace(f"{root.resolve()}/", "")
    return linter.parse(output.replace(f"{root}/", ""))


def new_findings(
    linters: Sequence[Linter], before: Path, after: Path, files: Sequence[str]
) -> tuple[dict[str, int], list[str]]:
    """Per linter, how many findings the rewritten files have that the originals had not;
    and a few of them."""
    counts: dict[str, int] = {}
    examples: list[str] = []
    for linter in linters:
        if not files:
            counts[linter.name] = 0
            continue
        new = run_linter(linter, after, files) - run_linter(linter, before, files)
        counts[linter.name] = sum(new.values())
        examples += [f"{linter.name}: {finding}" for finding in list(new)[:5]]
    return counts, examples


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


DJANGO_APPS = (
    "sessions_tests", "view_tests", "template_tests", "apps", "httpwrappers", "responses",
    "test_utils", "shell", "user_commands", "signing", "migrations", "backends",
)


def django_python(root: Path) -> Path:
    """The interpreter of a virtualenv holding Django 5.2.8's dependencies (made once)."""
    return cached_venv(f"django-{root.name.split('-', 1)[1]}", ("django==5.2.8",)) / "python"


def django_suite(root: Path, prefix: tuple[str, ...] = ()) -> SuiteResult:
    """Django's own runner over ``DJANGO_APPS``, the copy first on ``PYTHONPATH``."""
    output, seconds = run_process(
        [*prefix, str(django_python(root)), "runtests.py", "--parallel", "1", *DJANGO_APPS],
        root / "tests", {"PYTHONPATH": str(root)},
    )
    result = parse_unittest(output)
    result.seconds = seconds
    return result


def django_environment(root: Path) -> Path:
    return django_python(root).parent.parent


def lnbits_environment(root: Path) -> Path:
    return lnbits_python(root).parent.parent


# --- the run -----------------------------------------------------------------------------

CORPORA = (
    Corpus("django", "5.2.8", "django", django_suite, django_environment, django_linters),
    Corpus("tornado", "6.6.1", "tornado",
           lambda root, prefix: tornado_suite(root, sys.executable, prefix), None,
           tornado_linters),
    Corpus("lnbits", "1.6.2", "lnbits", lnbits_suite, lnbits_environment, lnbits_linters),
)


def record_evidence(corpus: Corpus, root: Path, workspace: Path,
                    environment: Path | None) -> Path:
    """The project's suite under ``qualitytool evidence run`` on a copy; the evidence file."""
    assert corpus.suite is not None
    copy = fresh_copy(root, workspace / "recorded" / root.name, environment)
    recorder = (tool("qualitytool"), "evidence", "run", "--path", corpus.package, "--")
    print(f"  {corpus.name}: suite under `qualitytool evidence run` ...")
    print_suite("under the recorder", corpus.suite(copy, recorder))
    evidence = copy / ".qualitytool" / "evidence.json"
    if not evidence.exists():
        raise RuntimeError("the recorded run wrote no evidence file")
    kept = workspace / "evidence.json"
    shutil.copyfile(evidence, kept)
    return kept


def measure_mode(
    corpus: Corpus, mode: Mode, root: Path, workspace: Path, environment: Path | None,
    figures: CorpusFigures, linters: Sequence[Linter], suites: bool, evidence: Path | None,
) -> ModeFigures | None:
    """One mode: write on a fresh copy, count, lint the changed files, run the suite."""
    copy = fresh_copy(root, workspace / mode.name / root.name, environment)
    flags = mode.flags + (("--evidence", str(evidence)) if evidence is not None else ())
    report = fix_exceptions(copy, corpus.package, "--write", *flags)
    result = mode_figures(report, mode)
    figures.file_errors = len(report.get("errors", []))
    if mode.name == "boundaries":
        figures.blockers, figures.raw_blockers = blocker_tables(report)
    files = changed_files(root, copy, corpus.package)
    linted = step(f"linters after {mode.name}", new_findings, linters, root, copy, files)
    if linted is not None:
        result.new_lint, result.new_lint_examples = linted
    if suites and corpus.suite is not None:
        print(f"  {corpus.name} [{mode.name}]: suite after the rewrite ...")
        result.tests_after = step(f"suite after {mode.name}", corpus.suite, copy, ())
        print_suite(f"after {mode.name}", result.tests_after)
        if figures.tests_before is not None and result.tests_after is not None:
            result.newly_broken = _newly_broken(corpus, figures, result.tests_after)
    return result


def _newly_broken(corpus: Corpus, figures: CorpusFigures, after: SuiteResult) -> list[str]:
    """The tests failing after a rewrite that never failed on the untouched copy: the suite
    there runs a second time (once per corpus) when some test seems newly broken, so that a
    test failing under load or by timing on the untouched code too is not blamed on it."""
    assert figures.tests_before is not None
    known = set(figures.tests_before.broken)
    broken = [test for test in dict.fromkeys(after.broken) if test not in known]
    if broken and figures.tests_before_again is None and figures.untouched is not None \
            and corpus.suite is not None:
        print(f"  {corpus.name}: suite on the untouched copy again ({len(broken)} test(s) "
              "failed after a rewrite only) ...")
        figures.tests_before_again = step("suite before, again", corpus.suite,
                                          figures.untouched, ())
        if figures.tests_before_again is not None:
            print_suite("before, again", figures.tests_before_again)
    if figures.tests_before_again is not None:
        known |= set(figures.tests_before_again.broken)
    return [test for test in broken if test not in known]


def time_lnbits(corpus: Corpus, root: Path, workspace: Path, environment: Path | None,
                figures: CorpusFigures, repeat: int) -> None:
    """fix-exceptions (diff mode) on lnbits with its virtualenv: the first run, then more."""
    copy = fresh_copy(root, workspace / "timing" / root.name, environment)
    # An empty cache of derived contracts: the first run derives them, as a user's first does.
    env = {**os.environ, "QUALITYTOOL_CACHE_DIR": str(workspace / "timing-cache")}
    times = []
    for _ in range(1 + repeat):
        start = time.perf_counter()
        subprocess.run([tool("qualitytool"), "fix-exceptions", corpus.package], cwd=copy,
                       capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - start)
    figures.lnbits_first_run = times[0]
    figures.lnbits_median = sorted(times[1:])[len(times[1:]) // 2]
    print(f"  lnbits: fix-exceptions (diff mode) first run {times[0]:.2f} s, median of "
          f"{repeat} more {figures.lnbits_median:.2f} s")


def measure_corpus(corpus: Corpus, repeat: int, suites: bool,
                   measurements: list[Measurement]) -> CorpusFigures:
    figures = CorpusFigures()
    root = sdist(corpus.name, corpus.version)
    environment = None
    if corpus.environment is not None:
        environment = step(f"{corpus.label}'s virtualenv", corpus.environment, root)
    figures.environment = None if environment is None else str(environment)
    linters = step(f"{corpus.label}'s linters", corpus.linters, root) or ()
    print(f"\n{corpus.label}: fix-exceptions {corpus.package} "
          f"(.venv -> {figures.environment or 'none'})")
    with tempfile.TemporaryDirectory(prefix=f"qt-narrowing-{corpus.name}-") as tmp:
        workspace = Path(tmp)
        if suites and corpus.suite is not None:
            print(f"  {corpus.name}: suite before any rewrite ...")
            untouched = fresh_copy(root, workspace / "untouched" / root.name, environment)
            figures.untouched = untouched
            figures.tests_before = step("suite before", corpus.suite, untouched, ())
            print_suite("before", figures.tests_before)
        evidence = None
        if suites and corpus.name == "tornado":
            evidence = step("evidence run", record_evidence, corpus, root, workspace,
                            environment)
        for mode in MODES:
            if mode.evidence and evidence is None:
                continue
            result = step(f"mode {mode.name}", measure_mode, corpus, mode, root, workspace,
                          environment, figures, linters, suites,
                          evidence if mode.evidence else None)
            if result is not None:
                figures.modes[mode.name] = result
        if corpus.name == "django":
            measurements += step("timing on Django", time_django, root, corpus.package,
                                 repeat) or []
        if corpus.name == "lnbits":
            step("timing on lnbits", time_lnbits, corpus, root, workspace, environment,
                 figures, repeat)
    print_corpus(corpus, figures)
    return figures


def run(repeat: int, json_path: Path | None = None, suites: bool = True) -> list[Measurement]:
    """Every corpus in turn (each ends with its table), and the JSON file if asked."""
    results: dict[str, CorpusFigures] = {}
    measurements: list[Measurement] = []
    for corpus in CORPORA:
        figures = step(corpus.label, measure_corpus, corpus, repeat, suites, measurements)
        if figures is not None:
            results[corpus.label] = figures
    if len(measurements) == 2:
        ours, ruff = measurements
        print(f"\nDjango timing: fix-exceptions (diff) {ours.median:.2f} s, ruff "
              f"{ruff.median:.2f} s (median of {len(ours.seconds)}): "
              f"{ours.median / ruff.median:.1f}x ruff's time")
    if json_path is not None:
        step(f"writing {json_path}", write_json, json_path, results, measurements)
    return measurements


def print_corpus(corpus: Corpus, figures: CorpusFigures) -> None:
    """A row per mode: the handlers by how it treats them, new linter findings, the suite."""
    print(f"\n{corpus.label} ({corpus.package}/; .venv -> {figures.environment or 'none'}"
          + (f"; {figures.file_errors} file(s) not analysed" if figures.file_errors else "")
          + ")")
    if figures.tests_before is not None:
        print(f"  suite before any rewrite: {figures.tests_before.brief()}")
    if figures.tests_before_again is not None:
        print(f"  suite before any rewrite, again: {figures.tests_before_again.brief()}")
    header = ("mode", "handlers", "narrowed", "boundary", "handing on", "left", "left %",
              "applied", "files", "new linter findings", "suite after", "newly broken")
    rows = [header]
    for name, mode in figures.modes.items():
        lint = "-" if mode.new_lint is None else ", ".join(
            f"{linter} {count}" for linter, count in mode.new_lint.items())
        suite = "-" if mode.tests_after is None else mode.tests_after.brief()
        broken = "-" if mode.newly_broken is None else str(len(mode.newly_broken))
        rows.append((name, *(str(x) for x in (mode.handlers, mode.narrowed, mode.boundary,
                                               mode.handing_on, mode.left)),
                     fmt_percent(mode.percent(mode.left)), str(mode.applied),
                     str(mode.files_changed), lint, suite, broken))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
    for name, mode in figures.modes.items():
        for example in mode.new_lint_examples:
            print(f"    [{name}] new: {shorten(example, 130)}")
        for test in (mode.newly_broken or [])[:15]:
            print(f"    [{name}] newly broken: {shorten(test, 120)}")
    print_blockers("top 10 blockers in the boundaries mode (grouped)", figures.blockers,
                   (figures.modes.get("boundaries") or ModeFigures()).left)
    print_blockers("top 10 blockers in the boundaries mode (raw first blocking clause)",
                   figures.raw_blockers, (figures.modes.get("boundaries") or ModeFigures()).left)


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


def write_json(path: Path, results: Mapping[str, CorpusFigures],
               measurements: list[Measurement]) -> None:
    document = {
        "corpora": {label: asdict(figures) for label, figures in results.items()},
        "timing": {m.label: {"median": m.median, "seconds": m.seconds} for m in measurements},
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"figures written to {path}")


def print_suite(label: str, result: SuiteResult | None) -> None:
    if result is not None:
        print(f"    {label}: {result.brief()}, {result.skipped} skipped, {result.passed} passed "
              f"({result.seconds:.0f} s)")
