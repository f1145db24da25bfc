"""Differential check of safe fixes: old handler against new, on hostile input.

Usage::

    python benchmarks/run.py hostile-fixes

For every *safe* fix fix-exceptions makes on tornado 6.6.1, Django 5.2.8 and lnbits 1.6.2
(lnbits analysed with its dependencies: a copy of the sdist with ``.venv`` pointing at the
virtualenv ``narrowing.py`` builds), the ``try`` body is extracted with what it uses:

* module-level imports of libraries and the standard library, and module constants that are
  literals, are copied;
* every other free name -- a parameter, a local, ``self`` -- is bound to hostile values of
  the type the inference assumed for it (``benchmarks/hostile_snippet.py``: strings with NUL
  bytes and lone surrogates, huge integers, nesting past the recursion limit, ``None`` where
  the type is Optional, httpx/requests responses with hostile bodies; any builtin value when
  the inference did not know the type); ``self`` and project objects become stand-ins
  carrying the attributes the body reads, each bound the same way.

A body that calls project code, or uses a name of a type no hostile values exist for, cannot
be run on its own: it is counted and named, not run.  The others run in a child process
(``hostile_snippet.py``) inside a sandbox -- its own mount namespace with every file system
read-only but a scratch folder of its own (its working directory and TMPDIR), its own process
and network namespaces (``unshare``), 1.5 GiB of address space, 120 CPU seconds, 5 s per
call -- and every exception that the old
handler catches and the new one does not is reported.  There must be none: each would be a
contract or an inference to fix, with a regression test.

Without ``unshare`` (not root, or no user namespaces) the snippets are not run and the
benchmark says so: running third-party code on hostile input outside a sandbox is not worth
the risk.
"""

from __future__ import annotations

import ast
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import corpus_dir, sdist

from qualitytool.config import Config
from qualitytool.exceptions.fixing.fix import (
    FixOptions,
    _inferrer_for,
    knowledge_files,
    project_environment,
)
from qualitytool.exceptions.fixing.located import located_handlers
from qualitytool.exceptions.fixing.plan import SAFE, HandlerPlan, plan_module
from qualitytool.exceptions.inference.frames import Frame
from qualitytool.exceptions.inference.infer import Inferrer
from qualitytool.exceptions.inference.knowledge import NEVER_PROMISED
from qualitytool.exceptions.inference.project import ModuleInfo, module_name

HERE = Path(__file__).resolve().parent
CORPORA = (("tornado", "6.6.1", "tornado"), ("django", "5.2.8", "django"),
           ("lnbits", "1.6.2", "lnbits"))
SNIPPET_TIMEOUT = 300
BUILTIN_NAMES = frozenset(dir(__import__("builtins")))


@dataclass
class Snippet:
    """One safe fix's try body, ready to run on its own (or why it is not)."""

    where: str
    new: tuple[str, ...]
    old: tuple[str, ...] = ("Exception",)
    earlier: tuple[str, ...] = ()
    source: str = ""
    names: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    not_runnable: str | None = None


@dataclass
class CorpusResult:
    safe: int = 0
    checked: int = 0
    calls: int = 0
    not_runnable: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    catches_less: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


# -- extraction ------------------------------------------------------------------------------


class NotRunnable(Exception):
    """The try body cannot run on its own (says why)."""


def _free_names(body: list[ast.stmt], bound_outside: Callable[[str], bool]) -> list[str]:
    """Names the body reads that get their value from outside it: never bound in the body,
    or bound outside it too (a parameter the body reassigns: ``x = f(x)``), in order of
    first use."""
    loads: dict[str, tuple[int, int]] = {}
    stores: set[str] = set()
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        position = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                if node.id not in loads or position < loads[node.id]:
                    loads[node.id] = position
            else:
                stores.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stores.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stores.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            stores.add(node.name)
        elif isinstance(node, (ast.Nonlocal, ast.Global)):
            raise NotRunnable(f"declares `{type(node).__name__.lower()}`")
    return sorted((n for n in loads if n not in stores or bound_outside(n)),
                  key=lambda n: loads[n])


def _attribute_reads(body: list[ast.stmt], head: str) -> list[str]:
    """``head.a`` and ``head.a.b`` read in the body, longest chains first (``a.b`` before
    ``a`` would shadow it)."""
    chains: set[str] = set()
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            parts: list[str] = []
            current: ast.expr = node
            while isinstance(current, ast.Attribute):
                parts.append(current.attr)
                current = current.value
            if isinstance(current, ast.Name) and current.id == head:
                chain = list(reversed(parts))
                chains.add(".".join(chain[:2]))
    # keep only the innermost reads we can bind: a.b wins over a when both are read
    return sorted(chains, key=lambda c: (-c.count("."), c))


