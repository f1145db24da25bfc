"""Local typing: what is this expression?  ``TypeInference.type_of``.

Types are fully-qualified class names (``builtins.str``, ``sqlite3.Connection``,
``app.db.Database``) with a flag for values that may be ``None``.  They come from what a
reader sees:

- literals, f-strings, comparisons;
- annotations of parameters and variables (``Optional[X]``, ``X | None``, string
  annotations, names imported under ``TYPE_CHECKING``);
- attributes of project classes: class-level annotations (dataclass, attrs and pydantic
  fields), ``self.x = ...`` and ``self.x: T`` in any method, properties' return annotations;
- assignments from constructors and from calls whose return type is known: the knowledge
  base's ``returns``, return annotations of the project's own functions, and typeshed's
  stubs for the standard library (and installed packages' own annotations) through
  :mod:`qualitytool.exceptions.inference.stubs`;
- ``with ... as x`` / ``async with`` (the context manager's type) and ``await``.

The project's annotations are trusted as a type checker trusts them (a value annotated
``str`` is a ``str``; a subclass keeps its base's contract).  Anything else is unknown
(``None``), and the inference treats unknown values as able to run arbitrary code.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from qualitytool.exceptions.inference.frames import (
    FUNCTION_TYPES,
    Frame,
    contains_yield,
    qualified_name,
)
from qualitytool.exceptions.inference.project import ClassInfo, FunctionNode
from qualitytool.exceptions.inference.resolve import ContractResolver

NONE_TYPE = "builtins.NoneType"
# Builtin types whose special methods (__str__, __eq__, __hash__, __bool__, arithmetic)
# are the interpreter's own and raise only what the language documents.
SCALARS = frozenset(
    f"builtins.{name}" for name in ("str", "bytes", "int", "float", "bool", "complex", "NoneType")
)
NUMBERS = frozenset(f"builtins.{name}" for name in ("int", "float", "bool", "complex"))
# Builtin containers: their own operations are known, their elements' are not.
CONTAINERS = frozenset(
    f"builtins.{name}"
    for name in ("list", "dict", "tuple", "set", "frozenset", "bytearray", "range",
                 "dict_keys", "dict_values", "dict_items")
)
_TYPING_ALIASES = {
    "typing.List": "builtins.list", "typing.Dict": "builtins.dict",
    "typing.Tuple": "builtins.tuple", "typing.Set": "builtins.set",
    "typing.FrozenSet": "builtins.frozenset", "typing.Text": "builtins.str",
    "typing.DefaultDict": "collections.defaultdict",
    "typing.OrderedDict": "collections.OrderedDict", "typing.Deque": "collections.deque",
}
_OPTIONAL = ("typing.Optional", "typing_extensions.Optional")
_UNION = ("typing.Union", "typing_extensions.Union")
_ANNOTATED = ("typing.Annotated", "typing_extensions.Annotated")
_WRAPPERS = ("typing.ClassVar", "typing.Final", "typing_extensions.Final", "typing.Required",
             "typing.NotRequired", "typing_extensions.Required", "typing_extensions.NotRequired")
_PROPERTY_DECORATORS = ("property", "functools.cached_property", "cached_property")


@dataclass(frozen=True)
class ValueType:
    """The class of a value, and whether it may also be ``None``."""

    name: str
    optional: bool = False

    @property
    def is_builtin(self) -> bool:
        return self.name.startswith("builtins.")

    @property
    def is_scalar(self) -> bool:
        return self.name in SCALARS

    @property
    def is_number(self) -> bool:
        return self.name in NUMBERS

    def required(self) -> ValueType:
        return ValueType(self.name) if self.optional else self


class StubType(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def optional(self) -> bool: ...


class StubSource(Protocol):
    """What the typing needs from typeshed's stubs (:class:`qualitytool.exceptions.inference.stubs.Stubs`)."""

    def return_type(self, qualified: str) -> StubType | None: ...

    def attribute_type(self, qualified_class: str, attr: str) -> StubType | None: ...

    def has_attribute(self, qualified_class: str, attr: str) -> bool | None: ...

    def kind(self, qualified: str) -> str | None: ...


