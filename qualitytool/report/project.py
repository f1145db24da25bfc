"""What the analysed project itself uses, read from its configuration files."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path
from typing import Any

from qualitytool.sources import read_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def pyproject_tool_table(root: Path, *keys: str) -> dict[str, Any] | None:
    """``[tool.<keys...>]`` of the project's pyproject.toml, or None."""
    try:
        data = tomllib.loads(read_text(root / "pyproject.toml"))
    except (OSError, ValueError):
        return None
    table: Any = data.get("tool", {})
    for key in keys:
        if not isinstance(table, dict) or key not in table:
            return None
        table = table[key]
    return table if isinstance(table, dict) else None


def has_ini_section(root: Path, filename: str, section: str) -> bool:
    parser = configparser.ConfigParser()
    try:
        parser.read_string(_text(root / filename), str(root / filename))
    except configparser.Error:
        return False
    return parser.has_section(section)


def uses(root: Path, tool: str, enabled: tuple[str, ...]) -> str | None:
    """Why ``tool`` runs on this project (its configuration), or None when it does not."""
    if tool in enabled:
        return "enabled in [tool.qualitytool.report]"
    checks = {
        "mypy": lambda: pyproject_tool_table(root, "mypy") is not None
        or (root / "mypy.ini").is_file() or (root / ".mypy.ini").is_file()
        or has_ini_section(root, "setup.cfg", "mypy"),
        "basedpyright": lambda: pyproject_tool_table(root, "basedpyright") is not None
        or pyproject_tool_table(root, "pyright") is not None
        or (root / "pyrightconfig.json").is_file(),
        "black": lambda: pyproject_tool_table(root, "black") is not None,
        "isort": lambda: pyproject_tool_table(root, "isort") is not None
        or (root / ".isort.cfg").is_file() or has_ini_section(root, "setup.cfg", "isort"),
        "ruff-format": lambda: pyproject_tool_table(root, "ruff", "format") is not None
        or "[format]" in _text(root / "ruff.toml"),
    }
    return "configured by the project" if checks[tool]() else None


def _text(path: Path) -> str:
    """The text of the project's file ``path``; empty when it cannot be read."""
    try:
        return read_text(path, "replace")
    except OSError:
        return ""