class Extractor:
    """Turns safe plans of one module into snippets."""

    def __init__(self, inferrer: Inferrer, module: ModuleInfo, tree: ast.Module, text: str,
                 shown: str) -> None:
        self.inferrer = inferrer
        self.module = module
        self.tree = tree
        self.lines = text.splitlines(keepends=True)
        self.shown = shown

    def snippets(self, plans: list[HandlerPlan]) -> Iterator[Snippet]:
        by_line = {p.line: p for p in plans}
        located = located_handlers(self.tree, self.module, self.inferrer, sorted(by_line))
        for handler, try_node, frame, _star in located:
            plan = by_line.get(handler.lineno)
            if plan is None:
                continue
            snippet = Snippet(where=f"{self.shown}:{plan.line}", new=plan.exceptions,
                              old=("BaseException",) if plan.kind != "Exception" else
                              ("Exception",))
            try:
                self._fill(snippet, handler, try_node, frame)
            except NotRunnable as why:
                snippet.not_runnable = str(why)
            yield snippet

    def _fill(self, snippet: Snippet, handler: ast.ExceptHandler, try_node: ast.Try,
              frame: Frame) -> None:
        earlier: list[str] = []
        for other in try_node.handlers:
            if other is handler:
                break
            earlier += self._caught(other, frame)
        snippet.earlier = tuple(earlier)
        body = try_node.body
        self._no_project_calls(body, frame)
        prelude: list[str] = []
        names: dict[str, dict[str, Any] | None] = {}
        for name in _free_names(body, lambda n: self._bound_before(n, try_node, frame)):
            if name in BUILTIN_NAMES and name not in self.module.bindings and \
                    name not in self.module.assignments and not self._local(name, frame):
                continue
            self._bind(name, body, frame, prelude, names)
        parameters = sorted({n.split(".")[0] for n in names})
        first = body[0]
        text = "".join(self.lines[first.lineno - 1:(body[-1].end_lineno or first.lineno)])
        text = textwrap.dedent(text)
        asynchronous = any(isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith))
                           for n in ast.walk(ast.Module(body=body, type_ignores=[])))
        source = "\n".join([
            *prelude,
            f"{'async ' if asynchronous else ''}def __snippet__({', '.join(parameters)}):",
            "    for __once__ in (0,):",
            textwrap.indent(text, "        "),
            "",
        ])
        try:
            compile(source, snippet.where, "exec")
        except SyntaxError as exc:
            raise NotRunnable(f"the extracted body does not compile: {exc.msg}") from exc
        snippet.source = source
        snippet.names = names

    def _caught(self, handler: ast.ExceptHandler, frame: Frame) -> list[str]:
        if handler.type is None:
            return ["BaseException"]
        elements = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        found = []
        for element in elements:
            qualified = self.inferrer.qualified(element, frame)
            if qualified is None:
                raise NotRunnable(f"an earlier handler catches `{ast.unparse(element)}`")
            found.append(qualified.removeprefix("builtins."))
        return found

    def _no_project_calls(self, body: list[ast.stmt], frame: Frame) -> None:
        index = self.inferrer.index
        for node in ast.walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(node, ast.Call):
                callee = self.inferrer.types.callee_name(node.func, frame)
                if callee is not None and index.is_project_name(callee):
                    raise NotRunnable(f"calls project code `{ast.unparse(node.func)}`")
                if callee is None and isinstance(node.func, ast.Attribute) and isinstance(
                        node.func.value, ast.Name) and node.func.value.id == frame.self_name:
                    raise NotRunnable(f"calls `{ast.unparse(node.func)}`")
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                qualified = self.inferrer.qualified(raised, frame)
                if qualified is not None and index.is_project_name(qualified):
                    raise NotRunnable(f"raises the project's `{qualified}`")

    def _bound_before(self, name: str, try_node: ast.Try, frame: Frame) -> bool:
        """Whether ``name`` has a value before the try body runs: a parameter, or a local
        the function binds before the ``try`` statement."""
        function = frame.function
        if function is None:
            return name in self.module.bindings or name in self.module.assignments
        args = function.args
        if any(a is not None and a.arg == name for a in (
                *args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)):
            return True
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id == name and isinstance(
                    node.ctx, ast.Store) and node.lineno < try_node.lineno:
                return True
        return False

    def _imported_locally(self, name: str, frame: Frame) -> str | None:
        """What a function-level ``import`` binds ``name`` to, if that is how it is bound."""
        current: Frame | None = frame
        while current is not None and current.function is not None:
            if name in current.bindings:  # an import's target; None for a local variable
                return current.bindings[name]
            current = current.parent
        return None

    def _local(self, name: str, frame: Frame) -> bool:
        current: Frame | None = frame
        while current is not None and current.function is not None:
            args = current.function.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            if any(a is not None and a.arg == name for a in every):
                return True
            if name in current.bindings:
                return True
            current = current.parent
        return False

    def _bind(self, name: str, body: list[ast.stmt], frame: Frame, prelude: list[str],
              names: dict[str, dict[str, Any] | None]) -> None:
        index = self.inferrer.index
        imported = self._imported_locally(name, frame)
        if imported is not None:
            if index.is_project_name(imported):
                raise NotRunnable(f"uses the project's `{imported}`")
            prelude.append(_import_line(name, imported))
            return
        if not self._local(name, frame):
            target = self.module.bindings.get(name)
            if target is not None and index.is_project_name(target) and (
                    index.class_info(target) is not None or index.lookup(target) is not None):
                raise NotRunnable(f"uses the project's `{target}`")
            if target is not None and not index.is_project_name(target):
                prelude.append(_import_line(name, target))
                return
            value = self._module_constant(name)
            if value is not None:
                prelude.append(f"{name} = {value}")
                return
        kind = self.inferrer.types.type_of(ast.Name(id=name, ctx=ast.Load()), frame)
        if kind is not None and (index.is_project_name(kind.name) or name == frame.self_name):
            # a project object: a stand-in with the attributes the body reads
            for chain in _attribute_reads(body, name):
                expr = ast.parse(f"{name}.{chain}", mode="eval").body
                names[f"{name}.{chain}"] = self._kind(expr, frame)
            if not any(key.startswith(f"{name}.") for key in names):
                raise NotRunnable(f"uses `{name}`, a `{kind.name}`, as a whole")
            return
        names[name] = self._kind(ast.Name(id=name, ctx=ast.Load()), frame)

    def _kind(self, expr: ast.expr, frame: Frame) -> dict[str, Any] | None:
        kind = self.inferrer.types.type_of(expr, frame)
        if kind is None:
            return None
        if self.inferrer.index.is_project_name(kind.name):
            raise NotRunnable(f"`{ast.unparse(expr)}` is a project `{kind.name}`")
        return {"type": kind.name, "optional": kind.optional}

    def _module_constant(self, name: str) -> str | None:
        """The literal a module-level name is assigned once, as source."""
        values = self.module.assignments.get(name)
        if not values or len(values) != 1:
            return None
        value = next(iter(values))
        try:
            ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            return None
        return ast.unparse(value)


