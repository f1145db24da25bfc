"""Contracts derived from the source of the project's installed dependencies: ``Deriver``.

A call into a library the knowledge base does not describe (``bolt11.decode``,
``httpx.URL``) is looked up in the project's environment
(:mod:`qualitytool.exceptions.inference.environment`): the distribution that installed the
module is found from its metadata, and its source is read -- never imported -- as if it were
project code, by an :class:`~qualitytool.exceptions.inference.infer.Inferrer` whose project is
that one distribution.  The callee's answer is then its summary under the very rules project
functions get: its ``raise`` statements and, transitively, what it calls inside the
distribution, minus what its own ``try`` statements catch; the knowledge base for the
standard library and for other libraries.  Its docstring's ``Raises`` section (Google, NumPy
or Sphinx style) adds the classes it documents.

Results are open unless proved closed, and conservative:

- *closed* only when the whole summary is closed (every call inside it has a closed answer)
  and the distribution ships no compiled extension modules (a pure-Python fallback may not be
  the code that runs);
- *open* when the summary is open (an attribute of an untyped value, a library contract that
  may raise more), or when it is unknown but the docstring documents what it raises;
- *unknown* otherwise: a call into another distribution without a contract (never derived in
  turn, which keeps each distribution's result its own, cacheable per version and the same
  whichever order calls come in), a C extension, a callback, a hook, a call chain too deep.
  The reason then says what blocked it inside the library.

Exception classes take their public name (``httpx.InvalidURL``, not
``httpx._exceptions.InvalidURL``) when a package on the way re-exports them, and their bases
come from their ``class`` statements.  Results are cached per distribution version outside
the checkout (:mod:`qualitytool.exceptions.inference.derived_cache`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qualitytool.exceptions.inference.answers import (
    CLOSED,
    OPEN,
    UNKNOWN,
    Answer,
    Certainty,
    canonical_exception,
    combine,
)
from qualitytool.exceptions.inference.derived_cache import DerivedCache, PackageRecord
from qualitytool.exceptions.inference.distributions import Distribution, InstalledDistributions
from qualitytool.exceptions.inference.docstrings import documented_raises
from qualitytool.exceptions.inference.expression_types import StubSource
from qualitytool.exceptions.inference.frames import Frame, qualified_name
from qualitytool.exceptions.inference.hierarchy import runtime_class
from qualitytool.exceptions.inference.knowledge import KnowledgeBase
from qualitytool.exceptions.inference.library_index import LibraryIndex
from qualitytool.exceptions.inference.project import ClassInfo, FunctionNode, ModuleInfo
from qualitytool.exceptions.inference.pythons import is_stdlib_module

_STATUS_NAMES = {CLOSED: "closed", OPEN: "open", UNKNOWN: "unknown"}
_STATUS_BY_NAME = {v: k for k, v in _STATUS_NAMES.items()}
_VIA = re.compile(r" \(via `[^`]*`\)")
_MAX_WHY = 2
_MAX_LISTED = 4
_MAX_WHY_LENGTH = 160
_MAX_BASE_DEPTH = 20
NOT_FOUND = "not found in its source"


@dataclass(frozen=True)
class RaiseSite:
    """Where a callee's own code raises a class: ``httpx/_urlparse.py:219``."""

    exception: str
    path: str
    line: int


