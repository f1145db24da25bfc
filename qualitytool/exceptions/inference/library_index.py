"""One installed distribution's modules, indexed as if they were a project: ``LibraryIndex``.

The project index (:class:`~qualitytool.exceptions.inference.project.ProjectIndex`) reads a
module's names as a reader of application code would.  Library code leans on three more
idioms, handled here when a module is first read:

- ``from ._models import *`` re-exports (``__all__`` when the module spells it out as a
  literal, else its public names);
- aliases: ``Vapid = Vapid02`` names the same function or class;
- names bound conditionally (``try: import ujson as json`` / ``except ImportError: import
  json``, ``if sys.version_info >= ...: def f ...``, a C accelerator with a pure-Python
  fallback) or more than once: which binding runs cannot be read, so such a name is treated
  as a plain variable, and a call through it is unknown;
- a method replaced after its class (``Client.close = _logged(Client.close)``): not found.

A name outside the distribution is not a "project" name, so the inference asks the knowledge
base about it, as it does for a project's calls into libraries.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

from qualitytool.exceptions.checking.handlers import Scope, collect_bindings
from qualitytool.exceptions.inference.distributions import Distribution
from qualitytool.exceptions.inference.frames import Frame, qualified_name
from qualitytool.exceptions.inference.project import ModuleInfo, ProjectIndex, absolute_import
from qualitytool.exceptions.inference.pythons import is_stdlib_module, on_every_python

_CONDITIONAL = (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While,
                ast.Match) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


class LibraryIndex(ProjectIndex):
    """The modules of one installed distribution, by dotted name, read on first use."""

    # A library's own decorators may translate the exceptions of what they wrap
    # (``@handle_errors``: ``except Exception as e: raise LibError from e``).
    own_decorators_transparent = False

    def __init__(
        self, distribution: Distribution, installed: Callable[[str], bool] = lambda _: False
    ) -> None:
        super().__init__((str(distribution.site),))
        self.distribution = distribution
        # Whether a top-level module is installed in the environment (by any distribution).
        self.installed = installed
        self._prepared: set[str] = set()
        self._sources: dict[str, Path | None] = {}

    def module_path(self, name: str) -> Path | None:
        if name.split(".")[0] not in self.distribution.top_level:
            return None
        if name not in self._sources:
            path = super().module_path(name)
            owned = path is not None and self.distribution.owns(path)
            self._sources[name] = path if owned and not _compiled_twin(path) else None
        return self._sources[name]

    def module(self, name: str) -> ModuleInfo | None:
        info = super().module(name)
        if info is not None and name not in self._prepared:
            self._prepared.add(name)  # first: a star-import cycle ends here
            self._prepare(info)
        return info

    def _prepare(self, info: ModuleInfo) -> None:
        ambiguous = _ambiguous_names(info.tree.body, lambda t: self._import_fallback(t, info))
        for name in ambiguous:
            info.bindings[name] = None
            info.functions.pop(name, None)
            info.classes.pop(name, None)
            info.assignments.pop(name, None)
        for stmt in info.tree.body:
            if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                source = absolute_import(
                    "." * stmt.level + (stmt.module or ""), info.name, info.is_package
                )
                exported = self._exports(source)
                for name in exported:
                    if name not in info.bindings and name not in ambiguous:
                        info.bindings[name] = f"{source}.{name}"
        _drop_replaced_methods(info)
        frame = Frame(module=info)
        for name, values in info.assignments.items():
            if len(values) == 1 and isinstance(values[0], (ast.Name, ast.Attribute)):
                target = qualified_name(values[0], frame)
                if target is not None and info.bindings.get(name) is None:
                    info.bindings[name] = target

    def _import_fallback(self, stmt: ast.Try, info: ModuleInfo) -> list[ast.stmt] | None:
        """The branch of ``try: <imports> except ImportError: <imports>`` that always runs,
        when it can be told: the first if each module it imports is the standard library's
        or a source module of this distribution; the fallback if the first imports a
        module nothing in the environment provides (``from urlparse import urlparse``) and
        the fallback's imports always succeed.  None when it depends on what is installed
        (or on a compiled module)."""
        if len(stmt.handlers) != 1 or not _catches_import_error(stmt.handlers[0]):
            return None
        if stmt.orelse or stmt.finalbody:
            return None
        first = self._imports_succeed(stmt.body, info)
        if first is True:
            return stmt.body
        fallback = stmt.handlers[0].body
        if first is False and self._imports_succeed(fallback, info) is True:
            return fallback
        return None

    def _imports_succeed(self, body: list[ast.stmt], info: ModuleInfo) -> bool | None:
        """True: every import of ``body`` (imports only) succeeds; False: one cannot; None:
        it depends."""
        verdict: bool | None = True
        for node in body:
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [absolute_import(
                    "." * node.level + (node.module or ""), info.name, info.is_package
                )]
            else:
                return None
            for module in modules:
                top = module.split(".")[0]
                if on_every_python(top) or self.module_path(module) is not None:
                    continue
                if (not is_stdlib_module(top) and top not in self.distribution.top_level
                        and not self.installed(top)):
                    return False
                verdict = None
        return verdict

    def _exports(self, module: str) -> list[str]:
        """What ``from module import *`` binds: its literal ``__all__``, else its public
        names; nothing for a module that cannot be read (a compiled one)."""
        info = self.module(module)
        if info is None:
            return []
        listed = _literal_all(info.tree.body)
        if listed is not None:
            return listed
        return [n for n in info.bindings if not n.startswith("_")]


def _drop_replaced_methods(info: ModuleInfo) -> None:
    """``Client.get = _wrap(Client.get)`` at module level replaces the method the class body
    defines: which one runs is not the body's, so the method is treated as not found."""
    for stmt in info.tree.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else (
            [stmt.target] if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) else [])
        for target in targets:
            if (
                isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                and target.value.id in info.classes
            ):
                cls = info.classes[target.value.id]
                cls.body = [
                    member for member in cls.body
                    if not (isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef))
                            and member.name == target.attr)
                ] or [ast.Pass(lineno=cls.lineno, col_offset=cls.col_offset)]


