"""black --check: files black would reformat, when the project configures black."""

from __future__ import annotations

import re

from qualitytool.report.runners._formatter import FormatterCheck


class BlackRunner(FormatterCheck):
    name = "black"
    executable = "black"
    check_args = ("--check",)
    pattern = re.compile(r"^would reformat (?P<path>.+)$", re.MULTILINE)
    rule_id = "black"
    message = "black would reformat this file"


RUNNER = BlackRunner()
