"""``fix-exceptions`` for one file: plan, rewrite with the codemod, diff or write atomically.

Per-file results are plain, picklable data (:class:`FixFileResult`), so a worker process can
fix a file and send back only what the report needs.  Each worker keeps one knowledge base
and one lazily-built project index for its whole share of the run.
"""

from __future__ import annotations

import ast
import functools
import gc
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from qualitytool.atomic_files import atomic_write
from qualitytool.config import Config
from qualitytool.discovery import matches_any
from qualitytool.exceptions.checking.check import cannot_parse, read_candidate
from qualitytool.exceptions.checking.prefilter import NOT_PARSED
from qualitytool.exceptions.evidence.store import Evidence
from qualitytool.exceptions.fixing.plan import HandlerPlan, Outcome, PlanOptions, plan_module
from qualitytool.exceptions.fixing.sibling_files import SiblingScope
from qualitytool.exceptions.inference.derive import Deriver, deriver_for
from qualitytool.exceptions.inference.derived_cache import user_cache_directory
from qualitytool.exceptions.inference.environment import PythonEnvironment, find_environment
from qualitytool.exceptions.inference.infer import Inferrer
from qualitytool.exceptions.inference.knowledge import KnowledgeBase, load_knowledge_base
from qualitytool.exceptions.inference.project import (
    ModuleInfo,
    ProjectIndex,
    module_name,
    package_root,
    search_roots,
)
from qualitytool.exceptions.inference.pythons import SUPPORTED, target_python
from qualitytool.exceptions.inference.stubs import default_stubs
from qualitytool.findings import FileResult
from qualitytool.sources import (
    PythonSource,
    SourceError,
    decode_python,
    encode_python,
)
from qualitytool.textdiff import unified_diff


@dataclass(frozen=True)
class HandlerOutcome:
    """One broad handler's fate, as the JSON report and the run log show it."""

    path: str
    line: int
    col: int
    kind: str
    critical: bool
    outcome: Outcome
    exceptions: tuple[str, ...]
    reason: str | None
    applied: bool  # the rewrite is in the output (diff or written file)
    # knowledge-base [[callable]] names that would let a later run narrow it
    unlock: tuple[str, ...] = ()
    exercised: int | None = None  # with --evidence: how often the tests ran the try body
    # values of unknown type whose annotation would let a later run narrow it
    annotate: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "path": self.path, "line": self.line, "col": self.col, "kind": self.kind,
            "critical": self.critical, "outcome": self.outcome.value,
            "exceptions": list(self.exceptions), "reason": self.reason,
            "unlock": list(self.unlock), "annotate": list(self.annotate),
        }
        if self.exercised is not None:
            data["exercised"] = self.exercised
        return data


@dataclass(frozen=True)
class FixFileResult(FileResult):
    """A :class:`FileResult` with the handlers' outcomes and the change made or proposed."""

    handlers: tuple[HandlerOutcome, ...] = ()
    diff: str = ""
    written: bool = False


@dataclass(frozen=True)
class FixOptions:
    """One run's settings; calling it fixes one file (picklable, for worker processes)."""

    config: Config
    roots: tuple[str, ...] = ()
    write: bool = False
    unsafe_fixes: bool = False
    keep_fallback: bool = False
    boundaries: bool = False
    ladder: bool = False  # middleware catch-alls -> the hierarchy's ladder (opt-in, unsafe)
    wrap: bool = False  # external-service conversions -> ExternalServiceError (opt-in, unsafe)
    knowledge_files: tuple[str, ...] = field(default_factory=tuple)
    evidence: Evidence | None = None  # from ``evidence run`` (paths relative to config.root)
    # The project's Python environment (``project_environment``): typed packages' annotations
    # and, unless the config turns it off, contracts derived from the installed libraries.
    environment: PythonEnvironment | None = None
    # ``--since``: the changed lines by absolute path; only handlers there are considered
    changed: Mapping[str, frozenset[int]] | None = None
    # the call shapes of the project's files (to find sibling handlers) are cached between runs
    use_cache: bool = True

    def __call__(self, path: Path) -> FileResult:
        return fix_file(path, self)

    @property
    def plan_options(self) -> PlanOptions:
        exceptions = self.config.exceptions
        return PlanOptions(
            unsafe_fixes=self.unsafe_fixes,
            keep_fallback=self.keep_fallback,
            boundaries=self.boundaries,
            exceptions=exceptions,
            logger_objects=exceptions.logger_objects,
            group_above=exceptions.group_above,
            max_names=exceptions.max_names,
            root=self.config.root,
            siblings=SiblingScope(self.config, self.use_cache),
        )


