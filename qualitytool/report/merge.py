"""``qualitytool report --merge shard-*.json``: one report from the shards of a CI matrix.

Each shard job runs ``report --shard I/N --format json --output shard-I.json``; its JSON holds,
besides the usual report, a ``shard`` section: which shard, the configuration hash, the
commit, every file it analysed with its content hash, and every runner's findings.  The merge
joins the runners' findings and recomputes their metrics from the joined data (the pylint
score from per-file statement and message counts, radon's average from the total complexity,
coverage and annotation percentages from per-file counts), then evaluates the gates as an
unsharded run does.

A shard file is data from another machine: the merge trusts none of it blindly.

- Its shape is checked whole (:data:`DOCUMENT_SHAPE`), numbers bounded, every path a
  normalised path inside the project, before anything is used.
- The shards must be every shard of one N exactly once, from this qualitytool, this
  configuration and this commit.
- The merge runs in a checkout of the project: it discovers the files itself, deals them as
  ``--shard`` does, and requires each shard to have analysed exactly its share, each file
  with the content this checkout holds (a shard relabelled, from an older commit or from
  another project is refused), and every path a finding or a metric names to be among them.
- A tool a shard reports as crashed, timed out or missing fails its gates, and one it
  reports as skipped does so too unless the tool does not apply to this checkout either: a
  shard cannot turn a gate into "not measured".
- What the merge can read itself (the last fix-exceptions run log, the evidence, the
  settings ``--untrusted`` ignored) it reads from its checkout, not from the shards.

pylint's messages computed across files (``duplicate-code``, ``cyclic-import``) cannot come
from a shard, which sees only its own files: shards disable them and the merge computes them
over the whole project in one pylint pass limited to those messages (when the project's own
pylint configuration enables them), as an unsharded run does.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualitytool import __version__
from qualitytool.config import Config
from qualitytool.findings import Finding, Fix, FixSafety, Severity
from qualitytool.json_schemas import (
    ANY,
    REL_PATH,
    Const,
    Int,
    ListOf,
    MapOf,
    Num,
    OneOf,
    Record,
    Row,
    Str,
    paths_in,
    problem,
)
from qualitytool.own_files import MEGABYTE, read_file
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.untrusted import IgnoredSetting
from qualitytool.shard import MAX_SHARDS, Shard, ShardError, partition

if TYPE_CHECKING:
    from qualitytool.report.trusted import TrustedSettings

SHARD_FORMAT = 2
# Tools that check the modules a shard's files import too: the same finding can come from
# several shards, and it may be on any file of the project.
WHOLE_PROGRAM = frozenset({"mypy", "basedpyright"})
_FINDING_FIELDS = {f.name for f in fields(Finding)}
SHARD_LIMIT = 1024 * MEGABYTE  # one shard's JSON

_COUNT = Int(0, 10**9)
_LINE = Int(0, 10**8)
_TEXT = Str(max_len=1 << 20)
_NAME = Str(max_len=200)
_PERCENT = Num(0, 100)
_ERRORS = ListOf(Record({"path": REL_PATH, "error": _TEXT}))
_RANKS = Const("A", "B", "C", "D", "E", "F")
FINDING_SHAPE = Record(
    {"rule_id": _NAME, "tool": _NAME, "path": REL_PATH, "line": _LINE, "col": _LINE,
     "message": _TEXT, "severity": Const(*(s.value for s in Severity)),
     "confidence": Str(max_len=50), "docs_url": OneOf(Str(max_len=4096), None),
     "fix": OneOf(None, Record({"safety": Const(*(f.value for f in FixSafety)),
                                "description": _TEXT, "replacement": OneOf(_TEXT, None)})),
     "end_line": OneOf(_LINE, None), "end_col": OneOf(_LINE, None), "context": _TEXT,
     "category": Str(max_len=100), "cwe": OneOf(Int(0, 10**6), None)},
    optional={"fingerprint": Str(max_len=64)},
)
# What each runner's metrics must hold for its merger (what it reads, and the paths in them);
# other keys are ignored.
METRICS_SHAPES: dict[str, Any] = {
    "pylint": Record({"files": ListOf(Record(
        {"path": REL_PATH, "statements": _COUNT, "messages": _COUNT,
         "score": OneOf(Num(-10**9, 10), None)}))}, extra=True),
    "radon": Record({
        "functions": _COUNT, "total_complexity": _COUNT, "worst_rank": _RANKS,
        "by_rank": Record({rank: _COUNT for rank in "ABCDEF"}),
        "hotspots": ListOf(Record({"path": REL_PATH, "name": _TEXT, "line": _LINE,
                                   "end_line": OneOf(_LINE, None), "complexity": _COUNT,
                                   "rank": _RANKS})),
        "maintainability": ListOf(Record({"path": REL_PATH, "mi": Num(), "rank": _RANKS})),
        "errors": _ERRORS}, extra=True),
    "bandit": Record({"errors": _ERRORS}, extra=True),
    "coverage": Record({
        "branch": bool, "not_measured": ListOf(REL_PATH),
        "files": ListOf(Record(
            {"path": REL_PATH, "percent": _PERCENT, "statements": _COUNT, "missing": _COUNT,
             "executed_lines": ListOf(_LINE), "missing_lines": ListOf(_LINE),
             "critical": bool},
            optional={"branches": _COUNT, "partial_branches": _COUNT,
                      "covered_branches": _COUNT}))}, extra=True),
    "annotations": Record({
        "annotated": _COUNT, "total": _COUNT,
        "files": ListOf(Record({"path": REL_PATH, "annotated": _COUNT, "total": _COUNT,
                                "percent": _PERCENT,
                                "functions": ListOf(Row((_LINE, _COUNT, _COUNT)))})),
        "errors": _ERRORS}, extra=True),
    "check-exceptions": Record({
        "total": _COUNT, "critical": _COUNT,
        "files": ListOf(Record({"path": REL_PATH, "critical": _COUNT, "other": _COUNT})),
        "errors": _ERRORS}, extra=True),
    "todos": Record({
        "total": _COUNT, "linked": _COUNT, "unlinked": _COUNT,
        "by_category": MapOf(_COUNT, key=_NAME, max_items=1000),
        "by_resolution": MapOf(_COUNT, key=_NAME, max_items=1000),
        "notes": ListOf(_TEXT, max_items=10_000)}, extra=True),
    "mypy": Record({"errors": _COUNT}, extra=True),
    "basedpyright": Record({"errors": _COUNT}, extra=True),
    "black": Record({"files_to_change": _COUNT}, extra=True),
    "isort": Record({"files_to_change": _COUNT}, extra=True),
    "ruff-format": Record({"files_to_change": _COUNT}, extra=True),
}
TOOL_SHAPE = Record(
    {"tool": Const(*METRICS_SHAPES), "status": Const(*(s.value for s in ToolStatus)),
     "version": OneOf(Str(max_len=200), None), "detail": _TEXT, "files": _COUNT,
     "cached_files": _COUNT, "metrics": MapOf(ANY)},
    optional={"findings": _COUNT,
              "unanalysed": ListOf(Record({"path": REL_PATH, "reason": _TEXT}))},
    extra=True,
)
SHARD_SECTION_SHAPE = Record({
    "format": Const(SHARD_FORMAT), "index": Int(1, MAX_SHARDS), "count": Int(1, MAX_SHARDS),
    "config_hash": Str(max_len=64), "qualitytool": Str(max_len=50),
    "commit": OneOf(Str(max_len=64), None), "scope": OneOf(REL_PATH, Const(".")),
    "files": ListOf(Row((REL_PATH, Str(min_len=64, max_len=64)))),
    "findings": MapOf(ListOf(FINDING_SHAPE), key=Const(*METRICS_SHAPES)),
})
DOCUMENT_SHAPE = Record({"report": Record({
    "files": _COUNT, "untrusted": bool,
    "tools": ListOf(Record({"tool": Const(*METRICS_SHAPES), "status": Const(
        *(s.value for s in ToolStatus))}, extra=True), max_items=len(METRICS_SHAPES)),
    "shard": SHARD_SECTION_SHAPE,
}, extra=True)}, extra=True)


class MergeError(Exception):
    """The shard files cannot be merged: unreadable, incomplete, or from different setups."""


@dataclass(frozen=True)
class ShardPart:
    """What one shard's JSON says."""

    source: Path
    shard: Shard
    config_hash: str
    qualitytool: str
    commit: str | None
    scope: str
    files: tuple[tuple[str, str], ...]  # (path, sha256) of every file it analysed
    tools: tuple[ToolResult, ...]
    untrusted: bool = False