@dataclass(frozen=True)
class DerivedContract:
    """What a library callable raises, read from its distribution's source."""

    name: str
    status: Certainty
    raises: tuple[str, ...]
    distribution: str
    version: str
    path: str = ""  # its definition, relative to site-packages ("httpx/_urls.py")
    line: int = 0
    sites: tuple[RaiseSite, ...] = ()
    documented: tuple[str, ...] = ()  # classes its docstring's Raises section names
    why: tuple[str, ...] = ()  # why it is not closed (the first reasons)

    @property
    def origin(self) -> str:
        """``httpx 0.28.1, httpx/_urlparse.py:219``: the first raise site, or the definition."""
        where = f"{self.sites[0].path}:{self.sites[0].line}" if self.sites else (
            f"{self.path}:{self.line}" if self.path else ""
        )
        return f"{self.distribution} {self.version}" + (f", {where}" if where else "")

    def answer(self, shown: str) -> Answer | None:
        """The answer for a call shown as ``shown``; None when nothing could be derived."""
        if self.status == UNKNOWN:
            return None
        if self.status == CLOSED:
            return Answer.closed(self.raises)
        callee = f"`{shown}`" if shown == self.name else f"`{shown}` (`{self.name}`)"
        listed = ", ".join(self.raises[:_MAX_LISTED]) or "nothing it declares"
        if len(self.raises) > _MAX_LISTED:
            listed += f" and {len(self.raises) - _MAX_LISTED} more"
        return Answer.open(
            self.raises,
            f"{callee} raises {listed} and may raise more than its source shows "
            f"(derived from {self.origin})",
        )

    def blocked_note(self) -> str:
        """Why nothing could be derived, for the reason of an unknown call."""
        what = self.why[0] if self.why else NOT_FOUND
        return f"read in {self.distribution} {self.version}: {what}"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": _STATUS_NAMES[self.status], "raises": list(self.raises),
            "distribution": self.distribution, "version": self.version,
            "path": self.path, "line": self.line,
            "sites": [[s.exception, s.path, s.line] for s in self.sites],
            "documented": list(self.documented), "why": list(self.why),
        }

    @classmethod
    def from_json(cls, name: str, data: Any) -> DerivedContract | None:
        """The contract a cache table describes, or None when it is malformed."""
        if not isinstance(data, dict) or data.get("status") not in _STATUS_BY_NAME:
            return None
        strings = ("distribution", "version", "path")
        lists = ("raises", "documented", "why")
        if not all(isinstance(data.get(k), str) for k in strings):
            return None
        if not all(_is_strings(data.get(k)) for k in lists):
            return None
        line, sites = data.get("line"), data.get("sites")
        if not isinstance(line, int) or isinstance(line, bool) or not isinstance(sites, list):
            return None
        parsed_sites = []
        for site in sites:
            if not (
                isinstance(site, list) and len(site) == 3 and isinstance(site[0], str)
                and isinstance(site[1], str) and isinstance(site[2], int)
                and not isinstance(site[2], bool)
            ):
                return None
            parsed_sites.append(RaiseSite(site[0], site[1], site[2]))
        return cls(
            name=name, status=_STATUS_BY_NAME[data["status"]], raises=tuple(data["raises"]),
            distribution=data["distribution"], version=data["version"], path=data["path"],
            line=line, sites=tuple(parsed_sites), documented=tuple(data["documented"]),
            why=tuple(data["why"]),
        )


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def valid_entry(name: str, data: Any) -> bool:
    return DerivedContract.from_json(name, data) is not None


@dataclass
class _Library:
    distribution: Distribution
    index: LibraryIndex
    inferrer: Any  # an Inferrer (imported lazily: infer imports this module's users)
    record: PackageRecord = field(default_factory=PackageRecord)
    dirty: bool = False


class _BasesOnly:
    """What a library's own inference may ask of the deriver: the bases of other
    distributions' exception classes, never their contracts (see the module docstring)."""

    def __init__(self, deriver: Deriver) -> None:
        self._deriver = deriver

    def contract_answer(self, qualified: str, shown: str) -> Answer | None:
        return None

    def unknown_note(self, qualified: str) -> str | None:
        return None

    def exception_bases(self, name: str) -> tuple[str, ...]:
        return self._deriver.exception_bases(name)

    def provides(self, top_level: str) -> bool:
        return self._deriver.provides(top_level)


