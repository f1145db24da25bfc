"""How to write an exception class's name in a module, and the imports that needs."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from qualitytool.exceptions.inference.infer import Frame, Inferrer

_VAGUE = frozenset({"Error", "Exception", "Warning", "Timeout", "TimeoutError"})


def bound_names(frame: Frame) -> dict[str, str | None]:
    """Names visible in the handler: module bindings overlaid with enclosing functions'."""
    names = dict(frame.module.bindings)
    chain = []
    current: Frame | None = frame
    while current is not None and current.function is not None:
        chain.append(current)
        current = current.parent
    for function_frame in reversed(chain):
        names.update(function_frame.bindings)
    return names


def render_names(
    names: Sequence[str], frame: Frame, inferrer: Inferrer
) -> tuple[list[str], tuple[tuple[str, str | None], ...]] | str:
    """How to write each exception in this module, and the imports that needs."""
    bound = bound_names(frame)
    written: list[str] = []
    imports: list[tuple[str, str | None]] = []
    for name in names:
        if "." not in name:
            if bound.get(name, f"builtins.{name}") != f"builtins.{name}" and name in bound:
                return f"cannot name `{name}` here: the name is shadowed"
            written.append(name)
            continue
        candidates = []
        for local, target in bound.items():
            if target is None:
                continue
            if target == name:
                candidates.append(local)
            elif name.startswith(target + "."):
                candidates.append(local + name[len(target):])
        if candidates:
            written.append(min(candidates, key=lambda c: (len(c), c)))
            continue
        module_name, _, obj = name.rpartition(".")
        if module_name == frame.module.name and obj in frame.module.classes:
            written.append(obj)  # a class of this very module
            continue
        refused = _import_refused(name, frame, inferrer)
        if refused is not None:
            return refused
        # a project module's class, or one of a module the module already imports names
        # from (``from importlib.metadata import version``): imported the same way, unless
        # the name says little without its module (``sqlite3.Error``, ``re.error``)
        imports_from = obj not in _VAGUE and obj[:1].isupper() and any(
            target is not None and target.rpartition(".")[0] == module_name
            for target in frame.module.bindings.values()
        )
        if imports_from and obj not in bound:
            written.append(obj)
            imports.append((module_name, obj))
            continue
        if inferrer.index.module(module_name) is not None:
            if obj in bound:
                return f"cannot name `{name}` here: `{obj}` is taken"
            written.append(obj)
            imports.append((module_name, obj))
            continue
        top = module_name.split(".")[0]
        if top in bound and bound[top] != top:
            # ``def pay(bolt11: str)`` hides the module: its class is imported by its own
            # name, when that says what it is and nothing here (nor another class of the
            # list: ``bolt11.Bolt11Exception`` beside ``bolt11.exceptions.Bolt11Exception``)
            # is called so
            if obj in _VAGUE or not obj[:1].isupper() or obj in bound or obj in written:
                return f"cannot name `{name}` here: `{top}` is taken"
            written.append(obj)
            imports.append((module_name, obj))
            continue
        written.append(name)
        imports.append((module_name, None))
    return written, tuple(imports)


def _import_refused(name: str, frame: Frame, inferrer: Inferrer) -> str | None:
    """Why ``name`` cannot be imported at the top of the module, if it cannot.

    A new import goes at the top, where it runs whenever the module is imported.  That is
    safe for the standard library, the project's own modules and the packages the module
    already imports there; not for a package the module imports only under a condition
    (``if find_spec("breez_sdk"):``, ``try: import yaml``, in a function): an optional
    dependency, whose import at the top would break the module wherever it is not
    installed.  Nor for a package the project's environment does not install (a contract
    of the knowledge base can name it all the same).
    """
    top = name.split(".")[0]
    module = frame.module
    if top in sys.stdlib_module_names or top in module.imported_at_top:
        return None
    if inferrer.index.module_path(top) is not None:
        return None  # the project's own package
    if top in module.imported_anywhere:
        return (f"cannot name `{name}` here: the module imports `{top}` only under a "
                "condition (an optional dependency); an import at the top would break it "
                "where it is not installed")
    derived = inferrer.contracts.derived
    if derived is not None and not derived.provides(top):
        return (f"cannot name `{name}` here: `{top}` is not installed in the project's "
                "environment")
    return None
