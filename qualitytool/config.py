"""``[tool.qualitytool]`` in ``pyproject.toml`` -> typed, frozen dataclasses.

The file is found by walking up from the analysed path.  Every key is validated against the
type annotation of its field; a wrong type names the file and the key, an unknown key is
reported as a warning (never silently ignored, never fatal).
"""

from __future__ import annotations

import dataclasses
import keyword
import os
import re
import sys
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath
from typing import TYPE_CHECKING, Any, Union

from qualitytool.gate_table import GATES, Gate, Threshold

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

TABLE = "tool.qualitytool"


class ConfigError(Exception):
    """The configuration file is unreadable or a key has a wrong type or value."""


@dataclass(frozen=True)
class ExceptionFamily:
    """One ``[[tool.qualitytool.exceptions.hierarchy.families]]`` entry: a family class of the
    project's exception hierarchy, the HTTP status its errors map to, and its concrete leaves."""

    # The family's class name, a direct subclass of the hierarchy's base.
    name: str = ""
    # The HTTP status its errors answer with (400-599).
    status: int = 500
    # Its concrete classes, subclasses of the family.
    leaves: tuple[str, ...] = ()
    # Its errors' default message and its docstring (default: made from its name).
    description: str = ""


@dataclass(frozen=True)
class HierarchyConfig:
    """``[tool.qualitytool.exceptions.hierarchy]``: what ``scaffold-exceptions`` writes and what
    ``fix-exceptions --ladder``/``--wrap`` use."""

    # Where the hierarchy module is (relative to the project root).
    module: str = "app/core/exceptions.py"
    # Where the FastAPI/Starlette handlers module goes (default: next to ``module``).
    handlers_module: str | None = None
    # "fastapi", "starlette" or "none"; default: read from the project's dependencies.
    framework: str | None = None
    # The base class; default: the project's name in CamelCase + "Error".
    base_name: str | None = None
    # The families (default: authentication, authorization, not-found, validation, storage,
    # external-service, each with its leaves; see ``qualitytool.scaffold.hierarchy``).
    families: tuple[ExceptionFamily, ...] = ()


@dataclass(frozen=True)
class ExceptionsConfig:
    """``[tool.qualitytool.exceptions]``: how broad handlers are detected and fixed."""

    # Handlers that re-raise (``raise``, ``raise exc``, ``raise X from exc``) are not flagged.
    exempt_reraise: bool = True
    # Handlers that log with a traceback (``logger.exception``, ``exc_info=True``) are not flagged.
    exempt_logged: bool = True
    # Suppression comments (`noqa` with BLE001, E722, QT001, QT002 or no code) are honoured.
    honour_noqa: bool = True
    # Fully-qualified names of imported objects that are loggers (ruff's ``logger-objects``),
    # for example ``"myapp.log.logger"``.
    logger_objects: tuple[str, ...] = ()
    # Extra knowledge-base TOML files (relative to the config file) describing what raises what.
    knowledge_bases: tuple[str, ...] = ()
    # A narrowed handler listing more classes than this has them grouped under their nearest
    # common bases (``LookupError`` for ``KeyError`` and ``IndexError``); 0 never groups.
    group_above: int = 4
    # A narrowed handler still listing more classes than this is left broad; 0: no limit.
    max_names: int = 0
    # The project's Python environment: an interpreter or a virtualenv folder (relative to the
    # config file); default: found as mypy and pyright find it (VIRTUAL_ENV, .venv, ...).
    python: str | None = None
    # Derive contracts for library calls from the source of the installed dependencies.
    derive_contracts: bool = True
    hierarchy: HierarchyConfig = field(default_factory=HierarchyConfig)


