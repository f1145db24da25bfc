"""The formatting rules of the project a rewrite lands in, read from its own configuration:
the line length its linters and formatter enforce (ruff, black, flake8, pycodestyle) and how
its imports are sorted (isort, ruff's ``I`` rules).

Each tool's settings come from the nearest configuration that tool itself would read
(``pyproject.toml``, ``ruff.toml``, ``setup.cfg``, ``tox.ini``, ``.flake8``, ``.isort.cfg``),
walking up from the file.  A tool the project runs without configuring it (named in its
``tox.ini``, pre-commit hooks, requirements or development dependencies) counts with its
defaults: flake8's 79 columns, black's and ruff's 88.

These files come with a checkout: they are read as data, never trusted -- a value of the
wrong type or out of range is ignored, as is a file that does not parse.
"""

from __future__ import annotations

import configparser
import functools
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from qualitytool.exceptions.fixing.imports import ImportStyle, Section
from qualitytool.exceptions.fixing.layout import LineLimits

PEP8_LENGTH = 79  # flake8's and pycodestyle's default, and the limit when nothing is configured
BLACK_LENGTH = 88  # black's and ruff's default
_MAX_CONFIG_BYTES = 1 << 20
_INI_FILES = ("setup.cfg", "tox.ini", ".flake8", ".isort.cfg")
_MARKERS = ("pyproject.toml", "ruff.toml", ".ruff.toml", *_INI_FILES, ".git")
# Files that name the tools a project runs.
_TOOL_LISTS = ("tox.ini", ".pre-commit-config.yaml", "Makefile", "noxfile.py")
_REQUIREMENTS = re.compile(r"^(?:dev-)?requirements[\w.-]*\.(?:txt|in)$")
_SECTION_NAMES = {
    "future": Section.FUTURE, "standard-library": Section.STDLIB, "stdlib": Section.STDLIB,
    "third-party": Section.THIRDPARTY, "thirdparty": Section.THIRDPARTY,
    "first-party": Section.FIRSTPARTY, "firstparty": Section.FIRSTPARTY,
    "local-folder": Section.LOCALFOLDER, "localfolder": Section.LOCALFOLDER,
}


@dataclass(frozen=True)
class ProjectStyle:
    """What a rewrite must respect: line lengths and import sorting, and the tools found."""

    limits: LineLimits = field(default_factory=LineLimits)
    imports: ImportStyle = field(default_factory=ImportStyle)
    tools: tuple[str, ...] = ()


