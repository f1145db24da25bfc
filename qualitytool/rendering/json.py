"""Machine-readable output: every finding and every file error, nothing else to parse."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from qualitytool import __version__
from qualitytool.findings import FileResult, Finding


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    data = dataclasses.asdict(finding)
    data["severity"] = finding.severity.value
    data["fingerprint"] = finding.fingerprint
    if finding.fix is not None:
        data["fix"] = {
            "safety": finding.fix.safety.value,
            "description": finding.fix.description,
            "replacement": finding.fix.replacement,
        }
    return data


def render(
    findings: Sequence[Finding],
    errors: Sequence[FileResult],
    files_checked: int,
    extra: dict[str, Any] | None = None,
) -> str:
    document: dict[str, Any] = {
        "tool": "qualitytool",
        "version": __version__,
        "files_checked": files_checked,
        "findings": [finding_to_dict(f) for f in findings],
        "errors": [{"path": e.path, "message": e.error} for e in errors],
    }
    if extra:
        document.update(extra)
    return json.dumps(document, indent=2, sort_keys=False) + "\n"
