"""Where a module's ``except`` clauses are, and the frame each runs in."""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator, Sequence

from qualitytool.exceptions.inference.frames import Frame
from qualitytool.exceptions.inference.infer import Inferrer
from qualitytool.exceptions.inference.project import ModuleInfo


def located_handlers(
    tree: ast.Module, module: ModuleInfo, inferrer: Inferrer, lines: Sequence[int]
) -> Iterator[tuple[ast.ExceptHandler, ast.Try, Frame, bool]]:
    """The handlers on ``lines`` (sorted) with their ``try``, the frame they run in, and
    whether they are ``except*``.  Statements holding none of those lines are skipped."""
    index = inferrer.index
    module_frame = Frame(module=module)

    def holds_target(stmt: ast.stmt) -> bool:
        at = bisect.bisect_left(lines, stmt.lineno)
        return at < len(lines) and lines[at] <= (stmt.end_lineno or stmt.lineno)

    def walk(body: Sequence[ast.stmt], frame: Frame, class_name: str | None) -> Iterator[
        tuple[ast.ExceptHandler, ast.Try, Frame, bool]
    ]:
        for stmt in body:
            if not holds_target(stmt):
                continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                owner = index.class_info(class_name) if class_name else None
                parent = frame if frame.function is not None else None
                inner = Frame.for_function(module, stmt, owner, parent)
                yield from walk(stmt.body, inner, None)
                continue
            if isinstance(stmt, ast.ClassDef):
                nested = (
                    f"{module.name}.{stmt.name}"
                    if frame.function is None and class_name is None
                    else None
                )
                yield from walk(stmt.body, frame, nested)
                continue
            if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
                is_star = type(stmt).__name__ == "TryStar"
                for handler in stmt.handlers:  # type: ignore[attr-defined]
                    yield handler, stmt, frame, is_star  # type: ignore[misc]
            for name in ("body", "orelse", "finalbody"):
                yield from walk(getattr(stmt, name, None) or [], frame, None)
            for handler in getattr(stmt, "handlers", None) or []:
                yield from walk(handler.body, frame, None)
            if isinstance(stmt, ast.Match):
                for case in stmt.cases:
                    yield from walk(case.body, frame, None)

    yield from walk(tree.body, module_frame, None)


def ancestors_of(tree: ast.Module, target: ast.stmt) -> dict[ast.AST, ast.AST]:
    """``{node: its parent}`` for ``target`` and the nodes around it up to the module: a
    descent through the nodes whose lines hold it, not a map of the whole tree."""
    first, last = target.lineno, target.end_lineno or target.lineno
    parents: dict[ast.AST, ast.AST] = {}
    node: ast.AST = tree
    while node is not target:
        for child in ast.iter_child_nodes(node):
            start = getattr(child, "lineno", None)
            end = getattr(child, "end_lineno", None) or start
            if isinstance(child, ast.match_case):  # no position of its own
                start, end = child.pattern.lineno, child.body[-1].end_lineno
            if child is target or (
                start is not None and end is not None and start <= first and last <= end
                and not isinstance(child, ast.expr)
            ):
                parents[child] = node
                node = child
                break
        else:
            return parents  # not found below (it should be): what was found so far
    return parents
