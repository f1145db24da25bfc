"""Find broad exception handlers with the stdlib ``ast`` (no LibCST on this hot path).

The default semantics are ruff's BLE001 + E722, so results are familiar and ruff can serve as
the test oracle:

* ``except Exception`` / ``except BaseException`` (also ``builtins.Exception``, aliases, and
  tuples containing them) and bare ``except:`` are found here;
* whether one is exempt is its rule's to say (``Rule.exemption`` of
  ``qualitytool/checks/<rule>.py``): QT001's handler re-raises or logs the traceback, QT002's
  has a bare ``raise`` among its own statements.  What the configuration makes of that is
  :func:`qualitytool.exceptions.checking.verdict.verdict`.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from qualitytool.checks import Exemption, rule_for_kind
from qualitytool.checks.handler_body import dotted_chain

_BUILTIN_NAMES = frozenset(dir(builtins))
_NOQA = re.compile(
    r"#\s*noqa(?::\s?(?P<codes>[A-Za-z]+[0-9]+(?:[,\s]+[A-Za-z]+[0-9]+)*))?", re.IGNORECASE
)
_OWN_IGNORE = re.compile(r"#\s*qualitytool:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)


@dataclass(frozen=True)
class BroadHandler:
    """One broad handler and why it may be acceptable.

    ``line``/``col`` point where ruff points: the broad name for typed handlers, the
    ``except`` keyword for bare ones.  ``exemption`` is what its rule says may make it
    acceptable (before the configuration has its say), ``None`` when nothing does.
    """

    kind: str  # "Exception", "BaseException" or "bare"
    line: int
    col: int
    end_line: int
    end_col: int
    handler_line: int
    handler_col: int
    try_line: int
    exemption: Exemption | None
    name: str | None  # the ``as`` name
    is_star: bool
    source_line: str


# -- scopes and name resolution ------------------------------------------------------------


@dataclass
class Scope:
    kind: str  # "module", "function" or "class"
    # name -> fully qualified imported name, or None for a non-import binding
    bindings: dict[str, str | None]


# Expressions that can hold an assignment target; other expressions bind nothing unless
# the source uses the walrus operator.
_TARGET_EXPRESSIONS = (ast.Tuple, ast.List, ast.Starred)


def collect_bindings(
    body: Sequence[ast.stmt], scope: Scope, walrus: bool = True
) -> None:
    """Names bound directly in a scope (not in nested functions or classes).

    With ``walrus=False`` (the source has no ``:=``) expressions other than assignment
    targets are not walked: they are most of the tree and cannot bind a name.
    """
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.expr) and not walrus:
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, (ast.Store, ast.Del)):
                    scope.bindings[node.id] = None
                continue
            if not isinstance(node, _TARGET_EXPRESSIONS):
                continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.bindings[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    scope.bindings[top] = top
        elif isinstance(node, ast.ImportFrom):
            module = ("." * node.level) + (node.module or "")
            for alias in node.names:
                if alias.name == "*":
                    continue
                # ``from . import errors``: the dots are the module ("." + "errors")
                joined = f"{module}.{alias.name}" if node.module else f"{module}{alias.name}"
                scope.bindings[alias.asname or alias.name] = joined
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope.bindings[node.name] = None
            continue
        elif isinstance(node, ast.Lambda):
            continue
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            scope.bindings[node.id] = None
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            scope.bindings[node.name] = None
        elif isinstance(node, ast.MatchMapping) and node.rest:
            scope.bindings[node.rest] = None
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            # Comprehension variables live in their own scope; walrus targets do not, but
            # they never bind exception names in practice.
            continue
        stack.extend(ast.iter_child_nodes(node))


def function_scope(
    node: ast.FunctionDef | ast.AsyncFunctionDef, walrus: bool = True
) -> Scope:
    scope = Scope("function", {})
    args = node.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
        if arg is not None:
            scope.bindings[arg.arg] = None
    collect_bindings(node.body, scope, walrus)
    return scope


class Resolver:
    def __init__(self, scopes: Sequence[Scope]) -> None:
        self.scopes = scopes

    def _lookup(self, name: str) -> tuple[bool, str | None]:
        innermost = len(self.scopes) - 1
        for index in range(innermost, -1, -1):
            scope = self.scopes[index]
            # Class bodies are visible only from the class body itself.
            if scope.kind == "class" and index != innermost:
                continue
            if name in scope.bindings:
                return True, scope.bindings[name]
        return False, None

    def qualified_name(self, expr: ast.expr) -> str | None:
        """``a.b.c`` resolved through imports (``import x as a``) or builtins, else None."""
        chain = dotted_chain(expr)
        if chain is None:
            return None
        name, attributes = chain
        bound, target = self._lookup(name)
        if bound:
            if target is None:
                return None
            base = target
        elif name in _BUILTIN_NAMES:
            base = f"builtins.{name}"
        else:
            return None
        return ".".join([base, *attributes])

    def builtin_exception(self, expr: ast.expr) -> str | None:
        qualified = self.qualified_name(expr)
        if qualified in ("builtins.Exception", "builtins.BaseException"):
            return qualified.split(".", 1)[1]
        return None


# -- suppression comments ------------------------------------------------------------


def suppressed_codes(line_text: str) -> frozenset[str] | None:
    """Codes a ``# noqa`` / ``# qualitytool: ignore`` comment on a line suppresses.

    Returns ``None`` when there is no suppression, an empty set for a blanket one.
    """
    codes: set[str] = set()
    found = False
    for pattern in (_NOQA, _OWN_IGNORE):
        for match in pattern.finditer(line_text):
            found = True
            raw = match.group("codes")
            if raw is None:
                return frozenset()
            codes.update(c.upper() for c in re.split(r"[,\s]+", raw.strip()) if c)
    return frozenset(codes) if found else None


# -- the walk ------------------------------------------------------------------------------

_TRY_TYPES: tuple[type[ast.stmt], ...] = (ast.Try,) + (
    (ast.TryStar,) if hasattr(ast, "TryStar") else ()
)
_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)


class _LazyScope(Scope):
    """A scope whose bindings are collected only when a handler needs a name resolved.

    Most functions contain no broad handler, so collecting every function's bindings up
    front would dominate the run time.
    """

    def __init__(self, kind: str, node: ast.AST, walrus: bool = True) -> None:
        super().__init__(kind, {})
        self._node = node
        self._walrus = walrus
        self._loaded = False

    def loaded(self) -> None:
        """Its bindings are complete as they are (collected by the caller)."""
        self._loaded = True

    def load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        node = self._node
        if isinstance(node, _FUNCTION_TYPES):
            self.bindings.update(function_scope(node, self._walrus).bindings)
        elif isinstance(node, (ast.Module, ast.ClassDef)):
            collect_bindings(node.body, self, self._walrus)


class _LoadingResolver(Resolver):
    """Resolves names once the scopes it reads have their bindings (a rule's exemption test
    may resolve a name, most handlers need none)."""

    def __init__(self, scopes: list[_LazyScope]) -> None:
        super().__init__(scopes)
        self._lazy = scopes

    def qualified_name(self, expr: ast.expr) -> str | None:
        for scope in self._lazy:
            scope.load()
        return super().qualified_name(expr)


class _HandlerFinder:
    """Walks statements only (a ``try`` is always a statement), never expressions."""

    def __init__(
        self, lines: list[str], logger_objects: Sequence[str], walrus: bool = True
    ) -> None:
        self.lines = lines
        self.walrus = walrus
        self.logger_objects = logger_objects
        self.scopes: list[_LazyScope] = []
        self.resolver = _LoadingResolver(self.scopes)
        self.found: list[BroadHandler] = []

    def run(self, tree: ast.Module) -> None:
        self.scopes.append(_LazyScope("module", tree, self.walrus))
        self._body(tree.body)

    def _body(self, body: Sequence[ast.stmt]) -> None:
        for stmt in body:
            self._stmt(stmt)

    def _stmt(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (*_FUNCTION_TYPES, ast.ClassDef)):
            kind = "class" if isinstance(stmt, ast.ClassDef) else "function"
            self.scopes.append(_LazyScope(kind, stmt, self.walrus))
            self._body(stmt.body)
            self.scopes.pop()
            return
        if isinstance(stmt, _TRY_TYPES):
            is_star = type(stmt).__name__ == "TryStar"
            node = cast("ast.Try", stmt)  # ast.TryStar has the same fields
            for handler in node.handlers:
                found = self._classify(handler, stmt, is_star)
                if found is not None:
                    self.found.append(found)
                self._body(handler.body)
            self._body(node.body)
            self._body(node.orelse)
            self._body(node.finalbody)
            return
        if isinstance(stmt, ast.Match):
            for case in stmt.cases:
                self._body(case.body)
            return
        for field_name in ("body", "orelse"):
            nested = getattr(stmt, field_name, None)
            if nested:
                self._body(nested)

    def _line(self, lineno: int) -> str:
        return self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""

    def _load_scopes(self) -> None:
        for scope in self.scopes:
            scope.load()

    def _classify(
        self, handler: ast.ExceptHandler, node: ast.stmt, is_star: bool
    ) -> BroadHandler | None:
        if handler.type is None:
            kind = "bare"
            line, col = handler.lineno, handler.col_offset
            end_line, end_col = line, col + len("except")
        else:
            self._load_scopes()
            located = self._blind_name(handler.type)
            if located is None:
                return None
            kind, expr = located
            line, col = expr.lineno, expr.col_offset
            end_line = expr.end_lineno or line
            end_col = expr.end_col_offset if expr.end_col_offset is not None else col
        exemption = rule_for_kind(kind).exemption(handler, self.resolver, self.logger_objects)
        return BroadHandler(
            kind=kind,
            line=line,
            col=col,
            end_line=end_line,
            end_col=end_col,
            handler_line=handler.lineno,
            handler_col=handler.col_offset,
            try_line=node.lineno,
            exemption=exemption,
            name=handler.name,
            is_star=is_star,
            source_line=self._line(line),
        )

    def _blind_name(self, expr: ast.expr) -> tuple[str, ast.expr] | None:
        if isinstance(expr, ast.Tuple):
            for element in expr.elts:
                found = self._blind_name(element)
                if found is not None:
                    return found
            return None
        name = self.resolver.builtin_exception(expr)
        return (name, expr) if name is not None else None


def find_broad_handlers(
    tree: ast.Module, source_text: str, logger_objects: Sequence[str] = ()
) -> list[BroadHandler]:
    """Every broad handler in a parsed module, exempt or not, in source order."""
    finder = _HandlerFinder(
        source_text.splitlines(), logger_objects, walrus=":=" in source_text
    )
    finder.run(tree)
    return sorted(finder.found, key=lambda h: (h.line, h.col))


def find_broad_handlers_in_parts(
    parts: Callable[[bool], Iterator[ast.Module]],
    source_text: str,
    logger_objects: Sequence[str] = (),
) -> list[BroadHandler]:
    """:func:`find_broad_handlers` over a module given as its parts (consecutive stretches of
    top-level statements, see :mod:`qualitytool.module_parts`), parsed anew by each call
    of ``parts``: first to last, or last to first when given True.

    A name bound anywhere in a module is bound in all of it, so the module's bindings are
    collected over every part first, last part first: the order in which
    :func:`collect_bindings` visits a whole module's statements, so that a name bound twice
    resolves as it would there.  Then the handlers are found one part at a time."""
    walrus = ":=" in source_text
    module = _LazyScope("module", ast.Module(body=[], type_ignores=[]), walrus)
    for tree in parts(True):
        collect_bindings(tree.body, module, walrus)
    module.loaded()
    finder = _HandlerFinder(source_text.splitlines(), logger_objects, walrus)
    finder.scopes.append(module)
    for tree in parts(False):
        finder._body(tree.body)
    return sorted(finder.found, key=lambda h: (h.line, h.col))