@dataclass(frozen=True)
class MergedShards:
    """The runners' results over every shard, as one run would have them."""

    tools: list[ToolResult]
    files: int
    untrusted: bool
    ignored: tuple[IgnoredSetting, ...]
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


def shard_section(report: Any) -> dict[str, Any] | None:
    """The ``shard`` section of a sharded report's JSON (None for an unsharded report)."""
    from qualitytool.rendering.json import finding_to_dict
    from qualitytool.report.baseline import config_hash

    if report.shard is None:
        return None
    return {
        "format": SHARD_FORMAT,
        "index": report.shard.index,
        "count": report.shard.count,
        "config_hash": config_hash(report.config),
        "qualitytool": __version__,
        "commit": head_commit(report.root),
        "scope": report.scope,
        "files": [[path, file_digest(report.root / path)] for path in report.analysed],
        "findings": {t.tool: [finding_to_dict(f) for f in t.findings] for t in report.tools},
    }


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes ("unreadable" when it cannot be read)."""
    from qualitytool.sources import read_bytes

    try:
        return hashlib.sha256(read_bytes(path)).hexdigest()
    except OSError:
        return "unreadable".ljust(64, "-")


def head_commit(root: Path) -> str | None:
    """The commit checked out at ``root``, or None outside git."""
    import subprocess

    try:
        done = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=root,
                              capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) in (40, 64) else None


def load_part(path: Path) -> ShardPart:
    """One shard's ``report --shard I/N --format json`` output, its shape checked whole."""
    not_a_shard = f"{path}: not the JSON of `report --shard I/N --format json`"
    try:
        document = json.loads(read_file(path, SHARD_LIMIT))
    except OSError as exc:
        raise MergeError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise MergeError(f"{not_a_shard} ({exc})") from exc
    report = document.get("report") if isinstance(document, dict) else None
    section = report.get("shard") if isinstance(report, dict) else None
    if not isinstance(section, dict) or section.get("format") != SHARD_FORMAT:
        raise MergeError(not_a_shard)
    why = problem(document, DOCUMENT_SHAPE)
    if why is not None:
        raise MergeError(f"{path}: refused: {why}")
    report, section = document["report"], document["report"]["shard"]
    tools = []
    for index, data in enumerate(report["tools"]):
        why = problem(data, TOOL_SHAPE, f"report.tools[{index}]")
        if why is None and data["status"] == ToolStatus.OK.value:
            why = problem(data["metrics"], METRICS_SHAPES[data["tool"]],
                          f"report.tools[{index}].metrics")
        if why is not None:
            raise MergeError(f"{path}: refused: {why}")
        findings = section["findings"].get(data["tool"], [])
        tools.append(ToolResult(
            tool=data["tool"], status=ToolStatus(data["status"]), version=data["version"],
            detail=data["detail"], metrics=data["metrics"], files=data["files"],
            cached_files=data["cached_files"],
            findings=tuple(_finding(f) for f in findings),
            unanalysed=tuple((u["path"], u["reason"]) for u in data.get("unanalysed", ())),
        ))
    names = [t.tool for t in tools]
    if len(set(names)) != len(names):
        raise MergeError(f"{path}: refused: a tool is listed twice")
    try:
        shard = Shard(section["index"], section["count"])
    except ShardError as exc:
        raise MergeError(f"{path}: refused: {exc}") from exc
    return ShardPart(
        source=path, shard=shard, config_hash=section["config_hash"],
        qualitytool=section["qualitytool"], commit=section["commit"], scope=section["scope"],
        files=tuple((name, digest) for name, digest in section["files"]), tools=tuple(tools),
        untrusted=report["untrusted"],
    )


