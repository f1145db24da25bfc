"""Long ``except (...)`` lists grouped under the classes' nearest common bases.

``except (AttributeError, IndexError, KeyError, TypeError, ValueError)`` reads better as
``except (AttributeError, LookupError, TypeError, ValueError)``, and catches no less: a base
catches everything its subclasses do.  Bases are the builtin ones (``LookupError``,
``OSError``, ``ArithmeticError`` ...), a library's documented bases (the knowledge base's
``[[exception]]`` entries) and the project's own classes (a family of its hierarchy);
``Exception`` and ``BaseException`` never: grouping up to them is the catch-all again.
"""

from __future__ import annotations

from collections.abc import Sequence

from qualitytool.exceptions.inference.hierarchy import BROAD, Hierarchy, runtime_class
from qualitytool.exceptions.inference.infer import Inferrer

# How many classes a narrowed handler lists before they are grouped (the default of
# ``[tool.qualitytool.exceptions] group-above``).
DEFAULT_GROUP_ABOVE = 4
_MAX_DEPTH = 20


def ancestors(name: str, inferrer: Inferrer) -> list[str]:
    """The bases of an exception class, nearest first, as the code can name them: builtin
    bases for builtin and standard-library classes, declared bases (knowledge base, project)
    otherwise.  Never ``Exception``, ``BaseException`` or ``object``."""
    found: list[str] = []
    cls = runtime_class(name)
    if cls is not None:
        for base in cls.__mro__[1:]:
            if base.__module__ == "builtins" and base.__name__ not in BROAD | {"object"}:
                found.append(base.__name__)
        return found
    frontier = list(_declared(name, inferrer))
    depth = 0
    while frontier and depth < _MAX_DEPTH:
        depth += 1
        following: list[str] = []
        for declared in frontier:
            if declared in BROAD or declared in found:
                continue
            found.append(declared)
            following.extend(_declared(declared, inferrer))
        frontier = following
    return found


def _declared(name: str, inferrer: Inferrer) -> tuple[str, ...]:
    if runtime_class(name) is not None:
        return tuple(ancestors(name, inferrer))
    spec = inferrer.kb.exceptions.get(name)
    if spec is not None:
        return spec.bases
    return inferrer.index.declared_bases(name)


def grouped(names: Sequence[str], above: int, inferrer: Inferrer) -> list[str]:
    """``names`` (a minimal list), with classes merged under a common base while there are
    more than ``above`` of them: each step takes the most specific base that covers two or
    more of the list (the one covering most, among equally specific ones)."""
    hierarchy: Hierarchy = inferrer.hierarchy
    current = hierarchy.minimal(names)
    if above <= 0:
        return current
    while len(current) > above:
        best: tuple[int, int, str] | None = None
        bases = {base for name in current for base in ancestors(name, inferrer)}
        for base in sorted(bases):
            covered = [n for n in current if hierarchy.is_subclass(n, base)]
            if len(covered) < 2:
                continue
            specific = len(ancestors(base, inferrer))
            key = (specific, len(covered), base)
            if best is None or key[:2] > best[:2]:
                best = key
        if best is None:
            return current
        current = hierarchy.minimal([*current, best[2]])
    return current
