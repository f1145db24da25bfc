"""fix-exceptions (diff only, nothing written) vs ruff (BLE001, E722) on the Django 5.2.8 source.

ruff only reports the broad handlers; fix-exceptions also infers what each try body raises
and renders the diff.  Target: under 3 s on 2 cores.
"""

from __future__ import annotations

from common import Measurement, print_table, sdist, time_command, tool


def run(repeat: int) -> list[Measurement]:
    django = sdist("django", "5.2.8")
    ours = time_command(
        "qualitytool fix-exceptions (diff)", [tool("qualitytool"), "fix-exceptions", "."],
        django, repeat, ok_codes=(0, 1, 2),
    )
    # Cold, as fix-exceptions has no cache; Django's deliberate syntax error makes it exit 2.
    check = time_command(
        "qualitytool check-exceptions --no-cache",
        [tool("qualitytool"), "check-exceptions", "--no-cache", "."], django, repeat,
        ok_codes=(0, 1, 2),
    )
    ruff = time_command(
        "ruff --select BLE001,E722 --no-cache",
        [tool("ruff"), "check", "--isolated", "--select", "BLE001,E722", "--no-cache", "-q", "."],
        django, repeat,
    )
    measurements = [ours, check, ruff]
    print_table("fix-exceptions on Django 5.2.8 (2 cores)", measurements, baseline=ours.label)
    print(f"fix-exceptions: {ours.median:.2f} s (target < 3 s); "
          f"{ours.median / ruff.median:.1f}x ruff's time, "
          f"{ours.median / check.median:.2f}x check-exceptions'")
    return measurements