def _import_line(name: str, target: str) -> str:
    module, _, attribute = target.rpartition(".")
    if not module:
        return f"import {target} as {name}" if name != target else f"import {target}"
    if "." not in target or target == name:
        return f"import {target}"
    return (f"try:\n    from {module} import {attribute} as {name}\n"
            f"except ImportError:\n    import {target} as {name}")


# -- running -----------------------------------------------------------------------------------


def sandbox_available() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "--mount", "--pid", "--net", "--fork", "true"],
                           capture_output=True, check=False)
    return probe.returncode == 0


def _limits() -> None:
    limit = 3 << 29
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (120, 120))


def run_snippet(snippet: Snippet, python: str, scratch: Path) -> dict[str, Any]:
    """The child's report on one snippet, run in the sandbox."""
    spec = scratch / "spec.json"
    out = scratch / "result.json"
    spec.write_text(json.dumps({
        "origin": snippet.where, "source": snippet.source, "names": snippet.names,
        "old": snippet.old, "new": snippet.new, "earlier": snippet.earlier,
        "never": NEVER_PROMISED,
    }), encoding="utf-8")
    # The sandbox: everything read-only but the scratch folder (also its TMPDIR), no
    # network, its own process ids.
    script = (f"mount --bind {scratch} {scratch} && mount -o remount,bind,ro / && "
              f"cd {scratch} && TMPDIR={scratch} "
              f"exec {python} {HERE / 'hostile_snippet.py'} {spec} {out}")
    result = subprocess.run(
        ["unshare", "--mount", "--pid", "--net", "--fork", "--kill-child", "--mount-proc",
         "sh", "-c", script],
        capture_output=True, text=True, timeout=SNIPPET_TIMEOUT, preexec_fn=_limits,
        check=False,
    )
    if not out.exists():
        return {"error": f"exit {result.returncode}: {result.stderr[-600:]}"}
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def corpus_root(name: str, version: str, scratch: Path) -> tuple[Path, str]:
    """The sdist to analyse (lnbits: a copy with ``.venv`` -> its dependencies), and the
    Python that runs its snippets."""
    root = sdist(name, version)
    if name != "lnbits":
        return root, sys.executable
    venv = corpus_dir() / "venvs" / f"{name}-{version}"
    if not (venv / ".complete").exists():
        raise SystemExit(f"{venv} is not ready: run `python benchmarks/run.py narrowing` once")
    copy = scratch / f"{name}-{version}"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".complete", ".qualitytool"))
    (copy / ".venv").symlink_to(venv)
    return copy, str(venv / "bin" / "python")


