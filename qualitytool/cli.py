"""The ``qualitytool`` command line: parse options, call :mod:`qualitytool.api`, print, exit.

Of the package it imports :mod:`qualitytool.api` only (which imports its own modules inside
its functions, so that ``qualitytool --help`` and the pre-commit hook start fast); click
parses the options and rich draws the terminal's progress bars and TODO tables.  Every
``--format`` choice comes from :mod:`qualitytool.output.registry` (``api.format_names``).
"""

from __future__ import annotations

import errno
import io
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if sys.version_info >= (3, 11):
    from typing import Self
else:  # pragma: no cover
    from typing_extensions import Self

import click

from qualitytool import __version__, api
from qualitytool.api import ResultKind

if TYPE_CHECKING:
    from click.decorators import FC

    from qualitytool.config import Config
    from qualitytool.findings import FileResult

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

_paths_argument = click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, path_type=Path)
)
_config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read [tool.qualitytool] from this pyproject.toml instead of searching upwards.",
)
_jobs_option = click.option(
    "--jobs", "-j", type=click.IntRange(min=0), default=None,
    help="Worker processes (0 = one per core; default: the config's `jobs`, which is 0).",
)


def _parse_shard(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return api.parse_shard(value)
    except api.ShardError as exc:
        raise click.BadParameter(str(exc)) from exc


_shard_option = click.option(
    "--shard", "shard", metavar="I/N", callback=_parse_shard, expose_value=True,
    help="Analyse only share I of N of the files (a CI matrix job; the partition is "
    "deterministic and balanced by file size).",
)
_output_option = click.option(
    "--output", "-o", "output_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output.",
)


def _format_option(
    kind: ResultKind, help_text: str = "Output format."
) -> Callable[[FC], FC]:
    return click.option(
        "--format", "output_format", type=click.Choice(api.format_names(kind)), default="text",
        show_default=True, help=help_text,
    )


def _exclusion_options(function: FC) -> FC:
    """ruff's ``--exclude``, ``--extend-exclude`` and ``--force-exclude``."""
    for option in reversed((
        click.option(
            "--exclude", "exclude", multiple=True, metavar="PATTERN",
            help="Skip files matching these gitignore-style patterns (relative to the project "
            "root) instead of the configured `exclude`; repeatable, or comma-separated.",
        ),
        click.option(
            "--extend-exclude", "extend_exclude", multiple=True, metavar="PATTERN",
            help="Like --exclude, but in addition to the configured `exclude`.",
        ),
        click.option(
            "--force-exclude", is_flag=True,
            help="Apply the exclusions to files named on the command line too (pre-commit "
            "names every file it checks).",
        ),
    )):
        function = option(function)
    return function


_exit_zero_option = click.option(
    "--exit-zero", "-e", is_flag=True,
    help="Exit 0 even when something is found (2 still means an error).",
)
_statistics_option = click.option(
    "--statistics", is_flag=True,
    help="Print how many findings of each kind there are instead of the findings.",
)
_since_option = click.option(
    "--since", "since", metavar="REV",
    help="Only what is on lines changed since this git revision (committed or not), so that "
    "on a legacy codebase only new code fails: `--since HEAD` in a pre-commit hook, "
    "`--since origin/main` in CI.",
)


def _load_config(
    paths: Sequence[Path],
    config_file: Path | None,
    exclusions: tuple[tuple[str, ...], tuple[str, ...], bool] | None = None,
) -> Config:
    try:
        config = api.resolve_config(paths, config_file)
    except api.ConfigError as exc:  # a usage error: exit 2, never 1 ("found something")
        _fail(str(exc))
    for warning in config.warnings:
        click.echo(f"warning: {warning}", err=True)
    if exclusions is not None:
        exclude, extend_exclude, force_exclude = exclusions
        config = api.apply_exclusions(config, exclude=exclude, extend_exclude=extend_exclude,
                                      force_exclude=force_exclude)
    return config


def _warn(warnings: Sequence[str]) -> None:
    """One ``warning:`` line on standard error per warning."""
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def _is_terminal() -> bool:
    """Whether standard output is a terminal: rich tables and hints there, one line per
    finding everywhere else (a hook, a CI log, a pipe), as ruff prints."""
    return sys.stdout.isatty()


def _fail(message: str) -> NoReturn:
    """One ``error:`` line on standard error, then exit status 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _emit(text: str, output_file: Path | None) -> None:
    if output_file is None:
        click.echo(text, nl=False)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as exc:  # a write's error does not name the file: this one does
        raise OSError(exc.errno, exc.strerror, str(output_file)) from exc


class _Progress:
    """A progress bar on an interactive stderr for long runs; silent in CI logs."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if total >= 200 and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(transient=True, console=Console(stderr=True))
            self._task = self._bar.add_task(self._label, total=total)
            self._bar.start()

    def advance(self, _result: FileResult) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


class _OutputLost(Exception):
    """Writing the output failed (a closed pipe, a full disk): raised instead of the OSError
    so that click does not turn a broken pipe into a silent exit status 1 ("found")."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class _Commands(click.Group):
    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:  # eager options (--version, --help) print while the arguments are parsed
            return super().make_context(*args, **kwargs)
        except OSError as exc:
            if exc.errno in _OUTPUT_ERRORS:
                raise _OutputLost(exc) from exc
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno in _OUTPUT_ERRORS:
                raise _OutputLost(exc) from exc
            raise


# What writing to a stream or a file can fail with, beside the programs' own errors.
_OUTPUT_ERRORS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EBADF, errno.EIO, errno.EFBIG,
                            getattr(errno, "EDQUOT", errno.ENOSPC)})


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualitytool")
def main() -> None:
    """Find and narrow broad exception handlers, track TODOs, report code quality."""


@main.command("check-exceptions")
@_paths_argument
@_format_option(ResultKind.CHECK)
@click.option(
    "--strict", is_flag=True,
    help="Also report handlers that re-raise or log the traceback (exempt by default).",
)
@click.option(
    "--no-cache", is_flag=True,
    help="Check every file again, neither reading nor writing the cache (.qualitytool/cache/).",
)
@_since_option
@_exclusion_options
@_exit_zero_option
@_statistics_option
@click.option(
    "--check-syntax", is_flag=True,
    help="Also parse the files that cannot hold a broad handler, to report their syntax errors.",
)
@click.option(
    "--show-fixes", is_flag=True,
    help="Say what `fix-exceptions` would do with each finding: the clause a safe ([*]) or "
    "unsafe fix writes, or why it stays broad (slower: runs the inference).",
)
@_jobs_option
@_config_option
@_output_option
@_shard_option
def check_exceptions_command(
    paths: tuple[Path, ...],
    output_format: str,
    strict: bool,
    no_cache: bool,
    since: str | None,
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool,
    exit_zero: bool,
    statistics: bool,
    check_syntax: bool,
    show_fixes: bool,
    jobs: int | None,
    config_file: Path | None,
    output_file: Path | None,
    shard: Any,
) -> None:
    """Report broad exception handlers (`except Exception`, `BaseException`, bare `except:`).

    Exit status: 0 when none are found (or with --exit-zero), 1 when some are, 2 on usage or
    file errors.
    """
    paths = paths or (Path("."),)
    config = _load_config(paths, config_file, (exclude, extend_exclude, force_exclude))
    try:
        with _Progress("check-exceptions") as progress:
            report = api.check_exceptions(
                paths, config, strict=strict, jobs=jobs,
                on_result=progress.advance, on_discovered=progress.start, shard=shard,
                use_cache=not no_cache, check_syntax=check_syntax, since=since,
                show_fixes=show_fixes,
            )
    except api.DiscoveryError as exc:
        raise click.UsageError(str(exc)) from exc
    except api.SinceError as exc:
        _fail(str(exc))
    except api.ConfigError as exc:  # --show-fixes: a configured environment that does not exist
        _fail(str(exc))
    except api.KnowledgeBaseError as exc:  # --show-fixes: as fix-exceptions says it
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    _warn(report.warnings)
    if statistics:
        _emit(api.statistics(ResultKind.CHECK, report), output_file)
    else:
        _emit(api.render(ResultKind.CHECK, output_format, report), output_file)
    if (output_format != "text" or statistics) and report.errors:
        for error in report.errors:
            click.echo(f"error: {error.error}", err=True)
    found = bool(report.findings) and not exit_zero
    sys.exit(EXIT_ERROR if report.errors else EXIT_FOUND if found else EXIT_CLEAN)


@main.command("fix-exceptions")
@_paths_argument
@click.option(
    "--fix", "--write", "fix", is_flag=True,
    help="Apply the fixes, each file atomically (--write is the older name).  Exit 1 while "
    "broad handlers remain.",
)
@click.option(
    "--diff", "diff_only", is_flag=True,
    help="Print the diff of the fixes and write nothing, as ruff's --diff (exit 1 when there "
    "is a diff).",
)
@click.option(
    "--unsafe-fixes", is_flag=True,
    help="Also apply unsafe fixes (open sets, bare `except:` -> `except Exception:`).",
)
@click.option(
    "--keep-fallback", is_flag=True,
    help="Zero-risk mode: add the specific handlers and keep the broad one, logging the traceback.",
)
@click.option(
    "--boundaries", is_flag=True,
    help="Keep catch-alls around callbacks, futures and plugins, and make them log the traceback.",
)
@click.option(
    "--ladder", is_flag=True,
    help="Unsafe: a middleware catch-all gets the exception hierarchy's families above it.",
)
@click.option(
    "--wrap", is_flag=True,
    help="Unsafe: a handler converting a service library's error raises "
         "ExternalServiceError from it.",
)
@click.option(
    "--evidence", "evidence_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Add what the tests saw each handler catch (from `qualitytool evidence run`).",
)
@_format_option(ResultKind.FIX)
@click.option(
    "--show-hints", is_flag=True,
    help="Print the knowledge-base entry that would unlock each handler left broad, and the "
    "top blockers, also when the output is not a terminal (on one, always).",
)
@click.option(
    "--no-cache", is_flag=True,
    help="Read every file's text to find the project's sibling handlers, neither reading nor "
    "writing the cache (.qualitytool/cache/).",
)
@_since_option
@_exclusion_options
@_exit_zero_option
@_statistics_option
@_jobs_option
@_config_option
@_output_option
def fix_exceptions_command(
    paths: tuple[Path, ...],
    fix: bool,
    diff_only: bool,
    unsafe_fixes: bool,
    keep_fallback: bool,
    boundaries: bool,
    ladder: bool,
    wrap: bool,
    evidence_file: Path | None,
    output_format: str,
    show_hints: bool,
    no_cache: bool,
    since: str | None,
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool,
    exit_zero: bool,
    statistics: bool,
    jobs: int | None,
    config_file: Path | None,
    output_file: Path | None,
) -> None:
    """Narrow broad exception handlers to the exceptions the `try` body can raise.

    Without --fix, a dry run: prints the diff, the handlers it would leave broad and why, and
    a summary.  Exit status, as ruff's: 1 when broad handlers are found (with --fix: when some
    remain; with --diff: when there is a diff), else 0 (always with --exit-zero); 2 when a
    file cannot be read, decoded or parsed (it is left untouched; the run goes on); 130 on
    Ctrl-C.
    """
    paths = paths or (Path("."),)
    config = _load_config(paths, config_file, (exclude, extend_exclude, force_exclude))
    if fix and diff_only:
        click.echo("warning: --diff writes nothing, as ruff's (before, --write --diff wrote "
                   "and printed the diff); run without --diff to apply the fixes", err=True)
    write = fix and not diff_only
    if ladder or wrap:
        module = api.missing_hierarchy(config)
        if module is not None:
            click.echo(
                f"warning: --ladder/--wrap do nothing: no exception hierarchy at {module} "
                "(qualitytool scaffold-exceptions writes one)", err=True,
            )
    try:
        with _Progress("fix-exceptions") as progress:
            report = api.fix_exceptions(
                paths, config, write=write, unsafe_fixes=unsafe_fixes,
                keep_fallback=keep_fallback, boundaries=boundaries, ladder=ladder, wrap=wrap,
                evidence_file=evidence_file, jobs=jobs,
                on_result=progress.advance, on_discovered=progress.start, since=since,
                use_cache=not no_cache,
            )
    except api.DiscoveryError as exc:
        raise click.UsageError(str(exc)) from exc
    except api.SinceError as exc:
        _fail(str(exc))
    except api.ConfigError as exc:  # a configured environment that does not exist
        _fail(str(exc))
    except (api.KnowledgeBaseError, api.EvidenceError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    if report.run_log_error is not None:
        click.echo(f"warning: cannot write the run log: {report.run_log_error}", err=True)
    options = api.RenderOptions(
        show_diff=not write, summary=not diff_only,
        concise=not show_hints and not (_is_terminal() and output_file is None),
    )
    if statistics:
        _emit(api.statistics(ResultKind.FIX, report), output_file)
    else:
        _emit(api.render(ResultKind.FIX, output_format, report, options), output_file)
    if output_format != "text" or statistics or diff_only:
        for error in report.errors:
            click.echo(f"error: {error.error}", err=True)
    if diff_only and output_format == "text":
        click.echo(api.fix_summary(report), err=True)
    if report.interrupted:
        click.echo(f"interrupted: stopped after {len(report.files)} file(s); the summary and "
                   "the run log cover those only", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if report.errors:
        sys.exit(EXIT_ERROR)
    # As ruff: --diff fails on a diff, --fix on what remains, a dry run on any finding.
    found = report.changed_files if diff_only else report.remaining if write else report.handlers
    sys.exit(EXIT_FOUND if found and not exit_zero else EXIT_CLEAN)


@main.group("kb")
def kb_group() -> None:
    """The knowledge base of what raises what: derived contracts to review and pin."""


_no_derived_cache_option = click.option(
    "--no-cache", is_flag=True,
    help="Derive again, neither reading nor writing the derived-contract cache.",
)


@kb_group.command("derive")
@click.argument("names", nargs=-1, required=True)
@_no_derived_cache_option
@_config_option
@_output_option
def kb_derive_command(
    names: tuple[str, ...], no_cache: bool, config_file: Path | None, output_file: Path | None
) -> None:
    """Print the contracts derived for the callables NAMES (``httpx.URL``,
    ``bolt11.decode``) from the project's installed dependencies, as knowledge-base TOML.

    Save it, review it, and list the file under [tool.qualitytool.exceptions]
    knowledge-bases to pin the entries: a pinned entry wins over a derived one.
    """
    _print_derived(names, None, no_cache, config_file, output_file)


@kb_group.command("export")
@click.option("--package", "package", required=True, help="The distribution (as pip names it).")
@_no_derived_cache_option
@_config_option
@_output_option
def kb_export_command(
    package: str, no_cache: bool, config_file: Path | None, output_file: Path | None
) -> None:
    """Print the contracts derived for everything an installed distribution exports (its
    functions, classes and their public methods), as knowledge-base TOML to review and pin."""
    _print_derived((), package, no_cache, config_file, output_file)


def _print_derived(
    names: Sequence[str], package: str | None, no_cache: bool, config_file: Path | None,
    output_file: Path | None,
) -> None:
    config = _load_config((Path("."),), config_file)
    try:
        found = api.derive_contracts(names, config, package=package, use_cache=not no_cache)
    except (api.DeriveError, api.ConfigError, api.KnowledgeBaseError) as exc:
        _fail(str(exc))
    _emit(found.to_toml(), output_file)


@main.command("scaffold-exceptions")
@click.argument(
    "root", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--module", help="Where the hierarchy module goes, relative to ROOT "
    "(default: the config's `module`, app/core/exceptions.py).",
)
@click.option(
    "--framework", type=click.Choice(["fastapi", "starlette", "none"]),
    help="Also write register_exception_handlers(app) for this framework "
    "(default: read from the project's dependencies).",
)
@click.option("--base-name", help="The base class (default: the project's name + Error).")
@click.option("--force", is_flag=True, help="Overwrite the modules if they exist.")
@_config_option
def scaffold_exceptions_command(
    root: Path | None,
    module: str | None,
    framework: str | None,
    base_name: str | None,
    force: bool,
    config_file: Path | None,
) -> None:
    """Write the project's exception hierarchy under ROOT (default: the project root: the
    nearest folder above with a pyproject.toml or .git).

    An existing hierarchy module only gets the classes it lacks.  Exit status 2 when a module
    cannot be parsed (it is left unchanged).
    """
    config = _load_config([root] if root is not None else [], config_file)
    try:
        report = api.scaffold_exceptions(
            root, config, module=module, framework=framework, base_name=base_name, force=force
        )
    except api.ScaffoldError as exc:
        _fail(str(exc))
    for line in api.describe_scaffold(report):
        click.echo(line)
    sys.exit(EXIT_ERROR if report.failed else EXIT_CLEAN)
@main.group("evidence")
def evidence_group() -> None:
    """Learn from the test suite what each broad handler really catches."""


@evidence_group.command("run", context_settings={"ignore_unknown_options": True})
@click.option(
    "--path", "paths", multiple=True, type=click.Path(exists=True, path_type=Path),
    help="Watch the broad handlers under this path (repeatable; default: the project root).",
)
@click.option(
    "--evidence", "evidence_file", type=click.Path(dir_okay=False, path_type=Path),
    help="The evidence file to merge into (default: <project root>/.qualitytool/evidence.json).",
)
@click.option(
    "--instrument", is_flag=True,
    help="Record through an import hook also on Python 3.12+ (the 3.10/3.11 recorder).",
)
@_config_option
@_shard_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def evidence_run_command(
    paths: tuple[Path, ...],
    evidence_file: Path | None,
    instrument: bool,
    config_file: Path | None,
    shard: Any,
    command: tuple[str, ...],
) -> None:
    """Run a test COMMAND with a recorder in every Python process it starts.

    \b
    qualitytool evidence run -- python -m pytest -n auto
    qualitytool evidence run -- python -m unittest

    Writes, per `try` statement with a broad handler, which exception classes its handlers
    caught (with counts and an example test) and how often its body ran.  Runs accumulate.
    Exits with the command's own exit status.
    """
    config = _load_config((Path("."),), config_file)  # the project the tests run in
    try:
        run = api.record_evidence(command, paths, config, evidence_file=evidence_file,
                                  instrument=instrument, shard=shard)
    except api.EvidenceError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    for error in run.errors:
        click.echo(f"warning: {error}", err=True)
    mine = run.evidence.entries
    click.echo(
        f"qualitytool evidence: {run.watched} try statements watched in {run.processes} Python "
        f"process(es); {sum(1 for e in mine if e.runs or e.caught)} ran, "
        f"{sum(1 for e in mine if e.caught)} caught something; written to {run.path}"
        + (f" ({run.merged.dropped} stale entries dropped)" if run.merged.dropped else ""),
        err=True,
    )
    sys.exit(run.exit_code)


@evidence_group.command("merge")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--evidence", "evidence_file", type=click.Path(dir_okay=False, path_type=Path),
    help="The evidence file to merge into (default: <project root>/.qualitytool/evidence.json).",
)
@_config_option
def evidence_merge_command(
    files: tuple[Path, ...], evidence_file: Path | None, config_file: Path | None
) -> None:
    """Merge evidence FILES (one per CI matrix job, say) into the evidence file."""
    config = _load_config((Path("."),), config_file)
    try:
        merged = api.merge_evidence(files, config, evidence_file=evidence_file)
    except api.EvidenceError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(
        f"{len(merged.entries)} try statements, {len(merged.runs)} recorded runs "
        f"({merged.dropped} stale entries dropped) in {api.evidence_path(config, evidence_file)}"
    )


@evidence_group.command("show")
@click.option(
    "--evidence", "evidence_file", type=click.Path(dir_okay=False, path_type=Path),
    help="The evidence file (default: <project root>/.qualitytool/evidence.json).",
)
@_format_option(ResultKind.EVIDENCE)
@_config_option
@_output_option
def evidence_show_command(
    evidence_file: Path | None,
    output_format: str,
    config_file: Path | None,
    output_file: Path | None,
) -> None:
    """Print what the recorded test runs showed, handler by handler."""
    config = _load_config((Path("."),), config_file)
    try:
        evidence = api.load_evidence(config, evidence_file)
    except api.EvidenceError as exc:
        click.echo(f"Error: {exc} (record it with `qualitytool evidence run -- CMD`)", err=True)
        sys.exit(EXIT_ERROR)
    _emit(api.render(ResultKind.EVIDENCE, output_format, evidence), output_file)


class _DefaultCommandGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, goes to ``default_command``:
    ``qualitytool todos PATH`` is ``qualitytool todos scan PATH``."""

    default_command = "scan"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        default = self.commands[self.default_command]
        formatter.write_usage(ctx.command_path, " ".join(default.collect_usage_pieces(ctx)))
        for name in self.list_commands(ctx):
            if name != self.default_command:
                formatter.write_usage(f"{ctx.command_path} {name}", "[OPTIONS] ...",
                                      prefix="   or: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The default command's options (what ``todos PATH`` takes), then the commands:
        ``todos --help`` hides none of them."""
        default = self.commands[self.default_command]
        rows = [row for param in default.get_params(ctx) if isinstance(param, click.Option)
                if (row := param.get_help_record(ctx)) is not None]
        with formatter.section("Options"):
            formatter.write_dl(rows)
        self.format_commands(ctx, formatter)


@main.group("todos", cls=_DefaultCommandGroup)
def todos_group() -> None:
    """Find, categorize and blame TODO/FIXME/XXX/HACK comments (`qualitytool todos PATH...`),
    and keep GitHub issues in step with them (`qualitytool todos sync`)."""


@todos_group.command("scan")
@_paths_argument
@_format_option(ResultKind.TODOS, "Output format (text: a table per category, oldest first, "
                "on a terminal; one line per item elsewhere).")
@click.option("--check", is_flag=True, help="Exit 1 when an item has no issue link.")
@click.option(
    "--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Also write TODO_REPORT.md and KNOWN_LIMITATIONS.md into this directory.",
)
@click.option("--no-blame", is_flag=True, help="Skip git blame (faster; no ages or authors).")
@click.option("--explain", is_flag=True,
              help="Say why each item got its category (text format; JSON always has it).")
@_since_option
@_exclusion_options
@_exit_zero_option
@_statistics_option
@_config_option
@_output_option
@_shard_option
def todos_scan_command(
    paths: tuple[Path, ...],
    output_format: str,
    check: bool,
    report_dir: Path | None,
    no_blame: bool,
    explain: bool,
    since: str | None,
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool,
    exit_zero: bool,
    statistics: bool,
    config_file: Path | None,
    output_file: Path | None,
    shard: Any,
) -> None:
    """List the TODO comments under PATH... (default: the current directory).

    Vendored and generated code (vendor/, node_modules/, *.min.js, static library folders,
    .gitattributes linguist-vendored) is skipped unless `skip-vendored = false`.

    Exit status: 0, or 1 with --check when an item has no issue link (`TODO(#12)`,
    `TODO(owner/repo#12)` or `TODO: text - https://...`) unless --exit-zero; 2 on usage
    errors or when a file or folder cannot be read (the others are still scanned and
    reported).
    """
    paths = paths or (Path("."),)
    config = _load_config(paths, config_file, (exclude, extend_exclude, force_exclude))
    try:
        result = api.scan_todos(paths, config, blame=not no_blame, shard=shard, since=since)
    except api.DiscoveryError as exc:
        raise click.UsageError(str(exc)) from exc
    except api.CategoryRulesError as exc:
        raise click.ClickException(str(exc)) from exc
    except api.SinceError as exc:
        _fail(str(exc))
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    if report_dir is not None:
        try:
            for written in api.write_todo_reports(result, report_dir, api.templates_dir(config)):
                click.echo(f"wrote {api.display_path(written)}", err=True)
        except api.TemplateRenderError as exc:
            _fail(str(exc))
    if statistics:
        _emit(api.statistics(ResultKind.TODOS, result), output_file)
    elif output_format == "text" and output_file is None and _is_terminal():
        from rich.console import Console

        api.print_todo_table(result, Console(soft_wrap=not sys.stdout.isatty()), explain=explain)
    else:
        _emit(api.render(ResultKind.TODOS, output_format, result,
                         api.RenderOptions(explain=explain)), output_file)
    unlinked = [item for item in result.items if not item.issue]
    if result.errors:  # an unread file may hold an unlinked TODO: --check cannot pass
        sys.exit(EXIT_ERROR)
    if check and unlinked and not exit_zero:
        if output_format != "text" or statistics:
            click.echo(f"{len(unlinked)} TODO comment(s) without an issue link", err=True)
        sys.exit(EXIT_FOUND)


@todos_group.command("sync")
@_paths_argument
@click.option("--repo", help="OWNER/NAME (default: $GITHUB_REPOSITORY).")
@click.option("--api-url", help="GitHub API URL (default: $GITHUB_API_URL or api.github.com).")
@click.option("--dry-run", is_flag=True,
              help="Print the plan (create/update/close); change nothing.")
@click.option("--max-new", type=click.IntRange(min=0), help="Create at most N issues this run.")
@click.option("--category", "categories", multiple=True,
              help="Only create issues for items of this category (repeatable; the built-in "
                   "categories and those of the configured category-rules).")
@click.option("--resolution", "resolutions", multiple=True,
              type=click.Choice(api.RESOLUTIONS),
              help="Only create issues for items with this suggested resolution (repeatable).")
@click.option("--write-pause", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between writes (GitHub asks for a pause between content creations).")
@click.option("--max-wait", type=click.FloatRange(min=0), default=900.0, show_default=True,
              help="Longest rate-limit wait in seconds before giving up until the next run.")
@click.option("--link", is_flag=True,
              help="Rewrite each synced comment to reference its issue: # TODO(#123): text.")
@click.option("--timeout", type=click.FloatRange(min=1), default=30.0, show_default=True,
              help="Seconds to wait for each answer from GitHub.")
@click.option("--retry-backoff", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Backoff factor between retries of a read (seconds: factor x 2^retry).")
@click.option("--no-blame", is_flag=True, help="Skip git blame in the issue bodies.")
@_config_option
def todos_sync_command(
    paths: tuple[Path, ...],
    repo: str | None,
    api_url: str | None,
    dry_run: bool,
    max_new: int | None,
    categories: tuple[str, ...],
    resolutions: tuple[str, ...],
    write_pause: float,
    max_wait: float,
    link: bool,
    timeout: float,
    retry_backoff: float,
    no_blame: bool,
    config_file: Path | None,
) -> None:
    """Create, update and close one GitHub issue per TODO comment under PATH....

    Reads GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_SERVER_URL and GITHUB_SHA.
    Exit status: 0, or 2 when GitHub refuses (the message says why; never the token) or a
    file or folder cannot be read (the others are synced; no issue is closed that run).
    """
    paths = paths or (Path("."),)
    config = _load_config(paths, config_file)
    try:
        options = api.sync_options_from_env(
            repo=repo, api_url=api_url, dry_run=dry_run, max_new=max_new,
            categories=categories, resolutions=resolutions, labels=config.todos.labels,
            write_pause=write_pause, max_wait=max_wait, retry_backoff=retry_backoff,
            link=link, timeout=timeout,
        )
        report = api.sync_todos(paths, config, options, blame=not no_blame,
                                on_action=lambda a: click.echo(api.describe_action(a)))
    except (api.SyncError, api.CategoryRulesError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    plan = report.plan
    if dry_run:
        for action in plan.actions:
            click.echo(api.describe_action(action))
    for linked in report.links:
        if linked.error:
            click.echo(f"error: {linked.error}", err=True)
        elif linked.linked:
            click.echo(f"linked {linked.linked} comment(s) in {linked.path}")
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    verb = "would " if dry_run else ""
    click.echo(
        f"{'dry run: ' if dry_run else ''}{verb}create {len(plan.creates)}, {verb}update "
        f"{len(plan.updates)}, {verb}close {len(plan.closes)}; {plan.unchanged} unchanged, "
        f"{plan.linked} linked in the code."
    )
    if report.errors:
        sys.exit(EXIT_ERROR)


@main.command("config")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@_config_option
def config_command(path: Path | None, config_file: Path | None) -> None:
    """Print the resolved configuration for PATH (default: the current directory)."""
    import json

    config = _load_config([path or Path(".")], config_file)
    click.echo(f"# source: {config.source or '(defaults: no [tool.qualitytool] found)'}")
    click.echo(json.dumps(config.to_dict(), indent=2))


@main.command("rule")
@click.argument("code", required=False)
def rule_command(code: str | None) -> None:
    """Explain a rule (by code, name or ruff alias), or list all rules."""
    if code is None:
        for rule in api.rules():
            aliases = f" (also {', '.join(rule.aliases)})" if rule.aliases else ""
            click.echo(f"{rule.code}  {rule.name}{aliases}")
        return
    found = api.find_rule(code)
    if found is None:
        raise click.UsageError(f"unknown rule {code!r}; `qualitytool rule` lists them")
    click.echo(f"# {found.name} ({found.code})\n")
    click.echo(found.docs)


class _ToolProgress:
    """Per tool, files done: a progress line each on an interactive stderr; elsewhere (CI
    logs, a pipe) a plain line for each tool still running after ``QUIET_SECONDS``, again
    every ``EVERY_SECONDS``, and when such a tool ends, so that a long report is never
    silent and a short one says nothing."""

    QUIET_SECONDS = 10.0
    EVERY_SECONDS = 30.0

    def __init__(self) -> None:
        import os
        import threading
        import time

        self._bar: Any = None
        self._tasks: dict[str, Any] = {}
        self._clock = time.monotonic
        self._started = self._clock()
        self._state: dict[str, tuple[int, int]] = {}  # tool -> (done, total)
        self._told: dict[str, float] = {}  # tool -> when its last plain line was written
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if sys.stderr.isatty() and not os.environ.get("CI"):
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(transient=True, console=Console(stderr=True))
        else:
            self._ticker = threading.Thread(target=self._tick, name="qt-report-progress",
                                            daemon=True)

    def update(self, tool: str, done: int, total: int) -> None:
        if self._bar is not None:
            if tool not in self._tasks:
                self._tasks[tool] = self._bar.add_task(tool, total=total)
            self._bar.update(self._tasks[tool], completed=done, total=total)
            return
        with self._lock:
            finished_before = self._state.get(tool, (0, 1))
            self._state[tool] = (done, total)
            if done >= total and tool in self._told and finished_before[0] < finished_before[1]:
                self._say(tool, done, total, "done")

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            now = self._clock()
            with self._lock:
                for tool, (done, total) in self._state.items():
                    last = self._told.get(tool)
                    due = (now - self._started >= self.QUIET_SECONDS if last is None
                           else now - last >= self.EVERY_SECONDS)
                    if done < total and due:
                        self._say(tool, done, total, "running")

    def _say(self, tool: str, done: int, total: int, state: str) -> None:
        now = self._clock()
        click.echo(f"report: {tool} {done}/{total} files, {state} "
                   f"({now - self._started:.0f} s)", err=True)
        self._told[tool] = now

    def __enter__(self) -> Self:
        if self._bar is not None:
            self._bar.start()
        if self._ticker is not None:
            self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()


@main.command("report")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the Markdown reports into this directory.")
@click.option("--check", is_flag=True, help="Exit 1 when a quality gate fails.")
@click.option("--fail-unmeasured", is_flag=True,
              help="With --check, also exit 1 when a gate's tool did not run (missing, "
              "crashed, timed out, skipped, no coverage.json).")
@_format_option(ResultKind.REPORT, "What to print (or write with --output).")
@click.option("--baseline", "baseline_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Compare with this baseline (before -> after).")
@click.option("--save-baseline", "save_baseline", type=click.Path(dir_okay=False,
              path_type=Path), help="Write this run's baseline snapshot (JSON) here.")
@click.option("--since", "since", metavar="REF",
              help="Apply the gates to lines changed since this git ref only.")
@click.option("--no-cache", is_flag=True, help="Recompute everything; do not read the cache.")
@click.option("--untrusted", is_flag=True,
              help="Run none of the project's code and read none of its configuration files "
              "(a pull request from a stranger); list what was ignored.")
@click.option("--trusted-ref", metavar="REF",
              help="With --untrusted: read the configuration (qualitytool's, pylint's, "
              "bandit's) as committed at this git ref, the base branch (origin/main).")
@click.option("--trusted-config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --untrusted: read the configuration from this pyproject.toml, from "
              "outside the checkout.")
@_config_option
@_output_option
@_shard_option
@click.option("--merge", "merge", is_flag=True,
              help="The arguments are the JSON files of every shard (`report --shard I/N "
              "--format json --output shard-I.json`): report on them as one run.")
def report_command(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    check: bool,
    fail_unmeasured: bool,
    output_format: str,
    baseline_file: Path | None,
    save_baseline: Path | None,
    since: str | None,
    no_cache: bool,
    untrusted: bool,
    trusted_ref: str | None,
    trusted_config: Path | None,
    config_file: Path | None,
    output_file: Path | None,
    shard: Any,
    merge: bool,
) -> None:
    """Run pylint, radon, bandit, coverage, annotations, exceptions and TODOs; gate; report.

    `report [PATH] --shard I/N --format json --output shard-I.json` measures one share of the
    files; `report --merge shard-*.json` reports on all the shards as one run.

    `--untrusted` (pull requests from strangers) runs none of the project's code and takes
    its configuration from --trusted-ref (the base branch) or --trusted-config, never from
    the checkout.

    Exit status: 0, or 1 with --check when a gate fails (or, with --fail-unmeasured, could not
    be measured), 2 on usage errors, shard files that do not add up, files that cannot be
    read, or no file to analyse with --check or --untrusted.
    """
    import os

    if fail_unmeasured and not check:
        raise click.UsageError("--fail-unmeasured only means something with --check")
    if shard is not None and (check or merge):
        raise click.UsageError("a shard's gates mean nothing: --check goes with --merge")
    if merge and not paths:
        raise click.UsageError("--merge needs the JSON files of the shards")
    if not merge and len(paths) > 1:
        raise click.UsageError("report takes one PATH (several files only with --merge)")
    if (trusted_ref or trusted_config) and not untrusted:
        raise click.UsageError("--trusted-ref and --trusted-config go with --untrusted")
    if untrusted and config_file is not None:
        raise click.UsageError("--untrusted reads no configuration of the checkout: give the "
                               "trusted one with --trusted-ref REF or --trusted-config FILE")
    path = Path(".") if merge or not paths else paths[0]

    def run(config: Config, trusted: Any) -> Any:
        if merge:
            return api.merge_reports(paths, config, path=path, since=since,
                                     baseline_file=baseline_file, untrusted=untrusted,
                                     trusted=trusted)
        with _ToolProgress() as progress:
            return api.build_report(
                path, config, since=since, baseline_file=baseline_file,
                use_cache=not no_cache, out_dir=out_dir, on_progress=progress.update,
                untrusted=untrusted, shard=shard, trusted=trusted,
            )

    try:
        if untrusted:
            with api.trusted_settings(path, config_file=trusted_config,
                                      ref=trusted_ref) as trusted:
                _warn([*trusted.warnings, *trusted.config.warnings])
                report = run(trusted.config, trusted)
        else:
            report = run(_load_config([path], config_file), None)
    except (api.BaselineError, api.SinceError) as exc:
        raise click.UsageError(str(exc)) from exc
    except (api.MergeError, api.TrustError, api.ConfigError) as exc:
        _fail(str(exc))
    _warn(report.warnings)
    if out_dir is not None:
        try:
            for written in api.write_report_files(report, out_dir):
                click.echo(f"wrote {written.path}", err=True)
        except api.TemplateRenderError as exc:
            _fail(str(exc))
    if save_baseline is not None:
        api.save_baseline(report, save_baseline)
        click.echo(f"wrote baseline {save_baseline}", err=True)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file and shard is None:
        try:
            summary = api.step_summary(report)
        except api.TemplateRenderError as exc:
            _fail(str(exc))
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(summary)
    _emit(api.render(ResultKind.REPORT, output_format, report), output_file)
    for error in report.errors:  # a file no tool saw cannot pass: as check-exceptions does
        click.echo(f"error: {error}", err=True)
    if report.files == 0 and shard is None and (check or untrusted):
        _fail(f"no file was analysed under {path} (its include and exclude patterns match "
              "none): nothing passes a gate unmeasured")
    if report.errors:
        sys.exit(EXIT_ERROR)
    if check and (report.failed_gates or report.crashed_gates or report.incomplete_gates
                  or (fail_unmeasured and report.unmeasured_gates)):
        for line in api.gate_failures(report, unmeasured=fail_unmeasured):
            click.echo(line, err=True)
        sys.exit(EXIT_FOUND)


@main.command("init")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--ci", "ci", is_flag=True, help="Write the GitHub Actions workflows.")
@click.option("--force", is_flag=True, help="Overwrite workflow files that already exist.")
@click.option("--branch", default=None,
              help="The default branch the push triggers name  [default: the remote's "
              "default branch (origin/HEAD), else the branch checked out, else main]")
@click.option("--python", "python_version", default=None, metavar="X.Y",
              help="The Python the workflows run  [default: the newest of 3.10-3.13 that the "
              "project's requires-python admits, else 3.12]")
@click.option("--install", "install_spec", default=None, metavar="SPEC",
              help="What the workflows pip install  [default: qualitytool[all]==<this "
              "version>, from PyPI]; e.g. a git URL or a wheel's URL before a release")
@click.option("--shards", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --ci: run the report as a matrix of N jobs (`--shard I/N`) and a "
              "merge job.")
def init_command(path: Path | None, ci: bool, force: bool, branch: str | None,
                 python_version: str | None, install_spec: str | None, shards: int) -> None:
    """Set qualitytool up in a repository (`--ci`: GitHub Actions workflows in PATH, by
    default the top of the git repository around the current folder)."""
    if not ci:
        raise click.UsageError("nothing to do: pass --ci to write the GitHub Actions workflows")
    if python_version is not None and not re.fullmatch(r"3\.\d{1,2}", python_version):
        raise click.BadParameter(f"{python_version!r} is not a Python version such as 3.12",
                                 param_hint="--python")
    problem = api.install_spec_problem(install_spec) if install_spec is not None else None
    if problem is not None:
        raise click.BadParameter(problem, param_hint="--install")
    top = api.ci_root(path)
    settings = api.ci_settings(top)
    written = api.write_ci_workflows(top, force=force, default_branch=branch,
                                     python_version=python_version,
                                     install_spec=install_spec, shards=shards)
    for item in written:
        click.echo(f"{item.action}: {api.display_path(item.path)}")
    given = "given with --{}"
    click.echo(f"branch: {branch or settings.branch.value} "
               f"({given.format('branch') if branch else settings.branch.source})")
    click.echo(f"python: {python_version or settings.python.value} "
               f"({given.format('python') if python_version else settings.python.source})")
    click.echo(f"installs: {install_spec or settings.install.value} "
               f"({given.format('install') if install_spec else settings.install.source})")


def entry() -> NoReturn:
    """The console script and ``python -m qualitytool``: :func:`main`, then an immediate exit.

    When a command has returned, its files are written and closed; what is left is the
    interpreter freeing its objects one by one, a tenth of a warm ``check-exceptions`` run.
    As mypy does, the process then ends without that teardown, once its output is flushed,
    but only when nothing else waits for the end: no thread still running, no ``atexit``
    callback with work to do (a logging handler to flush, a worker process to join,
    multiprocessing's clean-up, coverage's), no profiler or tracer.  Otherwise the exit is
    the ordinary one.

    Output that cannot be written (standard output closed, a closed pipe, a full disk) ends
    the run with one ``error:`` line on standard error and exit status 2, never a traceback.
    """
    if sys.stdout is None:  # started with standard output closed
        sys.stdout = _ClosedOutput()
    try:
        main()
        code: object = 0
    except SystemExit as stop:
        code = stop.code
    except _OutputLost as lost:
        code = _output_failed(lost.error)
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRORS:
            raise
        code = _output_failed(exc)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError) as exc:  # the last of the output: same error, same exit
        code = _output_failed(exc if isinstance(exc, OSError) else OSError(errno.EBADF, str(exc)))
    if not isinstance(code, int | None) or not _nothing_waits_for_the_exit():
        sys.exit(code)  # type: ignore[arg-type]
    os._exit(code or 0)


class _ClosedOutput(io.TextIOBase):
    """Standard output when the process started without one: writing to it fails."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(errno.EBADF, "standard output is closed")


def _output_failed(error: OSError) -> int:
    """Say why the output could not be written, on standard error if it can be; exit status
    2.  Standard output is pointed at the null device first, so that the interpreter's own
    last flush of what is still buffered cannot fail again with a traceback."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        pass
    where = f"{error.filename}: " if error.filename else "cannot write the output: "
    try:
        sys.stderr.write(f"error: {where}{error.strerror or error}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # standard error is gone too
        pass
    return EXIT_ERROR


def _nothing_waits_for_the_exit() -> bool:
    import atexit
    import threading

    callbacks = getattr(atexit, "_ncallbacks", None)
    if callbacks is None or sys.gettrace() or sys.getprofile():
        return False
    if callbacks() != _idle_standard_callbacks():
        return False
    main_thread = threading.main_thread()
    return all(t is main_thread or t.daemon for t in threading.enumerate())


def _idle_standard_callbacks() -> int:
    """How many ``atexit`` callbacks are the standard library's own with nothing left to do:
    logging's (registered when it is imported) while no handler but the last-resort one
    and null ones exists, and multiprocessing's (registered with its utilities) once every
    worker has ended and no clean-up is pending; -1 when one of them has work left.  Any
    other callback makes the count differ from the number registered."""
    idle = 0
    logging = sys.modules.get("logging")
    if logging is not None:
        handlers = getattr(logging, "_handlerList", None)
        if handlers is None:
            return -1
        for reference in list(handlers):
            handler = reference()
            if handler is not None and not (
                    handler is logging.lastResort or type(handler) is logging.NullHandler):
                return -1
        idle += 1
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        import multiprocessing

        if multiprocessing.active_children() or getattr(util, "_finalizer_registry", True):
            return -1
        idle += 1
    return idle
