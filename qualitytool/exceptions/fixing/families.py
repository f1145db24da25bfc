"""The project's own exception hierarchy, as ``scaffold-exceptions`` writes it, read back.

``fix-exceptions --ladder`` and ``--wrap`` only act when the hierarchy module named by
``[tool.qualitytool.exceptions.hierarchy] module`` exists.  It is read as a file (never
imported): the base class (the class derived from ``Exception``), the families (its direct
subclasses, with the HTTP status in their ``status_code``) and every class's parent.
"""

from __future__ import annotations

import ast
import functools
import warnings
from dataclasses import dataclass
from pathlib import Path

from qualitytool.config import Config, dotted_name
from qualitytool.sources import read_bytes

EXTERNAL_SERVICE_FAMILY = "ExternalServiceError"


@dataclass(frozen=True)
class ProjectFamily:
    name: str
    status: int


@dataclass(frozen=True)
class ProjectHierarchy:
    """The hierarchy module's dotted name, its base, its families and every class's parent."""

    module: str
    base: str
    families: tuple[ProjectFamily, ...]
    parents: tuple[tuple[str, str], ...]  # (class, parent) for every class of the module

    def qualified(self, name: str) -> str:
        return f"{self.module}.{name}"

    def has(self, name: str) -> bool:
        return any(cls == name for cls, _ in self.parents)


def load_project_hierarchy(config: Config) -> ProjectHierarchy | None:
    """The hierarchy of the project ``config`` belongs to, or None without a module."""
    relative = Path(config.exceptions.hierarchy.module)
    path = config.root / relative
    try:
        changed = path.stat().st_mtime_ns
    except OSError:
        return None
    return _read(path, dotted_name(relative), changed)


@functools.lru_cache(maxsize=8)
def _read(path: Path, module: str, _changed: int) -> ProjectHierarchy | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(read_bytes(path))
    except (OSError, SyntaxError, ValueError):
        return None
    parents: dict[str, str] = {}
    statuses: dict[str, int] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or not node.bases:
            continue
        first = node.bases[0]
        if isinstance(first, ast.Name):
            parents[node.name] = first.id
        for statement in node.body:
            target, value = _assignment(statement)
            if target == "status_code" and isinstance(value, ast.Constant) \
                    and isinstance(value.value, int):
                statuses[node.name] = value.value
    roots = [name for name, parent in parents.items() if parent == "Exception"]
    if len(roots) != 1:
        return None
    base = roots[0]
    families = tuple(
        ProjectFamily(name, statuses.get(name, statuses.get(base, 500)))
        for name, parent in parents.items() if parent == base
    )
    return ProjectHierarchy(
        module=module, base=base, families=families, parents=tuple(parents.items())
    )


def _assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
            and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None
