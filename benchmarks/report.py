"""`qualitytool report` on tornado 6.6.1's package (``tornado/``, 79 files) and Django 5.2.8's
(``django/``, ~900 files): cold, warm, one file changed, against the slowest single tool run
alone on the same files.

Targets (issue 24): cold report <= 1.0x pylint alone, warm rerun <= 5% of the cold report,
one-file change <= 10%.  pylint alone and the cold report take one to two minutes each
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


def _files(root: Path) -> list[str]:
    """The files the report analyses (its own discovery), relative to the project root."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from qualitytool.config import load_config
    from qualitytool.discovery import discover_files

    config = load_config(root)
    return [p.relative_to(root).as_posix() for p in discover_files([root], config)]


# (project, version, the package reported on, the file the one-file change edits)
PROJECTS = (("tornado", "6.6.1", "tornado", "util.py"),
            ("django", "5.2.8", "django", "utils/text.py"))


def run(repeat: int) -> list[Measurement]:
    measurements: list[Measurement] = []
    for name, version, package, edited in PROJECTS:
        measurements += _run(name, version, package, edited, repeat)
    return measurements


def _run(name: str, version: str, package: str, edited: str, repeat: int) -> list[Measurement]:
    # The package, not the sdist's 1,900 test modules: pylint alone takes minutes on it already.
    root = sdist(name, version) / package
    files = _files(root)
    jobs = str(os.cpu_count() or 1)
    cache = root / ".qualitytool"
    report = [tool("qualitytool"), "report", ".", "--format", "json", "--output", "/dev/null"]
    # The same invocations as the report's runners, each alone on the same files.  pylint gets
    # the same -j as in the report (one per core; its own -j 0 follows the cgroup CPU quota).
    pylint_args = ["--output-format=json2", "--persistent=n", "-j", jobs, *files]
    pylint_codes = tuple(range(32))
    stock, launched, cold = [], [], []
    for _ in range(min(repeat, 3)):
        stock.append(_timed([sys.executable, "-m", "pylint", *pylint_args], root, pylint_codes))
        launched.append(_timed([sys.executable, "-m", "qualitytool.report.launch", "pylint",
                                *pylint_args], root, pylint_codes))
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(_timed(report, root))
    pylint = Measurement(f"{name}: pylint json2 -j {jobs} alone (stock)", stock)
    pylint_launched = Measurement(f"{name}: pylint alone, as the report launches it", launched)
    bandit = Measurement(f"{name}: bandit -f json alone (stock)", [_timed(
        [sys.executable, "-m", "bandit", "-f", "json", "-q", *files], root)])
    cold_report = Measurement(f"{name}: report, cold (empty cache)", cold)
    warm = Measurement(f"{name}: report, warm (nothing changed)",
                       [_timed(report, root) for _ in range(repeat)])
    target = root / edited
    original = target.read_bytes()
    one_file = []
    try:
        for i in range(repeat):
            target.write_bytes(original + f"\n\ndef _benchmark_{i}(x):\n    return x\n".encode())
            one_file.append(_timed(report, root))
    finally:
        target.write_bytes(original)
    changed = Measurement(f"{name}: report, one file changed", one_file)
    measurements = [pylint, pylint_launched, bandit, cold_report, warm, changed]
    print_table(f"qualitytool report on {name} {version}'s {package}/ ({os.cpu_count()} cores)",
                measurements, baseline=cold_report.label)
    print(f"files analysed: {len(files)}")
    print(f"cold report / pylint alone (stock): {cold_report.median / pylint.median:.2f}x "
          "(target <= 1.0x)")
    print(f"cold report / pylint as the report launches it: "
          f"{cold_report.median / pylint_launched.median:.2f}x (the cost of everything else)")
    print(f"warm rerun: {100 * warm.median / cold_report.median:.1f}% of cold (target <= 5%)")
    print(f"one file changed: {100 * changed.median / cold_report.median:.1f}% of cold "
          "(target <= 10%)")
    summary = subprocess.run(report[:3] + ["--format", "json"], cwd=root,
                             capture_output=True, text=True, check=False)
    for entry in json.loads(summary.stdout)["report"]["tools"]:
        print(f"  {entry['tool']}: {entry['status']} {entry['detail']}".rstrip())
    return measurements