def _finding(data: Mapping[str, Any]) -> Finding:
    values = {k: v for k, v in data.items() if k in _FINDING_FIELDS}
    values["severity"] = Severity(values["severity"])
    fix = values.get("fix")
    if fix is not None:
        values["fix"] = Fix(FixSafety(fix["safety"]), fix["description"], fix.get("replacement"))
    return Finding(**values)


def check_parts(parts: Sequence[ShardPart], config: Config) -> None:
    """Every shard of one N exactly once, all from this qualitytool, this configuration, one
    commit and one scope."""
    from qualitytool.report.baseline import config_hash

    if not parts:
        raise MergeError("no shard files to merge")
    counts = {p.shard.count for p in parts}
    if len(counts) != 1:
        raise MergeError(f"shards of different splits: {', '.join(sorted(map(str, counts)))}")
    count = counts.pop()
    seen: dict[int, Path] = {}
    for part in parts:
        if part.shard.index in seen:
            raise MergeError(
                f"shard {part.shard} twice: {seen[part.shard.index]} and {part.source}")
        seen[part.shard.index] = part.source
    missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in seen]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10
                                           else "")
        raise MergeError(f"missing shard(s): {shown}")
    expected = config_hash(config)
    first = parts[0]
    for part in parts:
        if part.config_hash != expected:
            raise MergeError(f"{part.source}: shard {part.shard} ran with another configuration "
                             "than this one (config hash differs)")
        if part.qualitytool != __version__:
            raise MergeError(f"{part.source}: shard {part.shard} ran qualitytool "
                             f"{part.qualitytool}, this is {__version__}")
        if part.untrusted != first.untrusted:
            raise MergeError(f"{part.source}: shard {part.shard} ran "
                             f"{'with' if part.untrusted else 'without'} --untrusted, "
                             f"{first.source} {'with' if first.untrusted else 'without'}")
        if part.commit != first.commit:
            raise MergeError(f"{part.source}: shard {part.shard} ran on commit {part.commit}, "
                             f"{first.source} on {first.commit}")
        if part.scope != first.scope:
            raise MergeError(f"{part.source}: shard {part.shard} analysed {part.scope!r}, "
                             f"{first.source} {first.scope!r}")
        if {t.tool for t in part.tools} != {t.tool for t in first.tools}:
            raise MergeError(f"{part.source}: shard {part.shard} ran other tools than "
                             f"{first.source}")


