"""radon: cyclomatic complexity per function (with rank) and maintainability index per file.

The values are radon's own, computed from one parse per file (see ``radon_metrics``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qualitytool.findings import Finding, Severity
from qualitytool.json_schemas import Const, Int, ListOf, Num, OneOf, Record, Row
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.pool import analysed, map_cached
from qualitytool.report.tools import ToolError, not_installed
from qualitytool.sources import SourceError, read_python

RANKS = "ABCDEF"
# Functions of this rank and worse are findings (hotspots); better ones are only counted.
HOTSPOT_RANK = "C"
# A file's result: [name, line, complexity, rank, end line] per function and the
# maintainability index with its rank; or why it could not be analysed.
FILE_RESULT = OneOf(
    Record({"functions": ListOf(Row((str, Int(0), Int(0), Const(*RANKS), OneOf(Int(0), None)))),
            "mi": Num(), "mi_rank": Const(*RANKS)}),
    Record({"error": str}),
)


def analyse_file(path: Path) -> dict[str, Any]:
    from qualitytool.report.radon_metrics import file_metrics

    try:
        return file_metrics(read_python(path).text)
    except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}


class RadonRunner:
    name = "radon"

    def applies(self, ctx: RunContext) -> str | None:
        return None

    def run(self, ctx: RunContext) -> ToolResult:
        from importlib.metadata import PackageNotFoundError, version

        try:
            radon_version = version("radon")
        except PackageNotFoundError as exc:
            raise ToolError(ToolStatus.MISSING, not_installed("radon")) from exc
        bucket = ctx.bucket(self.name, radon_version, shape=FILE_RESULT)
        results, hits = map_cached(ctx, self.name, analyse_file, bucket)
        findings: list[Finding] = []
        functions: list[dict[str, Any]] = []
        files: list[dict[str, Any]] = []
        done, errors = analysed(ctx, results)
        for relative, result in done:
            files.append({"path": relative, "mi": result["mi"], "rank": result["mi_rank"]})
            for name, line, complexity, rank, end_line in result["functions"]:
                functions.append(
                    {"path": relative, "name": name, "line": line, "end_line": end_line,
                     "complexity": complexity, "rank": rank}
                )
                if RANKS.index(rank) >= RANKS.index(HOTSPOT_RANK):
                    findings.append(
                        Finding(
                            rule_id=f"CC-{rank}", tool=self.name, path=relative, line=line,
                            col=1, end_line=end_line,
                            message=f"`{name}` has cyclomatic complexity {complexity} "
                            f"(rank {rank})",
                            severity=Severity.WARNING if rank == "C" else Severity.ERROR,
                            docs_url="https://radon.readthedocs.io/en/latest/api.html"
                            "#radon.complexity.cc_rank",
                            context=name, category=rank,
                        )
                    )
        complexities = [f["complexity"] for f in functions]
        worst = max((f["rank"] for f in functions), default="A")
        metrics = {
            "functions": len(functions),
            "total_complexity": sum(complexities),  # for merging shards (see report.merge)
            "average_complexity": round(sum(complexities) / len(complexities), 2)
            if complexities else 0.0,
            "worst_rank": worst,
            "by_rank": {r: sum(1 for f in functions if f["rank"] == r) for r in RANKS},
            "hotspots": sorted(
                (f for f in functions if RANKS.index(f["rank"]) >= RANKS.index(HOTSPOT_RANK)),
                key=lambda f: (-f["complexity"], f["path"], f["line"]),
            ),
            "maintainability": sorted(files, key=lambda f: (f["mi"], f["path"])),
            "errors": errors,
        }
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=radon_version,
            findings=tuple(sorted(findings, key=Finding.sort_key)), metrics=metrics,
            files=len(results), cached_files=hits,
        )


RUNNER = RadonRunner()
