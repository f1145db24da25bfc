"""Shared shapes of the runners of external tools.

``CachedPythonTool``: the Python tools we depend on (pylint, bandit), run on the files whose
results are not cached yet.  ``OptionalTool``: the tools a project configures itself (type
checkers, formatters); they run over the whole project in one process, with their own caches
(mypy keeps ``.mypy_cache``), so the report does not cache them per file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qualitytool.report.cache import config_fingerprint
from qualitytool.report.incremental import cached_per_file
from qualitytool.report.model import RunContext, ToolResult
from qualitytool.report.project import uses
from qualitytool.report.tools import python_module_tool

PerFileResults = dict[Path, dict[str, Any]]


class CachedPythonTool:
    """A tool of our own dependencies whose results are cached per file: the cache bucket is
    keyed by its version and configuration files; only files without a cached result run."""

    name = ""
    takes_command = True  # `[tool.qualitytool.report] commands` may replace its command
    module = ""  # run as `python -m module`; also the distribution its version comes from
    config_files: tuple[str, ...] = ()
    # The shape of one file's cached result (:mod:`qualitytool.json_schemas`).
    result_shape: Any = None

    def applies(self, ctx: RunContext) -> str | None:
        return None

    def run(self, ctx: RunContext) -> ToolResult:
        command, version = python_module_tool(ctx, self.name, self.module)
        bucket = ctx.bucket(self.name, version, self.config_key(ctx), shape=self.result_shape)
        per_file, hits = cached_per_file(
            ctx, self.name, bucket, lambda files: self.analyse(ctx, command, files),
            digest_of=self.digest_of(ctx),
        )
        return self.result(ctx, per_file, version, hits)

    def config_key(self, ctx: RunContext) -> str:
        """The configuration the cached results were computed with."""
        # Results of a run with the project's plugins are not those of one without.
        trust = ":untrusted" if ctx.untrusted else ""
        return config_fingerprint(ctx.root, self.config_files, self.cache_variant(ctx)) + trust

    def cache_variant(self, ctx: RunContext) -> str:
        """What else the per-file results depend on (their own cache bucket when it changes)."""
        return ""

    def digest_of(self, ctx: RunContext) -> Callable[[Path], str] | None:
        """What one file's result depends on, as a digest; ``None``: its content only."""
        return None

    def analyse(self, ctx: RunContext, command: list[str], files: list[Path]) -> PerFileResults:
        """Run the tool on ``files``: one JSON-serialisable result per file."""
        raise NotImplementedError

    def result(
        self, ctx: RunContext, per_file: PerFileResults, version: str, hits: int
    ) -> ToolResult:
        """The runner's result from every file's (cached or fresh) result."""
        raise NotImplementedError


class OptionalTool:
    """Runs only when the project uses the tool (its configuration) or our config enables it."""

    name = ""
    takes_command = True  # `[tool.qualitytool.report] commands` may replace its command

    def applies(self, ctx: RunContext) -> str | None:
        from qualitytool.report.untrusted import blocked

        if ctx.untrusted and (reason := blocked(ctx.ignored, self.name)) is not None:
            return reason
        if uses(ctx.root, self.name, ctx.config.report.enable) is None:
            return (
                f"not used by the project (no {self.name} configuration; enable it with "
                f'[tool.qualitytool.report] enable = ["{self.name}"])'
            )
        return None


def relative_args(ctx: RunContext) -> list[str]:
    return [ctx.relative(p) for p in ctx.files]


def normal(ctx: RunContext, name: str) -> str:
    path = Path(name)
    return ctx.relative(path if path.is_absolute() else ctx.root / path)
