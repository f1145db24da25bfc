"""Plain data of a quality report: what each tool produced, and what a runner is given.

Every runner returns one :class:`ToolResult`: its findings (the one
:class:`~qualitytool.findings.Finding` model) and its metrics (JSON-friendly values), or why it
could not run.  A tool that is missing, crashes or times out is a result too, never an
exception that stops the other tools.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from qualitytool.config import Config
from qualitytool.findings import Finding

if TYPE_CHECKING:
    from qualitytool.report.cache import CacheBucket, ReportCache
    from qualitytool.report.trusted import TrustedSettings
    from qualitytool.report.untrusted import IgnoredSetting
    from qualitytool.shard import Shard


class ToolStatus(str, enum.Enum):
    """How a tool's run ended."""

    OK = "ok"
    MISSING = "missing"  # not installed / command not found / subcommand not available
    CRASHED = "crashed"  # exited with an unexpected status or unreadable output
    TIMEOUT = "timeout"
    SKIPPED = "skipped"  # nothing to do (no coverage.json, not used by the project, disabled)


@dataclass(frozen=True)
class ToolResult:
    """What one tool produced over the project."""

    tool: str
    status: ToolStatus
    version: str | None = None
    # Why the tool is not OK (or a note on an OK run), one line for users.
    detail: str = ""
    findings: tuple[Finding, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    files: int = 0
    cached_files: int = 0
    # (path, why) of the files the tool could not analyse; its other results stand.
    unanalysed: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is ToolStatus.OK


@dataclass(frozen=True)
class RunContext:
    """Everything a runner needs: the project, its files, the cache and a progress callback."""

    config: Config
    root: Path
    # Python files to analyse, absolute, in discovery order.
    files: tuple[Path, ...]
    # Every Python file of the project (a shard's ``files`` are a share of these).
    project_files: tuple[Path, ...] = ()
    cache: ReportCache | None = None
    timeout: float = 600.0
    # tool name, files done, files in total
    on_progress: Callable[[str, int, int], None] | None = None
    # Where runners that produce Markdown of their own (todos) may write it.
    out_dir: Path | None = None
    # A sharded run (``--shard I/N``): ``files`` are this shard's share only.
    shard: Shard | None = None
    # --untrusted: run none of the project's code (see qualitytool.report.untrusted), and
    # what that ignores.
    untrusted: bool = False
    ignored: tuple[IgnoredSetting, ...] = ()
    # --untrusted: the tools' configuration files from the trusted source (None: defaults).
    trusted: TrustedSettings | None = None
    # The paths the run was asked about (a folder or file of the project; empty: its root).
    paths: tuple[Path, ...] = ()
    # Warnings of the runners (a run log of fix-exceptions that cannot be used...), one line
    # each; appended to from the runners' threads.
    warnings: list[str] = field(default_factory=list)

    def relative(self, path: Path) -> str:
        """``path`` as reports show it: posix, relative to the project root."""
        return relative_to_root(path, self.root)

    @property
    def scope(self) -> tuple[Path, ...]:
        """The paths the run was asked about (the project's root when none was named)."""
        return self.paths or (self.root,)

    def progress(self, tool: str, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(tool, done, total)

    def bucket(
        self, tool: str, version: str, config_key: str = "", *, shape: Any
    ) -> CacheBucket | None:
        """This run's cache of ``tool`` at ``version`` and configuration, if caching;
        ``shape``: the shape of one stored result (:mod:`qualitytool.json_schemas`)."""
        if self.cache is None:
            return None
        return self.cache.bucket(tool, version, config_key, shape)

    def command_override(self, tool: str) -> str | None:
        """The command configured for ``tool`` in ``[tool.qualitytool.report] commands``
        (never with --untrusted: the analysed repository's configuration chose it)."""
        if self.untrusted:
            return None
        for entry in self.config.report.commands:
            name, sep, command = entry.partition("=")
            if sep and name.strip() == tool:
                return command.strip()
        return None


def relative_to_root(path: Path, root: Path) -> str:
    """``path`` as reports show it: posix, relative to ``root`` (``"."`` for the root)."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except (ValueError, RuntimeError, OSError):  # outside the root; a symlink loop
        return path.as_posix()


class Runner(Protocol):
    """One tool: ``name``, whether it applies to the project, and how to run it."""

    name: str

    def applies(self, ctx: RunContext) -> str | None:
        """``None`` when the runner should run, else the reason it is skipped."""

    def run(self, ctx: RunContext) -> ToolResult:
        """Run the tool; raise :class:`ToolError` (or anything) when it cannot."""
