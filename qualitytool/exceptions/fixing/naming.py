"""How to write an exception class's name in a module, and the imports that needs."""

from __future__ import annotations

from collections.abc import Sequence

from qualitytool.exceptions.inference.infer import Frame, Inferrer


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
        if inferrer.index.module(module_name) is not None:
            if obj in bound:
                return f"cannot name `{name}` here: `{obj}` is taken"
            written.append(obj)
            imports.append((module_name, obj))
            continue
        top = module_name.split(".")[0]
        if top in bound and bound[top] != top:
            return f"cannot name `{name}` here: `{top}` is taken"
        written.append(name)
        imports.append((module_name, None))
    return written, tuple(imports)
