"""Infer which exceptions a block of code can raise: ``Inferrer.infer_raised_exceptions``.

The walker gives every statement, call and *implicit operation* an :class:`Answer`:

- calls: the knowledge base's contract (:mod:`qualitytool.exceptions.inference.resolve`), the
  project's own functions (their bodies, transitively; recursion handled), else unknown;
- implicit operations run code too, so none of them is "raises nothing" by default:
  attribute loads and stores, ``await``, ``str()``/``repr()``/``format()``/f-strings,
  comparisons, arithmetic, truth tests, iteration, unpacking, subscripts, context managers'
  ``__enter__``/``__exit__``, and imports (a module's top-level code runs).  On values of a
  known type (:mod:`qualitytool.exceptions.inference.expression_types`) they raise what the language
  or the contract says; on values of unknown type their answer is open, because a property,
  ``__getattr__``, ``__str__`` or ``__eq__`` is arbitrary code.

Exceptions caught inside the block by a nested ``try`` are subtracted, as they never reach
the handler being narrowed.  Everything works on the stdlib ``ast``.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from qualitytool.exceptions.inference.answers import (
    CLOSED,
    NOTHING,
    OPEN,
    UNKNOWN,
    Answer,
    call_shape,
    canonical_exception,
    combine,
    display,
)
from qualitytool.exceptions.inference.expression_types import (
    CONTAINERS,
    StubSource,
    TypeInference,
    ValueType,
    says_override_me,
)
from qualitytool.exceptions.inference.flow import is_constant
from qualitytool.exceptions.inference.frames import (
    CONTEXT_DECORATORS,
    FUNCTION_TYPES,
    Frame,
    contains_yield,
    is_context_generator,
    qualified_name,
    resolve_name,
    yields_once,
)
from qualitytool.exceptions.inference.hierarchy import BROAD, Hierarchy, analysis_class
from qualitytool.exceptions.inference.knowledge import KnowledgeBase, RaiseSpec
from qualitytool.exceptions.inference.operations import (
    ImplicitOperations,
    maybe_unbound,
    unknown_type,
)
from qualitytool.exceptions.inference.project import (
    ClassInfo,
    FunctionNode,
    ModuleInfo,
    ProjectIndex,
    absolute_import,
)
from qualitytool.exceptions.inference.pythons import STDLIB_MODULES
from qualitytool.exceptions.inference.resolve import ContractResolver, DerivedSource

__all__ = [
    "CLOSED",
    "NOTHING",
    "OPEN",
    "UNKNOWN",
    "Answer",
    "Frame",
    "Inferrer",
    "combine",
    "contains_yield", "looks_like_logger",
]

# How deep the project raise index follows calls before giving up (keeps runs bounded).
MAX_CALL_DEPTH = 4
_TRY_TYPES: tuple[type[ast.stmt], ...] = (ast.Try,) + (
    (ast.TryStar,) if hasattr(ast, "TryStar") else ()
)



class Inferrer:
    """Answers for calls, operations and blocks; caches project function summaries."""

    def __init__(
        self, kb: KnowledgeBase, index: ProjectIndex, stubs: StubSource | None = None,
        derived: DerivedSource | None = None,
    ) -> None:
        self.kb = kb
        self.index = index
        self.contracts = ContractResolver(kb, index, derived)
        self.types = TypeInference(self.contracts, stubs)
        self.stubs = stubs
        self.hierarchy = Hierarchy(self._declared_bases, self._stub_bases)
        self.ops = ImplicitOperations(self)
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
        return self.index.declared_bases(name) or self.contracts.derived_bases(name)

    def _stub_bases(self, name: str) -> tuple[str, ...]:
        if self.stubs is None or self.stubs.kind(name) != "class":
            return ()
        return self.stubs.bases(name)

    # -- names (kept for plan.py) ----------------------------------------------------------

    def qualified(self, expr: ast.expr, frame: Frame) -> str | None:
        return qualified_name(expr, frame)

    def type_of(self, expr: ast.expr | None, frame: Frame) -> str | None:
        found = self.types.type_of(expr, frame)
        if found is None or found.optional or found.is_union:
            return None
        return found.name

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
            parts = [self.ops.operation("assert"), self.expression(stmt.test, frame),
                     self.ops.truth(stmt.test, frame)]
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
            parts.append(self.ops.binary(stmt.op, stmt.target, stmt.value, frame))
            return combine(parts)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            parts = [self.expression(stmt.iter, frame)]
            parts.append(self.ops.iteration(stmt.iter, frame,
                                            asynchronous=isinstance(stmt, ast.AsyncFor)))
            if not _iterates_pairs(stmt):
                parts.append(self.target(stmt.target, frame))
            parts += [self.block(stmt.body, frame), self.block(stmt.orelse, frame)]
            return combine(parts)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            parts = []
            for item in stmt.items:
                parts.append(self.expression(item.context_expr, frame))
                parts.append(self.ops.context_manager(
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
                    parts.append(self.ops.truth(case.guard, frame))
                parts.append(self.block(case.body, frame))
            return combine(parts)
        if isinstance(stmt, (ast.If, ast.While)):
            parts = [self.expression(stmt.test, frame), self.ops.truth(stmt.test, frame)]
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
                # re-raised, the names are as documented as they were; the clause's own
                # names are the author's word
                stated = (frozenset(hit) & remaining.documented) | frozenset(partial)
                seen = Answer(CLOSED, frozenset(hit | partial), documented=stated)
                if remaining.status != CLOSED:
                    seen = Answer(OPEN, seen.raises | set(caught_names), remaining.reasons,
                                  documented=stated | set(caught_names))
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
                return frame.handlers[-1][1]
            return Answer.unknown("bare `raise` outside a handler")
        parts: list[Answer] = []
        exc = stmt.exc
        if stmt.cause is not None:
            parts.append(self.expression(stmt.cause, frame))
        if isinstance(exc, ast.Name):
            for name, seen in reversed(frame.handlers):
                if name == exc.id:
                    return combine([seen, *parts])
            raised = self.types.type_of(exc, frame)
            if raised is not None and not raised.optional and self.hierarchy.is_subclass(
                canonical_exception(raised.name), "BaseException"
            ) and raised.name != "builtins.BaseException":
                return combine(
                    [*parts, Answer.closed([canonical_exception(raised.name)]).as_documented()]
                )
        cls_expr = exc.func if isinstance(exc, ast.Call) else exc
        if isinstance(exc, ast.Call):
            parts.append(self.expressions([*exc.args, *(k.value for k in exc.keywords)], frame))
            parts.append(self.constructor_of_raised(cls_expr, frame))
        qualified = self.qualified(cls_expr, frame)
        if qualified is None:
            parts.append(Answer.unknown(f"raises `{display(cls_expr)}`"))
        else:
            parts.append(Answer.closed([canonical_exception(qualified)]).as_documented())
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
        parts = [self.ops.operation("import").as_documented()]  # ImportError is its contract
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
        if top in STDLIB_MODULES:
            return NOTHING
        override = self.kb.operation(f"import:{top}")
        if override is not None:
            return self.spec_answer(override, f"import {name}").as_open_call(f"import {name}")
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
        union = self.types.union_receiver(func, frame)
        if union is not None:  # a JSON value, ``int | str``: each member answers
            assert isinstance(func, ast.Attribute)
            by_members = self.ops.method_of_members(union, func.attr, call, frame)
            return combine([by_members, self._argument_unpacking(call, frame)])
        callee = self.types.callee_name(func, frame)
        answer: Answer | None = None
        if callee is not None:
            spec = self.contracts.spec_for(callee)
            if spec is not None:
                answer = self.spec_answer(spec, shown, call, frame).as_open_call(shown)
            else:
                answer = self.project_answer(callee, shown, call, frame)
        if answer is None and isinstance(func, ast.Attribute):
            answer = self._self_method_answer(func, frame, shown)
            if answer is None and looks_like_logger(func.value):
                spec = self.kb.lookup(f"logging.Logger.{func.attr}")
                if spec is not None:
                    answer = self.spec_answer(spec, shown, call, frame).as_open_call(shown)
        if answer is None and callee is not None and _is_exception_class(callee, self.kb):
            answer = NOTHING  # constructing a builtin, stdlib or library exception
        if answer is None and callee is not None:
            derived = self.contracts.derived_answer(callee, shown)
            # what the library's own source raises or documents is stated, not a guess
            answer = derived.as_open_call(shown) if derived is not None else None
        if answer is None:
            answer = self._unknown_call(callee, shown, self._callback(func, callee, frame), func)
        if answer.status == OPEN and callee is not None and not self.index.is_project_name(
                callee):
            shape = call_shape(func)
            if shape is not None:
                answer = replace(answer, open_callees=((callee, shape), *answer.open_callees))
        if isinstance(func, ast.Attribute):
            receiver = self.types.type_of(func.value, frame)
            if receiver is not None and receiver.optional:
                answer = combine([answer, Answer.closed(["AttributeError"])])
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        ):
            answer = combine([answer, self._argument_unpacking(call, frame)])
        return answer

    def _unknown_call(
        self, callee: str | None, shown: str, boundary: str | None, func: ast.expr | None = None
    ) -> Answer:
        # A library or stdlib callee can be given a contract; a project callable that we
        # could not follow, or a callback held in a variable, cannot; a method of a value of
        # unknown type can once the value's type is known.
        unlock = callee if callee is not None and not self.index.is_project_name(callee) else None
        annotate = None
        if callee is None and boundary is None and isinstance(func, ast.Attribute):
            annotate = display(func.value)
        if boundary is not None:
            unlock = None
        note = self.contracts.derived_note(callee) if callee is not None else None
        derived = f" ({note})" if note is not None else ""
        if callee is not None and "." in callee and not callee.startswith("builtins."):
            owner = callee.rpartition(".")[0]
            known_owner = self.kb.lookup(owner) is not None or self.kb.class_entry(owner)
            if known_owner or owner.startswith("builtins") or self.index.is_project_name(owner):
                return Answer.unknown(
                    f"unknown call `{shown}` (on a `{owner}`){derived}", unlock, boundary)
        return Answer.unknown(f"unknown call `{shown}`{derived}", unlock, boundary, annotate)

    def _callback(self, func: ast.expr, callee: str | None, frame: Frame) -> str | None:
        """Why a call we cannot know runs code chosen by a caller (a boundary), if it does:
        a callable held in a variable, a parameter, a table or an attribute of the instance;
        the result of a future; code loaded at run time."""
        shown = display(func)
        if callee in DYNAMIC_CODE:
            return f"`{shown}` loads or runs code chosen at run time"
        if isinstance(func, ast.Name):
            is_local, _target = resolve_name(func.id, frame)
            if is_local:
                return f"`{shown}` is a callable passed in or chosen at run time"
            return None
        if isinstance(func, (ast.Subscript, ast.Call)):
            return f"`{shown}` is a callable chosen at run time"
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr in ("result", "exception"):
            return f"`{shown}` raises whatever the future's work raised"
        if func.attr in _RESUMING and self._resumable(func.value, callee, frame):
            # a websocket's or a queue's ``send`` is no generator's
            return f"`{shown}` resumes a generator or coroutine, whose code is the caller's"
        value = func.value
        if isinstance(value, ast.Name) and value.id == frame.self_name and frame.cls is not None:
            members = self.types.members(frame.cls)
            if func.attr not in members.methods and func.attr not in members.properties:
                return f"`{shown}` is a callable the instance holds"
        return None

    def _resumable(self, receiver: ast.expr, callee: str | None, frame: Frame) -> bool:
        """Whether ``receiver`` is a generator or a coroutine: its type says so (inferred, or
        the annotation of the name holding it), or its name does (tornado's ``self.gen``)."""
        if callee is not None:
            return callee.rpartition(".")[0] in _GENERATOR_TYPES
        if isinstance(receiver, ast.Name):
            annotation = _declared_annotation(receiver.id, frame)
            if annotation is not None:
                if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                    try:
                        annotation = ast.parse(annotation.value, mode="eval").body
                    except SyntaxError:
                        return False
                outer = annotation.value if isinstance(annotation, ast.Subscript) else annotation
                return self.qualified(outer, frame) in _GENERATOR_TYPES
        last = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(
            receiver, "id", "")
        return last in _GENERATOR_NAMES

    def _argument_unpacking(self, call: ast.Call, frame: Frame) -> Answer:
        parts = []
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                parts.append(self.ops.iteration(arg.value, frame))
        for keyword in call.keywords:
            if keyword.arg is None:
                kind = self.types.type_of(keyword.value, frame)
                if kind is None or kind.name != "builtins.dict" or kind.optional:
                    parts.append(Answer.open(["TypeError"], unknown_type(
                        "unpacks", keyword.value, "its `keys`/`__getitem__`")))
        return combine(parts)

    def spec_answer(
        self, spec: RaiseSpec, shown: str, call: ast.Call | None = None,
        frame: Frame | None = None,
    ) -> Answer:
        names = {canonical_exception(n) for n in spec.raises}
        names |= {canonical_exception(n) for n in self._argument_classes(spec, call, frame)}
        if not spec.closed:
            return Answer(OPEN, frozenset(names), (f"`{shown}` may raise more than it documents",))
        if spec.dispatch and call is not None and frame is not None:
            weak = self._dispatching_argument(spec.dispatch, call, frame)
            if weak is not None:
                return Answer.open(names, f"`{shown}` runs special methods of "
                                          f"`{display(weak)}`, whose type is unknown")
            if (
                spec.dispatch == "scalars"
                and (spec.name not in _TOTAL_ON_BUILTINS or len(call.args) + len(call.keywords) > 1)
                and self._passes_json_container(call, frame)
            ):
                names.add("TypeError")  # int([]), {}.get([]): a builtin's wrong-type error
        if call is not None and frame is not None:
            code = self._code_argument(call, frame)
            if code is not None:
                return Answer.open(names, f"`{shown}` is passed `{display(code)}`, which it "
                                          "may call")
        return Answer.closed(names)

    def _code_argument(self, call: ast.Call, frame: Frame) -> ast.expr | None:
        """The first argument that is code of the project's (a lambda, a function or method
        it defines): a contract that calls it (``re.sub(p, replace, s)``,
        ``json.dumps(x, default=encode)``) raises whatever that code raises."""
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            value = argument.value if isinstance(argument, ast.Starred) else argument
            if isinstance(value, ast.Lambda):
                return value
            if not isinstance(value, (ast.Name, ast.Attribute)):
                continue
            if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and (
                value.value.id == frame.self_name and frame.cls is not None
            ):
                if value.attr in self.types.members(frame.cls).methods:
                    return value
                continue
            if isinstance(value, ast.Name) and value.id in _local_functions(frame):
                return value
            qualified = self.qualified(value, frame)
            if qualified is not None and self.index.is_project_name(qualified):
                found = self.index.lookup(qualified)
                if found is not None and isinstance(found[1], (ast.FunctionDef,
                                                               ast.AsyncFunctionDef)):
                    return value
        return None

    def _argument_classes(
        self, spec: RaiseSpec, call: ast.Call | None, frame: Frame | None
    ) -> set[str]:
        """What the call's arguments may add to the contract: a parameter's ``arguments``
        classes when its argument is not a literal, ``wrong_types`` when an argument's type
        is unknown, may be None or is a decoded JSON value.  Without the call: all of them."""
        if not spec.arguments and not spec.wrong_types:
            return set()
        if call is None or frame is None:
            return {*spec.argument_classes(None), *spec.wrong_types}
        found: set[str] = set()
        bound: list[tuple[str | None, ast.expr]] = []
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        if "self" in spec.parameters and receiver is not None and not _is_literal(receiver):
            found.update(spec.argument_classes("self", self._known_type(receiver, frame)))
        for position, argument in enumerate(call.args):
            if isinstance(argument, ast.Starred):
                bound.append((None, argument.value))
            else:
                bound.append((spec.parameter_of(position), argument))
        for keyword in call.keywords:
            name = spec.keyword_parameter(keyword.arg) if keyword.arg is not None else None
            bound.append((name, keyword.value))
        for parameter, argument in bound:
            kind = self._known_type(argument, frame)
            # a literal, or a class the code names (``isinstance(x, dict)``): the
            # programmer's value, not the input's
            written = _is_literal(argument) or self._names_a_class(argument, frame)
            if not written or parameter is None or spec.is_variadic(parameter):
                found.update(spec.argument_classes(parameter, kind))
            if spec.wrong_types and kind is None:
                found.update(spec.wrong_types)
        return found

    def _known_type(self, argument: ast.expr, frame: Frame) -> str | None:
        """The argument's type when it is known: not unknown, not maybe None, not a decoded
        JSON value (which may be any of seven types)."""
        kind = self.types.type_of(argument, frame)
        if kind is None and self._names_a_class(argument, frame):
            return "builtins.type"
        if kind is None or kind.optional or kind.is_union or kind.name in UNTYPED_VALUES:
            return None
        return kind.name

    def _names_a_class(self, argument: ast.expr, frame: Frame) -> bool:
        """``int``, ``ValueError``, ``models.User``, a tuple of them: classes the code names
        (what ``isinstance`` and ``issubclass`` take), not data."""
        if isinstance(argument, ast.Tuple):
            return bool(argument.elts) and all(self._names_a_class(e, frame)
                                               for e in argument.elts)
        if not isinstance(argument, (ast.Name, ast.Attribute)):
            return False
        qualified = self.qualified(argument, frame)
        if qualified is None:
            return False
        if qualified.startswith("builtins."):
            return isinstance(getattr(builtins, qualified.removeprefix("builtins."), None), type)
        return (self.index.class_info(qualified) is not None
                or self.kb.class_entry(qualified) is not None
                or _is_exception_class(qualified, self.kb))

    def _dispatching_argument(self, level: str, call: ast.Call, frame: Frame) -> ast.expr | None:
        """The first argument whose special methods may be user code, for a builtin that calls
        them (``str(x)``, ``sorted(xs)``, ``"".join(parts)``)."""
        arguments = [*call.args, *(k.value for k in call.keywords)]
        for argument in arguments:
            value = argument.value if isinstance(argument, ast.Starred) else argument
            if is_constant(value):
                continue  # ``{}``, ``[]``, ``("a", 1)``: fresh builtin values
            kind = self.types.type_of(value, frame)
            if kind is None or isinstance(argument, ast.Starred):
                return value
            # JSON containers run no user code (their elements are JSON too)
            if level == "scalars" and not kind.only_builtins():
                return value
            if level == "builtins" and not all(
                m.json or m.is_builtin or m.name in CONTAINERS for m in kind.classes()
            ):
                return value
        return None

    def _passes_json_container(self, call: ast.Call, frame: Frame) -> bool:
        """Whether an argument may be a JSON object or array where a builtin expects a
        scalar: the builtin then raises its wrong-type TypeError, and nothing else."""
        for position, argument in enumerate([*call.args, *(k.value for k in call.keywords)]):
            if position > 0 and is_constant(argument):
                continue  # ``d.get(k, {})``: a default, handed back untouched
            kind = self.types.type_of(argument, frame)
            if kind is not None and any(m.json for m in kind.classes()):
                return True
        return False

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
            return Answer.unknown(
                f"`{shown}` is a hook for subclasses to override", None,
                f"`{shown}` is a hook that subclasses override",
            )
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
                parts.append(self.spec_answer(library, shown).as_open_call(shown))
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
            key += repr(sorted((k, v.name, v.optional, v.json) for k, v in arguments.items()))
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
            frame.context_generator = is_context_generator(node, module)
            # A function that calls something unknown outside the project is unknown, whatever
            # the project code it calls does (which keeps big projects fast).
            body = self.infer_raised_exceptions(node.body, frame)
            body = combine([body, self._decorators(node, frame)])
            if frame.context_generator:
                body = combine([body, _context_protocol(node, body)])
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
            if qualified in _TRANSPARENT_DECORATORS or qualified in CONTEXT_DECORATORS:
                continue
            spec = self.kb.lookup(qualified)
            if spec is not None and spec.closed and not spec.raises:
                continue
            if self.index.is_project_name(qualified):
                if self.index.own_decorators_transparent:
                    continue  # a project decorator: its wrapper is usually transparent
                parts.append(Answer.unknown(
                    f"decorator `{display(target)}` wraps the call (its wrapper is not read)"))
                continue
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
                return self.spec_answer(inherited, shown).as_open_call(shown)
            if not self.index.has_foreign_bases(frame.cls):
                return NOTHING  # object.__init__ and friends
        return None

    # -- implicit operations ---------------------------------------------------------------


    def target(
        self, target: ast.expr, frame: Frame, value: ast.expr | None = None,
        deleting: bool = False,
    ) -> Answer:
        """An assignment or ``del`` target: subscripts, attributes and unpacking can raise."""
        if isinstance(target, ast.Subscript):
            parts = [self.expression(target.value, frame), self.expression(target.slice, frame)]
            parts.append(self.ops.subscript(target, frame, store=not deleting, deleting=deleting))
            return combine(parts)
        if isinstance(target, (ast.Tuple, ast.List)):
            parts = [] if deleting else [self.ops.unpacking(target, value, frame)]
            parts += [self.target(t, frame, deleting=deleting) for t in target.elts]
            return combine(parts)
        if isinstance(target, ast.Starred):
            return self.target(target.value, frame, deleting=deleting)
        if isinstance(target, ast.Attribute):
            return combine([self.expression(target.value, frame),
                            self.ops.attribute_store(target, frame, deleting)])
        if isinstance(target, ast.Name) and deleting:
            return Answer.closed(["NameError"]) if maybe_unbound(target.id, frame) else NOTHING
        return NOTHING

    def loaded_target(self, target: ast.expr, frame: Frame) -> Answer:
        """``x += 1`` reads ``x`` first."""
        if isinstance(target, ast.Subscript):
            return self.ops.subscript(target, frame)
        if isinstance(target, ast.Attribute):
            return self.ops.attribute(target, frame)
        return NOTHING


    def expressions(self, exprs: Iterable[ast.expr], frame: Frame) -> Answer:
        return combine(self.expression(e, frame) for e in exprs)

    def expression(self, expr: ast.expr, frame: Frame) -> Answer:
        parts: list[Answer] = []
        for node in _evaluated_nodes(expr):
            if isinstance(node, ast.Call):
                parts.append(self.call_answer(node, frame))
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                parts.append(self.ops.attribute(node, frame))
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
                parts.append(self.ops.subscript(node, frame))
            elif isinstance(node, ast.BinOp):
                parts.append(self.ops.binary(node.op, node.left, node.right, frame))
            elif isinstance(node, ast.UnaryOp):
                parts.append(self.ops.unary(node, frame))
            elif isinstance(node, ast.BoolOp):
                parts.extend(self.ops.truth(v, frame) for v in node.values[:-1])
            elif isinstance(node, ast.IfExp):
                parts.append(self.ops.truth(node.test, frame))
            elif isinstance(node, ast.Compare):
                parts.append(self.ops.compare(node, frame))
            elif isinstance(node, ast.FormattedValue):
                parts.append(self.ops.formatted(node, frame))
            elif isinstance(node, ast.Await):
                parts.append(self.ops.await_answer(node, frame))
            elif isinstance(node, ast.comprehension):
                parts.append(self.ops.iteration(node.iter, frame, asynchronous=bool(node.is_async)))
                parts.extend(self.ops.truth(test, frame) for test in node.ifs)
                if isinstance(node.target, (ast.Tuple, ast.List)):
                    parts.append(self.ops.operation("unpacking"))
            elif isinstance(node, (ast.Set, ast.Dict)):
                parts.append(self.ops._hashed_display(node, frame))
            elif isinstance(node, ast.Starred) and isinstance(node.ctx, ast.Load):
                parts.append(self.ops.iteration(node.value, frame))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                parts.append(self.ops.name_load(node, frame))
            elif isinstance(node, ast.Yield) and frame.context_generator:
                pass  # what a ``with`` body raises comes in here, and it counts it itself
            elif isinstance(node, (ast.Yield, ast.YieldFrom)):
                parts.append(Answer.unknown("yields (anything may be thrown in)"))
        return combine(parts)


def _context_protocol(node: FunctionNode, body: Answer) -> Answer:
    """What contextlib adds to a ``@contextmanager`` generator's own code, in the
    ``__enter__`` and ``__exit__`` that run it: RuntimeError when the generator may end
    without yielding or yield twice ("generator didn't yield" / "didn't stop"), and for a
    StopIteration its code raises (a generator turns it into RuntimeError, PEP 479); a
    function that never yields is no generator, and ``__enter__`` raises TypeError on what
    it returned.  An exception thrown in at the ``yield`` (the with body's) propagates as it
    was, or as what the generator's own handlers raise instead, which its code shows."""
    if not contains_yield(node.body):
        return Answer.closed(["RuntimeError", "TypeError"]).as_documented()
    stops = {"StopIteration", "StopAsyncIteration"} & body.raises
    if stops or not yields_once(node):
        return Answer.closed(["RuntimeError"]).as_documented()
    return NOTHING


def _local_functions(frame: Frame) -> set[str]:
    """Names of the functions defined in the enclosing function bodies."""
    found: set[str] = set()
    current: Frame | None = frame
    while current is not None and current.function is not None:
        for node in ast.walk(current.function):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                node is not current.function
            ):
                found.add(node.name)
        current = current.parent
    return found


