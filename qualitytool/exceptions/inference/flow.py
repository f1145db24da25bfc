"""Which assignments reach a name, and what the tests on the way say about it: ``analyse``.

Local typing asks "what is ``data`` here?".  The answer is the assignments that can reach
that point -- not an annotation written elsewhere in the function, and not every value the
name ever holds.  This module walks one function body in execution order, the way a type
checker's binder does, and records for every read of a local name the pairs
(:class:`Definition`, narrowings) that reach it:

- a definition is where the value came from: a parameter, an assigned expression, a ``with``
  target, an ``except X as exc`` binding, a loop or comprehension variable, or something the
  typing cannot follow (a name bound by ``match``, ``import``, unpacking of unknown shape);
- a narrowing is what a test on the way proved: ``if x is None: return`` leaves ``x`` not
  None after the ``if``; inside ``if x:``, ``if x is not None:``, ``x and x.y``,
  ``x.y if x else z`` and ``isinstance(x, dict)`` the value is narrowed accordingly.

Branches join (a union of what reaches), loops run to a fixed point, a ``try`` handler sees
every state its body passed through, and ``return``/``raise``/``break``/``continue`` end a path.
What cannot be followed is left untracked, and the typing treats it as unknown: names declared
``global``/``nonlocal``, names a nested function rebinds through ``nonlocal``, names bound by a
walrus inside a comprehension or inside a ``finally`` body.  Reads inside generator expressions
and lambdas run later, so they see every definition of the name (``FlowFacts.definitions``).

Only the stdlib ``ast`` is used; nothing here knows about types.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Definition", "DefinitionKind", "FlowFacts", "Narrowing", "NarrowingKind", "analyse",
    "filled_containers", "is_constant_display",
]

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_TRY_TYPES: tuple[type[ast.stmt], ...] = (ast.Try,) + (
    (ast.TryStar,) if hasattr(ast, "TryStar") else ()
)
# Loops reach a fixed point within a few rounds (definitions only grow); this bounds a
# pathological nesting, after which every name the loop binds is untracked.
_MAX_ROUNDS = 8


class DefinitionKind(enum.Enum):
    """Where a value came from."""

    PARAMETER = "parameter"
    VALUE = "value"  # ``x = expr``, ``x: T = expr``, ``(x := expr)``; node: the expression
    AUGMENTED = "augmented"  # ``x += expr``; node: the AugAssign
    WITH = "with"  # ``with expr as x``; node: the withitem
    EXCEPT = "except"  # ``except T as x``; node: the handler
    ELEMENT = "element"  # ``for x in expr``, comprehensions; node: For/comprehension
    UNPACKED = "unpacked"  # ``a, b = expr``; node: the expression, path: the place
    UNKNOWN = "unknown"  # bound in a way the typing does not follow
    UNBOUND = "unbound"  # not bound yet (a read raises NameError/UnboundLocalError)


@dataclass(frozen=True, eq=False)
class Definition:
    """One binding of a name; identity matters (two bindings are two definitions)."""

    kind: DefinitionKind
    name: str
    node: ast.AST | None = None
    # For a target unpacked from the value (``for k, v in d.items()``): the position of the
    # name in the target, outermost first.
    path: tuple[int, ...] = ()
    asynchronous: bool = False


# Definitions whose value may be the very object another name holds.
_ALIASING = frozenset({DefinitionKind.VALUE, DefinitionKind.UNPACKED})


class NarrowingKind(enum.Enum):
    NOT_NONE = "not None"
    IS_NONE = "is None"
    TRUTHY = "truthy"
    ISINSTANCE = "isinstance"
    NOT_ISINSTANCE = "not isinstance"


@dataclass(frozen=True)
class Narrowing:
    kind: NarrowingKind
    test: ast.Call | None = None  # the ``isinstance(x, C)`` call, for (NOT_)ISINSTANCE


Reaching = frozenset[tuple[Definition, tuple[Narrowing, ...]]]
# name -> what reaches it; None: a path that cannot get here (after return/raise/break...)
State = dict[str, Reaching] | None


@dataclass
class FlowFacts:
    """What :func:`analyse` found for one function."""

    # id(ast.Name) of a read -> the definitions (with narrowings) that reach it
    reaching: dict[int, Reaching] = field(default_factory=dict)
    # every definition of each tracked name (what a closure or a lazy read may see)
    definitions: dict[str, tuple[Definition, ...]] = field(default_factory=dict)
    tracked: frozenset[str] = frozenset()
    # ``return`` statements, and whether the end of the body can be reached (returns None)
    returns: list[ast.Return] = field(default_factory=list)
    falls_off: bool = False
    # definitions whose container the body writes into afterwards (``x[k] = v``,
    # ``x.append(v)``, through simple aliases ``y = x["items"]``): a decoded JSON document
    # there may hold the code's own objects by now
    filled: frozenset[Definition] = frozenset()


def analyse(function: ast.FunctionDef | ast.AsyncFunctionDef, locals_: Iterable[str]) -> FlowFacts:
    """Reaching definitions of ``function``'s local names (``locals_``: the names its scope
    binds that are plain variables, parameters included).  A body this walk cannot settle
    (loops nested past any sense) tracks nothing: every local is then unknown."""
    try:
        return _Binder(function, frozenset(locals_)).run()
    except _GiveUp:
        return FlowFacts()


class _GiveUp(Exception):
    """A loop did not reach its fixed point within ``_MAX_ROUNDS`` rounds."""


def _parameters(args: ast.arguments) -> list[ast.arg]:
    found = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    found += [a for a in (args.vararg, args.kwarg) if a is not None]
    return found


def _untracked(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names whose value can change where this walk cannot see it."""
    found: set[str] = set()
    stack: list[tuple[ast.AST, bool, bool]] = [(s, False, False) for s in function.body]
    while stack:
        node, nested, in_comprehension = stack.pop()
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)  # here: the module's or outer name; nested: ours, rebound
        elif isinstance(node, ast.NamedExpr) and (nested or in_comprehension):
            found.add(node.target.id)
        elif isinstance(node, _TRY_TYPES) and not nested:
            finalbody: list[ast.stmt] = getattr(node, "finalbody", [])
            for inner in ast.walk(ast.Module(body=finalbody, type_ignores=[])):
                if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del)):
                    found.add(inner.id)
        deeper = nested or isinstance(node, (*_FUNCTIONS, ast.Lambda, ast.ClassDef))
        comprehension = in_comprehension or isinstance(node, _COMPREHENSIONS)
        stack.extend((child, deeper, comprehension) for child in ast.iter_child_nodes(node))
    return found


