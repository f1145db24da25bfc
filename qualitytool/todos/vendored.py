"""Code the project carries but did not write, which the TODO scan skips: the patterns of
``rules/vendored.toml`` (vendored folders, minified and generated files, well-known library
files), then the project root's ``.gitattributes`` (``linguist-vendored`` and
``linguist-generated``, set or unset), then ``[tool.qualitytool.todos] exclude``."""

from __future__ import annotations

import functools
import sys
from importlib import resources

from qualitytool.config import Config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_ATTRIBUTES = ("linguist-vendored", "linguist-generated")


@functools.lru_cache(maxsize=1)
def shipped_patterns() -> tuple[str, ...]:
    """The patterns of ``rules/vendored.toml``, in its order."""
    text = resources.files("qualitytool.rules").joinpath("vendored.toml").read_text("utf-8")
    table = tomllib.loads(text)
    return tuple(p for key in ("folders", "generated", "libraries") for p in table[key])


def gitattributes_patterns(text: str) -> list[str]:
    """``.gitattributes`` lines that vendor or generate a path, as gitignore-style patterns:
    ``pattern`` when an attribute is set (``linguist-vendored``, ``=true``), ``!pattern`` when
    it is unset (``-linguist-vendored``, ``=false``, ``!linguist-vendored``).  The last
    matching line wins, as in git."""
    found = []
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        pattern, attributes = fields[0], fields[1:]
        for attribute in attributes:
            name, _, value = attribute.lstrip("-!").partition("=")
            if name not in _ATTRIBUTES:
                continue
            unset = attribute[0] in "-!" or value.lower() in ("false", "0", "no")
            found.append(f"!{pattern}" if unset else pattern)
    return found


def todo_exclusions(config: Config) -> tuple[str, ...]:
    """The patterns the TODO scan excludes for the project of ``config`` (relative to its
    root; the configuration's general ``exclude`` comes after them)."""
    patterns: list[str] = []
    if config.todos.skip_vendored:
        patterns.extend(shipped_patterns())
        try:
            text = (config.root / ".gitattributes").read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        patterns.extend(gitattributes_patterns(text))
    patterns.extend(config.todos.exclude)
    return tuple(patterns)
