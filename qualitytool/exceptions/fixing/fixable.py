"""``check-exceptions --show-fixes``: what ``fix-exceptions`` would do with each finding.

Finding a broad handler is a byte test and a parse; saying whether it can be narrowed takes
the inference, many times slower, so it is asked for.  The findings come first (from the
check, its cache included); then only the files that have some are planned, as
``fix-exceptions`` plans them with its default flags, and each finding gets a
:class:`~qualitytool.findings.Fix`: safe (``fix-exceptions --fix`` applies it), unsafe (only
with ``--unsafe-fixes``) or none, with the ``except`` clause the fix writes or the reason the
handler stays broad.  The result depends on the rest of the project (what its functions
raise), so it is never cached.
"""

from __future__ import annotations

import ast
import gc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qualitytool.config import Config
from qualitytool.exceptions.checking.check import parse_text
from qualitytool.exceptions.checking.handlers import find_broad_handlers
from qualitytool.exceptions.checking.verdict import verdict
from qualitytool.exceptions.fixing.fix import (
    FixOptions,
    knowledge_files,
    plan_source,
    prepare,
    project_environment,
)
from qualitytool.exceptions.fixing.plan import SAFE, UNSAFE, HandlerPlan, handler_order
from qualitytool.findings import FileResult, Finding, Fix, FixSafety
from qualitytool.sources import SourceError, decode_python, read_bytes

_SAFETY = {SAFE: FixSafety.SAFE, UNSAFE: FixSafety.UNSAFE}


def attach_fixes(
    results: Sequence[FileResult], config: Config, *, jobs: int = 0
) -> list[FileResult]:
    """``results`` with a fix on every finding; raises ``KnowledgeBaseError`` for a bad
    knowledge-base file and ``ConfigError`` for a configured environment that does not
    exist, as ``fix-exceptions`` does."""
    from qualitytool.parallel import map_files

    wanted = [r for r in results if r.findings]
    if not wanted:
        return list(results)
    options = FixOptions(
        config=config, roots=(str(config.root),), knowledge_files=knowledge_files(config),
        environment=project_environment(config),
    )
    prepare(options)
    planned = map_files(
        _FixesOf(options, {r.path: r.findings for r in wanted}),
        (Path(r.path) for r in wanted), jobs=jobs,
    )
    fixed = {}
    for before, after in zip(wanted, planned, strict=True):
        if after.error is not None:  # an internal error: the findings stay, without a fix
            after = _without_fixes(before, f"fix-exceptions cannot plan it: {after.error}")
        fixed[before.path] = after
    return [fixed.get(r.path, r) for r in results]


@dataclass(frozen=True)
class _FixesOf:
    """Plans one file and attaches the fixes to its findings (picklable, for the workers)."""

    options: FixOptions
    findings: Mapping[str, tuple[Finding, ...]]  # by the path as shown

    def __call__(self, path: Path) -> FileResult:
        result = FileResult(path=str(path), findings=self.findings[str(path)])
        collecting = gc.isenabled()
        gc.disable()  # as fix_file: parsing makes millions of acyclic objects
        try:
            return _with_fixes(path, result, self.options)
        finally:
            if collecting:
                gc.enable()


def _without_fixes(result: FileResult, reason: str) -> FileResult:
    fix = Fix(FixSafety.NONE, reason)
    return replace(result, findings=tuple(replace(f, fix=fix) for f in result.findings))


def _with_fixes(path: Path, result: FileResult, options: FixOptions) -> FileResult:
    try:
        source = decode_python(read_bytes(path), path)
        tree = parse_text(source.text, path)
    except OSError as exc:  # it changed or went away since it was checked
        return _without_fixes(result, f"fix-exceptions cannot read it: {exc.strerror or exc}")
    except SourceError as exc:
        return _without_fixes(result, f"fix-exceptions cannot parse it: {exc}")
    try:
        plans = plan_source(source.text, tree, path, options)
    except SourceError as exc:  # LibCST's grammar refuses what CPython's accepted
        return _without_fixes(result, f"fix-exceptions cannot plan it: {exc}")
    by_place = {(p.line, p.col): p for p in plans}
    clauses = _clauses(source.text, tree, [p for p in plans if p.outcome in _SAFETY], path)
    exceptions = options.config.exceptions
    handlers = {(h.line, h.col + 1): h
                for h in find_broad_handlers(tree, source.text, exceptions.logger_objects)}
    findings = []
    for finding in result.findings:
        place = (finding.line, finding.col)
        plan = by_place.get(place)
        handler = handlers.get(place)
        if plan is not None:
            fix = _fix(plan, clauses.get(plan.index))
        elif handler is not None and (judged := verdict(handler, exceptions)).exempt:
            fix = Fix(FixSafety.NONE, f"exempt: it {judged.exempt}, so fix-exceptions leaves "
                                      "it (only --strict reports it)")
        else:
            fix = Fix(FixSafety.NONE, "fix-exceptions finds no broad handler here (the file "
                                      "changed since it was checked?)")
        findings.append(replace(finding, fix=fix))
    return replace(result, findings=tuple(findings))


def _fix(plan: HandlerPlan, clause: str | None) -> Fix:
    safety = _SAFETY.get(plan.outcome)
    if safety is None:  # left broad, or a boundary (only --boundaries changes it)
        return Fix(FixSafety.NONE, plan.reason or f"kept broad ({plan.outcome})")
    written = clause or _clause_of(plan)
    if safety is FixSafety.UNSAFE and plan.reason:
        return Fix(safety, f"{written} (unsafe: {plan.reason})")
    return Fix(safety, written)


def _clause_of(plan: HandlerPlan) -> str:
    """The clause from the plan's names, when the rewritten module could not say."""
    names = plan.names or plan.exceptions
    return f"except {names[0]}:" if len(names) == 1 else f"except ({', '.join(names)}):"


def _clauses(
    text: str, tree: ast.Module, plans: Sequence[HandlerPlan], path: Path
) -> dict[int, str]:
    """Plan index -> the ``except`` clause the rewrite writes for it (with ``--unsafe-fixes``:
    every narrowing applied), read back from the rewritten module."""
    if not plans:
        return {}
    from qualitytool.exceptions.fixing.piecewise import rewrite_module  # imports LibCST
    from qualitytool.exceptions.fixing.project_style import project_style

    try:
        new_text, _ = rewrite_module(text, tree, plans, True, project_style(path))
        new_tree = parse_text(new_text, path)
    except SourceError:
        return {}
    before, after = handler_order(tree), handler_order(new_tree)
    if len(before) != len(after):  # the default flags never add a clause; if they did ...
        return {}
    nodes = {(n.lineno, n.col_offset): n for n in ast.walk(new_tree)
             if isinstance(n, ast.ExceptHandler)}
    by_rank = {rank: nodes[place] for place, rank in after.items()}
    clauses = {}
    for plan in plans:
        node = by_rank.get(plan.index)
        if node is None or node.type is None:
            continue
        alias = f" as {node.name}" if node.name else ""
        clauses[plan.index] = f"except {ast.unparse(node.type)}{alias}:"
    return clauses
