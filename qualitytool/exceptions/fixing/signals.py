"""The project's own word on what reaches a handler: the classes its comments name, and the
classes the project's other handlers catch around the same callee.

A narrowing covers them (they are added to its list: catching more is never less safe), or
the handler stays broad with the reason: a comment names a class the module cannot name
("request.user may raise OperationalError"), or a family no class covers ("ValueError,
unpickling exceptions").
"""

from __future__ import annotations

import ast
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualitytool.exceptions.fixing.comments import ModuleComments, handler_comments, named_classes
from qualitytool.exceptions.fixing.naming import bound_names
from qualitytool.exceptions.fixing.sibling_files import SiblingScope
from qualitytool.exceptions.fixing.siblings import Sibling, SiblingIndex
from qualitytool.exceptions.inference.answers import OPEN, call_shape, canonical_exception
from qualitytool.exceptions.inference.frames import Frame
from qualitytool.exceptions.inference.hierarchy import BROAD, runtime_class
from qualitytool.exceptions.inference.infer import Inferrer

# "BadSignature, ValueError, or unpickling exceptions": a family in a list of classes.
_FAMILY = re.compile(r"(?:,|\bor|\band)\s+([a-z]\w*)\s+(?:exceptions|errors)\b")
_NOT_A_FAMILY = frozenset({
    "other", "any", "all", "these", "those", "the", "some", "such", "no", "more", "many",
    "several", "similar", "related", "their", "its", "unexpected", "expected",
})
_INDEXES: weakref.WeakKeyDictionary[Inferrer, SiblingIndex] = weakref.WeakKeyDictionary()
_SHOWN_PLACES = 3


@dataclass(frozen=True)
class Covered:
    """The names a narrowing lists once the project's signals are covered, and what was added
    and why (for the reason shown with the fix)."""

    names: tuple[str, ...]
    notes: tuple[str, ...] = ()


def sibling_index(inferrer: Inferrer) -> SiblingIndex:
    """The project's sibling index, one per inferrer (a worker's whole share of a run)."""
    index = _INDEXES.get(inferrer)
    if index is None:
        index = _INDEXES[inferrer] = SiblingIndex(inferrer)
    return index


def covering(
    names: Sequence[str],
    try_node: ast.Try,
    handler: ast.ExceptHandler,
    frame: Frame,
    inferrer: Inferrer,
    comments: ModuleComments,
    scope: SiblingScope | None = None,
) -> Covered | str:
    """``names`` plus what the comments and sibling handlers (among the files ``scope`` lets
    discovery analyse) say reaches the handler, or why the handler stays broad."""
    listed = list(names)
    notes: list[str] = []
    texts = handler_comments(comments, try_node, handler)
    named = named_classes(texts)
    if named:
        family = _unnamed_family(texts)
        if family is not None:
            return (f"its comment names `{family}`, which no class here stands for; "
                    "a narrowed handler would let them escape")
        for raw in named:
            resolved = _resolve(raw, frame, inferrer)
            if resolved is None:
                if any(n.rpartition(".")[2] == raw.rpartition(".")[2] for n in listed):
                    continue
                return (f"its comment names `{raw}`, which the narrowed handler would not "
                        "catch (no class of that name is known here)")
            if resolved in BROAD:
                return f"its comment names `{raw}`: it is meant to catch everything"
            if not inferrer.hierarchy.caught_by(resolved, listed):
                listed.append(resolved)
                notes.append(f"covers `{resolved}`, which its comment names")
    for callee, siblings in _siblings(try_node, frame, inferrer, scope):
        extra: dict[str, list[Sibling]] = {}
        for sibling in siblings:
            for name in sibling.caught:
                if not inferrer.hierarchy.caught_by(name, listed):
                    extra.setdefault(name, []).append(sibling)
        for name, where in extra.items():
            listed.append(name)
            places = ", ".join(
                f"{_shown(s.path, inferrer)}:{s.line}" for s in where[:_SHOWN_PLACES])
            more = f" and {len(where) - _SHOWN_PLACES} more" if len(where) > _SHOWN_PLACES else ""
            who = (f"{len(where)} other handlers of the project catch" if len(where) > 1
                   else "another handler of the project catches")
            notes.append(f"covers `{name}`, which {who} around `{callee}` ({places}{more})")
    return Covered(tuple(inferrer.hierarchy.minimal(listed)), tuple(notes))


def _unnamed_family(texts: Sequence[str]) -> str | None:
    for text in texts:
        for match in _FAMILY.finditer(text):
            if match.group(1) not in _NOT_A_FAMILY:
                return match.group(0).lstrip(",").strip().removeprefix("or ").removeprefix(
                    "and ")
    return None


def _resolve(raw: str, frame: Frame, inferrer: Inferrer) -> str | None:
    """The qualified class a comment's name stands for, if the module can tell."""
    first, _, rest = raw.partition(".")
    target = bound_names(frame).get(first)
    candidates = []
    if target is not None:
        candidates.append(f"{target}.{rest}" if rest else target)
    candidates.append(raw)
    for candidate in candidates:
        name = canonical_exception(candidate)
        if runtime_class(name) is not None or name in inferrer.kb.exceptions:
            return name
        if inferrer.index.is_project_name(name) and inferrer.index.declared_bases(name):
            return name
    return None


def _siblings(
    try_node: ast.Try, frame: Frame, inferrer: Inferrer, scope: SiblingScope | None
) -> list[tuple[str, tuple[Sibling, ...]]]:
    """For each call whose contract is open -- in the ``try`` body, or in a project function
    it calls (``await self._ensure_access_token()``, which posts with the project's httpx
    client) -- the project's other handlers around calls of the same callee (not this one)."""
    found: dict[str, tuple[Sibling, ...]] = {}
    index = sibling_index(inferrer)
    here = frame.module.path
    package = frame.module.name.split(".")[0]

    def add(callee: str, shape: str) -> None:
        others = tuple(
            s for s in index.around(callee, shape, package, scope)
            if not (s.line == try_node.lineno and _same(s, here))
        )
        if others:
            found[callee] = others

    for stmt in try_node.body:
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            callee = inferrer.types.callee_name(node.func, frame)
            if callee is None or callee in found or callee.startswith("builtins."):
                continue
            answer = inferrer.call_answer(node, frame)
            if answer.status != OPEN:
                continue
            shape = call_shape(node.func)
            if shape is not None:
                add(callee, shape)
            for inner, inner_shape in answer.open_callees:
                if inner not in found and not inner.startswith("builtins."):
                    add(inner, inner_shape)
    return list(found.items())


def _shown(path: Path, inferrer: Inferrer) -> str:
    """A sibling's path as the project knows it (relative to its root)."""
    for root in inferrer.index.roots:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _same(sibling: Sibling, path: object) -> bool:
    try:
        return sibling.path.samefile(path)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False
