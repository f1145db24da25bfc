"""The analysed project as modules: which file holds ``app.config``, what its names are bound to.

Built with the stdlib ``ast`` and lazily: a module is read and parsed only when a ``try`` body
calls into it, then cached for the rest of the run (per worker process).  Module names come
from the package layout, as in mypy and pylint: a file's package root is the first directory
above it without an ``__init__.py``.
"""

from __future__ import annotations

import ast
import builtins
import functools
import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualitytool.checks.handler_body import dotted_chain
from qualitytool.exceptions.checking.handlers import Scope, collect_bindings
from qualitytool.sources import SourceError, read_python

BUILTIN_NAMES = frozenset(dir(builtins))
# Names every module (or class body) has without binding them.
_MODULE_NAMES = frozenset({
    "__name__", "__file__", "__doc__", "__spec__", "__path__", "__loader__", "__builtins__",
    "__package__", "__annotations__", "__dict__", "__class__", "__qualname__", "__module__",
})
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def package_root(path: Path) -> Path:
    """The directory a file's module name is relative to (first folder without __init__.py)."""
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        directory = directory.parent
    return directory


def module_name(path: Path) -> str:
    """``app/api/health.py`` -> ``app.api.health``; ``app/__init__.py`` -> ``app``."""
    root = package_root(path)
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def search_roots(files: Iterable[Path], extra: Iterable[Path] = ()) -> tuple[str, ...]:
    """Package roots of ``files`` (one lookup per folder), then ``extra``; no duplicates."""
    roots: dict[str, None] = {}
    seen_dirs: set[Path] = set()
    for file in files:
        if file.parent in seen_dirs:
            continue
        seen_dirs.add(file.parent)
        roots[str(package_root(file))] = None
    for path in extra:
        roots[str(path)] = None
    return tuple(roots)


def absolute_import(target: str, module: str, is_package: bool) -> str:
    """``.errors.X`` imported in ``app.services.storage`` -> ``app.services.errors.X``."""
    level = len(target) - len(target.lstrip("."))
    if level == 0:
        return target
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    rest = target[level:]
    return ".".join([*parts, rest]) if rest else ".".join(parts)


@dataclass
class ClassInfo:
    qualname: str  # "app.db.Database"
    node: ast.ClassDef
    module: ModuleInfo
    bases: tuple[str, ...]  # resolved qualified names ("" for ones we cannot name)


