"""Where code runs: :class:`Frame` (module, enclosing class and function, their names).

A frame answers the name questions the typing and the inference ask -- which names a
function binds, which of its assignments reach each read of a local (:mod:`.flow`), what
``self`` is called -- and works each of them out on first use: most functions hold no broad
handler.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from qualitytool.checks.handler_body import dotted_chain
from qualitytool.exceptions.checking.handlers import function_scope
from qualitytool.exceptions.inference.answers import Answer
from qualitytool.exceptions.inference.flow import FlowFacts, analyse
from qualitytool.exceptions.inference.project import (
    ClassInfo,
    FunctionNode,
    ModuleInfo,
    absolute_import,
)

if TYPE_CHECKING:
    from qualitytool.exceptions.inference.expression_types import ValueType

FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
_METHOD_KINDS = ("staticmethod", "classmethod")
# The decorators that make a generator function the factory of a context manager.
CONTEXT_DECORATORS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})


class Frame:
    """A module, or a function (with its class and enclosing function frame) in a module."""

    def __init__(
        self,
        module: ModuleInfo,
        cls: ClassInfo | None = None,
        function: FunctionNode | None = None,
        parent: Frame | None = None,
        arguments: Mapping[str, ValueType] | None = None,
    ) -> None:
        self.module = module
        # Types of the arguments a call site passes (for a summary of that call).
        self.arguments: Mapping[str, ValueType] = arguments or {}
        self.cls = cls
        self.function = function
        self.parent = parent
        # (the ``as`` name, what the handler catches) of enclosing handlers, for ``raise``
        self.handlers: list[tuple[str | None, Answer]] = []
        # the typing's memo of what each definition of a local holds, in this frame
        self.definition_types: dict[object, object] = {}
        # A ``@contextmanager`` generator summarised for a ``with``: what its ``yield``
        # receives is the exception of the with statement's own body, already counted there.
        self.context_generator = False

    @classmethod
    def for_function(
        cls,
        module: ModuleInfo,
        node: FunctionNode,
        owner: ClassInfo | None,
        parent: Frame | None = None,
        arguments: Mapping[str, ValueType] | None = None,
    ) -> Frame:
        return cls(module=module, cls=owner, function=node, parent=parent, arguments=arguments)

    @functools.cached_property
    def bindings(self) -> dict[str, str | None]:
        """Names the function binds: imports as their absolute name, others as None."""
        if self.function is None:
            return {}
        module = self.module
        return {
            name: (
                absolute_import(target, module.name, module.is_package)
                if target is not None
                else None
            )
            for name, target in function_scope(self.function).bindings.items()
        }

    @functools.cached_property
    def flow(self) -> FlowFacts:
        """Which definitions of the function's locals reach each read of them."""
        if self.function is None:
            return FlowFacts()
        locals_ = [name for name, target in self.bindings.items() if target is None]
        return analyse(self.function, locals_)

    @functools.cached_property
    def self_name(self) -> str | None:
        """The name of the instance parameter of a method (``self``), if any."""
        if self.function is None or self.cls is None:
            return None
        args = self.function.args
        positional = [*args.posonlyargs, *args.args]
        return positional[0].arg if positional and not self.is_static_or_class else None

    @functools.cached_property
    def cls_name(self) -> str | None:
        """The name of the class parameter of a classmethod (``cls``), if any."""
        if self.function is None or self.cls is None:
            return None
        positional = [*self.function.args.posonlyargs, *self.function.args.args]
        decorators = {getattr(d, "id", None) for d in self.function.decorator_list}
        return positional[0].arg if positional and "classmethod" in decorators else None

    @functools.cached_property
    def is_static_or_class(self) -> bool:
        return self.function is not None and any(
            isinstance(d, ast.Name) and d.id in _METHOD_KINDS
            for d in self.function.decorator_list
        )


def resolve_name(name: str, frame: Frame) -> tuple[bool, str | None]:
    """(is a local variable, qualified target) of a name: imports, own defs, builtins."""
    current: Frame | None = frame
    while current is not None and current.function is not None:
        if name in current.bindings:
            target = current.bindings[name]
            return (target is None), target
        current = current.parent
    if name in frame.module.bindings:
        target = frame.module.bindings[name]
        return (target is None), target
    return False, frame.module.resolve(name)


def qualified_name(expr: ast.expr, frame: Frame) -> str | None:
    """``a.b.c`` as a fully-qualified name through imports, or None (a local, a call...)."""
    chain = dotted_chain(expr)
    if chain is None:
        return None
    is_local, target = resolve_name(chain[0], frame)
    if is_local or target is None:
        return None
    return ".".join([target, *chain[1]])

def contains_yield(body: Sequence[ast.stmt]) -> bool:
    """Whether a block yields (not counting nested functions)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (*FUNCTION_TYPES, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def own_nodes(body: Sequence[ast.stmt]) -> list[ast.AST]:
    """The nodes of a function body, not of the functions and classes nested in it."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, (*FUNCTION_TYPES, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def is_context_generator(node: FunctionNode, module: ModuleInfo) -> bool:
    """Whether ``@contextlib.contextmanager`` or ``@asynccontextmanager`` decorates it."""
    decorators = Frame(module=module)
    return any(
        qualified_name(d.func if isinstance(d, ast.Call) else d, decorators) in CONTEXT_DECORATORS
        for d in node.decorator_list
    )


def yields_once(function: FunctionNode) -> bool:
    """Whether a generator yields exactly once whenever it ends without an exception, as
    contextlib requires of a ``@contextmanager`` (else its ``__enter__`` raises RuntimeError,
    "generator didn't yield", or its ``__exit__`` "generator didn't stop").

    Proved only in the plain shape: one ``yield`` (no ``yield from``), a statement of its
    own, reached from the top of the function through ``try`` bodies alone -- no loop, no
    branch, no ``with`` (its ``__exit__`` may swallow an exception raised before the
    ``yield``, and the generator then ends without yielding), no ``try`` with a handler (the
    same), no ``finally`` that returns -- and no ``return`` before it."""
    yields = [n for n in own_nodes(function.body) if isinstance(n, (ast.Yield, ast.YieldFrom))]
    if len(yields) != 1 or not isinstance(yields[0], ast.Yield):
        return False
    return _reached_plainly(function.body, yields[0])


def _reached_plainly(body: Sequence[ast.stmt], target: ast.Yield) -> bool:
    for position, stmt in enumerate(body):
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
        found = value is target or (
            isinstance(stmt, ast.Try)
            and not stmt.handlers
            and not any(isinstance(n, ast.Return) for n in own_nodes(stmt.finalbody))
            and _reached_plainly(stmt.body, target)
        )
        if found:
            return not any(isinstance(n, ast.Return) for n in own_nodes(list(body[:position])))
    return False
