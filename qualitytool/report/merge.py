"""``qualitytool report --merge shard-*.json``: one report from the shards of a CI matrix.

Each shard job runs ``report --shard I/N --format json --output shard-I.json``; its JSON holds,
besides the usual report, a ``shard`` section: which shard, the configuration hash, and every
runner's findings.  The merge joins the runners' findings and recomputes their metrics from
the joined data (the pylint score from per-file statement and message counts, radon's average
from the total complexity, coverage and annotation percentages from per-file counts), then
evaluates the gates as an unsharded run does.

pylint's messages computed across files (``duplicate-code``, ``cyclic-import``) cannot come
from a shard, which sees only its own files: shards disable them and the merge computes them
over the whole project in one pylint pass limited to those messages (when the project's own
pylint configuration enables them).  Where the merge cannot run pylint on the project (no
checkout), the pylint result says they are not available.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from qualitytool import __version__
from qualitytool.config import Config
from qualitytool.findings import Finding, Fix, FixSafety, Severity
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.untrusted import IgnoredSetting
from qualitytool.shard import Shard, ShardError

SHARD_FORMAT = 1
# Tools that check the modules a shard's files import too: the same finding can come from
# several shards.
WHOLE_PROGRAM = frozenset({"mypy", "basedpyright"})
_FINDING_FIELDS = {f.name for f in fields(Finding)}


class MergeError(Exception):
    """The shard files cannot be merged: unreadable, incomplete, or from different setups."""


@dataclass(frozen=True)
class ShardPart:
    """What one shard's JSON says."""

    source: Path
    shard: Shard
    config_hash: str
    qualitytool: str
    files: int
    tools: tuple[ToolResult, ...]
    untrusted: bool = False
    ignored: tuple[IgnoredSetting, ...] = ()


@dataclass(frozen=True)
class MergedShards:
    """The runners' results over every shard, as one run would have them."""

    tools: list[ToolResult]
    files: int
    untrusted: bool
    ignored: tuple[IgnoredSetting, ...]


def shard_section(report: Any) -> dict[str, Any] | None:
    """The ``shard`` section of a sharded report's JSON (None for an unsharded report)."""
    from qualitytool.output.json import finding_to_dict
    from qualitytool.report.baseline import config_hash

    if report.shard is None:
        return None
    return {
        "format": SHARD_FORMAT,
        "index": report.shard.index,
        "count": report.shard.count,
        "config_hash": config_hash(report.config),
        "qualitytool": __version__,
        "findings": {t.tool: [finding_to_dict(f) for f in t.findings] for t in report.tools},
    }


def load_part(path: Path) -> ShardPart:
    """One shard's ``report --shard I/N --format json`` output."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        report = document["report"]
        section = report["shard"]
        if not isinstance(section, dict) or section.get("format") != SHARD_FORMAT:
            raise MergeError(f"{path}: not the JSON of `report --shard I/N --format json`")
        shard = Shard(int(section["index"]), int(section["count"]))
        findings = section["findings"]
        tools = tuple(
            ToolResult(
                tool=t["tool"], status=ToolStatus(t["status"]), version=t["version"],
                detail=t["detail"], metrics=t["metrics"], files=t["files"],
                cached_files=t["cached_files"],
                findings=tuple(_finding(f) for f in findings.get(t["tool"], [])),
                unanalysed=tuple((u["path"], u["reason"]) for u in t.get("unanalysed", ())),
            )
            for t in report["tools"]
        )
        return ShardPart(
            source=path, shard=shard, config_hash=str(section["config_hash"]),
            qualitytool=str(section["qualitytool"]), files=int(report["files"]), tools=tools,
            untrusted=bool(report.get("untrusted", False)),
            # Every shard lists what the whole run ignored (see engine.build).
            ignored=tuple(IgnoredSetting(s["tool"], s["source"], s["setting"], s["effect"])
                          for s in report.get("ignored", [])),
        )
    except MergeError:
        raise
    except OSError as exc:
        raise MergeError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (ValueError, KeyError, TypeError, ShardError) as exc:
        raise MergeError(
            f"{path}: not the JSON of `report --shard I/N --format json` ({exc})"
        ) from exc


def _finding(data: Mapping[str, Any]) -> Finding:
    values = {k: v for k, v in data.items() if k in _FINDING_FIELDS}
    values["severity"] = Severity(values.get("severity", "warning"))
    fix = values.get("fix")
    if fix is not None:
        values["fix"] = Fix(FixSafety(fix["safety"]), fix["description"], fix.get("replacement"))
    return Finding(**values)


def check_parts(parts: Sequence[ShardPart], config: Config) -> None:
    """Every shard of one N exactly once, all from this qualitytool and this configuration."""
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
            raise MergeError(f"shard {part.shard} twice: {seen[part.shard.index]} and {part.source}")
        seen[part.shard.index] = part.source
    missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in seen]
    if missing:
        raise MergeError(f"missing shard(s): {', '.join(missing)}")
    expected = config_hash(config)
    for part in parts:
        if part.config_hash != expected:
            raise MergeError(f"{part.source}: shard {part.shard} ran with another configuration "
                             "than this one (config hash differs)")
        if part.qualitytool != __version__:
            raise MergeError(f"{part.source}: shard {part.shard} ran qualitytool "
                             f"{part.qualitytool}, this is {__version__}")
        if part.untrusted != parts[0].untrusted:
            raise MergeError(f"{part.source}: shard {part.shard} ran "
                             f"{'with' if part.untrusted else 'without'} --untrusted, "
                             f"{parts[0].source} {'with' if parts[0].untrusted else 'without'}")


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
    failed = [(s, t) for s, t in results if t.status not in (ToolStatus.OK, ToolStatus.SKIPPED)]
    if failed:
        shard, worst = failed[0]
        return ToolResult(tool=name, status=worst.status, version=worst.version,
                          detail=f"shard {shard}: {worst.detail}")
    ok = [t for _, t in results if t.ok]
    if not ok:
        return results[0][1]
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
    parts: list[Metrics], _findings: tuple[Finding, ...], _ctx: RunContext
) -> dict[str, Any]:
    # The fix log and the evidence describe the whole project: every shard read the same.
    return {
        "total": sum(m["total"] for m in parts),
        "critical": sum(m["critical"] for m in parts),
        "files": _by_path(_concat(parts, "files")),
        "errors": _by_path(_concat(parts, "errors")),
        "fix_log": parts[0]["fix_log"],
        "evidence": parts[0]["evidence"],
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
        "notes": list(dict.fromkeys(n for m in parts for n in m["notes"])),
    }


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
        extra = cross_file_findings(ctx, paths, pylint.version or "")
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
) -> MergedShards:
    """The merged runner results of the shard ``files``.  Shards that ran ``--untrusted``
    make the merge's own pylint pass untrusted too; ``untrusted`` requires that they did."""
    parts = [load_part(Path(f)) for f in files]
    check_parts(parts, config)
    if untrusted and not parts[0].untrusted:
        raise MergeError("--untrusted: the shards ran without --untrusted (they ran the "
                         "project's pylint plugins and hooks); run them with it")
    untrusted = parts[0].untrusted
    ctx = RunContext(config=config, root=root, files=(), untrusted=untrusted,
                     ignored=parts[0].ignored)
    return MergedShards(
        tools=merge_tools(parts, ctx, cross_file=cross_file),
        files=sum(p.files for p in parts), untrusted=untrusted, ignored=parts[0].ignored,
    )
