"""``python -m qualitytool.report.launch MODULE [ARGS...]``: ``python -m MODULE [ARGS...]``
with the garbage collector tuned for tools that build large, long-lived syntax trees.

pylint (through astroid) and bandit allocate millions of small objects that live until the run
ends.  With CPython's default thresholds (700, 10, 10) the cyclic collector walks them again
and again: on Django's package that is about a quarter of pylint's CPU time and a sixth of
bandit's.  Collecting less often changes no result (the tools do not depend on when cycles
are freed; ``tests/test_report_runners.py`` compares their output with the plain command's)
and costs little memory, since these objects are not garbage anyway.  pylint's ``-j`` workers
are forked on Linux and inherit the setting.
"""

from __future__ import annotations

import gc
import runpy
import sys

GC_THRESHOLDS = (100_000, 50, 1_000)


def main() -> None:
    if len(sys.argv) < 2:
        sys.stderr.write("usage: python -m qualitytool.report.launch MODULE [ARGS...]\n")
        raise SystemExit(2)
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    gc.set_threshold(*GC_THRESHOLDS)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
