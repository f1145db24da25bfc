"""``report --shard I/4`` x 4 merged against one unsharded ``report``: the Django 5.2.8 package
(``--corpus django``, the default) or tornado 6.6.1's (``--corpus tornado``).

Every run is cold (``--no-cache``).  The shards run one after the other here; on a CI matrix
they run side by side, each on its own machine, so the matrix's wall time is the slowest shard
plus the merge (which lints the whole project once more for pylint's cross-file messages).
Then the merged report is compared with the unsharded one: pylint score, every finding, gates
and metrics, which must be equal; pylint's ``cyclic-import`` and ``duplicate-code`` messages
(the ones the merge computes in its own pylint pass) are also counted apart.
"""

from __future__ import annotations

import json
import shutil
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


CORPORA = {"django": ("django", "5.2.8"), "tornado": ("tornado", "6.6.1")}


def run(repeat: int, corpus: str = "django") -> dict[str, Any]:
    name, version = CORPORA[corpus]
    source = sdist(name, version) / name
    copy = Path(tempfile.mkdtemp(prefix=f"qualitytool-shards-{name}-")) / name
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".qualitytool", "__pycache__"))
    package = copy  # a copy: the runs leave nothing in the corpus
    qualitytool = tool("qualitytool")
    out = Path(tempfile.mkdtemp(prefix="qualitytool-shards-"))  # kept: the JSON to compare
    whole_json = out / "whole.json"
    whole = _timed([qualitytool, "report", ".", "--no-cache", "--format", "json",
                    "--output", str(whole_json)], package)
    shard_times = []
    for index in range(1, SHARDS + 1):
        shard_times.append(_timed(
            [qualitytool, "report", ".", "--no-cache", "--shard", f"{index}/{SHARDS}",
             "--format", "json", "--output", str(out / f"shard-{index}.json")], package))
    start = time.perf_counter()
    merged_json = out / "merged.json"
    _timed([qualitytool, "report", "--merge",
            *(str(out / f"shard-{i}.json") for i in range(1, SHARDS + 1)),
            "--format", "json", "--output", str(merged_json)], package)
    merge = time.perf_counter() - start
    a = json.loads(whole_json.read_text())
    b = json.loads(merged_json.read_text())
    files = [json.loads((out / f"shard-{i}.json").read_text())["report"]["files"]
             for i in range(1, SHARDS + 1)]
    print(f"\nreport on {name} {version} `{name}/`, unsharded vs {SHARDS} shards merged "
          "(cold, 2 cores)")
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
    every = a["findings"] == b["findings"]
    metrics = a["report"]["metrics"] == b["report"]["metrics"]
    tools = [t["tool"] for t, u in zip(a["report"]["tools"], b["report"]["tools"])
             if {**t["metrics"], "reports": []} != {**u["metrics"], "reports": []}]
    print(f"every finding ({len(a['findings'])}): {'identical' if every else 'DIFFERENT'}; "
          f"headline metrics: {'identical' if metrics else 'DIFFERENT'}; tools' metrics "
          f"differing: {', '.join(tools) or 'none'}")
    return {"unsharded": whole, "shards": shard_times, "merge": merge,
            "score": (score_a, score_b), "findings_identical": same_findings,
            "every_finding_identical": every, "gates_identical": gates_a == gates_b}