class Deriver:
    """Derived contracts of the callables of the distributions in ``installed``, cached in
    memory for the run and in ``cache`` (if any) across runs."""

    def __init__(
        self,
        installed: InstalledDistributions,
        kb: KnowledgeBase,
        stubs: StubSource | None = None,
        cache: DerivedCache | None = None,
    ) -> None:
        self.installed = installed
        self.kb = kb
        self.stubs = stubs
        self.cache = cache
        self._libraries: dict[tuple[str, str, str], _Library] = {}
        self._contracts: dict[str, DerivedContract | None] = {}
        self._bases: dict[str, tuple[str, ...]] = {}
        self._public: dict[str, str] = {}

    # -- what the inference asks (qualitytool.exceptions.inference.resolve.DerivedSource) ----

    def contract_answer(self, qualified: str, shown: str) -> Answer | None:
        found = self.contract(qualified)
        return found.answer(shown) if found is not None else None

    def provides(self, top_level: str) -> bool:
        """Whether some distribution of the environment installs ``top_level``."""
        return self.installed.provides(top_level)

    def unknown_note(self, qualified: str) -> str | None:
        found = self.contract(qualified)
        return found.blocked_note() if found is not None and found.status == UNKNOWN else None

    def exception_bases(self, name: str) -> tuple[str, ...]:
        """The bases of a library exception class (public names), () when unknown."""
        if name in self._bases:
            return self._bases[name]
        found: tuple[str, ...] = ()
        library = self._library_for(name)
        if library is not None:
            cached = library.record.exceptions.get(name)
            if cached is not None:
                found = tuple(cached)
            else:
                cls = library.index.class_info(name)
                if cls is not None:
                    found = tuple(
                        self.public_name(canonical_exception(base)) for base in cls.bases if base
                    )
                library.record.exceptions[name] = list(found)
                library.dirty = True
        self._bases[name] = found
        return found

    # -- contracts ---------------------------------------------------------------------------

    def contract(self, qualified: str) -> DerivedContract | None:
        """The derived contract of ``qualified``; None when no installed distribution
        provides the name (the standard library, a module not installed)."""
        if qualified not in self._contracts:
            self._contracts[qualified] = self._contract(qualified)
        return self._contracts[qualified]

    def _contract(self, qualified: str) -> DerivedContract | None:
        if is_stdlib_module(qualified) or "." not in qualified:
            return None
        library = self._library_for(qualified)
        if library is None:
            return None
        cached = library.record.contracts.get(qualified)
        if cached is not None:
            found = DerivedContract.from_json(qualified, cached)
            if found is not None:
                return found
        elsewhere = self._foreign_alias(library, qualified)
        if elsewhere is not None:  # fastapi.responses.JSONResponse is Starlette's
            aliased = self.contract(elsewhere)
            return replace(aliased, name=qualified) if aliased is not None else None
        derived = self._derive(library, qualified)
        library.record.contracts[qualified] = derived.to_json()
        library.dirty = True
        return derived

    def _derive(self, library: _Library, qualified: str) -> DerivedContract:
        distribution = library.distribution
        inferrer = library.inferrer
        # A method a class of the distribution inherits from another library's base with a
        # contract (a pydantic model's ``parse_obj``) has that contract.
        spec = inferrer.contracts.spec_for(qualified)
        target = self._target(library.index, qualified)
        if target is None and spec is not None:
            cls = library.index.class_info(qualified.rpartition(".")[0])
            if cls is not None:
                target = (qualified, cls, cls.module, None)
        if target is None:
            return DerivedContract(qualified, UNKNOWN, (), distribution.name,
                                   distribution.version, why=(self._missing(library, qualified),))
        name, node, module, owner = target
        shown = qualified.rsplit(".", 1)[-1] if owner is None else ".".join(
            qualified.rsplit(".", 2)[-2:])
        if spec is not None:
            answer: Answer = inferrer.spec_answer(spec, shown)
        else:
            answer = inferrer.project_answer(name, shown) or Answer.unknown(NOT_FOUND)
        from qualitytool.exceptions.inference.infer import _is_hook

        definition = node.node if isinstance(node, ClassInfo) else node
        hook = owner is not None and not isinstance(node, ClassInfo) and _is_hook(node)
        documented = self._documented(definition, module) if spec is None else []
        if documented and answer.status == UNKNOWN and not hook and not isinstance(
            node, ClassInfo
        ):
            # The summary stops at the first unknown call; what the rest of the body raises
            # still belongs in a contract that the documentation opens.
            answer = combine([answer, inferrer.block(node.body, Frame.for_function(
                module, node, owner))])
        status, why = _status(answer, bool(documented), distribution, hook)
        raises = tuple(sorted({self.public_name(n) for n in (*answer.raises, *documented)}))
        sites = self._sites(library, definition, module, owner, set(raises))
        return DerivedContract(
            name=qualified, status=status, raises=raises, distribution=distribution.name,
            version=distribution.version, path=self._relative(module.path, distribution),
            line=definition.lineno,
            sites=sites,
            documented=tuple(sorted({self.public_name(n) for n in documented})),
            why=why,
        )

    def _target(
        self, index: LibraryIndex, qualified: str, depth: int = 0
    ) -> tuple[str, FunctionNode | ClassInfo, ModuleInfo, ClassInfo | None] | None:
        """A function, method or class of the distribution, through re-exports; also a
        method of a module-level instance (``loguru.logger.info``: ``logger = Logger(...)``)."""
        found = index.lookup(qualified)
        if found is not None or depth > 4:
            return found
        split = index.split(qualified)
        if split is None or len(split[1]) != 2:
            return None
        info, (variable, method) = split
        target = info.bindings.get(variable)
        if target is not None and target != f"{info.name}.{variable}":
            return self._target(index, f"{target}.{method}", depth + 1)
        values = info.assignments.get(variable, [])
        if len(values) != 1 or not isinstance(values[0], ast.Call):
            return None
        constructor = qualified_name(values[0].func, Frame(module=info))
        cls = index.class_info(constructor) if constructor else None
        if cls is None:
            return None
        return index.lookup(f"{cls.qualname}.{method}")

    def _missing(self, library: _Library, qualified: str) -> str:
        """Why a name of the distribution has no source to read."""
        name = qualified
        for _ in range(8):  # through re-exports: ``from .speed import fast_sum``
            parts = name.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                module = ".".join(parts[:cut])
                if library.index.module_path(module) is not None:
                    break
                if self.installed.module_file(module) is not None:
                    return f"`{module}` is a compiled module (its source is not what runs)"
            split = library.index.split(name)
            target = split[0].bindings.get(split[1][0]) if split is not None else None
            if split is None or target is None or target == f"{split[0].name}.{split[1][0]}":
                break
            name = ".".join([target, *split[1][1:]])
        return NOT_FOUND

    def _foreign_alias(self, library: _Library, qualified: str) -> str | None:
        """The name in another distribution that ``qualified`` re-exports, if it does."""
        split = library.index.split(qualified)
        if split is None:
            return None
        info, rest = split
        target = info.bindings.get(rest[0])
        if target is None or target == f"{info.name}.{rest[0]}":
            return None
        full = ".".join([target, *rest[1:]])
        other = self.installed.distribution_of(full)
        if other is None or other == library.distribution:
            return None
        return full

    def _documented(self, definition: ast.AST, module: ModuleInfo) -> list[str]:
        """The exception classes the docstring(s) document, resolved in ``module``."""
        nodes = [definition]
        if isinstance(definition, ast.ClassDef):
            nodes += [s for s in definition.body
                      if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and s.name == "__init__"]
        found: list[str] = []
        for node in nodes:
            assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            for written in documented_raises(ast.get_docstring(node)):
                resolved = self._resolve_documented(module, written)
                if resolved is not None and resolved not in found:
                    found.append(resolved)
        return found

    def _resolve_documented(self, module: ModuleInfo, written: str) -> str | None:
        head, _, rest = written.partition(".")
        target = module.resolve(head) or head  # bound in the module, or written in full
        full = canonical_exception(f"{target}.{rest}" if rest else target)
        return full if self._is_exception(full) else None

    def _is_exception(self, name: str, depth: int = 0) -> bool:
        if runtime_class(name) is not None:
            return True
        if depth > _MAX_BASE_DEPTH:
            return False
        spec = self.kb.exceptions.get(name)
        bases = spec.bases if spec is not None else self.exception_bases(name)
        return any(self._is_exception(base, depth + 1) for base in bases)

    def _sites(
        self, library: _Library, definition: ast.AST, module: ModuleInfo,
        owner: ClassInfo | None, raised: set[str],
    ) -> tuple[RaiseSite, ...]:
        """``raise`` statements of the callee's own body (a class: its ``__init__``)."""
        functions: list[FunctionNode] = []
        if isinstance(definition, ast.ClassDef):
            functions = [s for s in definition.body
                         if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                         and s.name in ("__new__", "__init__", "__post_init__")]
            cls = library.index.class_info(f"{module.name}.{definition.name}")
            owner = cls
        elif isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions = [definition]
        path = self._relative(module.path, library.distribution)
        sites: dict[str, RaiseSite] = {}
        for function in functions:
            frame = Frame.for_function(module, function, owner)
            for node in ast.walk(function):
                if not isinstance(node, ast.Raise) or node.exc is None:
                    continue
                expr = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                name = qualified_name(expr, frame)
                if name is None:
                    continue
                public = self.public_name(canonical_exception(name))
                if public in raised and public not in sites:
                    sites[public] = RaiseSite(public, path, node.lineno)
        return tuple(sorted(sites.values(), key=lambda s: (s.line, s.exception)))

    # -- names -------------------------------------------------------------------------------

    def public_name(self, name: str) -> str:
        """The shortest name a package on the way re-exports a class under, if any
        (``httpx._exceptions.InvalidURL`` -> ``httpx.InvalidURL``); else ``name``."""
        if name not in self._public:
            self._public[name] = self._find_public_name(name)
        return self._public[name]

    def _find_public_name(self, name: str) -> str:
        module, _, attr = name.rpartition(".")
        library = self._library_for(name) if module else None
        if library is None:
            return name
        index = library.index
        cls = index.class_info(name)
        canonical = cls.qualname if cls is not None else name
        parts = module.split(".")
        for cut in range(1, len(parts) + 1):
            if parts[cut - 1].startswith("_"):
                break
            package = ".".join(parts[:cut])
            if package == module:
                return name
            info = index.module(package)
            if info is None or info.bindings.get(attr) is None:
                continue
            alias = index.class_info(f"{package}.{attr}")
            if alias is not None and alias.qualname == canonical:
                return f"{package}.{attr}"
        return name

    # -- libraries ---------------------------------------------------------------------------

    def _library_for(self, qualified: str) -> _Library | None:
        distribution = self.installed.distribution_of(qualified)
        if distribution is None:
            return None
        key = (distribution.name, distribution.version, str(distribution.site))
        if key not in self._libraries:
            from qualitytool.exceptions.inference.infer import Inferrer

            index = LibraryIndex(distribution, self.installed.provides)
            inferrer = Inferrer(self.kb, index, self.stubs, derived=_BasesOnly(self))
            record = self.cache.load(distribution) if self.cache is not None else None
            self._libraries[key] = _Library(
                distribution, index, inferrer, record or PackageRecord())
        return self._libraries[key]

    def flush(self) -> None:
        """Write what was derived since the last flush to the cache."""
        if self.cache is None:
            return
        for library in self._libraries.values():
            if library.dirty:
                self.cache.save(library.distribution, library.record)
                library.dirty = False

    @staticmethod
    def _relative(path: Path, distribution: Distribution) -> str:
        try:
            return path.relative_to(distribution.site).as_posix()
        except ValueError:
            return path.name

    # -- listing -----------------------------------------------------------------------------

    def public_callables(self, distribution: Distribution) -> list[str]:
        """The functions and classes (and the classes' public methods) a distribution's
        top-level packages export, for ``qualitytool kb export``."""
        library = self._library_for(distribution.top_level[0]) if distribution.top_level else None
        if library is None:
            return []
        names: list[str] = []
        for top in distribution.top_level:
            if top.startswith("_"):
                continue
            info = library.index.module(top)
            if info is None:
                continue
            for bound in sorted(info.bindings):
                if bound.startswith("_"):
                    continue
                found = library.index.lookup(f"{top}.{bound}")
                if found is None:
                    continue
                names.append(f"{top}.{bound}")
                node = found[1]
                if isinstance(node, ClassInfo) and not self._is_exception(node.qualname):
                    names += [f"{top}.{bound}.{m.name}" for m in node.node.body
                              if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                              and not m.name.startswith("_")]
        return names


