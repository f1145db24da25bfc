"""Run the benchmarks side by side with the peer tools: ``python benchmarks/run.py [NAME...]``.

Corpora are PyPI sdists cached in ``~/.cache/qualitytool/corpora`` (or
``$QUALITYTOOL_CORPUS_DIR``).  ``--repeat N`` sets the timed runs per command (default 5).
``--json FILE`` and ``--no-suites`` go to the benchmarks that take them (``narrowing``),
``--corpus NAME`` to ``shards`` (``django``, the default, or ``tornado``).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCHMARKS = ("check_exceptions", "fix_exceptions", "todos", "report", "report_cache",
              "narrowing", "evidence", "todo_categories", "shards", "derived",
              "hostile_fixes")
# Long runs, only when named: 10,000 fuzzed programs; peak memory on generated inputs.
ON_REQUEST = ("fuzz", "memory")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", type=lambda name: name.replace("-", "_"),
                        choices=[*BENCHMARKS, *ON_REQUEST, []],
                        help="benchmarks to run (todo-categories "
                        "or todo_categories)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, metavar="FILE", dest="json_path",
                        help="write the figures as JSON (narrowing)")
    parser.add_argument("--no-suites", action="store_false", dest="suites",
                        help="skip the corpora's own test suites (narrowing)")
    parser.add_argument("--corpus", choices=("django", "tornado"), default=None,
                        help="the sdist to shard (shards; default django)")
    args = parser.parse_args()
    for name in args.names or BENCHMARKS:
        run = importlib.import_module(name).run
        accepted = inspect.signature(run).parameters
        options = {key: value for key, value in (("json_path", args.json_path),
                                                  ("suites", args.suites),
                                                  ("corpus", args.corpus))
                   if key in accepted and value is not None}
        run(args.repeat, **options)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
