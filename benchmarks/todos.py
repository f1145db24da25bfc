"""todos (the scan) vs ruff --select FIX on Django 5.2.8.

The scan has no cache: it is compared with ruff cold (``--no-cache``) and, to be complete,
with ruff warm (its cache filled by the warm-up round).  Ours and ruff run in turn in each
round (same load).  Ours runs as users install it (see ``common.installed_qualitytool``).
Target (issue 24): within 1.5x of ruff's cold wall time on 2 cores.  On a shared machine the
CPU time (user + system) is the steadier figure: both are printed.
"""

from __future__ import annotations

from common import (
    Command,
    Measurement,
    installed_qualitytool,
    load_line,
    print_table,
    sdist,
    time_side_by_side,
    tool,
)

TARGET = 1.5


def run(repeat: int) -> list[Measurement]:
    django = sdist("django", "5.2.8")
    cwd = django.parent
    paths = [django.name]
    ruff = [tool("ruff"), "check", "--isolated", "--select", "FIX", "-q", *paths]
    ours = installed_qualitytool()
    ours_json, ours_table, ruff_cold, ruff_warm = time_side_by_side(
        [
            Command("qualitytool todos --format json",
                    [ours, "todos", "--format", "json", *paths]),
            Command("qualitytool todos (table, blame attempted)",
                    [ours, "todos", *paths]),
            Command("ruff check --select FIX --no-cache", [*ruff, "--no-cache"]),
            Command("ruff check --select FIX (cached)", ruff),
        ],
        cwd, repeat,
    )
    measurements = [ours_json, ours_table, ruff_cold, ruff_warm]
    print_table("todos scan on Django 5.2.8", measurements, baseline=ruff_cold.label)
    print(f"{load_line()} (during the side-by-side rounds)")
    for ours in (ours_json, ours_table):
        cold = ours.median / ruff_cold.median
        warm = ours.median / ruff_warm.median
        print(f"{ours.label}: {cold:.2f}x ruff --no-cache, {warm:.2f}x ruff cached "
              f"(target <= {TARGET:g}x ruff: {'met' if cold <= TARGET else 'NOT met'} against "
              f"ruff cold); CPU {ours.median_cpu / ruff_cold.median_cpu:.2f}x ruff --no-cache's")
    return measurements
