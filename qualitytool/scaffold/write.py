"""Render the hierarchy and handlers modules and write them without losing anyone's code.

A module that does not exist is created (with ``__init__.py`` in the folders created for it).
An existing hierarchy module gets only the classes it lacks, appended with LibCST; every byte
already there stays (line endings and encoding included).  An existing handlers module is kept
unless ``force``.  ``force`` overwrites both.  A module that cannot be parsed is left alone and
reported.  Writes are atomic.
"""

from __future__ import annotations

import ast
import enum
import json
from dataclasses import dataclass
from pathlib import Path

from qualitytool.atomic_files import atomic_write
from qualitytool.scaffold.spec import Framework, HierarchySpec
from qualitytool.sources import SourceError, encode_python, read_python

HIERARCHY_TEMPLATE = "exception_hierarchy.py.j2"
HANDLERS_TEMPLATE = "exception_handlers.py.j2"


class Action(enum.Enum):
    """What happened to one file."""

    CREATED = "created"
    EXTENDED = "extended"  # classes added to an existing module
    OVERWRITTEN = "overwritten"
    UNCHANGED = "unchanged"  # it already has every class
    KEPT = "kept"  # it exists and force was not given
    FAILED = "failed"


@dataclass(frozen=True)
class ScaffoldFile:
    """One file's outcome (``path`` relative to the project root)."""

    path: str
    action: Action
    added: tuple[str, ...] = ()  # classes added (EXTENDED) or written (CREATED, OVERWRITTEN)
    error: str | None = None


@dataclass(frozen=True)
class ScaffoldReport:
    spec: HierarchySpec
    files: tuple[ScaffoldFile, ...]

    @property
    def failed(self) -> bool:
        return any(f.action is Action.FAILED for f in self.files)


def render(spec: HierarchySpec, template: str, templates_dir: Path | None = None) -> str:
    """The text of one generated module (``templates_dir`` overrides the shipped templates).

    Values that come from the project (its name, family descriptions) reach the code only
    through the ``py_str`` (a string literal) and ``py_doc`` (docstring text) filters: a
    description holding quotes or a newline cannot end a string and start code."""
    from qualitytool.rendering.templates import environment

    env = environment(templates_dir, {"py_str": python_string, "py_doc": docstring_text})
    return str(env.get_template(template).render(
        project=spec.project, base=spec.base, families=spec.families, module=spec.module,
        framework=spec.framework.value,
    ))


def python_string(value: object) -> str:
    """``value`` as a Python string literal (double quotes, everything escaped)."""
    return json.dumps(str(value), ensure_ascii=False)


def docstring_text(value: object) -> str:
    """``value`` as one line of a ``\"\"\"`` docstring: no quote or backslash can end it."""
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace('"', '\\"')


def parse_problem(text: str) -> str | None:
    """Why ``text`` is not a Python module, or None: nothing is written that does not parse."""
    try:
        ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        return f"the generated module does not parse: {message}{where}"
    return None


def scaffold(
    root: Path, spec: HierarchySpec, *, force: bool = False, templates_dir: Path | None = None
) -> ScaffoldReport:
    """Write the hierarchy module (and the handlers module for FastAPI/Starlette) under ``root``."""
    files = [_write_hierarchy(root, spec, render(spec, HIERARCHY_TEMPLATE, templates_dir), force)]
    if spec.handlers_path is not None and spec.framework is not Framework.NONE:
        text = render(spec, HANDLERS_TEMPLATE, templates_dir)
        files.append(_write_whole(root, spec.handlers_path, text, force))
    return ScaffoldReport(spec=spec, files=tuple(files))


def _class_names(spec: HierarchySpec) -> tuple[str, ...]:
    return tuple(c.name for c in spec.classes)


