"""Library entry points.  The CLI is a thin layer over these; nothing here imports click.

This module is imported by ``qualitytool --help``: everything beyond the standard library is
imported inside the functions (the error classes the CLI catches are re-exported lazily, by
:func:`__getattr__`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualitytool.output.registry import RenderOptions, ResultKind, format_names
from qualitytool.todos.model import RESOLUTIONS

if TYPE_CHECKING:
    from qualitytool.checks import Rule
    from qualitytool.ci_workflows import CiSettings, WrittenFile
    from qualitytool.config import Config, ConfigError
    from qualitytool.discovery import DiscoveryError
    from qualitytool.exceptions.evidence.run import EvidenceRun
    from qualitytool.exceptions.evidence.store import Evidence, EvidenceError
    from qualitytool.exceptions.fixing.fix_report import FixReport
    from qualitytool.exceptions.inference.knowledge import KnowledgeBaseError
    from qualitytool.exceptions.kb_export import DerivedContracts, DeriveError
    from qualitytool.findings import FileResult, Finding, RunResult
    from qualitytool.listing_cache import ListingCache
    from qualitytool.rendering.templates import TemplateRenderError
    from qualitytool.report.baseline import BaselineError
    from qualitytool.report.markdown import Written
    from qualitytool.report.merge import MergeError
    from qualitytool.report.result import QualityReport
    from qualitytool.report.since import SinceError
    from qualitytool.report.trusted import TrustedSettings, TrustError
    from qualitytool.scaffold.spec import ScaffoldError
    from qualitytool.scaffold.write import ScaffoldReport
    from qualitytool.shard import Shard, ShardError
    from qualitytool.todos.categories import CategoryRulesError
    from qualitytool.todos.model import ScanResult
    from qualitytool.todos.sync import Action, SyncError, SyncOptions, SyncReport


# The errors callers catch, each imported from its module on first use.
_ERRORS = {
    "ConfigError": "qualitytool.config",
    "DeriveError": "qualitytool.exceptions.kb_export",
    "DiscoveryError": "qualitytool.discovery",
    "EvidenceError": "qualitytool.exceptions.evidence.store",
    "KnowledgeBaseError": "qualitytool.exceptions.inference.knowledge",
    "TemplateRenderError": "qualitytool.rendering.templates",
    "BaselineError": "qualitytool.report.baseline",
    "MergeError": "qualitytool.report.merge",
    "SinceError": "qualitytool.report.since",
    "ShardError": "qualitytool.shard",
    "ScaffoldError": "qualitytool.scaffold.spec",
    "CategoryRulesError": "qualitytool.todos.categories",
    "SyncError": "qualitytool.todos.sync",
    "TrustError": "qualitytool.report.trusted",
}

# The entry points defined below, and what is re-exported: the output formats, the TODO
# resolutions and the errors callers catch.
__all__ = [
    "RESOLUTIONS",
    "BaselineError",
    "CategoryRulesError",
    "CheckReport",
    "ConfigError",
    "DeriveError",
    "DiscoveryError",
    "EvidenceError",
    "KnowledgeBaseError",
    "MergeError",
    "RenderOptions",
    "ResultKind",
    "ScaffoldError",
    "ShardError",
    "SinceError",
    "SyncError",
    "TemplateRenderError",
    "TrustError",
    "apply_exclusions",
    "build_report",
    "check_exceptions",
    "ci_root",
    "ci_settings",
    "derive_contracts",
    "describe_action",
    "describe_scaffold",
    "display_path",
    "evidence_path",
    "find_rule",
    "fix_exceptions",
    "fix_summary",
    "format_names",
    "gate_failures",
    "install_spec_problem",
    "load_evidence",
    "merge_evidence",
    "merge_reports",
    "missing_hierarchy",
    "parse_shard",
    "print_todo_table",
    "record_evidence",
    "render",
    "resolve_config",
    "rules",
    "save_baseline",
    "scaffold_exceptions",
    "scan_todos",
    "statistics",
    "step_summary",
    "sync_options_from_env",
    "sync_todos",
    "templates_dir",
    "trusted_settings",
    "write_ci_workflows",
    "write_report_files",
    "write_todo_reports",
]


def __getattr__(name: str) -> Any:
    if name in _ERRORS:
        return getattr(importlib.import_module(_ERRORS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class CheckReport:
    """What ``check-exceptions`` found over a set of files."""

    config: Config
    result: RunResult
    # Files of qualitytool's own folders ignored (a cache that came with the checkout...).
    warnings: tuple[str, ...] = ()
    show_fixes: bool = False  # each finding carries what fix-exceptions would do with it

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings

    @property
    def errors(self) -> list[FileResult]:
        return self.result.errors

    @property
    def files_checked(self) -> int:
        return len(self.result.files)

    @property
    def files_not_parsed(self) -> int:
        """Files that could not hold a broad handler, so were not parsed (their syntax
        errors, if any, are not reported; ``check_syntax`` parses them)."""
        from qualitytool.exceptions.checking.prefilter import NOT_PARSED

        return sum(1 for r in self.result.files if r.skipped == NOT_PARSED)


def resolve_config(paths: Sequence[Path | str], config_file: Path | str | None = None) -> Config:
    """The configuration for a run: an explicit file, or the one found above the folder that
    holds every path (see :func:`qualitytool.config.load_config`)."""
    import dataclasses

    from qualitytool.config import common_start, load_config, load_config_file

    if config_file is not None:
        config = load_config_file(Path(config_file))
    else:
        config = load_config(common_start(paths))
    if not config.report.commands:
        return config
    from qualitytool.report.runners import command_warnings

    unused = command_warnings(config.report.commands, config.source)
    return dataclasses.replace(config, warnings=(*config.warnings, *unused))


def apply_exclusions(
    config: Config,
    *,
    exclude: Sequence[str] | None = None,
    extend_exclude: Sequence[str] = (),
    force_exclude: bool = False,
) -> Config:
    """``config`` with the command line's exclusions, as ruff takes them: ``exclude``
    replaces the configured ``exclude`` (not ``extend-exclude``), ``extend_exclude`` adds to
    it, ``force_exclude`` applies them to files named on the command line too.  A pattern may
    hold several, separated by commas."""
    import dataclasses

    def split(patterns: Sequence[str]) -> tuple[str, ...]:
        return tuple(p.strip() for text in patterns for p in text.split(",") if p.strip())

    return dataclasses.replace(
        config,
        exclude=split(exclude) if exclude else config.exclude,
        extend_exclude=(*config.extend_exclude, *split(extend_exclude)),
        force_exclude=force_exclude or config.force_exclude,
    )


def check_exceptions(
    paths: Sequence[Path | str],
    config: Config | None = None,
    *,
    strict: bool = False,
    jobs: int | None = None,
    on_result: Callable[[FileResult], None] | None = None,
    on_discovered: Callable[[int], None] | None = None,
    shard: Shard | None = None,
    use_cache: bool = True,
    since: str | None = None,
    check_syntax: bool = False,
    show_fixes: bool = False,
) -> CheckReport:
    """Find broad exception handlers under ``paths``.

    ``on_discovered`` is told how many files will be checked (to size a progress bar),
    ``on_result`` gets each file's result as it arrives.  ``shard`` checks only that share
    of the discovered files (see :mod:`qualitytool.shard`).  ``use_cache`` reuses the results
    of files unchanged since a previous run and stores the others (see
    :mod:`qualitytool.exceptions.checking.check_cache`).  A file that cannot hold a broad
    handler (a byte-level test, :mod:`qualitytool.exceptions.checking.prefilter`) is not
    parsed, so its syntax errors go unreported, unless ``check_syntax``.
    ``since`` (a git revision) checks only the files changed since then and reports only
    handlers on changed lines (raises ``SinceError``).
    ``show_fixes`` plans the files with findings as ``fix-exceptions`` does and gives each
    finding its :class:`~qualitytool.findings.Fix` (slower: the inference runs; raises
    ``KnowledgeBaseError`` or ``ConfigError`` as :func:`fix_exceptions` does).
    """
    import itertools

    from qualitytool.cache_files import CacheFolder
    from qualitytool.exceptions.checking.check_cache import CheckCache, FileStamp
    from qualitytool.exceptions.checking.prefilter import triage
    from qualitytool.findings import RunResult
    from qualitytool.listing_cache import ListingCache

    config = config or resolve_config(paths)
    clean: list[FileResult] = []
    folder = CacheFolder.of(config) if use_cache else None
    cache = CheckCache.for_run(config, strict, check_syntax, folder) if folder is not None \
        else None
    listings = ListingCache.for_project(config, folder) if folder is not None else None
    stamps: dict[str, FileStamp | None] = {}  # taken before the files are read
    settled: list[tuple[str, FileResult]] = []  # results that needed no parse
    sent: list[str] = []  # the files handed to the checker, in order

    def uncached(names: Iterator[str], cache: CheckCache) -> Iterator[str]:
        for name in names:
            stamp = FileStamp.of(name)
            if stamp is not None:
                hit = cache.lookup(name, stamp)
                if hit is not None:
                    clean.append(hit)
                    continue
            stamps[name] = stamp
            yield name

    def to_parse(names: Iterator[str]) -> Iterator[str]:
        for name in names:
            result = None if check_syntax else triage(Path(name))
            if result is None:
                sent.append(name)
                yield name
                continue
            settled.append((name, result))  # told to on_result once discovery is over

    changed = _changed_since(config, since) if since is not None else None
    names = _candidate_names(paths, config, clean, on_discovered, shard, listings)
    if changed is not None:
        names = (name for name in names if name in changed)
    misses = to_parse(uncached(names, cache) if cache is not None else names)
    first = next(misses, None)
    results: list[FileResult] = []
    if first is not None:  # the checker is loaded only when a file needs it
        from qualitytool.exceptions.checking.check import CheckOptions
        from qualitytool.parallel import map_files

        results = map_files(
            CheckOptions(config=config, strict=strict, check_syntax=check_syntax),
            (Path(name) for name in itertools.chain((first,), misses)),
            jobs=config.jobs if jobs is None else jobs,
            on_result=on_result,
        )
    if cache is not None:
        for name, result in itertools.chain(zip(sent, results, strict=True), settled):
            stamp = stamps.get(name)
            if stamp is not None:
                cache.store(name, stamp, result)
        cache.save()
    if listings is not None:
        listings.save()
    done = [*results, *(result for _name, result in settled), *clean]
    if on_result is not None:
        for result in done[len(results):]:
            on_result(result)
    ordered = sorted(done, key=lambda r: r.path)
    if changed is not None:
        ordered = _on_changed_lines(ordered, changed)
    if show_fixes:  # after the cache: what a fix does depends on other files too
        from qualitytool.exceptions.fixing.fixable import attach_fixes

        ordered = attach_fixes(ordered, config, jobs=config.jobs if jobs is None else jobs)
    return CheckReport(config=config, result=RunResult(files=tuple(ordered)),
                       warnings=tuple(folder.warnings) if folder is not None else (),
                       show_fixes=show_fixes)


def scan_todos(
    paths: Sequence[Path | str],
    config: Config | None = None,
    *,
    blame: bool = True,
    shard: Shard | None = None,
    since: str | None = None,
) -> ScanResult:
    """TODO/FIXME/XXX/HACK comments under ``paths``: categorised, with git blame unless
    ``blame`` is false.  ``.items`` are sorted by path and line; ``.notes`` say what was
    skipped (no git, shallow clone).  ``shard`` scans only that share of the files;
    ``since`` (a git revision) keeps the comments on lines changed since then."""
    import dataclasses

    from qualitytool.todos.project_scan import scan_paths

    config = config or resolve_config(paths)
    result = scan_paths(paths, config, blame=blame, shard=shard)
    if since is None:
        return result
    changed = _changed_since(config, since)
    items = [i for i in result.items if i.line in changed.get(_absolute(i.path), ())]
    return dataclasses.replace(result, items=items)


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
    import importlib.util

    from qualitytool.todos.project_scan import categorizer_for
    from qualitytool.todos.sync import SyncError, sync

    if importlib.util.find_spec("github") is None:
        raise SyncError("todos sync needs PyGithub, which is not installed: "
                        "pip install 'qualitytool[todos]'")
    config = config or resolve_config(paths)
    categorizer = categorizer_for(config)
    unknown = sorted(set(options.categories) - set(categorizer.names))
    if unknown:
        raise SyncError(f"--category: unknown category {unknown[0]!r} "
                        f"(one of {', '.join(categorizer.names)})")
    options = dataclasses.replace(options, category_labels=tuple(categorizer.labels.items()),
                                  security_label=config.todos.security_flag_label,
                                  uncertain_label=config.todos.uncertain_label)
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
    since: str | None = None,
    use_cache: bool = True,
) -> FixReport:
    """Narrow the broad exception handlers under ``paths``; see ``qualitytool fix-exceptions``.

    Without ``write`` nothing is changed and the report carries the diff.  ``record_run``
    writes the JSON report to ``<root>/.qualitytool/last-fix-exceptions.json``.
    ``evidence_file`` (from :func:`record_evidence`) adds what the tests saw each handler
    catch; raises :class:`qualitytool.exceptions.evidence.store.EvidenceError` when it
    cannot be read.
    ``ladder`` and ``wrap`` (opt-in, unsafe) use the project's exception hierarchy
    (``scaffold_exceptions``).  SIGINT stops the run promptly: the report (``interrupted``)
    covers the files finished before it.  ``since`` (a git revision) considers only the
    handlers on lines changed since then (raises ``SinceError``).  ``use_cache`` keeps the
    call shapes of the project's files (where sibling handlers are looked for) between runs
    (see :mod:`qualitytool.exceptions.fixing.sibling_files`).
    """
    from dataclasses import replace

    from qualitytool.exceptions.evidence.store import load as load_evidence
    from qualitytool.exceptions.fixing.fix import (
        FixOptions,
        knowledge_files,
        prepare,
        project_environment,
    )
    from qualitytool.exceptions.fixing.fix_report import FixReport, write_run_log
    from qualitytool.own_files import OwnFileRefused
    from qualitytool.parallel import Interrupted, map_files

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
        environment=project_environment(config),
        changed=_changed_since(config, since) if since is not None else None,
        use_cache=use_cache,
    )
    prepare(options)  # fails early on a bad knowledge-base file
    clean: list[FileResult] = []
    interrupted = False
    try:
        candidates = _candidates(paths, config, clean, on_discovered)
        if options.changed is not None:
            changed = options.changed
            candidates = (p for p in candidates if str(p) in changed)
        results = map_files(
            options,
            candidates,
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
        interrupted=interrupted, boundaries=boundaries,
    )
    if record_run:
        try:
            write_run_log(report)
        except OSError as exc:
            reason = f"{exc.filename or config.root}: {exc.strerror or exc}"
            report = replace(report, run_log_error=reason)
        except OwnFileRefused as exc:  # a .qualitytool leading out of the project
            report = replace(report, run_log_error=str(exc))
    return report


def derive_contracts(
    names: Sequence[str],
    config: Config,
    *,
    package: str | None = None,
    use_cache: bool = True,
) -> DerivedContracts:
    """Contracts derived from the source of the project's installed dependencies for the
    callables ``names`` (``httpx.URL``) and, with ``package``, for everything that
    distribution exports; ``.to_toml()`` writes them as knowledge-base entries to review and
    pin.  Raises :class:`DeriveError` when the project has no environment or no such
    distribution, :class:`ConfigError` when the configured one does not exist."""
    from qualitytool.exceptions.kb_export import derive_contracts as derive

    return derive(config, names, package, use_cache)


def scaffold_exceptions(
    root: Path | str | None = None,
    config: Config | None = None,
    *,
    module: str | None = None,
    framework: str | None = None,
    base_name: str | None = None,
    force: bool = False,
) -> ScaffoldReport:
    """Write the project's exception hierarchy (and, for FastAPI/Starlette, the module with
    ``register_exception_handlers(app)``) in the project at ``root`` (its configuration root
    when it has one; by default the project root of the current folder); see ``qualitytool
    scaffold-exceptions``.

    Arguments override ``[tool.qualitytool.exceptions.hierarchy]``.  Nothing is overwritten
    unless ``force``: an existing hierarchy module only gets the classes it lacks.  Raises
    :class:`qualitytool.scaffold.spec.ScaffoldError` for a module path leading out of the
    project or a base name that is no class name.
    """
    from qualitytool.rendering.templates import templates_dir_of
    from qualitytool.scaffold.spec import build_spec
    from qualitytool.scaffold.write import scaffold

    config = config or resolve_config([Path(root)] if root is not None else [])
    # The modules are placed relative to the project's configuration root (where
    # fix-exceptions --ladder/--wrap look for them), or ``root`` given without a configuration.
    root = config.root if config.source is not None or root is None else Path(root)
    spec = build_spec(
        root, config.exceptions.hierarchy, module=module, framework=framework,
        base_name=base_name,
    )
    return scaffold(root, spec, force=force, templates_dir=templates_dir_of(config))
def evidence_path(config: Config, given: Path | str | None = None) -> Path:
    """The evidence file: ``given``, or ``<project root>/.qualitytool/evidence.json``."""
    from qualitytool.exceptions.evidence.store import DEFAULT_PATH

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
    from qualitytool.exceptions.evidence.run import collect_sites, record

    config = config or resolve_config([Path.cwd()])
    watched = [Path(p) for p in paths] or [config.root]
    if shard is not None:
        watched = shard.select(discover_files(watched, config), config.root)
    table = collect_sites(watched, config)
    return record(command, table, evidence_path(config, evidence_file), instrument=instrument,
                  root=config.root if evidence_file is None else None)


def merge_evidence(
    files: Sequence[Path | str],
    config: Config | None = None,
    *,
    evidence_file: Path | str | None = None,
) -> Evidence:
    """Merge evidence files (say, one per CI matrix job) into the evidence file, dropping
    entries whose ``try`` statement no longer exists in the project."""
    from qualitytool.exceptions.evidence.run import collect_sites, merge_files

    config = config or resolve_config([Path.cwd()])
    table = collect_sites([config.root], config)
    return merge_files([Path(f) for f in files], table, evidence_path(config, evidence_file),
                       config.root if evidence_file is None else None)


def _changed_since(config: Config, since: str) -> dict[str, frozenset[int]]:
    """The lines changed since the git revision ``since``, by absolute file path."""
    from qualitytool.report.since import changed_lines

    return {
        str(config.root / name): lines for name, lines in changed_lines(config.root, since).items()
    }


def _absolute(shown: str) -> str:
    """A path as messages show it (relative to the working folder) made absolute again."""
    import os

    return os.path.normpath(os.path.join(os.getcwd(), shown))


def _on_changed_lines(
    results: Sequence[FileResult], changed: dict[str, frozenset[int]]
) -> list[FileResult]:
    """``results`` keeping only the findings on changed lines (errors are kept)."""
    import dataclasses

    kept = []
    for result in results:
        lines = changed.get(_absolute(result.path), frozenset())
        findings = tuple(f for f in result.findings if f.line in lines)
        kept.append(dataclasses.replace(result, findings=findings))
    return kept


def _candidates(
    paths: Sequence[Path | str],
    config: Config,
    clean: list[FileResult],
    on_discovered: Callable[[int], None] | None,
    shard: Shard | None = None,
) -> Iterator[Path]:
    """The files to analyse: :func:`_candidate_names` as paths."""
    for name in _candidate_names(paths, config, clean, on_discovered, shard):
        yield Path(name)


def _candidate_names(
    paths: Sequence[Path | str],
    config: Config,
    clean: list[FileResult],
    on_discovered: Callable[[int], None] | None,
    shard: Shard | None = None,
    listings: ListingCache | None = None,
) -> Iterator[str]:
    """The files to analyse (absolute path strings), streamed while discovery walks (so that
    the workers start early); a folder that cannot be listed goes to ``clean`` as an error.
    ``on_discovered`` gets the number of files once the walk is over.  A ``shard`` needs the
    whole walk before its first file.  ``listings``: see :mod:`qualitytool.listing_cache`."""
    from qualitytool.discovery import iter_file_names
    from qualitytool.findings import FileResult

    discovered = 0

    def unreadable(folder: str, message: str) -> None:
        clean.append(FileResult(path=folder, error=message))

    names: Iterator[str] = iter_file_names(paths, config, on_error=unreadable, listings=listings)
    if shard is not None:
        names = iter([str(p) for p in shard.select([Path(n) for n in names], config.root)])
    for name in names:
        discovered += 1
        yield name
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
    trusted: TrustedSettings | None = None,
) -> QualityReport:
    """Run pylint, radon, bandit, coverage, annotations, check-exceptions, todos (and the
    type checkers and formatters the project uses) over ``path`` in parallel; evaluate gates.

    ``since`` limits the gates to lines changed since that git ref; ``baseline_file`` adds
    before -> after comparisons; ``on_progress(tool, done, total)`` reports progress;
    ``untrusted`` runs none of the project's code (its pylint hooks and plugins, mypy plugins,
    configured commands), reads none of its configuration files (``config`` is the caller's;
    ``trusted``, from :func:`trusted_settings`, gives pylint's and bandit's) and lists what
    it ignored in ``report.ignored``.
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
        trusted=trusted,
    )


