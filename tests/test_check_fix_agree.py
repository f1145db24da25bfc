"""check-exceptions and fix-exceptions decide exemption once (``exceptions/checking/verdict.py``):
every handler one reports is one the other plans, and no other, whatever the configuration
says about re-raising, logging and noqa comments."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from qualitytool.api import check_exceptions, fix_exceptions
from qualitytool.checks import all_rules
from qualitytool.config import Config, ExceptionsConfig
from qualitytool.exceptions.fixing.fix import FixFileResult

# (the handler and its body, what may exempt it): "reraise", "logged", "noqa" (a comment
# that names its rule, by its code or its peer's, or no code at all).
HANDLERS: list[tuple[str, frozenset[str]]] = [
    ("except Exception:\n        pass", frozenset()),
    ("except Exception:\n        raise", frozenset({"reraise"})),
    ("except Exception as exc:\n        raise RuntimeError('x') from exc", frozenset({"reraise"})),
    ("except Exception:\n        logger.exception('failed')", frozenset({"logged"})),
    ("except Exception:\n        logger.error('failed', exc_info=True)", frozenset({"logged"})),
    ("except Exception:  # noqa: QT001\n        pass", frozenset({"noqa"})),
    ("except Exception:  # noqa: BLE001\n        pass", frozenset({"noqa"})),
    ("except Exception:  # noqa\n        pass", frozenset({"noqa"})),
    ("except Exception:  # qualitytool: ignore[QT001]\n        pass", frozenset({"noqa"})),
    ("except Exception:  # noqa: E722\n        pass", frozenset()),  # the other rule's code
    ("except Exception:  # noqa: QT002\n        pass", frozenset()),
    ("except (ValueError, BaseException):  # noqa: BLE001\n        raise",
     frozenset({"noqa", "reraise"})),
    ("except:\n        pass", frozenset()),
    ("except:\n        raise", frozenset({"reraise"})),
    ("except:\n        if x:\n            raise", frozenset()),  # E722: a top-level raise only
    ("except:\n        logger.exception('failed')", frozenset()),  # E722 has no logging exemption
    ("except:  # noqa: E722\n        pass", frozenset({"noqa"})),
    ("except:  # noqa: QT002\n        pass", frozenset({"noqa"})),
    ("except:  # qualitytool: ignore[E722]\n        pass", frozenset({"noqa"})),
    ("except:  # noqa: BLE001\n        pass", frozenset()),
    ("except:  # noqa: QT001\n        pass", frozenset()),
]


def _module() -> tuple[str, list[int]]:
    """The module and the line of each handler of :data:`HANDLERS`."""
    lines = ["import logging", "logger = logging.getLogger(__name__)", "x = 1"]
    handler_lines = []
    for i, (handler, _) in enumerate(HANDLERS):
        lines += [f"def f{i}(g):", "    try:", "        g()"]
        handler_lines.append(len(lines) + 1)
        lines += ("    " + handler).splitlines()
    return "\n".join(lines) + "\n", handler_lines


SETTINGS = [
    pytest.param(reraise, logged, noqa,
                 id=f"reraise-{'on' if reraise else 'off'}-logged-{'on' if logged else 'off'}"
                    f"-noqa-{'on' if noqa else 'off'}")
    for reraise, logged, noqa in itertools.product((True, False), repeat=3)
]


@pytest.mark.parametrize(("reraise", "logged", "noqa"), SETTINGS)
def test_check_reports_what_fix_plans(
    tmp_path: Path, reraise: bool, logged: bool, noqa: bool
) -> None:
    text, handler_lines = _module()
    (tmp_path / "handlers.py").write_text(text)
    config = Config(root=tmp_path, exceptions=ExceptionsConfig(
        exempt_reraise=reraise, exempt_logged=logged, honour_noqa=noqa, derive_contracts=False,
    ))
    checked = check_exceptions([tmp_path], config, jobs=1, use_cache=False)
    fixed = fix_exceptions([tmp_path], config, jobs=1, record_run=False)
    assert not checked.errors and not fixed.errors
    reported = {f.line for f in checked.findings}
    planned = {h.line for r in fixed.files if isinstance(r, FixFileResult) for h in r.handlers}
    assert reported == planned
    applying = {"reraise"} if reraise else set()
    applying |= {"logged"} if logged else set()
    applying |= {"noqa"} if noqa else set()
    expected = {line for line, (_, exempt_by) in zip(handler_lines, HANDLERS, strict=True)
                if not exempt_by & applying}
    assert reported == expected


def test_strict_reports_the_exempt_ones_too_and_fix_still_skips_them(tmp_path: Path) -> None:
    text, handler_lines = _module()
    (tmp_path / "handlers.py").write_text(text)
    config = Config(root=tmp_path, exceptions=ExceptionsConfig(derive_contracts=False))
    strict = check_exceptions([tmp_path], config, jobs=1, use_cache=False, strict=True)
    fixed = fix_exceptions([tmp_path], config, jobs=1, record_run=False)
    planned = {h.line for r in fixed.files if isinstance(r, FixFileResult) for h in r.handlers}
    exempt = {f.line for f in strict.findings if f.message.endswith("reported by --strict)")}
    assert {f.line for f in strict.findings} == planned | exempt
    assert not planned & exempt
    assert exempt == {line for line, (_, why) in zip(handler_lines, HANDLERS, strict=True)
                      if why & {"reraise", "logged"} and "noqa" not in why}


RULE_CASES = [
    pytest.param(source, id=f"{code}-{kind}-{i}")
    for code, rule in all_rules().items()
    for kind, sources in (("valid", rule.valid), ("invalid", rule.invalid))
    for i, source in enumerate(sources)
]


@pytest.mark.parametrize("source", RULE_CASES)
def test_every_rule_case_is_reported_and_planned_alike(tmp_path: Path, source: str) -> None:
    """A new rule's VALID and INVALID cases are held to the agreement too."""
    (tmp_path / "case.py").write_text(source)
    config = Config(root=tmp_path, exceptions=ExceptionsConfig(derive_contracts=False))
    checked = check_exceptions([tmp_path], config, jobs=1, use_cache=False)
    fixed = fix_exceptions([tmp_path], config, jobs=1, record_run=False)
    planned = {(h.line, h.col) for r in fixed.files if isinstance(r, FixFileResult)
               for h in r.handlers}
    assert {(f.line, f.col) for f in checked.findings} == planned
