"""`qualitytool report` on the Django 5.2.8 package (``django/``, ~900 files): cold, warm, one
file changed, against the slowest single tool run alone on the same files.

Targets: cold report <= 1.15x the slowest single tool (pylint), warm rerun <= 5% of the cold
report, one-file change <= 10%.  pylint alone and the cold report take one to two minutes each
on 2 cores, and their times drift with the machine, so they run interleaved (pylint, pylint as
the report launches it, cold report), ``min(repeat, 3)`` rounds, and the ratios are of medians.

"pylint alone" is the stock command (``python -m pylint``).  The report runs the same pylint
through ``qualitytool.report.launch``, which only tunes the garbage collector; that launch is
timed alone too, so the cost of everything else the report does stays visible.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import Measurement, print_table, sdist, tool


def _timed(argv: list[str], cwd: Path, ok_codes: tuple[int, ...] = (0, 1)) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in ok_codes:
        raise SystemExit(f"{argv[:3]}: exit {result.returncode}: {result.stderr[-500:]}")
    return elapsed


def _files(django: Path) -> list[str]:
    """The files the report analyses (its own discovery), relative to the project root."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from qualitytool.config import load_config
    from qualitytool.discovery import discover_files

    config = load_config(django)
    return [p.relative_to(django).as_posix() for p in discover_files([django], config)]


def run(repeat: int) -> list[Measurement]:
    # The package, not the sdist's 1,900 test modules: pylint alone takes minutes on it already.
    django = sdist("django", "5.2.8") / "django"
    files = _files(django)
    jobs = str(os.cpu_count() or 1)
    cache = django / ".qualitytool"
    report = [tool("qualitytool"), "report", ".", "--format", "json", "--output", "/dev/null"]
    # The same invocations as the report's runners, each alone on the same files.  pylint gets
    # the same -j as in the report (one per core; its own -j 0 follows the cgroup CPU quota).
    pylint_args = ["--output-format=json2", "--persistent=n", "-j", jobs, *files]
    pylint_codes = tuple(range(32))
    stock, launched, cold = [], [], []
    for _ in range(min(repeat, 3)):
        stock.append(_timed([sys.executable, "-m", "pylint", *pylint_args], django, pylint_codes))
        launched.append(_timed([sys.executable, "-m", "qualitytool.report.launch", "pylint",
                                *pylint_args], django, pylint_codes))
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(_timed(report, django))
    pylint = Measurement(f"pylint json2 -j {jobs} alone (stock)", stock)
    pylint_launched = Measurement("pylint alone, as the report launches it", launched)
    bandit = Measurement("bandit -f json alone (stock)", [_timed(
        [sys.executable, "-m", "bandit", "-f", "json", "-q", *files], django)])
    cold_report = Measurement("report, cold (empty cache)", cold)
    warm = Measurement("report, warm (nothing changed)",
                       [_timed(report, django) for _ in range(repeat)])
    target = django / "utils" / "text.py"
    original = target.read_bytes()
    one_file = []
    try:
        for i in range(repeat):
            target.write_bytes(original + f"\n\ndef _benchmark_{i}(x):\n    return x\n".encode())
            one_file.append(_timed(report, django))
    finally:
        target.write_bytes(original)
    changed = Measurement("report, one file changed", one_file)
    measurements = [pylint, pylint_launched, bandit, cold_report, warm, changed]
    print_table("qualitytool report on Django 5.2.8 (2 cores)", measurements,
                baseline=cold_report.label)
    slowest = max(pylint.median, bandit.median)
    print(f"files analysed: {len(files)}")
    print(f"cold report / slowest single tool: {cold_report.median / slowest:.2f}x "
          "(target <= 1.15x)")
    print(f"cold report / pylint as the report launches it: "
          f"{cold_report.median / pylint_launched.median:.2f}x (the cost of everything else)")
    print(f"warm rerun: {100 * warm.median / cold_report.median:.1f}% of cold (target <= 5%)")
    print(f"one file changed: {100 * changed.median / cold_report.median:.1f}% of cold "
          "(target <= 10%)")
    summary = subprocess.run(report[:3] + ["--format", "json"], cwd=django,
                             capture_output=True, text=True, check=False)
    for entry in json.loads(summary.stdout)["report"]["tools"]:
        print(f"  {entry['tool']}: {entry['status']} {entry['detail']}".rstrip())
    return measurements