def trusted_settings(
    path: Path | str, *, config_file: Path | str | None = None, ref: str | None = None
) -> AbstractContextManager[TrustedSettings]:
    """The configuration of a ``report --untrusted`` over ``path``, from ``ref`` (the base
    branch, through git) or ``config_file``, never from the checkout; defaults without
    either (see :mod:`qualitytool.report.trusted`).  A context manager: the tools' copies
    of it live until it ends.  Raises ``TrustError`` or ``ConfigError``."""
    from qualitytool.report.trusted import trusted_settings as settings

    return settings(Path(path), config_file=Path(config_file) if config_file is not None
                    else None, ref=ref)


def merge_reports(
    shard_files: Sequence[Path | str],
    config: Config | None = None,
    *,
    path: Path | str = ".",
    since: str | None = None,
    baseline_file: Path | str | None = None,
    cross_file: bool = True,
    untrusted: bool = False,
    trusted: TrustedSettings | None = None,
) -> QualityReport:
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
                   untrusted=untrusted, trusted=trusted)
    baseline = load_baseline(Path(baseline_file)) if baseline_file is not None else None
    return assemble(
        root, config, merged.tools, merged.files, since=since,
        changed=changed_lines(root, since) if since is not None else None,
        baseline=baseline, baseline_source=str(baseline_file) if baseline_file is not None else "",
        untrusted=merged.untrusted, ignored=merged.ignored, warnings=merged.warnings,
        errors=merged.errors,
    )


