"""isort --check-only: files whose imports are out of order, when the project configures isort."""

from __future__ import annotations

import re

from qualitytool.report.runners._formatter import FormatterCheck


class IsortRunner(FormatterCheck):
    name = "isort"
    executable = "isort"
    check_args = ("--check-only",)
    pattern = re.compile(r"^ERROR: (?P<path>.+?) Imports are incorrectly sorted", re.MULTILINE)
    rule_id = "isort"
    message = "isort would reorder the imports of this file"


RUNNER = IsortRunner()
