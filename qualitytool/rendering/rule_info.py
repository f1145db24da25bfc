"""SARIF rule descriptions of our own rules, from the rule registry."""

from __future__ import annotations

from qualitytool.checks import all_rules
from qualitytool.rendering.sarif import RuleInfo


def own_rules() -> list[RuleInfo]:
    return [
        RuleInfo(
            id=rule.code,
            name=rule.name,
            summary=rule.summary,
            help_uri=rule.docs_url,
            help_markdown=rule.docs,
        )
        for rule in all_rules().values()
    ]