# Presentation: the output formats of every command (qualitytool.output.registry) and the
# helpers the command line prints with.


def render(
    kind: ResultKind, output_format: str, result: Any, options: RenderOptions | None = None
) -> str:
    """``result`` (what the command of ``kind`` returned) in ``output_format``, one of
    :func:`format_names` ``(kind)``."""
    from qualitytool.output.registry import render as render_registered

    return render_registered(kind, output_format, result, options)


def statistics(kind: ResultKind, result: Any) -> str:
    """``--statistics``: how many findings of each kind, most first, as ruff prints them."""
    from qualitytool.output import statistics as stats

    if kind is ResultKind.CHECK:
        return stats.check_statistics(result.findings)
    if kind is ResultKind.FIX:
        return stats.fix_statistics(result.handlers, unsafe_fixes=result.unsafe_fixes,
                                    write=result.write)
    if kind is ResultKind.TODOS:
        return stats.todo_statistics(result.items)
    raise ValueError(f"no statistics for {kind}")


def fix_summary(report: FixReport) -> str:
    """The one-line summary of a ``fix-exceptions`` run."""
    from qualitytool.exceptions.fixing.fix_report import summary_line

    return summary_line(report)


def print_todo_table(result: ScanResult, console: Any, *, explain: bool = False) -> None:
    """The terminal view of ``todos``: a rich table per category on ``console``."""
    from qualitytool.todos.output import render_table

    render_table(result, console, explain=explain)


