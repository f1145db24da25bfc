"""Which Python environment the analysed project runs in, found as mypy and pyright find it.

The order, first found wins:

1. ``[tool.qualitytool.exceptions] python``: an interpreter or an environment folder, relative
   to the configuration file;
2. mypy's ``python_executable`` (``[tool.mypy]`` in pyproject.toml, or ``mypy.ini``);
3. pyright's ``venvPath`` + ``venv`` (``[tool.pyright]``, or ``pyrightconfig.json``);
4. the active virtualenv (``VIRTUAL_ENV``), unless it is the one running qualitytool and the
   project has a virtualenv of its own;
5. ``.venv/``, ``venv/`` or ``env/`` in the project (from the analysed folder up to the
   project's top: the first folder holding ``pyproject.toml``, ``setup.py``, ``setup.cfg``
   or ``.git``);
6. the interpreter running qualitytool, when it lives inside the project.

Its ``site-packages`` are found without running the interpreter (analysing never runs the
project's code, and the environment may be of another Python version than ours): from
``pyvenv.cfg`` and the ``lib/python3.*/site-packages`` folders.  Read-only: nothing here
writes or imports anything.
"""

from __future__ import annotations

import configparser
import enum
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualitytool.config import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Folder names a project keeps its virtualenv under, in the order mypy and pyright users do.
PROJECT_VENV_NAMES = (".venv", "venv", "env")
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_VERSION = re.compile(r"(\d+)\.(\d+)")
_LIB_VERSION = re.compile(r"^(?:python|pypy)(\d+)\.(\d+)t?$")
# A configuration file of another tool is read only when it is this small.
_MAX_CONFIG_BYTES = 1 << 20


class EnvironmentNotFound(ConfigError):
    """The configured environment (``[tool.qualitytool.exceptions] python``) does not exist."""


class EnvironmentSource(enum.Enum):
    """How the environment was found."""

    CONFIGURED = "[tool.qualitytool.exceptions] python"
    MYPY = "mypy's python_executable"
    PYRIGHT = "pyright's venvPath and venv"
    ACTIVE = "the active virtualenv (VIRTUAL_ENV)"
    PROJECT = "the project's virtualenv"
    RUNNING = "the interpreter running qualitytool"


@dataclass(frozen=True)
class PythonEnvironment:
    """An installed Python environment: where it is, its site-packages, its version."""

    prefix: Path
    site_packages: tuple[Path, ...]
    version: tuple[int, int] | None
    source: EnvironmentSource

    def describe(self) -> str:
        version = ".".join(map(str, self.version)) if self.version else "unknown version"
        return f"{self.prefix} (Python {version}; {self.source.value})"


