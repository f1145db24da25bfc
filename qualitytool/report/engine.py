"""Run every runner in parallel over one project and assemble the report.

Each runner is isolated: a tool that is missing, crashes or times out becomes a result with
that status and the others carry on.  Runners mostly wait on subprocesses (pylint, bandit)
or on their own worker processes, so threads are enough to overlap them.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualitytool.cache_files import CacheFolder
from qualitytool.config import Config
from qualitytool.discovery import discover_files
from qualitytool.report.cache import CacheScope, ReportCache
from qualitytool.report.gates import evaluate, headline_metrics
from qualitytool.report.model import (
    RunContext,
    Runner,
    ToolResult,
    ToolStatus,
    relative_to_root,
)
from qualitytool.report.result import QualityReport
from qualitytool.report.tools import ToolError
from qualitytool.report.untrusted import IgnoredSetting, code_running_settings
from qualitytool.shard import Shard

if TYPE_CHECKING:
    from qualitytool.report.trusted import TrustedSettings

# The slowest tools start first so that the others fill the gaps around them.
_START_ORDER = ("pylint", "mypy", "basedpyright", "bandit")


def project_root(path: Path, config: Config) -> Path:
    """The configuration's root when ``path`` is inside it, else ``path`` (a directory)."""
    resolved = path.resolve()
    directory = resolved if resolved.is_dir() else resolved.parent
    if directory == config.root or config.root in directory.parents:
        return config.root
    return directory


def select_runners(config: Config, names: Sequence[str] | None = None) -> list[Runner]:
    from qualitytool.report.runners import all_runners

    runners = all_runners()
    chosen = [r for n, r in runners.items() if n not in config.report.disable]
    if names is not None:
        chosen = [r for r in chosen if r.name in names]
    order = {name: i for i, name in enumerate(_START_ORDER)}
    return sorted(chosen, key=lambda r: (order.get(r.name, len(order)), r.name))


def analysable(path: Path, config: Config) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """The files under ``path`` the tools can analyse (regular files, discovery order), and
    one line per file or folder that cannot be read (a symbolic link loop, a dangling link,
    a device): the tools never see those, and the report says so (exit status 2)."""
    import os
    import stat

    from qualitytool.discovery import display_path

    errors: list[str] = []
    files: list[Path] = []
    for found in discover_files([path], config, on_error=lambda _p, why: errors.append(why)):
        try:
            regular = stat.S_ISREG(os.stat(found).st_mode)
            reason = "not a regular file"
        except OSError as exc:
            regular, reason = False, exc.strerror or str(exc)
        if regular:
            files.append(found)
        else:
            errors.append(f"{display_path(found)}: cannot read: {reason}")
    return tuple(files), tuple(errors)


@contextmanager
def tool_settings(path: Path, ctx: RunContext) -> Iterator[RunContext]:
    """``ctx``, under --untrusted with the tools' configuration files of a trusted source:
    the caller's, else their defaults (the checkout's are never read)."""
    if not ctx.untrusted or ctx.trusted is not None:
        yield ctx
        return
    from dataclasses import replace

    from qualitytool.report.trusted import trusted_settings

    with trusted_settings(path) as defaults:
        yield replace(ctx, trusted=replace(defaults, origin="the caller's configuration"))


def untrusted_ignored(
    root: Path,
    config: Config,
    paths: Sequence[Path],
    discovered: Sequence[Path],
    trusted: TrustedSettings | None,
) -> tuple[IgnoredSetting, ...]:
    """What an ``--untrusted`` run over ``paths`` leaves alone: the checkout's configuration
    files, and everything that would run its code (listed over every file: each shard lists
    what the whole run would)."""
    from qualitytool.report.trusted import not_read

    origin = trusted.origin if trusted is not None else "the caller's configuration"
    return (*not_read(root, origin, gitignore=config.respect_gitignore), *code_running_settings(
        root, config.report.commands,
        [*discovered, *discover_files(paths, config, include=("*.pth",))],
    ))


def run_one(runner: Runner, ctx: RunContext) -> ToolResult:
    """One runner, never raising: its failures become the result's status."""
    try:
        reason = runner.applies(ctx)
        if reason is not None:
            return ToolResult(tool=runner.name, status=ToolStatus.SKIPPED, detail=reason)
        return runner.run(ctx)
    except ToolError as exc:
        return ToolResult(tool=runner.name, status=exc.status, detail=exc.detail)
    except Exception as exc:  # noqa: BLE001 - one broken runner must not stop the others
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return ToolResult(
            tool=runner.name, status=ToolStatus.CRASHED,
            detail=f"internal error: {type(exc).__name__}: {exc} "
            f"({Path(where.filename).name}:{where.lineno})",
        )


def run_tools(runners: Sequence[Runner], ctx: RunContext) -> list[ToolResult]:
    """All runners at once; results in name order."""
    if not runners:
        return []
    from qualitytool.report.tools import start_run

    start_run()
    with ThreadPoolExecutor(max_workers=len(runners), thread_name_prefix="qt-runner") as pool:
        futures = [pool.submit(run_one, runner, ctx) for runner in runners]
        try:
            results = [f.result() for f in futures]
        except KeyboardInterrupt:
            from qualitytool.report.tools import interrupt_tools

            interrupt_tools()  # each in a process group of its own: Ctrl-C did not reach them
            raise
    return sorted(results, key=lambda r: r.tool)


