"""What the project's other handlers catch around the same callee.

Eight wallet modules of a project catch ``RuntimeError`` around ``await self.client.aclose()``;
a ninth catches ``Exception``.  The project knows something the contract does not: a fix of
the ninth covers ``RuntimeError`` too, or the handler stays broad.

The index is built from the files of the package being fixed (its top-level package's
folder) that discovery would analyse, once per worker: which files make a call written the
same way at all (``client.aclose(``, a regular expression over each file's text, remembered
between runs: :mod:`qualitytool.exceptions.fixing.sibling_files`), then, for a queried
callee, the ``try`` statements of those files whose small body calls it, parsed from the
file and resolved with the same typing as the handler being fixed.  Nothing is imported or
run.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qualitytool.exceptions.fixing.located import located_handlers
from qualitytool.exceptions.fixing.sibling_files import SiblingScope, callers_by_shape
from qualitytool.exceptions.inference.answers import UNKNOWN
from qualitytool.exceptions.inference.frames import Frame
from qualitytool.exceptions.inference.hierarchy import BROAD
from qualitytool.exceptions.inference.infer import Inferrer
from qualitytool.exceptions.inference.project import ModuleInfo, module_name

# A sibling ``try`` counts only when its body is about the call: at most this many calls.
MAX_SIBLING_CALLS = 3


@dataclass(frozen=True)
class Sibling:
    """A handler elsewhere in the project around a call of the same callee."""

    path: Path
    line: int
    caught: tuple[str, ...]  # what its typed clauses catch, qualified


class SiblingIndex:
    """callee -> the handlers of the project's other ``try`` statements around it."""

    def __init__(self, inferrer: Inferrer) -> None:
        self.inferrer = inferrer
        self._callers: dict[tuple[str, SiblingScope | None], dict[str, list[str]]] = {}
        self._found: dict[tuple[str, str, str, SiblingScope | None], tuple[Sibling, ...]] = {}
        self._lines: dict[Path, dict[str, list[int]]] = {}
        # How many files' text the index read (the others' shapes came from the cache).
        self.files_read = 0

    def around(
        self, callee: str, shape: str, package: str, scope: SiblingScope | None = None
    ) -> tuple[Sibling, ...]:
        """The sibling handlers of calls of ``callee`` (a qualified name) written as
        ``shape`` (``client.aclose`` for ``self.client.aclose(...)``: see
        :func:`call_shape`), in the top-level package ``package`` (the one being fixed),
        among the files ``scope`` lets discovery analyse (None: every Python file but those
        in the folders discovery never enters, nothing cached)."""
        key = (callee, shape, package, scope)
        if key not in self._found:
            self._found[key] = tuple(self._search(callee, shape, package, scope))
        return self._found[key]

    def _call_lines(self, info: ModuleInfo) -> dict[str, list[int]]:
        """Where the module calls each name (one walk of its tree, kept for the run)."""
        found = self._lines.get(info.path)
        if found is None:
            calls: dict[str, set[int]] = {}
            for node in ast.walk(info.tree):
                if isinstance(node, ast.Call):
                    called = _called_name(node.func)
                    if called is not None:
                        calls.setdefault(called, set()).add(node.lineno)
            found = self._lines[info.path] = {k: sorted(v) for k, v in calls.items()}
        return found

    def _files_calling(self, name: str, package: str, scope: SiblingScope | None) -> list[str]:
        key = (package, scope)
        if key not in self._callers:
            roots = self.inferrer.index.roots
            folders = [
                os.path.join(root, package) for root in roots
                if os.path.isdir(os.path.join(root, package))
            ]
            # a top-level module: its siblings are the modules beside it
            searched = folders or [root for root in roots if os.path.isdir(root)]
            callers: dict[str, list[str]] = {}
            if searched:
                callers, read = callers_by_shape(searched, bool(folders), scope)
                self.files_read += read
            self._callers[key] = callers
        return self._callers[key].get(name, [])

    def _search(
        self, callee: str, shape: str, package: str, scope: SiblingScope | None
    ) -> Iterator[Sibling]:
        name = callee.rpartition(".")[2]
        index = self.inferrer.index
        for name_of_file in self._files_calling(shape, package, scope):
            path = Path(name_of_file)
            info = index.module(module_name(path))
            if info is None or not _same_file(info.path, path):
                continue
            lines = self._call_lines(info).get(name)
            if not lines:
                continue
            seen: set[int] = set()
            for _, try_node, frame, is_star in located_handlers(
                info.tree, info, self.inferrer, lines
            ):
                if is_star or id(try_node) in seen:
                    continue
                seen.add(id(try_node))
                caught = self._attributed(try_node, name, callee, frame)
                if caught:
                    yield Sibling(info.path, try_node.lineno, caught)

    def _attributed(
        self, try_node: ast.Try, name: str, callee: str, frame: Frame
    ) -> tuple[str, ...]:
        """What the ``try`` statement's typed clauses catch that only ``callee`` can explain:
        its body is small and calls ``callee``; a class another call of the body raises is
        that call's (``except (httpx.HTTPError, json.JSONDecodeError)`` around ``post`` and
        ``r.json()``: the JSON error is ``r.json``'s).  Nothing when another call of the
        body is unknown (what it raises could be anything the clauses name)."""
        calls = [
            node for stmt in try_node.body for node in ast.walk(stmt)
            if isinstance(node, ast.Call)
        ]
        if len(calls) > MAX_SIBLING_CALLS:
            return ()
        types = self.inferrer.types
        mine = [
            c for c in calls
            if _called_name(c.func) == name and types.callee_name(c.func, frame) == callee
        ]
        if not mine:
            return ()
        explained: set[str] = set()
        for other in calls:
            if any(other is c for c in mine):
                continue
            answer = self.inferrer.call_answer(other, frame)
            if answer.status == UNKNOWN:
                return ()
            explained |= answer.raises
        hierarchy = self.inferrer.hierarchy
        return tuple(
            c for c in self._typed_classes(try_node, frame)
            if not any(hierarchy.is_subclass(r, c) or hierarchy.is_subclass(c, r)
                       for r in explained)
        )

    def _typed_classes(self, try_node: ast.Try, frame: Frame) -> tuple[str, ...]:
        names: dict[str, None] = {}
        for handler in try_node.handlers:
            caught = self.inferrer.handler_names(handler, frame)
            if caught is None or BROAD & set(caught):
                continue
            names.update(dict.fromkeys(caught))
        return tuple(names)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None