def display_path(path: Path | str) -> str:
    """``path`` as the messages show it (relative to the working directory when inside it)."""
    from qualitytool.discovery import display_path as shown

    return shown(path)


def parse_shard(text: str) -> Shard:
    """``"I/N"`` as a :class:`qualitytool.shard.Shard`; raises ``ShardError``."""
    from qualitytool.shard import Shard

    return Shard.parse(text)


def templates_dir(config: Config) -> Path | None:
    """The project's templates directory (``report.templates-dir``), if it configures one."""
    from qualitytool.rendering.templates import templates_dir_of

    return templates_dir_of(config)


def missing_hierarchy(config: Config) -> Path | None:
    """Where the exception hierarchy module should be when the project has none (what
    ``fix_exceptions(ladder=..., wrap=...)`` need), else None."""
    from qualitytool.exceptions.fixing.families import load_project_hierarchy

    if load_project_hierarchy(config) is None:
        return config.root / config.exceptions.hierarchy.module
    return None


def describe_scaffold(report: ScaffoldReport) -> list[str]:
    """One line per file :func:`scaffold_exceptions` wrote, kept or could not parse."""
    from qualitytool.scaffold.write import describe

    return describe(report)


def load_evidence(config: Config, evidence_file: Path | str | None = None) -> Evidence:
    """The evidence file (:func:`evidence_path`); raises ``EvidenceError``."""
    from qualitytool.exceptions.evidence.store import load

    return load(evidence_path(config, evidence_file),
                config.root if evidence_file is None else None)


