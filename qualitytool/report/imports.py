"""The project's import graph, read statically, and the digest of each file's import closure.

pylint's inference follows imports: a file's messages (``no-member``, ``no-name-in-module``,
``import-error``...) can change when a module it imports, directly or through others,
changes.  So a file's cached pylint result is keyed by the digest of its import closure: the
content of every project file it reaches through imports, itself included.

Nothing is imported or run: import statements are read with :mod:`ast` and resolved to files
the way pylint finds them.  Its module search path holds, for each linted file, the first
directory up that is not a package (no ``__init__.py``); the project root is added too, which
can only over-approximate.  An import that resolves to no file of the project (the standard
library, third-party packages) is left out: those are keyed by the tool's version and
configuration, as before.  Over-approximating costs a rerun, never a stale result.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from qualitytool.sources import read_bytes

# One import statement's target as JSON: [module ("" for ``from . import x``), level, names].
ImportRecord = tuple[str, int, tuple[str, ...]]


def import_records(source: bytes | str) -> list[ImportRecord]:
    """Every import statement of ``source``, wherever it is (functions, ``try``, ``if
    TYPE_CHECKING``): pylint follows those too.  A file that does not parse imports nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    records: list[ImportRecord] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            records.extend((alias.name, 0, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            records.append((node.module or "", node.level, tuple(a.name for a in node.names)))
    return records


def file_imports(path: Path) -> list[ImportRecord]:
    """The import records of the file at ``path`` (none when it cannot be read)."""
    try:
        return import_records(read_bytes(path))
    except OSError:
        return []


def package_anchor(path: Path) -> Path:
    """The directory pylint puts on the module search path for ``path``: the first one up
    that is not a package."""
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        directory = directory.parent
    return directory


def module_file(base: Path, parts: tuple[str, ...]) -> Path | None:
    """The file of the module ``.``-joined ``parts`` under ``base`` (a package's
    ``__init__.py``), walking through namespace packages (directories without one)."""
    directory = base
    for i, part in enumerate(parts):
        package = directory / part
        if (package / "__init__.py").is_file():
            directory = package
            continue
        if i == len(parts) - 1 and (directory / f"{part}.py").is_file():
            return directory / f"{part}.py"
        if not package.is_dir():
            return None
        directory = package
    init = directory / "__init__.py"
    return init if init.is_file() else None


class ImportResolver:
    """Import records of a file to the project files pylint reads for them, on a fixed search
    path.  astroid reads what a statement names, no more: ``import a.b.c`` binds ``a``, so
    ``a``, ``a.b`` and ``a.b.c``; ``from a.b import c`` reads ``a.b`` and, when ``c`` is a
    submodule, ``a.b.c``; ``from .m import y`` reads the sibling ``m`` (not the package)."""

    def __init__(self, search_path: Iterable[Path]) -> None:
        self._search_path = tuple(dict.fromkeys(search_path))
        self._absolute: dict[tuple[str, ...], list[Path]] = {}

    def resolve(self, importer: Path, record: ImportRecord) -> set[Path]:
        module, level, names = record
        parts = tuple(module.split(".")) if module else ()
        if level == 0 and not names:  # import a.b.c
            targets = [parts[:i] for i in range(1, len(parts) + 1)]
        else:
            targets = [parts, *((*parts, name) for name in names if name != "*")]
        if level == 0:
            return {path for target in targets if target for path in self._absolute_files(target)}
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
        return {path for target in targets if (path := module_file(base, target)) is not None}

    def _absolute_files(self, parts: tuple[str, ...]) -> list[Path]:
        known = self._absolute.get(parts)
        if known is None:
            known = [
                path for base in self._search_path
                if (path := module_file(base, parts)) is not None
            ]
            self._absolute[parts] = known
        return known


def import_graph(
    files: Iterable[Path], imports_of: Callable[[Path], Iterable[ImportRecord]], root: Path
) -> dict[Path, frozenset[Path]]:
    """The project files each of ``files`` imports, and so on transitively: the graph over
    ``files`` and every project file they reach (excluded files too: pylint reads them)."""
    files = list(files)
    resolver = ImportResolver([root, *(package_anchor(f) for f in files)])
    graph: dict[Path, frozenset[Path]] = {}
    pending = list(dict.fromkeys(files))
    while pending:
        path = pending.pop()
        if path in graph:
            continue
        imported: set[Path] = set()
        for record in imports_of(path):
            imported.update(resolver.resolve(path, record))
        imported.discard(path)
        graph[path] = frozenset(imported)
        pending.extend(p for p in imported if p not in graph)
    return graph


def closure_digests(
    graph: Mapping[Path, Iterable[Path]], identity: Callable[[Path], str]
) -> dict[Path, str]:
    """For each file of ``graph``, a digest of ``identity`` (its name and content) of every
    file it reaches, itself included.

    Files that import each other (a strongly connected component, found with Tarjan's
    algorithm) share a digest; a component's digest hashes its members' identities and the
    digests of the components it imports, which Tarjan's order has computed already.  So the
    digest changes exactly when a file of the closure (or the graph within it) changes."""
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    on_stack: set[Path] = set()
    digests: dict[Path, str] = {}

    def visit(node: Path) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)

    for start in graph:
        if start in index:
            continue
        visit(start)
        work = [(start, iter(graph.get(start, ())))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    visit(child)
                    work.append((child, iter(graph.get(child, ()))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    _close_component(node, graph, identity, stack, on_stack, digests)
    return digests


def _close_component(
    root: Path,
    graph: Mapping[Path, Iterable[Path]],
    identity: Callable[[Path], str],
    stack: list[Path],
    on_stack: set[Path],
    digests: dict[Path, str],
) -> None:
    members: list[Path] = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        members.append(member)
        if member == root:
            break
    inside = set(members)
    imported = {digests[c] for m in members for c in graph.get(m, ()) if c not in inside}
    digest = hashlib.sha256()
    for part in sorted(identity(m) for m in members):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(b"\1")
    for part in sorted(imported):
        digest.update(part.encode("ascii") + b"\0")
    value = digest.hexdigest()
    for member in members:
        digests[member] = value
