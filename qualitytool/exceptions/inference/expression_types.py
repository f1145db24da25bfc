"""Local typing: what is this expression?  ``TypeInference.type_of``.

Types are fully-qualified class names (``builtins.str``, ``sqlite3.Connection``,
``app.db.Database``) with a flag for values that may be ``None``, or unions of them
(``int | str``; a decoded JSON document is the union :data:`JSON`).  They come from what a
reader sees:

- literals, f-strings, comparisons, ``a or b`` (``x or ""``), ``a if c else b``;
- the assignments that reach a read of a local name (:mod:`.flow`), narrowed by the tests on
  the way (``if x is None: return``, ``if x:``, ``isinstance``); a parameter is what its
  call site passes when that is known, else its annotation (and its default's type);
  ``except X as exc`` is an ``X`` (``X | Y`` for a tuple); a loop variable is an element of
  what it iterates when that is known (a JSON array's elements are JSON);
- attributes of project classes: the values assigned to them (``self.x = ...`` in any method,
  class-level values), and class-level annotations of fields a constructor fills (dataclass,
  attrs and pydantic fields); properties' returned values;
- calls whose return type is known: the knowledge base's ``returns``, the values the
  project's own functions return, and typeshed's stubs for the standard library (and
  installed packages' own annotations) through :mod:`qualitytool.exceptions.inference.stubs`;
- ``with ... as x`` / ``async with`` (what ``__enter__``/``__aenter__`` returns) and ``await``.

An annotation never makes a value more than its source proves.  ``data: dict`` followed by
``data = r.json()`` is a JSON value, whatever the annotation says, and ``x: Foo = untyped()``
is unknown: as with mypy's ``Any``, an untyped value is compatible with every annotation, so
the annotation proves nothing about it.  Parameters (whose values the typing cannot see) and
fields a constructor fills are the exceptions, trusted as a type checker trusts them (a
subclass keeps its base's contract).  Anything else is unknown (``None``), and the inference
treats unknown values as able to run arbitrary code.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from qualitytool.exceptions.inference.answers import canonical_exception
from qualitytool.exceptions.inference.flow import (
    Definition,
    DefinitionKind,
    Narrowing,
    NarrowingKind,
    Reaching,
    is_constant_display,
)
from qualitytool.exceptions.inference.frames import (
    FUNCTION_TYPES,
    Frame,
    contains_yield,
    is_context_generator,
    own_nodes,
    qualified_name,
)
from qualitytool.exceptions.inference.hierarchy import runtime_class
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
    """The class of a value, and whether it may also be ``None``; or a union of classes.

    ``members`` makes a union (``int | str``): each member is one class, never optional
    (``optional`` says whether None is one of the values) and never a union; ``name`` is then
    a display name no class has (``<int | str>``, ``<JSON>``), so code that looks a class up
    by name finds nothing and stays careful.  ``json`` marks a builtin container, or view of
    one, that holds only JSON values (a decoded document's ``dict``, ``list``, their views).
    """

    name: str
    optional: bool = False
    members: tuple[ValueType, ...] = ()
    json: bool = False

    @property
    def is_union(self) -> bool:
        """A union of classes, or :data:`NEVER` (the union of none)."""
        return bool(self.members) or self.name == NEVER_NAME

    @property
    def is_never(self) -> bool:
        return self.name == NEVER_NAME

    @property
    def is_builtin(self) -> bool:
        return not self.members and self.name.startswith("builtins.")

    @property
    def is_scalar(self) -> bool:
        return not self.members and self.name in SCALARS

    @property
    def is_number(self) -> bool:
        return not self.members and self.name in NUMBERS

    def required(self) -> ValueType:
        return replace(self, optional=False) if self.optional else self

    def alternatives(self) -> tuple[ValueType, ...]:
        """The classes a value that is not None may be."""
        if self.members:
            return self.members
        if self.name in (NONE_TYPE, NEVER_NAME):
            return ()
        return (self.required(),)

    def classes(self) -> tuple[ValueType, ...]:
        """The classes a value may be, ``NoneType`` included when it may be None."""
        return (*self.alternatives(), *((NONE,) if self.optional or self.name == NONE_TYPE else ()))

    def only_builtins(self) -> bool:
        """Every value is an instance of a builtin class whose special methods are the
        interpreter's own: scalars, and containers holding JSON (no user code anywhere)."""
        return all(m.is_scalar or m.json for m in self.alternatives())

    @property
    def shown(self) -> str:
        """How a reason names the type."""
        if self.members:
            text = "JSON value" if self.name == JSON_NAME else self.name.strip("<>")
        else:
            text = self.name
        return f"{text} | None" if self.optional else text


NONE = ValueType(NONE_TYPE)
NEVER_NAME = "<never>"
NEVER = ValueType(NEVER_NAME)
"""No value: code that the tests on the way make unreachable (after ``isinstance(x, str)``
excluded the only class ``x`` could be).  Every operation on it raises nothing."""
JSON_NAME = "<JSON>"
_JSON_CONTAINERS = (ValueType("builtins.dict", json=True), ValueType("builtins.list", json=True))
_JSON_SCALARS = tuple(ValueType(f"builtins.{n}") for n in ("bool", "float", "int", "str"))
JSON = ValueType(JSON_NAME, True, (*_JSON_CONTAINERS, *_JSON_SCALARS))
"""What ``json.loads`` returns: ``dict | list | str | int | float | bool | None``, its
containers holding JSON values in turn (an object's keys are strs)."""
# The knowledge base's name for a JSON value (``returns = "json.Any"``).
JSON_RETURNS = "json.Any"
# More classes than this in a union: unknown (nobody reads reasons about such values).
_MAX_MEMBERS = 8


def union_of(types: Iterable[ValueType | None]) -> ValueType | None:
    """The union of some types; None (unknown) when one of them is unknown."""
    optional = False
    members: dict[ValueType, None] = {}
    never = False
    for kind in types:
        if kind is None:
            return None
        if kind.is_never:
            never = True
            continue
        optional = optional or kind.optional
        for member in kind.alternatives():
            members[member] = None
        if kind.name == NONE_TYPE:
            optional = True
    if not members:
        return NONE if optional else NEVER if never else None
    if len(members) == 1:
        (single,) = members
        return replace(single, optional=optional)
    if len(members) > _MAX_MEMBERS:
        return None
    ordered = tuple(sorted(members, key=lambda m: (m.name, m.json)))
    if set(ordered) == set(JSON.members):
        return replace(JSON, optional=optional)
    name = "<" + " | ".join(m.name + ("[JSON]" if m.json else "") for m in ordered) + ">"
    return ValueType(name, optional, ordered)


class StubType(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def optional(self) -> bool: ...


class StubSource(Protocol):
    """What the typing needs from typeshed's stubs
    (:class:`qualitytool.exceptions.inference.stubs.Stubs`)."""

    def return_type(self, qualified: str, awaited: bool = False) -> StubType | None: ...

    def attribute_type(self, qualified_class: str, attr: str) -> StubType | None: ...

    def has_attribute(self, qualified_class: str, attr: str) -> bool | None: ...

    def kind(self, qualified: str) -> str | None: ...

    def bases(self, qualified_class: str) -> tuple[str, ...]: ...


@dataclass
class ClassMembers:
    """What a project class (with its project bases) defines, as the inference needs it."""

    methods: dict[str, tuple[ClassInfo, FunctionNode]] = field(default_factory=dict)
    properties: dict[str, tuple[ClassInfo, FunctionNode]] = field(default_factory=dict)
    # attribute -> where its values come from: (annotation or value, frame to read it in)
    declared: dict[str, list[tuple[ast.expr, Frame]]] = field(default_factory=dict)
    assigned: dict[str, list[tuple[ast.expr, Frame]]] = field(default_factory=dict)
    # class-level annotations: fields a constructor fills (dataclass, attrs, pydantic), with
    # or without a default, or plain declarations
    fields: dict[str, list[tuple[ast.expr, Frame]]] = field(default_factory=dict)
    # attributes assigned in a way the typing does not follow (``self.a, self.b = ...``)
    untyped: set[str] = field(default_factory=set)
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
        self._returns_in_progress: set[tuple[str, bool]] = set()
        self._returns_in_progress_with_arguments: set[object] = set()
        self._call_results: dict[object, ValueType | None] = {}
        self._global_values: dict[str, dict[str, list[tuple[ast.expr | None, Frame]]]] = {}

    # -- expressions -----------------------------------------------------------------------

    def type_of(self, expr: ast.expr | None, frame: Frame, depth: int = 0) -> ValueType | None:
        """The type of a value when a reader could tell it at a glance, else None."""
        if expr is None or depth > 8:
            return None
        literal = _literal_type(expr)
        if literal is not None:
            return literal
        if isinstance(expr, ast.Name):
            return self._name_type(expr, frame, depth)
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
            return self._union_of_values([expr.body, expr.orelse], frame, depth)
        if isinstance(expr, ast.BoolOp):
            return self._bool_op_type(expr, frame, depth)
        if isinstance(expr, ast.BinOp):
            return self._binary_type(expr, frame, depth)
        if isinstance(expr, ast.Subscript):
            return self._subscript_type(expr, frame, depth)
        if isinstance(expr, ast.UnaryOp):
            return self._unary_type(expr, frame, depth)
        return None

    def _unary_type(self, expr: ast.UnaryOp, frame: Frame, depth: int) -> ValueType | None:
        """``-x``, ``+x``, ``~x`` of numbers (a bool becomes an int); other builtins raise."""
        operand = self.type_of(expr.operand, frame, depth + 1)
        if operand is None or not operand.only_builtins():
            return None
        found: list[ValueType | None] = [NEVER]
        for member in operand.classes():
            if member.name in ("builtins.int", "builtins.bool"):
                found.append(ValueType("builtins.int"))
            elif member.name in ("builtins.float", "builtins.complex") and not isinstance(
                expr.op, ast.Invert
            ):
                found.append(ValueType(member.name))
        return union_of(found)

    def _union_of_values(self, values: Sequence[ast.expr], frame: Frame,
                         depth: int) -> ValueType | None:
        return union_of(self.type_of(v, frame, depth + 1) for v in values)

    def _bool_op_type(self, expr: ast.BoolOp, frame: Frame, depth: int) -> ValueType | None:
        """``a or b``: a value of ``a`` that is true, or ``b``; ``a and b``: either."""
        types = [self.type_of(v, frame, depth + 1) for v in expr.values]
        if isinstance(expr.op, ast.Or):
            truthy: list[ValueType | None] = []
            for kind in types[:-1]:
                narrowed = _narrow(kind, Narrowing(NarrowingKind.TRUTHY))
                truthy.append(NEVER if narrowed is _NEVER else narrowed)  # type: ignore[arg-type]
            return union_of([*truthy, types[-1]])
        return union_of(types)

    def _binary_type(self, expr: ast.BinOp, frame: Frame, depth: int) -> ValueType | None:
        left = self.type_of(expr.left, frame, depth + 1)
        if left is None or left.optional or left.is_union:
            return None
        if isinstance(expr.op, ast.Mod) and left.name in ("builtins.str", "builtins.bytes"):
            return ValueType(left.name)
        right = self.type_of(expr.right, frame, depth + 1)
        if right is None or right.optional or right.is_union:
            return None
        if left.is_number and right.is_number:
            if isinstance(expr.op, ast.Div):
                return ValueType("builtins.float")
            if left.name == right.name and left.name != "builtins.bool":
                return left
            return None
        if left.name == right.name and left.name in (
            "builtins.str", "builtins.bytes", "builtins.list", "builtins.tuple"
        ) and isinstance(expr.op, ast.Add):
            return ValueType(left.name, json=left.json and right.json)
        if isinstance(expr.op, ast.Div) and left.name.startswith("pathlib."):
            return ValueType(left.name)
        return None

    def _subscript_type(self, expr: ast.Subscript, frame: Frame, depth: int) -> ValueType | None:
        """An element of a JSON container or a slice of a str (other containers' elements
        are unknown).  Members that cannot be subscripted raise, so give nothing."""
        is_slice = isinstance(expr.slice, ast.Slice)
        parts = self._split_parts(expr.value, frame, depth)
        if parts is not None:  # ``v.split("-")[0]``
            return ValueType("builtins.list") if is_slice else parts
        container = self.type_of(expr.value, frame, depth + 1)
        if container is None or container.is_never:
            return container
        found: list[ValueType | None] = []
        for member in container.alternatives():
            if member.name in ("builtins.str", "builtins.bytes") and is_slice:
                found.append(ValueType(member.name))
            elif member.name == "builtins.str":
                found.append(member)
            elif member.name == "builtins.bytes":
                found.append(ValueType("builtins.int"))
            elif member.json and member.name == "builtins.list":
                found.append(member if is_slice else JSON)
            elif member.json and member.name == "builtins.dict":
                if not is_slice:  # a slice is no JSON key: KeyError
                    found.append(JSON)
            elif member.is_builtin and member.is_scalar:
                continue  # int, float, bool: TypeError, no value
            else:
                return None
        return union_of(found) if found else None

    # -- names -----------------------------------------------------------------------------

    def _name_type(self, node: ast.Name, frame: Frame, depth: int) -> ValueType | None:
        name = node.id
        current: Frame | None = frame
        first = True
        while current is not None and current.function is not None:
            facts = current.flow
            recorded = facts.reaching.get(id(node)) if first else None
            if recorded is not None:  # a local, or a comprehension's variable
                return self._reaching_type(recorded, current, depth)
            if name in facts.tracked:
                # A closure, a generator expression's body or a synthetic read: it may run
                # after any of the function's assignments.
                reaching = frozenset((d, ()) for d in facts.definitions.get(name, ()))
                if not reaching:
                    return None
                return self._reaching_type(reaching, current, depth)
            if name in current.bindings:
                return None  # an import, a global or a name the flow does not follow
            current = current.parent
            first = False
        return self._module_name_type(name, frame, depth)

    def _module_name_type(self, name: str, frame: Frame, depth: int) -> ValueType | None:
        module = frame.module
        if name in module.assignments and module.bindings.get(name, None) is None:
            module_frame = Frame(module=module)
            values = [self.type_of(v, module_frame, depth + 1) for v in module.assignments[name]]
            values += [
                self.type_of(v, f, depth + 1) if v is not None else None
                for v, f in self._global_assignments(module).get(name, ())
            ]
            # anyone may fill a module's containers: their elements are not JSON any more
            return _without_json(union_of(values))
        target = module.bindings.get(name)
        if target is not None:
            return self.qualified_type(target, depth)
        return None

    def _global_assignments(self, module: object) -> dict[str, list[tuple[ast.expr | None, Frame]]]:
        """Values that functions assign to module variables they declare ``global``."""
        from qualitytool.exceptions.inference.project import ModuleInfo

        assert isinstance(module, ModuleInfo)
        found = self._global_values.get(module.name)
        if found is not None:
            return found
        found = {}
        for node in ast.walk(module.tree):
            if not isinstance(node, FUNCTION_TYPES):
                continue
            declared = {
                n for stmt in ast.walk(node) if isinstance(stmt, ast.Global) for n in stmt.names
            }
            if not declared:
                continue
            function_frame = Frame.for_function(module, node, None)
            for inner in ast.walk(node):
                if isinstance(inner, ast.Assign):
                    for target in inner.targets:
                        for bound in ast.walk(target):
                            if isinstance(bound, ast.Name) and bound.id in declared:
                                value = inner.value if bound is target else None
                                found.setdefault(bound.id, []).append((value, function_frame))
                elif isinstance(inner, (ast.AugAssign, ast.AnnAssign, ast.For, ast.With,
                                        ast.AsyncFor, ast.AsyncWith, ast.NamedExpr, ast.Delete)):
                    for bound in ast.walk(inner):
                        if (isinstance(bound, ast.Name) and bound.id in declared
                                and isinstance(bound.ctx, (ast.Store, ast.Del))):
                            found.setdefault(bound.id, []).append((None, function_frame))
        self._global_values[module.name] = found
        return found

    def _reaching_type(self, reaching: Reaching, frame: Frame, depth: int) -> ValueType | None:
        types: list[ValueType | None] = []
        excluded = False
        for definition, narrowings in reaching:
            if definition.kind is DefinitionKind.UNBOUND:
                continue  # reading it raises: no value comes from there
            kind: ValueType | None | object = self.definition_type(definition, frame, depth)
            if definition in frame.flow.filled:
                kind = _without_json(kind)  # type: ignore[arg-type]
            declared = definition.kind is DefinitionKind.PARAMETER and (
                definition.name not in frame.arguments
            )  # only an annotation says what it is
            # The tests are filters, in any order; "is None" pins the value first.
            for narrowing in sorted(narrowings, key=lambda n: n.kind is not NarrowingKind.IS_NONE):
                classes = self._isinstance_classes(narrowing, frame)
                narrowed = _narrow(kind, narrowing, classes)
                if narrowed is _NEVER and declared and narrowing.test is not None:
                    # The code tests for what its annotation rules out: it expects such
                    # values after all, so the test's own word counts, not the annotation.
                    narrowed = _narrow(None, narrowing, classes)
                kind = narrowed
            if kind is _NEVER:
                excluded = True  # the tests on the way exclude this definition
                continue
            types.append(kind)  # type: ignore[arg-type]
        if not types:
            return NEVER if excluded else None
        return union_of(types)

    def definition_type(self, definition: Definition, frame: Frame,
                        depth: int = 0) -> ValueType | None:
        """What a binding of a local holds (memoised per frame; a binding that depends on
        itself, through a loop, is unknown)."""
        cache = frame.definition_types
        if definition in cache:
            found = cache[definition]
            return found if found is not _PENDING else None  # type: ignore[return-value]
        cache[definition] = _PENDING
        try:
            result = self._definition_type(definition, frame, depth)
        finally:
            cache.pop(definition, None)
        cache[definition] = result
        return result

    def _definition_type(self, definition: Definition, frame: Frame,
                         depth: int) -> ValueType | None:
        node = definition.node
        kind = definition.kind
        if kind is DefinitionKind.PARAMETER:
            assert isinstance(node, ast.arg)
            return self._parameter_type(node, frame)
        if kind is DefinitionKind.VALUE:
            assert isinstance(node, ast.expr)
            return self.type_of(node, frame, depth + 1)
        if kind is DefinitionKind.AUGMENTED:
            assert isinstance(node, ast.AugAssign)
            return self._binary_type(ast.BinOp(left=node.target, op=node.op, right=node.value),
                                     frame, depth)
        if kind is DefinitionKind.WITH:
            assert isinstance(node, ast.withitem)
            return self._entered_type(node, definition.asynchronous, frame, depth)
        if kind is DefinitionKind.EXCEPT:
            assert isinstance(node, ast.ExceptHandler)
            return self._caught_type(node, frame)
        if kind is DefinitionKind.ELEMENT:
            return self._element_type(definition, frame, depth)
        if kind is DefinitionKind.UNPACKED:
            assert isinstance(node, ast.expr)
            if len(definition.path) != 1:
                return None
            parts = self._split_parts(node, frame, depth)
            return parts or iteration_element(self.type_of(node, frame, depth + 1))
        return None

    def _split_parts(self, expr: ast.expr, frame: Frame, depth: int) -> ValueType | None:
        """What the list or tuple ``s.split(...)`` (``rsplit``, ``splitlines``,
        ``partition``, ``rpartition``) of a str or bytes holds: str or bytes."""
        if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
                and expr.func.attr in _SPLITTING):
            return None
        receiver = self.type_of(expr.func.value, frame, depth + 1)
        if receiver is None or receiver.optional or receiver.is_union or receiver.name not in (
            "builtins.str", "builtins.bytes"
        ):
            return None
        return ValueType(receiver.name)

    def _parameter_type(self, arg: ast.arg, frame: Frame) -> ValueType | None:
        """A parameter: what the call site passes when its type is known; else the
        annotation, joined with the default's type (``x: Foo = None`` may be None)."""
        function = frame.function
        assert function is not None
        args = function.args
        if arg.arg == frame.self_name and frame.cls is not None:
            return ValueType(frame.cls.qualname)
        if arg is args.vararg:
            return ValueType("builtins.tuple")
        if arg is args.kwarg:
            return ValueType("builtins.dict")
        if arg.arg in frame.arguments:
            return frame.arguments[arg.arg]
        if arg.annotation is None:
            return None
        declared = self.annotation_type(arg.annotation, frame)
        default = _default_of(args, arg)
        if declared is None or default is None:
            return declared
        outer = frame.parent if frame.parent is not None else Frame(module=frame.module)
        return union_of([declared, self.type_of(default, outer, 2)])

    def _caught_type(self, handler: ast.ExceptHandler, frame: Frame) -> ValueType | None:
        """``except X as exc``: an ``X`` (a union for a tuple).  The builtin exception
        classes are left unknown: their subclasses, everybody's, add attributes and
        ``__str__`` of their own."""
        if handler.type is None:
            return None
        elements = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        found: list[ValueType | None] = []
        for element in elements:
            qualified = qualified_name(element, frame)
            if qualified is None:
                return None
            canonical = canonical_exception(qualified)
            if runtime_class(canonical) is not None and "." not in canonical:
                return None
            found.append(ValueType(qualified))
        return union_of(found)

    def _entered_type(self, item: ast.withitem, asynchronous: bool, frame: Frame,
                      depth: int) -> ValueType | None:
        """``with cm as x``: what ``cm.__enter__()`` (``await cm.__aenter__()``) returns;
        for a project ``@contextmanager``, what its generator yields."""
        yielded = self._context_function_yield(item.context_expr, frame)
        if yielded is not _NOT_PROJECT:
            return yielded  # type: ignore[return-value]
        manager = self.type_of(item.context_expr, frame, depth + 1)
        if manager is None or manager.optional or manager.is_union:
            return None
        method = "__aenter__" if asynchronous else "__enter__"
        cls = (self.index.class_info(manager.name) if self.index.is_project_name(manager.name)
               else None)
        if cls is not None:
            if self.index.find_method(cls, method) is None:
                return None
            return self.return_type(f"{manager.name}.{method}", awaited=asynchronous)
        if self.stubs is not None and self.stubs.kind(manager.name) == "class":
            stub = self.stubs.return_type(f"{manager.name}.{method}", awaited=asynchronous)
            return _from_stub(stub) if stub is not None else None
        # The knowledge base names what ``with``/``async with`` gives as the call's type.
        if self.kb.class_entry(manager.name) is not None or manager.is_builtin:
            return manager
        return None

    def _context_function_yield(self, expr: ast.expr, frame: Frame) -> ValueType | None | object:
        if not isinstance(expr, ast.Call):
            return _NOT_PROJECT
        callee = self.callee_name(expr.func, frame)
        found = self.index.lookup(callee) if callee and self.index.is_project_name(callee) else None
        if found is None:
            return _NOT_PROJECT
        _name, node, module, owner = found
        if isinstance(node, ClassInfo):
            return _NOT_PROJECT
        if not is_context_generator(node, module):
            return _NOT_PROJECT
        function_frame = Frame.for_function(module, node, owner)
        yields = [n for n in own_nodes(node.body) if isinstance(n, ast.Yield)]
        if not yields:
            return None
        return union_of(self.type_of(y.value, function_frame) if y.value is not None else NONE
                        for y in yields)

    def _element_type(self, definition: Definition, frame: Frame, depth: int) -> ValueType | None:
        """A loop or comprehension variable: an element of what it iterates, when known."""
        node = definition.node
        if not isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            return None
        if definition.asynchronous:
            return None
        iterable = node.iter
        path = definition.path
        if isinstance(iterable, (ast.Tuple, ast.List, ast.Set)) and not path and not any(
            isinstance(e, ast.Starred) for e in iterable.elts
        ):  # ``for regex in (A, B, C):``
            return union_of(self.type_of(e, frame, depth + 1) for e in iterable.elts)
        parts = None if path else self._split_parts(iterable, frame, depth)
        if parts is not None:  # ``for part in line.split(","):``
            return parts
        if path:
            items = self._pair_types(iterable, frame, depth)
            if items is None or len(path) != 1 or path[0] >= len(items):
                return None
            return items[path[0]]
        return iteration_element(self.type_of(iterable, frame, depth + 1))

    def _pair_types(self, iterable: ast.expr, frame: Frame,
                    depth: int) -> list[ValueType | None] | None:
        """Element types of the tuples ``d.items()``, ``enumerate(xs)`` and ``zip(a, b)``
        yield, or None."""
        if not isinstance(iterable, ast.Call) or iterable.keywords:
            return None
        func = iterable.func
        if isinstance(func, ast.Attribute) and func.attr == "items" and not iterable.args:
            receiver = self.type_of(func.value, frame, depth + 1)
            with_items = [  # the others raise AttributeError: no pairs from them
                m for m in (receiver.classes() if receiver is not None else ())
                if not (m.is_builtin and not _builtin_has(m.name, "items"))
            ]
            if with_items and all(m.json and m.name == "builtins.dict" for m in with_items):
                return [ValueType("builtins.str"), JSON]
            return None
        callee = qualified_name(func, frame)
        if callee == "builtins.enumerate" and len(iterable.args) == 1:
            return [ValueType("builtins.int"),
                    iteration_element(self.type_of(iterable.args[0], frame, depth + 1))]
        if callee == "builtins.zip" and not any(isinstance(a, ast.Starred) for a in iterable.args):
            return [iteration_element(self.type_of(a, frame, depth + 1)) for a in iterable.args]
        return None

    def _isinstance_classes(self, narrowing: Narrowing, frame: Frame) -> tuple[type, ...] | None:
        """The builtin classes an ``isinstance`` test names, or None (another class, a name
        we cannot resolve, ``isinstance`` shadowed)."""
        test = narrowing.test
        if test is None or qualified_name(test.func, frame) != "builtins.isinstance":
            return None
        return self._builtin_classes(test.args[1], frame, 0)

    def _builtin_classes(self, spec: ast.expr, frame: Frame, depth: int) -> tuple[type, ...] | None:
        """``str``, ``(bytes, type(None))``, or a module constant holding them
        (``_UTF8_TYPES = (bytes, type(None))``, ``unicode_type = str``)."""
        if depth > 3:
            return None
        if isinstance(spec, ast.Tuple):
            found: list[type] = []
            for element in spec.elts:
                inner = self._builtin_classes(element, frame, depth + 1)
                if inner is None:
                    return None
                found.extend(inner)
            return tuple(found)
        if (
            isinstance(spec, ast.Call) and qualified_name(spec.func, frame) == "builtins.type"
            and len(spec.args) == 1 and not spec.keywords and _literal_type(spec.args[0]) == NONE
        ):
            return (type(None),)
        qualified = qualified_name(spec, frame)
        if qualified is None:
            return None
        cls = _BUILTIN_TYPES.get(qualified)
        if cls is not None:
            return (cls,)
        if not self.index.is_project_name(qualified):
            return None
        split = self.index.split(qualified)
        if split is None or len(split[1]) != 1:
            return None
        info, (name,) = split
        values = info.assignments.get(name, [])
        if len(values) != 1 or info.bindings.get(name) is not None:
            return None  # a class, an import, or a name assigned twice
        return self._builtin_classes(values[0], Frame(module=info), depth + 1)

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
        if depth > 8:
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
            found = self._module_name_type(rest[0], Frame(module=info), depth + 1)
            for attr in rest[1:]:
                if found is None or found.optional or found.is_union:
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
        if receiver is not None and receiver.is_never:
            return NEVER
        if receiver is None or receiver.optional or receiver.is_union:
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
        """What the code assigns to the attribute, anywhere in the class; a class-level
        annotation without a value adds its type (a field the constructor fills)."""
        members = self.members(cls)
        if attr in members.properties:
            owner, getter = members.properties[attr]
            return self.function_result(getter, owner.module, owner)
        if attr in members.untyped:
            return None
        types = [self.type_of(value, f, 2) for value, f in members.assigned.get(attr, ())]
        types += [self.annotation_type(annotation, f)
                  for annotation, f in members.fields.get(attr, ())]
        if not types:
            return None
        # Code anywhere (``obj.items.append(x)`` in another module) may fill an
        # attribute's container: its elements are not known to be JSON.
        return _without_json(union_of(types))

    # -- calls -----------------------------------------------------------------------------

    def callee_name(self, func: ast.expr, frame: Frame, depth: int = 0) -> str | None:
        """A call's callee as a qualified name (``sqlite3.Connection.execute`` when typed)."""
        qualified = qualified_name(func, frame)
        if qualified is not None and self.index.is_project_name(qualified) and (
            self.index.lookup(qualified) is None
        ):  # ``bolt11.decode`` through lnbits' ``lnbits/bolt11.py`` that imports it
            qualified = self.index.library_target(qualified) or qualified
        if qualified is not None:
            owner, _, method = qualified.rpartition(".")
            if owner and "." in owner and (
                self.index.lookup(qualified) is None
                if self.index.is_project_name(owner)
                else self.kb.lookup(qualified) is None
            ):  # a method of a module-level variable: ``app.log.logger.info``, ``sys.stderr.write``
                receiver = self.qualified_type(owner, depth + 1)
                if receiver is not None and not receiver.is_union:
                    # when it may be None, the call adds AttributeError
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
            if receiver is not None and not receiver.is_union:
                return f"{receiver.name}.{func.attr}"
        return None

    def union_receiver(self, func: ast.expr, frame: Frame) -> ValueType | None:
        """The receiver of a method call when it is a union (a JSON value, ``int | str``):
        each member answers for itself."""
        if not isinstance(func, ast.Attribute) or qualified_name(func, frame) is not None:
            return None
        receiver = self.type_of(func.value, frame)
        if receiver is None:
            return None
        if receiver.is_union or (
            receiver.is_builtin and not _builtin_has(receiver.name, func.attr)
        ):  # a builtin without the method: AttributeError, nothing else
            return receiver
        return None

    def _call_type(
        self, call: ast.Call, frame: Frame, depth: int, awaited: bool = False
    ) -> ValueType | None:
        func = call.func
        if isinstance(func, ast.Name) and func.id == frame.cls_name and frame.cls is not None:
            return ValueType(frame.cls.qualname)  # ``cls(...)`` in a classmethod
        if isinstance(func, ast.Attribute) and qualified_name(func, frame) is None:
            receiver = self.type_of(func.value, frame, depth + 1)
            if receiver is not None and receiver.is_never:
                return NEVER
            if receiver is not None and (receiver.is_union or receiver.json or receiver.is_builtin):
                if awaited:
                    return None
                return self._method_of_members(receiver, func.attr, call, frame, depth)
        callee = self.callee_name(func, frame, depth)
        if callee is None:
            return None
        passed = self._project_call_result(callee, call, frame, awaited)
        if passed is not _NOT_PROJECT:
            return passed  # type: ignore[return-value]
        if self._runs_callers_code(callee, call, frame):
            return None
        result = self.return_type(callee, awaited)
        if result is not None and result.name == JSON_NAME and not _decodes_plain_json(
            call, 1 if callee in _JSON_DECODERS else 0
        ):
            return None  # ``cls=``, ``object_hook=``, ``parse_float=Decimal``: anything
        return result

    def _runs_callers_code(self, callee: str, call: ast.Call, frame: Frame) -> bool:
        """Whether ``call`` builds an instance of a library class whose methods then run the
        caller's code (``httpx.AsyncClient(transport=httpx.ASGITransport(app=app))``: a
        request runs the app, and raises what it raises): its contract does not hold.  A
        keyword given a new instance of one of the library's own classes the entry names
        (``transport=httpx.AsyncHTTPTransport(retries=0)``) runs no code of the caller's."""
        entry = self.contracts.kb.class_entry(callee)
        if entry is None or not entry.caller_code:
            return False
        return any(
            keyword.arg is None or (
                keyword.arg in entry.caller_code
                and not self._builds_own_code(keyword.value, entry.own_code, frame)
            )
            for keyword in call.keywords
        )

    @staticmethod
    def _builds_own_code(value: ast.expr, own_code: Sequence[str], frame: Frame) -> bool:
        return (
            isinstance(value, ast.Call)
            and qualified_name(value.func, frame) in own_code
            and not any(keyword.arg is None for keyword in value.keywords)
        )

    def _project_call_result(self, callee: str, call: ast.Call, frame: Frame,
                             awaited: bool) -> ValueType | None | object:
        """What a project function returns for the arguments this call passes (a JSON
        value through ``def f(data: dict): return data`` stays JSON)."""
        if not self.index.is_project_name(callee) or self.contracts.spec_for(callee) is not None:
            return _NOT_PROJECT
        found = self.index.lookup(callee)
        if found is None:
            return _NOT_PROJECT
        _name, node, module, owner = found
        if isinstance(node, ClassInfo):
            return _NOT_PROJECT
        if isinstance(node, ast.AsyncFunctionDef) and not awaited:
            return None
        decorators = {getattr(d, "id", None) for d in node.decorator_list}
        skip_first = owner is not None and "staticmethod" not in decorators and (
            qualified_name(call.func, frame) is None or "classmethod" in decorators)
        arguments = self.argument_types(node, call, frame, skip_first)
        if not arguments:
            return self.return_type(callee, awaited)
        key = (callee, awaited, tuple(sorted(arguments.items(), key=lambda item: item[0])))
        if key in self._call_results:
            return self._call_results[key]
        if key in self._returns_in_progress_with_arguments:
            return None
        self._returns_in_progress_with_arguments.add(key)
        try:
            result = self.function_result(node, module, owner, arguments)
        finally:
            self._returns_in_progress_with_arguments.discard(key)
        self._call_results[key] = result
        return result

    def _method_of_members(self, receiver: ValueType, method: str, call: ast.Call,
                           frame: Frame, depth: int) -> ValueType | None:
        """What a method returns on each member that has it (the others raise)."""
        found: list[ValueType | None] = [NEVER]
        for member in receiver.alternatives():
            if member.is_builtin and not _builtin_has(member.name, method):
                continue  # AttributeError: no value
            found.append(self._member_method_type(member, method, call, frame, depth))
        return union_of(found)

    def _member_method_type(self, member: ValueType, method: str, call: ast.Call,
                            frame: Frame, depth: int) -> ValueType | None:
        if member.json and member.name == "builtins.dict":
            if method in ("get", "pop", "setdefault"):
                default = call.args[1] if len(call.args) > 1 else None
                if default is None:
                    return JSON  # an element (null included), or None from get/setdefault
                return union_of([JSON, self.type_of(default, frame, depth + 1)])
            if method == "copy":
                return member
            if method in ("keys", "values", "items"):
                return ValueType(f"builtins.dict_{method}", json=True)
        if member.json and member.name == "builtins.list":
            if method == "pop":
                return JSON
            if method == "copy":
                return member
        return self.return_type(f"{member.name}.{method}")

    def return_type(self, callee: str, awaited: bool = False) -> ValueType | None:
        """What calling ``callee`` returns (awaited: the result of awaiting the call)."""
        key = (callee, awaited)
        if key in self._returns_in_progress:
            return None  # recursion: the value depends on itself
        self._returns_in_progress.add(key)
        try:
            return self._return_type(callee, awaited)
        finally:
            self._returns_in_progress.discard(key)

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
            if isinstance(node, ast.AsyncFunctionDef) and not awaited:
                return None
            return self.function_result(node, module, owner)
        if self.stubs is not None:
            stub = self.stubs.return_type(callee, awaited=awaited)
            if stub is not None:
                return _from_stub(stub)
        if callee.startswith("builtins.") and callee.count(".") == 1:
            kind = self.stubs.kind(callee) if self.stubs is not None else None
            if kind == "class":
                return ValueType(callee)
        return None

    def function_result(self, node: FunctionNode, module: object, owner: ClassInfo | None,
                        arguments: dict[str, ValueType] | None = None) -> ValueType | None:
        """What a project function returns: the values its ``return`` statements give (None
        when it can end without one).  Its return annotation counts only where there is no
        body to read (an override point: ``...``, ``raise NotImplementedError``)."""
        from qualitytool.exceptions.inference.project import ModuleInfo

        assert isinstance(module, ModuleInfo)
        if contains_yield(node.body):
            return None
        frame = Frame.for_function(module, node, owner, arguments=arguments)
        if _is_override_point(node):
            if node.returns is None:
                return None
            declared = self.annotation_type(node.returns, frame)
            if declared is not None and declared.name == "typing.Self" and owner is not None:
                return ValueType(owner.qualname)
            return declared
        facts = frame.flow
        if not facts.tracked and not facts.returns and not facts.falls_off:
            return None  # the flow gave up on this body
        types = [self.type_of(r.value, frame) if r.value is not None else NONE
                 for r in facts.returns]
        if facts.falls_off:
            types.append(NONE)
        if not types:
            return None  # it never returns: its calls raise
        return union_of(types)

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
            return union_of([self.annotation_type(annotation.left, frame),
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
                return union_of([inner, NONE]) if inner is not None else None
            if outer in _UNION:
                return union_of([self.annotation_type(a, frame) for a in arguments])
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
                name = stmt.target.id
                members.declared.setdefault(name, []).append((stmt.annotation, class_frame))
                # A constructor may fill it (dataclass, attrs, pydantic fields with a
                # default), so the annotation counts next to the default value.
                members.fields.setdefault(name, []).append((stmt.annotation, class_frame))
                if stmt.value is not None:
                    members.initialised.add(name)
                    members.assigned.setdefault(name, []).append((stmt.value, class_frame))
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        members.assigned.setdefault(target.id, []).append((stmt.value, class_frame))
                        members.initialised.add(target.id)
                    else:
                        members.untyped.update(
                            n.id for n in ast.walk(target) if isinstance(n, ast.Name)
                        )

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
                    elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
                        members.untyped.update(_self_attributes(target, self_name))
            elif isinstance(node, ast.AnnAssign) and _is_self_attribute(node.target, self_name):
                assert isinstance(node.target, ast.Attribute)
                members.declared.setdefault(node.target.attr, []).append((node.annotation, frame))
                if node.value is not None:
                    members.assigned.setdefault(node.target.attr, []).append((node.value, frame))
            elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
                targets = (
                    [i.optional_vars for i in node.items if i.optional_vars is not None]
                    if isinstance(node, (ast.With, ast.AsyncWith)) else [node.target]
                )
                for target in targets:
                    members.untyped.update(_self_attributes(target, self_name))
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


def _self_attributes(target: ast.expr, self_name: str) -> set[str]:
    """``self.x`` targets inside an unpacking target (or the target itself)."""
    return {
        node.attr for node in ast.walk(target)
        if isinstance(node, ast.Attribute) and _is_self_attribute(node, self_name)
    }


class _Never:
    """A narrowing that no value of a definition can pass (``x is not None`` on None)."""


_NEVER = _Never()
_NOT_PROJECT = object()  # a callee that is not a project function
# str and bytes methods that return a list or tuple of their own type
_SPLITTING = frozenset({"split", "rsplit", "splitlines", "partition", "rpartition"})

_PENDING = object()  # a definition whose type is being worked out (a loop back to itself)
_BUILTIN_TYPES: dict[str, type] = {
    f"builtins.{cls.__name__}": cls
    for cls in (dict, list, str, int, float, bool, bytes, tuple, set, frozenset, type(None))
}
_SCALAR_CLASSES = frozenset({str, int, float, bool, bytes, type(None)})


def _class_name(cls: type) -> str:
    return NONE_TYPE if cls is type(None) else f"builtins.{cls.__name__}"


# Decoders whose result is JSON unless a keyword swaps in the caller's own decoding.
_JSON_DECODERS = frozenset({"json.loads", "json.load"})


def _decodes_plain_json(call: ast.Call, positional: int) -> bool:
    """``json.loads(s)``, ``r.json()``: JSON; with ``cls=``, ``object_hook=``,
    ``parse_float=``... (or ``**kwargs``, which ``r.json(**kwargs)`` hands to ``json.loads``)
    the result is whatever those make of it."""
    return (
        not call.keywords
        and len(call.args) == positional
        and not any(isinstance(a, ast.Starred) for a in call.args)
    )


def _builtin_has(name: str, attr: str) -> bool:
    cls = _RUNTIME_BUILTINS.get(name)
    return cls is None or hasattr(cls, attr)


_RUNTIME_BUILTINS: dict[str, type] = {
    **_BUILTIN_TYPES,
    "builtins.NoneType": type(None), "builtins.dict_keys": type({}.keys()),
    "builtins.dict_values": type({}.values()), "builtins.dict_items": type({}.items()),
}


def _narrow(kind: ValueType | None | object, narrowing: Narrowing,
            classes: tuple[type, ...] | None = None) -> ValueType | None | object:
    """What a test proves about a value of type ``kind`` (``_NEVER``: no such value)."""
    if kind is _NEVER or (isinstance(kind, ValueType) and kind.is_never):
        return _NEVER
    if narrowing.kind is NarrowingKind.IS_NONE:
        return NONE  # whatever the definition, the value is None now
    if kind is None:
        if narrowing.kind is NarrowingKind.ISINSTANCE and classes and all(
            c in _SCALAR_CLASSES for c in classes
        ):
            # checked at run time; a container may be a subclass with hooks of its own (a
            # defaultdict's factory), so only scalar classes are taken at their word
            return union_of(ValueType(_class_name(c)) for c in classes)
        return None
    assert isinstance(kind, ValueType)
    if narrowing.kind in (NarrowingKind.NOT_NONE, NarrowingKind.TRUTHY):
        if kind.name == NONE_TYPE:
            return _NEVER
        return kind.required()
    if classes is None or not kind.only_builtins():
        return kind  # an isinstance test on classes we cannot reason about
    positive = narrowing.kind is NarrowingKind.ISINSTANCE
    kept: list[ValueType] = []
    for member in kind.alternatives():
        cls = _BUILTIN_TYPES.get(member.name)
        surely = cls is not None and issubclass(cls, classes)
        maybe = cls is None or any(issubclass(c, cls) for c in classes)  # int may be a bool
        if (surely or maybe) if positive else not surely:
            kept.append(member)
    optional = kind.optional and (type(None) in classes) == positive
    if not kept and not optional:
        return _NEVER
    return union_of([*kept, *([NONE] if optional else [])])


def iteration_element(kind: ValueType | None) -> ValueType | None:
    """What iterating a value gives, when known: a str's characters, a JSON array's or
    object's elements or keys.  Members that cannot be iterated raise, so give nothing."""
    if kind is None:
        return None
    found: list[ValueType | None] = []
    for member in kind.alternatives():
        if member.name == "builtins.str":
            found.append(member)
        elif member.name in ("builtins.bytes", "builtins.range"):
            found.append(ValueType("builtins.int"))
        elif member.json and member.name in ("builtins.dict", "builtins.dict_keys"):
            found.append(ValueType("builtins.str"))
        elif member.json and member.name in ("builtins.list", "builtins.dict_values"):
            found.append(JSON)
        elif member.is_scalar:
            continue  # TypeError
        else:
            return None
    return union_of(found) if found else None


def _without_json(kind: ValueType | None) -> ValueType | None:
    """The same classes, their containers' elements unknown (the code may have stored its
    own objects in them)."""
    if kind is None or not any(m.json for m in kind.alternatives()):
        return kind
    members = [replace(m, json=False) for m in kind.alternatives()]
    return union_of([*members, *([NONE] if kind.optional else [])])


def _default_of(args: ast.arguments, arg: ast.arg) -> ast.expr | None:
    positional = [*args.posonlyargs, *args.args]
    if arg in positional:
        at = positional.index(arg) - (len(positional) - len(args.defaults))
        return args.defaults[at] if at >= 0 else None
    if arg in args.kwonlyargs:
        return args.kw_defaults[args.kwonlyargs.index(arg)]
    return None


def _is_override_point(node: FunctionNode) -> bool:
    """A body that only says "override me" (``...``, ``pass``, a docstring, ``raise
    NotImplementedError``) or an abstract method: the annotation is all there is to read."""
    if any(
        (d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", None)) == "abstractmethod"
        for d in node.decorator_list
    ):
        return True
    return says_override_me(node)


def says_override_me(node: FunctionNode) -> bool:
    """Whether the function's body only says "override me": nothing but a docstring,
    ``pass``, ``...`` or ``raise NotImplementedError``."""
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
    if (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and stmt.value.value is Ellipsis):
        return True
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        target = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(target, ast.Name) and target.id == "NotImplementedError"
    return False



def _literal_type(expr: ast.expr) -> ValueType | None:
    if is_constant_display(expr):  # ``{}``, ``[]``, ``{"page": 1}``: JSON too
        return ValueType("builtins.dict" if isinstance(expr, ast.Dict) else "builtins.list",
                         json=True)
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
    """A knowledge-base ``returns`` value: ``"re.Match"`` or ``"re.Match | None"``;
    ``"json.Any"`` is a decoded JSON value."""
    name, _, rest = text.partition("|")
    name = name.strip()
    if name == JSON_RETURNS:
        return JSON
    return ValueType(name, optional=rest.strip() == "None")


def _concrete(qualified: str) -> ValueType | None:
    qualified = _TYPING_ALIASES.get(qualified, qualified)
    if qualified.startswith(("typing.", "typing_extensions.", "collections.abc.")):
        return None  # protocols and special forms: any implementation may stand behind them
    if qualified in ("builtins.object", "builtins.type"):
        return None
    if qualified == "builtins.None":
        return ValueType(NONE_TYPE)
    return ValueType(qualified)