def check_against_checkout(
    parts: Sequence[ShardPart], config: Config, root: Path
) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """Each shard analysed exactly its share of this checkout's files, with their content
    here, and names no other file; returns the project's files (discovery order) and those
    that cannot be read."""
    from qualitytool.report.engine import analysable

    first = parts[0]
    here = head_commit(root)
    if first.commit is not None and here is not None and first.commit != here:
        raise MergeError(f"{first.source}: the shards ran on commit {first.commit}, this "
                         f"checkout is at {here}")
    scope = root / first.scope
    if not scope.exists():
        raise MergeError(f"{first.source}: the shards analysed {first.scope!r}, which is not "
                         "in this checkout")
    discovered, errors = analysable(scope, config)
    shares = partition(discovered, first.shard.count, root)
    project = {_relative(p, root) for p in discovered}
    for part in parts:
        share = [_relative(p, root) for p in shares[part.shard.index - 1]]
        listed = [name for name, _digest in part.files]
        if sorted(listed) != sorted(share):
            extra = sorted(set(listed) - set(share))
            lacking = sorted(set(share) - set(listed))
            detail = (f"{extra[0]} is not in its share" if extra
                      else f"{lacking[0]} is missing" if lacking else "a file is listed twice")
            raise MergeError(
                f"{part.source}: shard {part.shard} did not analyse this checkout's share "
                f"{part.shard} ({detail}): relabelled, or from another checkout")
        for name, digest in part.files:
            if file_digest(root / name) != digest:
                raise MergeError(f"{part.source}: shard {part.shard} analysed another version "
                                 f"of {name} than this checkout's (another commit?)")
        allowed = set(listed)
        for tool in part.tools:
            # Whole-program tools, and pylint (a check of one module reports on another's
            # code), may name any file of the project; the other tools their own files.
            anywhere = tool.tool in WHOLE_PROGRAM or tool.tool == "pylint"
            names = project if anywhere else allowed
            stray = next((f.path for f in tool.findings if f.path not in names), None)
            paths = [path for path, _ in tool.unanalysed]
            if tool.ok:
                paths += paths_in(tool.metrics, METRICS_SHAPES[tool.tool])
            stray = stray or next((p for p in paths if p not in allowed), None)
            if stray is not None:
                raise MergeError(f"{part.source}: shard {part.shard}: {tool.tool} names "
                                 f"{stray}, which is not one of its files")
    return discovered, errors


