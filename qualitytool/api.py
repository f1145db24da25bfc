"""Library entry points.  The CLI is a thin layer over these; nothing here imports click."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualitytool.config import Config, load_config, load_config_file
from qualitytool.discovery import iter_files
from qualitytool.findings import FileResult, Finding, RunResult
from qualitytool.parallel import map_files
from qualitytool.todos.model import ScanResult

if TYPE_CHECKING:
    from qualitytool.exceptions.fix_report import FixReport
    from qualitytool.todos.sync import Action, SyncOptions, SyncReport


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
    from qualitytool.exceptions.check import CheckOptions, candidate_files

    config = config or resolve_config(paths)
    clean: list[FileResult] = []
    discovered = 0

    def candidates() -> Iterator[Path]:
        # The textual prefilter is cheaper than shipping a path to a worker: it runs here,
        # during the walk, and the candidates go to the workers as they are found.
        nonlocal discovered
        yield from candidate_files(_counted(iter_files(paths, config)), clean)
        if on_discovered is not None:
            on_discovered(discovered)

    def _counted(files: Iterator[Path]) -> Iterator[Path]:
        nonlocal discovered
        for path in files:
            discovered += 1
            yield path

    results = map_files(
        CheckOptions(config=config, strict=strict),
        candidates(),
        jobs=config.jobs if jobs is None else jobs,
        on_result=on_result,
    )
    for result in clean:
        if on_result is not None:
            on_result(result)
    ordered = sorted([*results, *clean], key=lambda r: r.path)
    return CheckReport(config=config, result=RunResult(files=tuple(ordered)))


def scan_todos(
    paths: Sequence[Path | str],
    config: Config | None = None,
    *,
    blame: bool = True,
) -> ScanResult:
    """TODO/FIXME/XXX/HACK comments under ``paths``: categorised, with git blame unless
    ``blame`` is false.  ``.items`` are sorted by path and line; ``.notes`` say what was
    skipped (no git, shallow clone)."""
    from qualitytool.todos.scan import scan_paths

    config = config or resolve_config(paths)
    return scan_paths(paths, config, blame=blame)


def write_todo_reports(
    result: ScanResult, directory: Path | str, templates_dir: Path | str | None = None
) -> list[Path]:
    """Render ``TODO_REPORT.md`` and ``KNOWN_LIMITATIONS.md`` for ``result`` into ``directory``
    (templates from ``templates_dir`` first, then the packaged ones)."""
    from qualitytool.todos.output import write_reports

    return write_reports(
        result, Path(directory), Path(templates_dir) if templates_dir is not None else None
    )


def sync_todos(
    paths: Sequence[Path | str],
    config: Config | None,
    options: SyncOptions,
    *,
    blame: bool = True,
    on_action: Callable[[Action], None] | None = None,
) -> SyncReport:
    """Scan ``paths`` and bring the GitHub issues of ``options.repo`` in step with the items
    (see :mod:`qualitytool.todos.sync`); raises ``SyncError`` when GitHub refuses."""
    import dataclasses

    from qualitytool.todos.sync import sync

    config = config or resolve_config(paths)
    result = scan_todos(paths, config, blame=blame)
    report = sync(result.items, options, root=config.root, scanned=paths, on_action=on_action)
    return dataclasses.replace(report, notes=[*result.notes, *report.notes])
def fix_exceptions(
    paths: Sequence[Path | str],
    config: Config | None = None,
    *,
    write: bool = False,
    unsafe_fixes: bool = False,
    keep_fallback: bool = False,
    jobs: int | None = None,
    record_run: bool = True,
    on_result: Callable[[FileResult], None] | None = None,
    on_discovered: Callable[[int], None] | None = None,
) -> FixReport:
    """Narrow the broad exception handlers under ``paths``; see ``qualitytool fix-exceptions``.

    Without ``write`` nothing is changed and the report carries the diff.  ``record_run``
    writes the JSON report to ``<root>/.qualitytool/last-fix-exceptions.json``.
    """
    from dataclasses import replace

    from qualitytool.exceptions.fix import FixOptions, knowledge_files, prepare
    from qualitytool.exceptions.fix_report import FixReport, write_run_log

    config = config or resolve_config(paths)
    discovered = 0

    def candidates() -> Iterator[Path]:
        # Fixing starts while discovery and the textual prefilter are still going.
        nonlocal discovered
        for path in iter_files(paths, config):
            discovered += 1
            if _may_need_fixing(path):
                yield path
        if on_discovered is not None:
            on_discovered(discovered)

    options = FixOptions(
        config=config,
        roots=(str(config.root),),
        write=write,
        unsafe_fixes=unsafe_fixes,
        keep_fallback=keep_fallback,
        knowledge_files=knowledge_files(config),
    )
    prepare(options)  # fails early on a bad knowledge-base file
    results = map_files(
        options, candidates(), jobs=config.jobs if jobs is None else jobs, on_result=on_result
    )
    ordered = sorted(results, key=lambda r: r.path)
    report = FixReport(
        config=config, files=tuple(ordered), write=write, unsafe_fixes=unsafe_fixes
    )
    if record_run:
        try:
            write_run_log(report)
        except OSError as exc:
            reason = f"{exc.filename or config.root}: {exc.strerror or exc}"
            report = replace(report, run_log_error=reason)
    return report


def _may_need_fixing(path: Path) -> bool:
    """The check-exceptions prefilter; unreadable files stay in so that they are reported."""
    from qualitytool.exceptions.handlers import might_have_broad_handler

    try:
        return might_have_broad_handler(path.read_bytes())
    except OSError:
        return True
