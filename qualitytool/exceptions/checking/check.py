"""``check-exceptions``: broad handlers in one file as findings."""

from __future__ import annotations

import ast
import gc
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualitytool.config import Config
from qualitytool.discovery import display_path, matches_any
from qualitytool.exceptions.checking.handlers import (
    BroadHandler,
    find_broad_handlers,
    find_broad_handlers_in_parts,
)
from qualitytool.exceptions.checking.prefilter import NOT_PARSED, might_have_broad_handler
from qualitytool.exceptions.checking.verdict import verdict
from qualitytool.findings import FileResult, Finding, Severity
from qualitytool.module_parts import NotInParts, cut_points, module_parts, parses_in_parts
from qualitytool.sources import SourceError, decode_python, read_bytes


@dataclass(frozen=True)
class CheckOptions:
    """What one ``check-exceptions`` run looks for; picklable for worker processes."""

    config: Config
    strict: bool = False
    check_syntax: bool = False  # also parse files that cannot hold a broad handler

    def __call__(self, path: Path) -> FileResult:
        return check_file(path, self.config, strict=self.strict, check_syntax=self.check_syntax)


def parse_text(text: str, path: Path) -> ast.Module:
    """Parse decoded source, raising :class:`SourceError` with a one-line reason."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc.
            return ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise SourceError(cannot_parse(path, exc)) from exc


def broad_handlers(raw: bytes, path: Path, logger_objects: Sequence[str]) -> list[BroadHandler]:
    """Every broad handler of the module ``raw`` (see :func:`find_broad_handlers`); a large
    module is parsed one part at a time (:mod:`qualitytool.module_parts`).  Raises
    :class:`SourceError` when it cannot be decoded or parsed."""
    text = decode_python(raw, path).text
    points = cut_points(text)
    if points is not None:
        try:
            return find_broad_handlers_in_parts(module_parts(text, points), text, logger_objects)
        except NotInParts:
            pass  # parsed whole below: the same handlers, or the module's syntax error
    return find_broad_handlers(parse_text(text, path), text, logger_objects)


def cannot_parse(path: Path | str, error: Exception) -> str:
    """The one-line reason ``ast.parse`` refused a file, the same on every Python: a NUL byte
    is a ``SyntaxError`` from 3.11 on, and a ``ValueError`` with the same message on 3.10; a
    parser stack overflow is a ``MemoryError`` with a message from 3.12 on only."""
    if isinstance(error, SyntaxError):
        return f"{syntax_error_place(path, error)}: cannot parse: {error.msg}"
    if isinstance(error, ValueError):
        return f"{path}: cannot parse: {error}"
    # The parser's own stack: 3.12+ says so, 3.10 and 3.11 raise a MemoryError without a word.
    reason = str(error) or "Parser stack overflowed - Python source too complex to parse"
    return f"{path}: cannot parse: {type(error).__name__}: {reason}"


def syntax_error_place(path: Path | str, error: SyntaxError) -> str:
    """``path:line:col`` of a syntax error, or ``path`` when it has no position (a NUL byte)."""
    if error.lineno is None:
        return str(path)
    return f"{path}:{error.lineno}:{error.offset or 0}"


def handler_findings(
    handlers: list[BroadHandler], path: Path, config: Config, strict: bool = False
) -> list[Finding]:
    """Findings for the handlers that the configuration does not exempt."""
    critical = matches_any(path, config.critical_paths, config.root)
    shown_path = display_path(path)
    findings = []
    for handler in handlers:
        judged = verdict(handler, config.exceptions)
        if not judged.reported(strict):
            continue
        rule = judged.rule
        message = rule.message.format(kind=handler.kind)
        if judged.exempt is not None:
            message += f" (it {judged.exempt}; reported by --strict)"
        if critical:
            message += " in a critical path"
        findings.append(
            Finding(
                rule_id=rule.code,
                tool="qualitytool",
                path=shown_path,
                line=handler.line,
                col=handler.col + 1,
                end_line=handler.end_line,
                end_col=handler.end_col + 1,
                message=message,
                severity=Severity.ERROR if critical else Severity.WARNING,
                docs_url=rule.docs_url,
                context=handler.source_line.strip(),
            )
        )
    return findings


def read_candidate(
    path: Path, check_syntax: bool = False
) -> tuple[str, bytes | None, str | None]:
    """``(display path, bytes, error)``: bytes only when the file may hold a broad handler;
    an error line when it cannot be read, decoded or (with ``check_syntax``, also when it
    cannot hold a handler) parsed; :data:`NOT_PARSED` as the error-free reason when it was
    not parsed."""
    shown = display_path(path)
    try:
        raw = read_bytes(path)
    except OSError as exc:
        return shown, None, f"{shown}: cannot read: {exc.strerror or exc}"
    if might_have_broad_handler(raw):
        return shown, raw, None
    if not check_syntax:
        return shown, None, NOT_PARSED
    # No handler to find, but asked to report a file that does not parse whatever it holds.
    # The tree is acyclic and dropped at once: the cyclic collector would only slow parsing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        text = decode_python(raw, Path(shown)).text
        if not parses_in_parts(text):  # a large module is checked one part at a time
            parse_text(text, Path(shown))
    except SourceError as exc:
        return shown, None, str(exc)
    finally:
        if collecting:
            gc.enable()
    return shown, None, None


def check_file(
    path: Path, config: Config, strict: bool = False, check_syntax: bool = False
) -> FileResult:
    """Broad handlers in one file; unreadable or unparsable files give an error result, files
    that cannot hold a broad handler a clean one without a parse unless ``check_syntax``."""
    shown, raw, error = read_candidate(path, check_syntax)
    if raw is None:
        if error == NOT_PARSED:
            return FileResult(path=shown, skipped=NOT_PARSED)
        return FileResult(path=shown, error=error)
    try:
        handlers = broad_handlers(raw, Path(shown), config.exceptions.logger_objects)
    except SourceError as exc:
        return FileResult(path=shown, error=str(exc))
    findings = handler_findings(handlers, path, config, strict=strict)
    return FileResult(path=shown, findings=tuple(findings))
