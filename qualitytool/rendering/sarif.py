"""SARIF 2.1.0, as GitHub code scanning accepts it.

Beyond the schema, code scanning wants ``$schema``, ``tool.driver.name`` and ``rules``, and on
each result a ``message``, a location with ``startLine`` and ``partialFingerprints``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qualitytool import __version__
from qualitytool.findings import FileResult, Finding, Severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


@dataclass(frozen=True)
class RuleInfo:
    """What SARIF says about a rule; reporters get it from the rule registries."""

    id: str
    name: str
    summary: str
    help_uri: str | None = None
    help_markdown: str | None = None


def _rule_descriptor(info: RuleInfo) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.summary},
    }
    if info.help_uri:
        descriptor["helpUri"] = info.help_uri
    if info.help_markdown:
        descriptor["help"] = {"text": info.help_markdown, "markdown": info.help_markdown}
    return descriptor


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(1, finding.line)}
    if finding.col > 0:
        region["startColumn"] = finding.col
    if finding.end_line is not None and finding.end_line >= finding.line:
        region["endLine"] = finding.end_line
        if finding.end_col is not None and finding.end_col > 0:
            region["endColumn"] = finding.end_col
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {"qualitytool/v1": finding.fingerprint},
    }
    if finding.fix is not None:
        # A SARIF ``fix`` must list its edits (``artifactChanges``); a fix that is only
        # described (its safety, the clause it writes or why there is none) goes in the
        # result's property bag.
        result["properties"] = {"fix": {"safety": finding.fix.safety.value,
                                        "description": finding.fix.description}}
    return result


def render(
    findings: Sequence[Finding],
    errors: Sequence[FileResult],
    rules: Sequence[RuleInfo],
) -> str:
    """One SARIF log with one run; rules not in ``rules`` are described from the findings."""
    known = {r.id: r for r in rules}
    for finding in findings:
        if finding.rule_id not in known:
            known[finding.rule_id] = RuleInfo(
                id=finding.rule_id,
                name=finding.rule_id,
                summary=finding.message,
                help_uri=finding.docs_url,
            )
    ordered = sorted(known.values(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(ordered)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "qualitytool",
                "version": __version__,
                "informationUri": "https://github.com/qualitytool/qualitytool",
                "rules": [_rule_descriptor(r) for r in ordered],
            }
        },
        "results": [_result(f, index[f.rule_id]) for f in findings],
        "invocations": [
            {
                "executionSuccessful": not errors,
                "toolExecutionNotifications": [
                    {
                        "level": "error",
                        "message": {"text": e.error or "error"},
                        "locations": [
                            {"physicalLocation": {"artifactLocation": {"uri": e.path}}}
                        ],
                    }
                    for e in errors
                ],
            }
        ],
    }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2) + "\n"
