"""Infer which exceptions a block of code can raise: ``infer_raised_exceptions``.

Every call and raising operation in a block gets a three-valued answer from, in order, the
knowledge base (through imports and simple local typing), the project's own functions (their
``raise`` statements and, transitively, what they call; recursion handled) and finally
*unknown*.  A block's answer is *closed* when every part is closed, *open* when some part may
raise more than we know, *unknown* when some part is a call we know nothing about.

Exceptions caught inside the block by a nested ``try`` are subtracted, as they never reach
the handler being narrowed.  Everything works on the stdlib ``ast``.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from qualitytool.exceptions.handlers import dotted_chain, function_scope
from qualitytool.exceptions.hierarchy import BROAD, Hierarchy, runtime_class
from qualitytool.exceptions.knowledge import KnowledgeBase, RaiseSpec
from qualitytool.exceptions.project import (
    ClassInfo,
    FunctionNode,
    ModuleInfo,
    ProjectIndex,
    absolute_import,
)

CLOSED, OPEN, UNKNOWN = "closed", "open", "unknown"
_RANK = {CLOSED: 0, OPEN: 1, UNKNOWN: 2}
# How deep the project raise index follows calls before giving up (keeps runs bounded).
MAX_CALL_DEPTH = 4
_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
_TRY_TYPES: tuple[type[ast.stmt], ...] = (ast.Try,) + (
    (ast.TryStar,) if hasattr(ast, "TryStar") else ()
)


@dataclass(frozen=True)
class Answer:
    """What a piece of code can raise: a closed set, an open set, or unknown."""

    status: str
    raises: frozenset[str] = frozenset()
    reasons: tuple[str, ...] = ()

    @classmethod
    def closed(cls, names: Iterable[str] = ()) -> Answer:
        return cls(CLOSED, frozenset(names))


NOTHING = Answer(CLOSED)


def combine(answers: Iterable[Answer]) -> Answer:
    status = CLOSED
    raises: set[str] = set()
    reasons: list[str] = []
    for answer in answers:
        if _RANK[answer.status] > _RANK[status]:
            status = answer.status
        raises |= answer.raises
        for reason in answer.reasons:
            if reason not in reasons:
                reasons.append(reason)
    return Answer(status, frozenset(raises), tuple(reasons))


def canonical_exception(name: str) -> str:
    """``builtins.OSError``, ``IOError``, ``socket.timeout`` -> the builtin's own name."""
    name = name.removeprefix("builtins.")
    cls = runtime_class(name)
    if cls is not None and cls.__module__ == "builtins":
        return cls.__name__
    return name


def display(expr: ast.expr, limit: int = 60) -> str:
    text = ast.unparse(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Frame:
    """Where code runs: its module, enclosing class and function, and the names they bind.

    The function's names are collected on first use: most functions hold no broad handler.
    """

    def __init__(
        self,
        module: ModuleInfo,
        cls: ClassInfo | None = None,
        function: FunctionNode | None = None,
        parent: Frame | None = None,
    ) -> None:
        self.module = module
        self.cls = cls
        self.function = function
        self.parent = parent
        # (the ``as`` name, what the handler catches) of enclosing handlers, for ``raise``
        self.handlers: list[tuple[str | None, Answer]] = []

    @classmethod
    def for_function(
        cls,
        module: ModuleInfo,
        node: FunctionNode,
        owner: ClassInfo | None,
        parent: Frame | None = None,
    ) -> Frame:
        return cls(module=module, cls=owner, function=node, parent=parent)

    @functools.cached_property
    def bindings(self) -> dict[str, str | None]:
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
    def values(self) -> dict[str, list[ast.expr | None]]:
        return _local_values(self.function.body) if self.function is not None else {}

    @functools.cached_property
    def annotations(self) -> dict[str, ast.expr]:
        if self.function is None:
            return {}
        args = self.function.args
        return {
            arg.arg: arg.annotation
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs)
            if arg.annotation is not None
        }

    @functools.cached_property
    def self_name(self) -> str | None:
        if self.function is None or self.cls is None:
            return None
        args = self.function.args
        positional = [*args.posonlyargs, *args.args]
        is_static = any(
            isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")
            for d in self.function.decorator_list
        )
        return positional[0].arg if positional and not is_static else None