# Methods of builtin containers that put a value into them.
_FILLING_METHODS = frozenset({"append", "extend", "insert", "update", "setdefault", "__setitem__",
                              "add", "appendleft", "extendleft"})


def filled_containers(body: Sequence[ast.stmt], shallow: bool = False) -> frozenset[str]:
    """Names (and ``self.attr`` chains, as ``self.attr``) whose container some code in
    ``body`` fills with a value that is not a constant: ``x["k"] = v``, ``x[0]["k"] += v``,
    ``x.append(v)``, ``x["items"].extend(v)``.  ``shallow``: the statements themselves, not
    the blocks nested in them."""
    found: set[str] = set()
    nodes: Iterable[ast.AST] = (
        _statement_nodes(body) if shallow
        else ast.walk(ast.Module(body=list(body), type_ignores=[]))
    )
    for node in nodes:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets, value = [node.target], node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _FILLING_METHODS
        ):
            if not all(is_constant(a) for a in [*node.args, *(k.value for k in node.keywords)]):
                root = _container_root(node.func.value)
                if root is not None:
                    found.add(root)
            continue
        if value is not None and is_constant(value):
            continue
        for target in targets:
            for element in ast.walk(target):
                if isinstance(element, ast.Subscript):
                    root = _container_root(element.value)
                    if root is not None:
                        found.add(root)
    return frozenset(found)


def _statement_nodes(body: Sequence[ast.stmt]) -> Iterable[ast.AST]:
    for stmt in body:
        yield stmt
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.expr):
                yield from ast.walk(child)