@dataclass(frozen=True)
class TodosConfig:
    """``[tool.qualitytool.todos]``: the TODO scanner and its GitHub sync."""

    # The words that start a TODO comment (a marker that is also a tag of the category rules,
    # such as "OPTIMIZE", decides the item's category).
    markers: tuple[str, ...] = ("TODO", "FIXME", "XXX", "HACK")
    # gitignore-style patterns of the files scanned for TODO comments (by default every file
    # a language of rules/comment_syntax.toml names: tests/test_todos_scanner.py holds them).
    include: tuple[str, ...] = (
        "*.py", "*.pyi", "*.pyw", "*.js", "*.jsx", "*.ts", "*.tsx", "*.mjs", "*.cjs", "*.mts",
        "*.cts", "*.sh", "*.bash", "*.zsh", "*.yml", "*.yaml", "*.toml", "Dockerfile",
        "Dockerfile.*", "Containerfile", "*.dockerfile", "*.sql", "*.html", "*.htm", "*.jinja",
        "*.j2", "*.css", "*.scss", "*.less", "*.vue", "*.svelte",
    )
    # Extra category rule files (TOML, same format as rules/todo_categories.toml).
    category_rules: tuple[str, ...] = ()
    # Skip code the project carries but did not write: vendored libraries, minified and
    # generated files (rules/vendored.toml, and the project's .gitattributes linguist-vendored
    # and linguist-generated).
    skip_vendored: bool = True
    # More gitignore-style patterns of files the TODO scan skips (after the vendored ones).
    exclude: tuple[str, ...] = ()
    # Phrases that mark a TODO as a documented limitation rather than work to do.
    limitation_phrases: tuple[str, ...] = ("limitation", "known issue", "wontfix", "won't fix")
    # The labels of the issues `todos sync` creates, and by which it lists them again.
    labels: tuple[str, ...] = ("technical-debt", "todo")
    # Points of the "may be security" flag's signals (rules/todo_categories.toml
    # [security-flag]) an item needs to be flagged; lower flags more.
    security_flag_threshold: float = 1.5
    # The issue label `todos sync` adds to flagged items ("" for none).
    security_flag_label: str = "may-be-security"
    # Below this confidence (0-1) an item is "uncertain": shown with its two likeliest
    # categories for a person to decide; 0 never.
    uncertain_below: float = 0.5
    # The issue label of uncertain items, instead of a category's ("" for none).
    uncertain_label: str = "needs-triage"


def gates_config_class(gates: Sequence[Gate] = GATES) -> type:
    """The frozen dataclass of ``[tool.qualitytool.gates]``: one field per gate of the table,
    named by its key, typed and defaulted by it."""
    cls = dataclasses.make_dataclass(
        "GatesConfig",
        [(g.field, g.value_type, field(default=g.default)) for g in gates],
        frozen=True,
    )
    cls.__module__ = __name__  # pickled with the Config sent to worker processes
    cls.__doc__ = """``[tool.qualitytool.gates]``: thresholds ``report --check`` enforces
    (one field per record of :data:`qualitytool.gate_table.GATES`)."""
    return cls


if TYPE_CHECKING:

    class GatesConfig:
        """What type checkers see of the class :func:`gates_config_class` builds."""

        def __init__(self, **thresholds: Threshold) -> None: ...

        def __getattr__(self, name: str) -> Any: ...

else:
    GatesConfig = gates_config_class()


@dataclass(frozen=True)
class ReportConfig:
    """``[tool.qualitytool.report]``: which tools the report runs and how."""

    # A folder of Jinja2 templates replacing the shipped ones of the same name
    # (reports/templates/*.j2), relative to the config file.
    templates_dir: str | None = None
    # Seconds each tool may run; one past it is reported as timed out, naming this key.
    tool_timeout: float = 600.0
    # Where the per-file caches go, relative to the config file; default: .qualitytool/cache
    # under the project root.
    cache_dir: str | None = None
    # Optional runners to use even when the project's configuration does not mention them
    # ("mypy", "basedpyright", "black", "isort", "ruff-format").
    enable: tuple[str, ...] = ()
    # Runners the report does not run, by name ("pylint", "bandit", "radon", "coverage",
    # "annotations", "check-exceptions", "todos", or an optional one).
    disable: tuple[str, ...] = ()
    # Commands replacing a runner's default, as "tool=command line", e.g. "mypy=.venv/bin/mypy".
    commands: tuple[str, ...] = ()
    # coverage.py's JSON report (``coverage json``), relative to the project root.
    coverage_file: str = "coverage.json"