@dataclass
class ClassMembers:
    """What a project class (with its project bases) defines, as the inference needs it."""

    methods: dict[str, tuple[ClassInfo, FunctionNode]] = field(default_factory=dict)
    properties: dict[str, tuple[ClassInfo, FunctionNode]] = field(default_factory=dict)
    # attribute -> where its values come from: (annotation or value, frame to read it in)
    declared: dict[str, list[tuple[ast.expr, Frame]]] = field(default_factory=dict)
    assigned: dict[str, list[tuple[ast.expr, Frame]]] = field(default_factory=dict)
    # set in __init__'s top level (always present after construction)
    initialised: set[str] = field(default_factory=set)
    has_getattr: bool = False
    foreign_bases: tuple[str, ...] = ()

    def defines(self, attr: str) -> bool:
        return (
            attr in self.methods or attr in self.properties or attr in self.declared
            or attr in self.assigned
        )


def _decorator_names(node: FunctionNode) -> set[str]:
    names = set()
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        text = ast.unparse(target)
        names.add(text)
        names.add(text.rsplit(".", 1)[-1])
    return names


class TypeInference:
    """``type_of`` for expressions; ``return_type`` for callees; members of project classes."""

    def __init__(self, contracts: ContractResolver, stubs: StubSource | None = None) -> None:
        self.contracts = contracts
        self.kb = contracts.kb
        self.index = contracts.index
        self.stubs = stubs
        self._members: dict[str, ClassMembers] = {}
        self._attribute_types: dict[tuple[str, str], ValueType | None] = {}

    # -- expressions -----------------------------------------------------------------------

    def type_of(self, expr: ast.expr | None, frame: Frame, depth: int = 0) -> ValueType | None:
        """The type of a value when a reader could tell it at a glance, else None."""
        if expr is None or depth > 6:
            return None
        literal = _literal_type(expr)
        if literal is not None:
            return literal
        if isinstance(expr, ast.Name):
            return self._name_type(expr.id, frame, depth)
        if isinstance(expr, ast.Attribute):
            static = qualified_name(expr, frame)
            if static is not None:
                return self.qualified_type(static, depth)
            return self._attribute_load_type(expr, frame, depth)
        if isinstance(expr, ast.Call):
            return self._call_type(expr, frame, depth)
        if isinstance(expr, ast.Await):
            if isinstance(expr.value, ast.Call):
                return self._call_type(expr.value, frame, depth, awaited=True)
            return None
        if isinstance(expr, ast.NamedExpr):
            return self.type_of(expr.value, frame, depth + 1)
        if isinstance(expr, ast.IfExp):
            return self._agreed([expr.body, expr.orelse], frame, depth)
        if isinstance(expr, ast.BoolOp):
            return self._agreed(list(expr.values), frame, depth)
        if isinstance(expr, ast.BinOp):
            return self._binary_type(expr, frame, depth)
        return None

    def _agreed(self, values: Sequence[ast.expr], frame: Frame, depth: int) -> ValueType | None:
        types = {self.type_of(v, frame, depth + 1) for v in values}
        return types.pop() if len(types) == 1 else None

    def _binary_type(self, expr: ast.BinOp, frame: Frame, depth: int) -> ValueType | None:
        left = self.type_of(expr.left, frame, depth + 1)
        if left is None or left.optional:
            return None
        if isinstance(expr.op, ast.Mod) and left.name in ("builtins.str", "builtins.bytes"):
            return left
        right = self.type_of(expr.right, frame, depth + 1)
        if right is None or right.optional:
            return None
        if left.is_number and right.is_number:
            if isinstance(expr.op, ast.Div):
                return ValueType("builtins.float")
            if left.name == right.name and left.name != "builtins.bool":
                return left
            return None
        if left == right and left.name in ("builtins.str", "builtins.bytes", "builtins.list",
                                           "builtins.tuple") and isinstance(expr.op, ast.Add):
            return left
        return None

    def _name_type(self, name: str, frame: Frame, depth: int) -> ValueType | None:
        if name == frame.self_name and frame.cls is not None:
            return ValueType(frame.cls.qualname)
        current: Frame | None = frame
        while current is not None and current.function is not None:
            args = current.function.args
            if args.vararg is not None and name == args.vararg.arg:
                return None if name in current.values else ValueType("builtins.tuple")
            if args.kwarg is not None and name == args.kwarg.arg:
                return None if name in current.values else ValueType("builtins.dict")
            if name in current.annotations:
                return self.annotation_type(current.annotations[name], current)
            if name in current.values:
                values = current.values[name]
                if None in values:
                    return None
                found = self._agreed([v for v in values if v is not None], current, depth)
                if name in current.arguments and found != current.arguments[name]:
                    return None  # a parameter reassigned to a value of another type
                return found
            if name in current.arguments:
                return current.arguments[name]
            if name in current.bindings:
                return None
            current = current.parent
        module = frame.module
        if name in module.assignments and module.bindings.get(name, None) is None:
            return self._agreed(list(module.assignments[name]), Frame(module=module), depth)
        target = module.bindings.get(name)
        if target is not None:
            return self.qualified_type(target, depth)
        return None

    def argument_types(
        self, node: FunctionNode, call: ast.Call, frame: Frame, skip_first: bool
    ) -> dict[str, ValueType]:
        """The types a call site gives the parameters of a project function (parameters
        left at a literal default get the default's type)."""
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        if skip_first:
            positional = positional[1:]
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        ):
            return {}
        found: dict[str, ValueType] = {}
        passed: set[str] = set()
        for param, argument in zip(positional, call.args):
            passed.add(param.arg)
            kind = self.type_of(argument, frame)
            if kind is not None:
                found[param.arg] = kind
        for keyword in call.keywords:
            assert keyword.arg is not None
            passed.add(keyword.arg)
            kind = self.type_of(keyword.value, frame)
            if kind is not None:
                found[keyword.arg] = kind
        defaults = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        defaults += [(p, d) for p, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
        for param, default in defaults:
            if param.arg not in passed:
                kind = _literal_type(default)
                if kind is not None:
                    found[param.arg] = kind
        return found

    def qualified_type(self, qualified: str, depth: int = 0) -> ValueType | None:
        """The type of a module-level variable reached through imports (``app.log.logger``,
        ``os.environ``), or of an attribute chain on it."""
        if depth > 6:
            return None
        if self.index.is_project_name(qualified):
            split = self.index.split(qualified)
            if split is None:
                return None
            info, rest = split
            target = info.bindings.get(rest[0])
            if target is not None and target != f"{info.name}.{rest[0]}":
                return self.qualified_type(".".join([target, *rest[1:]]), depth + 1)
            if rest[0] not in info.assignments or target is not None:
                return None
            found = self._agreed(list(info.assignments[rest[0]]), Frame(module=info), depth)
            for attr in rest[1:]:
                if found is None or found.optional:
                    return None
                found = self.attribute_type(found.name, attr)
            return found
        if self.stubs is None or self.stubs.kind(qualified) != "attribute":
            return None
        owner, _, attr = qualified.rpartition(".")
        stub = self.stubs.attribute_type(owner, attr)
        return _from_stub(stub) if stub is not None else None

    def _attribute_load_type(
        self, expr: ast.Attribute, frame: Frame, depth: int
    ) -> ValueType | None:
        receiver = self.type_of(expr.value, frame, depth + 1)
        if receiver is None or receiver.optional:
            return None
        return self.attribute_type(receiver.name, expr.attr)

    def attribute_type(self, owner: str, attr: str) -> ValueType | None:
        """The type of ``attr`` on an instance of ``owner`` (project, library or stdlib)."""
        key = (owner, attr)
        if key in self._attribute_types:
            return self._attribute_types[key]
        self._attribute_types[key] = None  # breaks cycles through type_of
        found: ValueType | None = None
        cls = self.index.class_info(owner) if self.index.is_project_name(owner) else None
        if cls is not None:
            found = self._project_attribute_type(cls, attr)
        else:
            entry = self.kb.class_entry(owner)
            if entry is not None and entry.attributes.get(attr):
                found = _parse_returns(entry.attributes[attr])
            elif self.stubs is not None:
                stub = self.stubs.attribute_type(owner, attr)
                if stub is not None:
                    found = _from_stub(stub)
        self._attribute_types[key] = found
        return found

    def _project_attribute_type(self, cls: ClassInfo, attr: str) -> ValueType | None:
        members = self.members(cls)
        if attr in members.properties:
            owner, getter = members.properties[attr]
            if getter.returns is None:
                return None
            return self.annotation_type(getter.returns, Frame.for_function(owner.module, getter, owner))
        declared = members.declared.get(attr)
        if declared:
            types = {self.annotation_type(annotation, f) for annotation, f in declared}
            return types.pop() if len(types) == 1 else None
        assigned = members.assigned.get(attr)
        if assigned:
            types = {self.type_of(value, f, 2) for value, f in assigned}
            return types.pop() if len(types) == 1 else None
        return None

    # -- calls -----------------------------------------------------------------------------

    def callee_name(self, func: ast.expr, frame: Frame, depth: int = 0) -> str | None:
        """A call's callee as a qualified name (``sqlite3.Connection.execute`` when typed)."""
        qualified = qualified_name(func, frame)
        if qualified is not None:
            owner, _, method = qualified.rpartition(".")
            if owner and "." in owner and (
                self.index.lookup(qualified) is None
                if self.index.is_project_name(owner)
                else self.kb.lookup(qualified) is None
            ):  # a method of a module-level variable: ``app.log.logger.info``, ``sys.stderr.write``
                receiver = self.qualified_type(owner, depth + 1)
                if receiver is not None:  # when it may be None, the call adds AttributeError
                    return f"{receiver.name}.{method}"
            return qualified
        if isinstance(func, ast.Attribute):
            if (
                isinstance(func.value, ast.Name)
                and func.value.id == frame.cls_name
                and frame.cls is not None
            ):
                return f"{frame.cls.qualname}.{func.attr}"
            receiver = self.type_of(func.value, frame, depth + 1)
            if receiver is not None:
                return f"{receiver.name}.{func.attr}"
        return None

    def _call_type(
        self, call: ast.Call, frame: Frame, depth: int, awaited: bool = False
    ) -> ValueType | None:
        callee = self.callee_name(call.func, frame, depth)
        if callee is None:
            return None
        return self.return_type(callee, awaited)

    def return_type(self, callee: str, awaited: bool = False) -> ValueType | None:
        """What calling ``callee`` returns (awaited: the result of awaiting the call)."""
        return self._return_type(callee, awaited)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 -- one TypeInference per run
    def _return_type(self, callee: str, awaited: bool) -> ValueType | None:
        spec = self.contracts.spec_for(callee)
        if spec is not None and spec.returns:
            return _parse_returns(spec.returns)
        found = self.index.lookup(callee) if self.index.is_project_name(callee) else None
        if found is not None:
            _name, node, module, owner = found
            if isinstance(node, ClassInfo):
                return ValueType(node.qualname)
            if node.returns is None or (isinstance(node, ast.AsyncFunctionDef) and not awaited):
                return None
            if contains_yield(node.body):
                return None
            returned = self.annotation_type(node.returns, Frame.for_function(module, node, owner))
            if returned is not None and returned.name == "typing.Self" and owner is not None:
                return ValueType(owner.qualname)
            return returned
        if self.stubs is not None:
            stub = self.stubs.return_type(callee)
            if stub is not None:
                return _from_stub(stub)
        if callee.startswith("builtins.") and callee.count(".") == 1:
            kind = self.stubs.kind(callee) if self.stubs is not None else None
            if kind == "class":
                return ValueType(callee)
        return None

    # -- annotations -----------------------------------------------------------------------

    def annotation_type(self, annotation: ast.expr, frame: Frame) -> ValueType | None:
        """The type an annotation declares, or None when it is not one concrete class."""
        if isinstance(annotation, ast.Constant):
            if annotation.value is None:
                return ValueType(NONE_TYPE)
            if isinstance(annotation.value, str):
                try:
                    parsed = ast.parse(annotation.value.strip(), mode="eval").body
                except SyntaxError:
                    return None
                return self.annotation_type(parsed, frame)
            return None
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return _union([self.annotation_type(annotation.left, frame),
                           self.annotation_type(annotation.right, frame)])
        if isinstance(annotation, ast.Subscript):
            outer = qualified_name(annotation.value, frame)
            if outer is None:
                return None
            arguments = (
                list(annotation.slice.elts)
                if isinstance(annotation.slice, ast.Tuple)
                else [annotation.slice]
            )
            if outer in _OPTIONAL:
                inner = self.annotation_type(arguments[0], frame)
                return ValueType(inner.name, True) if inner is not None else None
            if outer in _UNION:
                return _union([self.annotation_type(a, frame) for a in arguments])
            if outer in _ANNOTATED or outer in _WRAPPERS:
                return self.annotation_type(arguments[0], frame)
            return _concrete(outer)
        qualified = qualified_name(annotation, frame)
        if qualified is None:
            return None
        if qualified in _WRAPPERS:
            return None
        return _concrete(qualified)

    # -- project classes -------------------------------------------------------------------

    def members(self, cls: ClassInfo) -> ClassMembers:
        """Methods, properties and attributes of a project class and its project bases."""
        cached = self._members.get(cls.qualname)
        if cached is not None:
            return cached
        members = ClassMembers(foreign_bases=tuple(self.contracts.foreign_bases(cls)))
        self._members[cls.qualname] = members
        for owner in reversed(self.index.mro(cls)):  # bases first, the class itself last wins
            self._collect_members(owner, members)
        return members

    def _collect_members(self, owner: ClassInfo, members: ClassMembers) -> None:
        class_frame = Frame(module=owner.module)
        for stmt in owner.node.body:
            if isinstance(stmt, FUNCTION_TYPES):
                decorators = _decorator_names(stmt)
                if decorators & set(_PROPERTY_DECORATORS):
                    members.properties[stmt.name] = (owner, stmt)
                elif not any(d.endswith((".setter", ".deleter")) for d in decorators):
                    members.methods[stmt.name] = (owner, stmt)
                if stmt.name in ("__getattr__", "__getattribute__"):
                    members.has_getattr = True
                self._collect_self_assignments(owner, stmt, members)
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                members.declared.setdefault(stmt.target.id, []).append((stmt.annotation, class_frame))
                if stmt.value is not None:
                    members.initialised.add(stmt.target.id)
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        members.assigned.setdefault(target.id, []).append((stmt.value, class_frame))
                        members.initialised.add(target.id)

    def _collect_self_assignments(
        self, owner: ClassInfo, method: FunctionNode, members: ClassMembers
    ) -> None:
        frame = Frame.for_function(owner.module, method, owner)
        self_name = frame.self_name
        if self_name is None:
            return
        for node in ast.walk(method):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if _is_self_attribute(target, self_name):
                        assert isinstance(target, ast.Attribute)
                        members.assigned.setdefault(target.attr, []).append((node.value, frame))
            elif isinstance(node, ast.AnnAssign) and _is_self_attribute(node.target, self_name):
                assert isinstance(node.target, ast.Attribute)
                members.declared.setdefault(node.target.attr, []).append((node.annotation, frame))
        if method.name == "__init__":
            for stmt in method.body:  # the top level only: always run
                targets = (
                    stmt.targets if isinstance(stmt, ast.Assign)
                    else [stmt.target] if isinstance(stmt, ast.AnnAssign) and stmt.value is not None
                    else []
                )
                for target in targets:
                    if _is_self_attribute(target, self_name):
                        assert isinstance(target, ast.Attribute)
                        members.initialised.add(target.attr)


def _is_self_attribute(target: ast.expr, self_name: str) -> bool:
    return (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == self_name
    )



def _literal_type(expr: ast.expr) -> ValueType | None:
    if isinstance(expr, (ast.Dict, ast.DictComp)):
        return ValueType("builtins.dict")
    if isinstance(expr, (ast.List, ast.ListComp)):
        return ValueType("builtins.list")
    if isinstance(expr, ast.Tuple):
        return ValueType("builtins.tuple")
    if isinstance(expr, (ast.Set, ast.SetComp)):
        return ValueType("builtins.set")
    if isinstance(expr, ast.JoinedStr):
        return ValueType("builtins.str")
    if isinstance(expr, ast.Compare):
        return ValueType("builtins.bool")
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return ValueType("builtins.bool")
    if isinstance(expr, ast.Constant):
        value = expr.value
        if value is None:
            return ValueType(NONE_TYPE)
        if isinstance(value, bool):
            return ValueType("builtins.bool")
        for kind in (str, bytes, int, float, complex):
            if isinstance(value, kind):
                return ValueType(f"builtins.{kind.__name__}")
    return None


# typing's file types: whatever stands behind them is a file object of the io module.
_FILE_PROTOCOLS = ("typing.TextIO", "typing.BinaryIO", "typing.IO")
# The stubs name dict views after the private module that declares them.
_DICT_VIEWS = {f"_collections_abc.dict_{view}": f"builtins.dict_{view}"
               for view in ("keys", "values", "items")}


def _from_stub(stub: StubType) -> ValueType | None:
    """A stub's type as ours: ``types.NoneType`` is None's class; typing's forms are not
    concrete classes (but its file types are files)."""
    if stub.name in ("types.NoneType", "builtins.None"):
        return ValueType(NONE_TYPE)
    if stub.name in _FILE_PROTOCOLS:
        return ValueType("io.IOBase", stub.optional)
    if stub.name in _DICT_VIEWS:
        return ValueType(_DICT_VIEWS[stub.name], stub.optional)
    if stub.name.startswith(("typing.", "typing_extensions.", "collections.abc.")):
        return None
    return ValueType(stub.name, stub.optional)


def _parse_returns(text: str) -> ValueType:
    """A knowledge-base ``returns`` value: ``"re.Match"`` or ``"re.Match | None"``."""
    name, _, rest = text.partition("|")
    return ValueType(name.strip(), optional=rest.strip() == "None")


def _concrete(qualified: str) -> ValueType | None:
    qualified = _TYPING_ALIASES.get(qualified, qualified)
    if qualified.startswith(("typing.", "typing_extensions.", "collections.abc.")):
        return None  # protocols and special forms: any implementation may stand behind them
    if qualified in ("builtins.object", "builtins.type"):
        return None
    if qualified == "builtins.None":
        return ValueType(NONE_TYPE)
    return ValueType(qualified)


def _union(members: Sequence[ValueType | None]) -> ValueType | None:
    """``X | None`` -> optional X; a union of several classes is not one type."""
    if any(m is None for m in members):
        return None
    optional = any(m is not None and (m.optional or m.name == NONE_TYPE) for m in members)
    names = {m.name for m in members if m is not None and m.name != NONE_TYPE}
    if len(names) != 1:
        return ValueType(NONE_TYPE) if not names else None
    return ValueType(names.pop(), optional)
