"""The report's runners, one module per tool, discovered automatically.

A runner module defines ``RUNNER``: an object with a ``name``, ``applies(ctx)`` (``None`` when
the tool should run, else why it is skipped) and ``run(ctx) -> ToolResult``.  Adding a tool
means adding a module here.
"""

from __future__ import annotations

import importlib
import pkgutil

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
