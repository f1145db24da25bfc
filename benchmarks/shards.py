"""``report --shard I/4`` x 4 merged against one unsharded ``report`` on the Django 5.2.8 package.

Every run is cold (``--no-cache``).  The shards run one after the other here; on a CI matrix
they run side by side, each on its own machine, so the matrix's wall time is the slowest shard
plus the merge (which lints the whole project once more for pylint's cross-file messages).
Then the merged report is compared with the unsharded one: pylint score, findings, gates and
metrics.  Differences in pylint's ``cyclic-import`` and ``duplicate-code`` messages (the ones the
merge computes in its own pylint pass) are listed apart.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from common import sdist, tool
from report import _timed

SHARDS = 4
CROSS_FILE = ("cyclic-import", "duplicate-code")


def _symbol(finding: dict[str, Any]) -> str:
    return str(finding["message"]).rsplit("(", 1)[-1].rstrip(")")


def run(repeat: int) -> dict[str, Any]:
    django = sdist("django", "5.2.8") / "django"
    qualitytool = tool("qualitytool")
    out = Path(tempfile.mkdtemp(prefix="qualitytool-shards-"))  # kept: the JSON to compare
    whole_json = out / "whole.json"
    whole = _timed([qualitytool, "report", ".", "--no-cache", "--format", "json",
                    "--output", str(whole_json)], django)
    shard_times = []
    for index in range(1, SHARDS + 1):
        shard_times.append(_timed(
            [qualitytool, "report", ".", "--no-cache", "--shard", f"{index}/{SHARDS}",
             "--format", "json", "--output", str(out / f"shard-{index}.json")], django))
    start = time.perf_counter()
    merged_json = out / "merged.json"
    _timed([qualitytool, "report", "--merge",
            *(str(out / f"shard-{i}.json") for i in range(1, SHARDS + 1)),
            "--format", "json", "--output", str(merged_json)], django)
    merge = time.perf_counter() - start
    a = json.loads(whole_json.read_text())
    b = json.loads(merged_json.read_text())
    files = [json.loads((out / f"shard-{i}.json").read_text())["report"]["files"]
             for i in range(1, SHARDS + 1)]
    print(f"\nreport on Django 5.2.8 `django/`, unsharded vs {SHARDS} shards merged (cold, 2 cores)")
    print(f"outputs in {out}")
    print(f"unsharded report: {whole:.1f} s over {a['report']['files']} files")
    print("shards: " + ", ".join(f"{t:.1f} s ({n} files)" for t, n in zip(shard_times, files)))
    print(f"merge (with the cross-file pylint pass): {merge:.1f} s")
    matrix = max(shard_times) + merge
    print(f"matrix wall time (slowest shard + merge): {matrix:.1f} s, "
          f"{matrix / whole:.2f}x the unsharded report")
    score_a = a["report"]["metrics"]["pylint_score"]
    score_b = b["report"]["metrics"]["pylint_score"]
    print(f"pylint score: unsharded {score_a}, merged {score_b}")

    def keyed(document: dict[str, Any], cross: bool) -> list[str]:
        return sorted(json.dumps(f, sort_keys=True) for f in document["findings"]
                      if (f["tool"] == "pylint" and _symbol(f) in CROSS_FILE) == cross)

    same_findings = keyed(a, False) == keyed(b, False)
    cross_a, cross_b = keyed(a, True), keyed(b, True)
    print(f"findings other than {', '.join(CROSS_FILE)}: "
          f"{'identical' if same_findings else 'DIFFERENT'} ({len(keyed(a, False))})")
    for symbol in CROSS_FILE:
        only_a = [f for f in cross_a if f'({symbol})"' in f]
        only_b = [f for f in cross_b if f'({symbol})"' in f]
        print(f"{symbol}: unsharded {len(only_a)}, merged {len(only_b)}, "
              f"{len(set(only_a) ^ set(only_b))} differ")
    gates_a = [(g["key"], g["measured"], g["status"]) for g in a["report"]["gates"]]
    gates_b = [(g["key"], g["measured"], g["status"]) for g in b["report"]["gates"]]
    print(f"gates: {'identical' if gates_a == gates_b else 'DIFFERENT'}")
    for gate_a, gate_b in zip(gates_a, gates_b):
        if gate_a != gate_b:
            print(f"  {gate_a} != {gate_b}")
    return {"unsharded": whole, "shards": shard_times, "merge": merge,
            "score": (score_a, score_b), "findings_identical": same_findings,
            "gates_identical": gates_a == gates_b}
