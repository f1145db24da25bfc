"""The report's runners, one module per tool, discovered automatically.

A runner module defines ``RUNNER``: an object with a ``name``, ``applies(ctx)`` (``None`` when
the tool should run, else why it is skipped) and ``run(ctx) -> ToolResult``.  Adding a tool
means adding a module here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from pathlib import Path

from qualitytool.report.model import Runner


def all_runners() -> dict[str, Runner]:
    """Every runner, by name, in name order."""
    found: dict[str, Runner] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        runner = getattr(module, "RUNNER", None)
        if runner is not None:
            found[runner.name] = runner
    return dict(sorted(found.items()))


def command_warnings(commands: Sequence[str], source: Path | None) -> list[str]:
    """A warning for each ``[tool.qualitytool.report] commands`` entry that no runner would
    use: runners that start a tool of their own say so with ``takes_command``; the others
    run in-process."""
    runners = all_runners()
    takers = sorted(name for name, runner in runners.items()
                    if getattr(runner, "takes_command", False))
    warnings = []
    for entry in commands:
        name, sep, command = entry.partition("=")
        name = name.strip()
        if not sep or not command.strip():
            problem = "is not `tool=command`"
        elif name in runners and name not in takers:
            problem = f"names `{name}`, which runs in-process and takes no command"
        elif name not in runners:
            problem = f"names no tool of the report (`{name}`)"
        else:
            continue
        warnings.append(f"{source or 'configuration'}: [tool.qualitytool.report] commands "
                        f"entry '{entry}' {problem}; ignored (tools that take a command: "
                        f"{', '.join(takers)})")
    return warnings
