"""Library entry points.  The CLI is a thin layer over these; nothing here imports click."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualitytool.config import Config, load_config, load_config_file
from qualitytool.discovery import discover_files
from qualitytool.findings import FileResult, Finding, RunResult
from qualitytool.parallel import map_files

if TYPE_CHECKING:
    from qualitytool.report.engine import QualityReport as QualityReportType


@dataclass(frozen=True)
class CheckReport:
    """What ``check-exceptions`` found over a set of files."""

    config: Config
    result: RunResult

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings

    @property
    def errors(self) -> list[FileResult]:
        return self.result.errors

    @property
    def files_checked(self) -> int:
        return len(self.result.files)


def resolve_config(paths: Sequence[Path | str], config_file: Path | str | None = None) -> Config:
    """The configuration for a run: an explicit file, or the one found from the first path."""
    if config_file is not None:
        return load_config_file(Path(config_file))
    return load_config(Path(paths[0]) if paths else Path.cwd())


def check_exceptions(
    paths: Sequence[Path | str],
    config: Config | None = None,
    *,
    strict: bool = False,
    jobs: int | None = None,
    on_result: Callable[[FileResult], None] | None = None,
    on_discovered: Callable[[int], None] | None = None,
) -> CheckReport:
    """Find broad exception handlers under ``paths``.

    ``on_discovered`` is told how many files will be checked (to size a progress bar),
    ``on_result`` gets each file's result as it arrives.
    """
    from qualitytool.exceptions.check import CheckOptions, prefilter

    config = config or resolve_config(paths)
    files = discover_files(paths, config)
    if on_discovered is not None:
        on_discovered(len(files))
    # The textual prefilter is cheaper than shipping a path to a worker: run it here and
    # parse only the candidates in parallel.
    candidates, clean = prefilter(files)
    results = map_files(
        CheckOptions(config=config, strict=strict),
        candidates,
        jobs=config.jobs if jobs is None else jobs,
        on_result=on_result,
    )
    for result in clean:
        if on_result is not None:
            on_result(result)
    ordered = sorted([*results, *clean], key=lambda r: r.path)
    return CheckReport(config=config, result=RunResult(files=tuple(ordered)))


def build_report(
    path: Path | str,
    config: Config | None = None,
    *,
    since: str | None = None,
    baseline_file: Path | str | None = None,
    use_cache: bool = True,
    out_dir: Path | str | None = None,
    tools: Sequence[str] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> QualityReportType:
    """Run pylint, radon, bandit, coverage, annotations, check-exceptions, todos (and the
    type checkers and formatters the project uses) over ``path`` in parallel; evaluate gates.

    ``since`` limits the gates to lines changed since that git ref; ``baseline_file`` adds
    before -> after comparisons; ``on_progress(tool, done, total)`` reports progress.
    Render with :func:`qualitytool.report.markdown.write_reports`.
    """
    from qualitytool.report.baseline import load_baseline
    from qualitytool.report.engine import build

    config = config or resolve_config([path])
    baseline = load_baseline(Path(baseline_file)) if baseline_file is not None else None
    return build(
        Path(path), config, since=since, baseline=baseline,
        baseline_source=str(baseline_file) if baseline_file is not None else "",
        use_cache=use_cache, out_dir=Path(out_dir) if out_dir is not None else None,
        tools=tools, on_progress=on_progress,
    )
