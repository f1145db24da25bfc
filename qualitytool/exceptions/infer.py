"""Infer which exceptions a block of code can raise: ``Inferrer.infer_raised_exceptions``.

The walker gives every statement, call and *implicit operation* an :class:`Answer`:

- calls: the knowledge base's contract (:mod:`qualitytool.exceptions.resolve`), the
  project's own functions (their bodies, transitively; recursion handled), else unknown;
- implicit operations run code too, so none of them is "raises nothing" by default:
  attribute loads and stores, ``await``, ``str()``/``repr()``/``format()``/f-strings,
  comparisons, arithmetic, truth tests, iteration, unpacking, subscripts, context managers'
  ``__enter__``/``__exit__``, and imports (a module's top-level code runs).  On values of a
  known type (:mod:`qualitytool.exceptions.expression_types`) they raise what the language
  or the contract says; on values of unknown type their answer is open, because a property,
  ``__getattr__``, ``__str__`` or ``__eq__`` is arbitrary code.

Exceptions caught inside the block by a nested ``try`` are subtracted, as they never reach
the handler being narrowed.  Everything works on the stdlib ``ast``.
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence

from qualitytool.exceptions.answers import (
    CLOSED,
    NOTHING,
    OPEN,
    UNKNOWN,
    Answer,
    canonical_exception,
    combine,
    display,
)
from qualitytool.exceptions.expression_types import (
    CONTAINERS,
    ClassMembers,
    StubSource,
    TypeInference,
    ValueType,
)
from qualitytool.exceptions.frames import FUNCTION_TYPES, Frame, qualified_name, resolve_name
from qualitytool.exceptions.hierarchy import BROAD, Hierarchy, runtime_class
from qualitytool.exceptions.knowledge import KnowledgeBase, RaiseSpec
from qualitytool.exceptions.project import (
    ClassInfo,
    FunctionNode,
    ModuleInfo,
    ProjectIndex,
    absolute_import,
)
from qualitytool.exceptions.resolve import ContractResolver

__all__ = [
    "CLOSED",
    "NOTHING",
    "OPEN",
    "UNKNOWN",
    "Answer",
    "Frame",
    "Inferrer",
    "combine",
    "contains_yield",
]

# How deep the project raise index follows calls before giving up (keeps runs bounded).
MAX_CALL_DEPTH = 4
_TRY_TYPES: tuple[type[ast.stmt], ...] = (ast.Try,) + (
    (ast.TryStar,) if hasattr(ast, "TryStar") else ()
)
_CONTEXT_DECORATORS = (
    "contextlib.contextmanager", "contextlib.asynccontextmanager",
)
_SEQUENCES = frozenset({"builtins.list", "builtins.tuple", "builtins.str", "builtins.bytes",
                        "builtins.bytearray", "builtins.range"})
_HASHED = frozenset({"builtins.dict", "builtins.set", "builtins.frozenset"})
_ORDERED_DIVISION = (ast.Div, ast.FloorDiv, ast.Mod)


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


def _unknown_type(what: str, expr: ast.expr, hook: str) -> str:
    return f"{what} `{display(expr)}` of unknown type ({hook} may raise anything)"


class Inferrer:
    """Answers for calls, operations and blocks; caches project function summaries."""

    def __init__(
        self, kb: KnowledgeBase, index: ProjectIndex, stubs: StubSource | None = None
    ) -> None:
        self.kb = kb
        self.index = index
        self.contracts = ContractResolver(kb, index)
        self.types = TypeInference(self.contracts, stubs)
        self.stubs = stubs
        self.hierarchy = Hierarchy(self._declared_bases)
        self._summaries: dict[str, Answer] = {}
        self._in_progress: list[str] = []
        self._cycle_hit = False
        self._module_answers: dict[str, Answer] = {}
        self._modules_in_progress: set[str] = set()
        # False during the cheap first pass of ``infer_raised_exceptions``.
        self._follow_project = True

    def _declared_bases(self, name: str) -> tuple[str, ...]:
        spec = self.kb.exceptions.get(name)
        if spec is not None:
            return spec.bases
        return self.index.declared_bases(name)

    # -- names (kept for plan.py) ----------------------------------------------------------

    def qualified(self, expr: ast.expr, frame: Frame) -> str | None:
        return qualified_name(expr, frame)

    def type_of(self, expr: ast.expr | None, frame: Frame) -> str | None:
        found = self.types.type_of(expr, frame)
        return found.name if found is not None and not found.optional else None

    # -- blocks ----------------------------------------------------------------------------

    def infer_raised_exceptions(self, body: Sequence[ast.stmt], frame: Frame) -> Answer:
        """What a block can raise, following calls into the project only when it matters.

        A first pass treats project calls as raising nothing: if the block still calls
        something unknown, following the project cannot change the answer (unknown wins), and
        the unknown calls outside the project are the reasons worth showing.
        """
        if not self._follow_project:
            return self.block(body, frame)
        self._follow_project = False
        try:
            shallow = self.block(body, frame)
        finally:
            self._follow_project = True
        if shallow.status == UNKNOWN:
            return shallow
        return self.block(body, frame)

    def block(self, body: Sequence[ast.stmt], frame: Frame) -> Answer:
        return combine(self.statement(stmt, frame) for stmt in body)

    def statement(self, stmt: ast.stmt, frame: Frame) -> Answer:
        if isinstance(stmt, FUNCTION_TYPES):
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
            return self.import_statement(stmt, frame)
        if isinstance(stmt, ast.Assert):
            parts = [self.operation("assert"), self.expression(stmt.test, frame),
                     self.truth(stmt.test, frame)]
            if stmt.msg is not None:
                parts.append(self.expression(stmt.msg, frame))
            return combine(parts)
        if isinstance(stmt, ast.Assign):
            parts = [self.expression(stmt.value, frame)]
            parts += [self.target(t, frame, stmt.value) for t in stmt.targets]
            return combine(parts)
        if isinstance(stmt, ast.AnnAssign):
            if stmt.value is None:
                return NOTHING
            return combine([self.expression(stmt.value, frame),
                            self.target(stmt.target, frame, stmt.value)])
        if isinstance(stmt, ast.AugAssign):
            parts = [self.expression(stmt.value, frame), self.target(stmt.target, frame)]
            parts.append(self.loaded_target(stmt.target, frame))
            parts.append(self.binary(stmt.op, stmt.target, stmt.value, frame))
            return combine(parts)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            parts = [self.expression(stmt.iter, frame)]
            parts.append(self.iteration(stmt.iter, frame, asynchronous=isinstance(stmt, ast.AsyncFor)))
            if not _iterates_pairs(stmt):
                parts.append(self.target(stmt.target, frame))
            parts += [self.block(stmt.body, frame), self.block(stmt.orelse, frame)]
            return combine(parts)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            parts = []
            for item in stmt.items:
                parts.append(self.expression(item.context_expr, frame))
                parts.append(self.context_manager(
                    item.context_expr, frame, asynchronous=isinstance(stmt, ast.AsyncWith)))
                if item.optional_vars is not None:
                    parts.append(self.target(item.optional_vars, frame))
            parts.append(self.block(stmt.body, frame))
            return combine(parts)
        if isinstance(stmt, ast.Delete):
            return combine(self.target(t, frame, deleting=True) for t in stmt.targets)
        if isinstance(stmt, ast.Match):
            parts = [self.expression(stmt.subject, frame)]
            if any(not isinstance(c.pattern, (ast.MatchAs, ast.MatchValue, ast.MatchSingleton))
                   for c in stmt.cases):
                parts.append(Answer.open((), "a `match` with class or structure patterns runs "
                                             "the subject's special methods"))
            for case in stmt.cases:
                if case.guard is not None:
                    parts.append(self.expression(case.guard, frame))
                    parts.append(self.truth(case.guard, frame))
                parts.append(self.block(case.body, frame))
            return combine(parts)
        if isinstance(stmt, (ast.If, ast.While)):
            parts = [self.expression(stmt.test, frame), self.truth(stmt.test, frame)]
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
                seen = (
                    Answer.unknown(f"handler `{display(handler.type)}`")
                    if handler.type is not None else remaining
                )
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
                remaining = remaining.without(hit)
            frame.handlers.append((handler.name, seen))
            try:
                parts.append(self.block(handler.body, frame))
            finally:
                frame.handlers.pop()
        parts += [self.block(stmt.orelse, frame), self.block(stmt.finalbody, frame)]
        return combine([remaining, *parts])

    def handler_names(self, handler: ast.ExceptHandler, frame: Frame) -> list[str] | None:
        """Qualified names a handler catches (``["BaseException"]`` for bare), None if unclear."""
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
                seen = frame.handlers[-1][1]
                assert isinstance(seen, Answer)
                return seen
            return Answer.unknown("bare `raise` outside a handler")
        parts: list[Answer] = []
        exc = stmt.exc
        if stmt.cause is not None:
            parts.append(self.expression(stmt.cause, frame))
        if isinstance(exc, ast.Name):
            for name, seen in reversed(frame.handlers):
                if name == exc.id:
                    assert isinstance(seen, Answer)
                    return combine([seen, *parts])
            raised = self.types.type_of(exc, frame)
            if raised is not None and not raised.optional and self.hierarchy.is_subclass(
                canonical_exception(raised.name), "BaseException"
            ) and raised.name != "builtins.BaseException":
                return combine([*parts, Answer.closed([canonical_exception(raised.name)])])
        cls_expr = exc.func if isinstance(exc, ast.Call) else exc
        if isinstance(exc, ast.Call):
            parts.append(self.expressions([*exc.args, *(k.value for k in exc.keywords)], frame))
            parts.append(self.constructor_of_raised(cls_expr, frame))
        qualified = self.qualified(cls_expr, frame)
        if qualified is None:
            parts.append(Answer.unknown(f"raises `{display(cls_expr)}`"))
        else:
            parts.append(Answer.closed([canonical_exception(qualified)]))
        return combine(parts)

    def constructor_of_raised(self, cls_expr: ast.expr, frame: Frame) -> Answer:
        """A project exception's ``__init__`` runs before the raise."""
        qualified = self.qualified(cls_expr, frame)
        if qualified is None or not self.index.is_project_name(qualified):
            return NOTHING
        found = self.project_answer(qualified, display(cls_expr))
        return found if found is not None else NOTHING

    # -- imports ---------------------------------------------------------------------------

    def import_statement(self, stmt: ast.Import | ast.ImportFrom, frame: Frame) -> Answer:
        """``ImportError``, and whatever the imported modules' top-level code raises."""
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            return NOTHING
        modules: list[str] = []
        if isinstance(stmt, ast.Import):
            modules = [alias.name for alias in stmt.names]
        else:
            base = ("." * stmt.level) + (stmt.module or "")
            base = absolute_import(base, frame.module.name, frame.module.is_package)
            modules = [base] if base else []
            modules += [f"{base}.{alias.name}" if base else alias.name for alias in stmt.names
                        if alias.name != "*"]
        parts = [self.operation("import")]
        seen: set[str] = set()
        for module in modules:
            parts_of_name = module.split(".")
            for cut in range(1, len(parts_of_name) + 1):
                name = ".".join(parts_of_name[:cut])
                if name in seen:
                    continue
                seen.add(name)
                parts.append(self.module_import(name, is_submodule_guess=cut == len(parts_of_name)
                                                and isinstance(stmt, ast.ImportFrom)
                                                and module != modules[0]))
        return combine(parts)

    def module_import(self, name: str, is_submodule_guess: bool = False) -> Answer:
        top = name.split(".")[0]
        if top in sys.stdlib_module_names:
            return NOTHING
        override = self.kb.operation(f"import:{top}")
        if override is not None:
            return self.spec_answer(override, f"import {name}")
        path = self.index.module_path(name)
        if path is not None:
            return self.module_answer(name)
        if is_submodule_guess:
            return NOTHING  # ``from pkg import name``: a name of pkg, not a module
        if self.index.is_project_name(f"{name}.x"):
            return NOTHING  # a namespace package of the project
        return Answer.open((), f"importing `{name}` runs the library's module-level code, "
                               "which may raise more than ImportError")

    def module_answer(self, name: str) -> Answer:
        """What running a project module's top-level code raises (cached; cycles: nothing)."""
        if name in self._module_answers:
            return self._module_answers[name]
        if name in self._modules_in_progress or not self._follow_project:
            return NOTHING
        info = self.index.module(name)
        if info is None:
            return Answer.open((), f"importing `{name}`: the module cannot be parsed")
        self._modules_in_progress.add(name)
        try:
            body = self.block(info.tree.body, Frame(module=info))
        finally:
            self._modules_in_progress.discard(name)
        answer = _via(body, f"import of `{name}`")
        self._module_answers[name] = answer
        return answer

    # -- calls -----------------------------------------------------------------------------

    def call_answer(self, call: ast.Call, frame: Frame) -> Answer:
        """What a call raises; ``call.func``'s receiver and the arguments are walked apart."""
        func = call.func
        shown = display(func)
        callee = self.types.callee_name(func, frame)
        answer: Answer | None = None
        if callee is not None:
            spec = self.contracts.spec_for(callee)
            if spec is not None:
                answer = self.spec_answer(spec, shown, call, frame)
            else:
                answer = self.project_answer(callee, shown, call, frame)
        if answer is None and isinstance(func, ast.Attribute):
            answer = self._self_method_answer(func, frame, shown)
            if answer is None and _looks_like_logger(func.value):
                spec = self.kb.lookup(f"logging.Logger.{func.attr}")
                if spec is not None:
                    answer = self.spec_answer(spec, shown, call, frame)
        if answer is None and callee is not None and _is_exception_class(callee, self.kb):
            answer = NOTHING  # constructing a builtin, stdlib or library exception
        if answer is None:
            answer = self._unknown_call(callee, shown)
        if isinstance(func, ast.Attribute):
            receiver = self.types.type_of(func.value, frame)
            if receiver is not None and receiver.optional:
                answer = combine([answer, Answer.closed(["AttributeError"])])
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        ):
            answer = combine([answer, self._argument_unpacking(call, frame)])
        return answer

    def _unknown_call(self, callee: str | None, shown: str) -> Answer:
        if callee is not None and "." in callee and not callee.startswith("builtins."):
            owner = callee.rpartition(".")[0]
            known_owner = self.kb.lookup(owner) is not None or self.kb.class_entry(owner)
            if known_owner or owner.startswith("builtins") or self.index.is_project_name(owner):
                return Answer.unknown(f"unknown call `{shown}` (on a `{owner}`)")
        return Answer.unknown(f"unknown call `{shown}`")

    def _argument_unpacking(self, call: ast.Call, frame: Frame) -> Answer:
        parts = []
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                parts.append(self.iteration(arg.value, frame))
        for keyword in call.keywords:
            if keyword.arg is None:
                kind = self.types.type_of(keyword.value, frame)
                if kind is None or kind.name != "builtins.dict" or kind.optional:
                    parts.append(Answer.open(["TypeError"], _unknown_type(
                        "unpacks", keyword.value, "its `keys`/`__getitem__`")))
        return combine(parts)

    def spec_answer(
        self, spec: RaiseSpec, shown: str, call: ast.Call | None = None,
        frame: Frame | None = None,
    ) -> Answer:
        names = {canonical_exception(n) for n in spec.raises}
        if not spec.closed:
            return Answer(OPEN, frozenset(names), (f"`{shown}` may raise more than it documents",))
        if spec.dispatch and call is not None and frame is not None:
            weak = self._dispatching_argument(spec.dispatch, call, frame)
            if weak is not None:
                return Answer.open(names, f"`{shown}` runs special methods of "
                                          f"`{display(weak)}`, whose type is unknown")
        return Answer(CLOSED, frozenset(names))

    def _dispatching_argument(self, level: str, call: ast.Call, frame: Frame) -> ast.expr | None:
        """The first argument whose special methods may be user code, for a builtin that calls
        them (``str(x)``, ``sorted(xs)``, ``"".join(parts)``)."""
        arguments = [*call.args, *(k.value for k in call.keywords)]
        for argument in arguments:
            value = argument.value if isinstance(argument, ast.Starred) else argument
            kind = self.types.type_of(value, frame)
            if kind is None or isinstance(argument, ast.Starred):
                return value
            if level == "scalars" and not kind.is_scalar:
                return value
            if level == "builtins" and not (kind.is_builtin or kind.name in CONTAINERS):
                return value
        return None

    def project_answer(
        self, qualified: str, shown: str, call: ast.Call | None = None,
        frame: Frame | None = None,
    ) -> Answer | None:
        """A project function's or class's answer; with the call site, its summary knows the
        types of the arguments passed."""
        if not self._follow_project:
            return NOTHING if self.index.is_project_name(qualified) else None
        found = self.index.lookup(qualified)
        if found is None:
            return None
        name, node, module, owner = found
        if isinstance(node, ClassInfo):
            return self.constructor_answer(node, shown, call, frame)
        if owner is not None and _is_hook(node):
            return Answer.unknown(f"`{shown}` is a hook for subclasses to override")
        arguments = None
        if call is not None and frame is not None:
            decorators = {getattr(d, "id", None) for d in node.decorator_list}
            through_instance = self.qualified(call.func, frame) is None
            skip_first = owner is not None and "staticmethod" not in decorators and (
                through_instance or "classmethod" in decorators)
            arguments = self.types.argument_types(node, call, frame, skip_first)
        return self.summary(name, node, module, owner, shown, arguments)

    def constructor_answer(
        self, cls: ClassInfo, shown: str, call: ast.Call | None = None,
        frame: Frame | None = None,
    ) -> Answer:
        parts = []
        for method in ("__new__", "__init__", "__post_init__"):
            found = self.index.find_method(cls, method)
            if found is not None:
                owner, node = found
                arguments = None
                if call is not None and frame is not None and method != "__post_init__":
                    arguments = self.types.argument_types(node, call, frame, skip_first=True)
                parts.append(self.summary(
                    f"{owner.qualname}.{method}", node, owner.module, owner, shown, arguments))
        if self.index.find_method(cls, "__init__") is None:
            library = self.contracts.library_constructor(cls)
            if library is not None:
                parts.append(self.spec_answer(library, shown))
            elif self.index.has_foreign_bases(cls):
                parts.append(Answer.unknown(f"unknown call `{shown}` (a class with outside bases)"))
        return combine(parts)

    def summary(
        self, name: str, node: FunctionNode, module: ModuleInfo, owner: ClassInfo | None,
        shown: str, arguments: Mapping[str, ValueType] | None = None,
    ) -> Answer:
        """What calling a project function can raise (cached per function and argument
        types; recursion contributes nothing)."""
        if not self._follow_project:
            return NOTHING  # the cheap first pass: project code counts as raising nothing
        key = name
        if arguments:
            key += repr(sorted((k, v.name, v.optional) for k, v in arguments.items()))
        if key in self._summaries:
            return self._summaries[key]
        if name in self._in_progress:
            self._cycle_hit = True
            return NOTHING
        if len(self._in_progress) >= MAX_CALL_DEPTH:
            self._cycle_hit = True  # what the callers find depends on where they started
            return Answer.unknown(f"call chain too deep at `{shown}`")
        outer_cycle = self._cycle_hit
        self._cycle_hit = False
        self._in_progress.append(name)
        try:
            frame = Frame.for_function(module, node, owner, arguments=arguments)
            # A function that calls something unknown outside the project is unknown, whatever
            # the project code it calls does (which keeps big projects fast).
            body = self.infer_raised_exceptions(node.body, frame)
            body = combine([body, self._decorators(node, frame)])
        finally:
            self._in_progress.pop()
        short = name.rsplit(".", 2)[-1] if owner is None else ".".join(name.rsplit(".", 2)[-2:])
        answer = _via(body, short)
        if not self._cycle_hit:
            self._summaries[key] = answer
        self._cycle_hit = self._cycle_hit or outer_cycle
        return answer

    def _decorators(self, node: FunctionNode, frame: Frame) -> Answer:
        """A decorator may wrap the function in code of its own."""
        parts = []
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            qualified = self.qualified(target, frame)
            if qualified is None:
                if isinstance(target, ast.Attribute) and target.attr in ("setter", "deleter"):
                    continue
                parts.append(Answer.unknown(f"decorator `{display(target)}`"))
                continue
            if qualified in _TRANSPARENT_DECORATORS or qualified in _CONTEXT_DECORATORS:
                continue
            spec = self.kb.lookup(qualified)
            if spec is not None and spec.closed and not spec.raises:
                continue
            if self.index.is_project_name(qualified):
                continue  # a project decorator: its wrapper is usually transparent
            parts.append(Answer.open((), f"decorator `{display(target)}` wraps the call"))
        return combine(parts)

    def _self_method_answer(self, func: ast.Attribute, frame: Frame, shown: str) -> Answer | None:
        value = func.value
        if frame.cls is None:
            return None
        is_super = (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "super"
        )
        if not self._follow_project and is_super:
            return NOTHING
        if is_super:
            for owner in self.index.mro(frame.cls)[1:]:
                method = self.index.find_method(owner, func.attr)
                if method is not None:
                    found_owner, node = method
                    return self.summary(
                        f"{found_owner.qualname}.{func.attr}", node, found_owner.module,
                        found_owner, shown,
                    )
            inherited = self.contracts.inherited(frame.cls, func.attr)
            if inherited is not None:
                return self.spec_answer(inherited, shown)
            if not self.index.has_foreign_bases(frame.cls):
                return NOTHING  # object.__init__ and friends
        return None

    # -- implicit operations ---------------------------------------------------------------

    def operation(self, name: str) -> Answer:
        spec = self.kb.operation(name)
        if spec is None:
            return Answer.unknown(f"no knowledge of the `{name}` operation")
        return self.spec_answer(spec, name)

    def special_method(self, kind: ValueType, method: str, shown: str) -> Answer | None:
        """What ``kind.method`` raises when it is a project method or has a contract."""
        spec = self.contracts.spec_for(f"{kind.name}.{method}")
        if spec is not None:
            return self.spec_answer(spec, shown)
        cls = self.project_class(kind)
        if cls is not None:
            found = self.index.find_method(cls, method)
            if found is not None:
                owner, node = found
                return self.summary(f"{owner.qualname}.{method}", node, owner.module, owner, shown)
        return None

    def project_class(self, kind: ValueType) -> ClassInfo | None:
        if not self.index.is_project_name(kind.name):
            return None
        return self.index.class_info(kind.name)

    def _user_hook(self, kind: ValueType, methods: Sequence[str], expr: ast.expr,
                   what: str) -> Answer:
        """A special method of a known non-builtin type: its contract, the project's code,
        or (a library or stdlib type without a contract for it) nothing documented."""
        parts = []
        cls = self.project_class(kind)
        for method in methods:
            found = self.special_method(kind, method, display(expr))
            if found is not None:
                parts.append(found)
        if cls is not None and not parts and self._members(cls).foreign_bases:
            hooks = "/".join(f"`{m}`" for m in methods)
            return Answer.open((), f"{what} `{display(expr)}`: a `{kind.name}` inherits {hooks} "
                                   "from a library class")
        return combine(parts)

    def _members(self, cls: ClassInfo) -> ClassMembers:
        return self.types.members(cls)

    def truth(self, test: ast.expr, frame: Frame) -> Answer:
        """Truth testing runs ``__bool__``/``__len__``."""
        if isinstance(test, ast.BoolOp):
            return combine(self.truth(v, frame) for v in test.values)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.truth(test.operand, frame)
        if isinstance(test, (ast.Compare, ast.Constant)):
            return NOTHING
        kind = self.types.type_of(test, frame)
        if kind is None:
            return Answer.open((), _unknown_type("truth value of", test, "`__bool__`/`__len__`"))
        if kind.is_builtin:
            return NOTHING
        return self._user_hook(kind.required(), ("__bool__", "__len__"), test, "truth value of")

    def attribute(self, node: ast.Attribute, frame: Frame) -> Answer:
        """Reading ``x.attr``."""
        static = self.qualified(node, frame)
        if static is not None:
            return self.static_reference(static, node)
        receiver = self.types.type_of(node.value, frame)
        if receiver is None:
            if isinstance(node.value, ast.Name) and node.value.id == frame.cls_name:
                return NOTHING  # ``cls.attr`` in a classmethod
            return Answer.open(["AttributeError"], _unknown_type(
                "attribute of", node, "a property or `__getattr__`"))
        parts = [Answer.closed(["AttributeError"])] if receiver.optional else []
        parts.append(self.attribute_of(receiver.required(), node.attr, node))
        return combine(parts)

    def attribute_of(self, kind: ValueType, attr: str, node: ast.expr) -> Answer:
        """Reading ``attr`` on an instance of a known type."""
        cls = self.project_class(kind)
        if cls is not None:
            members = self._members(cls)
            if attr in members.properties:
                owner, getter = members.properties[attr]
                return self.summary(f"{owner.qualname}.{attr}", getter, owner.module, owner,
                                    display(node))
            if attr in members.methods or attr in members.initialised:
                return NOTHING
            if members.defines(attr):
                return Answer.closed(["AttributeError"])  # set only by some methods
            if members.foreign_bases or members.has_getattr:
                return Answer.open(["AttributeError"], f"attribute `{display(node)}`: not defined "
                                   f"by the project class `{kind.name}` (a base or "
                                   "`__getattr__` may define it)")
            return Answer.closed(["AttributeError"])
        if kind.is_builtin:
            builtin = _BUILTIN_CLASSES.get(kind.name)
            if builtin is None:
                return Answer.open(["AttributeError"], f"attribute `{display(node)}`")
            return NOTHING if hasattr(builtin, attr) else Answer.closed(["AttributeError"])
        entry = self.kb.class_entry(kind.name)
        if entry is not None and (attr in entry.attributes or attr in entry.methods):
            return NOTHING
        if self.kb.lookup(f"{kind.name}.{attr}") is not None:
            return NOTHING  # a method with a contract
        if self.stubs is not None:
            exists = self.stubs.has_attribute(kind.name, attr)
            if exists is True:
                return NOTHING
            if exists is False:
                return Answer.closed(["AttributeError"])
        return Answer.open(["AttributeError"], f"attribute `{display(node)}` of a "
                                                f"`{kind.name}` (no contract for it)")

    def static_reference(self, qualified: str, node: ast.expr) -> Answer:
        """``mod.name`` or ``Class.attr`` reached through imports."""
        top = qualified.split(".")[0]
        if top in sys.stdlib_module_names:
            return NOTHING if _stdlib_has(qualified) else Answer.open(
                ["AttributeError"], f"`{display(node)}` is not in the standard library here")
        if self.index.is_project_name(qualified) or self.index.module_path(top) is not None:
            return self._project_reference(qualified, node)
        if (
            self.kb.lookup(qualified) is not None
            or self.kb.class_entry(qualified) is not None
            or qualified in self.kb.exceptions
        ):
            return NOTHING
        if self.stubs is not None and self.stubs.kind(qualified) is not None:
            return NOTHING
        return Answer.open(["AttributeError"], f"attribute `{display(node)}` of a library object "
                                               "(no contract for it)")

    def _project_reference(self, qualified: str, node: ast.expr) -> Answer:
        if self.index.module_path(qualified) is not None:
            return NOTHING
        split = self.index.split(qualified)
        if split is None:
            return Answer.open(["AttributeError"], f"`{display(node)}`: cannot find its module")
        info, rest = split
        if rest[0] not in info.bindings and self.index.module_path(f"{info.name}.{rest[0]}") is None:
            return Answer.closed(["AttributeError"])
        if len(rest) == 1 or self.index.lookup(qualified) is not None:
            return NOTHING
        cls = self.index.class_info(f"{info.name}.{rest[0]}")
        if cls is not None and len(rest) == 2:
            members = self._members(cls)
            if rest[1] in members.methods or rest[1] in members.initialised:
                return NOTHING
        target = info.bindings.get(rest[0])
        if target is not None and target != f"{info.name}.{rest[0]}":
            return self.static_reference(".".join([target, *rest[1:]]), node)
        return Answer.open(["AttributeError"], f"attribute `{display(node)}` of a module-level "
                                               "object")

    def attribute_store(self, node: ast.Attribute, frame: Frame, deleting: bool = False) -> Answer:
        receiver = self.types.type_of(node.value, frame)
        if receiver is None:
            if self.qualified(node.value, frame) is not None:
                return NOTHING  # setting a module attribute
            return Answer.open(["AttributeError"], _unknown_type(
                "sets an attribute of", node.value, "a property setter or `__setattr__`"))
        parts = [Answer.closed(["AttributeError"])] if receiver.optional else []
        kind = receiver.required()
        cls = self.project_class(kind)
        if cls is not None:
            members = self._members(cls)
            hooks = ["__delattr__"] if deleting else ["__setattr__"]
            found = self._user_hook(kind, hooks, node, "sets") if (
                hooks[0] in members.methods or members.foreign_bases) else NOTHING
            parts.append(found)
            if node.attr in members.properties:
                parts.append(Answer.open(["AttributeError"], f"`{display(node)}` is a property"))
            elif deleting:
                parts.append(Answer.closed(["AttributeError"]))
            return combine(parts)
        if kind.is_builtin:
            return combine([*parts, Answer.closed(["AttributeError"])])
        if self.stubs is not None and self.stubs.has_attribute(kind.name, node.attr) and not deleting:
            return combine(parts)
        parts.append(Answer.open(["AttributeError"], f"sets `{display(node)}` on a `{kind.name}` "
                                                     "(no contract for it)"))
        return combine(parts)

    def target(
        self, target: ast.expr, frame: Frame, value: ast.expr | None = None,
        deleting: bool = False,
    ) -> Answer:
        """An assignment or ``del`` target: subscripts, attributes and unpacking can raise."""
        if isinstance(target, ast.Subscript):
            parts = [self.expression(target.value, frame), self.expression(target.slice, frame)]
            parts.append(self.subscript(target, frame, store=not deleting, deleting=deleting))
            return combine(parts)
        if isinstance(target, (ast.Tuple, ast.List)):
            parts = [] if deleting else [self.unpacking(target, value, frame)]
            parts += [self.target(t, frame, deleting=deleting) for t in target.elts]
            return combine(parts)
        if isinstance(target, ast.Starred):
            return self.target(target.value, frame, deleting=deleting)
        if isinstance(target, ast.Attribute):
            return combine([self.expression(target.value, frame),
                            self.attribute_store(target, frame, deleting)])
        if isinstance(target, ast.Name) and deleting:
            return Answer.closed(["NameError"]) if _maybe_unbound(target.id, frame) else NOTHING
        return NOTHING

    def loaded_target(self, target: ast.expr, frame: Frame) -> Answer:
        """``x += 1`` reads ``x`` first."""
        if isinstance(target, ast.Subscript):
            return self.subscript(target, frame)
        if isinstance(target, ast.Attribute):
            return self.attribute(target, frame)
        return NOTHING

    def unpacking(self, target: ast.Tuple | ast.List, value: ast.expr | None, frame: Frame) -> Answer:
        starred = any(isinstance(e, ast.Starred) for e in target.elts)
        if isinstance(value, (ast.Tuple, ast.List)) and not any(
            isinstance(e, ast.Starred) for e in value.elts
        ) and (starred or len(value.elts) == len(target.elts)):
            return NOTHING
        parts = [self.operation("unpacking")]
        if value is not None:
            parts.append(self.iteration(value, frame))
        else:
            parts.append(Answer.open(["TypeError"], "unpacks a value of unknown type"))
        return combine(parts)

    def iteration(self, iterable: ast.expr, frame: Frame, asynchronous: bool = False) -> Answer:
        """``for x in iterable`` runs ``__iter__``/``__next__``."""
        if isinstance(iterable, ast.Call) and self._is_project_generator(iterable, frame):
            return NOTHING  # the call's answer is the generator body's
        kind = self.types.type_of(iterable, frame)
        if kind is None:
            hooks = "`__aiter__`/`__anext__`" if asynchronous else "`__iter__`/`__next__`"
            return Answer.open(["TypeError"], _unknown_type("iterates", iterable, hooks))
        parts = [Answer.closed(["TypeError"])] if kind.optional else []
        kind = kind.required()
        if kind.is_builtin:
            if kind.is_scalar and kind.name not in ("builtins.str", "builtins.bytes"):
                parts.append(Answer.closed(["TypeError"]))
            return combine(parts)
        methods = ("__aiter__", "__anext__") if asynchronous else ("__iter__", "__next__")
        found = [self.special_method(kind, m, display(iterable)) for m in methods]
        known = [f for f in found if f is not None]
        if known:
            return combine([*parts, *known])
        if self.project_class(kind) is not None and not self._members(
            self.project_class(kind)  # type: ignore[arg-type]
        ).foreign_bases:
            return combine([*parts, Answer.closed(["TypeError"])])
        parts.append(Answer.unknown(f"iterates `{display(iterable)}`, a `{kind.name}`: "
                                    f"no contract for `{kind.name}.{methods[0]}`"))
        return combine(parts)

    def _is_project_generator(self, call: ast.Call, frame: Frame) -> bool:
        callee = self.types.callee_name(call.func, frame)
        if callee is None or not self.index.is_project_name(callee):
            return False
        found = self.index.lookup(callee)
        return found is not None and not isinstance(found[1], ClassInfo) and contains_yield(
            found[1].body)

    def context_manager(self, expr: ast.expr, frame: Frame, asynchronous: bool = False) -> Answer:
        """``with expr``: its ``__enter__`` and ``__exit__`` (``__aenter__``/``__aexit__``)."""
        if isinstance(expr, ast.Call) and self._is_context_function(expr, frame):
            return NOTHING  # @contextmanager: the call's answer is the generator body's
        kind = self.types.type_of(expr, frame)
        methods = ("__aenter__", "__aexit__") if asynchronous else ("__enter__", "__exit__")
        if kind is None:
            return Answer.open((), _unknown_type(
                "context manager", expr, f"`{methods[0]}`/`{methods[1]}`"))
        parts = [Answer.closed(["AttributeError"])] if kind.optional else []
        kind = kind.required()
        found = [self.special_method(kind, m, display(expr)) for m in methods]
        if all(f is not None for f in found):
            return combine([*parts, *(f for f in found if f is not None)])
        cls = self.project_class(kind)
        if cls is not None and not self._members(cls).foreign_bases:
            return combine([*parts, *(f for f in found if f is not None)])
        missing = [f"{kind.name}.{m}" for m, f in zip(methods, found) if f is None]
        parts.append(Answer.unknown(f"context manager `{display(expr)}`: no contract for "
                                    f"`{'`/`'.join(missing)}`"))
        return combine(parts)

    def _is_context_function(self, call: ast.Call, frame: Frame) -> bool:
        callee = self.types.callee_name(call.func, frame)
        if callee is None or not self.index.is_project_name(callee):
            return False
        found = self.index.lookup(callee)
        if found is None:
            return False
        _name, node, module, _owner = found
        if isinstance(node, ClassInfo):
            return False
        decorator_frame = Frame(module=module)
        return any(
            self.qualified(d.func if isinstance(d, ast.Call) else d, decorator_frame)
            in _CONTEXT_DECORATORS
            for d in node.decorator_list
        )

    def subscript(
        self, node: ast.Subscript, frame: Frame, store: bool = False, deleting: bool = False
    ) -> Answer:
        kind = self.types.type_of(node.value, frame)
        method = "__delitem__" if deleting else "__setitem__" if store else "__getitem__"
        if kind is None:
            if isinstance(node.slice, ast.Slice):
                return Answer.open(["TypeError"], _unknown_type("slices", node.value, f"`{method}`"))
            name = "subscript-store" if store else "subscript"
            answer = self.operation(name)
            return answer.weakened(_unknown_type("subscript of", node.value, f"`{method}`"))
        parts = [Answer.closed(["TypeError"])] if kind.optional else []
        kind = kind.required()
        index_type = self.types.type_of(node.slice, frame)
        if kind.is_builtin:
            if isinstance(node.slice, ast.Slice):
                return combine(parts)
            if kind.name in _HASHED:
                if kind.name != "builtins.dict":
                    return combine([*parts, Answer.closed(["TypeError"])])  # sets
                if store and not deleting:
                    lookup = NOTHING
                else:
                    lookup = self._typed_operation("subscript", kind.name)
                if index_type is None or not (index_type.is_scalar or index_type.name == "builtins.tuple"):
                    lookup = combine([lookup, Answer.open(["TypeError"], _unknown_type(
                        "dictionary key", node.slice, "its `__hash__`/`__eq__`"))])
                return combine([*parts, lookup])
            if kind.name in _SEQUENCES:
                name = "subscript-store" if store or deleting else "subscript"
                lookup = self._typed_operation(name, kind.name)
                if index_type is None:
                    lookup = combine([lookup, Answer.open(["TypeError"], _unknown_type(
                        "index", node.slice, "its `__index__`"))])
                elif index_type.name not in ("builtins.int", "builtins.bool"):
                    lookup = combine([lookup, Answer.closed(["TypeError"])])
                return combine([*parts, lookup])
            return combine([*parts, Answer.closed(["TypeError"])])
        found = self.special_method(kind, method, display(node.value))
        if found is not None:
            return combine([*parts, found])
        parts.append(Answer.unknown(f"subscript of `{display(node.value)}`: no contract for "
                                    f"`{kind.name}.{method}`"))
        return combine(parts)

    def _typed_operation(self, name: str, receiver: str | None) -> Answer:
        if receiver is not None:
            spec = self.kb.operation(f"{name}:{receiver}")
            if spec is not None:
                return self.spec_answer(spec, name)
        return self.operation(name)

    def binary(self, op: ast.operator, left: ast.expr, right: ast.expr, frame: Frame) -> Answer:
        """Arithmetic: on numbers, what the language raises; otherwise user code may run."""
        left_type = self.types.type_of(left, frame)
        right_type = self.types.type_of(right, frame)
        if left_type is not None and not left_type.optional:
            if isinstance(op, ast.Mod) and left_type.name in ("builtins.str", "builtins.bytes"):
                return self._percent_format(right, right_type, frame)
            if isinstance(op, ast.Div) and left_type.name.startswith("pathlib."):
                if right_type is not None and (
                    right_type.name == "builtins.str" or right_type.name.startswith("pathlib.")
                ):
                    return NOTHING
                return Answer.open(["TypeError"], _unknown_type("joins a path with", right,
                                                                "`__fspath__`"))
        if left_type is None or right_type is None or left_type.optional or right_type.optional:
            unknown = left if left_type is None or left_type.optional else right
            return combine([self._numeric(op), Answer.open(["TypeError"], _unknown_type(
                "operand", unknown, "its arithmetic special methods"))])
        if left_type.is_number and right_type.is_number:
            return self._numeric(op)
        if left_type.is_builtin and right_type.is_builtin:
            same = left_type == right_type
            if isinstance(op, ast.Add) and same and left_type.name in _SEQUENCES:
                return NOTHING
            if isinstance(op, ast.Mult) and {left_type.name, right_type.name} & _SEQUENCES and (
                "builtins.int" in (left_type.name, right_type.name)
            ):
                return NOTHING
            if isinstance(op, (ast.BitOr, ast.BitAnd, ast.Sub, ast.BitXor)) and same and (
                left_type.name in _HASHED
            ):
                return NOTHING
            return Answer.closed(["TypeError"])
        kind = left_type
        methods = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__",
                   ast.Div: "__truediv__", ast.FloorDiv: "__floordiv__", ast.Mod: "__mod__",
                   ast.Pow: "__pow__", ast.MatMult: "__matmul__", ast.LShift: "__lshift__",
                   ast.RShift: "__rshift__", ast.BitOr: "__or__", ast.BitAnd: "__and__",
                   ast.BitXor: "__xor__"}
        method = methods.get(type(op), "__add__")
        found = self.special_method(kind, method, display(left))
        if found is not None:
            return found
        return Answer.unknown(f"operator on `{display(left)}`: no contract for "
                              f"`{kind.name}.{method}`")

    def _numeric(self, op: ast.operator) -> Answer:
        if isinstance(op, ast.Pow):
            return self.operation("power")
        if isinstance(op, _ORDERED_DIVISION):
            return self.operation("division")
        if isinstance(op, (ast.LShift, ast.RShift)):
            return Answer.closed(["ValueError", "OverflowError"])
        return NOTHING

    def _percent_format(self, right: ast.expr, right_type: ValueType | None, frame: Frame) -> Answer:
        """``"%s" % args``: bad formats raise TypeError/ValueError; args' ``__str__`` runs."""
        values = right.elts if isinstance(right, ast.Tuple) else [right]
        for value in values:
            kind = self.types.type_of(value, frame)
            if kind is None or not (kind.is_scalar or (kind.name == "builtins.dict" and value is right)):
                return Answer.open(["TypeError", "ValueError"], _unknown_type(
                    "formats", value, "its `__str__`/`__format__`"))
        return Answer.closed(["TypeError", "ValueError"])

    def compare(self, node: ast.Compare, frame: Frame) -> Answer:
        parts = []
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            parts.append(self._comparison(op, left, right, frame))
            left = right
        return combine(parts)

    def _comparison(self, op: ast.cmpop, left: ast.expr, right: ast.expr, frame: Frame) -> Answer:
        if isinstance(op, (ast.Is, ast.IsNot)):
            return NOTHING
        left_type = self.types.type_of(left, frame)
        right_type = self.types.type_of(right, frame)
        if isinstance(op, (ast.In, ast.NotIn)):
            return self._membership(left, left_type, right, right_type)
        for value, kind in ((left, left_type), (right, right_type)):
            if kind is None:
                hook = "`__eq__`" if isinstance(op, (ast.Eq, ast.NotEq)) else "its ordering methods"
                names = [] if isinstance(op, (ast.Eq, ast.NotEq)) else ["TypeError"]
                return Answer.open(names, _unknown_type("compares", value, hook))
        assert left_type is not None and right_type is not None
        if isinstance(op, (ast.Eq, ast.NotEq)):
            if (left_type.is_scalar or left_type.optional) and (
                right_type.is_scalar or right_type.optional
            ):
                return NOTHING
            if left_type.is_builtin and right_type.is_builtin:
                return Answer.open((), f"compares containers `{display(left)}` and "
                                       f"`{display(right)}` (their elements' `__eq__` runs)")
            kind, value = (left_type, left) if not left_type.is_builtin else (right_type, right)
            return self._user_hook(kind.required(), ("__eq__",), value, "compares")
        if left_type.optional or right_type.optional:
            return Answer.closed(["TypeError"])
        if left_type.is_number and right_type.is_number:
            return NOTHING
        if left_type == right_type and left_type.name in ("builtins.str", "builtins.bytes"):
            return NOTHING
        if left_type.is_builtin and right_type.is_builtin:
            return Answer.closed(["TypeError"]) if (left_type.is_scalar and right_type.is_scalar) \
                else Answer.open(["TypeError"], f"orders containers `{display(left)}`")
        kind, value = (left_type, left) if not left_type.is_builtin else (right_type, right)
        return combine([Answer.closed(["TypeError"]),
                        self._user_hook(kind, ("__lt__",), value, "orders")])

    def _membership(self, left: ast.expr, left_type: ValueType | None, right: ast.expr,
                    right_type: ValueType | None) -> Answer:
        if right_type is None:
            return Answer.open(["TypeError"], _unknown_type("membership test in", right,
                                                            "`__contains__`"))
        parts = [Answer.closed(["TypeError"])] if right_type.optional else []
        container = right_type.required()
        if container.name in ("builtins.str", "builtins.bytes"):
            if left_type is None or left_type != container:
                parts.append(Answer.closed(["TypeError"]))
            return combine(parts)
        if container.is_builtin:
            if left_type is not None and left_type.is_scalar:
                if container.name in _HASHED or isinstance(right, (ast.Tuple, ast.List, ast.Set)):
                    return combine(parts)
                return combine([*parts, Answer.open((), f"membership test in `{display(right)}` "
                                                        "runs its elements' `__eq__`")])
            return combine([*parts, Answer.open(["TypeError"], _unknown_type(
                "membership test of", left, "`__hash__`/`__eq__`"))])
        found = self.special_method(container, "__contains__", display(right))
        if found is not None:
            return combine([*parts, found])
        parts.append(Answer.unknown(f"membership test in `{display(right)}`: no contract for "
                                    f"`{container.name}.__contains__`"))
        return combine(parts)

    def formatted(self, node: ast.FormattedValue, frame: Frame) -> Answer:
        """``f"{x}"`` runs ``format(x, spec)`` (``__format__``/``__str__``/``__repr__``)."""
        kind = self.types.type_of(node.value, frame)
        spec = [Answer.closed(["ValueError"])] if node.format_spec is not None else []
        if kind is not None and (kind.is_scalar or (kind.optional and kind.required().is_scalar)):
            return combine(spec)
        if kind is None:
            return Answer.open([a for s in spec for a in s.raises], _unknown_type(
                "formats", node.value, "its `__format__`/`__str__`"))
        if kind.is_builtin:
            return Answer.open((), f"formats the container `{display(node.value)}` (its "
                                   "elements' `__repr__` runs)")
        hooks = ("__format__", "__str__", "__repr__") if node.conversion != ord("r") else ("__repr__",)
        return combine([*spec, self._user_hook(kind.required(), hooks, node.value, "formats")])

    def unary(self, node: ast.UnaryOp, frame: Frame) -> Answer:
        if isinstance(node.op, ast.Not):
            return self.truth(node.operand, frame)
        kind = self.types.type_of(node.operand, frame)
        if kind is not None and kind.is_number and not kind.optional:
            return NOTHING
        if kind is None or kind.optional:
            return Answer.open(["TypeError"], _unknown_type("operand", node.operand,
                                                            "its unary special methods"))
        if kind.is_builtin:
            return Answer.closed(["TypeError"])
        method = {ast.USub: "__neg__", ast.UAdd: "__pos__", ast.Invert: "__invert__"}[type(node.op)]
        found = self.special_method(kind, method, display(node.operand))
        return found if found is not None else Answer.open(["TypeError"], f"`{method}` of a "
                                                                          f"`{kind.name}`")

    def await_answer(self, node: ast.Await, frame: Frame) -> Answer:
        """``await call(...)``: the call's answer covers the coroutine; anything else is
        a future or task whose result may be any exception."""
        if isinstance(node.value, ast.Call):
            return NOTHING
        return Answer.unknown(f"awaits `{display(node.value)}` (it raises whatever the awaited "
                              "task raised)")

    def name_load(self, node: ast.Name, frame: Frame) -> Answer:
        return Answer.closed(["NameError"]) if _maybe_unbound(node.id, frame) else NOTHING

    def expressions(self, exprs: Iterable[ast.expr], frame: Frame) -> Answer:
        return combine(self.expression(e, frame) for e in exprs)

    def expression(self, expr: ast.expr, frame: Frame) -> Answer:
        parts: list[Answer] = []
        for node in _evaluated_nodes(expr):
            if isinstance(node, ast.Call):
                parts.append(self.call_answer(node, frame))
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                parts.append(self.attribute(node, frame))
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
                parts.append(self.subscript(node, frame))
            elif isinstance(node, ast.BinOp):
                parts.append(self.binary(node.op, node.left, node.right, frame))
            elif isinstance(node, ast.UnaryOp):
                parts.append(self.unary(node, frame))
            elif isinstance(node, ast.BoolOp):
                parts.extend(self.truth(v, frame) for v in node.values[:-1])
            elif isinstance(node, ast.IfExp):
                parts.append(self.truth(node.test, frame))
            elif isinstance(node, ast.Compare):
                parts.append(self.compare(node, frame))
            elif isinstance(node, ast.FormattedValue):
                parts.append(self.formatted(node, frame))
            elif isinstance(node, ast.Await):
                parts.append(self.await_answer(node, frame))
            elif isinstance(node, ast.comprehension):
                parts.append(self.iteration(node.iter, frame, asynchronous=bool(node.is_async)))
                parts.extend(self.truth(test, frame) for test in node.ifs)
                if isinstance(node.target, (ast.Tuple, ast.List)):
                    parts.append(self.operation("unpacking"))
            elif isinstance(node, (ast.Set, ast.Dict)):
                parts.append(self._hashed_display(node, frame))
            elif isinstance(node, ast.Starred) and isinstance(node.ctx, ast.Load):
                parts.append(self.iteration(node.value, frame))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                parts.append(self.name_load(node, frame))
            elif isinstance(node, (ast.Yield, ast.YieldFrom)):
                parts.append(Answer.unknown("yields (anything may be thrown in)"))
        return combine(parts)

    def _hashed_display(self, node: ast.Set | ast.Dict, frame: Frame) -> Answer:
        keys = node.elts if isinstance(node, ast.Set) else [k for k in node.keys if k is not None]
        for key in keys:
            kind = self.types.type_of(key, frame)
            if kind is None or not (kind.is_scalar or kind.name == "builtins.tuple"):
                return Answer.open(["TypeError"], _unknown_type("hashes", key, "`__hash__`"))
        if isinstance(node, ast.Dict) and any(k is None for k in node.keys):
            unpacked = [v for k, v in zip(node.keys, node.values) if k is None]
            for value in unpacked:
                kind = self.types.type_of(value, frame)
                if kind is None or kind.name != "builtins.dict" or kind.optional:
                    return Answer.open(["TypeError"], _unknown_type("unpacks", value, "`keys`"))
        return NOTHING


