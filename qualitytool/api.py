"""Library entry points.  The CLI is a thin layer over these; nothing here imports click."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualitytool.config import Config, load_config, load_config_file
from qualitytool.discovery import iter_files
from qualitytool.findings import FileResult, Finding, RunResult
from qualitytool.parallel import Interrupted, map_files
from qualitytool.todos.model import ScanResult

if TYPE_CHECKING:
    from qualitytool.evidence.run import EvidenceRun
    from qualitytool.evidence.store import Evidence
    from qualitytool.exceptions.fix_report import FixReport
    from qualitytool.report.result import QualityReport as QualityReportType
    from qualitytool.scaffold.write import ScaffoldReport
    from qualitytool.shard import Shard
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
    shard: Shard | None = None,
) -> CheckReport:
    """Find broad exception handlers under ``paths``.

    ``on_discovered`` is told how many files will be checked (to size a progress bar),
    ``on_result`` gets each file's result as it arrives.  ``shard`` checks only that share
    of the discovered files (see :mod:`qualitytool.shard`).
    """
    from qualitytool.exceptions.check import CheckOptions

    config = config or resolve_config(paths)
    clean: list[FileResult] = []
    results = map_files(
        CheckOptions(config=config, strict=strict),
        _candidates(paths, config, clean, on_discovered, shard),
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
    shard: Shard | None = None,
) -> ScanResult:
    """TODO/FIXME/XXX/HACK comments under ``paths``: categorised, with git blame unless
    ``blame`` is false.  ``.items`` are sorted by path and line; ``.notes`` say what was
    skipped (no git, shallow clone).  ``shard`` scans only that share of the files."""
    from qualitytool.todos.scan import scan_paths

    config = config or resolve_config(paths)
    return scan_paths(paths, config, blame=blame, shard=shard)


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

    from qualitytool.todos.scan import categorizer_for
    from qualitytool.todos.sync import SyncError, sync

    config = config or resolve_config(paths)
    categorizer = categorizer_for(config)
    unknown = sorted(set(options.categories) - set(categorizer.names))
    if unknown:
        raise SyncError(f"--category: unknown category {unknown[0]!r} "
                        f"(one of {', '.join(categorizer.names)})")
    options = dataclasses.replace(options, category_labels=tuple(categorizer.labels.items()))
    result = scan_todos(paths, config, blame=blame)
    report = sync(result.items, options, root=config.root, scanned=paths, on_action=on_action,
                  complete=not result.errors)
    unread = ["no issue closed this run: a file that could not be read may hold its TODO"]
    return dataclasses.replace(
        report, notes=[*(unread if result.errors else []), *result.notes, *report.notes],
        errors=list(result.errors),
    )
def fix_exceptions(
    paths: Sequence[Path | str],
    config: Config | None = None,
    *,
    write: bool = False,
    unsafe_fixes: bool = False,
    keep_fallback: bool = False,
    boundaries: bool = False,
    ladder: bool = False,
    wrap: bool = False,
    evidence_file: Path | str | None = None,
    jobs: int | None = None,
    record_run: bool = True,
    on_result: Callable[[FileResult], None] | None = None,
    on_discovered: Callable[[int], None] | None = None,
) -> FixReport:
    """Narrow the broad exception handlers under ``paths``; see ``qualitytool fix-exceptions``.

    Without ``write`` nothing is changed and the report carries the diff.  ``record_run``
    writes the JSON report to ``<root>/.qualitytool/last-fix-exceptions.json``.
    ``evidence_file`` (from :func:`record_evidence`) adds what the tests saw each handler
    catch; raises :class:`qualitytool.evidence.store.EvidenceError` when it cannot be read.
    ``ladder`` and ``wrap`` (opt-in, unsafe) use the project's exception hierarchy
    (``scaffold_exceptions``).  SIGINT stops the run promptly: the report (``interrupted``)
    covers the files finished before it.
    """
    from dataclasses import replace

    from qualitytool.evidence.store import load as load_evidence
    from qualitytool.exceptions.fix import FixOptions, knowledge_files, prepare
    from qualitytool.exceptions.fix_report import FixReport, write_run_log

    config = config or resolve_config(paths)
    options = FixOptions(
        config=config,
        roots=(str(config.root),),
        write=write,
        unsafe_fixes=unsafe_fixes,
        keep_fallback=keep_fallback,
        boundaries=boundaries,
        ladder=ladder,
        wrap=wrap,
        knowledge_files=knowledge_files(config),
        evidence=load_evidence(Path(evidence_file)) if evidence_file is not None else None,
    )
    prepare(options)  # fails early on a bad knowledge-base file
    clean: list[FileResult] = []
    interrupted = False
    try:
        results = map_files(
            options,
            _candidates(paths, config, clean, on_discovered),
            jobs=config.jobs if jobs is None else jobs,
            on_result=on_result,
        )
    except Interrupted as stop:  # SIGINT: report and log what was done before it
        results, interrupted = stop.results, True
    for result in clean:  # folders that cannot be listed
        if on_result is not None:
            on_result(result)
    ordered = sorted([*results, *clean], key=lambda r: r.path)
    report = FixReport(
        config=config, files=tuple(ordered), write=write, unsafe_fixes=unsafe_fixes,
        interrupted=interrupted,
    )
    if record_run:
        try:
            write_run_log(report)
        except OSError as exc:
            reason = f"{exc.filename or config.root}: {exc.strerror or exc}"
            report = replace(report, run_log_error=reason)
    return report


def scaffold_exceptions(
    root: Path | str,
    config: Config | None = None,
    *,
    module: str | None = None,
    framework: str | None = None,
    base_name: str | None = None,
    force: bool = False,
) -> ScaffoldReport:
    """Write the project's exception hierarchy (and, for FastAPI/Starlette, the module with
    ``register_exception_handlers(app)``) in the project at ``root`` (its configuration root
    when it has one); see ``qualitytool scaffold-exceptions``.

    Arguments override ``[tool.qualitytool.exceptions.hierarchy]``.  Nothing is overwritten
    unless ``force``: an existing hierarchy module only gets the classes it lacks.
    """
    from qualitytool.output.templates import templates_dir_of
    from qualitytool.scaffold.spec import build_spec
    from qualitytool.scaffold.write import scaffold

    config = config or resolve_config([Path(root)])
    # The modules are placed relative to the project's configuration root (where
    # fix-exceptions --ladder/--wrap look for them), or ``root`` without a configuration.
    root = config.root if config.source is not None else Path(root)
    spec = build_spec(
        root, config.exceptions.hierarchy, module=module, framework=framework,
        base_name=base_name,
    )
    return scaffold(root, spec, force=force, templates_dir=templates_dir_of(config))
def evidence_path(config: Config, given: Path | str | None = None) -> Path:
    """The evidence file: ``given``, or ``<project root>/.qualitytool/evidence.json``."""
    from qualitytool.evidence.store import DEFAULT_PATH

    return Path(given) if given is not None else config.root / DEFAULT_PATH


def record_evidence(
    command: Sequence[str],
    paths: Sequence[Path | str] = (),
    config: Config | None = None,
    *,
    evidence_file: Path | str | None = None,
    instrument: bool = False,
    shard: Shard | None = None,
) -> EvidenceRun:
    """Run a test ``command`` with the evidence recorder in every Python process it starts,
    watching the broad handlers under ``paths`` (default: the project root; ``shard``: its
    share of those files); merge what it saw into the evidence file and write it.  The
    command's exit code is returned with it.  ``instrument`` uses the import-hook recorder of
    Python 3.10/3.11 on 3.12+ too."""
    from qualitytool.discovery import discover_files
    from qualitytool.evidence.run import collect_sites, record

    config = config or resolve_config([Path.cwd()])
    watched = [Path(p) for p in paths] or [config.root]
    if shard is not None:
        watched = shard.select(discover_files(watched, config), config.root)
    table = collect_sites(watched, config)
    return record(command, table, evidence_path(config, evidence_file), instrument=instrument)


def merge_evidence(
    files: Sequence[Path | str],
    config: Config | None = None,
    *,
    evidence_file: Path | str | None = None,
) -> Evidence:
    """Merge evidence files (say, one per CI matrix job) into the evidence file, dropping
    entries whose ``try`` statement no longer exists in the project."""
    from qualitytool.evidence.run import collect_sites, merge_files

    config = config or resolve_config([Path.cwd()])
    table = collect_sites([config.root], config)
    return merge_files([Path(f) for f in files], table, evidence_path(config, evidence_file))


def _candidates(
    paths: Sequence[Path | str],
    config: Config,
    clean: list[FileResult],
    on_discovered: Callable[[int], None] | None,
    shard: Shard | None = None,
) -> Iterator[Path]:
    """The files to check, streamed while discovery walks (so that the workers start early);
    a folder that cannot be listed goes to ``clean`` as an error.  ``on_discovered`` gets the
    number of files once the walk is over.  A ``shard`` needs the whole walk before its first
    file."""
    from qualitytool.exceptions.check import candidate_files

    discovered = 0

    def unreadable(folder: str, message: str) -> None:
        clean.append(FileResult(path=folder, error=message))

    def counted() -> Iterator[Path]:
        nonlocal discovered
        files: Iterator[Path] = iter_files(paths, config, on_error=unreadable)
        if shard is not None:
            files = iter(shard.select(list(files), config.root))
        for path in files:
            discovered += 1
            yield path

    yield from candidate_files(counted(), clean)
    if on_discovered is not None:
        on_discovered(discovered)
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
    shard: Shard | None = None,
    untrusted: bool = False,
) -> QualityReportType:
    """Run pylint, radon, bandit, coverage, annotations, check-exceptions, todos (and the
    type checkers and formatters the project uses) over ``path`` in parallel; evaluate gates.

    ``since`` limits the gates to lines changed since that git ref; ``baseline_file`` adds
    before -> after comparisons; ``on_progress(tool, done, total)`` reports progress;
    ``untrusted`` runs none of the project's code (its pylint hooks and plugins, mypy plugins,
    configured commands) and lists what it ignored in ``report.ignored``.
    ``shard`` measures only that share of the files, for :func:`merge_reports`.
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
        tools=tools, on_progress=on_progress, shard=shard, untrusted=untrusted,
    )


