"""The report's cache on tornado 6.6.1's package (``tornado/``, 78 files), in a temporary copy
(the cached corpus is never modified): a cold report, warm reports (nothing changed), then a
module other modules import is changed (``queues.py`` loses ``LifoQueue``, which
``test/queues_test.py`` uses) and the warm report is compared with a cold one.

pylint's cached result of a file is keyed by its import closure, so the warm report after the
change must equal the cold one: the same findings of every tool, the same metrics and score.
Printed: the times (with the load average: the machine is shared), how many files pylint
linted again, and whether the two reports are equal.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import Measurement, print_table, sdist, tool

_CHANGED = "queues.py"
_BEFORE = "class LifoQueue(Queue):"
_AFTER = "class StackQueue(Queue):"


def _report(project: Path, output: Path) -> tuple[float, dict[str, Any]]:
    argv = [tool("qualitytool"), "report", ".", "--format", "json", "--output", str(output)]
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"report: exit {result.returncode}: {result.stderr[-500:]}")
    document: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return elapsed, document


def _comparable(document: dict[str, Any], *, snippets: bool = True) -> dict[str, Any]:
    """A report without what only says how it was computed (cache hits).  ``snippets=False``
    keeps of a ``duplicate-code`` message only the duplicated ranges: which copy's lines
    pylint quotes varies from run to run, even with one job and a fixed hash seed."""
    tools = [{k: v for k, v in t.items() if k != "cached_files"}
             for t in document["report"]["tools"]]
    findings = document["findings"] if snippets else [_ranges_only(f)
                                                      for f in document["findings"]]
    return {"findings": findings, "metrics": document["report"]["metrics"],
            "gates": document["report"]["gates"],
            "tools": tools}


def _ranges_only(finding: dict[str, Any]) -> dict[str, Any]:
    if finding["rule_id"] != "R0801":
        return finding
    ranges = [line for line in finding["message"].splitlines() if line.startswith("==")]
    return {**finding, "message": "\n".join(ranges), "context": "", "fingerprint": ""}


def _pylint(document: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in document["report"]["tools"] if t["tool"] == "pylint")


def _differences(left: dict[str, Any], right: dict[str, Any], *, snippets: bool = True) -> str:
    """What differs between two reports: '' when nothing, else the parts and the findings
    on one side only, by rule."""
    a, b = _comparable(left, snippets=snippets), _comparable(right, snippets=snippets)
    parts = [key for key in ("findings", "metrics", "gates") if a[key] != b[key]]
    parts += [f"tool {x['tool']}" for x, y in zip(a["tools"], b["tools"]) if x != y]
    if not parts:
        return ""
    ours = Counter(json.dumps(f, sort_keys=True) for f in a["findings"])
    theirs = Counter(json.dumps(f, sort_keys=True) for f in b["findings"])
    one_side = [json.loads(key) for key in (ours - theirs) + (theirs - ours)]
    by_rule = Counter(f["rule_id"] for f in one_side)
    rules = ", ".join(f"{rule} x{n}" for rule, n in sorted(by_rule.items()))
    paths = ", ".join(sorted({f["path"] for f in one_side}))
    return f"{', '.join(parts)} (findings on one side only: {rules or 'none'}; in {paths})"


def run(repeat: int) -> list[Measurement]:
    source = sdist("tornado", "6.6.1") / "tornado"
    with tempfile.TemporaryDirectory(prefix="qt-report-cache-") as tmp:
        project = Path(tmp) / "tornado"
        shutil.copytree(source, project,
                        ignore=shutil.ignore_patterns(".qualitytool", "__pycache__"))
        output = Path(tmp) / "report.json"
        cache = project / ".qualitytool"
        load = [f"{os.getloadavg()[0]:.1f}"]

        cold_seconds, cold = _report(project, output)
        warm_runs = [_report(project, output) for _ in range(repeat)]
        warm_equal = all(not _differences(cold, doc) for _, doc in warm_runs)
        load.append(f"{os.getloadavg()[0]:.1f}")

        changed = project / _CHANGED
        changed.write_text(changed.read_text(encoding="utf-8").replace(_BEFORE, _AFTER),
                           encoding="utf-8")
        after_seconds, after = _report(project, output)
        shutil.rmtree(cache)
        recold_seconds, recold = _report(project, output)
        # pylint's own run-to-run variation, for reference: a second cold run.
        shutil.rmtree(cache)
        _, recold_again = _report(project, output)
        load.append(f"{os.getloadavg()[0]:.1f}")

    cold_report = Measurement("report, cold (empty cache)", [cold_seconds])
    warm = Measurement("report, warm (nothing changed)", [s for s, _ in warm_runs])
    warm_after = Measurement(f"report, warm after {_CHANGED} changed", [after_seconds])
    cold_after = Measurement(f"report, cold after {_CHANGED} changed", [recold_seconds])
    measurements = [cold_report, warm, warm_after, cold_after]
    print_table("qualitytool report cache on tornado 6.6.1 (tornado/, a temporary copy)",
                measurements, baseline=cold_report.label)
    print(f"load average (1 min) before / after the warm runs / at the end: {' / '.join(load)}")
    pylint_after = _pylint(after)
    print(f"warm (nothing changed): {100 * warm.median / cold_report.median:.1f}% of cold; "
          f"equal to cold: {warm_equal}")
    print(f"after the change pylint linted {pylint_after['files'] - pylint_after['cached_files']} "
          f"of {pylint_after['files']} files again (the changed module and its importers)")
    before_change = _comparable(cold, snippets=False)["findings"]
    new = [f for f in _comparable(after, snippets=False)["findings"] if f not in before_change]
    print(f"findings the change brought: {len(new)}")
    for finding in new:
        print(f"  {finding['path']}:{finding['line']} {finding['rule_id']} {finding['message']}")
    print(f"pylint score {after['report']['metrics'].get('pylint_score')} (warm) and "
          f"{recold['report']['metrics'].get('pylint_score')} (cold); "
          f"{len(after['findings'])} and {len(recold['findings'])} findings")
    _print_equality("warm report after the change equals the cold one", after, recold)
    # pylint's own run-to-run variation: what two cold runs of the same files differ in.
    _print_equality("two cold runs equal each other", recold_again, recold)
    return measurements


def _print_equality(title: str, first: dict[str, Any], second: dict[str, Any]) -> None:
    """Whether two reports are equal, exactly and with duplicate-code reduced to its ranges."""
    for label, snippets in ((title, True), ("  with duplicate-code reduced to its ranges", False)):
        differ = _differences(first, second, snippets=snippets)
        print(f"{label}: {not differ}" + (f"; differ in: {differ}" if differ else ""))
