"""``python -m qualitytool.report.launch MODULE [ARGS...]``: ``python -m MODULE [ARGS...]``
with the garbage collector tuned for tools that build large, long-lived syntax trees.

pylint (through astroid) and bandit allocate millions of small objects that live until the run
ends.  With CPython's default thresholds (700, 10, 10) the cyclic collector walks them again
and again: on Django's package that is about a quarter of pylint's CPU time and a sixth of
bandit's.  Collecting less often changes no result (the tools do not depend on when cycles
are freed; ``tests/test_report_runners.py`` compares their output with the plain command's)
and costs little memory, since these objects are not garbage anyway.  pylint's ``-j`` workers
are forked on Linux and inherit the setting.

It starts through :func:`launch_command` (``python -c BOOTSTRAP``), not ``python -m``: the
tools run with the analysed project as working directory, and ``python -m`` puts that
directory first on ``sys.path``, so a ``pylint.py``, ``bandit.py`` or ``qualitytool/`` at the
project's root would be imported (and run) instead of the tool.  ``--untrusted`` before the
module also keeps pylint from running the project's ``init-hook`` and plugins
(:mod:`qualitytool.report.untrusted`).
"""

from __future__ import annotations

import gc
import os
import runpy
import sys

GC_THRESHOLDS = (100_000, 50, 1_000)
UNTRUSTED_FLAG = "--untrusted"
# Runs before anything is imported from sys.path: drop the working directory from it.
BOOTSTRAP = (
    "import os, sys; here = os.path.realpath(os.getcwd()); "
    "sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != here]; "
    "from qualitytool.report.launch import main; main()"
)


def launch_command(module: str, *, untrusted: bool = False) -> list[str]:
    """The command running ``python -m module`` this way, safe in any working directory."""
    return [sys.executable, "-c", BOOTSTRAP, *([UNTRUSTED_FLAG] if untrusted else []), module]


def _without_working_directory(path: list[str]) -> list[str]:
    here = os.path.realpath(os.getcwd())
    return [p for p in path if p and os.path.realpath(p) != here]


def main() -> None:
    args = sys.argv[1:]
    untrusted = bool(args) and args[0] == UNTRUSTED_FLAG
    if untrusted:
        args = args[1:]
    if not args:
        sys.stderr.write("usage: python -m qualitytool.report.launch [--untrusted] MODULE [ARGS...]\n")
        raise SystemExit(2)
    module = args[0]
    sys.argv = [module, *args[1:]]
    sys.path[:] = _without_working_directory(sys.path)
    if untrusted and module == "pylint":
        from qualitytool.report.untrusted import neutralise_pylint_config

        neutralise_pylint_config()
    gc.set_threshold(*GC_THRESHOLDS)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