def merge_reports(
    shard_files: Sequence[Path | str],
    config: Config | None = None,
    *,
    path: Path | str = ".",
    since: str | None = None,
    baseline_file: Path | str | None = None,
    cross_file: bool = True,
    untrusted: bool = False,
) -> QualityReportType:
    """One report from the JSON of every shard of a sharded run (``report --shard I/N
    --format json``), with the gates evaluated as an unsharded run of the project at ``path``
    evaluates them.  ``cross_file`` computes pylint's cross-file messages over the project
    (which must be checked out at ``path``); ``untrusted`` (implied when the shards ran with
    it) runs that pylint pass as ``--untrusted`` does.  Raises
    :class:`qualitytool.report.merge.MergeError` when the shards do not add up."""
    from qualitytool.report.baseline import load_baseline
    from qualitytool.report.engine import assemble, project_root
    from qualitytool.report.merge import merge
    from qualitytool.report.since import changed_lines

    config = config or resolve_config([path])
    root = project_root(Path(path), config)
    merged = merge([Path(f) for f in shard_files], config, root, cross_file=cross_file,
                   untrusted=untrusted)
    baseline = load_baseline(Path(baseline_file)) if baseline_file is not None else None
    return assemble(
        root, config, merged.tools, merged.files, since=since,
        changed=changed_lines(root, since) if since is not None else None,
        baseline=baseline, baseline_source=str(baseline_file) if baseline_file is not None else "",
        untrusted=merged.untrusted, ignored=merged.ignored,
    )