def sync_options_from_env(**options: Any) -> SyncOptions:
    """:class:`qualitytool.todos.sync.SyncOptions` from ``GITHUB_*`` variables and ``options``
    (see ``SyncOptions.from_env``)."""
    from qualitytool.todos.sync import SyncOptions

    return SyncOptions.from_env(**options)


def describe_action(action: Action) -> str:
    """One line per step of a TODO sync (``create #12: title (path:line)``)."""
    return action.describe()


def rules() -> list[Rule]:
    """The rules of ``check-exceptions``, by code."""
    from qualitytool.checks import all_rules

    return list(all_rules().values())


def find_rule(code_or_name: str) -> Rule | None:
    """A rule by code, name or ruff alias."""
    from qualitytool.checks import get_rule

    return get_rule(code_or_name)


def write_report_files(report: QualityReport, out_dir: Path | str) -> list[Written]:
    """The Markdown reports of :func:`build_report` in ``out_dir``; raises
    ``TemplateRenderError`` when a project template fails."""
    from qualitytool.report.markdown import write_reports

    return write_reports(report, Path(out_dir))


def step_summary(report: QualityReport) -> str:
    """The report's GitHub Actions job summary (Markdown)."""
    from qualitytool.report.markdown import step_summary as summary

    return summary(report)


