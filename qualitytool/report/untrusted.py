"""``report --untrusted``: what in an analysed project could make the tools run its code, and
keeping it from running.

Without ``--untrusted`` the tools honour the project's configuration as they would on a
developer's machine (pylint's ``init-hook`` and ``load-plugins`` run, mypy loads its plugins,
``[tool.qualitytool.report] commands`` are the commands run).  With it, for a pull request from
a stranger, none of that runs and the report lists every setting it ignored:

- pylint's code-running settings are removed from whatever configuration file pylint reads,
  inside the pylint process (:func:`neutralise_pylint_config`, called by ``launch``);
- mypy and basedpyright are not run when their configuration loads plugins or names an
  interpreter to start (they have no switch to ignore those settings);
- the ``commands`` configured in the analysed repository are not used: the default tools run;
- ``conftest.py``, ``sitecustomize.py``, ``usercustomize.py`` and ``.pth`` files are listed:
  the report never runs tests, and it starts Python with the project off ``sys.path``
  (``launch.launch_command``), so they never run either way.
"""

from __future__ import annotations

import configparser
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualitytool.sources import read_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# pylint settings that import or execute code: the hook is exec'd, plugins are imported, and
# the extension settings let astroid import compiled modules to introspect them.
PYLINT_CODE_SETTINGS = frozenset({
    "init-hook", "load-plugins", "extension-pkg-allow-list", "extension-pkg-whitelist",
    "unsafe-load-any-extension",
})
# mypy imports its plugins and starts `python_executable` to find installed packages.
MYPY_CODE_SETTINGS = ("plugins", "python_executable")
# basedpyright/pyright start the interpreter these name to find installed packages.
PYRIGHT_CODE_SETTINGS = ("pythonPath", "venvPath", "venv")
# Python files that run when Python or pytest starts in the project.
STARTUP_FILES = ("conftest.py", "sitecustomize.py", "usercustomize.py")

_PYLINT_FILES = ("pylintrc", ".pylintrc", "pylintrc.toml", ".pylintrc.toml", "pyproject.toml",
                 "setup.cfg", "tox.ini")
_MYPY_FILES = ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg")


@dataclass(frozen=True)
class IgnoredSetting:
    """One thing in the analysed project that would run its code, and what --untrusted did."""

    tool: str  # whose setting: pylint, mypy, basedpyright, qualitytool, python/pytest
    source: str  # the file, relative to the project root
    setting: str  # the key, or the file's own name
    effect: str  # what the report did about it

    def describe(self) -> str:
        return f"{self.source}: {self.tool} `{self.setting}`: {self.effect}"


def code_running_settings(
    root: Path, configured_commands: Sequence[str] = (), startup_files: Iterable[Path] = ()
) -> tuple[IgnoredSetting, ...]:
    """Everything under ``root`` that would run the project's code if honoured.

    ``configured_commands`` are ``[tool.qualitytool.report] commands``; ``startup_files`` the
    project's files to look at for startup files (``conftest.py``, ``*.pth``...).
    """
    found: list[IgnoredSetting] = []
    for name in _PYLINT_FILES:
        for key in sorted(_pylint_keys(root / name) & PYLINT_CODE_SETTINGS):
            found.append(IgnoredSetting("pylint", name, key, "ignored (pylint ran without it)"))
    for name in _MYPY_FILES:
        for key in _mypy_keys(root / name):
            found.append(IgnoredSetting("mypy", name, key, "mypy not run"))
    for name, key in _pyright_keys(root):
        found.append(IgnoredSetting("basedpyright", name, key, "basedpyright not run"))
    for command in configured_commands:
        found.append(IgnoredSetting(
            "qualitytool", "pyproject.toml", f"commands: {command.partition('=')[0].strip()}",
            "ignored (the default command ran)",
        ))
    for path in startup_files:
        if path.name in STARTUP_FILES or path.suffix == ".pth":
            try:
                relative = path.resolve().relative_to(root).as_posix()
            except ValueError:
                relative = path.as_posix()
            found.append(IgnoredSetting(
                "python", relative, path.name,
                "not run (the report runs no tests and keeps the project off sys.path)",
            ))
    return tuple(found)


