"""Which exception class is a subclass of which.

Builtin and standard-library classes are looked up for real (the stdlib module is imported,
nothing else ever is); project classes through their ``class`` statements; third-party
classes through the knowledge base's ``[[exception]]`` entries.  A class whose place in the
hierarchy differs between the supported Pythons is seen as it is on all of them
(:data:`qualitytool.exceptions.inference.pythons.VERSION_SPLIT_CLASSES`), whichever Python
runs this.
"""

from __future__ import annotations

import builtins
import functools
import importlib
from collections.abc import Callable, Iterable

from qualitytool.exceptions.inference.pythons import STDLIB_MODULES, VERSION_SPLIT_CLASSES

BROAD = frozenset({"Exception", "BaseException"})
# Standard-library modules whose import does something (opens a web browser, prints, starts a
# GUI, runs a test suite): a name under them is never looked up by importing them.  The names
# come from the analysed code and from evidence files, both a stranger's.
_NOT_IMPORTED = frozenset({
    "__hello__", "__phello__", "__main__", "antigravity", "idlelib", "test", "this",
    "tkinter", "turtle", "turtledemo",
})


@functools.lru_cache(maxsize=1024)
def runtime_class(name: str) -> type[BaseException] | None:
    """The class for a builtin (``ValueError``) or stdlib (``json.JSONDecodeError``) name."""
    if "." not in name:
        found = getattr(builtins, name, None)
    else:
        module_name, _, attr = name.rpartition(".")
        found = None
        top = module_name.split(".")[0]
        if top in STDLIB_MODULES and top not in _NOT_IMPORTED:
            for cut in range(len(module_name.split(".")), 0, -1):
                candidate = ".".join(name.split(".")[:cut])
                try:
                    obj: object = importlib.import_module(candidate)
                except ImportError:
                    continue
                for part in name.split(".")[cut:]:
                    obj = getattr(obj, part, None)
                found = obj
                break
        del attr
    if isinstance(found, type) and issubclass(found, BaseException):
        return found
    return None


# One stand-in per class of VERSION_SPLIT_CLASSES: below Exception, and the base of nothing.
_STAND_INS = {
    name: type(name.rpartition(".")[2], (Exception,), {"__module__": name.rpartition(".")[0]})
    for name in sorted(set(VERSION_SPLIT_CLASSES.values()))
}


def analysis_class(name: str) -> type[BaseException] | None:
    """:func:`runtime_class` as the analysis must see it: a class whose bases changed between
    the supported Pythons (``asyncio.TimeoutError``) is a stand-in with only the bases it has
    on all of them, whichever Python runs this."""
    canonical = VERSION_SPLIT_CLASSES.get(name.removeprefix("builtins."))
    if canonical is not None:
        return _STAND_INS[canonical]
    return runtime_class(name)


class Hierarchy:
    """Subclass tests over runtime classes and declared bases (``declared_bases(name)``).

    ``stub_bases(name)`` (the bases stubs and typed packages give a class) serves only to
    tell whether a name is an exception class at all (:meth:`is_exception_class`)."""

    def __init__(
        self,
        declared_bases: Callable[[str], Iterable[str]],
        stub_bases: Callable[[str], Iterable[str]] | None = None,
    ) -> None:
        self._declared_bases = declared_bases
        self._stub_bases = stub_bases

    def is_exception_class(self, name: str, _depth: int = 0) -> bool:
        """Whether ``name`` resolves to an exception class: a builtin or standard-library
        one, or a class whose bases (declared in the project, the knowledge base or stubs)
        lead to one.  ``len``, ``os.path`` or a name defined nowhere do not."""
        if runtime_class(name) is not None:
            return True
        if _depth > 20 or name.removeprefix("builtins.") in ("object", ""):
            return False
        bases = tuple(self._declared_bases(name))
        if not bases and self._stub_bases is not None:
            bases = tuple(self._stub_bases(name))
        return any(self.is_exception_class(base, _depth + 1) for base in bases)

    def is_subclass(self, name: str, base: str, _depth: int = 0) -> bool:
        if name == base or base == "BaseException":
            return True
        if _depth > 20:
            return False
        cls, base_cls = analysis_class(name), analysis_class(base)
        if cls is not None:
            return base_cls is not None and issubclass(cls, base_cls)
        return any(
            self.is_subclass(parent, base, _depth + 1) for parent in self._declared_bases(name)
        )

    def minimal(self, names: Iterable[str]) -> list[str]:
        """Drop names covered by another name of the set; sorted for stable output."""
        unique = sorted(set(names))
        return [
            n for n in unique if not any(o != n and self.is_subclass(n, o) for o in unique)
        ]

    def caught_by(self, name: str, caught: Iterable[str]) -> bool:
        return any(self.is_subclass(name, c) for c in caught)