_BUILTIN_CLASSES: dict[str, type] = {
    f"builtins.{name}": cls for name, cls in vars(builtins).items() if isinstance(cls, type)
}
_BUILTIN_CLASSES.update({
    "builtins.NoneType": type(None), "builtins.dict_keys": type({}.keys()),
    "builtins.dict_values": type({}.values()), "builtins.dict_items": type({}.items()),
})

_TRANSPARENT_DECORATORS = frozenset({
    "builtins.staticmethod", "builtins.classmethod", "builtins.property",
    "functools.wraps", "functools.cached_property", "functools.lru_cache", "functools.cache",
    "typing.overload", "typing.final", "typing.override", "typing_extensions.override",
    "typing_extensions.final", "abc.abstractmethod",
})


def _is_exception_class(qualified: str, kb: KnowledgeBase) -> bool:
    return runtime_class(canonical_exception(qualified)) is not None or qualified in kb.exceptions


def _via(body: Answer, where: str) -> Answer:
    reasons = tuple(r if " (via `" in r else f"{r} (via `{where}`)" for r in body.reasons)
    return Answer(body.status, body.raises, reasons)


def _is_hook(node: FunctionNode) -> bool:
    """A method whose body only says "override me" (``pass``, ``...``, a docstring,
    ``raise NotImplementedError``): subclasses decide what it raises."""
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body:
        return True
    if len(body) != 1:
        return False
    stmt = body[0]
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis:
        return True
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        target = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(target, ast.Name) and target.id == "NotImplementedError"
    return False