def _relative(path: Path, root: Path) -> str:
    from qualitytool.shard import shard_key

    return shard_key(path, root)


def merge_tools(
    parts: Sequence[ShardPart], ctx: RunContext, cross_file: bool = True
) -> list[ToolResult]:
    """One result per runner from the shards' results, in name order."""
    ordered = sorted(parts, key=lambda p: p.shard.index)
    names = sorted({t.tool for p in ordered for t in p.tools})
    merged = []
    for name in names:
        results = [(p.shard, t) for p in ordered for t in p.tools if t.tool == name]
        merged.append(_merge_one(name, results, ctx))
    if cross_file:
        merged = [_with_cross_file(r, ctx) if r.tool == "pylint" and r.ok else r for r in merged]
    return merged


def _merge_one(name: str, results: list[tuple[Shard, ToolResult]], ctx: RunContext) -> ToolResult:
    broken = [(s, t) for s, t in results
              if t.status in (ToolStatus.CRASHED, ToolStatus.TIMEOUT, ToolStatus.MISSING)]
    if broken:  # what a shard did not measure fails the tool's gates
        shard, worst = broken[0]
        status = ToolStatus.TIMEOUT if worst.status is ToolStatus.TIMEOUT else ToolStatus.CRASHED
        return ToolResult(tool=name, status=status, version=worst.version,
                          detail=f"shard {shard}: {worst.status.value}: {worst.detail}")
    skipped = [(s, t) for s, t in results if t.status is ToolStatus.SKIPPED]
    if skipped:
        reason = _skip_reason(name, ctx)
        if len(skipped) == len(results) and reason is not None:
            return ToolResult(tool=name, status=ToolStatus.SKIPPED, detail=reason)
        shard, one = skipped[0]
        return ToolResult(
            tool=name, status=ToolStatus.CRASHED, version=one.version,
            detail=f"shard {shard} skipped it ({one.detail}), but it applies to this checkout",
        )
    ok = [t for _, t in results]
    versions = {t.version for t in ok}
    if len(versions) > 1:
        raise MergeError(f"{name} ran at different versions in the shards: "
                         f"{', '.join(sorted(str(v) for v in versions))}")
    joined = [f for t in ok for f in t.findings]
    if name in WHOLE_PROGRAM:
        joined = list(dict.fromkeys(joined))
    findings = tuple(sorted(joined, key=Finding.sort_key))
    merger = METRICS_MERGERS.get(name)
    detail = ok[0].detail
    if merger is not None:
        metrics: Mapping[str, Any] = merger([t.metrics for t in ok], findings, ctx)
    elif all(t.metrics == ok[0].metrics for t in ok):
        metrics = ok[0].metrics
    else:
        return ToolResult(tool=name, status=ToolStatus.CRASHED, version=ok[0].version,
                          detail="not yet: its metrics cannot be merged across shards")
    return ToolResult(
        tool=name, status=ToolStatus.OK, version=ok[0].version, detail=detail,
        findings=findings, metrics=metrics, files=sum(t.files for t in ok),
        cached_files=sum(t.cached_files for t in ok),
        unanalysed=tuple(sorted(u for t in ok for u in t.unanalysed)),
    )


