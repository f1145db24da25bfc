"""Our own rules, one module each, discovered automatically.

A rule module defines ``RULE = Rule(...)`` and documents itself in its module docstring using
ruff's sections (*What it does*, *Why is this bad?*, *Example*, *Use instead*, *Fix safety*,
*Options*).  ``VALID`` and ``INVALID`` lists of code snippets next to the rule are collected by
one generic test module and shown in the rule documentation.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType


@dataclass(frozen=True)
class Rule:
    """What users see of a rule: its code, name, summary and documentation."""

    code: str
    name: str
    summary: str
    tool: str = "qualitytool"
    # Codes of peer tools that mean the same; their noqa comments suppress this rule too.
    aliases: tuple[str, ...] = ()
    docs: str = ""
    valid: tuple[str, ...] = field(default=(), repr=False)
    invalid: tuple[str, ...] = field(default=(), repr=False)

    @property
    def docs_url(self) -> str:
        return f"https://qualitytool.readthedocs.io/en/latest/rules/{self.code}.html"

    @property
    def suppression_codes(self) -> frozenset[str]:
        return frozenset((self.code, *self.aliases))


def _rule_from(module: ModuleType) -> Rule | None:
    rule = getattr(module, "RULE", None)
    if not isinstance(rule, Rule):
        return None
    return Rule(
        code=rule.code,
        name=rule.name,
        summary=rule.summary,
        tool=rule.tool,
        aliases=rule.aliases,
        docs=(module.__doc__ or "").strip(),
        valid=tuple(getattr(module, "VALID", ())),
        invalid=tuple(getattr(module, "INVALID", ())),
    )


def all_rules() -> dict[str, Rule]:
    """Every rule of this package, by code."""
    rules: dict[str, Rule] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = _rule_from(module)
        if rule is not None:
            rules[rule.code] = rule
    return rules


def get_rule(code_or_name: str) -> Rule | None:
    """Look a rule up by its code, a peer alias or its name (case-insensitive)."""
    wanted = code_or_name.strip().upper()
    for rule in all_rules().values():
        if wanted in (rule.code, rule.name.upper(), *rule.aliases):
            return rule
    return None