def _is_literal(node: ast.expr) -> bool:
    """A constant written in the code (``","``, ``-1``, ``("a", "b")``): its value is the
    programmer's, not the input's."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return isinstance(node.operand, ast.Constant)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_literal(e) for e in node.elts)
    return False


# Types whose values may be of any of several types: a decoded JSON value (dict, list, str,
# int, float, bool or None), typing.Any.
UNTYPED_VALUES = frozenset({"json.Any", "typing.Any", "builtins.object"})

# Callees that load or run code chosen at run time: no contract can describe what they raise.
DYNAMIC_CODE = frozenset({
    "importlib.import_module", "builtins.__import__", "builtins.exec", "builtins.eval",
    "runpy.run_path", "runpy.run_module", "django.utils.module_loading.import_string",
})

# Builtins that take any one builtin value without a wrong-type error (they format or
# compare it; ``str(x, "utf-8")`` decodes, and is not one of them).
_TOTAL_ON_BUILTINS = frozenset({
    "builtins.str", "builtins.repr", "builtins.print", "builtins.bool", "builtins.list.index",
    "builtins.list.remove", "builtins.list.count", "builtins.format",
})

_TRANSPARENT_DECORATORS = frozenset({
    "builtins.staticmethod", "builtins.classmethod", "builtins.property",
    "functools.wraps", "functools.cached_property", "functools.lru_cache", "functools.cache",
    "typing.overload", "typing.final", "typing.override", "typing_extensions.override",
    "typing_extensions.final", "abc.abstractmethod",
})


# ``gen.send(v)`` runs the generator's code up to its next ``yield``: a boundary, when ``gen``
# is known to be a generator or a coroutine (``ws.send(...)`` on a websocket is not).
_RESUMING = frozenset({"send", "throw", "asend", "athrow"})
_GENERATOR_TYPES = frozenset({
    f"{module}.{name}"
    for module in ("typing", "collections.abc", "typing_extensions")
    for name in ("Generator", "Coroutine", "AsyncGenerator")
} | {"types.GeneratorType", "types.CoroutineType", "types.AsyncGeneratorType",
      "builtins.generator", "builtins.coroutine"})


# Names a generator or a coroutine is held under, when nothing says what type it has.
_GENERATOR_NAMES = frozenset({"gen", "generator", "coro", "coroutine", "agen"})


def _declared_annotation(name: str, frame: Frame) -> ast.expr | None:
    """The annotation a function declares for ``name``: a parameter's, or that of an
    annotated assignment in its own body (not in nested functions or classes)."""
    function = frame.function
    if function is None:
        return None
    args = function.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg == name and arg.annotation is not None:
            return arg.annotation
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and (
            node.target.id == name
        ):
            return node.annotation
        pending.extend(ast.iter_child_nodes(node))
    return None


def _is_exception_class(qualified: str, kb: KnowledgeBase) -> bool:
    return analysis_class(canonical_exception(qualified)) is not None or qualified in kb.exceptions


def _via(body: Answer, where: str) -> Answer:
    answer = body.with_reasons(
        r if " (via `" in r else f"{r} (via `{where}`)" for r in body.reasons
    )
    if not answer.annotate:
        return answer
    return replace(answer, annotate=tuple(
        a if " (in `" in a else f"{a} (in `{where}`)" for a in answer.annotate
    ))


# A docstring that makes a method an override point: "Override to customize logging of
# uncaught exceptions" (tornado's ``RequestHandler.log_exception``), "Subclasses may override".
_OVERRIDE_POINT = re.compile(
    r"(?i)\b(?:override\s+(?:this|these|to|in|it|if|when|for)\b|overridden\b"
    r"|(?:may|can|should|must|could)\s+(?:also\s+)?(?:be\s+)?overrid"
    r"|subclass(?:es)?\s+(?:may|can|should|must|could)\s+(?:override|implement|extend|redefine)"
    r"|\bhook\s+(?:for|method|that|to)\b)"
)


def _is_hook(node: FunctionNode) -> bool:
    """A method subclasses are meant to override: its body only says "override me" (``pass``,
    ``...``, a docstring, ``raise NotImplementedError``), or its docstring says it is an
    override point.  What it raises is the override's business."""
    docstring = ast.get_docstring(node, clean=False)
    if docstring and _OVERRIDE_POINT.search(docstring):
        return True
    return says_override_me(node)


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


def looks_like_logger(expr: ast.expr) -> bool:
    """ruff's heuristic: ``logger``, ``log``, ``self.logger``, ``LOGGER``..."""
    name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", None)
    if not isinstance(name, str):
        return False
    return name.startswith(("log", "LOG", "_log", "_LOG")) or name.endswith(
        ("logger", "LOGGER")
    )