def save_baseline(report: QualityReport, path: Path | str) -> None:
    """Write the report's baseline snapshot (JSON) to ``path``, for ``baseline_file``."""
    from qualitytool.atomic_files import atomic_write
    from qualitytool.report import formats
    from qualitytool.report.baseline import snapshot

    text = formats.dumps(snapshot(report.config, report.tools, report.metrics))
    atomic_write(Path(path), text.encode("utf-8"), through_links=True)


def gate_failures(report: QualityReport, *, unmeasured: bool = False) -> list[str]:
    """One line per failed gate (and, with ``unmeasured``, per gate whose tool did not run)."""
    from qualitytool.report.formats import gate_failures as failures

    return failures(report, unmeasured=unmeasured)


def write_ci_workflows(
    root: Path | str | None = None, *, force: bool = False, default_branch: str | None = None,
    python_version: str | None = None, install_spec: str | None = None, shards: int = 1,
) -> list[WrittenFile]:
    """The GitHub Actions workflows of ``qualitytool init --ci`` in ``root`` (by default the
    top of the git repository around the current folder, where GitHub reads them); the
    branch and Python are the project's (:func:`ci_settings`) unless given."""
    from qualitytool.ci_workflows import write_ci_workflows as write

    top = ci_root(root)
    settings = ci_settings(top)
    return write(
        top, force=force, default_branch=default_branch or settings.branch.value,
        python_version=python_version or settings.python.value, install_spec=install_spec,
        shards=shards,
    )


def install_spec_problem(spec: str) -> str | None:
    """Why ``spec`` cannot be what the workflows of ``init --ci`` install, or None."""
    from qualitytool.ci_workflows import install_spec_problem as problem

    return problem(spec)


def ci_root(root: Path | str | None = None) -> Path:
    """Where ``init --ci`` writes: ``root``, or the top of the git repository around the
    current folder."""
    from qualitytool.config import find_repository_root

    return Path(root) if root is not None else find_repository_root(Path.cwd())


def ci_settings(root: Path) -> CiSettings:
    """The branch, Python and install line the workflows of ``init --ci`` would use in
    ``root``, each with where it came from."""
    from qualitytool.ci_workflows import CiSettings as Settings
    from qualitytool.ci_workflows import default_branch, default_install, project_python

    return Settings(branch=default_branch(root), python=project_python(root),
                    install=default_install())


