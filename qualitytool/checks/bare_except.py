"""## What it does
Checks for bare `except:` handlers.

## Why is this bad?
A bare `except:` catches everything, including `KeyboardInterrupt`, `SystemExit`,
`GeneratorExit` and `asyncio.CancelledError`: Ctrl-C stops working, `sys.exit()` is ignored,
and cancelled tasks keep running. As in ruff's E722, a handler whose body contains a bare
`raise` at its top level is not reported (`--strict` reports it too).

## Example
```python
try:
    port = int(value)
except:
    port = 8000
```

## Use instead
```python
try:
    port = int(value)
except (TypeError, ValueError):
    port = 8000
```

## Fix safety
Rewriting `except:` as `except Exception:` is always unsafe: the handler stops catching
`SystemExit`, `KeyboardInterrupt`, `GeneratorExit` and cancellation, which changes behaviour.
`qualitytool fix-exceptions --unsafe-fixes` applies it; narrowing further follows the rules of
QT001.

`qualitytool check-exceptions --show-fixes` prints, under each finding, the clause the fix
writes (marked `[*]` when it is safe) or the reason the handler stays broad.

## Options
- `exceptions.honour-noqa` (default `true`)
- `critical-paths` (default `[]`)

Suppress one occurrence with `# noqa: QT002`, `# noqa: E722` or `# qualitytool: ignore[QT002]`.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from qualitytool.checks import Exemption, Rule
from qualitytool.checks.handler_body import NameResolver, reraises_at_top_level


def exemption(
    handler: ast.ExceptHandler, _resolver: NameResolver, _logger_objects: Sequence[str]
) -> Exemption | None:
    """As ruff's E722: only a bare ``raise`` among the body's own statements; logging the
    traceback does not make catching ``KeyboardInterrupt`` and ``SystemExit`` right."""
    return Exemption.RERAISES if reraises_at_top_level(handler.body) else None


RULE = Rule(
    code="QT002",
    name="bare-except",
    summary="Do not use bare `except:`: it also catches KeyboardInterrupt and SystemExit",
    aliases=("E722",),
    kinds=("bare",),
    message="Do not use bare `except:`",
    exemption=exemption,
)

VALID = (
    "try:\n    f()\nexcept:\n    raise\n",
    "try:\n    f()\nexcept:  # noqa: E722\n    pass\n",
    "try:\n    f()\nexcept:  # qualitytool: ignore[QT002]\n    pass\n",
)

INVALID = (
    "try:\n    f()\nexcept:\n    pass\n",
    "try:\n    f()\nexcept:\n    if x:\n        raise\n",
    "try:\n    f()\nexcept:\n    logger.exception('failed')\n",
)