@functools.lru_cache(maxsize=8192)
def _stdlib_has(qualified: str) -> bool:
    """Whether a dotted standard-library name exists here (stdlib modules only are imported)."""
    parts = qualified.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        if module_name.split(".")[0] not in sys.stdlib_module_names:
            return False
        try:
            obj: object = importlib.import_module(module_name)
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def _maybe_unbound(name: str, frame: Frame) -> bool:
    """A name bound nowhere this code can see it (``NameError``), conservatively."""
    is_local, target = resolve_name(name, frame)
    if is_local or target is not None:
        return False
    return name not in _names_bound_anywhere(frame.module)


@functools.lru_cache(maxsize=256)
def _names_bound_anywhere_cached(tree_id: int, tree: ast.Module) -> frozenset[str]:
    del tree_id
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (*FUNCTION_TYPES, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            names.add("*")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
    return frozenset(names)


def _names_bound_anywhere(module: ModuleInfo) -> frozenset[str]:
    names = _names_bound_anywhere_cached(id(module.tree), module.tree)
    # A star import can bind anything: then no name is known to be missing.
    return names | {"__name__", "__file__", "__doc__", "__spec__", "__path__", "__loader__",
                    "__builtins__", "__package__", "__annotations__", "__dict__", "__class__"} \
        if "*" not in names else _EVERYTHING


class _Everything(frozenset[str]):
    def __contains__(self, item: object) -> bool:
        return True


_EVERYTHING = _Everything()


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
            stack.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # The method lookup is part of the call's answer; its receiver is evaluated.
            stack.append(node.func.value)
            stack.extend(node.args)
            stack.extend(k.value for k in node.keywords)
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
