"""Contracts derived from the installed dependencies: what they cost and what they unlock, on
lnbits 1.6.2 (a FastAPI backend with about 150 dependencies).

Usage::

    python benchmarks/run.py derived [--repeat N]

Three copies of the lnbits sdist, each with ``[tool.qualitytool]`` added to its
pyproject.toml (so that all three have the same configuration root):

- *no environment*: as today without a virtualenv;
- *.venv*: a ``.venv`` link to lnbits' dependencies (the virtualenv ``narrowing`` builds
  under ``<corpus cache>/venvs/lnbits-1.6.2``), found by the tool itself: typed packages'
  annotations and derived contracts;
- *.venv, derive-contracts = false*: the same environment for typing only.

``qualitytool fix-exceptions lnbits --unsafe-fixes --boundaries`` is timed on each, in turn
(the load of a shared machine falls on all alike), with the derived contracts cached (in a
temporary ``QUALITYTOOL_CACHE_DIR``, filled by the warm-up round), then ``--repeat`` times
with an empty cache: the first run's cost.  Wall and CPU seconds; the ratios are to the
*no environment* run.  Then the handlers each copy narrows, and the handlers whose outcome
derived contracts change (with their new reason).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import Command, Measurement, load_line, print_table, sdist, tool
from narrowing import lnbits_python

FLAGS = ("--unsafe-fixes", "--boundaries")


def _copy(source: Path, target: Path, venv: Path | None, derive: bool = True) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(
        ".complete", ".qualitytool", "__pycache__", ".pytest_cache"))
    extra = "\n[tool.qualitytool]\n"
    if not derive:
        extra += "\n[tool.qualitytool.exceptions]\nderive-contracts = false\n"
    with (target / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(extra)
    if venv is not None:
        (target / ".venv").symlink_to(venv)
    return target


def _report(root: Path, cache: Path) -> dict[str, Any]:
    result = subprocess.run(
        [tool("qualitytool"), "fix-exceptions", "lnbits", "--format", "json", *FLAGS],
        cwd=root, capture_output=True, text=True, check=False,
        env={**os.environ, "QUALITYTOOL_CACHE_DIR": str(cache)},
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"fix-exceptions: exit {result.returncode}: {result.stderr[-500:]}")
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _cold_runs(root: Path, scratch: Path, repeat: int) -> Measurement:
    wall, cpu = [], []
    for index in range(repeat):
        cache = scratch / f"cold-{index}"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        _report(root, cache)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        shutil.rmtree(cache, ignore_errors=True)
    return Measurement("first run (empty cache), .venv", wall, cpu)


def run(repeat: int) -> list[Measurement]:
    source = sdist("lnbits", "1.6.2")
    venv = lnbits_python(source).parent.parent
    with tempfile.TemporaryDirectory(prefix="qualitytool-derived-") as scratch_name:
        scratch = Path(scratch_name)
        plain = _copy(source, scratch / "plain", None)
        with_venv = _copy(source, scratch / "venv", venv)
        typing_only = _copy(source, scratch / "typing", venv, derive=False)
        warm = scratch / "warm-cache"
        os.environ["QUALITYTOOL_CACHE_DIR"] = str(warm)
        argv = [tool("qualitytool"), "fix-exceptions", "lnbits", *FLAGS]
        commands = [Command(f"{label}: fix-exceptions lnbits", argv) for label in
                    ("no environment", ".venv, derived cached", ".venv, derive-contracts off")]
        print(f"\nderived contracts on lnbits 1.6.2 ({load_line()})")
        measured = _interleaved(commands, (plain, with_venv, typing_only), repeat)
        cold = _cold_runs(with_venv, scratch, repeat)
        measurements = [*measured, cold]
        print_table("fix-exceptions lnbits --unsafe-fixes --boundaries (2 cores)",
                    measurements, baseline=measured[0].label)
        base = measured[0]
        for m in measurements[1:]:
            print(f"  {m.label}: {m.median / base.median:.2f}x wall, "
                  f"{m.median_cpu / base.median_cpu:.2f}x CPU of the run without environment")
        reports = {name: _report(root, warm) for name, root in
                   (("no environment", plain), (".venv", with_venv),
                    (".venv, derive-contracts off", typing_only))}
        _print_outcomes(reports)
        _print_changes(reports[".venv, derive-contracts off"], reports[".venv"])
    return measurements


def _interleaved(
    commands: list[Command], roots: tuple[Path, ...], repeat: int
) -> list[Measurement]:
    """Each command in its own folder, in turn, ``repeat`` rounds after a warm-up round
    (which also fills the derived-contract cache)."""
    wall: dict[str, list[float]] = {c.label: [] for c in commands}
    cpu: dict[str, list[float]] = {c.label: [] for c in commands}
    for round_number in range(repeat + 1):
        for command, root in zip(commands, roots):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            result = subprocess.run(command.argv, cwd=root, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True, check=False)
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if result.returncode not in command.ok_codes:
                raise SystemExit(f"{command.label}: exit {result.returncode}: "
                                 f"{result.stderr[-500:]}")
            if round_number:
                wall[command.label].append(elapsed)
                cpu[command.label].append(after.ru_utime - before.ru_utime
                                          + after.ru_stime - before.ru_stime)
    return [Measurement(c.label, wall[c.label], cpu[c.label]) for c in commands]


def _print_outcomes(reports: dict[str, dict[str, Any]]) -> None:
    print("\nhandlers by outcome (--unsafe-fixes --boundaries):")
    for name, report in reports.items():
        counts = Counter(h["outcome"] for h in report["handlers"])
        total = len(report["handlers"])
        narrowed = counts["safe"] + counts["unsafe"]
        print(f"  {name:<30} {total} handlers: safe {counts['safe']}, unsafe "
              f"{counts['unsafe']}, boundary {counts['boundary']}, left {counts['left']} "
              f"({100 * counts['left'] / total:.1f}% left, {100 * narrowed / total:.1f}% "
              "narrowed)")


def _print_changes(before: dict[str, Any], after: dict[str, Any]) -> None:
    old = {(h["path"], h["line"]): h for h in before["handlers"]}
    changed = [h for h in after["handlers"]
               if (o := old.get((h["path"], h["line"]))) is not None
               and (o["outcome"], o["exceptions"]) != (h["outcome"], h["exceptions"])]
    print(f"\nhandlers whose outcome derived contracts change: {len(changed)}")
    for handler in changed:
        was = old[(handler["path"], handler["line"])]
        print(f"  {handler['path']}:{handler['line']}: {was['outcome']} -> {handler['outcome']} "
              f"{', '.join(handler['exceptions'])}")
        print(f"    {handler['reason'] or ''}"[:400])
    blocked = Counter(
        clause.split(" (read in ")[1].split(":")[0]
        for h in after["handlers"] if h["outcome"] == "left" and h["reason"]
        for clause in h["reason"].split("; ") if " (read in " in clause
    )
    print("\nlibraries read for the handlers left broad, without a contract derived "
          "(first three reasons of each handler):")
    for library, count in blocked.most_common(12):
        print(f"  {count:>4}  {library}")
    if not blocked:
        print("  (none)")