def blocked(settings: Iterable[IgnoredSetting], tool: str) -> str | None:
    """Why ``tool`` must not run under --untrusted, or None."""
    reasons = [f"{s.source} sets `{s.setting}`" for s in settings if s.tool == tool]
    if not reasons:
        return None
    return f"not run under --untrusted: {', '.join(reasons)} (it would run the project's code)"


def neutralise_pylint_config() -> None:
    """In a pylint process: drop :data:`PYLINT_CODE_SETTINGS` from every configuration file
    pylint reads, so neither the hook nor the plugins run.

    pylint reads every format (INI, TOML, setup.cfg, tox.ini) through one function; if a
    pylint version no longer has it, this refuses to let pylint start rather than run it
    unprotected.
    """
    try:
        from pylint.config.config_file_parser import _RawConfParser
    except ImportError as exc:
        raise SystemExit(f"qualitytool: cannot run this pylint under --untrusted: {exc}") from exc
    original = getattr(_RawConfParser, "parse_config_file", None)
    if original is None:
        raise SystemExit(
            "qualitytool: cannot run this pylint under --untrusted: it reads its configuration "
            "in a way qualitytool does not know how to make safe"
        )

    def parse_without_code(file_path: Any, verbose: bool) -> tuple[dict[str, str], list[str]]:
        content, options = original(file_path, verbose)
        kept = {k: v for k, v in content.items() if k not in PYLINT_CODE_SETTINGS}
        return kept, _without_options(options)

    _RawConfParser.parse_config_file = staticmethod(parse_without_code)  # type: ignore[method-assign]


def _without_options(options: list[str]) -> list[str]:
    """``["--key", value, "--key=value", ...]`` without the code-running keys."""
    kept: list[str] = []
    skip_value = False
    for item in options:
        if skip_value:
            skip_value = False
            continue
        if item.startswith("--"):
            name, sep, _ = item[2:].partition("=")
            if name in PYLINT_CODE_SETTINGS:
                skip_value = not sep
                continue
        kept.append(item)
    return kept


def _pylint_keys(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    if path.suffix == ".toml":
        table = _toml(path).get("tool", {}).get("pylint", {})
        keys: set[str] = set()
        if isinstance(table, dict):
            for key, value in table.items():
                keys.update(value if isinstance(value, dict) else {key})
        return keys
    parser = _ini(path)
    with_sections = path.name in ("setup.cfg", "tox.ini")
    return {
        key for section in parser.sections()
        if not with_sections or section.startswith("pylint")
        for key in parser[section]
    }


def _mypy_keys(path: Path) -> list[str]:
    if not path.is_file():
        return []
    if path.suffix == ".toml":
        table = _toml(path).get("tool", {}).get("mypy", {})
        present = set(table) if isinstance(table, dict) else set()
    else:
        parser = _ini(path)
        present = set(parser["mypy"]) if parser.has_section("mypy") else set()
    return [key for key in MYPY_CODE_SETTINGS if key in present]


def _pyright_keys(root: Path) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    tool = _toml(root / "pyproject.toml").get("tool", {})
    for table_name in ("basedpyright", "pyright"):
        table = tool.get(table_name) if isinstance(tool, dict) else None
        if isinstance(table, dict):
            found += [("pyproject.toml", k) for k in PYRIGHT_CODE_SETTINGS if k in table]
    try:
        data = json.loads(read_text(root / "pyrightconfig.json"))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict):
        found += [("pyrightconfig.json", k) for k in PYRIGHT_CODE_SETTINGS if k in data]
    return found


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_text(path))
    except (OSError, ValueError):
        return {}


def _ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(inline_comment_prefixes=("#", ";"), interpolation=None)
    try:
        parser.read_string(read_text(path).removeprefix("\ufeff"), str(path))
    except (configparser.Error, OSError, UnicodeDecodeError):
        pass
    return parser