@dataclass(frozen=True)
class Config:
    """The resolved configuration of one project."""

    # Directory the configuration applies to: where the pyproject.toml lives (or the analysed
    # directory when there is none).  Relative globs and paths are resolved against it.
    root: Path
    # The file the configuration was read from, or None for defaults.
    source: Path | None = None
    # gitignore-style patterns of the files to analyse.
    include: tuple[str, ...] = ("*.py", "*.pyi")
    # gitignore-style patterns of files and folders not to analyse (``--exclude`` replaces
    # them).
    exclude: tuple[str, ...] = ()
    # More patterns to exclude, kept apart from ``exclude`` so that ``--exclude`` can replace
    # those while these stay (ruff's ``extend-exclude``).
    extend_exclude: tuple[str, ...] = ()
    # Apply the exclusions to files named on the command line too (ruff's ``force-exclude``;
    # pre-commit names every file it checks).
    force_exclude: bool = False
    # Skip what the project's .gitignore files ignore.
    respect_gitignore: bool = True
    # gitignore-style globs of code where no broad handler is tolerated (reported as errors).
    critical_paths: tuple[str, ...] = ()
    # Worker processes; 0 means one per core.
    jobs: int = 0
    # The oldest Python the project runs on, as ruff spells it ("py311"); default: the lower
    # bound of the project's requires-python, else py310.  fix-exceptions reads typeshed's
    # stubs for it.
    target_version: str | None = None
    exceptions: ExceptionsConfig = field(default_factory=ExceptionsConfig)
    todos: TodosConfig = field(default_factory=TodosConfig)
    gates: GatesConfig = field(default_factory=GatesConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON/TOML-friendly view (what ``qualitytool config`` prints)."""

        def convert(value: Any) -> Any:
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                return {
                    _key(f.name): convert(getattr(value, f.name))
                    for f in dataclasses.fields(value)
                    if f.name not in ("warnings",)
                }
            if isinstance(value, tuple):
                return [convert(v) for v in value]
            if isinstance(value, Path):
                return str(value)
            return value

        result: dict[str, Any] = convert(self)
        return result


def cache_directory(root: Path, config: Config) -> Path:
    """Where per-file results are cached: ``[tool.qualitytool.report] cache-dir`` (relative
    to the configuration's root), else ``.qualitytool/cache`` under ``root``."""
    configured = config.report.cache_dir
    if configured:
        candidate = Path(configured).expanduser()
        return candidate if candidate.is_absolute() else config.root / candidate
    return root / ".qualitytool" / "cache"


def _read_text(path: Path) -> str:
    # Imported here: reading the configuration is on every command's start-up path.
    from qualitytool.sources import read_text

    return read_text(path)


def _key(field_name: str) -> str:
    return field_name.replace("_", "-")


def find_config_file(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.qualitytool]`` table, walking up."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate_dir in (directory, *directory.parents):
        candidate = candidate_dir / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(_read_text(candidate))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"{candidate}: cannot read: {exc}") from exc
            if "qualitytool" in data.get("tool", {}):
                return candidate
    return None


def find_project_root(start: Path) -> Path:
    """The project ``start`` (a file or folder) belongs to, as ruff finds it: the nearest
    folder at or above it holding a ``pyproject.toml`` or ``.git``; ``start``'s own folder when
    there is none.  Its ``.qualitytool/`` folder is the only one a run writes."""
    resolved = start.resolve()
    directory = resolved if resolved.is_dir() else resolved.parent
    for candidate in (directory, *directory.parents):
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return directory


def find_repository_root(start: Path) -> Path:
    """The top of the git work tree ``start`` is in, else its project root
    (:func:`find_project_root`)."""
    resolved = start.resolve()
    directory = resolved if resolved.is_dir() else resolved.parent
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return find_project_root(start)


def common_start(paths: Sequence[Path | str]) -> Path:
    """The folder all ``paths`` are in (the current one when there are none): where the
    configuration and the project root are looked for, whatever order the paths come in."""
    if not paths:
        return Path.cwd()
    folders = []
    for path in paths:
        resolved = Path(path).resolve()
        folders.append(str(resolved if resolved.is_dir() else resolved.parent))
    return Path(os.path.commonpath(folders))


def load_config(start: Path | str = ".") -> Config:
    """Load the configuration that applies to ``start`` (a file or directory): the nearest
    ``[tool.qualitytool]`` above it, else the defaults with the project root above it."""
    start_path = Path(start)
    source = find_config_file(start_path)
    if source is None:
        return Config(root=find_project_root(start_path))
    return load_config_file(source)


def load_config_file(source: Path) -> Config:
    """Load ``[tool.qualitytool]`` from one pyproject.toml."""
    try:
        data = tomllib.loads(_read_text(source))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{source}: cannot read: {exc}") from exc
    table = data.get("tool", {}).get("qualitytool", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [{TABLE}] must be a table")
    warnings: list[str] = []
    values = _build(Config, table, source, TABLE, warnings, skip=("root", "source", "warnings"))
    config = Config(root=source.parent.resolve(), source=source.resolve(), **values)
    _validate(config, source)
    return dataclasses.replace(config, warnings=tuple(warnings))


def _build(
    cls: type,
    table: dict[str, Any],
    source: Path,
    where: str,
    warnings: list[str],
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    known = {_key(f.name): f for f in dataclasses.fields(cls) if f.name not in skip}
    values: dict[str, Any] = {}
    for key, raw in table.items():
        f = known.get(key)
        if f is None:
            alt = key.replace("_", "-")
            hint = f" (did you mean '{alt}'?)" if alt in known else ""
            warnings.append(f"{source}: unknown key '{key}' in [{where}]{hint}; ignored")
            continue
        values[f.name] = _coerce(hints[f.name], raw, source, f"{where}.{key}", warnings)
    return values


def _coerce(hint: Any, raw: Any, source: Path, where: str, warnings: list[str]) -> Any:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(raw, dict):
            raise ConfigError(f"{source}: [{where}] must be a table, got {_type_name(raw)}")
        return hint(**_build(hint, raw, source, where, warnings))
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (Union, types.UnionType):
        if raw is None:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], raw, source, where, warnings)
    if origin is tuple and dataclasses.is_dataclass(args[0]):
        if not isinstance(raw, list):
            raise ConfigError(f"{source}: key '{where}' must be an array of tables, got "
                              f"{_type_name(raw)}")
        return tuple(
            _coerce(args[0], item, source, f"{where}[{i}]", warnings) for i, item in enumerate(raw)
        )
    if origin is tuple:
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise ConfigError(
                f"{source}: key '{where}' must be a list of strings, got {_type_name(raw)}"
            )
        return tuple(raw)
    if hint is bool:
        if not isinstance(raw, bool):
            raise ConfigError(f"{source}: key '{where}' must be true or false, got {raw!r}")
        return raw
    if hint is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ConfigError(f"{source}: key '{where}' must be an integer, got {raw!r}")
        return raw
    if hint is float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ConfigError(f"{source}: key '{where}' must be a number, got {raw!r}")
        return float(raw)
    if hint is str:
        if not isinstance(raw, str):
            raise ConfigError(f"{source}: key '{where}' must be a string, got {raw!r}")
        return raw
    raise ConfigError(f"{source}: key '{where}' has an unsupported type")  # pragma: no cover


def _type_name(raw: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(raw), type(raw).__name__
    )


# Paths a configuration names (section, field).  The configuration comes with the analysed
# repository, so none of them may lead out of it: a pull request must not make the tool write
# its cache, or read templates and knowledge, anywhere else on the machine.
_PROJECT_PATHS = (
    ("report", "cache_dir"), ("report", "templates_dir"), ("report", "coverage_file"),
    ("exceptions", "knowledge_bases"), ("todos", "category_rules"),
)


def module_path_problem(value: str) -> str | None:
    """Why ``value`` cannot be where a Python module of the project goes (relative to its
    root: ``app/core/exceptions.py``), or None."""
    path = PurePosixPath(value.replace("\\", "/"))
    if not value or path.is_absolute() or value.startswith("~") or ".." in path.parts:
        return "must be a path relative to the project root, inside it"
    if path.suffix != ".py":
        return "must name a Python module (a .py file)"
    from qualitytool.json_schemas import is_dotted_name

    if not is_dotted_name(".".join(path.with_suffix("").parts)):
        return "must be importable: every folder and the file name a Python identifier"
    return None


def dotted_name(relative: PurePath) -> str:
    """The module a project file is imported as, from its path relative to the project root:
    ``src/app/core/exceptions.py`` -> ``app.core.exceptions``."""
    parts = list(relative.with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def class_name_problem(value: str) -> str | None:
    """Why ``value`` cannot be the name of a generated class, or None."""
    if not value.isidentifier() or keyword.iskeyword(value):
        return "must be a Python class name"
    return None


def check_paths_inside(config: Config, source: Path) -> None:
    """Raise ``ConfigError`` (naming ``source``) when a path of ``config`` leads out of its
    root or a hierarchy module path is not a module's."""
    root = config.root.resolve()
    hierarchy = config.exceptions.hierarchy
    for name in ("module", "handlers_module"):
        value = getattr(hierarchy, name)
        problem = module_path_problem(value) if value is not None else None
        if problem is not None:
            raise ConfigError(f"{source}: key '{TABLE}.exceptions.hierarchy.{_key(name)}' "
                              f"{problem}, got {value!r}")
    for section, name in (*_PROJECT_PATHS, ("exceptions.hierarchy", "module"),
                          ("exceptions.hierarchy", "handlers_module")):
        owner: Any = config
        for part in section.split("."):
            owner = getattr(owner, part)
        value = getattr(owner, name)
        for entry in (value if isinstance(value, tuple) else (value,) if value else ()):
            path = Path(entry).expanduser()
            resolved = (path if path.is_absolute() else root / path).resolve()
            if resolved != root and root not in resolved.parents:
                raise ConfigError(
                    f"{source}: key '{TABLE}.{section}.{_key(name)}' must name a path inside "
                    f"the project ({root}); {entry!r} leads out of it"
                )


def _validate(config: Config, source: Path) -> None:
    check_paths_inside(config, source)
    if config.jobs < 0:
        raise ConfigError(f"{source}: key '{TABLE}.jobs' must be 0 (all cores) or more")
    if config.target_version is not None and not re.fullmatch(r"py3\d+", config.target_version):
        raise ConfigError(f"{source}: key '{TABLE}.target-version' must be of the form py311, "
                          f"got {config.target_version!r}")
    for gate in GATES:
        problem = gate.invalid(getattr(config.gates, gate.field))
        if problem is not None:
            raise ConfigError(f"{source}: key '{TABLE}.gates.{gate.key}' {problem}")
    todos = config.todos
    if todos.security_flag_threshold < 0:
        raise ConfigError(
            f"{source}: key '{TABLE}.todos.security-flag-threshold' must be 0 or more")
    if not 0 <= todos.uncertain_below <= 1:
        raise ConfigError(f"{source}: key '{TABLE}.todos.uncertain-below' must be between 0 and 1")
    for name in ("group_above", "max_names"):
        if getattr(config.exceptions, name) < 0:
            raise ConfigError(
                f"{source}: key '{TABLE}.exceptions.{_key(name)}' must be 0 (none) or more"
            )
    hierarchy = config.exceptions.hierarchy
    where = f"{TABLE}.exceptions.hierarchy"
    if hierarchy.base_name is not None and class_name_problem(hierarchy.base_name):
        raise ConfigError(f"{source}: key '{where}.base-name' must be a Python class name, "
                          f"got {hierarchy.base_name!r}")
    if hierarchy.framework not in (None, "fastapi", "starlette", "none"):
        raise ConfigError(
            f"{source}: key '{where}.framework' must be fastapi, starlette or none, "
            f"got {hierarchy.framework!r}"
        )
    for i, family in enumerate(hierarchy.families):
        names = (family.name, *family.leaves)
        if any(class_name_problem(name) for name in names):
            raise ConfigError(
                f"{source}: key '{where}.families[{i}]' needs a `name` and `leaves` that are "
                f"Python class names, got {names!r}"
            )
        if not 400 <= family.status <= 599:
            raise ConfigError(
                f"{source}: key '{where}.families[{i}].status' must be an HTTP error status "
                f"(400-599), got {family.status}"
            )
