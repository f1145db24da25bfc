"""check-exceptions vs ruff (BLE001, E722) vs pylint (broad-exception-caught, bare-except)
on the Django 5.2.8 source.  Targets: within 3x of ruff, at least 20x faster than pylint."""

from __future__ import annotations

from common import Measurement, print_table, sdist, time_command, tool


def run(repeat: int) -> list[Measurement]:
    django = sdist("django", "5.2.8")
    # Django ships a file with a deliberate syntax error: exit 2 ("a file could not be analysed").
    ours = time_command("qualitytool check-exceptions", [tool("qualitytool"), "check-exceptions", "."], django,
                        repeat, ok_codes=(0, 1, 2))
    ruff = time_command(
        "ruff --select BLE001,E722 --no-cache",
        [tool("ruff"), "check", "--isolated", "--select", "BLE001,E722", "--no-cache", "-q", "."],
        django, repeat,
    )
    pylint = time_command(
        "pylint broad-exception-caught,bare-except -j 0",
        [tool("pylint"), "--disable=all", "--enable=broad-exception-caught,bare-except",
         "-j", "0", "--score=n", "django", "tests"],
        django, max(1, repeat // 3), ok_codes=tuple(range(64)),
    )
    measurements = [ours, ruff, pylint]
    print_table("check-exceptions on Django 5.2.8 (2 cores)", measurements, baseline=ours.label)
    print(f"ruff / ours: {ruff.median / ours.median:.2f}  (ours is {ours.median / ruff.median:.2f}x ruff's time; target <= 3x)")
    print(f"pylint / ours: {pylint.median / ours.median:.1f}x faster than pylint (target >= 20x)")
    return measurements
