"""Implicit operations: the code a try body runs without a call in sight.

Attribute loads and stores, ``await``, ``str()``-like formatting (f-strings, ``%``),
comparisons, arithmetic, truth tests, iteration, unpacking, subscripts, context managers'
``__enter__``/``__exit__`` and unbound names.  Each runs special methods: on values of a known
type (:mod:`qualitytool.exceptions.inference.expression_types`) they raise what the language or a
contract says, or what the project's own special methods raise; on values of unknown type the
answer is open, because a property, ``__getattr__``, ``__str__`` or ``__eq__`` is arbitrary
code.  A known library or stdlib type without a contract for the special method is unknown,
and the reason names the entry (``T.__getitem__``) that would unlock it.
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from qualitytool.exceptions.inference.answers import NOTHING, Answer, combine, display
from qualitytool.exceptions.inference.expression_types import NONE, ClassMembers, ValueType
from qualitytool.exceptions.inference.frames import (
    Frame,
    contains_yield,
    is_context_generator,
    resolve_name,
)
from qualitytool.exceptions.inference.project import ClassInfo, FunctionNode, ModuleInfo
from qualitytool.exceptions.inference.pythons import STDLIB_MODULES, is_stdlib_module

if TYPE_CHECKING:
    from qualitytool.exceptions.inference.infer import Inferrer

__all__ = ["ImplicitOperations", "maybe_unbound", "unknown_type"]
_SEQUENCES = frozenset({"builtins.list", "builtins.tuple", "builtins.str", "builtins.bytes",
                        "builtins.bytearray", "builtins.range"})
_HASHED = frozenset({"builtins.dict", "builtins.set", "builtins.frozenset"})
_ORDERED_DIVISION = (ast.Div, ast.FloorDiv, ast.Mod)


class ImplicitOperations:
    """Answers for the implicit operations of one :class:`Inferrer` (which it calls back
    for contracts and the summaries of project code)."""

    def __init__(self, inferrer: Inferrer) -> None:
        self.inferrer = inferrer
        self.kb = inferrer.kb
        self.index = inferrer.index
        self.contracts = inferrer.contracts
        self.types = inferrer.types
        self.stubs = inferrer.stubs

    def operation(self, name: str) -> Answer:
        spec = self.kb.operation(name)
        if spec is None:
            return Answer.unknown(f"no knowledge of the `{name}` operation")
        return self.inferrer.spec_answer(spec, name)

    def special_method(self, kind: ValueType, method: str, shown: str) -> Answer | None:
        """What ``kind.method`` raises when it is a project method or has a contract."""
        spec = self.contracts.spec_for(f"{kind.name}.{method}")
        if spec is not None:
            return self.inferrer.spec_answer(spec, shown)
        cls = self.project_class(kind)
        if cls is not None:
            found = self.index.find_method(cls, method)
            if found is not None:
                owner, node = found
                return self.inferrer.summary(f"{owner.qualname}.{method}", node, owner.module,
                                             owner, shown)
        return None

    def project_class(self, kind: ValueType) -> ClassInfo | None:
        if not self.index.is_project_name(kind.name):
            return None
        return self.index.class_info(kind.name)

    def _user_hook(self, kind: ValueType, methods: Sequence[str], expr: ast.expr,
                   what: str) -> Answer:
        """A special method of a known non-builtin type: its contract or the project's code.
        Without either, a standard-library type's special methods are the documented ones
        (nothing worth catching); a library's may be anything (numpy's ``__bool__`` raises)."""
        parts = []
        cls = self.project_class(kind)
        for method in methods:
            found = self.special_method(kind, method, display(expr))
            if found is not None:
                parts.append(found)
        if parts:
            return combine(parts)
        hooks = "/".join(f"`{m}`" for m in methods)
        if cls is not None:
            if self._members(cls).foreign_bases:
                return Answer.open((), f"{what} `{display(expr)}`: a `{kind.name}` inherits "
                                       f"{hooks} from a library class")
            return NOTHING
        if is_stdlib_module(kind.name):
            return NOTHING
        return Answer.open((), f"{what} `{display(expr)}`: no contract for {hooks} of a "
                               f"`{kind.name}`")

    def method_of_members(self, receiver: ValueType, method: str, call: ast.Call,
                          frame: Frame) -> Answer:
        """``x.m(...)`` on a union (a JSON value): each class answers for itself; one
        without the method raises AttributeError (``[].get``, ``None.upper``)."""
        shown = display(call.func)
        return combine(self._member_method(m, method, call, frame, shown)
                       for m in receiver.classes())

    def _member_method(self, member: ValueType, method: str, call: ast.Call, frame: Frame,
                       shown: str) -> Answer:
        if member.is_builtin:
            builtin = _BUILTIN_CLASSES.get(member.name)
            if builtin is not None and not hasattr(builtin, method):
                return Answer.closed(["AttributeError"])
        spec = self.contracts.spec_for(f"{member.name}.{method}")
        if spec is not None:
            return self.inferrer.spec_answer(spec, shown, call, frame)
        if self.project_class(member) is not None:
            found = self.inferrer.project_answer(f"{member.name}.{method}", shown, call, frame)
            if found is not None:
                return found
        return Answer.unknown(f"unknown call `{shown}` (on a `{member.shown}`)",
                              f"{member.name}.{method}")

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
            return Answer.open((), unknown_type("truth value of", test, "`__bool__`/`__len__`"))
        return combine(
            NOTHING if member.is_builtin
            else self._user_hook(member, ("__bool__", "__len__"), test, "truth value of")
            for member in kind.classes()
        )

    def attribute(self, node: ast.Attribute, frame: Frame) -> Answer:
        """Reading ``x.attr``."""
        static = self.inferrer.qualified(node, frame)
        if static is not None:
            return self.static_reference(static, node)
        receiver = self.types.type_of(node.value, frame)
        if receiver is None:
            if isinstance(node.value, ast.Name) and node.value.id == frame.cls_name:
                return NOTHING  # ``cls.attr`` in a classmethod
            return Answer.open(["AttributeError"], unknown_type(
                "attribute of", node, "a property or `__getattr__`"))
        return combine(self.attribute_of(m, node.attr, node) for m in receiver.classes())

    def attribute_of(self, kind: ValueType, attr: str, node: ast.expr) -> Answer:
        """Reading ``attr`` on an instance of a known type."""
        cls = self.project_class(kind)
        if cls is not None:
            members = self._members(cls)
            if attr in members.properties:
                owner, getter = members.properties[attr]
                return self.inferrer.summary(f"{owner.qualname}.{attr}", getter, owner.module,
                                             owner, display(node))
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
        spec = self.kb.lookup(f"{kind.name}.{attr}")
        if entry is not None and attr in entry.attributes and spec is not None:
            # a property whose reading runs code with a contract (httpx's Response.text
            # decodes the body with the charset the server sent)
            return self.inferrer.spec_answer(spec, display(node))
        if entry is not None and (attr in entry.attributes or attr in entry.methods):
            return NOTHING
        if spec is not None:
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
        if top in STDLIB_MODULES:
            # typeshed's stubs say what exists without importing anything; without them,
            # only the standard library itself is imported to look
            exists = (
                self.stubs.kind(qualified) is not None if self.stubs is not None
                else _stdlib_has(qualified)
            )
            return NOTHING if exists else Answer.open(
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
        submodule = f"{info.name}.{rest[0]}"
        if rest[0] not in info.bindings and self.index.module_path(submodule) is None:
            return Answer.closed(["AttributeError"])
        if len(rest) == 1 or self.index.lookup(qualified) is not None:
            return NOTHING
        cls = self.index.class_info(submodule)
        if cls is not None and len(rest) == 2:
            members = self._members(cls)
            if rest[1] in members.methods or rest[1] in members.initialised:
                return NOTHING
        target = info.bindings.get(rest[0])
        if target is not None and target != submodule:
            return self.static_reference(".".join([target, *rest[1:]]), node)
        # an attribute of a module-level instance (lnbits' ``settings = Settings()``): what
        # reading it raises on a value of that type
        owner = self.types.qualified_type(".".join([info.name, *rest[:-1]]))
        if owner is not None:
            return combine(self.attribute_of(m, rest[-1], node) for m in owner.classes())
        return Answer.open(["AttributeError"], f"attribute `{display(node)}` of a module-level "
                                               "object")

    def attribute_store(self, node: ast.Attribute, frame: Frame, deleting: bool = False) -> Answer:
        receiver = self.types.type_of(node.value, frame)
        if receiver is None:
            if self.inferrer.qualified(node.value, frame) is not None:
                return NOTHING  # setting a module attribute
            return Answer.open(["AttributeError"], unknown_type(
                "sets an attribute of", node.value, "a property setter or `__setattr__`"))
        return combine(self._attribute_store_of(m, node, deleting) for m in receiver.classes())

    def _attribute_store_of(self, kind: ValueType, node: ast.Attribute, deleting: bool) -> Answer:
        parts: list[Answer] = []
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
        if (self.stubs is not None and self.stubs.has_attribute(kind.name, node.attr)
                and not deleting):
            return combine(parts)
        parts.append(Answer.open(["AttributeError"], f"sets `{display(node)}` on a `{kind.name}` "
                                                     "(no contract for it)"))
        return combine(parts)

    def unpacking(self, target: ast.Tuple | ast.List, value: ast.expr | None,
                  frame: Frame) -> Answer:
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
            return Answer.open(["TypeError"], unknown_type("iterates", iterable, hooks))
        return combine(self._iteration_of(m, iterable, asynchronous) for m in kind.classes())

    def _iteration_of(self, kind: ValueType, iterable: ast.expr, asynchronous: bool) -> Answer:
        parts: list[Answer] = []
        if kind.is_builtin:
            if asynchronous or (
                kind.is_scalar and kind.name not in ("builtins.str", "builtins.bytes")
            ):
                parts.append(Answer.closed(["TypeError"]))
            return combine(parts)
        methods = ("__aiter__", "__anext__") if asynchronous else ("__iter__", "__next__")
        found = [self.special_method(kind, m, display(iterable)) for m in methods]
        known = [f for f in found if f is not None]
        if known:
            return combine([*parts, *known])
        cls = self.project_class(kind)
        if cls is not None and not self._members(cls).foreign_bases:
            return combine([*parts, Answer.closed(["TypeError"])])
        parts.append(Answer.unknown(f"iterates `{display(iterable)}`, a `{kind.name}`: "
                                    f"no contract for `{kind.name}.{methods[0]}`",
                                    f"{kind.name}.{methods[1]}"))
        return combine(parts)

    def _project_function(
        self, call: ast.Call, frame: Frame
    ) -> tuple[FunctionNode, ModuleInfo] | None:
        """The project function (not class) a call reaches, with its module."""
        callee = self.types.callee_name(call.func, frame)
        if callee is None or not self.index.is_project_name(callee):
            return None
        found = self.index.lookup(callee)
        if found is None or isinstance(found[1], ClassInfo):
            return None
        return found[1], found[2]

    def _is_project_generator(self, call: ast.Call, frame: Frame) -> bool:
        found = self._project_function(call, frame)
        return found is not None and contains_yield(found[0].body)

    def context_manager(self, expr: ast.expr, frame: Frame, asynchronous: bool = False) -> Answer:
        """``with expr``: its ``__enter__`` and ``__exit__`` (``__aenter__``/``__aexit__``)."""
        if isinstance(expr, ast.Call) and self._is_context_function(expr, frame):
            return NOTHING  # @contextmanager: the call's answer is the generator body's
        kind = self.types.type_of(expr, frame)
        methods = ("__aenter__", "__aexit__") if asynchronous else ("__enter__", "__exit__")
        if kind is None:
            return Answer.open((), unknown_type(
                "context manager", expr, f"`{methods[0]}`/`{methods[1]}`"))
        return combine(self._context_manager_of(m, expr, methods) for m in kind.classes())

    def _context_manager_of(self, kind: ValueType, expr: ast.expr,
                            methods: tuple[str, str]) -> Answer:
        if kind.is_scalar or kind.json:
            # not a context manager: TypeError (AttributeError before Python 3.11)
            return Answer.closed(["AttributeError", "TypeError"])
        parts: list[Answer] = []
        found = [self.special_method(kind, m, display(expr)) for m in methods]
        if all(f is not None for f in found):
            return combine([*parts, *(f for f in found if f is not None)])
        cls = self.project_class(kind)
        if cls is not None and not self._members(cls).foreign_bases:
            return combine([*parts, *(f for f in found if f is not None)])
        missing = [f"{kind.name}.{m}" for m, f in zip(methods, found) if f is None]
        parts.append(Answer.unknown(f"context manager `{display(expr)}`: no contract for "
                                    f"`{'`/`'.join(missing)}`", missing[0]))
        return combine(parts)

    def _is_context_function(self, call: ast.Call, frame: Frame) -> bool:
        found = self._project_function(call, frame)
        return found is not None and is_context_generator(*found)

    def subscript(
        self, node: ast.Subscript, frame: Frame, store: bool = False, deleting: bool = False
    ) -> Answer:
        kind = self.types.type_of(node.value, frame)
        method = "__delitem__" if deleting else "__setitem__" if store else "__getitem__"
        if kind is None:
            if isinstance(node.slice, ast.Slice):
                return Answer.open(["TypeError"], unknown_type("slices", node.value, f"`{method}`"))
            name = "subscript-store" if store else "subscript"
            answer = self.operation(name)
            return answer.weakened(unknown_type("subscript of", node.value, f"`{method}`"))
        index_type = self.types.type_of(node.slice, frame)
        return combine(self._subscript_of(m, node, index_type, method, store, deleting)
                       for m in kind.classes())

    def _subscript_of(self, kind: ValueType, node: ast.Subscript, index_type: ValueType | None,
                      method: str, store: bool, deleting: bool) -> Answer:
        if kind.is_builtin:
            if isinstance(node.slice, ast.Slice):
                if kind.name in _SEQUENCES:
                    return NOTHING
                if kind.name == "builtins.dict":  # slices hash since Python 3.12
                    return Answer.closed(["KeyError", "TypeError"])
                return Answer.closed(["TypeError"])
            if kind.name in _HASHED:
                if kind.name != "builtins.dict":
                    return Answer.closed(["TypeError"])  # sets
                if store and not deleting:
                    lookup = NOTHING
                else:
                    lookup = self._typed_operation("subscript", kind.name)
                return combine([lookup, self._key(index_type, node)])
            if kind.name in _SEQUENCES:
                name = "subscript-store" if store or deleting else "subscript"
                lookup = self._typed_operation(name, kind.name)
                if index_type is not None and index_type.only_builtins() and not any(
                    m.name in ("builtins.int", "builtins.bool") for m in index_type.classes()
                ):
                    return Answer.closed(["TypeError"])  # ``items["id"]``: never an index
                if index_type is None:
                    lookup = combine([lookup, Answer.open(["TypeError"], unknown_type(
                        "index", node.slice, "its `__index__`"))])
                elif index_type.optional or any(
                    m.name not in ("builtins.int", "builtins.bool")
                    for m in index_type.alternatives()
                ):
                    if index_type.only_builtins():
                        lookup = combine([lookup, Answer.closed(["TypeError"])])
                    else:
                        lookup = combine([lookup, Answer.open(["TypeError"], unknown_type(
                            "index", node.slice, "its `__index__`"))])
                return lookup
            return Answer.closed(["TypeError"])
        found = self.special_method(kind, method, display(node.value))
        if found is not None:
            return found
        return Answer.unknown(f"subscript of `{display(node.value)}`: no contract for "
                              f"`{kind.name}.{method}`", f"{kind.name}.{method}")

    def _key(self, key: ValueType | None, node: ast.Subscript) -> Answer:
        """Hashing a dictionary key: builtin scalars hash quietly, tuples (which may hold a
        list) and JSON containers raise TypeError (unhashable); anything else runs its
        ``__hash__``/``__eq__``."""
        if key is not None and all(m.is_scalar for m in key.alternatives()):
            return NOTHING
        if key is not None and all(m.is_scalar or m.name == "builtins.tuple"
                                   for m in key.alternatives()):
            return Answer.closed(["TypeError"])  # a tuple holding a list is unhashable: d[(1, [])]
        if key is not None and key.only_builtins():
            return Answer.closed(["TypeError"])
        return Answer.open(["TypeError"], unknown_type(
            "dictionary key", node.slice, "its `__hash__`/`__eq__`"))

    def _typed_operation(self, name: str, receiver: str | None) -> Answer:
        if receiver is not None:
            spec = self.kb.operation(f"{name}:{receiver}")
            if spec is not None:
                return self.inferrer.spec_answer(spec, name)
        return self.operation(name)

    def binary(self, op: ast.operator, left: ast.expr, right: ast.expr, frame: Frame) -> Answer:
        """Arithmetic: on numbers, what the language raises; otherwise user code may run."""
        left_type = self.types.type_of(left, frame)
        right_type = self.types.type_of(right, frame)
        if left_type is not None and not left_type.optional:
            if isinstance(op, ast.Mod) and left_type.name in ("builtins.str", "builtins.bytes"):
                return self._percent_format(left, right, frame)
            if isinstance(op, ast.Div) and left_type.name.startswith("pathlib."):
                if right_type is not None and (
                    right_type.name == "builtins.str" or right_type.name.startswith("pathlib.")
                ):
                    return NOTHING
                return Answer.open(["TypeError"], unknown_type("joins a path with", right,
                                                                "`__fspath__`"))
        if left_type is None or right_type is None:
            unknown = left if left_type is None else right
            return combine([self._numeric(op, None, None), Answer.open(["TypeError"], unknown_type(
                "operand", unknown, "its arithmetic special methods"))])
        parts = [
            self._binary_of(op, left_kind, right_kind, left)
            for left_kind in left_type.classes()
            for right_kind in right_type.classes()
        ]
        return combine(parts)

    def _binary_of(self, op: ast.operator, left_type: ValueType, right_type: ValueType,
                   left: ast.expr) -> Answer:
        if left_type.is_number and right_type.is_number:
            return self._numeric(op, left_type, right_type)
        if left_type.is_builtin and right_type.is_builtin:
            same = left_type.name == right_type.name
            if isinstance(op, ast.Add) and same and left_type.name in _SEQUENCES:
                return NOTHING
            if isinstance(op, ast.Mult) and {left_type.name, right_type.name} & _SEQUENCES and (
                {"builtins.int", "builtins.bool"} & {left_type.name, right_type.name}
            ):
                # "a" * 10**20: cannot fit 'int' into an index-sized integer
                return Answer.closed(["OverflowError"])
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
                              f"`{kind.name}.{method}`", f"{kind.name}.{method}")

    def _numeric(
        self, op: ast.operator, left: ValueType | None, right: ValueType | None
    ) -> Answer:
        """Arithmetic on numbers (``None``: an operand of unknown type, whose answer is open
        anyway).  An int too large for a float meets a float (``1.5 + 10**400``) or a true
        division (``10**400 / 3``): the knowledge base's "arithmetic"."""
        names = {t.name for t in (left, right) if t is not None}
        complex_operand = "builtins.complex" in names
        mixed = bool(names & {"builtins.float", "builtins.complex"}
                     and names & {"builtins.int", "builtins.bool"})
        if isinstance(op, ast.Pow):
            return self.operation("power")
        if isinstance(op, _ORDERED_DIVISION):
            parts = [self.operation("division")]
            if complex_operand and not isinstance(op, ast.Div):
                parts.append(Answer.closed(["TypeError"]))  # complex has no // or %
            if mixed or isinstance(op, ast.Div):  # a float result: 10**400 / 3 overflows
                parts.append(self.operation("arithmetic"))
            return combine(parts)
        if isinstance(op, (ast.LShift, ast.RShift)):
            return Answer.closed(["ValueError", "OverflowError"])
        return self.operation("arithmetic") if mixed else NOTHING

    def _percent_format(self, left: ast.expr, right: ast.expr, frame: Frame) -> Answer:
        """``"%s" % args``: bad formats raise TypeError/ValueError, a mapping's missing key
        KeyError, ``%d``/``%c`` of an infinite or huge number OverflowError; the arguments'
        ``__str__`` runs unless they are builtin values."""
        values = right.elts if isinstance(right, ast.Tuple) else [right]
        names = {"TypeError", "ValueError"}
        weak: ast.expr | None = None
        for value in values:
            kind = self.types.type_of(value, frame)
            members = {m.name for m in kind.alternatives()} if kind is not None else set()
            named = not (isinstance(left, ast.Constant) and isinstance(left.value, (str, bytes))
                         and "%(" not in str(left.value))
            if named and value is right and (kind is None or "builtins.dict" in members):
                names.add("KeyError")  # "%(name)s" % mapping
            if members & NUMBERS_SET:
                names.add("OverflowError")
            if weak is None and (kind is None or not kind.only_builtins()):
                weak = value
        if weak is not None:
            return Answer.open(sorted(names), unknown_type(
                "formats", weak, "its `__str__`/`__format__`"))
        return Answer.closed(names)

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
                return Answer.open(names, unknown_type("compares", value, hook))
        assert left_type is not None and right_type is not None
        return combine(
            self._compare_kinds(op, left_kind, right_kind, left, right)
            for left_kind in left_type.classes() for right_kind in right_type.classes()
        )

    def _compare_kinds(self, op: ast.cmpop, left_type: ValueType, right_type: ValueType,
                       left: ast.expr, right: ast.expr) -> Answer:
        if isinstance(op, (ast.Eq, ast.NotEq)):
            if left_type.is_scalar and right_type.is_scalar:
                return NOTHING
            if left_type.is_builtin and right_type.is_builtin:
                if left_type.only_builtins() and right_type.only_builtins():
                    return NOTHING  # JSON documents compare without user code
                return Answer.open((), f"compares containers `{display(left)}` and "
                                       f"`{display(right)}` (their elements' `__eq__` runs)")
            kind, value = (left_type, left) if not left_type.is_builtin else (right_type, right)
            return self._user_hook(kind, ("__eq__",), value, "compares")
        if left_type.is_number and right_type.is_number:
            if "builtins.complex" in (left_type.name, right_type.name):
                return Answer.closed(["TypeError"])  # complex numbers are not ordered
            return NOTHING
        if left_type.name == right_type.name and (
            left_type.name in ("builtins.str", "builtins.bytes")
        ):
            return NOTHING
        if left_type.is_builtin and right_type.is_builtin:
            if left_type.only_builtins() and right_type.only_builtins():
                return Answer.closed(["TypeError"])
            return Answer.open(["TypeError"], f"orders containers `{display(left)}`")
        kind, value = (left_type, left) if not left_type.is_builtin else (right_type, right)
        return combine([Answer.closed(["TypeError"]),
                        self._user_hook(kind, ("__lt__",), value, "orders")])

    def _membership(self, left: ast.expr, left_type: ValueType | None, right: ast.expr,
                    right_type: ValueType | None) -> Answer:
        if right_type is None:
            return Answer.open(["TypeError"], unknown_type("membership test in", right,
                                                            "`__contains__`"))
        return combine(self._membership_of(left, left_type, right, container)
                       for container in right_type.classes())

    def _membership_of(self, left: ast.expr, left_type: ValueType | None, right: ast.expr,
                       container: ValueType) -> Answer:
        if container.name in ("builtins.str", "builtins.bytes"):
            if left_type is None or left_type.optional or any(
                m.name != container.name for m in left_type.alternatives()
            ):
                return Answer.closed(["TypeError"])
            return NOTHING
        if container.is_scalar:
            return Answer.closed(["TypeError"])  # ``x in 3``, ``x in None``
        if container.is_builtin:
            hashed = container.name in _HASHED or container.name == "builtins.dict_keys"
            if left_type is not None and all(m.is_scalar for m in left_type.classes()):
                if hashed or container.json or isinstance(right, (ast.Tuple, ast.List, ast.Set)):
                    return NOTHING
                return Answer.open((), f"membership test in `{display(right)}` "
                                       "runs its elements' `__eq__`")
            if left_type is not None and left_type.only_builtins():
                if hashed:
                    return Answer.closed(["TypeError"])  # a JSON list or object: unhashable
                if container.json:
                    return NOTHING
            return Answer.open(["TypeError"], unknown_type(
                "membership test of", left, "`__hash__`/`__eq__`"))
        found = self.special_method(container, "__contains__", display(right))
        if found is not None:
            return found
        return Answer.unknown(f"membership test in `{display(right)}`: no contract for "
                              f"`{container.name}.__contains__`",
                              f"{container.name}.__contains__")

    def formatted(self, node: ast.FormattedValue, frame: Frame) -> Answer:
        """``f"{x}"`` runs ``format(x, spec)`` (``__format__``/``__str__``/``__repr__``): a
        spec the type does not know is a ValueError (a TypeError for None and containers)."""
        kind = self.types.type_of(node.value, frame)
        spec = node.format_spec is not None
        if kind is None:
            return Answer.open(["ValueError"] if spec else [], unknown_type(
                "formats", node.value, "its `__format__`/`__str__`"))
        parts = [Answer.closed(["ValueError"])] if spec else []
        for member in kind.classes():
            if member.is_scalar or member.only_builtins():
                if spec and (member.name == NONE.name or not member.is_scalar):
                    parts.append(Answer.closed(["TypeError"]))
            elif member.is_builtin:
                parts.append(Answer.open((), f"formats the container `{display(node.value)}` "
                                             "(its elements' `__repr__` runs)"))
            else:
                hooks = (("__format__", "__str__", "__repr__") if node.conversion != ord("r")
                         else ("__repr__",))
                parts.append(self._user_hook(member, hooks, node.value, "formats"))
        return combine(parts)

    def unary(self, node: ast.UnaryOp, frame: Frame) -> Answer:
        if isinstance(node.op, ast.Not):
            return self.truth(node.operand, frame)
        kind = self.types.type_of(node.operand, frame)
        if kind is None:
            return Answer.open(["TypeError"], unknown_type("operand", node.operand,
                                                            "its unary special methods"))
        return combine(self._unary_of(node, member) for member in kind.classes())

    def _unary_of(self, node: ast.UnaryOp, kind: ValueType) -> Answer:
        if kind.is_number:
            invertible = kind.name in ("builtins.int", "builtins.bool")
            return NOTHING if invertible or not isinstance(node.op, ast.Invert) else \
                Answer.closed(["TypeError"])
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
        shown = display(node.value)
        return Answer.unknown(
            f"awaits `{shown}` (it raises whatever the awaited task raised)", None,
            f"`await {shown}` raises whatever the awaited task raised",
        )

    def name_load(self, node: ast.Name, frame: Frame) -> Answer:
        return Answer.closed(["NameError"]) if maybe_unbound(node.id, frame) else NOTHING

    def _hashed_display(self, node: ast.Set | ast.Dict, frame: Frame) -> Answer:
        keys = node.elts if isinstance(node, ast.Set) else [k for k in node.keys if k is not None]
        for key in keys:
            kind = self.types.type_of(key, frame)
            if kind is None or not (kind.is_scalar or kind.name == "builtins.tuple"):
                return Answer.open(["TypeError"], unknown_type("hashes", key, "`__hash__`"))
        if isinstance(node, ast.Dict) and any(k is None for k in node.keys):
            unpacked = [v for k, v in zip(node.keys, node.values) if k is None]
            for value in unpacked:
                kind = self.types.type_of(value, frame)
                if kind is None or kind.name != "builtins.dict" or kind.optional:
                    return Answer.open(["TypeError"], unknown_type("unpacks", value, "`keys`"))
        return NOTHING


