"""Run the benchmarks side by side with the peer tools: ``python benchmarks/run.py [NAME...]``.

Corpora are PyPI sdists cached in ``~/.cache/qualitytool/corpora`` (or
``$QUALITYTOOL_CORPUS_DIR``).  ``--repeat N`` sets the timed runs per command (default 5).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCHMARKS = ("check_exceptions", "fix_exceptions", "todos", "report")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for name in args.names or BENCHMARKS:
        importlib.import_module(name).run(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
