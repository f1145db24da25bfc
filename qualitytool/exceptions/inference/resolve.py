"""Which knowledge-base contract describes a call: ``ContractResolver.spec_for``.

A callee is a fully-qualified name (``json.loads``, ``httpx.AsyncClient.post``,
``app.models.User.model_validate``).  Its contract is, from the most specific to the least:

1. a ``[[callable]]`` entry with that exact name;
2. a ``[[class]]`` entry of its owner class (``httpx.AsyncClient``: every method);
3. for a method of a project class that the project does not define, the contract of the
   library base class it inherits it from (``pydantic.BaseModel.model_validate`` for a
   project model), through ``[[callable]]`` or ``[[class]]`` entries;
4. a ``[[package]]`` entry whose name is a dotted prefix (``stripe`` for
   ``stripe.Customer.create``).

Project functions are not contracts: the inference reads their bodies instead.

Under all of these, a callee outside the project that no entry describes may have a contract
*derived* from the source of the installed distribution that provides it
(:mod:`qualitytool.exceptions.inference.derive`): ``ContractResolver.derived_answer``.  A
curated or user entry always wins over a derived one.
"""

from __future__ import annotations

from typing import Protocol

from qualitytool.exceptions.inference.answers import Answer
from qualitytool.exceptions.inference.knowledge import KnowledgeBase, RaiseSpec
from qualitytool.exceptions.inference.project import ClassInfo, ProjectIndex


class DerivedSource(Protocol):
    """Contracts derived from installed libraries' source (``derive.Deriver``)."""

    def contract_answer(self, qualified: str, shown: str) -> Answer | None:
        """The derived answer of a call, None when nothing could be derived."""

    def unknown_note(self, qualified: str) -> str | None:
        """What blocked the derivation, for a callee whose answer stays unknown."""

    def exception_bases(self, name: str) -> tuple[str, ...]:
        """The bases of a library exception class, () when unknown."""

    def provides(self, top_level: str) -> bool:
        """Whether the environment installs the top-level module ``top_level``."""


class ContractResolver:
    """Knowledge-base lookups for callees, through classes, library bases and packages;
    then contracts derived from the installed libraries (``derived``), if any."""

    def __init__(
        self, kb: KnowledgeBase, index: ProjectIndex, derived: DerivedSource | None = None
    ) -> None:
        self.kb = kb
        self.index = index
        self.derived = derived

    def spec_for(self, qualified: str) -> RaiseSpec | None:
        """The contract of a callee, or None when the knowledge base does not cover it."""
        spec = self.kb.lookup(qualified)
        if spec is not None:
            return spec
        owner, _, method = qualified.rpartition(".")
        if owner:
            spec = self._class_method(owner, method)
            if spec is not None:
                return spec
            project_class = (self.index.class_info(owner) if self.index.is_project_name(owner)
                             else None)
            if project_class is not None:
                return self.inherited(project_class, method)
        if self.index.is_project_name(qualified):
            return None
        return self.kb.package_entry(qualified)

    def derived_answer(self, qualified: str, shown: str) -> Answer | None:
        """The answer derived from the library that provides ``qualified``, for a callee
        outside the project that the knowledge base does not describe."""
        if self.derived is None or not self._outside_project(qualified):
            return None
        return self.derived.contract_answer(qualified, shown)

    def derived_note(self, qualified: str) -> str | None:
        """Why no contract could be derived for ``qualified`` (None: not a library name)."""
        if self.derived is None or not self._outside_project(qualified):
            return None
        return self.derived.unknown_note(qualified)

    def derived_bases(self, name: str) -> tuple[str, ...]:
        """The bases of an exception class of an installed library."""
        if self.derived is None or not self._outside_project(name):
            return ()
        return self.derived.exception_bases(name)

    def _outside_project(self, qualified: str) -> bool:
        # A package of the project that is also installed (an sdist next to its own
        # virtualenv) is the project's, whichever of its modules is asked for.
        top = qualified.split(".", 1)[0]
        return self.index.module_path(top) is None and not self.index.is_project_name(qualified)

    def _class_method(self, owner: str, method: str) -> RaiseSpec | None:
        entry = self.kb.class_entry(owner)
        if entry is None:
            return None
        return entry.method_spec(method)

    def inherited(self, cls: ClassInfo, method: str) -> RaiseSpec | None:
        """The contract of ``method`` that a project class inherits from a library base."""
        if self.index.find_method(cls, method) is not None:
            return None
        for owner in self.index.mro(cls):
            for base in owner.bases:
                if not base or self.index.class_info(base) is not None:
                    continue
                spec = self.kb.lookup(f"{base}.{method}")
                if spec is not None:
                    return spec
                entry = self.kb.class_entry(base)
                if entry is not None and entry.subclasses:
                    return entry.method_spec(method)
        return None

    def library_constructor(self, cls: ClassInfo) -> RaiseSpec | None:
        """What constructing a project class without its own ``__init__`` raises, when the
        library base it inherits ``__init__`` from has a contract (a pydantic model)."""
        if self.index.find_method(cls, "__init__") is not None:
            return None
        for owner in self.index.mro(cls):
            for base in owner.bases:
                if not base or self.index.class_info(base) is not None:
                    continue
                spec = self.kb.lookup(base)
                if spec is not None:
                    return spec
        return None

    def foreign_bases(self, cls: ClassInfo) -> list[str]:
        """Bases of the class and its project bases that are not project classes."""
        found: list[str] = []
        for owner in self.index.mro(cls):
            for base in owner.bases:
                if base and self.index.class_info(base) is None and base not in found:
                    found.append(base)
                elif not base and "" not in found:
                    found.append("")
        return found