def _skip_reason(name: str, ctx: RunContext) -> str | None:
    """Why ``name`` would be skipped on the merge's own checkout, or None when it applies."""
    from qualitytool.report.runners import all_runners

    runner = all_runners().get(name)
    if runner is None:
        return "not a runner of this qualitytool"
    try:
        return runner.applies(ctx)
    except Exception as exc:  # noqa: BLE001 - a runner's check must not stop the merge
        return f"cannot tell whether it applies ({type(exc).__name__}: {exc})"


Metrics = Mapping[str, Any]
MetricsMerger = Callable[[list[Metrics], tuple[Finding, ...], RunContext], dict[str, Any]]


def _concat(parts: list[Metrics], key: str) -> list[Any]:
    return [item for m in parts for item in m[key]]


def _by_path(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda e: e["path"])


def _pylint_symbol(finding: Finding) -> str:
    return finding.message[finding.message.rfind("(") + 1 : -1]


def _merge_pylint(parts: list[Metrics], findings: tuple[Finding, ...], _ctx: RunContext) -> dict[
    str, Any
]:
    from qualitytool.report.runners.pylint import file_entry, summary_metrics

    statements_of = {f["path"]: f["statements"] for f in _concat(parts, "files")}
    counts: Counter[str] = Counter(f.category for f in findings)
    per_file: dict[str, Counter[str]] = {}
    symbols: Counter[tuple[str, str, str]] = Counter()
    for finding in findings:
        per_file.setdefault(finding.path, Counter())[finding.category] += 1
        symbols[(finding.rule_id, _pylint_symbol(finding), finding.category)] += 1
    files = [
        file_entry(path, statements, per_file.get(path, Counter()))
        for path, statements in statements_of.items()
    ]
    return summary_metrics(counts, symbols, files, sum(statements_of.values()))


def _merge_radon(parts: list[Metrics], _findings: tuple[Finding, ...], _ctx: RunContext) -> dict[
    str, Any
]:
    from qualitytool.report.runners.radon import RANKS

    functions = sum(m["functions"] for m in parts)
    complexity = sum(m["total_complexity"] for m in parts)
    return {
        "functions": functions,
        "total_complexity": complexity,
        "average_complexity": round(complexity / functions, 2) if functions else 0.0,
        "worst_rank": max((m["worst_rank"] for m in parts), key=RANKS.index),
        "by_rank": {r: sum(m["by_rank"][r] for m in parts) for r in RANKS},
        "hotspots": sorted(_concat(parts, "hotspots"),
                           key=lambda f: (-f["complexity"], f["path"], f["line"])),
        "maintainability": sorted(_concat(parts, "maintainability"),
                                  key=lambda f: (f["mi"], f["path"])),
        "errors": _by_path(_concat(parts, "errors")),
    }