def _write_hierarchy(root: Path, spec: HierarchySpec, text: str, force: bool) -> ScaffoldFile:
    target = root / spec.module_path
    shown = spec.module_path.as_posix()
    if force or not target.exists():
        return _write_whole(root, spec.module_path, text, force, _class_names(spec))
    problem = parse_problem(text)
    if problem is not None:
        return ScaffoldFile(shown, Action.FAILED, error=f"{problem}; left unchanged")
    try:
        source = read_python(target)
        merged, added = add_missing_classes(source.text, text)
    except (SourceError, ValueError) as exc:
        return ScaffoldFile(shown, Action.FAILED, error=f"{exc}; left unchanged")
    if not added:
        return ScaffoldFile(shown, Action.UNCHANGED)
    problem = parse_problem(merged)
    if problem is not None:
        return ScaffoldFile(shown, Action.FAILED, error=f"{problem}; left unchanged")
    if not atomic_write(target, encode_python(source, merged), expected=source.raw,
                        through_links=True):
        return ScaffoldFile(shown, Action.FAILED, error=f"{shown}: changed since it was read")
    return ScaffoldFile(shown, Action.EXTENDED, added)


def _write_whole(
    root: Path, relative: Path, text: str, force: bool, classes: tuple[str, ...] = ()
) -> ScaffoldFile:
    target = root / relative
    shown = relative.as_posix()
    problem = parse_problem(text)
    if problem is not None:
        return ScaffoldFile(shown, Action.FAILED, error=f"{problem}; nothing written")
    if target.exists():
        if not force:
            return ScaffoldFile(shown, Action.KEPT)
        try:
            existing = read_python(target)
        except SourceError as exc:
            return ScaffoldFile(shown, Action.FAILED, error=f"{exc}; left unchanged")
        if existing.text == text:
            return ScaffoldFile(shown, Action.UNCHANGED)
        if not atomic_write(target, encode_python(existing, text), expected=existing.raw,
                            through_links=True):
            return ScaffoldFile(shown, Action.FAILED, error=f"{shown}: changed since it was read")
        return ScaffoldFile(shown, Action.OVERWRITTEN, classes)
    _make_package_dirs(root, target.parent)
    atomic_write(target, text.encode("utf-8"), exclusive=True)  # never over one made meanwhile
    return ScaffoldFile(shown, Action.CREATED, classes)


def _make_package_dirs(root: Path, folder: Path) -> None:
    """Create ``folder``; every folder created below ``root`` gets an empty ``__init__.py``."""
    missing = []
    current = folder
    while not current.exists() and current != root:
        missing.append(current)
        current = current.parent
    for created in reversed(missing):
        created.mkdir()
        (created / "__init__.py").touch()




def add_missing_classes(existing: str, rendered: str) -> tuple[str, tuple[str, ...]]:
    """``existing`` with the top-level classes of ``rendered`` it lacks appended (in the
    rendered order, so bases come first); raises ValueError if ``existing`` does not parse."""
    import libcst as cst

    try:
        module = cst.parse_module(existing)
    except cst.ParserSyntaxError as exc:
        raise ValueError(f"cannot parse: {exc.message} (line {exc.raw_line})") from exc
    have = {
        statement.name.value for statement in module.body if isinstance(statement, cst.ClassDef)
    }
    new = [
        statement for statement in cst.parse_module(rendered).body
        if isinstance(statement, cst.ClassDef) and statement.name.value not in have
    ]
    if not new:
        return existing, ()
    spaced = [
        statement.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
        for statement in new
    ]
    merged = module.with_changes(body=[*module.body, *spaced])
    return merged.code, tuple(statement.name.value for statement in new)


def describe(report: ScaffoldReport) -> list[str]:
    """One line per file, for people."""
    lines = []
    for item in report.files:
        if item.action is Action.CREATED:
            what = f" ({len(item.added)} classes)" if item.added else ""
            lines.append(f"created {item.path}{what}")
        elif item.action is Action.EXTENDED:
            lines.append(f"added {len(item.added)} classes to {item.path}: {', '.join(item.added)}")
        elif item.action is Action.OVERWRITTEN:
            lines.append(f"overwrote {item.path}")
        elif item.action is Action.UNCHANGED:
            lines.append(f"unchanged {item.path} (nothing missing)")
        elif item.action is Action.KEPT:
            lines.append(f"kept {item.path}: it exists (--force overwrites it)")
        else:
            lines.append(f"error: {item.path}: {item.error}")
    return lines