def project_style(path: Path) -> ProjectStyle:
    """The style of the project holding the file ``path``."""
    try:
        folder = path.resolve().parent
    except (OSError, RuntimeError):
        return ProjectStyle()
    return _style_for(str(folder), _package_root(folder), _signature(folder))


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """The configuration files above ``folder`` with their times and sizes: a style is
    read again when one of them changes."""
    found = []
    for current in _upwards(folder):
        for name in (*_MARKERS, "pyproject.toml", *_TOOL_LISTS):
            try:
                stat = (current / name).stat()
            except OSError:
                continue
            found.append((str(current / name), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


def _package_root(folder: Path) -> str:
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return str(folder)


@functools.lru_cache(maxsize=64)
def _style_for(
    folder: str, package_root: str, signature: tuple[tuple[str, int, int], ...]
) -> ProjectStyle:
    del signature  # a part of the cache's key only
    configs = _Configs(Path(folder))
    tools: dict[str, int] = {}
    used = configs.mentioned_tools()
    ruff_format_length: int | None = None

    ruff = configs.ruff()
    if ruff is not None:
        ruff_settings = ruff[1]
        lint = _table(ruff_settings, "lint")
        length = _length(ruff_settings.get("line-length"), BLACK_LENGTH)
        codestyle = {**_table(ruff_settings, "pycodestyle"), **_table(lint, "pycodestyle")}
        tools["ruff"] = _length(codestyle.get("max-line-length"), length)
        ruff_format_length = length
    elif "ruff" in used:
        tools["ruff"] = ruff_format_length = BLACK_LENGTH
    black = configs.tool_table("black")
    if black is not None or "black" in used:
        tools["black"] = _length((black or {}).get("line-length"), BLACK_LENGTH)
    for tool, sections in (("flake8", ("flake8",)), ("pycodestyle", ("pycodestyle", "pep8"))):
        found = configs.ini_section(sections)
        if found is not None:
            value = found.get("max-line-length", found.get("max_line_length"))
            tools[tool] = _length(value, PEP8_LENGTH)
        elif tool in used:
            tools[tool] = PEP8_LENGTH
    limit = min(tools.values(), default=PEP8_LENGTH)
    formatter = tools.get("black")
    if formatter is None and "ruff" in tools:
        formatter = ruff_format_length
    limits = LineLimits(limit=limit, black=formatter)
    imports = _import_style(configs, ruff, limits, Path(package_root))
    return ProjectStyle(limits=limits, imports=imports, tools=tuple(sorted(tools)))


def _import_style(
    configs: _Configs,
    ruff: tuple[Path, Mapping[str, Any]] | None,
    limits: LineLimits,
    package_root: Path,
) -> ImportStyle:
    """Import sorting settings: ruff's ``isort`` table when the project configures ruff,
    isort's own settings otherwise (with ``profile = "black"`` read as isort reads it)."""
    settings: dict[str, Any] = {}
    roots: list[Path] = [package_root]
    line_length = limits.limit
    isort = configs.isort()
    if ruff is not None:
        ruff_root, ruff_settings = ruff
        lint = _table(ruff_settings, "lint")
        table = {**_table(ruff_settings, "isort"), **_table(lint, "isort")}
        settings = {key.replace("-", "_"): value for key, value in table.items()}
        sources = ruff_settings.get("src")
        roots += [ruff_root / s for s in _strings(sources)] or [ruff_root, ruff_root / "src"]
    elif isort is not None:
        isort_root, isort_settings = isort
        settings = {key.replace("-", "_"): value for key, value in isort_settings.items()}
        profile = settings.get("profile")
        isort_length = BLACK_LENGTH if profile == "black" else PEP8_LENGTH
        line_length = min(limits.limit, _length(settings.get("line_length"), isort_length))
        sources = settings.get("src_paths")
        roots += [isort_root / s for s in _strings(sources)] or [isort_root, isort_root / "src"]
    known: list[tuple[str, Section]] = []
    for key, section in (("known_first_party", Section.FIRSTPARTY),
                         ("known_third_party", Section.THIRDPARTY),
                         ("known_local_folder", Section.LOCALFOLDER),
                         ("extra_standard_library", Section.STDLIB),
                         ("known_standard_library", Section.STDLIB)):
        known += [(name, section) for name in _strings(settings.get(key))]
    order = tuple(_SECTION_NAMES[name] for name in _strings(
        settings.get("section_order", settings.get("sections"))
    ) if name in _SECTION_NAMES)
    default = _SECTION_NAMES.get(str(settings.get("default_section", "")).lower().replace(
        "_", "-"), Section.THIRDPARTY)
    return ImportStyle(
        known=tuple(known),
        first_party_roots=tuple(roots),
        default_section=default,
        section_order=order if len(order) == len(set(order)) and order else tuple(Section),
        no_lines_before=frozenset(
            _SECTION_NAMES[n] for n in _strings(settings.get("no_lines_before"))
            if n in _SECTION_NAMES
        ),
        force_sort_within_sections=_flag(settings.get("force_sort_within_sections")),
        force_single_line=_flag(settings.get("force_single_line")),
        from_first=_flag(settings.get("from_first")),
        order_by_type=_flag(settings.get("order_by_type"), default=True),
        case_sensitive=_flag(settings.get("case_sensitive")),
        line_length=line_length,
    )


def _table(settings: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = settings.get(key)
    return dict(value) if isinstance(value, dict) else {}


def _length(value: object, default: int) -> int:
    """A line length from a config value (int, or a string in an .ini file); else default."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 20 <= value <= 1000:
        return value
    return default


def _flag(value: object, default: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "off"):
        return False
    return default


def _strings(value: object) -> list[str]:
    """A list of names from a TOML list or an .ini value (comma or line separated)."""
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,\n]", value) if part.strip()]
    if isinstance(value, list):
        return [item.strip() for item in value if isinstance(item, str) and item.strip()]
    return []


class _Configs:
    """The configuration files above a folder, each read once."""

    def __init__(self, folder: Path) -> None:
        self.folders = list(_upwards(folder))

    def _toml(self, path: Path) -> dict[str, Any] | None:
        text = _read(path)
        if text is None:
            return None
        try:
            return tomllib.loads(text)
        except (tomllib.TOMLDecodeError, ValueError, RecursionError):
            return None

    def _ini(self, path: Path) -> configparser.ConfigParser | None:
        text = _read(path)
        if text is None:
            return None
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(text, source=str(path))
        except (configparser.Error, ValueError):
            return None
        return parser

    def ruff(self) -> tuple[Path, Mapping[str, Any]] | None:
        """The nearest ruff configuration: ``ruff.toml``, ``.ruff.toml``, or a
        ``pyproject.toml`` with a ``[tool.ruff]`` table."""
        for folder in self.folders:
            for name in (".ruff.toml", "ruff.toml"):
                data = self._toml(folder / name)
                if data is not None:
                    return folder, data
            pyproject = self._toml(folder / "pyproject.toml")
            if pyproject is not None:
                tool = _table(pyproject, "tool")
                if isinstance(tool.get("ruff"), dict):
                    return folder, tool["ruff"]
        return None

    def tool_table(self, name: str) -> dict[str, Any] | None:
        for folder in self.folders:
            pyproject = self._toml(folder / "pyproject.toml")
            if pyproject is not None:
                table = _table(pyproject, "tool").get(name)
                if isinstance(table, dict):
                    return table
        return None

    def isort(self) -> tuple[Path, Mapping[str, Any]] | None:
        """The nearest isort configuration, in isort's own order of files."""
        for folder in self.folders:
            for name, sections in ((".isort.cfg", ("settings", "isort")),
                                   ("pyproject.toml", ()),
                                   ("setup.cfg", ("isort", "tool:isort")),
                                   ("tox.ini", ("isort", "tool:isort")),
                                   (".editorconfig", ())):
                if name == "pyproject.toml":
                    data = self._toml(folder / name)
                    table = _table(data, "tool").get("isort") if data is not None else None
                    if isinstance(table, dict):
                        return folder, table
                    continue
                if not sections:
                    continue
                parser = self._ini(folder / name)
                if parser is None:
                    continue
                for section in sections:
                    if parser.has_section(section):
                        return folder, dict(parser.items(section))
        return None

    def ini_section(self, sections: tuple[str, ...]) -> dict[str, str] | None:
        for folder in self.folders:
            for name in (".flake8", "setup.cfg", "tox.ini"):
                parser = self._ini(folder / name)
                if parser is None:
                    continue
                for section in sections:
                    if parser.has_section(section):
                        return dict(parser.items(section))
        return None

    def mentioned_tools(self) -> set[str]:
        """The formatters and linters the project's tool lists and development dependencies
        name (only the nearest folder with a project file is read)."""
        root = next((f for f in self.folders if any((f / m).exists() for m in _MARKERS)),
                    None)
        if root is None:
            return set()
        texts = [_read(root / name) or "" for name in _TOOL_LISTS]
        for folder in (root, root / "requirements"):
            try:
                texts += [_read(p) or "" for p in sorted(folder.iterdir())
                          if _REQUIREMENTS.match(p.name) or folder.name == "requirements"]
            except OSError:
                pass
        pyproject = self._toml(root / "pyproject.toml") or {}
        texts += _dependency_names(pyproject)
        found = set()
        for tool in ("black", "ruff", "flake8", "pycodestyle", "isort"):
            pattern = re.compile(rf"(?<![\w.-]){tool}(?![\w.-])")
            if any(pattern.search(text) for text in texts):
                found.add(tool)
        return found


def _dependency_names(pyproject: Mapping[str, Any]) -> list[str]:
    """The development dependency lists of a pyproject.toml, as strings."""
    found: list[str] = []
    project = _table(pyproject, "project")
    for group in _table(project, "optional-dependencies").values():
        found += [item for item in group if isinstance(item, str)] if isinstance(group, list) \
            else []
    for group in _table(pyproject, "dependency-groups").values():
        found += [item for item in group if isinstance(item, str)] if isinstance(group, list) \
            else []
    poetry = _table(_table(pyproject, "tool"), "poetry")
    found += list(_table(poetry, "dev-dependencies"))
    for group in _table(poetry, "group").values():
        if isinstance(group, dict):
            found += list(_table(group, "dependencies"))
    return found


def _upwards(folder: Path) -> Iterator[Path]:
    """``folder`` and its parents, up to the repository's top (a folder holding ``.git``)."""
    current = folder
    while True:
        yield current
        if (current / ".git").exists() or current.parent == current:
            return
        current = current.parent


def _read(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_CONFIG_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