def _merge_bandit(parts: list[Metrics], findings: tuple[Finding, ...], _ctx: RunContext) -> dict[
    str, Any
]:
    from qualitytool.report.runners.bandit import SEVERITIES

    counts = Counter(f.category for f in findings)
    return {
        "by_severity": {s: counts[s] for s in SEVERITIES},
        "by_confidence": dict(sorted(Counter(f.confidence for f in findings).items())),
        "by_test": [
            {"id": k[0], "count": n} for k, n in sorted(
                Counter((f.rule_id,) for f in findings).items(), key=lambda i: (-i[1], i[0])
            )
        ],
        "errors": _by_path(_concat(parts, "errors")),
    }


def _merge_coverage(parts: list[Metrics], _findings: tuple[Finding, ...], ctx: RunContext) -> dict[
    str, Any
]:
    from qualitytool.report.runners.coverage import _metrics as coverage_metrics

    files = _by_path(_concat(parts, "files"))
    analysed = {f["path"] for f in files} | set(_concat(parts, "not_measured"))
    return coverage_metrics(ctx, files, analysed, any(m["branch"] for m in parts))


def _merge_annotations(
    parts: list[Metrics], _findings: tuple[Finding, ...], _ctx: RunContext
) -> dict[str, Any]:
    from qualitytool.report.runners.annotations import percent

    annotated = sum(m["annotated"] for m in parts)
    total = sum(m["total"] for m in parts)
    return {
        "annotated": annotated,
        "total": total,
        "percent": percent(annotated, total),
        "files": sorted(_concat(parts, "files"), key=lambda f: (f["percent"], f["path"])),
        "errors": _by_path(_concat(parts, "errors")),
    }


def _merge_exceptions(
    parts: list[Metrics], _findings: tuple[Finding, ...], ctx: RunContext
) -> dict[str, Any]:
    from qualitytool.report.runners.exceptions import project_records

    # The fix log and the evidence describe the whole project: read here, as a run reads them.
    return {
        "total": sum(m["total"] for m in parts),
        "critical": sum(m["critical"] for m in parts),
        "files": _by_path(_concat(parts, "files")),
        "errors": _by_path(_concat(parts, "errors")),
        **project_records(ctx),
    }


def _merge_todos(parts: list[Metrics], _findings: tuple[Finding, ...], _ctx: RunContext) -> dict[
    str, Any
]:
    def summed(key: str) -> dict[str, int]:
        total: Counter[str] = Counter()
        for m in parts:
            total.update(m[key])
        return dict(sorted(total.items()))

    return {
        "total": sum(m["total"] for m in parts),
        "linked": sum(m["linked"] for m in parts),
        "unlinked": sum(m["unlinked"] for m in parts),
        "by_category": summed("by_category"),
        "by_resolution": summed("by_resolution"),
        # TODO_REPORT.md needs every item, which shards do not hand over (see docs/report.md).
        "reports": [],
        "notes": _joined_notes([n for m in parts for n in m["notes"]]),
    }


def _joined_notes(notes: list[str]) -> list[str]:
    """The shards' notes once each; blame's count of files outside git added up (each shard
    counted its own)."""
    from qualitytool.todos.blame import NOT_A_REPO_NOTE

    before, _, after = NOT_A_REPO_NOTE.partition("{count}")
    outside = 0
    kept: list[str] = []
    for note in notes:
        count = note[len(before):len(note) - len(after)]
        if note.startswith(before) and note.endswith(after) and count.isdigit():
            if not outside:
                kept.append(NOT_A_REPO_NOTE)  # its place, filled in below
            outside += int(count)
        elif note not in kept:
            kept.append(note)
    return [NOT_A_REPO_NOTE.format(count=outside) if n == NOT_A_REPO_NOTE else n for n in kept]


def _merge_errors_count(
    _parts: list[Metrics], findings: tuple[Finding, ...], _ctx: RunContext
) -> dict[str, Any]:
    return {"errors": sum(1 for f in findings if f.severity is Severity.ERROR)}