def _local_values(body: Sequence[ast.stmt]) -> dict[str, list[ast.expr | None]]:
    """Values assigned to plain names in a function body (``None``: assigned otherwise)."""
    values: dict[str, list[ast.expr | None]] = {}
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (*_FUNCTION_TYPES, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(node.value)
                else:
                    _mark_untyped(target, values)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            values.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    values.setdefault(item.optional_vars.id, []).append(item.context_expr)
                elif item.optional_vars is not None:
                    _mark_untyped(item.optional_vars, values)
        elif isinstance(
            node, (ast.For, ast.AsyncFor, ast.comprehension, ast.AugAssign, ast.NamedExpr)
        ):
            _mark_untyped(node.target, values)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            values.setdefault(node.name, []).append(None)
        stack.extend(ast.iter_child_nodes(node))
    return values


def _mark_untyped(target: ast.AST, values: dict[str, list[ast.expr | None]]) -> None:
    """Names a target binds (``a, *b``); ``x[k] = v`` and ``x.y = v`` bind nothing."""
    if isinstance(target, ast.Name):
        values.setdefault(target.id, []).append(None)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _mark_untyped(element, values)
    elif isinstance(target, ast.Starred):
        _mark_untyped(target.value, values)


def contains_yield(body: Sequence[ast.stmt]) -> bool:
    """Whether a block yields (not counting nested functions)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (*_FUNCTION_TYPES, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


class Inferrer:
    """Answers for calls, operations and blocks; caches project function summaries."""

    def __init__(self, kb: KnowledgeBase, index: ProjectIndex) -> None:
        self.kb = kb
        self.index = index
        self.hierarchy = Hierarchy(self._declared_bases)
        self._summaries: dict[str, Answer] = {}
        self._in_progress: list[str] = []
        self._cycle_hit = False
        self._attribute_types: dict[str, dict[str, str | None]] = {}
        # False during the cheap first pass of ``infer_raised_exceptions``.
        self._follow_project = True

    def _declared_bases(self, name: str) -> tuple[str, ...]:
        spec = self.kb.exceptions.get(name)
        if spec is not None:
            return spec.bases
        return self.index.declared_bases(name)

    # -- name resolution and local typing ----------------------------------------------------

    def resolve_name(self, name: str, frame: Frame) -> tuple[bool, str | None]:
        """(is a local variable, qualified target).  Targets: imports, own defs, builtins."""
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

    def qualified(self, expr: ast.expr, frame: Frame) -> str | None:
        chain = dotted_chain(expr)
        if chain is None:
            return None
        is_local, target = self.resolve_name(chain[0], frame)
        if is_local or target is None:
            return None
        return ".".join([target, *chain[1]])

    def type_of(self, expr: ast.expr | None, frame: Frame, depth: int = 0) -> str | None:
        """The fully-qualified type of a value when simple local typing can tell."""
        if expr is None or depth > 4:
            return None
        if isinstance(expr, (ast.Dict, ast.DictComp)):
            return "builtins.dict"
        if isinstance(expr, (ast.List, ast.ListComp)):
            return "builtins.list"
        if isinstance(expr, ast.Tuple):
            return "builtins.tuple"
        if isinstance(expr, (ast.Set, ast.SetComp)):
            return "builtins.set"
        if isinstance(expr, ast.JoinedStr):
            return "builtins.str"
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, str):
                return "builtins.str"
            if isinstance(expr.value, bytes):
                return "builtins.bytes"
            return None
        if isinstance(expr, ast.Name):
            return self._name_type(expr.id, frame, depth)
        if isinstance(expr, ast.Attribute):
            if (
                isinstance(expr.value, ast.Name)
                and frame.self_name == expr.value.id
                and frame.cls is not None
            ):
                return self._attribute_type(frame.cls, expr.attr)
            return None
        if isinstance(expr, ast.Call):
            return self._call_type(expr, frame, depth)
        return None

    def _name_type(self, name: str, frame: Frame, depth: int) -> str | None:
        current: Frame | None = frame
        while current is not None and current.function is not None:
            if name in current.annotations:
                return self._annotation_type(current.annotations[name], current)
            if name in current.values:
                return self._agreed_type(current.values[name], current, depth)
            if name in current.bindings:
                return None
            current = current.parent
        module = frame.module
        if name in module.assignments and module.bindings.get(name, None) is None:
            module_frame = Frame(module=module)
            return self._agreed_type(list(module.assignments[name]), module_frame, depth)
        return None

    def _agreed_type(
        self, values: Sequence[ast.expr | None], frame: Frame, depth: int
    ) -> str | None:
        types = {self.type_of(v, frame, depth + 1) if v is not None else None for v in values}
        if len(types) == 1:
            return types.pop()
        return None

    def _annotation_type(self, annotation: ast.expr, frame: Frame) -> str | None:
        qualified = self.qualified(annotation, frame)
        if qualified is None:
            return None
        return qualified

    def _call_type(self, call: ast.Call, frame: Frame, depth: int) -> str | None:
        qualified = self._callee_name(call.func, frame, depth)
        if qualified is None:
            return None
        spec = self.kb.lookup(qualified)
        if spec is not None:
            return spec.returns
        if self.index.class_info(qualified) is not None:
            return qualified
        return None

    def _callee_name(self, func: ast.expr, frame: Frame, depth: int = 0) -> str | None:
        """A call's callee as a qualified name (``sqlite3.Connection.execute`` when typed)."""
        qualified = self.qualified(func, frame)
        if qualified is not None:
            return qualified
        if isinstance(func, ast.Attribute):
            receiver = self.type_of(func.value, frame, depth + 1)
            if receiver is not None:
                return f"{receiver}.{func.attr}"
        return None

    def _attribute_type(self, cls: ClassInfo, attr: str) -> str | None:
        """``self.conn`` typed from ``self.conn = sqlite3.connect(...)`` in the class."""
        key = cls.qualname
        if key not in self._attribute_types:
            assigned: dict[str, list[tuple[ast.expr, Frame]]] = {}
            for owner in self.index.mro(cls):
                for stmt in owner.node.body:
                    if not isinstance(stmt, _FUNCTION_TYPES):
                        continue
                    method_frame = Frame.for_function(owner.module, stmt, owner)
                    if method_frame.self_name is None:
                        continue
                    for node in ast.walk(stmt):
                        if isinstance(node, ast.Assign):
                            for target in node.targets:
                                if (
                                    isinstance(target, ast.Attribute)
                                    and isinstance(target.value, ast.Name)
                                    and target.value.id == method_frame.self_name
                                ):
                                    assigned.setdefault(target.attr, []).append(
                                        (node.value, method_frame)
                                    )
            types: dict[str, str | None] = {}
            self._attribute_types[key] = types  # breaks cycles through type_of
            for name, values in assigned.items():
                found = {self.type_of(value, f, 1) for value, f in values}
                types[name] = found.pop() if len(found) == 1 else None
        return self._attribute_types[key].get(attr)

    # -- calls ---------------------------------------------------------------------------

    def call_answer(self, call: ast.Call, frame: Frame) -> Answer:
        func = call.func
        shown = display(func)
        qualified = self._callee_name(func, frame)
        if qualified is not None:
            spec = self.kb.lookup(qualified)
            if spec is not None:
                return self._spec_answer(spec, shown)
            found = self.project_answer(qualified, shown)
            if found is not None:
                return found
        if isinstance(func, ast.Attribute):
            method = self._self_method_answer(func, frame, shown)
            if method is not None:
                return method
            if _looks_like_logger(func.value):
                spec = self.kb.lookup(f"logging.Logger.{func.attr}")
                if spec is not None:
                    return self._spec_answer(spec, shown)
        if qualified is not None and "." in qualified and not qualified.startswith("builtins."):
            receiver_type = qualified.rpartition(".")[0]
            if self.kb.lookup(receiver_type) is not None or receiver_type.startswith("builtins"):
                return Answer(UNKNOWN, reasons=(f"unknown call `{shown}` (on a `{receiver_type}`)",))
        return Answer(UNKNOWN, reasons=(f"unknown call `{shown}`",))

    def _spec_answer(self, spec: RaiseSpec, shown: str) -> Answer:
        names = {canonical_exception(n) for n in spec.raises}
        if spec.closed:
            return Answer(CLOSED, frozenset(names))
        return Answer(OPEN, frozenset(names), (f"`{shown}` may raise more than it documents",))

    def _self_method_answer(self, func: ast.Attribute, frame: Frame, shown: str) -> Answer | None:
        value = func.value
        if frame.cls is None:
            return None
        if not self._follow_project:
            is_self = isinstance(value, ast.Name) and value.id == frame.self_name
            if is_self and self.index.find_method(frame.cls, func.attr) is not None:
                return NOTHING
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "super":
                return NOTHING
        if isinstance(value, ast.Name) and value.id == frame.self_name:
            method = self.index.find_method(frame.cls, func.attr)
            if method is not None:
                owner, node = method
                return self.summary(f"{owner.qualname}.{func.attr}", node, owner.module, owner, shown)
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "super"
        ):
            for owner in self.index.mro(frame.cls)[1:]:
                method = self.index.find_method(owner, func.attr)
                if method is not None:
                    found_owner, node = method
                    return self.summary(
                        f"{found_owner.qualname}.{func.attr}", node, found_owner.module,
                        found_owner, shown,
                    )
            if not self.index.has_foreign_bases(frame.cls):
                return NOTHING  # object.__init__ and friends
        return None

    def infer_raised_exceptions(self, body: Sequence[ast.stmt], frame: Frame) -> Answer:
        """What a block can raise, following calls into the project only when it matters.

        A first pass treats project calls as raising nothing: if the block still calls
        something unknown, following the project cannot change the answer (unknown wins), and
        the unknown calls outside the project are the reasons worth showing.
        """
        self._follow_project = False
        try:
            shallow = self.block(body, frame)
        finally:
            self._follow_project = True
        if shallow.status == UNKNOWN:
            return shallow
        return self.block(body, frame)

    def project_answer(self, qualified: str, shown: str) -> Answer | None:
        if not self._follow_project:
            return NOTHING if self.index.is_project_name(qualified) else None
        found = self.index.lookup(qualified)
        if found is None:
            return None
        name, node, module, owner = found
        if isinstance(node, ClassInfo):
            init = self.index.find_method(node, "__init__")
            if init is not None:
                init_owner, init_node = init
                return self.summary(
                    f"{init_owner.qualname}.__init__", init_node, init_owner.module, init_owner,
                    shown,
                )
            if self.index.has_foreign_bases(node):
                return Answer(UNKNOWN, reasons=(f"unknown call `{shown}` (a class with outside bases)",))
            return NOTHING
        return self.summary(name, node, module, owner, shown)

    def summary(
        self, name: str, node: FunctionNode, module: ModuleInfo, owner: ClassInfo | None,
        shown: str,
    ) -> Answer:
        """What calling a project function can raise (cached; recursion contributes nothing)."""
        if name in self._summaries:
            return self._summaries[name]
        if name in self._in_progress:
            self._cycle_hit = True
            return NOTHING
        if len(self._in_progress) >= MAX_CALL_DEPTH:
            return Answer(UNKNOWN, reasons=(f"call chain too deep at `{shown}`",))
        outer_cycle = self._cycle_hit
        self._cycle_hit = False
        nested = bool(self._in_progress)
        self._in_progress.append(name)
        try:
            frame = Frame.for_function(module, node, owner)
            # Functions the try body calls are followed fully; deeper ones only when they
            # call nothing unknown themselves (which keeps big projects fast).
            if nested:
                body = self.infer_raised_exceptions(node.body, frame)
            else:
                body = self.block(node.body, frame)
        finally:
            self._in_progress.pop()
        short = name.rsplit(".", 2)[-1] if owner is None else ".".join(name.rsplit(".", 2)[-2:])
        reasons = tuple(
            r if " (via `" in r else f"{r} (via `{short}`)" for r in body.reasons
        )
        if body.status == UNKNOWN and body.raises:
            # We know what it raises itself, not what the code it calls may add.
            answer = Answer(OPEN, body.raises, reasons)
        else:
            answer = Answer(body.status, body.raises, reasons)
        if not self._cycle_hit:
            self._summaries[name] = answer
        self._cycle_hit = self._cycle_hit or outer_cycle
        return answer

    # -- blocks --------------------------------------------------------------------------

    def block(self, body: Sequence[ast.stmt], frame: Frame) -> Answer:
        """``infer_raised_exceptions`` for a list of statements."""
        return combine(self.statement(stmt, frame) for stmt in body)

    def statement(self, stmt: ast.stmt, frame: Frame) -> Answer:
        if isinstance(stmt, _FUNCTION_TYPES):
            exprs = [*stmt.decorator_list, *stmt.args.defaults]
            exprs += [d for d in stmt.args.kw_defaults if d is not None]
            return self.expressions(exprs, frame)
        if isinstance(stmt, ast.ClassDef):
            parts = [self.expressions([*stmt.decorator_list, *stmt.bases], frame)]
            return combine([*parts, self.block(stmt.body, frame)])
        if isinstance(stmt, _TRY_TYPES):
            return self.try_statement(stmt, frame)  # type: ignore[arg-type]
        if isinstance(stmt, ast.Raise):
            return self.raise_statement(stmt, frame)
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                return NOTHING
            return self.operation("import")
        if isinstance(stmt, ast.Assert):
            return combine([self.operation("assert"), self.expressions(_children(stmt), frame)])
        if isinstance(stmt, ast.Assign):
            parts = [self.expression(stmt.value, frame)]
            parts += [self.target(t, frame) for t in stmt.targets]
            return combine(parts)
        if isinstance(stmt, ast.AnnAssign):
            parts = [self.target(stmt.target, frame)]
            if stmt.value is not None:
                parts.append(self.expression(stmt.value, frame))
            return combine(parts)
        if isinstance(stmt, ast.AugAssign):
            parts = [self.expression(stmt.value, frame), self.target(stmt.target, frame)]
            if isinstance(stmt.target, ast.Subscript):
                parts.append(self.subscript(stmt.target, frame))
            parts.append(self.binary_operation(stmt.op, stmt.target, frame))
            return combine(parts)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            parts = [self.expression(stmt.iter, frame)]
            if not _iterates_pairs(stmt):
                parts.append(self.target(stmt.target, frame))
            parts += [self.block(stmt.body, frame), self.block(stmt.orelse, frame)]
            return combine(parts)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            parts = []
            for item in stmt.items:
                parts.append(self.expression(item.context_expr, frame))
                if not isinstance(item.context_expr, ast.Call):
                    parts.append(self.context_manager(item.context_expr, frame))
                if item.optional_vars is not None:
                    parts.append(self.target(item.optional_vars, frame))
            parts.append(self.block(stmt.body, frame))
            return combine(parts)
        if isinstance(stmt, ast.Delete):
            return combine(self.target(t, frame, deleting=True) for t in stmt.targets)
        if isinstance(stmt, ast.Match):
            parts = [self.expression(stmt.subject, frame)]
            for case in stmt.cases:
                if case.guard is not None:
                    parts.append(self.expression(case.guard, frame))
                parts.append(self.block(case.body, frame))
            return combine(parts)
        if isinstance(stmt, (ast.If, ast.While)):
            parts = [self.expression(stmt.test, frame)]
            parts += [self.block(stmt.body, frame), self.block(stmt.orelse, frame)]
            return combine(parts)
        return self.expressions(_children(stmt), frame)

    def try_statement(self, stmt: ast.Try, frame: Frame) -> Answer:
        remaining = self.block(stmt.body, frame)
        parts: list[Answer] = []
        for handler in stmt.handlers:
            caught_names = self.handler_names(handler, frame)
            if caught_names is None:
                # We cannot tell what it catches: assume it catches nothing we know of.
                seen = Answer(UNKNOWN, reasons=(f"handler `{display(handler.type)}`",)) if handler.type else remaining
            elif BROAD & set(caught_names):
                seen, remaining = remaining, NOTHING
            else:
                hit = {r for r in remaining.raises if self.hierarchy.caught_by(r, caught_names)}
                partial = {
                    c for c in caught_names
                    if any(self.hierarchy.is_subclass(c, r) for r in remaining.raises)
                }
                seen = Answer.closed(hit | partial)
                if remaining.status != CLOSED:
                    seen = Answer(OPEN, seen.raises | set(caught_names), remaining.reasons)
                remaining = Answer(remaining.status, remaining.raises - hit, remaining.reasons)
            frame.handlers.append((handler.name, seen))
            try:
                parts.append(self.block(handler.body, frame))
            finally:
                frame.handlers.pop()
        parts += [self.block(stmt.orelse, frame), self.block(stmt.finalbody, frame)]
        return combine([remaining, *parts])

    def handler_names(self, handler: ast.ExceptHandler, frame: Frame) -> list[str] | None:
        """Qualified names a handler catches (``["Exception"]`` for bare), None if unclear."""
        if handler.type is None:
            return ["BaseException"]
        elements = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names = []
        for element in elements:
            qualified = self.qualified(element, frame)
            if qualified is None:
                return None
            names.append(canonical_exception(qualified))
        return names

    def raise_statement(self, stmt: ast.Raise, frame: Frame) -> Answer:
        if stmt.exc is None:
            if frame.handlers:
                return frame.handlers[-1][1]
            return Answer(UNKNOWN, reasons=("bare `raise` outside a handler",))
        parts: list[Answer] = []
        exc = stmt.exc
        if stmt.cause is not None:
            parts.append(self.expression(stmt.cause, frame))
        if isinstance(exc, ast.Name):
            for name, seen in reversed(frame.handlers):
                if name == exc.id:
                    return combine([seen, *parts])
        cls_expr = exc.func if isinstance(exc, ast.Call) else exc
        if isinstance(exc, ast.Call):
            parts.append(self.expressions([*exc.args, *(k.value for k in exc.keywords)], frame))
        qualified = self.qualified(cls_expr, frame)
        if qualified is None:
            parts.append(Answer(UNKNOWN, reasons=(f"raises `{display(cls_expr)}`",)))
        else:
            parts.append(Answer.closed([canonical_exception(qualified)]))
        return combine(parts)

    def context_manager(self, expr: ast.expr, frame: Frame) -> Answer:
        cm_type = self.type_of(expr, frame)
        if cm_type is not None:
            spec = self.kb.lookup(f"{cm_type}.__enter__")
            if spec is not None:
                return self._spec_answer(spec, display(expr))
        return Answer(UNKNOWN, reasons=(f"unknown context manager `{display(expr)}`",))

    def operation(self, name: str) -> Answer:
        spec = self.kb.operation(name)
        if spec is None:
            return Answer(UNKNOWN, reasons=(f"no knowledge of the `{name}` operation",))
        return self._spec_answer(spec, name)

    def target(self, target: ast.expr, frame: Frame, deleting: bool = False) -> Answer:
        """An assignment or ``del`` target: subscripts and unpacking can raise."""
        if isinstance(target, ast.Subscript):
            parts = [self.expression(target.value, frame), self.expression(target.slice, frame)]
            if deleting:
                parts.append(self.subscript(target, frame))
            elif not isinstance(target.slice, ast.Slice):
                receiver = self.type_of(target.value, frame)
                if receiver != "builtins.dict":
                    parts.append(self._typed_operation("subscript-store", receiver))
            return combine(parts)
        if isinstance(target, (ast.Tuple, ast.List)):
            parts = [self.operation("unpacking")] if not deleting else []
            parts += [self.target(t, frame, deleting) for t in target.elts]
            return combine(parts)
        if isinstance(target, ast.Starred):
            return self.target(target.value, frame, deleting)
        if isinstance(target, ast.Attribute):
            return self.expression(target.value, frame)
        return NOTHING

    def _typed_operation(self, name: str, receiver: str | None) -> Answer:
        if receiver is not None:
            spec = self.kb.operation(f"{name}:{receiver}")
            if spec is not None:
                return self._spec_answer(spec, name)
        return self.operation(name)

    def subscript(self, node: ast.Subscript, frame: Frame) -> Answer:
        if isinstance(node.slice, ast.Slice):
            return NOTHING
        return self._typed_operation("subscript", self.type_of(node.value, frame))

    def binary_operation(self, op: ast.operator, left: ast.expr, frame: Frame) -> Answer:
        if isinstance(op, ast.Pow):
            return self.operation("power")
        if isinstance(op, (ast.Div, ast.FloorDiv, ast.Mod)):
            left_type = self.type_of(left, frame)
            if isinstance(op, ast.Mod) and left_type in ("builtins.str", "builtins.bytes"):
                return NOTHING  # %-formatting, not a modulo
            if left_type is not None and left_type.startswith("pathlib."):
                return NOTHING  # path joining
            return self.operation("division")
        return NOTHING

    def expressions(self, exprs: Iterable[ast.expr], frame: Frame) -> Answer:
        return combine(self.expression(e, frame) for e in exprs)

    def expression(self, expr: ast.expr, frame: Frame) -> Answer:
        parts: list[Answer] = []
        for node in _evaluated_nodes(expr):
            if isinstance(node, ast.Call):
                parts.append(self.call_answer(node, frame))
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
                parts.append(self.subscript(node, frame))
            elif isinstance(node, ast.BinOp):
                parts.append(self.binary_operation(node.op, node.left, frame))
        return combine(parts)


def _iterates_pairs(loop: ast.For | ast.AsyncFor) -> bool:
    """``for k, v in x.items():`` unpacks pairs, which cannot fail."""
    target, source = loop.target, loop.iter
    return (
        isinstance(target, ast.Tuple)
        and len(target.elts) == 2
        and not any(isinstance(e, ast.Starred) for e in target.elts)
        and isinstance(source, ast.Call)
        and isinstance(source.func, ast.Attribute)
        and source.func.attr == "items"
        and not source.args
    )


def _children(node: ast.AST) -> list[ast.expr]:
    return [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]


def _evaluated_nodes(expr: ast.expr) -> Iterator[ast.AST]:
    """Nodes of an expression that run when it is evaluated (not lambda bodies)."""
    stack: list[ast.AST] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.Lambda):
            stack.extend(d for d in node.args.defaults)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _looks_like_logger(expr: ast.expr) -> bool:
    """ruff's heuristic: ``logger``, ``log``, ``self.logger``, ``LOGGER``..."""
    name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", None)
    if not isinstance(name, str):
        return False
    return name.startswith(("log", "LOG", "_log", "_LOG")) or name.endswith(
        ("logger", "LOGGER")
    )
