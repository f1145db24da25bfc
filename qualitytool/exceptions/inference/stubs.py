"""Types of library calls and attributes, read from stubs: ``Stubs.return_type`` and friends.

Local typing needs to know that ``subprocess.run(...)`` is a ``subprocess.CompletedProcess``
and that ``datetime.datetime`` has a ``year``.  That knowledge comes from typeshed's stdlib
stubs (bundled with ``typeshed_client``) and, for third-party packages, from stub-only
packages (``foo-stubs``) and packages that ship inline annotations (``py.typed``) in the given
site-packages directories.  Stubs and sources are read as files; nothing is imported.

A type is a fully-qualified class name, named after the module that defines the class in the
stubs (``typing.Mapping`` for ``collections.abc.Mapping``), except that a class defined in a
private top-level module (``_io``, ``_decimal``) takes the name of its public twin when that
module re-exports the very same class under the same name (``io.TextIOWrapper``).  Anything a
name cannot express (``Any``, a type variable, a union of several classes, a callable) is
``None``: unknown.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import logging
import site
import sys
import sysconfig
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeAlias

import typeshed_client
from typeshed_client import ImportedName, InvalidStub, ModulePath, NameDict, OverloadedName
from typeshed_client.parser import get_dunder_all_from_info

from qualitytool.exceptions.inference.pythons import SUPPORTED

logger = logging.getLogger(__name__)

Kind = Literal["module", "class", "function", "attribute"]
NONE_TYPE = "types.NoneType"
_TYPING_MODULES = ("typing", "typing_extensions")
# typing's special forms are not classes in the stubs (``Optional: _SpecialForm``); what each
# means for a value's type is the typing spec's, so it is spelled out here.
_UNKNOWN_FORMS = frozenset(
    {"Any", "Callable", "Concatenate", "Unpack", "TypeAlias", "ParamSpec", "TypeVarTuple"}
)
_NEVER_FORMS = frozenset({"NoReturn", "Never"})
_WRAPPER_FORMS = frozenset(
    {"Annotated", "Final", "ClassVar", "Required", "NotRequired", "ReadOnly"}
)
_NOT_BASES = frozenset({"Generic", "Protocol"})  # bases that add no attributes
_TYPING_ALIASES = {
    "List": "builtins.list",
    "Dict": "builtins.dict",
    "Set": "builtins.set",
    "FrozenSet": "builtins.frozenset",
    "Tuple": "builtins.tuple",
    "Type": "builtins.type",
    "DefaultDict": "collections.defaultdict",
    "Deque": "collections.deque",
    "Counter": "collections.Counter",
    "ChainMap": "collections.ChainMap",
    "OrderedDict": "collections.OrderedDict",
}
_SPECIAL_FORMS = (
    _UNKNOWN_FORMS
    | _NEVER_FORMS
    | _WRAPPER_FORMS
    | _NOT_BASES
    | _TYPING_ALIASES.keys()
    | {"Optional", "Union", "Literal", "LiteralString", "Self", "TypeGuard", "TypeIs"}
)
_LITERAL_TYPES = {str: "builtins.str", bytes: "builtins.bytes", bool: "builtins.bool",
                  int: "builtins.int"}  # fmt: skip
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_AWAITABLES = frozenset({"typing.Coroutine", "typing.Awaitable"})
_MAX_DEPTH = 12
# What reading one stub or source file can raise: typeshed_client's InvalidStub for what it
# cannot interpret, RuntimeError for an import inside a class body of a .pyi (RecursionError,
# a RuntimeError, for runaway ``import *`` chains), SyntaxError/ValueError/OSError for the file.
_STUB_ERRORS = (InvalidStub, RuntimeError, SyntaxError, ValueError, OSError)


@dataclass(frozen=True)
class StubType:
    """A value's type: a fully-qualified class name; ``optional`` when it may also be None."""

    name: str
    optional: bool = False