def find_environment(
    root: Path,
    configured: str | None = None,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> PythonEnvironment | None:
    """The environment of the project analysed from ``root`` (see the module docstring), or
    None when there is none to be found.

    ``configured`` is the ``python`` key of ``config_file``; it must name an environment
    (:class:`EnvironmentNotFound` otherwise: a usage error, as a wrong key type is).
    """
    environ = os.environ if environ is None else environ
    if configured:
        base = config_file.parent if config_file is not None else root
        found = environment_at(base / Path(configured).expanduser(), EnvironmentSource.CONFIGURED)
        if found is None:
            where = f"{config_file}: " if config_file is not None else ""
            raise EnvironmentNotFound(
                f"{where}[tool.qualitytool.exceptions] python = {configured!r}: no Python "
                "environment there (give an interpreter or a virtualenv folder)"
            )
        return found
    top = project_top(root)
    for candidate in _configured_by_other_tools(top):
        if candidate is not None:
            return candidate
    own = _project_venv(root, top)
    active = environ.get("VIRTUAL_ENV")
    if active:
        found = environment_at(Path(active), EnvironmentSource.ACTIVE)
        if found is not None and not (own is not None and _is_running(found)):
            return found
    if own is not None:
        return own
    running = environment_at(Path(sys.prefix), EnvironmentSource.RUNNING)
    if running is not None and sys.prefix != sys.base_prefix and _inside(Path(sys.prefix), top):
        return running
    return None


def project_top(root: Path) -> Path:
    """The first folder from ``root`` up that holds a project marker (``root`` if none)."""
    root = root.resolve()
    for directory in (root, *root.parents):
        if any((directory / marker).exists() for marker in _PROJECT_MARKERS):
            return directory
    return root


def environment_at(path: Path, source: EnvironmentSource) -> PythonEnvironment | None:
    """The environment of an interpreter (``.venv/bin/python``) or an environment folder."""
    path = Path(os.path.abspath(path))  # ``..`` resolved, links kept (a venv's python is one)
    try:
        if path.is_file() or (not path.exists() and path.parent.is_dir()):
            return _environment_of_interpreter(path, source)
        if path.is_dir():
            return _environment_of_prefix(path, source)
    except OSError:
        return None
    return None


def _environment_of_interpreter(
    interpreter: Path, source: EnvironmentSource
) -> PythonEnvironment | None:
    # A virtualenv's interpreter is a link to the base one: its folder, not its target, says
    # which environment it is (bin/ on POSIX, Scripts/ on Windows, the folder itself for
    # some Windows installs).
    folder = interpreter.parent
    for prefix in (folder.parent, folder):
        if (prefix / "pyvenv.cfg").is_file():
            return _environment_of_prefix(prefix, source)
    resolved = interpreter.resolve()
    match = _LIB_VERSION.match(resolved.name.removesuffix(".exe"))
    version = (int(match[1]), int(match[2])) if match else None
    for prefix in (resolved.parent.parent, resolved.parent):
        found = _environment_of_prefix(prefix, source, version)
        if found is not None:
            return found
    return None


def _environment_of_prefix(
    prefix: Path, source: EnvironmentSource, version: tuple[int, int] | None = None
) -> PythonEnvironment | None:
    config = _pyvenv_cfg(prefix)
    if version is None:
        raw = config.get("version_info") or config.get("version") or ""
        match = _VERSION.match(raw)
        version = (int(match[1]), int(match[2])) if match else None
    found = site_packages_of(prefix, version)
    if config.get("include-system-site-packages", "").lower() == "true" and config.get("home"):
        base = Path(config["home"])
        for base_prefix in (base.parent, base):
            extra = site_packages_of(base_prefix, version)
            if extra:
                found = (*found, *(p for p in extra if p not in found))
                break
    if not found:
        return None
    if version is None:
        version = _version_from_paths(found)
    return PythonEnvironment(prefix.absolute(), found, version, source)


def site_packages_of(prefix: Path, version: tuple[int, int] | None = None) -> tuple[Path, ...]:
    """The site-packages folders of an installation prefix, found as files (POSIX
    ``lib/python3.X/site-packages``, Debian's ``dist-packages``, Windows ``Lib``)."""
    wanted = f"{version[0]}.{version[1]}" if version else "3.*"
    patterns = (
        f"lib/python{wanted}/site-packages", f"lib/python{wanted}t/site-packages",
        f"lib/pypy{wanted}/site-packages", "Lib/site-packages",
        f"lib/python{wanted}/dist-packages", "lib/python3/dist-packages",
        f"local/lib/python{wanted}/dist-packages",
    )
    found: dict[Path, None] = {}
    for pattern in patterns:
        try:
            for path in sorted(prefix.glob(pattern)):
                if path.is_dir():
                    found[path] = None
        except OSError:
            continue
    return tuple(found)


def _version_from_paths(paths: tuple[Path, ...]) -> tuple[int, int] | None:
    for path in paths:
        match = _LIB_VERSION.match(path.parent.name)
        if match:
            return int(match[1]), int(match[2])
    return None


def _pyvenv_cfg(prefix: Path) -> dict[str, str]:
    """``pyvenv.cfg``'s ``key = value`` lines (empty when there is none)."""
    try:
        text = (prefix / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    values: dict[str, str] = {}
    for line in text[:_MAX_CONFIG_BYTES].splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


def _project_venv(root: Path, top: Path) -> PythonEnvironment | None:
    root = root.resolve()
    for directory in (root, *root.parents):
        for name in PROJECT_VENV_NAMES:
            candidate = directory / name
            if candidate.is_dir():  # pyvenv.cfg or not (conda, a copied tree)
                found = environment_at(candidate, EnvironmentSource.PROJECT)
                if found is not None:
                    return found
        if directory == top:
            break
    return None


def _configured_by_other_tools(top: Path) -> Iterator[PythonEnvironment | None]:
    """mypy's then pyright's configured environment, lazily (each read only if needed)."""
    pyproject = _read_toml(top / "pyproject.toml")
    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    mypy = tool.get("mypy", {})
    executable = mypy.get("python_executable") if isinstance(mypy, dict) else None
    if not isinstance(executable, str):
        executable = _mypy_ini_executable(top)
    if isinstance(executable, str) and executable:
        yield environment_at(top / Path(executable).expanduser(), EnvironmentSource.MYPY)
    pyright = tool.get("pyright")
    if not isinstance(pyright, dict):
        pyright = _read_json(top / "pyrightconfig.json")
    venv_path, venv = pyright.get("venvPath"), pyright.get("venv")
    if isinstance(venv, str) and venv:
        base = top / Path(venv_path).expanduser() if isinstance(venv_path, str) else top
        yield environment_at(base / venv, EnvironmentSource.PYRIGHT)


def _mypy_ini_executable(top: Path) -> str | None:
    for name in ("mypy.ini", ".mypy.ini", "setup.cfg"):
        path = top / name
        try:
            if not path.is_file() or path.stat().st_size > _MAX_CONFIG_BYTES:
                continue
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, configparser.Error):
            continue
        if parser.has_option("mypy", "python_executable"):
            return parser.get("mypy", "python_executable")
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_CONFIG_BYTES:
            return {}
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_CONFIG_BYTES:
            return {}
        # pyright's file allows comments and trailing commas: drop whole-line comments.
        text = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("//")
        )
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_running(environment: PythonEnvironment) -> bool:
    try:
        return environment.prefix.resolve() == Path(sys.prefix).resolve()
    except OSError:
        return False


def _inside(path: Path, top: Path) -> bool:
    try:
        path.resolve().relative_to(top.resolve())
    except (ValueError, OSError):
        return False
    return True
