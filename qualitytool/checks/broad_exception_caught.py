"""## What it does
Checks for `except Exception:` and `except BaseException:` handlers, including
`builtins.Exception`, aliases (`from builtins import Exception as E`) and tuples that contain
them (`except (ValueError, Exception):`).

## Why is this bad?
A broad handler catches every error the `try` body can raise, including the ones nobody
anticipated: a `NameError` from a typo, an `AttributeError` from a changed API, a
`MemoryError`. The program carries on in a state nobody designed, and the bug surfaces far
away, or never. `except BaseException:` also swallows `KeyboardInterrupt`, `SystemExit` and
task cancellation.

Handlers that re-raise (`raise`, `raise exc`, `raise AppError(...) from exc`) or log the
traceback (`logger.exception(...)`, `logger.error(..., exc_info=True)`, any level with
`exc_info`) are not reported by
default, as in ruff's BLE001: they do not hide the error. `--strict` reports them too.

Handlers in files matched by `critical-paths` are reported as errors.

## Example
```python
try:
    settings = json.loads(raw)
except Exception:
    settings = {}
```

## Use instead
```python
try:
    settings = json.loads(raw)
except ValueError:  # json.JSONDecodeError is a ValueError
    settings = {}
```

## Fix safety
`qualitytool fix-exceptions` narrows the handler to what the `try` body can raise, inferred
from the knowledge base (`rules/exceptions/*.toml`: what stdlib and library calls raise), the
project's own functions and local typing. The fix is safe when every part of the body --
every call and every implicit operation (attribute access, `await`, `str()` and f-strings,
comparisons, arithmetic, truth tests, iteration, context managers, imports) -- has a known,
closed set of exceptions: the narrowed handler then catches everything the original did, for
any input. An operation on a value of unknown type may run arbitrary code (a property,
`__str__`, `__eq__`), so it makes the fix unsafe, applied only with `--unsafe-fixes`. A call
we know nothing about leaves the handler broad, and the reason names the knowledge-base
entry that would unlock it; add it to a file listed in `exceptions.knowledge-bases`.
With `--evidence` (from `qualitytool evidence run -- <test command>`), the classes the test
suite saw the handler catch join the inferred set: an unsafe fix (tests show what can happen,
not all of it) unless the inferred part alone is closed.

`qualitytool check-exceptions --show-fixes` prints, under each finding, the clause the fix
writes (marked `[*]` when it is safe) or the reason the handler stays broad.

## Options
- `exceptions.exempt-reraise` (default `true`)
- `exceptions.exempt-logged` (default `true`)
- `exceptions.logger-objects` (default `[]`)
- `exceptions.honour-noqa` (default `true`)
- `exceptions.knowledge-bases` (default `[]`): your own `[[callable]]`, `[[class]]`,
  `[[package]]` entries, loaded after the shipped ones
- `critical-paths` (default `[]`)

Suppress one occurrence with `# noqa: QT001`, `# noqa: BLE001` or `# qualitytool: ignore[QT001]`.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from qualitytool.checks import Exemption, Rule
from qualitytool.checks.handler_body import NameResolver, logs_traceback, reraises


def exemption(
    handler: ast.ExceptHandler, resolver: NameResolver, logger_objects: Sequence[str]
) -> Exemption | None:
    """As ruff's BLE001: a handler that re-raises, or else logs the traceback."""
    if reraises(handler.body, handler.name):
        return Exemption.RERAISES
    if logs_traceback(handler.body, resolver, logger_objects):
        return Exemption.LOGS_TRACEBACK
    return None


RULE = Rule(
    code="QT001",
    name="broad-exception-caught",
    summary="Do not catch `Exception` or `BaseException`: catch what the `try` body can raise",
    aliases=("BLE001",),
    kinds=("Exception", "BaseException"),
    message="Do not catch blind exception: `{kind}`",
    exemption=exemption,
)

VALID = (
    "try:\n    f()\nexcept ValueError:\n    pass\n",
    "try:\n    f()\nexcept Exception:\n    raise\n",
    "try:\n    f()\nexcept Exception as exc:\n    raise RuntimeError('x') from exc\n",
    "try:\n    f()\nexcept Exception:\n    logger.exception('failed')\n",
    "try:\n    f()\nexcept Exception:\n    logging.error('failed', exc_info=True)\n",
    "try:\n    f()\nexcept Exception:  # noqa: BLE001\n    pass\n",
    "class Exception(Exception):\n    pass\ntry:\n    f()\nexcept Exception:\n    pass\n",
    ("def g():\n    a, Exception = f()\n    try:\n        f()\n    except Exception:\n"
     "        pass\n"),
    ("def g():\n    if (Exception := f()):\n        pass\n    try:\n        f()\n"
     "    except Exception:\n        pass\n"),
    ("match f():\n    case [*Exception]:\n        pass\ntry:\n    f()\n"
     "except Exception:\n    pass\n"),
)

INVALID = (
    "try:\n    f()\nexcept Exception:\n    pass\n",
    "try:\n    f()\nexcept BaseException:\n    pass\n",
    "try:\n    f()\nexcept (ValueError, Exception):\n    pass\n",
    "import builtins\ntry:\n    f()\nexcept builtins.Exception:\n    pass\n",
    "from builtins import Exception as E\ntry:\n    f()\nexcept E:\n    pass\n",
    "import builtins as b\ntry:\n    f()\nexcept (b.BaseException, ValueError):\n    pass\n",
    "try:\n    f()\nexcept Exception as exc:\n    log_to_somewhere(exc)\n",
    "try:\n    f()\nexcept Exception:\n    logger.error('failed')\n",
)
