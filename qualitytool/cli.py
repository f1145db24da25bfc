"""The ``qualitytool`` command line: parse options, call :mod:`qualitytool.api`, print, exit.

Heavy modules are imported inside the commands so that ``qualitytool --help`` and the
pre-commit hook start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if sys.version_info >= (3, 11):
    from typing import Self
else:  # pragma: no cover
    from typing_extensions import Self

import click

from qualitytool import __version__

if TYPE_CHECKING:
    from qualitytool.findings import FileResult, Finding

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2

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
_output_option = click.option(
    "--output", "-o", "output_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output.",
)


def _load_config(paths: Sequence[Path], config_file: Path | None) -> Any:
    from qualitytool.api import resolve_config
    from qualitytool.config import ConfigError

    try:
        config = resolve_config(paths, config_file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in config.warnings:
        click.echo(f"warning: {warning}", err=True)
    return config


def _emit(text: str, output_file: Path | None) -> None:
    if output_file is None:
        click.echo(text, nl=False)
    else:
        output_file.write_text(text, encoding="utf-8")


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualitytool")
def main() -> None:
    """Find and narrow broad exception handlers, track TODOs, report code quality."""


@main.command("check-exceptions")
@_paths_argument
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]),
    default="text", show_default=True, help="Output format.",
)
@click.option(
    "--strict", is_flag=True,
    help="Also report handlers that re-raise or log the traceback (exempt by default).",
)
@_jobs_option
@_config_option
@_output_option
def check_exceptions_command(
    paths: tuple[Path, ...],
    output_format: str,
    strict: bool,
    jobs: int | None,
    config_file: Path | None,
    output_file: Path | None,
) -> None:
    """Report broad exception handlers (`except Exception`, `BaseException`, bare `except:`).

    Exit status: 0 when none are found, 1 when some are, 2 on usage or file errors.
    """
    from qualitytool.api import check_exceptions
    from qualitytool.discovery import DiscoveryError

    paths = paths or (Path("."),)
    config = _load_config(paths, config_file)
    try:
        with _Progress("check-exceptions") as progress:
            report = check_exceptions(
                paths, config, strict=strict, jobs=jobs,
                on_result=progress.advance, on_discovered=progress.start,
            )
    except DiscoveryError as exc:
        raise click.UsageError(str(exc)) from exc
    _emit(_render(output_format, report.findings, report.errors, report.files_checked,
                  "broad exception handler"), output_file)
    if output_format != "text" and report.errors:
        for error in report.errors:
            click.echo(f"error: {error.error}", err=True)
    sys.exit(EXIT_ERROR if report.errors else EXIT_FOUND if report.findings else EXIT_CLEAN)


def _render(
    output_format: str,
    findings: list[Finding],
    errors: list[FileResult],
    files_checked: int,
    noun: str,
) -> str:
    if output_format == "json":
        from qualitytool.output import json as json_output

        return json_output.render(findings, errors, files_checked)
    if output_format == "sarif":
        from qualitytool.output import sarif
        from qualitytool.output.rule_info import own_rules

        return sarif.render(findings, errors, own_rules())
    if output_format == "github":
        from qualitytool.output import github

        return github.render(findings, errors)
    from qualitytool.output import text

    return text.render(findings, errors, files_checked, noun)


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
    from qualitytool.checks import all_rules, get_rule

    if code is None:
        for rule in all_rules().values():
            aliases = f" (also {', '.join(rule.aliases)})" if rule.aliases else ""
            click.echo(f"{rule.code}  {rule.name}{aliases}")
        return
    found = get_rule(code)
    if found is None:
        raise click.UsageError(f"unknown rule {code!r}; `qualitytool rule` lists them")
    click.echo(f"# {found.name} ({found.code})\n")
    click.echo(found.docs)


class _ToolProgress:
    """One progress line per tool (files done) on an interactive stderr; silent in CI logs."""

    def __init__(self) -> None:
        import os

        self._bar: Any = None
        self._tasks: dict[str, Any] = {}
        if sys.stderr.isatty() and not os.environ.get("CI"):
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(transient=True, console=Console(stderr=True))

    def update(self, tool: str, done: int, total: int) -> None:
        if self._bar is None:
            return
        if tool not in self._tasks:
            self._tasks[tool] = self._bar.add_task(tool, total=total)
        self._bar.update(self._tasks[tool], completed=done, total=total)

    def __enter__(self) -> Self:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


@main.command("report")
@click.argument("path", required=False, default=".", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the Markdown reports into this directory.")
@click.option("--check", is_flag=True, help="Exit 1 when a quality gate fails.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]),
    default="text", show_default=True, help="What to print (or write with --output).",
)
@click.option("--baseline", "baseline_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Compare with this baseline (before -> after).")
@click.option("--save-baseline", "save_baseline", type=click.Path(dir_okay=False,
              path_type=Path), help="Write this run's baseline snapshot (JSON) here.")
@click.option("--since", "since", metavar="REF",
              help="Apply the gates to lines changed since this git ref only.")
@click.option("--no-cache", is_flag=True, help="Recompute everything; do not read the cache.")
@_config_option
@_output_option
def report_command(
    path: Path,
    out_dir: Path | None,
    check: bool,
    output_format: str,
    baseline_file: Path | None,
    save_baseline: Path | None,
    since: str | None,
    no_cache: bool,
    config_file: Path | None,
    output_file: Path | None,
) -> None:
    """Run pylint, radon, bandit, coverage, annotations, exceptions and TODOs; gate; report.

    Exit status: 0, or 1 with --check when a gate fails, 2 on usage errors.
    """
    import os

    from qualitytool.api import build_report
    from qualitytool.report import formats
    from qualitytool.report.baseline import BaselineError, snapshot
    from qualitytool.report.since import SinceError

    config = _load_config([path], config_file)
    try:
        with _ToolProgress() as progress:
            report = build_report(
                path, config, since=since, baseline_file=baseline_file,
                use_cache=not no_cache, out_dir=out_dir, on_progress=progress.update,
            )
    except (BaselineError, SinceError) as exc:
        raise click.UsageError(str(exc)) from exc
    if out_dir is not None:
        from qualitytool.report.markdown import write_reports

        for written in write_reports(report, out_dir):
            click.echo(f"wrote {written.path}", err=True)
    if save_baseline is not None:
        save_baseline.write_text(
            formats.dumps(snapshot(report.config, report.tools, report.metrics)),
            encoding="utf-8",
        )
        click.echo(f"wrote baseline {save_baseline}", err=True)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        from qualitytool.report.markdown import step_summary

        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(step_summary(report))
    renderers = {"text": formats.to_text, "json": formats.to_json, "sarif": formats.to_sarif,
                 "github": formats.to_github}
    _emit(renderers[output_format](report), output_file)
    if check and report.failed_gates:
        for line in formats.gate_failures(report):
            click.echo(line, err=True)
        sys.exit(EXIT_FOUND)


@main.command("init")
@click.argument("path", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--ci", "ci", is_flag=True, help="Write the GitHub Actions workflows.")
@click.option("--force", is_flag=True, help="Overwrite workflow files that already exist.")
@click.option("--branch", default="main", show_default=True, help="The default branch.")
def init_command(path: Path, ci: bool, force: bool, branch: str) -> None:
    """Set qualitytool up in a repository (`--ci`: GitHub Actions workflows)."""
    from qualitytool.discovery import display_path
    from qualitytool.init import write_ci_workflows

    if not ci:
        raise click.UsageError("nothing to do: pass --ci to write the GitHub Actions workflows")
    for written in write_ci_workflows(path, force=force, default_branch=branch):
        click.echo(f"{written.action}: {display_path(written.path)}")