def _alias_root(node: ast.expr) -> str | None:
    """The local a value is (part of): ``x``, ``x["k"]``, ``x.get("k")``, ``x["a"][0]``."""
    while True:
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        elif isinstance(node, ast.BoolOp):
            roots = {_alias_root(v) for v in node.values} - {None}
            return roots.pop() if len(roots) == 1 else None
        else:
            break
    return node.id if isinstance(node, ast.Name) else None


def _container_root(node: ast.expr) -> str | None:
    """``x`` of ``x``, ``x[k]``, ``x[k][j]``; ``self.data`` of ``self.data[k]``."""
    while isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def is_constant(node: ast.expr) -> bool:
    """A literal made only of constants (``{}``, ``[]``, ``{"a": 1}``, ``("x", None)``,
    ``-1``): JSON, whatever is stored where."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(is_constant(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and is_constant(k) for k in node.keys) and all(
            is_constant(v) for v in node.values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant)
    return False


def is_constant_display(node: ast.expr) -> bool:
    """``{}``, ``[]``, ``{"a": [1, None]}``: a fresh container holding constants only."""
    return isinstance(node, (ast.List, ast.Dict)) and is_constant(node)


def _join(states: Iterable[State]) -> State:
    alive = [s for s in states if s is not None]
    if not alive:
        return None
    if len(alive) == 1:
        return alive[0]
    joined: dict[str, Reaching] = {}
    for state in alive:
        for name, reaching in state.items():
            joined[name] = joined[name] | reaching if name in joined else reaching
    return joined


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class _Binder:
    def __init__(self, function: ast.FunctionDef | ast.AsyncFunctionDef,
                 locals_: frozenset[str]) -> None:
        self.function = function
        self.tracked = locals_ - _untracked(function)
        self.facts = FlowFacts(tracked=self.tracked)
        self.all_definitions: dict[str, dict[Definition, None]] = {}
        # states each enclosing ``try`` (and ``with``) body passed through
        self.collectors: list[list[State]] = []
        # (break states, continue states) of each enclosing loop
        self.loops: list[tuple[list[State], list[State]]] = []
        self.unbound: dict[str, Definition] = {}
        # one Definition per binding site, however often a loop revisits it
        self.made: dict[tuple[DefinitionKind, str, int, tuple[int, ...]], Definition] = {}
        self.function_names = self.tracked
        self.returns: dict[int, ast.Return] = {}
        self.filled: set[Definition] = set()

    def definition(self, kind: DefinitionKind, name: str, node: ast.AST | None = None,
                   path: tuple[int, ...] = (), asynchronous: bool = False) -> Definition:
        key = (kind, name, id(node), path)
        found = self.made.get(key)
        if found is None:
            found = self.made[key] = Definition(kind, name, node, path, asynchronous)
            if name in self.function_names and kind is not DefinitionKind.UNBOUND:
                self.all_definitions.setdefault(name, {})[found] = None
        return found

    def run(self) -> FlowFacts:
        state: dict[str, Reaching] = {}
        for name in self.tracked:
            unbound = self.definition(DefinitionKind.UNBOUND, name)
            self.unbound[name] = unbound
            state[name] = frozenset({(unbound, ())})
        parameters: State = state
        for arg in _parameters(self.function.args):
            parameters = self._bind(parameters, arg.arg,
                                    self.definition(DefinitionKind.PARAMETER, arg.arg, arg))
        end = self.block(self.function.body, parameters)
        self.facts.falls_off = end is not None
        self.facts.filled = frozenset(self.filled)
        self.facts.returns = list(self.returns.values())
        self.facts.definitions = {n: tuple(d) for n, d in self.all_definitions.items()}
        return self.facts

    # -- states --------------------------------------------------------------------------

    def _bind(self, state: State, name: str, definition: Definition) -> State:
        if state is None or name not in self.tracked:
            return state
        new = dict(state)
        new[name] = frozenset({(definition, ())})
        return new

    def _unbind(self, state: State, name: str) -> State:
        if state is None or name not in self.tracked:
            return state
        new = dict(state)
        new[name] = frozenset({(self.unbound[name], ())})
        return new

    def _narrow(self, state: State, name: str, narrowing: Narrowing) -> State:
        if state is None or name not in self.tracked:
            return state
        new = dict(state)
        # A read that got here did not raise: an unbound name was bound after all.
        # The latest test goes last (it applies to what the earlier ones left); a test
        # seen before moves there, so a loop's narrowings stay finite.
        new[name] = frozenset(
            (d, (*(n for n in ns if n != narrowing), narrowing))
            for d, ns in state[name]
            if d.kind is not DefinitionKind.UNBOUND
        )
        return new

    def _collect(self, state: State) -> None:
        for collector in self.collectors:
            collector.append(state)

    # -- statements ----------------------------------------------------------------------

    def block(self, body: Sequence[ast.stmt], state: State) -> State:
        for stmt in body:
            if state is None:
                return None
            state = self.statement(stmt, state)
            self._collect(state)
        return state

    def _fill(self, stmt: ast.stmt, state: State) -> None:
        """Mark what a statement that fills containers fills (see :func:`filled_containers`)."""
        if state is None:
            return
        for root in filled_containers([stmt], shallow=True):
            self._fill_name(root, state, 0)

    def _fill_name(self, name: str, state: dict[str, Reaching], depth: int) -> None:
        if name not in state or depth > 8:
            return
        for definition, _narrowings in state[name]:
            if definition in self.filled:
                continue
            self.filled.add(definition)
            node = definition.node
            if definition.kind in _ALIASING and isinstance(node, ast.expr):
                # ``items = data["items"]``, ``first, second = data``: the same objects
                alias = _alias_root(node)
                if alias is not None:
                    self._fill_name(alias, state, depth + 1)

    def statement(self, stmt: ast.stmt, state: State) -> State:
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)):
            self._fill(stmt, state)
        if isinstance(stmt, ast.Assign):
            state = self.expr(stmt.value, state)
            for target in stmt.targets:
                state = self.assign(target, state, stmt.value)
            return state
        if isinstance(stmt, ast.AnnAssign):
            if stmt.value is None:
                return state  # a declaration binds nothing (and is not evaluated in a function)
            state = self.expr(stmt.value, state)
            return self.assign(stmt.target, state, stmt.value)
        if isinstance(stmt, ast.AugAssign):
            state = self.expr(stmt.value, state)
            if isinstance(stmt.target, ast.Name):
                self._record(stmt.target, state)
                return self._bind(state, stmt.target.id,
                                  self.definition(DefinitionKind.AUGMENTED, stmt.target.id, stmt))
            return self.expr(stmt.target, state)
        if isinstance(stmt, (ast.Return, ast.Expr)):
            if stmt.value is not None:
                state = self.expr(stmt.value, state)
            if isinstance(stmt, ast.Return):
                self.returns[id(stmt)] = stmt
                return None
            return state
        if isinstance(stmt, ast.Raise):
            for part in (stmt.exc, stmt.cause):
                if part is not None:
                    state = self.expr(part, state)
            return None
        if isinstance(stmt, (ast.Break, ast.Continue)):
            if self.loops:
                self.loops[-1][0 if isinstance(stmt, ast.Break) else 1].append(state)
            return None
        if isinstance(stmt, ast.If):
            true, false = self.condition(stmt.test, state)
            return _join([self.block(stmt.body, true), self.block(stmt.orelse, false)])
        if isinstance(stmt, ast.While):
            return self.while_loop(stmt, state)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            return self.for_loop(stmt, state)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            return self.with_statement(stmt, state)
        if isinstance(stmt, _TRY_TYPES):
            return self.try_statement(stmt, state)  # type: ignore[arg-type]
        if isinstance(stmt, ast.Match):
            return self.match_statement(stmt, state)
        if isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    state = self._unbind(state, target.id)
                else:
                    state = self.expr(target, state)
            return state
        if isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
            evaluated: list[ast.expr] = list(stmt.decorator_list)
            if isinstance(stmt, ast.ClassDef):
                evaluated += [*stmt.bases, *(k.value for k in stmt.keywords)]
            else:
                evaluated += [*stmt.args.defaults, *(d for d in stmt.args.kw_defaults if d)]
            for expr in evaluated:
                state = self.expr(expr, state)
            return self._bind(state, stmt.name,
                              self.definition(DefinitionKind.UNKNOWN, stmt.name, stmt))
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                state = self._bind(state, bound,
                                   self.definition(DefinitionKind.UNKNOWN, bound, stmt))
            return state
        for child in ast.iter_child_nodes(stmt):  # Assert, Global, Pass, TypeAlias...
            if isinstance(child, ast.expr):
                state = self.expr(child, state)
        return state

    def assign(self, target: ast.expr, state: State, value: ast.expr | None,
               definition_node: ast.AST | None = None, path: tuple[int, ...] = (),
               kind: DefinitionKind = DefinitionKind.VALUE, asynchronous: bool = False) -> State:
        """Bind ``target``: a name gets a definition of ``kind`` (its value, or its place in an
        unpacked ``definition_node``); subscripts and attributes are reads."""
        if isinstance(target, ast.Name):
            node = value if kind is DefinitionKind.VALUE else definition_node
            return self._bind(state, target.id,
                              self.definition(kind, target.id, node, path, asynchronous))
        if isinstance(target, (ast.Tuple, ast.List)):
            elements = target.elts
            if (
                kind is DefinitionKind.VALUE
                and isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(elements)
                and not any(isinstance(e, ast.Starred) for e in (*elements, *value.elts))
            ):  # ``a, b = x, y``: each name its own value
                for element, part in zip(elements, value.elts):
                    state = self.assign(element, state, part)
                return state
            for position, element in enumerate(elements):
                if isinstance(element, ast.Starred):
                    state = self.assign(element.value, state, None, definition_node,
                                        kind=DefinitionKind.UNKNOWN)
                elif kind is DefinitionKind.ELEMENT:
                    state = self.assign(element, state, None, definition_node,
                                        (*path, position), kind, asynchronous)
                elif kind in (DefinitionKind.VALUE, DefinitionKind.UNPACKED) and (
                    value is not None or definition_node is not None
                ):  # ``scheme, token = header.split()``: elements of what is unpacked
                    state = self.assign(element, state, None,
                                        value if kind is DefinitionKind.VALUE
                                        else definition_node,
                                        (*path, position), DefinitionKind.UNPACKED)
                else:
                    state = self.assign(element, state, None, definition_node,
                                        kind=DefinitionKind.UNKNOWN)
            return state
        if isinstance(target, ast.Starred):
            return self.assign(target.value, state, None, definition_node,
                               kind=DefinitionKind.UNKNOWN)
        return self.expr(target, state)  # x.attr = ..., x[k] = ...: reads x (and k)

    def _loop(self, state: State, round_: Callable[[State], State]) -> tuple[State, list[State]]:
        """Run a loop to its fixed point: ``round_(head)`` runs one iteration and returns the
        state after the body.  (The loop head's final state, the states at its breaks.)"""
        head = state
        for _ in range(_MAX_ROUNDS):
            self.loops.append(([], []))
            body_end = round_(head)
            breaks, continues = self.loops.pop()
            new_head = _join([state, body_end, *continues])
            if new_head == head:
                return head, breaks
            head = new_head
        raise _GiveUp

    def while_loop(self, stmt: ast.While, state: State) -> State:
        def round_(head: State) -> State:
            true, _false = self.condition(stmt.test, head)
            return self.block(stmt.body, true)

        head, breaks = self._loop(state, round_)
        _true, false = self.condition(stmt.test, head)
        return _join([self.block(stmt.orelse, false), *breaks])

    def for_loop(self, stmt: ast.For | ast.AsyncFor, state: State) -> State:
        state = self.expr(stmt.iter, state)
        asynchronous = isinstance(stmt, ast.AsyncFor)

        def round_(head: State) -> State:
            bound = self.assign(stmt.target, head, None, stmt, kind=DefinitionKind.ELEMENT,
                                asynchronous=asynchronous)
            return self.block(stmt.body, bound)

        head, breaks = self._loop(state, round_)
        return _join([self.block(stmt.orelse, head), *breaks])

    def with_statement(self, stmt: ast.With | ast.AsyncWith, state: State) -> State:
        for item in stmt.items:
            state = self.expr(item.context_expr, state)
            if item.optional_vars is not None:
                state = self.assign(item.optional_vars, state, None, item, kind=(
                    DefinitionKind.WITH if isinstance(item.optional_vars, ast.Name)
                    else DefinitionKind.UNKNOWN), asynchronous=isinstance(stmt, ast.AsyncWith))
        # A context manager may swallow an exception: the code after the ``with`` then runs
        # from wherever the body stopped.
        self.collectors.append([])
        end = self.block(stmt.body, state)
        passed = self.collectors.pop()
        return _join([end, state, *passed])

    def try_statement(self, stmt: ast.Try, state: State) -> State:
        self.collectors.append([])
        body_end = self.block(stmt.body, state)
        passed = self.collectors.pop()
        raised = _join([state, *passed])  # where an exception may have left the body
        self._collect(raised)
        ends = [self.block(stmt.orelse, body_end)]
        for handler in stmt.handlers:
            entry = raised
            if handler.type is not None:
                entry = self.expr(handler.type, entry)
            if handler.name:
                entry = self._bind(entry, handler.name,
                                   self.definition(DefinitionKind.EXCEPT, handler.name, handler))
            end = self.block(handler.body, entry)
            ends.append(self._unbind(end, handler.name) if handler.name else end)
        if not stmt.finalbody:
            return _join(ends)
        # The finally body also runs when an exception or a return leaves the statement.
        return self.block(stmt.finalbody, _join([*ends, raised]))

    def match_statement(self, stmt: ast.Match, state: State) -> State:
        state = self.expr(stmt.subject, state)
        ends: list[State] = [state]  # no case may match
        for case in stmt.cases:
            bound = state
            for node in ast.walk(case.pattern):
                names: list[str] = []
                if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                    names.append(node.name)
                elif isinstance(node, ast.MatchMapping) and node.rest:
                    names.append(node.rest)
                elif isinstance(node, ast.MatchValue):
                    bound = self.expr(node.value, bound)
                elif isinstance(node, ast.MatchClass):
                    bound = self.expr(node.cls, bound)
                for name in names:
                    bound = self._bind(bound, name,
                                       self.definition(DefinitionKind.UNKNOWN, name, node))
            if case.guard is not None:
                bound, _false = self.condition(case.guard, bound)
            ends.append(self.block(case.body, bound))
            state = _join([state, bound])  # captures of a failed case may stay bound
        return _join(ends)

    # -- expressions ---------------------------------------------------------------------

    def _record(self, node: ast.Name, state: State) -> None:
        if state is not None and node.id in self.tracked and node.id in state:
            key = id(node)
            previous = self.facts.reaching.get(key)
            reaching = state[node.id]
            # Loops revisit a read; what reaches it is the union over the rounds.
            self.facts.reaching[key] = reaching if previous is None else previous | reaching

    def expr(self, node: ast.expr, state: State, lazy: bool = False) -> State:
        """Record the reads in ``node`` (in evaluation order) and return the state after it
        (a walrus binds).  ``lazy``: the code runs later (a generator expression's body), so
        reads of the function's names are not recorded."""
        if state is None:
            return None
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and not lazy:
                self._record(node, state)
            return state
        if isinstance(node, ast.NamedExpr):
            state = self.expr(node.value, state, lazy)
            if lazy:
                return state
            return self._bind(state, node.target.id,
                              self.definition(DefinitionKind.VALUE, node.target.id, node.value))
        if isinstance(node, ast.BoolOp):
            if lazy:
                return self._children(node, state, lazy)
            return self._bool_op(node, state)[2]
        if isinstance(node, ast.IfExp) and not lazy:
            true, false = self.condition(node.test, state)
            return _join([self.expr(node.body, true), self.expr(node.orelse, false)])
        if isinstance(node, _COMPREHENSIONS):
            self.comprehension(node, state, lazy)
            return state
        if isinstance(node, ast.Lambda):
            for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
                state = self.expr(default, state, lazy)
            return state
        return self._children(node, state, lazy)

    def _children(self, node: ast.AST, state: State, lazy: bool) -> State:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                state = self.expr(child, state, lazy)
            elif isinstance(child, ast.keyword):
                state = self.expr(child.value, state, lazy)
            elif isinstance(child, (ast.comprehension, ast.arguments)):
                pass  # handled by their owners
            else:
                for grandchild in ast.iter_child_nodes(child):  # slices of old ASTs, etc.
                    if isinstance(grandchild, ast.expr):
                        state = self.expr(grandchild, state, lazy)
        return state

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp,
                      state: State, lazy: bool) -> None:
        """A comprehension's own scope: its variables shadow the function's names.  A
        generator expression's body runs later (only its first iterable runs now)."""
        if state is None:
            return
        saved = self.tracked
        inner: State = dict(state)
        later = lazy or isinstance(node, ast.GeneratorExp)
        for position, generator in enumerate(node.generators):
            inner = self.expr(generator.iter, inner, lazy if position == 0 else later)
            names = {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
            self.tracked = self.tracked | names
            inner = self.assign(generator.target, inner, None, generator,
                                kind=DefinitionKind.ELEMENT, asynchronous=bool(generator.is_async))
            for test in generator.ifs:
                if later:
                    inner = self._lazy_scope(inner, names)
                    inner = self.expr(test, inner, False)
                else:
                    inner, _false = self.condition(test, inner)
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for element in elements:
            if later:
                inner = self._lazy_scope(inner, set(self.tracked - saved))
            inner = self.expr(element, inner)
        self.tracked = saved

    def _lazy_scope(self, state: State, comprehension_names: set[str]) -> State:
        """In code that runs later only the comprehension's own variables are followed."""
        if state is None:
            return None
        return {n: r for n, r in state.items() if n in comprehension_names}

    def _bool_op(self, node: ast.BoolOp, state: State) -> tuple[State, State, State]:
        """(state when true, when false, after) of ``a and b`` / ``a or b``."""
        is_and = isinstance(node.op, ast.And)
        exits: list[State] = []  # where evaluation stops early
        current = state
        true: State = None
        false: State = None
        for position, value in enumerate(node.values):
            value_true, value_false = self.condition(value, current)
            last = position == len(node.values) - 1
            if is_and:
                exits.append(value_false)
                current = value_true
                if last:
                    true, false = value_true, _join(exits)
            else:
                exits.append(value_true)
                current = value_false
                if last:
                    true, false = _join(exits), value_false
        return true, false, _join([true, false])

    def condition(self, test: ast.expr, state: State) -> tuple[State, State]:
        """Record the reads in a test; the states where it is true and where it is false."""
        if state is None:
            return None, None
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            true, false = self.condition(test.operand, state)
            return false, true
        if isinstance(test, ast.BoolOp):
            true, false, _after = self._bool_op(test, state)
            return true, false
        if isinstance(test, ast.Constant):
            return (state, None) if test.value else (None, state)
        state = self.expr(test, state)
        name = self._narrowed_name(test)
        if name is None:
            return state, state
        if isinstance(test, (ast.Name, ast.NamedExpr)):
            return self._narrow(state, name, Narrowing(NarrowingKind.TRUTHY)), state
        if isinstance(test, ast.Compare):
            is_none = Narrowing(NarrowingKind.IS_NONE)
            not_none = Narrowing(NarrowingKind.NOT_NONE)
            if isinstance(test.ops[0], ast.IsNot):
                is_none, not_none = not_none, is_none
            return self._narrow(state, name, is_none), self._narrow(state, name, not_none)
        assert isinstance(test, ast.Call)
        return (
            self._narrow(state, name, Narrowing(NarrowingKind.ISINSTANCE, test)),
            self._narrow(state, name, Narrowing(NarrowingKind.NOT_ISINSTANCE, test)),
        )

    def _narrowed_name(self, test: ast.expr) -> str | None:
        """The local a test narrows: ``x``, ``(x := ...)``, ``x is [not] None``,
        ``isinstance(x, C)``."""
        if isinstance(test, ast.Name):
            return test.id
        if isinstance(test, ast.NamedExpr):
            return test.target.id
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], (ast.Is, ast.IsNot))
        ):
            left, right = test.left, test.comparators[0]
            if _is_none(right) and isinstance(left, ast.Name):
                return left.id
            if _is_none(left) and isinstance(right, ast.Name):
                return right.id
            return None
        if (
            isinstance(test, ast.Call)
            and isinstance(test.func, ast.Name)
            and test.func.id == "isinstance"
            and "isinstance" not in self.tracked
            and len(test.args) == 2
            and not test.keywords
            and isinstance(test.args[0], ast.Name)
        ):
            return test.args[0].id
        return None


