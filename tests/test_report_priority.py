"""Secondary work yields the CPU to the slowest tool: lower priority for background
subprocesses and the report's own worker processes, which also collect garbage less often."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from qualitytool.config import load_config
from qualitytool.gc_tuning import GC_THRESHOLDS
from qualitytool.parallel import BACKGROUND_NICENESS, effective_jobs
from qualitytool.report.model import RunContext
from qualitytool.report.pool import map_cached
from qualitytool.report.tools import run_tool

pytestmark = pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process priorities")

# The child reads its priority only after its standard input is closed, which run_tool does
# after setting the priority: no race.
_PRINT_PRIORITY = "import os, sys; sys.stdin.read(); print(os.getpriority(os.PRIO_PROCESS, 0))"


@pytest.mark.parametrize("background", [False, True])
def test_run_tool_priority(tmp_path: Path, background: bool) -> None:
    completed = run_tool("probe", [sys.executable, "-c", _PRINT_PRIORITY], tmp_path, 60,
                         stdin="", background=background)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    expected = max(ours, BACKGROUND_NICENESS) if background else ours
    assert int(completed.stdout) == expected


def _priority(path: Path) -> dict[str, Any]:
    import gc

    return {"priority": os.getpriority(os.PRIO_PROCESS, 0), "pid": os.getpid(),
            "gc": list(gc.get_threshold())}


def test_worker_processes_run_in_the_background(tmp_path: Path) -> None:
    files = []
    for i in range(60):  # enough for worker processes (below 48 files the work stays serial)
        files.append(tmp_path / f"m{i}.py")
        files[-1].write_text("x = 1\n", encoding="utf-8")
    config = load_config(tmp_path)
    if effective_jobs(config.jobs) == 1:
        pytest.skip("one CPU: no worker processes")
    ctx = RunContext(config=config, root=tmp_path, files=tuple(files), cache=None, timeout=60)
    results, hits = map_cached(ctx, "probe", _priority, None)
    assert hits == 0
    assert {r["pid"] for r in results.values()}.isdisjoint({os.getpid()})
    assert {r["priority"] for r in results.values()} == {
        max(os.getpriority(os.PRIO_PROCESS, 0), BACKGROUND_NICENESS)
    }
    assert all(r["gc"] == list(GC_THRESHOLDS) for r in results.values())
