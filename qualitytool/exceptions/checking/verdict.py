"""Whether a broad handler is reported: the one decision ``check-exceptions`` and
``fix-exceptions`` share, so that every handler one reports is one the other plans.

The handler's rule (looked up from its kind) says whether it may be exempt and which noqa
codes suppress it; the configuration says which exemptions apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualitytool.checks import Exemption, Rule, rule_for_kind
from qualitytool.config import ExceptionsConfig
from qualitytool.exceptions.checking.handlers import BroadHandler, suppressed_codes


def _applies(exemption: Exemption, options: ExceptionsConfig) -> bool:
    if exemption is Exemption.RERAISES:
        return options.exempt_reraise
    if exemption is Exemption.LOGS_TRACEBACK:
        return options.exempt_logged
    raise AssertionError(f"no setting for the exemption {exemption!r}")  # a new reason


@dataclass(frozen=True)
class Verdict:
    """What becomes of one broad handler: ``suppressed`` by a noqa comment naming its rule
    (or none), else ``exempt`` for the reason given (``--strict`` still reports it), else
    reported."""

    rule: Rule
    suppressed: bool
    exempt: Exemption | None

    def reported(self, strict: bool = False) -> bool:
        """Whether ``check-exceptions`` (with or without ``--strict``) reports it."""
        return not self.suppressed and (self.exempt is None or strict)

    @property
    def fixable(self) -> bool:
        """Whether ``fix-exceptions`` plans it: what ``check-exceptions`` reports without
        ``--strict``."""
        return self.reported(strict=False)


def verdict(handler: BroadHandler, options: ExceptionsConfig) -> Verdict:
    """The verdict on ``handler`` under ``[tool.qualitytool.exceptions]``."""
    rule = rule_for_kind(handler.kind)
    suppressed = False
    if options.honour_noqa:
        codes = suppressed_codes(handler.source_line)
        suppressed = codes is not None and (not codes or bool(codes & rule.suppression_codes))
    exempt = handler.exemption
    if exempt is not None and not _applies(exempt, options):
        exempt = None
    return Verdict(rule=rule, suppressed=suppressed, exempt=exempt)
