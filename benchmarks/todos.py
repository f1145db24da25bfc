"""todos (the scan) vs ruff --select FIX on Django 5.2.8 + ansible-core 2.19.14 in one run.
Target: within 2x of ruff's wall time on 2 cores."""

from __future__ import annotations

from common import Measurement, print_table, sdist, time_command, tool


def run(repeat: int) -> list[Measurement]:
    django = sdist("django", "5.2.8")
    ansible = sdist("ansible-core", "2.19.14")
    cwd = django.parent
    paths = [django.name, ansible.name]
    ours = time_command(
        "qualitytool todos --format json",
        [tool("qualitytool"), "todos", "--format", "json", *paths], cwd, repeat,
    )
    ours_blame = time_command(
        "qualitytool todos (table, blame attempted)",
        [tool("qualitytool"), "todos", *paths], cwd, repeat,
    )
    ruff = time_command(
        "ruff check --select FIX --no-cache",
        [tool("ruff"), "check", "--isolated", "--select", "FIX", "--no-cache", "-q", *paths],
        cwd, repeat,
    )
    measurements = [ours, ours_blame, ruff]
    print_table("todos scan on Django 5.2.8 + ansible-core 2.19.14", measurements,
                baseline=ruff.label)
    print(f"ours / ruff: {ours.median / ruff.median:.2f}x ruff's wall time (target <= 2x)")
    return measurements
