"""Every output format of every command, in one table.

A command's ``--format`` choices are the names registered for its result kind, so adding a
format is one entry in :data:`FORMATS` (pointing at a function ``(result, options) -> str``).
The renderers import their modules when called: importing this table stays cheap, and
``qualitytool --help`` never loads a reporter.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class ResultKind(enum.Enum):
    """What a command produced, and so which renderers can print it."""

    CHECK = "check-exceptions"  # qualitytool.api.CheckReport
    FIX = "fix-exceptions"  # qualitytool.exceptions.fixing.fix_report.FixReport
    EVIDENCE = "evidence show"  # qualitytool.exceptions.evidence.store.Evidence
    TODOS = "todos"  # qualitytool.todos.model.ScanResult
    REPORT = "report"  # qualitytool.report.result.QualityReport


@dataclass(frozen=True)
class RenderOptions:
    """The command-line flags that change a rendering (each renderer reads the ones it needs)."""

    show_diff: bool = True  # fix-exceptions text: print the diff
    summary: bool = True  # fix-exceptions text: the handlers' lines and the summary (--diff: no)
    concise: bool = False  # not a terminal: one line per finding, no hints or tables
    explain: bool = False  # todos text: why each item got its category


Renderer = Callable[[Any, RenderOptions], str]


@dataclass(frozen=True)
class OutputFormat:
    name: str
    kind: ResultKind
    render: Renderer


def _check_text(report: Any, _options: RenderOptions) -> str:
    from qualitytool.rendering import text

    not_parsed = report.files_not_parsed
    # Among the files checked, not beside them (685 checked, 667 of those not parsed).
    note = (f"{not_parsed} of the {report.files_checked} cannot hold one and "
            f"{'were' if not_parsed != 1 else 'was'} not parsed (--check-syntax reports "
            "their syntax errors)") if not_parsed else None
    return text.render(report.findings, report.errors, report.files_checked,
                       "broad exception handler", note,
                       fix_command="qualitytool fix-exceptions --fix" if report.show_fixes
                       else None)


def _check_json(report: Any, _options: RenderOptions) -> str:
    from qualitytool.rendering import json as json_output

    extra: dict[str, Any] = {"files_not_parsed": report.files_not_parsed}
    if report.show_fixes:  # how many findings have each kind of fix
        safeties = ("safe", "unsafe", "none")
        extra["fixes"] = {safety: sum(1 for f in report.findings if f.fix is not None
                                      and f.fix.safety.value == safety) for safety in safeties}
    return json_output.render(report.findings, report.errors, report.files_checked, extra)


def _check_sarif(report: Any, _options: RenderOptions) -> str:
    from qualitytool.rendering import sarif
    from qualitytool.rendering.rule_info import own_rules

    return sarif.render(report.findings, report.errors, own_rules())


def _check_github(report: Any, _options: RenderOptions) -> str:
    from qualitytool.rendering import github

    return github.render(report.findings, report.errors)


def _fix_text(report: Any, options: RenderOptions) -> str:
    from qualitytool.exceptions.fixing.fix_report import render_text

    return render_text(report, show_diff=options.show_diff, concise=options.concise,
                       summary=options.summary)


def _fix_json(report: Any, _options: RenderOptions) -> str:
    from qualitytool.exceptions.fixing.fix_report import render_json

    return render_json(report)


def _evidence_text(evidence: Any, _options: RenderOptions) -> str:
    from qualitytool.exceptions.evidence.show import render_text

    return render_text(evidence)


def _evidence_json(evidence: Any, _options: RenderOptions) -> str:
    return str(evidence.to_json())


def _todos_text(result: Any, options: RenderOptions) -> str:
    from qualitytool.todos.output import plain_lines

    return plain_lines(result, explain=options.explain)


def _todos(function: str) -> Renderer:
    def render(result: Any, _options: RenderOptions) -> str:
        from qualitytool.todos import output

        return str(getattr(output, function)(result))

    return render


def _report(function: str) -> Renderer:
    def render(report: Any, _options: RenderOptions) -> str:
        from qualitytool.report import formats

        return str(getattr(formats, function)(report))

    return render


FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat("text", ResultKind.CHECK, _check_text),
    OutputFormat("json", ResultKind.CHECK, _check_json),
    OutputFormat("sarif", ResultKind.CHECK, _check_sarif),
    OutputFormat("github", ResultKind.CHECK, _check_github),
    OutputFormat("text", ResultKind.FIX, _fix_text),
    OutputFormat("json", ResultKind.FIX, _fix_json),
    OutputFormat("text", ResultKind.EVIDENCE, _evidence_text),
    OutputFormat("json", ResultKind.EVIDENCE, _evidence_json),
    OutputFormat("text", ResultKind.TODOS, _todos_text),
    OutputFormat("json", ResultKind.TODOS, _todos("render_json")),
    OutputFormat("markdown", ResultKind.TODOS, _todos("render_report")),
    OutputFormat("sarif", ResultKind.TODOS, _todos("render_sarif")),
    OutputFormat("github", ResultKind.TODOS, _todos("render_github")),
    OutputFormat("text", ResultKind.REPORT, _report("to_text")),
    OutputFormat("json", ResultKind.REPORT, _report("to_json")),
    OutputFormat("sarif", ResultKind.REPORT, _report("to_sarif")),
    OutputFormat("github", ResultKind.REPORT, _report("to_github")),
)


def format_names(kind: ResultKind) -> list[str]:
    """The ``--format`` choices of the command producing ``kind``, in table order."""
    return [f.name for f in FORMATS if f.kind is kind]


def render(kind: ResultKind, name: str, result: Any, options: RenderOptions | None = None) -> str:
    """``result`` (of ``kind``) in the format called ``name``."""
    for output_format in FORMATS:
        if output_format.kind is kind and output_format.name == name:
            return output_format.render(result, options or RenderOptions())
    raise ValueError(f"no {name!r} format for {kind.value} (one of "
                     f"{', '.join(format_names(kind))})")