def check_corpus(name: str, version: str, package: str, scratch: Path,
                 run: bool) -> CorpusResult:
    root, python = corpus_root(name, version, scratch)
    config = Config(root=root)
    options = FixOptions(config=config, roots=(str(root),),
                         knowledge_files=knowledge_files(config),
                         environment=project_environment(config))
    found = CorpusResult()
    for path in sorted((root / package).rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        inferrer = _inferrer_for((str(root),), options)
        info = ModuleInfo.build(module_name(path), path, tree)
        inferrer.index.add(info)
        try:
            plans = [p for p in plan_module(tree, text, info, inferrer, options.plan_options)
                     if p.outcome == SAFE]
            found.safe += len(plans)
            shown = str(path.relative_to(root))
            snippets = list(Extractor(inferrer, info, tree, text, shown).snippets(plans))
        finally:
            inferrer.index.forget(info.name)
        for snippet in snippets:
            if snippet.not_runnable is not None:
                found.not_runnable.append((snippet.where, snippet.not_runnable))
                continue
            if not run:
                continue
            with tempfile.TemporaryDirectory(prefix="hostile-snippet-") as work:
                report = run_snippet(snippet, python, Path(work))
            if "error" in report:
                found.failed.append((snippet.where, report["error"]))
                continue
            found.checked += 1
            found.calls += report["calls"]
            for case in report["catches_less"]:
                found.catches_less.append((snippet.where, case))
    return found


def run(repeat: int) -> list[Any]:
    del repeat  # a correctness check, not a timing
    sandboxed = sandbox_available()
    if not sandboxed:
        print("hostile-fixes: no sandbox here (needs root and `unshare`): snippets are "
              "extracted and counted, not run")
    results: dict[str, CorpusResult] = {}
    with tempfile.TemporaryDirectory(prefix="hostile-fixes-") as scratch:
        for name, version, package in CORPORA:
            results[name] = check_corpus(name, version, package, Path(scratch), sandboxed)
    print("\nSafe fixes run against hostile input, old handler vs new")
    print(f"{'project':<10} {'safe':>5} {'checked':>8} {'calls':>8} {'not runnable':>13} "
          f"{'failed':>7} {'catch less':>11}")
    for name, found in results.items():
        print(f"{name:<10} {found.safe:>5} {found.checked:>8} {found.calls:>8} "
              f"{len(found.not_runnable):>13} {len(found.failed):>7} {len(found.catches_less):>11}")
    for name, found in results.items():
        for where, why in found.not_runnable:
            print(f"  not runnable: {where}: {why}")
        for where, why in found.failed:
            print(f"  FAILED TO RUN: {where}: {why}")
        grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for where, case in found.catches_less:
            grouped.setdefault((where, case["exception"]), []).append(case)
        for (where, exception), cases in grouped.items():
            case = cases[0]
            print(f"  CATCHES LESS: {where}: {exception} ({case['detail']}) in {len(cases)} "
                  f"call(s), e.g. with {case['values']}")
    total = sum(len(f.catches_less) for f in results.values())
    checked = sum(f.checked for f in results.values())
    failing = len({(n, w) for n, f in results.items() for w, _c in f.catches_less})
    print(f"\n{checked} safe fixes checked; {failing} of them catch less in {total} calls")
    return []


if __name__ == "__main__":
    run(1)