def knowledge_files(config: Config) -> tuple[str, ...]:
    """The project's extra knowledge-base files, resolved against its config file."""
    base = config.source.parent if config.source is not None else config.root
    return tuple(str(base / name) for name in config.exceptions.knowledge_bases)


@functools.lru_cache(maxsize=4)
def _knowledge(files: tuple[str, ...]) -> KnowledgeBase:
    return load_knowledge_base(Path(f) for f in files)


def project_environment(config: Config) -> PythonEnvironment | None:
    """The analysed project's Python environment (``[tool.qualitytool.exceptions] python``,
    mypy's or pyright's setting, the active virtualenv, ``.venv``); raises
    :class:`~qualitytool.config.ConfigError` when the configured one does not exist."""
    return find_environment(config.root, config.exceptions.python, config.source)


def _site_packages(environment: PythonEnvironment | None) -> tuple[str, ...]:
    return tuple(str(p) for p in environment.site_packages) if environment is not None else ()


@functools.lru_cache(maxsize=4)
def _deriver(
    environment: PythonEnvironment, files: tuple[str, ...], version: tuple[int, int]
) -> Deriver:
    site = _site_packages(environment)
    return deriver_for(
        site, environment.version, files, _knowledge(files), default_stubs(site, version),
        user_cache_directory() / "derived",
    )


def _derived(options: FixOptions) -> Deriver | None:
    if options.environment is None or not options.config.exceptions.derive_contracts:
        return None
    return _deriver(options.environment, options.knowledge_files, _target(options.config))


@functools.lru_cache(maxsize=32)
def _inferrer(
    roots: tuple[str, ...], files: tuple[str, ...], environment: PythonEnvironment | None,
    derived: Deriver | None, version: tuple[int, int] = SUPPORTED[0],
) -> Inferrer:
    stubs = default_stubs(_site_packages(environment), version)
    return Inferrer(_knowledge(files), ProjectIndex(roots), stubs, derived)


def _inferrer_for(roots: tuple[str, ...], options: FixOptions) -> Inferrer:
    return _inferrer(roots, options.knowledge_files, options.environment, _derived(options),
                     _target(options.config))


@functools.lru_cache(maxsize=8)
def _target(config: Config) -> tuple[int, int]:
    """The oldest Python the project runs on, whose typeshed stubs say what exists."""
    return target_python(config.root, config.target_version)


def _roots_for(path: Path, options: FixOptions) -> tuple[str, ...]:
    """Where a file's imports are looked for: its own package root, then the run's roots.

    Worked out per file (not from a walk of the whole tree first), so that fixing can start
    while discovery is still going, and the same file always sees the same roots.
    """
    own = str(package_root(path))
    return (own, *(r for r in options.roots if r != own))


def prepare(options: FixOptions) -> None:
    """Load the knowledge base for ``options`` now (raising KnowledgeBaseError if one is bad).

    Run in the parent process, so that forked workers start with it loaded, and with the
    environment's distributions read once (for derived contracts).
    """
    _knowledge(options.knowledge_files)
    derived = _derived(options)
    if derived is not None:
        derived.installed.all()


def _parse(source: PythonSource, shown: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source.text, filename=shown)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise SourceError(cannot_parse(shown, exc)) from exc


def fix_source(
    text: str, tree: ast.Module, path: Path, options: FixOptions
) -> tuple[list[HandlerPlan], str]:
    """The plans for one parsed module and its text with the applicable ones applied."""
    plans = plan_source(text, tree, path, options)
    if options.changed is not None:
        lines = options.changed.get(str(path), frozenset())
        plans = [p for p in plans if p.line in lines]
    if not any(p.applies(options.unsafe_fixes) for p in plans):
        return plans, text
    from qualitytool.exceptions.fixing.piecewise import (
        rewrite_module,  # imports LibCST: only when needed
    )
    from qualitytool.exceptions.fixing.project_style import project_style

    new_text, _ = rewrite_module(text, tree, plans, options.unsafe_fixes, project_style(path))
    return plans, new_text


def plan_source(
    text: str, tree: ast.Module, path: Path, options: FixOptions
) -> list[HandlerPlan]:
    """The plans for one parsed module (``path`` places it in its project)."""
    inferrer = _inferrer_for(_roots_for(path, options), options)
    info = ModuleInfo.build(module_name(path), path, tree)
    inferrer.index.add(info)
    evidence = None
    if options.evidence is not None:
        evidence = options.evidence.for_file(path)
    try:
        plans = plan_module(tree, text, info, inferrer, options.plan_options, evidence)
        if plans and (options.ladder or options.wrap):
            from qualitytool.exceptions.fixing.hierarchy_fixes import upgrade_plans

            plans = upgrade_plans(plans, text, tree, info, inferrer, options)
    finally:
        inferrer.index.forget(info.name)
        derived = _derived(options)
        if derived is not None:
            derived.flush()
    return plans


