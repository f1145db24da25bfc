"""ruff format --check: files ruff would reformat, when the project configures ruff's formatter."""

from __future__ import annotations

import re

from qualitytool.report.runners._formatter import FormatterCheck


class RuffFormatRunner(FormatterCheck):
    name = "ruff-format"
    executable = "ruff"
    check_args = ("format", "--check")
    # "Would reformat: PATH" (older ruff) or "unformatted: ...\n --> PATH:1:1" (newer).
    pattern = re.compile(
        r"^(?:Would reformat: |unformatted: File would be reformatted\n\s*--> )"
        r"(?P<path>[^\n]+?)(?::\d+:\d+)?$",
        re.MULTILINE,
    )
    rule_id = "ruff-format"
    message = "ruff format would reformat this file"


RUNNER = RuffFormatRunner()