def _status(
    answer: Answer, documented: bool, distribution: Distribution, hook: bool
) -> tuple[Certainty, tuple[str, ...]]:
    """The contract's certainty and why it is not closed (see the module docstring)."""
    why = _reasons(answer.reasons)
    if hook:  # subclasses decide what it raises, whatever the base documents
        return UNKNOWN, why
    if answer.status == UNKNOWN or answer.boundary:
        if documented:
            inner = _reasons(answer.boundary) or why
            return OPEN, (("its code calls what cannot be read: " + inner[0]) if inner
                          else "its docstring documents what it raises",)
        return UNKNOWN, _reasons(answer.boundary) or why
    if answer.status == CLOSED and distribution.has_extensions:
        return OPEN, (f"{distribution.name} ships compiled extension modules",)
    return answer.status, why


def _reasons(reasons: Sequence[str]) -> tuple[str, ...]:
    cleaned: list[str] = []
    for reason in reasons:
        text = _VIA.sub("", reason)
        if len(text) > _MAX_WHY_LENGTH:
            text = text[: _MAX_WHY_LENGTH - 3] + "..."
        if text not in cleaned:
            cleaned.append(text)
        if len(cleaned) == _MAX_WHY:
            break
    return tuple(cleaned)


def deriver_for(
    site_packages: Sequence[str],
    python: tuple[int, int] | None,
    knowledge_files: Sequence[str],
    kb: KnowledgeBase,
    stubs: StubSource | None,
    cache_directory: Path | None,
) -> Deriver:
    """A deriver for an environment's site-packages, with its cache under
    ``cache_directory`` (None: no cache across runs)."""
    from qualitytool.exceptions.inference.derived_cache import fingerprint

    cache = None
    if cache_directory is not None:
        cache = DerivedCache(cache_directory, fingerprint(knowledge_files, python), valid_entry)
    return Deriver(InstalledDistributions([Path(p) for p in site_packages]), kb, stubs, cache)