def report_metrics(tools: Mapping[str, ToolResult]) -> dict[str, Any]:
    """Headline metrics plus a few more that baselines track."""
    values = headline_metrics(tools)
    radon = tools.get("radon")
    exceptions = tools.get("check-exceptions")
    values["average_complexity"] = (radon.metrics["average_complexity"]
                                    if radon and radon.ok else None)
    values["broad_handlers"] = exceptions.metrics["total"] if exceptions and exceptions.ok else None
    values["findings"] = sum(len(t.findings) for t in tools.values())
    return values


def _with_fewer_collections(work: Callable[[], list[ToolResult]]) -> list[ToolResult]:
    """``work()`` with the tools' garbage collector thresholds (this process parses
    files and tool output too), then the caller's thresholds again."""
    import gc

    from qualitytool.gc_tuning import GC_THRESHOLDS

    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        return work()
    finally:
        gc.set_threshold(*before)


def build(
    path: Path,
    config: Config,
    *,
    since: str | None = None,
    baseline: Mapping[str, Any] | None = None,
    baseline_source: str = "",
    use_cache: bool = True,
    out_dir: Path | None = None,
    tools: Sequence[str] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    shard: Shard | None = None,
    untrusted: bool = False,
    trusted: TrustedSettings | None = None,
) -> QualityReport:
    """Run the tools over the project at ``path`` and evaluate the gates.

    ``untrusted``: run none of the project's code (``qualitytool.report.untrusted``) and
    read none of its configuration: ``config`` is the caller's, ``trusted`` the tools'
    configuration files (``qualitytool.report.trusted``; None: their defaults).
    ``shard`` runs the tools over that share of the files only: a part for
    :func:`qualitytool.report.merge.merge`, whose gates mean nothing on their own."""
    from qualitytool.report.since import changed_lines

    root = project_root(path, config)
    changed = changed_lines(root, since) if since is not None else None
    discovered, errors = analysable(path, config)
    files = tuple(shard.select(discovered, root)) if shard is not None else discovered
    ignored = untrusted_ignored(root, config, [path], discovered, trusted) if untrusted else ()
    # --untrusted uses no cache: whatever the checkout holds is not read, and nothing a run
    # over a stranger's code computed is kept for the next one.
    folder = CacheFolder.of(config) if use_cache and not untrusted else None
    # A run over part of the project keeps the cached results of the rest of it.
    cache_scope = CacheScope.of([relative_to_root(path, root)],
                                (relative_to_root(p, root) for p in discovered))
    ctx = RunContext(
        config=config, root=root, files=files, project_files=discovered,
        paths=(path.absolute(),),
        cache=ReportCache(folder, cache_scope) if folder is not None and folder.usable else None,
        timeout=config.report.tool_timeout, on_progress=on_progress,
        # Absolute: the todos runner writes there from a process started in the project.
        out_dir=out_dir.absolute() if out_dir is not None else None,
        untrusted=untrusted, ignored=ignored, shard=shard, trusted=trusted,
    )
    with tool_settings(path, ctx) as ctx:
        results = _with_fewer_collections(
            lambda: run_tools(select_runners(config, tools), ctx))
    warnings = [*(folder.warnings if folder is not None else ()), *ctx.warnings]
    report = assemble(root, config, results, len(files), since=since, changed=changed,
                      baseline=baseline, baseline_source=baseline_source, shard=shard,
                      untrusted=untrusted, ignored=ignored, warnings=tuple(warnings),
                      errors=errors)
    if shard is None:
        return report
    from dataclasses import replace

    from qualitytool.shard import shard_key

    scope = shard_key(path.resolve(), root) if path.resolve() != root else "."
    return replace(report, analysed=tuple(shard_key(p, root) for p in files), scope=scope)


def assemble(
    root: Path,
    config: Config,
    results: Sequence[ToolResult],
    files: int,
    *,
    since: str | None = None,
    changed: Mapping[str, frozenset[int]] | None = None,
    baseline: Mapping[str, Any] | None = None,
    baseline_source: str = "",
    shard: Shard | None = None,
    untrusted: bool = False,
    ignored: tuple[IgnoredSetting, ...] = (),
    warnings: tuple[str, ...] = (),
    errors: tuple[str, ...] = (),
) -> QualityReport:
    """The report of the runners' ``results``: metrics, gates, the baseline comparison."""
    from qualitytool.report.baseline import compare

    by_name = {r.tool: r for r in results}
    metrics = report_metrics(by_name)
    gate_values = headline_metrics(by_name, changed) if changed is not None else metrics
    comparison = (
        compare(baseline, baseline_source, config, results, metrics)
        if baseline is not None else None
    )
    return QualityReport(
        root=root, config=config, tools=tuple(results), metrics=metrics,
        gates=tuple(evaluate(config.gates, gate_values)), files=files, since=since,
        changed=changed, gate_metrics=gate_values if changed is not None else None,
        comparison=comparison, untrusted=untrusted, ignored=ignored, shard=shard,
        warnings=warnings, errors=errors,
    )
