"""Evidence mode on real projects: what the recorder costs, and what ``fix-exceptions
--evidence`` narrows with what the project's own tests showed.

Usage::

    python benchmarks/run.py evidence

Corpora (PyPI sdists, as in ``narrowing.py``):

- tornado 6.6.1, ``python -m tornado.test.runtests`` (unittest, standard library only), under
  a Python 3.12+ when one is installed (the ``sys.monitoring`` recorder) and under this
  interpreter when it is older (the import-hook recorder);
- lnbits 1.6.2, a FastAPI backend: ``pytest tests/unit``, ``tests/api``, ``tests/wallets``
  in its own virtualenv (``narrowing.lnbits_python``), one evidence run per suite,
  accumulated in one file.

For each: on a fresh copy, the suite without the recorder and under ``qualitytool evidence run
--path PKG --``, alternately, ``--repeat`` times for tornado (at most 3) and once for lnbits;
the ratio of the median wall times is the recorder's overhead (evidence accumulates over the
recorded runs);
then ``fix-exceptions PKG --format json`` without and with ``--evidence`` (handlers by
outcome, and how many ``--unsafe-fixes`` would rewrite); then ``fix-exceptions --evidence
--unsafe-fixes --write`` on another fresh copy and the suite again.  Suite times are single
timings on a shared machine: compare the ratio, not the seconds; timing-sensitive tests of
tornado can fail under load, with or without the recorder.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import sdist, tool
from narrowing import (
    SuiteResult,
    fix_exceptions,
    fresh_copy,
    lnbits_suite,
    print_suite,
    step,
    tornado_suite,
)

OUTCOMES = ("safe", "unsafe", "evidence", "boundary", "left")


def python312() -> str | None:
    """A Python 3.12+ to run tornado's suite under (sys.monitoring), or None."""
    candidates = [sys.executable, "python3.13", "python3.12"]
    candidates += sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.1[2-9]*/bin/python3"))
    for candidate in candidates:
        try:
            out = subprocess.run([candidate, "-c",
                                  "import sys; print(sys.version_info >= (3, 12))"],
                                 capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == "True":
            return candidate
    return None


@dataclass
class EvidenceFigures:
    label: str
    before: SuiteResult | None = None
    recorded: SuiteResult | None = None
    without: dict[str, int] | None = None  # outcomes without --evidence
    with_evidence: dict[str, int] | None = None
    rewritten: int | None = None  # applied by --write --unsafe-fixes --evidence
    after: SuiteResult | None = None
    plain_times: list[float] = field(default_factory=list)
    recorded_times: list[float] = field(default_factory=list)

    @property
    def overhead(self) -> float | None:
        if not self.plain_times or not self.recorded_times:
            return None
        return statistics.median(self.recorded_times) / statistics.median(self.plain_times)


def outcome_counts(report: dict[str, Any]) -> dict[str, int]:
    summary = report["summary"]
    counts = {o: int(summary.get(o, 0)) for o in OUTCOMES}
    counts["handlers"] = sum(counts.values())
    return counts


def measure(
    label: str, sdist_root: Path, package: str,
    suite: Callable[[Path, tuple[str, ...]], SuiteResult], repeat: int,
) -> EvidenceFigures:
    figures = EvidenceFigures(label)
    recorder = (tool("qualitytool"), "evidence", "run", "--path", package, "--")
    with tempfile.TemporaryDirectory(prefix="qt-evidence-") as tmp:
        copy = fresh_copy(sdist_root, Path(tmp) / "recorded" / sdist_root.name)
        for attempt in range(repeat):
            print(f"  {label}: suite without the recorder ({attempt + 1}/{repeat}) ...")
            plain = step("suite", suite, copy, ())
            print_suite("without the recorder", plain)
            print(f"  {label}: suite under `qualitytool evidence run` ({attempt + 1}/{repeat}) ...")
            recorded = step("suite under the recorder", suite, copy, recorder)
            print_suite("under the recorder", recorded)
            if plain is not None and recorded is not None:
                figures.plain_times.append(plain.seconds)
                figures.recorded_times.append(recorded.seconds)
            figures.before = figures.before or plain
            figures.recorded = figures.recorded or recorded
        evidence = copy / ".qualitytool" / "evidence.json"
        plain = step("fix-exceptions", fix_exceptions, copy, package, "--unsafe-fixes")
        seen = step("fix-exceptions --evidence", fix_exceptions, copy, package,
                    "--unsafe-fixes", "--evidence", str(evidence))
        figures.without = None if plain is None else outcome_counts(plain)
        figures.with_evidence = None if seen is None else outcome_counts(seen)
        target = fresh_copy(sdist_root, Path(tmp) / "written" / sdist_root.name)
        written = step("fix-exceptions --evidence --write", fix_exceptions, target, package,
                       "--unsafe-fixes", "--evidence", str(evidence), "--write")
        figures.rewritten = None if written is None else int(written["summary"]["applied"])
        print(f"  {label}: {figures.rewritten} rewrite(s) with --evidence --unsafe-fixes; "
              "suite after --write ...")
        figures.after = step("suite after the rewrite", suite, target, ())
        print_suite("after --write --unsafe-fixes --evidence", figures.after)
    return figures


def print_figures(rows: list[EvidenceFigures]) -> None:
    print("\n## Evidence mode\n")
    print("| corpus | suite | under the recorder | overhead | handlers | without evidence: "
          "safe/unsafe/boundary/left | with evidence: safe/unsafe/evidence/boundary/left | "
          "rewritten (--unsafe-fixes) | suite after |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        def suite(result: SuiteResult | None) -> str:
            return "n/a" if result is None else f"{result.brief()} ({result.seconds:.0f} s)"

        def split(counts: dict[str, int] | None, keys: tuple[str, ...]) -> str:
            return "n/a" if counts is None else "/".join(str(counts[k]) for k in keys)

        handlers = row.with_evidence["handlers"] if row.with_evidence else "n/a"
        overhead = "n/a" if row.overhead is None else (
            f"{row.overhead:.2f}x (median of {len(row.plain_times)})")
        print(f"| {row.label} | {suite(row.before)} | {suite(row.recorded)} | {overhead} | "
              f"{handlers} | {split(row.without, ('safe', 'unsafe', 'boundary', 'left'))} | "
              f"{split(row.with_evidence, OUTCOMES)} | {row.rewritten} | {suite(row.after)} |")


def run(repeat: int) -> list[Any]:
    rows = []
    tornado = sdist("tornado", "6.6.1")
    modern = python312()
    interpreters = [modern] if modern else []
    if sys.version_info < (3, 12):
        interpreters.append(sys.executable)
    for python in interpreters:
        version = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        recorder = "sys.monitoring" if tuple(map(int, version.split(".")[:2])) >= (3, 12) \
            else "import hook"
        rows.append(measure(
            f"tornado 6.6.1, Python {version} ({recorder})", tornado, "tornado",
            lambda root, prefix, python=python: tornado_suite(root, python, prefix),
            min(repeat, 3),
        ))
    lnbits = sdist("lnbits", "1.6.2")
    rows.append(measure(f"lnbits 1.6.2 (pytest, Python {sys.version.split()[0]})", lnbits,
                        "lnbits", lnbits_suite, 1))
    print_figures(rows)
    return []
