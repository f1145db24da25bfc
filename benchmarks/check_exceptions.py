"""check-exceptions vs ruff (BLE001, E722) vs pylint (broad-exception-caught, bare-except)
on the Django 5.2.8 source.

Cold: both without their cache (``--no-cache``), every file read and parsed.  Warm: both with
their cache filled by the warm-up round and nothing changed since, as a rerun after an edit
elsewhere sees it.  Ours and ruff run in turn in each round (same load).  Ours runs as users
install it (see ``common.installed_qualitytool``).
Target (issue 15):
at most 2x ruff's wall time; at least 20x faster than pylint.
"""

from __future__ import annotations

from common import (
    Command,
    Measurement,
    installed_qualitytool,
    load_line,
    print_table,
    sdist,
    time_command,
    time_side_by_side,
    tool,
)

RUFF = [tool("ruff"), "check", "--isolated", "--select", "BLE001,E722", "-q", "."]
OURS = [installed_qualitytool(), "check-exceptions", "."]
# Django ships a file with a deliberate syntax error: exit 2 ("a file could not be analysed").
OURS_CODES = (0, 1, 2)


def run(repeat: int) -> list[Measurement]:
    django = sdist("django", "5.2.8")
    ours_cold, ruff_cold, ours_warm, ruff_warm = time_side_by_side(
        [
            Command("qualitytool check-exceptions --no-cache", [*OURS, "--no-cache"], OURS_CODES),
            Command("ruff --select BLE001,E722 --no-cache", [*RUFF, "--no-cache"]),
            Command("qualitytool check-exceptions (cached)", OURS, OURS_CODES),
            Command("ruff --select BLE001,E722 (cached)", RUFF),
        ],
        django, repeat,
    )
    load = load_line()
    pylint = time_command(
        "pylint broad-exception-caught,bare-except -j 0",
        [tool("pylint"), "--disable=all", "--enable=broad-exception-caught,bare-except",
         "-j", "0", "--score=n", "django", "tests"],
        django, max(1, repeat // 3), ok_codes=tuple(range(64)),
    )
    measurements = [ours_cold, ruff_cold, ours_warm, ruff_warm, pylint]
    print_table("check-exceptions on Django 5.2.8 (2 cores)", measurements,
                baseline=ours_cold.label)
    print(f"{load} (during the side-by-side rounds)")
    cold = ours_cold.median / ruff_cold.median
    warm = ours_warm.median / ruff_warm.median
    print(f"cold (no cache): ours is {cold:.2f}x ruff's wall time; warm (cached): {warm:.2f}x "
          f"(target <= 2x: cold {'met' if cold <= 2 else 'NOT met'}, "
          f"warm {'met' if warm <= 2 else 'NOT met'})")
    print(f"CPU time (user + system): cold {ours_cold.median_cpu / ruff_cold.median_cpu:.2f}x "
          f"ruff's, warm {ours_warm.median_cpu / ruff_warm.median_cpu:.2f}x")
    print(f"pylint / ours: {pylint.median / ours_cold.median:.1f}x faster than pylint cold "
          "(target >= 20x)")
    return measurements
