"""Where a catch-all is meant to be, read from the code around the ``try`` statement.

- *Boundaries* by their shape (a catch-all belongs there, whatever the body raises):
  a stream, subscription or reconnect loop (``while running: try: async with connect() ...
  yield ... except Exception: log; await asyncio.sleep(5)``), a loop that isolates plugins,
  extensions, hooks or relays from each other (``for ext in extensions: try: start(ext)``),
  and a best-effort side effect after the real work is done (``try: await
  send_payment_notification(...) except Exception: logger.error(...)``).
- *Quiet by design* (a catch-all that must stay quiet: no narrowing that could let an error
  out, no traceback added): template filters and tags, whose errors must never reach the
  page; code whose comment says it must never raise; interactive prompts, which tell the
  user and ask again; assertion helpers, which turn the error into a test failure.

Each answer is a reason, shown with the handler.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping, Sequence

from qualitytool.exceptions.inference.frames import Frame, contains_yield, own_nodes
from qualitytool.exceptions.inference.infer import Inferrer

Parents = Mapping[ast.AST, ast.AST]

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# What a loop isolates from each other, by the words of its variable and iterable.
_ISOLATED = frozenset({
    "ext", "extension", "plugin", "addon", "hook", "listener", "subscriber", "relay",
    "receiver", "observer", "provider", "backend", "middleware", "callback", "handler",
    "peer", "subscription", "webhook", "integration", "app",
})
# Words of a side effect's callee: it reports or propagates what was done.
_SIDE_EFFECT = re.compile(
    r"(?:^|_)(?:notify|notification|notifications|webhook|webhooks|push|publish|emit|"
    r"broadcast|email|mail|alert|sms|telegram|analytics|track|metric|metrics|audit)(?:_|$)"
)
_WORD = re.compile(r"[a-z]+")
_TEMPLATE_DECORATORS = frozenset({"filter", "simple_tag", "inclusion_tag", "tag",
                                  "assignment_tag", "stringfilter"})
_PROMPTS = frozenset({"builtins.input", "getpass.getpass", "click.prompt", "click.confirm",
                      "typer.prompt", "typer.confirm", "rich.prompt.Prompt.ask",
                      "rich.prompt.Confirm.ask"})
_NEVER_RAISE = re.compile(
    r"(?i)(?:\b(?:must|should|shall|do|does|can)(?:\s*n['\u2019]?t|\s+not|\s+never)\s+"
    r"(?:raise|throw)|\bnever\s+(?:raise|throw)s?\b|\bfails?\s+silently\b|\bsilently\b)"
)


def enclosing(node: ast.AST, parents: Parents) -> Iterator[ast.AST]:
    """The nodes around ``node``, innermost first, up to and including its function."""
    current = parents.get(node)
    while current is not None:
        yield current
        if isinstance(current, _FUNCTIONS):
            return
        current = parents.get(current)


def _loop_of(try_node: ast.Try, parents: Parents) -> ast.For | ast.AsyncFor | ast.While | None:
    for node in enclosing(try_node, parents):
        if isinstance(node, _LOOPS):
            return node
        if isinstance(node, _FUNCTIONS):
            return None
    return None


def _function_of(node: ast.AST, parents: Parents) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for around in enclosing(node, parents):
        if isinstance(around, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return around
        if isinstance(around, (ast.Lambda, ast.ClassDef)):
            return None
    return None


def _calls(nodes: Sequence[ast.AST]) -> Iterator[ast.Call]:
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            yield node
        if not isinstance(node, _FUNCTIONS):
            stack.extend(ast.iter_child_nodes(node))


def _called(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _sleeps_or_goes_on(handler: ast.ExceptHandler) -> bool:
    """The handler waits before a retry (``await asyncio.sleep(5)``) or goes on to the next
    round (``continue``)."""
    for node in ast.walk(ast.Module(body=list(handler.body), type_ignores=[])):
        if isinstance(node, ast.Continue):
            return True
        if isinstance(node, ast.Call) and _called(node) == "sleep":
            return True
    return False


def _stays_in_the_loop(handler: ast.ExceptHandler) -> bool:
    """The handler neither returns, raises nor breaks: the loop goes on after it (lnbits'
    ``for invoice in pending: try: ... yield invoice ... except Exception as exc:
    logger.error(...)``, whose next round is the next invoice)."""
    return _sleeps_or_goes_on(handler) or not any(
        isinstance(node, (ast.Return, ast.Raise, ast.Break))
        for node in own_nodes(handler.body)
    )


def stream_loop(try_node: ast.Try, handler: ast.ExceptHandler, parents: Parents) -> str | None:
    """A stream, subscription or reconnect loop: the ``try`` sits in a loop, its handler
    waits or goes on, and its body yields what the stream delivers or holds the connection
    (``async with``/``async for``).  One bad message or a dropped connection must not end
    the stream; what the consumer throws in at ``yield`` is the consumer's.  A body that
    yields needs only a handler that stays in the loop; a reconnect loop's waits or goes on
    by ``continue``."""
    loop = _loop_of(try_node, parents)
    if loop is None or handler.type is None:
        return None
    if contains_yield(try_node.body) and _stays_in_the_loop(handler):
        return ("a stream loop that yields: a catch-all keeps the stream going after a "
                "failure, and what the consumer throws in at `yield` is the consumer's")
    if not _sleeps_or_goes_on(handler):
        return None
    body = ast.Module(body=list(try_node.body), type_ignores=[])
    if isinstance(loop, ast.While) and any(
        isinstance(node, (ast.AsyncWith, ast.AsyncFor)) for node in ast.walk(body)
    ):
        return "a reconnect loop: a catch-all keeps it retrying after a failure"
    return None


def isolating_loop(try_node: ast.Try, parents: Parents) -> str | None:
    """A loop that keeps plugins, extensions, hooks or relays apart: one that fails must
    not stop the others (``for ext in installed_extensions: try: await start(ext)``)."""
    loop = _loop_of(try_node, parents)
    if not isinstance(loop, (ast.For, ast.AsyncFor)):
        return None
    targets = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    if not targets or not any(
        isinstance(n, ast.Name) and n.id in targets
        for stmt in try_node.body for n in ast.walk(stmt)
    ):
        return None
    words = _words(ast.unparse(loop.target))
    if all(len(name) <= 2 for name in targets) and isinstance(loop.iter, (ast.Name, ast.Attribute)):
        words |= _words(ast.unparse(loop.iter))  # ``for e in installed_extensions``
    isolated = sorted(words & _ISOLATED)
    if not isolated:
        return None
    kind = {"ext": "extension", "addon": "add-on"}.get(isolated[0], isolated[0])
    return (f"a per-{kind} loop: one {kind} that fails must not stop the others, and what "
            "it raises is its own")


def best_effort(
    try_node: ast.Try, handler: ast.ExceptHandler, is_log: Callable[[ast.Call], bool]
) -> str | None:
    """A side effect after the work is done (a notification, a webhook, a push): the body
    only makes such calls (and logs, under conditions), the handler logs and goes on."""
    handler_nodes = list(ast.walk(ast.Module(body=list(handler.body), type_ignores=[])))
    if any(isinstance(n, ast.Raise) for n in handler_nodes) or not any(
        isinstance(n, ast.Call) and is_log(n) for n in handler_nodes
    ):
        return None
    effects: list[ast.Call] = []
    if not _only_side_effects(try_node.body, is_log, effects) or not effects:
        return None
    return (f"a best-effort side effect (`{_called(effects[0])}`): the work before it is done, "
            "its failure is logged, not raised")


def _only_side_effects(
    body: Sequence[ast.stmt], is_log: Callable[[ast.Call], bool], effects: list[ast.Call]
) -> bool:
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.If):
            if not (_only_side_effects(stmt.body, is_log, effects)
                    and _only_side_effects(stmt.orelse, is_log, effects)):
                return False
            continue
        if not isinstance(stmt, ast.Expr):
            return False  # an assignment, a return: the body computes something
        calls = [n for n in ast.walk(stmt.value) if isinstance(n, ast.Call)]
        if not calls:
            return False
        if is_log(calls[0]):
            continue
        found = [c for c in calls if _SIDE_EFFECT.search(_called(c).lower())]
        if not found:
            return False
        effects.extend(found)
    return True


def _words(text: str) -> set[str]:
    words = set()
    for word in _WORD.findall(text.lower()):
        words.add(word)
        words.add(word.removesuffix("s"))
    return words


def _saying_never_raise(comments: Sequence[str]) -> str | None:
    """The sentence of the comments (read as one text) that says the code must not raise."""
    text = " ".join(c.lstrip("#").strip() for c in comments)
    match = _NEVER_RAISE.search(text)
    if match is None:
        return None
    start = max(text.rfind(". ", 0, match.start()) + 2, 0) if ". " in text[:match.start()] else 0
    end = text.find(".", match.end())
    sentence = text[start:end + 1 if end != -1 else len(text)].strip()
    return sentence if len(sentence) <= 100 else sentence[:97] + "..."


def _renders_a_default(
    function: ast.FunctionDef | ast.AsyncFunctionDef, handler: ast.ExceptHandler
) -> bool:
    """A template node's ``render(self, context)`` or an ``{% if %}`` operator's
    ``eval(self, context)`` whose handler answers a constant (``return False``, ``""``)."""
    names = [a.arg for a in function.args.args]
    return (
        function.name in ("render", "eval", "resolve")
        and "context" in names
        and len(handler.body) == 1
        and isinstance(handler.body[0], ast.Return)
        and isinstance(handler.body[0].value, (ast.Constant, type(None)))
    )


def quiet_by_design(
    try_node: ast.Try,
    handler: ast.ExceptHandler,
    frame: Frame,
    inferrer: Inferrer,
    parents: Parents,
    comments: Sequence[str],
) -> str | None:
    """Why the handler must stay a quiet catch-all, if it must."""
    function = _function_of(try_node, parents)
    if function is not None:
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = target.attr if isinstance(target, ast.Attribute) else getattr(
                target, "id", "")
            if name in _TEMPLATE_DECORATORS and (
                name == "stringfilter" or isinstance(target, ast.Attribute)
            ):
                return ("quiet by design: a template filter or tag, whose errors must never "
                        "reach the page")
    said = _saying_never_raise(comments)
    if said is not None:
        return f"quiet by design: its comment says so (\"{said}\")"
    if function is not None and _renders_a_default(function, handler):
        return (f"quiet by design: template rendering (`{function.name}(context)` answers a "
                "default), whose errors must never reach the page")
    handler_calls = list(_calls(handler.body))
    if function is not None:
        if function.name.lstrip("_").startswith("assert") or any(
            _called(c) == "fail" for c in handler_calls
        ):
            return ("quiet by design: an assertion helper, which turns the error into a test "
                    "failure")
        for call in _calls(function.body):
            if inferrer.qualified(call.func, frame) in _PROMPTS:
                return ("quiet by design: an interactive prompt, which tells the user what "
                        "went wrong")
    return None