@dataclass
class ModuleInfo:
    """One parsed module of the project and its top-level names."""

    name: str
    path: Path
    tree: ast.Module
    is_package: bool
    # name -> qualified target: an import's absolute name, ``module.name`` for own
    # functions and classes, ``None`` for other module-level variables.
    bindings: dict[str, str | None] = field(default_factory=dict)
    functions: dict[str, FunctionNode] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    # module-level ``name = value`` assignments (for local typing of e.g. ``logger``)
    assignments: dict[str, list[ast.expr]] = field(default_factory=dict)

    @classmethod
    def build(cls, name: str, path: Path, tree: ast.Module) -> ModuleInfo:
        info = cls(name=name, path=path, tree=tree, is_package=path.name == "__init__.py")
        scope = Scope("module", {})
        collect_bindings(tree.body, scope)
        for bound, target in scope.bindings.items():
            info.bindings[bound] = (
                absolute_import(target, name, info.is_package) if target is not None else None
            )
        for stmt in _top_level_statements(tree.body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info.functions[stmt.name] = stmt
                info.bindings[stmt.name] = f"{name}.{stmt.name}"
            elif isinstance(stmt, ast.ClassDef):
                info.classes[stmt.name] = stmt
                info.bindings[stmt.name] = f"{name}.{stmt.name}"
            elif isinstance(stmt, ast.Assign):
                for target_node in stmt.targets:
                    if isinstance(target_node, ast.Name):
                        info.assignments.setdefault(target_node.id, []).append(stmt.value)
            elif (
                isinstance(stmt, ast.AnnAssign)
                and stmt.value is not None
                and isinstance(stmt.target, ast.Name)
            ):
                info.assignments.setdefault(stmt.target.id, []).append(stmt.value)
        return info

    @functools.cached_property
    def imported_at_top(self) -> frozenset[str]:
        """The top-level packages an ``import`` statement of the module body itself imports
        (run whenever the module is imported: not under ``if``/``try``, not in a function)."""
        return frozenset(_imported_packages(self.tree.body, self.name, self.is_package))

    @functools.cached_property
    def imported_anywhere(self) -> frozenset[str]:
        """The top-level packages any ``import`` statement of the module imports, wherever
        it is (``try: import yaml``, ``if TYPE_CHECKING:``, inside a function)."""
        return frozenset(_imported_packages(ast.walk(self.tree), self.name, self.is_package))

    @functools.cached_property
    def names_bound_anywhere(self) -> frozenset[str]:
        """Every name the module binds in any scope, and the names every module has."""
        names = set(_MODULE_NAMES)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                names.update(node.names)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
                names.add(node.name)
        return frozenset(names)

    @property
    def star_import(self) -> bool:
        """Whether ``from x import *`` may bind names nobody can see here."""
        return "*" in self.names_bound_anywhere

    def resolve(self, name: str) -> str | None:
        """What a module-level name refers to, or ``builtins.X``; None for plain variables."""
        if name in self.bindings:
            return self.bindings[name]
        if name in BUILTIN_NAMES:
            return f"builtins.{name}"
        return None


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _rebound(tree: ast.Module, name: str) -> bool:
    """Whether the module binds ``name`` other than by one import: twice imported, assigned,
    defined, deleted, or declared ``global`` somewhere (a function may rebind it)."""
    imports = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports += sum(1 for alias in node.names
                           if (alias.asname or alias.name.split(".")[0]) == name)
            continue
        bound = (
            node.names if isinstance(node, ast.Global)
            else [node.name] if isinstance(node, (*_DEFINITIONS, ast.ClassDef))
            else [node.id] if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
            else []
        )
        if name in bound:
            return True
    return imports != 1


def _top_level_statements(body: Sequence[ast.stmt]) -> list[ast.stmt]:
    """Module statements, looking into ``if``/``try`` blocks (``if TYPE_CHECKING:`` etc.)."""
    found: list[ast.stmt] = []
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        found.append(stmt)
        if isinstance(stmt, (ast.If, ast.Try)):
            nested: list[ast.stmt] = [*stmt.body, *stmt.orelse]
            if isinstance(stmt, ast.Try):
                for handler in stmt.handlers:
                    nested.extend(handler.body)
                nested.extend(stmt.finalbody)
            stack.extend(reversed(nested))
    return found


def parse_module_file(path: Path) -> ast.Module | None:
    try:
        source = read_python(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source.text, filename=str(path))
    except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _imported_packages(
    nodes: Iterable[ast.AST], module: str, is_package: bool
) -> Iterator[str]:
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = absolute_import("." * node.level + (node.module or ""), module, is_package)
            if source:
                yield source.split(".")[0]


class ProjectIndex:
    """Modules of the analysed project by dotted name, parsed on first use and cached."""

    # Whether the inference may take a decorator defined in these modules for one whose
    # wrapper lets the exceptions through unchanged (the project's own, usually; a library's
    # may translate them: ``derive.LibraryIndex`` says no).
    own_decorators_transparent = True

    def __init__(self, roots: Sequence[str]) -> None:
        self.roots = tuple(roots)
        self._modules: dict[str, ModuleInfo | None] = {}
        self._classes: dict[str, ClassInfo | None] = {}
        self._paths: dict[str, Path | None] = {}

    def add(self, info: ModuleInfo) -> None:
        """Register a module already parsed by the caller (the file being fixed)."""
        self._modules[info.name] = info

    def forget(self, name: str) -> None:
        """Drop a module added with :meth:`add` (it is parsed again if something calls it).

        Keeping every fixed file's tree alive makes each garbage collection slower.
        """
        self._modules.pop(name, None)
        self._classes = {
            k: v for k, v in self._classes.items() if v is None or v.module.name != name}

    def module_path(self, name: str) -> Path | None:
        """The file of a project module, without reading it."""
        if name in self._paths:
            return self._paths[name]
        found: Path | None = None
        relative = name.replace(".", os.sep)
        for root in self.roots:
            for candidate in (f"{relative}.py", os.path.join(relative, "__init__.py")):
                path = Path(root, candidate)
                if path.is_file():
                    found = path
                    break
            if found is not None:
                break
        self._paths[name] = found
        return found

    def is_project_name(self, qualname: str) -> bool:
        """Whether a dotted name lies in a project module (checked without parsing)."""
        parts = qualname.split(".")
        return any(
            self.module_path(".".join(parts[:cut])) is not None
            for cut in range(len(parts) - 1, 0, -1)
        )

    def module(self, name: str) -> ModuleInfo | None:
        if name in self._modules:
            return self._modules[name]
        found: ModuleInfo | None = None
        path = self.module_path(name)
        if path is not None:
            tree = parse_module_file(path)
            if tree is not None:
                found = ModuleInfo.build(name, path, tree)
        self._modules[name] = found
        return found

    def split(self, qualname: str) -> tuple[ModuleInfo, list[str]] | None:
        """The longest project-module prefix of a dotted name and the attribute path after it."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            info = self.module(".".join(parts[:cut]))
            if info is not None:
                return info, parts[cut:]
        return None

    def lookup(
        self, qualname: str, depth: int = 0
    ) -> tuple[str, FunctionNode | ClassInfo, ModuleInfo, ClassInfo | None] | None:
        """A project function, method or class by qualified name, following re-exports.

        Returns (canonical name, node, its module, the class owning a method or None).
        """
        if depth > 8:
            return None
        split = self.split(qualname)
        if split is None:
            return None
        info, rest = split
        head = rest[0]
        target = info.bindings.get(head)
        if target is not None and target != f"{info.name}.{head}":
            # a re-export (``from .config import load_config`` in a package __init__)
            return self.lookup(".".join([target, *rest[1:]]), depth + 1)
        if len(rest) == 1:
            if head in info.functions:
                return f"{info.name}.{head}", info.functions[head], info, None
            cls = self.class_info(f"{info.name}.{head}")
            if cls is not None:
                return cls.qualname, cls, info, None
            return None
        if len(rest) == 2:
            cls = self.class_info(f"{info.name}.{head}")
            if cls is not None:
                method = self.find_method(cls, rest[1])
                if method is not None:
                    owner, node = method
                    return f"{owner.qualname}.{rest[1]}", node, owner.module, owner
        return None

    def library_target(self, qualname: str, depth: int = 0) -> str | None:
        """What a project module's name is when the module only imports it from a library
        (``lnbits.bolt11.decode`` for lnbits' ``from bolt11 import decode``):
        ``bolt11.decode``, the very object.  None for the project's own definitions, for a
        name the module binds again (an assignment, a ``def``), or with a star import."""
        if depth > 8:
            return None
        split = self.split(qualname)
        if split is None:
            return None
        info, rest = split
        head = rest[0]
        target = info.bindings.get(head)
        if target is None or target == f"{info.name}.{head}" or info.star_import or (
            head in info.assignments or _rebound(info.tree, head)
        ):
            return None
        followed = ".".join([target, *rest[1:]])
        if self.is_project_name(followed):
            return self.library_target(followed, depth + 1)
        return followed

    def class_info(self, qualname: str) -> ClassInfo | None:
        if qualname in self._classes:
            return self._classes[qualname]
        self._classes[qualname] = None  # guards against cyclic bases
        module_part, _, class_name = qualname.rpartition(".")
        info = self.module(module_part) if module_part else None
        found: ClassInfo | None = None
        if info is not None and class_name in info.classes:
            node = info.classes[class_name]
            bases = tuple(_expr_qualname(base, info) or "" for base in node.bases)
            found = ClassInfo(qualname=qualname, node=node, module=info, bases=bases)
        elif info is not None and info.bindings.get(class_name) not in (None, qualname):
            target = info.bindings[class_name]
            found = self.class_info(target) if target is not None else None
        self._classes[qualname] = found
        return found

    def mro(self, cls: ClassInfo) -> list[ClassInfo]:
        """The class and its project bases, depth first (good enough for lookups)."""
        order: list[ClassInfo] = []
        stack = [cls]
        seen: set[str] = set()
        while stack:
            current = stack.pop(0)
            if current.qualname in seen:
                continue
            seen.add(current.qualname)
            order.append(current)
            for base in current.bases:
                base_info = self.class_info(base) if base else None
                if base_info is not None:
                    stack.append(base_info)
        return order

    def find_method(self, cls: ClassInfo, name: str) -> tuple[ClassInfo, FunctionNode] | None:
        for owner in self.mro(cls):
            for stmt in owner.node.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
                    return owner, stmt
        return None

    def has_foreign_bases(self, cls: ClassInfo) -> bool:
        """Whether a base is neither a project class nor ``object``/a builtin."""
        for owner in self.mro(cls):
            for base in owner.bases:
                if base.startswith("builtins."):
                    continue
                if not base or self.class_info(base) is None:
                    return True
        return False

    def declared_bases(self, qualname: str) -> tuple[str, ...]:
        cls = self.class_info(qualname)
        if cls is None:
            return ()
        return tuple(_exception_name(b) for b in cls.bases if b)


def _exception_name(qualified: str) -> str:
    return qualified.removeprefix("builtins.")


def _expr_qualname(expr: ast.expr, info: ModuleInfo) -> str | None:
    chain = dotted_chain(expr)
    base = None if chain is None else info.resolve(chain[0])
    if chain is None or base is None:
        return None
    return ".".join([base, *chain[1]])
