"""What the inference knows of Python itself, the same whichever Python runs qualitytool.

The analysed project runs on its own Pythons, not necessarily on the one running the tool, so
nothing here may depend on the running interpreter:

- which top-level modules are the standard library's: those of *any* supported Python
  (``tomllib`` is one on 3.10 too: importing it there raises ``ImportError`` and runs no
  library code);
- the exception classes whose place in the hierarchy changed between the supported Pythons
  (``asyncio.TimeoutError`` is its own class on 3.10 and the builtin ``TimeoutError`` from
  3.11 on): the analysis only uses what holds on all of them;
- the Python whose typeshed stubs say what exists: the oldest the project supports
  (``target-version``, else the lower bound of its ``requires-python``, else 3.10).

The tables were made by importing every standard-library module on CPython 3.10, 3.11, 3.12
and 3.13 and comparing their module names and every exception class's method resolution order.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# The Pythons qualitytool supports, oldest first.
SUPPORTED = ((3, 10), (3, 11), (3, 12), (3, 13))

# Public standard-library modules that some supported Python has and another lacks: added
# (tomllib, 3.11) or removed (distutils, imp, asynchat, asyncore, smtpd in 3.12; PEP 594's
# "dead batteries" in 3.13; binhex in 3.11).  Private (underscore) modules are left out.
_NOT_ON_EVERY_PYTHON = frozenset({
    "aifc", "asynchat", "asyncore", "audioop", "binhex", "cgi", "cgitb", "chunk", "crypt",
    "distutils", "imghdr", "imp", "lib2to3", "mailcap", "msilib", "nis", "nntplib",
    "ossaudiodev", "pipes", "smtpd", "sndhdr", "spwd", "sunau", "telnetlib", "tomllib", "uu",
    "xdrlib",
})
STDLIB_MODULES = frozenset(sys.stdlib_module_names) | _NOT_ON_EVERY_PYTHON

# Exception classes (every name they are reached by) that are classes of their own below
# ``Exception`` on 3.10 and aliases of the builtin ``TimeoutError`` (an ``OSError``) from 3.11
# on.  On every supported Python they are ``Exception`` subclasses, and no other class is a
# subclass of them: ``except TimeoutError`` does not catch them on 3.10, and a set holding
# ``OSError`` does not cover them.
# Each name -> the name the analysis writes it by.
VERSION_SPLIT_CLASSES = {
    "asyncio.TimeoutError": "asyncio.TimeoutError",
    "asyncio.exceptions.TimeoutError": "asyncio.TimeoutError",
    "concurrent.futures.TimeoutError": "concurrent.futures.TimeoutError",
    "concurrent.futures._base.TimeoutError": "concurrent.futures.TimeoutError",
}


def is_stdlib_module(name: str) -> bool:
    """Whether the top-level module of the dotted ``name`` is the standard library's on some
    supported Python."""
    return name.split(".", 1)[0] in STDLIB_MODULES


def on_every_python(name: str) -> bool:
    """Whether the top-level module of the dotted ``name`` is the standard library's on every
    supported Python (importing it never fails)."""
    top = name.split(".", 1)[0]
    return top in STDLIB_MODULES and top not in _NOT_ON_EVERY_PYTHON


_TARGET = re.compile(r"py3(\d+)")
_LOWER_BOUND = re.compile(r"(?:>=|~=|==|>)\s*3\.(\d+)")


def parse_target_version(text: str) -> tuple[int, int] | None:
    """``"py311"`` (ruff's spelling) as ``(3, 11)``; None when it is not of that form."""
    match = _TARGET.fullmatch(text.strip())
    return (3, int(match.group(1))) if match else None


def requires_python_floor(specifier: str) -> tuple[int, int] | None:
    """The oldest ``3.X`` a ``requires-python`` specifier admits (``>=3.11,<4`` -> (3, 11);
    ``>3.10`` admits 3.10.1, so (3, 10)); None when it names no lower bound."""
    floors = [int(minor) for minor in _LOWER_BOUND.findall(specifier)]
    return (3, max(floors)) if floors else None


def target_python(root: Path, configured: str | None = None) -> tuple[int, int]:
    """The oldest Python the project at ``root`` runs on: ``configured`` (``target-version``),
    else its ``pyproject.toml``'s ``requires-python`` lower bound, else the oldest supported;
    never older than that (typeshed's branches for older Pythons are not what we test)."""
    found = parse_target_version(configured) if configured else None
    if found is None:
        try:
            from qualitytool.sources import read_text  # a regular file under a cap

            data = tomllib.loads(read_text(root / "pyproject.toml"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        project = data.get("project")
        specifier = project.get("requires-python") if isinstance(project, dict) else None
        found = requires_python_floor(specifier) if isinstance(specifier, str) else None
    return max(found or SUPPORTED[0], SUPPORTED[0])