NUMBERS_SET = frozenset({"builtins.int", "builtins.float", "builtins.bool", "builtins.complex"})


def unknown_type(what: str, expr: ast.expr, hook: str) -> str:
    return f"{what} `{display(expr)}` of unknown type ({hook} may raise anything)"


_BUILTIN_CLASSES: dict[str, type] = {
    f"builtins.{name}": cls for name, cls in vars(builtins).items() if isinstance(cls, type)
}


_BUILTIN_CLASSES.update({
    "builtins.NoneType": type(None), "builtins.dict_keys": type({}.keys()),
    "builtins.dict_values": type({}.values()), "builtins.dict_items": type({}.items()),
})


@functools.lru_cache(maxsize=8192)
def _stdlib_has(qualified: str) -> bool:
    """Whether a dotted standard-library name exists here (stdlib modules only are imported)."""
    parts = qualified.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        if not is_stdlib_module(module_name):
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


def maybe_unbound(name: str, frame: Frame) -> bool:
    """A name bound nowhere this code can see it (``NameError``), conservatively: a name
    bound anywhere in the module (a comprehension variable, a class attribute) or a module
    with a star import is given the benefit of the doubt."""
    is_local, target = resolve_name(name, frame)
    if is_local or target is not None:
        return False
    module = frame.module
    return not module.star_import and name not in module.names_bound_anywhere
