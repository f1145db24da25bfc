"""bandit: security findings with severity, confidence and CWE, from its JSON output."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from qualitytool.discovery import is_test_file
from qualitytool.findings import Finding, Severity
from qualitytool.json_schemas import Int, ListOf, OneOf, Record, Row
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.runners._external import CachedPythonTool
from qualitytool.report.tools import ToolError, run_tool
from qualitytool.sources import read_text

CONFIG_FILES = ("pyproject.toml", ".bandit")
_SEVERITY = {"HIGH": Severity.ERROR, "MEDIUM": Severity.WARNING, "LOW": Severity.NOTE}
SEVERITIES = ("HIGH", "MEDIUM", "LOW")
# One issue as a file's result keeps it: test id and name, severity, confidence, CWE, line,
# column, end column, text, more-info URL, code.
ISSUE = Row((str, str, str, str, OneOf(Int(0), None), Int(0), Int(0), OneOf(Int(0), None), str,
             OneOf(str, None), str))
FILE_RESULT = Record({"issues": ListOf(ISSUE)}, optional={"error": str})


def _has_bandit_table(root: Path) -> bool:
    pyproject = root / "pyproject.toml"
    try:
        return "[tool.bandit]" in read_text(pyproject, "replace")
    except OSError:
        return False


def _configuration(ctx: RunContext) -> list[str]:
    """bandit's options for the project's own configuration: ``[tool.bandit]`` in
    pyproject.toml, or a ``.bandit`` INI file (which bandit reads only when told to).  Under
    --untrusted, the trusted configuration's ``[tool.bandit]``, never the checkout's."""
    if ctx.untrusted:
        trusted = ctx.trusted.bandit_config if ctx.trusted is not None else None
        return ["-c", str(trusted)] if trusted is not None else []
    root = ctx.root
    if _has_bandit_table(root):
        return ["-c", "pyproject.toml"]
    if (root / ".bandit").is_file():
        return ["--ini", ".bandit"]
    return []


# Without a bandit configuration of the project's, test code is checked without B101
# (assert_used): pytest's tests are made of asserts, and every project that configures bandit
# skips it there, as its documentation suggests.
TEST_SKIPS = ("B101",)


class BanditRunner(CachedPythonTool):
    name = "bandit"
    module = "bandit"
    config_files = CONFIG_FILES
    result_shape = FILE_RESULT

    def cache_variant(self, ctx: RunContext) -> str:
        return "" if _configuration(ctx) else "tests-skip-" + ",".join(TEST_SKIPS)

    def analyse(
        self, ctx: RunContext, command: list[str], files: list[Path]
    ) -> dict[Path, dict[str, Any]]:
        configured = _configuration(ctx)
        argv = [*command, "-f", "json", "-q", *configured]
        relative = [ctx.relative(p) for p in files]
        batches = [relative]
        if not configured:
            tests = [path for path in relative if is_test_file(path)]
            batches = [[path for path in relative if not is_test_file(path)], tests]
        documents = []
        for number, batch in enumerate(batches):
            if not batch:
                continue
            skips = ["--skip", ",".join(TEST_SKIPS)] if number == 1 else []
            # Normal priority: bandit is one process, so lowered it would end alone on one
            # core after pylint; beside pylint it is cheaper than that tail.
            completed = run_tool(self.name, [*argv, *skips, *batch], ctx.root, ctx.timeout,
                                 ok_codes=(0, 1))
            try:
                documents.append(json.loads(completed.stdout))
            except ValueError as exc:
                raise ToolError(ToolStatus.CRASHED, f"unreadable JSON output: {exc}") from exc
        return self._per_file(ctx, files, documents)

    def _per_file(
        self, ctx: RunContext, files: list[Path], documents: list[dict[str, Any]]
    ) -> dict[Path, dict[str, Any]]:
        results: dict[str, list[list[Any]]] = {}
        items = [item for document in documents for item in document.get("results", [])]
        for item in items:
            cwe = (item.get("issue_cwe") or {}).get("id")
            results.setdefault(_normal(item["filename"]), []).append([
                item["test_id"], item["test_name"], item["issue_severity"],
                item["issue_confidence"], cwe, item["line_number"], item["col_offset"] + 1,
                item.get("end_col_offset"), item["issue_text"], item.get("more_info"),
                (item.get("code") or "").strip(),
            ])
        errors = {_normal(e["filename"]): e["reason"]
                  for document in documents for e in document.get("errors", [])}
        out: dict[Path, dict[str, Any]] = {}
        for path in files:
            relative = ctx.relative(path)
            entry: dict[str, Any] = {"issues": sorted(results.get(relative, []),
                                                      key=lambda i: (i[5], i[6], i[0]))}
            if relative in errors:
                entry["error"] = errors[relative]
            out[path] = entry
        return out

    def result(
        self, ctx: RunContext, per_file: dict[Path, dict[str, Any]], version: str, hits: int
    ) -> ToolResult:
        findings: list[Finding] = []
        errors: list[dict[str, str]] = []
        for path, entry in per_file.items():
            relative = ctx.relative(path)
            if "error" in entry:
                errors.append({"path": relative, "error": entry["error"]})
            for (test_id, test_name, severity, confidence, cwe, line, col, _end_col, text,
                 more_info, code) in entry["issues"]:
                findings.append(
                    Finding(
                        rule_id=test_id, tool=self.name, path=relative, line=line, col=col,
                        message=f"{text} ({test_name}" + (f", CWE-{cwe})" if cwe else ")"),
                        severity=_SEVERITY.get(severity, Severity.NOTE),
                        confidence=confidence.lower(), docs_url=more_info,
                        context=_code_line(code, line) or text, category=severity, cwe=cwe,
                    )
                )
        findings.sort(key=Finding.sort_key)
        counts = Counter(f.category for f in findings)
        metrics = {
            "by_severity": {s: counts[s] for s in SEVERITIES},
            "by_confidence": dict(sorted(Counter(f.confidence for f in findings).items())),
            "by_test": [
                {"id": k[0], "count": n} for k, n in sorted(
                    Counter((f.rule_id,) for f in findings).items(), key=lambda i: (-i[1], i[0])
                )
            ],
            "errors": sorted(errors, key=lambda e: e["path"]),
        }
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=version, findings=tuple(findings),
            metrics=metrics, files=len(per_file), cached_files=hits,
        )


def _normal(filename: str) -> str:
    return Path(filename).as_posix().removeprefix("./")


def _code_line(code: str, line: int) -> str:
    """The flagged line's source from bandit's numbered excerpt (for stable fingerprints)."""
    for row in code.splitlines():
        number, _, source = row.partition(" ")
        if number == str(line):
            return source.strip()
    return ""


RUNNER = BanditRunner()
