"""The ``try`` statements evidence is recorded for, and fingerprints that survive edits above them.

A site is a ``try`` statement with at least one broad handler (reported or exempt: the recorder
is cheap and the fix decides later).  Its fingerprint hashes the statement's own text,
dedented and with trailing blanks dropped, plus its rank among identical statements of the
file: moving it, re-indenting it or editing the code around it keeps the fingerprint; editing
the statement itself makes earlier evidence stale.
"""

from __future__ import annotations

import ast
import hashlib
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from qualitytool.exceptions.checking.handlers import find_broad_handlers


@dataclass(frozen=True)
class Site:
    try_line: int
    clause_line: int  # the first ``except`` clause: where the recorder sees a handler start
    handler_lines: tuple[int, ...]  # the broad handlers' ``except`` lines
    fingerprint: str


def _try_statements(tree: ast.Module) -> Iterator[ast.Try]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            yield node  # type: ignore[misc]


def fingerprints(tree: ast.Module, text: str) -> dict[int, str]:
    """``try`` line -> fingerprint, for every ``try`` statement of a module."""
    lines = text.splitlines()
    seen: dict[str, int] = {}
    found: dict[int, str] = {}
    for node in sorted(_try_statements(tree), key=lambda n: (n.lineno, n.col_offset)):
        end = node.end_lineno or node.lineno
        body = textwrap.dedent("\n".join(lines[node.lineno - 1 : end]))
        normalised = "\n".join(line.rstrip() for line in body.splitlines())
        digest = hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]
        rank = seen.get(digest, 0)
        seen[digest] = rank + 1
        found[node.lineno] = f"{digest}-{rank}"
    return found


def find_sites(tree: ast.Module, text: str) -> list[Site]:
    """Every ``try`` statement of a module that has a broad handler."""
    broad: dict[int, list[int]] = {}
    for handler in find_broad_handlers(tree, text):
        broad.setdefault(handler.try_line, []).append(handler.handler_line)
    if not broad:
        return []
    prints = fingerprints(tree, text)
    sites = []
    for node in _try_statements(tree):
        if node.lineno in broad and node.handlers:
            sites.append(Site(
                try_line=node.lineno,
                clause_line=node.handlers[0].lineno,
                handler_lines=tuple(broad[node.lineno]),
                fingerprint=prints[node.lineno],
            ))
    return sorted(sites, key=lambda s: s.try_line)