def _merge_formatter(
    parts: list[Metrics], _findings: tuple[Finding, ...], _ctx: RunContext
) -> dict[str, Any]:
    return {"files_to_change": sum(m["files_to_change"] for m in parts)}


# How each runner's metrics combine across shards.  A runner without an entry merges only when
# every shard measured the same metrics; otherwise it is shown as not mergeable yet.
METRICS_MERGERS: dict[str, MetricsMerger] = {
    "pylint": _merge_pylint,
    "radon": _merge_radon,
    "bandit": _merge_bandit,
    "coverage": _merge_coverage,
    "annotations": _merge_annotations,
    "check-exceptions": _merge_exceptions,
    "todos": _merge_todos,
    "mypy": _merge_errors_count,
    "basedpyright": _merge_errors_count,
    "black": _merge_formatter,
    "isort": _merge_formatter,
    "ruff-format": _merge_formatter,
}


def discovery_order(relative: str) -> tuple[tuple[int, str], ...]:
    """The place of a POSIX path in discovery's order (``os.walk`` top-down, names sorted):
    a folder's files before its subfolders'."""
    *folders, name = relative.split("/")
    return (*((1, folder) for folder in folders), (0, name))


def _with_cross_file(pylint: ToolResult, ctx: RunContext) -> ToolResult:
    """``pylint`` plus the messages only a whole-project run sees, rescored."""
    from dataclasses import replace

    from qualitytool.report.runners.pylint import cross_file_findings
    from qualitytool.report.tools import ToolError

    # In discovery order, as an unsharded run passes them: pylint attaches these messages to
    # the last module it lints, and pairs duplicated blocks in the order it read them.
    paths = sorted((f["path"] for f in pylint.metrics["files"]), key=discovery_order)
    absent = [p for p in paths if not (ctx.root / p).is_file()]
    try:
        if absent:
            raise ToolError(ToolStatus.MISSING, f"{absent[0]} is not here to lint")
        extra = cross_file_findings(ctx, paths, pylint.version or "", jobs="1")
    except ToolError as exc:
        note = (f"duplicate-code and cyclic-import not available in this sharded run "
                f"({exc.detail})")
        return replace(pylint, detail=f"{pylint.detail}; {note}" if pylint.detail else note)
    findings = tuple(sorted([*pylint.findings, *extra], key=Finding.sort_key))
    metrics = _merge_pylint([pylint.metrics], findings, ctx)
    return replace(pylint, findings=findings, metrics=metrics)


def merge(
    files: Sequence[Path],
    config: Config,
    root: Path,
    *,
    cross_file: bool = True,
    untrusted: bool = False,
    trusted: TrustedSettings | None = None,
) -> MergedShards:
    """The merged runner results of the shard ``files`` (see the module's docstring for what
    is checked).  Shards that ran ``--untrusted`` make the merge's own pylint pass untrusted
    too; ``untrusted`` requires that they did."""
    from qualitytool.report.engine import untrusted_ignored

    parts = [load_part(Path(f)) for f in files]
    if untrusted and parts and not parts[0].untrusted:
        raise MergeError("--untrusted: the shards ran without --untrusted (they ran the "
                         "project's pylint plugins and hooks); run them with it")
    check_parts(parts, config)
    discovered, errors = check_against_checkout(parts, config, root)
    untrusted = parts[0].untrusted
    ignored = untrusted_ignored(root, config, [root / parts[0].scope], discovered,
                                trusted) if untrusted else ()
    ctx = RunContext(config=config, root=root, files=tuple(discovered),
                     project_files=tuple(discovered), untrusted=untrusted, ignored=ignored,
                     trusted=trusted)
    from qualitytool.report.engine import tool_settings

    with tool_settings(root, ctx) as ctx:
        tools = merge_tools(parts, ctx, cross_file=cross_file)
    warnings = list(ctx.warnings)
    return MergedShards(tools=tools, files=len(discovered), untrusted=untrusted,
                        ignored=ignored, warnings=tuple(warnings), errors=errors)