@dataclass(frozen=True)
class _LoadedModule:
    names: NameDict
    from_source: bool  # a .py file with inline annotations rather than a stub


@dataclass(frozen=True)
class _ModuleRef:
    name: str


@dataclass(frozen=True, eq=False)
class _Symbol:
    """A definition in a stub: where it is and its node; ``receiver`` is the class through
    which a class member was reached (what ``Self`` means)."""

    module: str
    path: tuple[str, ...]
    node: ast.AST | OverloadedName
    members: NameDict | None
    from_source: bool
    receiver: _Symbol | None = None

    @property
    def key(self) -> str:
        return ".".join((self.module, *self.path))

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)


_Target: TypeAlias = _ModuleRef | _Symbol
_Types = frozenset[str]  # a union of class names (NONE_TYPE for None); empty: Never


@dataclass(frozen=True)
class _Scope:
    """Where an annotation is read: its module and, in a method, the class Self stands for."""

    module: str
    receiver: _Symbol | None = None
    function: ast.FunctionDef | ast.AsyncFunctionDef | None = None


class Stubs:
    """Return types, attributes and bases of library names, from stubs; every answer cached."""

    def __init__(
        self, search_paths: Sequence[str] = (), version: tuple[int, int] = SUPPORTED[0]
    ) -> None:
        # An explicit search path: typeshed_client would otherwise run a Python subprocess to
        # ask for sys.path.  ``version`` picks the stubs' sys.version_info branches (and which
        # stdlib modules exist): the oldest Python the project runs on, never the running
        # one, so that every Python running qualitytool finds the same; the platform, the
        # sys.platform branches.
        self._context = typeshed_client.get_search_context(
            search_path=[Path(p) for p in search_paths],
            version=version,
            platform=sys.platform,
            allow_py_files=True,
        )
        self._modules: dict[str, _LoadedModule | None] = {}
        self._typed_packages: dict[Path, bool] = {}
        self._module_members: dict[tuple[str, str], _Target | None] = {}
        self._class_members: dict[tuple[str, str], _Symbol | None] = {}
        self._resolved: dict[str, _Target | None] = {}
        self._mros: dict[str, tuple[tuple[_Symbol, ...], bool]] = {}
        self._direct_bases: dict[str, tuple[tuple[_Symbol, ...], bool]] = {}
        self._public_names: dict[str, str] = {}
        self._source_attributes: dict[str, dict[str, ast.expr | None]] = {}
        self._return_types: dict[tuple[str, bool], StubType | None] = {}

    # -- public API --------------------------------------------------------------------------

    def return_type(self, qualified: str, awaited: bool = False) -> StubType | None:
        """What calling ``qualified`` returns: a function's annotation, a class's instance;
        ``awaited``: what awaiting the call gives (a coroutine function's annotation)."""
        key = (qualified, awaited)
        if key not in self._return_types:
            self._return_types[key] = self._call_result(self._resolve(qualified), awaited)
        return self._return_types[key]

    def attribute_type(self, qualified_class: str, attr: str) -> StubType | None:
        """The type of an instance attribute or property; None for a method or unknown.

        A module in place of the class gives its variables' types (``os``, ``environ``).
        """
        owner = self._resolve(qualified_class)
        if isinstance(owner, _ModuleRef):
            variable = self._module_member(owner.name, attr)
            return _single(self._value_types(variable)) if isinstance(variable, _Symbol) else None
        cls = self._resolve_class(qualified_class)
        if cls is None:
            return None
        member = self._class_member(cls, attr)
        if member is None:
            return self._source_attribute_type(cls, attr)
        return _single(self._value_types(member))

    def has_attribute(self, qualified_class: str, attr: str) -> bool | None:
        """Whether instances have ``attr`` (methods included); None when it cannot be known."""
        cls = self._resolve_class(qualified_class)
        if cls is None:
            return None
        mro, complete = self._mro(cls)
        for owner in mro:
            if owner.members is not None and attr in owner.members:
                return True
            if owner.from_source and attr in self._instance_attributes(owner):
                return True
        if not complete or any(owner.from_source for owner in mro):
            return None  # an unknown base, or a source file that may set attributes anywhere
        if any(
            owner.members is not None
            and ("__getattr__" in owner.members or "__getattribute__" in owner.members)
            for owner in mro
            if owner.key != "builtins.object"
        ):
            return None
        return False

    def kind(self, qualified: str) -> Kind | None:
        """Whether ``qualified`` names a module, class, function (or method) or attribute."""
        target = self._resolve(qualified)
        if target is None:
            return None
        if isinstance(target, _ModuleRef):
            return "module"
        if target.is_class:
            return "class"
        definitions = _definitions(target.node)
        if all(isinstance(d, _FUNCTIONS) for d in definitions):
            return "attribute" if _is_property(target.node) else "function"
        if any(isinstance(d, (ast.AnnAssign, ast.Assign)) for d in definitions):
            return "attribute"
        return None

    def bases(self, qualified_class: str) -> tuple[str, ...]:
        """Direct base classes, or ``builtins.object``.  Left out: ``Generic[...]`` and
        ``Protocol`` (not classes in the stubs) and bases the stubs cannot name (``Any``)."""
        cls = self._resolve_class(qualified_class)
        if cls is None:
            return ()
        bases, _complete = self._bases_of(cls)
        return tuple(self._public_name(base) for base in bases)

    # -- loading and name resolution ---------------------------------------------------------

    def _load(self, module: str) -> _LoadedModule | None:
        if module not in self._modules:
            self._modules[module] = self._read_module(module)
        return self._modules[module]

    def _read_module(self, module: str) -> _LoadedModule | None:
        parts = module.split(".")
        if not all(part.isidentifier() for part in parts):
            return None
        try:
            path = typeshed_client.get_stub_file(module, search_context=self._context)
            if path is None:
                return None
            from_source = path.suffix == ".py"
            if from_source and not self._is_typed_package(path, len(parts)):
                return None
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            with _quiet_parser(from_source):
                names = typeshed_client.parse_ast(
                    tree,
                    self._context,
                    ModulePath(tuple(parts)),
                    file_path=path,
                    is_init=path.stem == "__init__",
                )
        except _STUB_ERRORS as error:
            logger.debug("cannot read the stubs of %s: %s", module, error)
            return None
        return _LoadedModule(names, from_source)

    def _is_typed_package(self, path: Path, depth: int) -> bool:
        """PEP 561: a package's own .py files count only when it ships ``py.typed``."""
        up = depth - 1 if path.stem == "__init__" else depth - 2
        if up < 0:
            return False  # a top-level single-file module cannot be marked typed
        package = path.parents[up]
        if package not in self._typed_packages:
            self._typed_packages[package] = (package / "py.typed").is_file()
        return self._typed_packages[package]

    def _resolve(self, qualified: str) -> _Target | None:
        if qualified not in self._resolved:
            parts = qualified.split(".")
            target: _Target | None = None
            if all(part.isidentifier() for part in parts) and self._load(parts[0]) is not None:
                target = _ModuleRef(parts[0])
                for part in parts[1:]:
                    target = self._member(target, part)
                    if target is None:
                        break
            self._resolved[qualified] = target
        return self._resolved[qualified]

    def _resolve_class(self, qualified: str) -> _Symbol | None:
        target = self._resolve(qualified)
        if isinstance(target, _Symbol) and target.is_class and _special_form(target) is None:
            return target
        return None

    def _member(self, target: _Target, name: str) -> _Target | None:
        if isinstance(target, _ModuleRef):
            return self._module_member(target.name, name)
        if target.is_class:
            return self._class_member(target, name)
        value_class = _single(self._value_types(target))
        if value_class is None or value_class.optional:
            return None
        cls = self._resolve_class(value_class.name)
        return self._class_member(cls, name) if cls is not None else None

    def _module_member(
        self, module: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()
    ) -> _Target | None:
        key = (module, name)
        if key in seen:
            return None  # an import cycle
        if key not in self._module_members:
            self._module_members[key] = self._find_module_member(module, name, seen | {key})
        return self._module_members[key]

    def _find_module_member(
        self, module: str, name: str, seen: frozenset[tuple[str, str]]
    ) -> _Target | None:
        loaded = self._load(module)
        if loaded is None:
            return None
        info = loaded.names.get(name)
        if info is None:
            submodule = f"{module}.{name}"
            return _ModuleRef(submodule) if self._load(submodule) is not None else None
        if isinstance(info.ast, ImportedName):
            source = ".".join(info.ast.module_name)
            if info.ast.name is None:
                return _ModuleRef(source) if self._load(source) is not None else None
            submodule = f"{source}.{info.ast.name}"
            if self._load(submodule) is not None:
                return _ModuleRef(submodule)
            return self._module_member(source, info.ast.name, seen)
        symbol = _Symbol(module, (name,), info.ast, info.child_nodes, loaded.from_source)
        alias = _alias_value(symbol.node)
        if alias is not None:
            # ``Text = str``, ``X: TypeAlias = mod.Y``: the name stands for what it aliases
            target = self._resolve_expr(alias, module, seen)
            if target is not None:
                return target
        return symbol

    def _resolve_expr(
        self, expr: ast.expr, module: str, seen: frozenset[tuple[str, str]] = frozenset()
    ) -> _Target | None:
        if isinstance(expr, ast.Name):
            found = self._module_member(module, expr.id, seen)
            if found is None and module != "builtins":
                found = self._module_member("builtins", expr.id, seen)
            return found
        if isinstance(expr, ast.Attribute):
            base = self._resolve_expr(expr.value, module, seen)
            return self._member(base, expr.attr) if base is not None else None
        return None

    # -- classes -----------------------------------------------------------------------------

    def _class_member(self, cls: _Symbol, name: str) -> _Symbol | None:
        key = (cls.key, name)
        if key not in self._class_members:
            found: _Symbol | None = None
            for owner in self._mro(cls)[0]:
                if owner.members is not None and name in owner.members:
                    info = owner.members[name]
                    if isinstance(info.ast, ImportedName):
                        break  # an import in a source class body: not followed
                    found = _Symbol(
                        owner.module,
                        (*owner.path, name),
                        info.ast,
                        info.child_nodes,
                        owner.from_source,
                        receiver=cls,
                    )
                    break
            self._class_members[key] = found
        return self._class_members[key]

    def _bases_of(self, cls: _Symbol) -> tuple[tuple[_Symbol, ...], bool]:
        """Direct bases and whether all of them are known classes."""
        if cls.key not in self._direct_bases:
            assert isinstance(cls.node, ast.ClassDef)
            bases: list[_Symbol] = []
            complete = True
            for expr in cls.node.bases:
                if isinstance(expr, ast.Subscript):
                    expr = expr.value
                base = self._resolve_expr(expr, cls.module)
                special = _special_form(base) if isinstance(base, _Symbol) else None
                if special in _NOT_BASES:
                    continue
                if isinstance(base, _Symbol) and base.is_class and special is None:
                    bases.append(base)
                else:
                    complete = False  # Any, TypedDict, a name the stubs do not have
            if not bases and cls.key != "builtins.object":
                obj = self._resolve_class("builtins.object")
                if obj is not None:
                    bases.append(obj)
            self._direct_bases[cls.key] = (tuple(bases), complete)
        return self._direct_bases[cls.key]

    def _mro(self, cls: _Symbol) -> tuple[tuple[_Symbol, ...], bool]:
        """C3 linearisation over the stub bases, and whether every base was known."""
        if cls.key not in self._mros:
            self._mros[cls.key] = ((cls,), False)  # a class that (indirectly) bases itself
            bases, complete = self._bases_of(cls)
            sequences: list[list[_Symbol]] = []
            for base in bases:
                base_mro, base_complete = self._mro(base)
                complete = complete and base_complete
                sequences.append(list(base_mro))
            sequences.append(list(bases))
            self._mros[cls.key] = ((cls, *_c3_merge(sequences)), complete)
        return self._mros[cls.key]

    def _public_name(self, cls: _Symbol) -> str:
        """``_io.TextIOWrapper`` -> ``io.TextIOWrapper`` when io re-exports that very class;
        ``httpx._models.Response`` -> ``httpx.Response`` when the package re-exports it (the
        name its users import, and the knowledge base's)."""
        key = cls.key
        if key not in self._public_names:
            self._public_names[key] = key  # while resolving the public twin
            for public_module in _public_modules(cls.module):
                public = ".".join((public_module, *cls.path))
                twin = self._resolve(public)
                if (
                    isinstance(twin, _Symbol)
                    and twin.key == key
                    and self._exports(public_module, cls.path[0])
                ):
                    self._public_names[key] = public
                    break
        return self._public_names[key]

    def _exports(self, module: str, name: str) -> bool:
        """Stub convention: ``from _m import X as X`` or ``__all__`` re-exports, ``import X``
        does not (``hashlib`` imports ``_hashlib.HASH`` without re-exporting it)."""
        loaded = self._load(module)
        if loaded is None or name not in loaded.names:
            return False
        if loaded.names[name].is_exported:
            return True
        dunder_all = loaded.names.get("__all__")
        if dunder_all is None:
            return False
        try:
            return name in (get_dunder_all_from_info(dunder_all) or ())
        except InvalidStub:
            return False

    def _instance_attributes(self, cls: _Symbol) -> dict[str, ast.expr | None]:
        """``self.x: T = ...`` / ``self.x = ...`` in a source class's methods (annotation)."""
        if cls.key not in self._source_attributes:
            found: dict[str, ast.expr | None] = {}
            assert isinstance(cls.node, ast.ClassDef)
            for method in cls.node.body:
                if not isinstance(method, _FUNCTIONS) or not method.args.args:
                    continue
                self_name = method.args.args[0].arg
                for node in ast.walk(method):
                    if isinstance(node, ast.AnnAssign) and _is_self_attribute(
                        node.target, self_name
                    ):
                        assert isinstance(node.target, ast.Attribute)
                        found[node.target.attr] = node.annotation
                    elif isinstance(node, ast.Assign):
                        for target in node.targets:
                            if _is_self_attribute(target, self_name):
                                assert isinstance(target, ast.Attribute)
                                # ``self.response = response``: what a type checker infers,
                                # the parameter's annotation
                                found.setdefault(target.attr, _parameter_annotation(
                                    method, node.value))
            self._source_attributes[cls.key] = found
        return self._source_attributes[cls.key]

    def _source_attribute_type(self, cls: _Symbol, attr: str) -> StubType | None:
        for owner in self._mro(cls)[0]:
            if owner.from_source and attr in self._instance_attributes(owner):
                annotation = self._instance_attributes(owner)[attr]
                if annotation is None:
                    return None
                return _single(self._types(annotation, _Scope(owner.module, receiver=cls)))
        return None

    # -- types -------------------------------------------------------------------------------

    def _call_result(self, target: _Target | None, awaited: bool = False) -> StubType | None:
        if not isinstance(target, _Symbol):
            return None
        if target.is_class:
            if _special_form(target) is not None or awaited:
                return None
            return StubType(self._public_name(target))
        definitions = _definitions(target.node)
        functions = [d for d in definitions if isinstance(d, _FUNCTIONS)]
        if not functions or len(functions) != len(definitions) or _is_property(target.node):
            return None
        overloads = [f for f in functions if _has_decorator(f, "overload")]
        # A .py file's implementation after its overloads is not one of the signatures.
        results = [self._function_returns(target, f, awaited) for f in overloads or functions]
        reachable = [r for r in results if r != frozenset()]  # an overload that never returns
        types = [_single(r) for r in reachable]
        if not types or any(t is None for t in types):
            return None
        names = {t.name for t in types if t is not None}
        if len(names) != 1:
            return None
        return StubType(names.pop(), any(t.optional for t in types if t is not None))

    def _function_returns(
        self, symbol: _Symbol, function: ast.FunctionDef | ast.AsyncFunctionDef,
        awaited: bool = False,
    ) -> _Types | None:
        if isinstance(function, ast.AsyncFunctionDef) and not awaited:
            coroutine = self._resolve_class("typing.Coroutine")
            return frozenset({self._public_name(coroutine)}) if coroutine is not None else None
        if function.returns is None:
            return None
        scope = _Scope(symbol.module, symbol.receiver, function)
        if awaited and not isinstance(function, ast.AsyncFunctionDef):
            return self._awaited_types(function.returns, scope)
        return self._types(function.returns, scope)

    def _awaited_types(self, annotation: ast.expr, scope: _Scope) -> _Types | None:
        """``Coroutine[Any, Any, T]`` / ``Awaitable[T]`` -> T: what ``await`` gives."""
        if not isinstance(annotation, ast.Subscript):
            return None
        target = self._resolve_expr(annotation.value, scope.module)
        if not isinstance(target, _Symbol) or target.key not in _AWAITABLES:
            return None
        arguments = (
            list(annotation.slice.elts) if isinstance(annotation.slice, ast.Tuple)
            else [annotation.slice]
        )
        return self._types(arguments[-1], scope)

    def _value_types(self, symbol: _Symbol) -> _Types | None:
        """The type of a variable, class attribute or property."""
        node = symbol.node
        scope = _Scope(symbol.module, symbol.receiver)
        if isinstance(node, ast.AnnAssign):
            return self._types(node.annotation, scope)
        if _is_property(node):
            getter = _definitions(node)[0]
            assert isinstance(getter, _FUNCTIONS)
            return self._function_returns(symbol, getter)
        return None

    def _types(self, expr: ast.expr, scope: _Scope, depth: int = 0) -> _Types | None:
        """An annotation as a union of class names; None when it is not that simple."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Constant):
            if expr.value is None:
                return frozenset({NONE_TYPE})
            if isinstance(expr.value, str):  # a forward reference
                try:
                    parsed = ast.parse(expr.value.strip(), mode="eval").body
                except SyntaxError:
                    return None
                return self._types(parsed, scope, depth + 1)
            return None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
            return _union(
                self._types(expr.left, scope, depth + 1), self._types(expr.right, scope, depth + 1)
            )
        if isinstance(expr, ast.Subscript):
            return self._subscript_types(expr, scope, depth)
        if isinstance(expr, ast.Name) and expr.id == "MaybeNone":
            # typeshed's alias of Any for "may be None, callers are not made to check"
            # (``sys.stderr``): for us, None is one of the values.
            return frozenset({NONE_TYPE})
        target = self._resolve_expr(expr, scope.module)
        if not isinstance(target, _Symbol):
            return None
        special = _special_form(target)
        if special is not None:
            return self._bare_form_types(special, scope)
        if target.is_class:
            return frozenset({self._public_name(target)})
        node = target.node
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if not _is_type_var(node.value):
                return None
            return self._type_var_types(expr, node.value, target.module, scope)
        alias = _alias_value(node)
        if alias is not None:
            return self._types(alias, _Scope(target.module), depth + 1)
        return None

    def _subscript_types(self, expr: ast.Subscript, scope: _Scope, depth: int) -> _Types | None:
        target = self._resolve_expr(expr.value, scope.module)
        if not isinstance(target, _Symbol):
            return None
        arguments = list(expr.slice.elts) if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        special = _special_form(target)
        if special == "Optional":
            return _union(self._types(arguments[0], scope, depth + 1), frozenset({NONE_TYPE}))
        if special == "Union":
            result: _Types | None = frozenset()
            for argument in arguments:
                result = _union(result, self._types(argument, scope, depth + 1))
            return result
        if special in _WRAPPER_FORMS:
            return self._types(arguments[0], scope, depth + 1)
        if special == "Literal":
            return _literal_types(arguments)
        if special is not None:
            return self._bare_form_types(special, scope)
        if target.is_class:
            return frozenset({self._public_name(target)})  # list[str] -> builtins.list
        alias = _alias_value(target.node)
        if alias is not None:  # a generic alias; its parameters do not change the class
            return self._types(alias, _Scope(target.module), depth + 1)
        return None

    def _bare_form_types(self, special: str, scope: _Scope) -> _Types | None:
        if special in _NEVER_FORMS:
            return frozenset()
        if special == "Self":
            receiver = scope.receiver
            return frozenset({self._public_name(receiver)}) if receiver is not None else None
        if special == "LiteralString":
            return frozenset({"builtins.str"})
        if special in ("TypeGuard", "TypeIs"):
            return frozenset({"builtins.bool"})
        if special in _TYPING_ALIASES:
            cls = self._resolve_class(_TYPING_ALIASES[special])
            return frozenset({self._public_name(cls)}) if cls is not None else None
        return None

    def _type_var_types(
        self, expr: ast.expr, declaration: ast.Call, module: str, scope: _Scope
    ) -> _Types | None:
        """A type variable is the receiver's class when it types ``self``/``cls`` or is bound
        to one of the receiver's classes; anything else depends on the call's arguments."""
        receiver = scope.receiver
        if receiver is None:
            return None
        receiver_type = frozenset({self._public_name(receiver)})
        function = scope.function
        if function is not None and isinstance(expr, ast.Name):
            positional = [*function.args.posonlyargs, *function.args.args]
            first = positional[0].annotation if positional else None
            if isinstance(first, ast.Subscript):  # cls: type[_T]
                first = first.slice
            if isinstance(first, ast.Name) and first.id == expr.id:
                return receiver_type
        bound = next((k.value for k in declaration.keywords if k.arg == "bound"), None)
        if bound is not None:
            bound_types = self._types(bound, _Scope(module), 1)
            mro_names = {self._public_name(c) for c in self._mro(receiver)[0]}
            if bound_types and bound_types <= mro_names:
                return receiver_type
        return None


@contextlib.contextmanager
def _quiet_parser(quiet: bool) -> Iterator[None]:
    """typeshed_client warns of names bound twice, normal in a .py file (``try: import x``
    ``except ImportError: x = None``), on stderr when the application configured no logging."""
    if not quiet:
        yield
        return
    parser_logger = logging.getLogger("typeshed_client.parser")
    level = parser_logger.level
    parser_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        parser_logger.setLevel(level)


def _public_modules(module: str) -> list[str]:
    """Where a class of a private module is re-exported, most specific first: ``_io`` ->
    ``io``; ``httpx._models`` -> ``httpx``; ``a.b._c._d`` -> ``a.b``."""
    parts = module.split(".")
    private = [
        i for i, part in enumerate(parts) if part.startswith("_") and not part.startswith("__")]
    if not private:
        return []
    first = private[0]
    if first == 0:
        twin = parts[0].lstrip("_")
        return [".".join([twin, *parts[1:]])] if twin else []
    return [".".join(parts[:first])]


def _c3_merge(sequences: list[list[_Symbol]]) -> list[_Symbol]:
    result: list[_Symbol] = []
    pending = [list(s) for s in sequences if s]
    while pending:
        for sequence in pending:
            head = sequence[0]
            if not any(head.key in (s.key for s in other[1:]) for other in pending):
                break
        else:
            # An inconsistent hierarchy (stubs are not checked for it): depth-first order.
            head = pending[0][0]
        result.append(head)
        pending = [[s for s in seq if s.key != head.key] for seq in pending]
        pending = [seq for seq in pending if seq]
    return result


def _special_form(symbol: _Symbol) -> str | None:
    if symbol.module in _TYPING_MODULES and len(symbol.path) == 1:
        name = symbol.path[0]
        if name in _SPECIAL_FORMS:
            return name
    return None


def _definitions(node: ast.AST | OverloadedName) -> list[ast.AST | ImportedName]:
    return list(node.definitions) if isinstance(node, OverloadedName) else [node]


def _simple_name(decorator: ast.expr) -> str | None:
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Name):
        return decorator.id
    if isinstance(decorator, ast.Attribute):
        return decorator.attr
    return None


def _has_decorator(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    return any(_simple_name(d) == name for d in function.decorator_list)


def _is_property(node: ast.AST | OverloadedName) -> bool:
    """A property (its setter and deleter come after it as more definitions)."""
    first = _definitions(node)[0]
    return isinstance(first, _FUNCTIONS) and any(
        _simple_name(d) in ("property", "cached_property") for d in first.decorator_list
    )


def _alias_value(node: ast.AST | OverloadedName) -> ast.expr | None:
    """The aliased expression of ``X = Y`` or ``X: TypeAlias = ...``."""
    if (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.value, (ast.Name, ast.Attribute, ast.Subscript, ast.BinOp))
    ):
        return node.value
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        annotation = node.annotation
        name = annotation.id if isinstance(annotation, ast.Name) else None
        if isinstance(annotation, ast.Attribute):
            name = annotation.attr
        if name == "TypeAlias":
            return node.value
    return None


def _is_type_var(value: ast.Call) -> bool:
    return _simple_name(value.func) == "TypeVar"


def _parameter_annotation(
    function: ast.FunctionDef | ast.AsyncFunctionDef, value: ast.expr
) -> ast.expr | None:
    """The annotation of the parameter ``value`` names, if it is an annotated parameter."""
    if not isinstance(value, ast.Name):
        return None
    if any(
        isinstance(node, ast.Name) and node.id == value.id and isinstance(node.ctx, ast.Store)
        for node in ast.walk(function)
    ):
        return None  # reassigned: no longer what the caller passed
    args = function.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg == value.id:
            return arg.annotation
    return None


def _is_self_attribute(target: ast.expr, self_name: str) -> bool:
    return (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == self_name
    )


def _union(left: _Types | None, right: _Types | None) -> _Types | None:
    if left is None or right is None:
        return None
    return left | right


def _literal_types(arguments: Iterable[ast.expr]) -> _Types | None:
    names: set[str] = set()
    for argument in arguments:
        if not isinstance(argument, ast.Constant):
            return None  # an enum member, a nested Literal
        if argument.value is None:
            names.add(NONE_TYPE)
            continue
        name = _LITERAL_TYPES.get(type(argument.value))
        if name is None:
            return None
        names.add(name)
    return frozenset(names)


def _single(types: _Types | None) -> StubType | None:
    """One class, maybe optional; None alone is ``types.NoneType``; anything else unknown."""
    if not types:
        return None
    classes = types - {NONE_TYPE}
    if not classes:
        return StubType(NONE_TYPE)
    if len(classes) != 1:
        return None
    return StubType(next(iter(classes)), optional=NONE_TYPE in types)


def site_packages() -> tuple[str, ...]:
    """The running interpreter's site-packages directories (user site included)."""
    paths = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    if site.ENABLE_USER_SITE:
        paths.append(site.getusersitepackages())
    return tuple(dict.fromkeys(p for p in paths if Path(p).is_dir()))


@functools.lru_cache(maxsize=8)
def default_stubs(
    environment_site_packages: tuple[str, ...] = (), version: tuple[int, int] = SUPPORTED[0]
) -> Stubs:
    """typeshed's stdlib stubs for Python ``version`` plus the stubs and typed packages of the
    analysed project's environment (first: :mod:`qualitytool.exceptions.inference.environment`
    finds it) and of this interpreter."""
    return Stubs((*environment_site_packages, *site_packages()), version)