def fix_file(path: Path, options: FixOptions) -> FileResult:
    """Plan and apply (or diff) the fixes of one file; never raises for a bad file."""
    # Parsing allocates millions of acyclic objects (freed by reference counting); letting
    # the cyclic collector scan them over and over costs about a third of a run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _fix_file(path, options)
    finally:
        if collecting:
            gc.enable()


def _fix_file(path: Path, options: FixOptions) -> FileResult:
    shown, raw, error = read_candidate(path)
    if raw is None:  # nothing to fix: unreadable, or no broad handler (not parsed)
        return FixFileResult(path=shown, error=None if error == NOT_PARSED else error)
    try:
        source = decode_python(raw, Path(shown))
        tree = _parse(source, shown)
    except SourceError as exc:
        return FixFileResult(path=shown, error=str(exc))
    try:
        plans, new_text = fix_source(source.text, tree, path, options)
    except SourceError as exc:  # LibCST's grammar refuses what CPython's accepted
        separator = "" if str(exc)[:1].isdigit() else " "
        return FixFileResult(path=shown, error=f"{shown}:{separator}{exc}")
    if not plans:
        return FixFileResult(path=shown)
    critical = matches_any(path, options.config.critical_paths, options.config.root)
    applying = {p.index for p in plans if p.applies(options.unsafe_fixes)}
    outcomes = tuple(
        HandlerOutcome(
            path=shown, line=p.line, col=p.col, kind=p.kind, critical=critical,
            outcome=p.outcome, exceptions=p.exceptions, reason=p.reason,
            applied=p.index in applying and new_text != source.text, unlock=p.unlock,
            exercised=p.exercised, annotate=p.annotate,
        )
        for p in plans
    )
    if new_text == source.text:
        return FixFileResult(path=shown, handlers=outcomes)
    del tree  # its memory (a GB for a 10 MB module) serves what follows
    from qualitytool.exceptions.fixing.piecewise import PIECEWISE_THRESHOLD  # loaded by the rewrite

    try:
        if len(source.text) <= PIECEWISE_THRESHOLD:  # larger: each rewritten piece was checked
            _check_parses(new_text)
    except SyntaxError as exc:  # never write code that does not parse
        return FixFileResult(
            path=shown, handlers=outcomes,
            error=f"{shown}: internal error: the rewrite does not parse ({exc.msg}); "
                  "left unchanged",
        )
    diff = unified_diff(
        source.text.splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=f"a/{shown}", tofile=f"b/{shown}",
    )
    if not diff.endswith("\n"):
        diff += "\n\\ No newline at end of file\n"
    written = False
    if options.write:
        written = atomic_write(
            path, encode_python(source, new_text), expected=raw, through_links=True
        )
        if not written:
            return FixFileResult(
                path=shown, handlers=_unapplied(outcomes), diff=diff,
                error=f"{shown}: changed since it was read; skipped",
            )
    return FixFileResult(path=shown, handlers=outcomes, diff=diff, written=written)


def _check_parses(text: str) -> None:
    """Raise SyntaxError unless ``text`` parses.  Compiling (never running) it first: CPython's
    compiler keeps its syntax tree in an arena, a fraction of the memory of ``ast``'s objects;
    only code it refuses beyond the grammar (a module-level ``return``, deep nesting) needs
    ``ast.parse``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<rewrite>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            ast.parse(text)  # the compiler's own limits (nesting) are not the grammar's


def _unapplied(outcomes: tuple[HandlerOutcome, ...]) -> tuple[HandlerOutcome, ...]:
    from dataclasses import replace

    return tuple(replace(o, applied=False) for o in outcomes)


def standalone_plans(
    code: str, path: Path | None, keep_fallback: bool, boundaries: bool = False
) -> list[HandlerPlan]:
    """Plans for one module outside a qualitytool run (LibCST's codemod runner)."""
    from qualitytool.config import load_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(code)
    if path is not None:
        path = path.resolve()
        config = load_config(path)
        roots = search_roots([path], [config.root])
        name = module_name(path)
    else:
        config = load_config(Path.cwd())
        roots, name, path = (), "__main__", Path("<stdin>")
    options = FixOptions(
        config=config, roots=roots, keep_fallback=keep_fallback, boundaries=boundaries,
        knowledge_files=knowledge_files(config), environment=project_environment(config),
    )
    inferrer = _inferrer_for(options.roots, options)
    info = ModuleInfo.build(name, path, tree)
    inferrer.index.add(info)
    try:
        return plan_module(tree, code, info, inferrer, options.plan_options)
    finally:
        derived = _derived(options)
        if derived is not None:
            derived.flush()