def _compiled_twin(path: Path | None) -> bool:
    """Whether a compiled module sits next to the source (``mod.cpython-311-x86_64-linux-gnu.so``
    beside ``mod.py``, as mypyc builds ship them): the import system loads it, not the source."""
    if path is None:
        return False
    try:
        return any(
            sibling.suffix in (".so", ".pyd") and sibling.name.split(".", 1)[0] == path.stem
            for sibling in path.parent.glob(f"{path.stem}.*")
        )
    except OSError:
        return True


def _ambiguous_names(
    body: Iterable[ast.stmt], import_branch: Callable[[ast.Try], list[ast.stmt] | None]
) -> set[str]:
    """Module-level names bound conditionally, or by more than one statement."""
    seen: set[str] = set()
    ambiguous: set[str] = set()
    for stmt in body:
        branch = import_branch(stmt) if isinstance(stmt, ast.Try) else None
        if branch is not None:  # the other branch never runs
            names = _bound(branch)
            ambiguous |= names & seen
            seen |= names
            continue
        if _is_type_checking_block(stmt):
            assert isinstance(stmt, ast.If)
            names = _bound(stmt.orelse)
            ambiguous |= names
            seen |= names
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            _decorator_name(d) == "overload" for d in stmt.decorator_list
        ):
            continue  # a signature; the implementation follows
        names = _bound([stmt])
        if isinstance(stmt, _CONDITIONAL):
            ambiguous |= names
        ambiguous |= names & seen
        seen |= names
    return {name for name in ambiguous if not (name.startswith("__") and name.endswith("__"))}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return all(
        isinstance(t, ast.Name) and t.id in ("ImportError", "ModuleNotFoundError") for t in types
    )


def _bound(body: list[ast.stmt]) -> set[str]:
    scope = Scope("module", {})
    collect_bindings(body, scope)
    return set(scope.bindings)


def _is_type_checking_block(stmt: ast.stmt) -> bool:
    if not isinstance(stmt, ast.If):
        return False
    test = stmt.test
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def _decorator_name(decorator: ast.expr) -> str | None:
    if isinstance(decorator, ast.Attribute):
        return decorator.attr
    return getattr(decorator, "id", None)


def _literal_all(body: Iterable[ast.stmt]) -> list[str] | None:
    """``__all__`` when every statement that builds it is a literal list of strings."""
    names: list[str] | None = None
    for stmt in body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets
        ):
            names = _strings(stmt.value)
            if names is None:
                return None
        elif (
            isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name)
            and stmt.target.id == "__all__"
        ):
            more = _strings(stmt.value)
            if names is None or more is None:
                return None
            names += more
    return names


def _strings(value: ast.expr) -> list[str] | None:
    if not isinstance(value, (ast.List, ast.Tuple)):
        return None
    found = []
    for element in value.elts:
        if not isinstance(element, ast.Constant) or not isinstance(element.value, str):
            return None
        found.append(element.value)
    return found
