"""The Jinja2 environment of every Markdown report: the user's templates first, then ours.

Templates live in ``reports/templates/`` (installed as ``qualitytool.templates``); a project
overrides any of them by file name from the folder named by ``templates-dir``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qualitytool.config import Config


def templates_dir_of(config: Config) -> Path | None:
    """The project's ``templates-dir`` (``~`` expanded, relative to the config root)."""
    configured = config.report.templates_dir
    if not configured:
        return None
    folder = Path(configured).expanduser()
    return folder if folder.is_absolute() else config.root / folder


def environment(
    templates_dir: Path | None = None, filters: Mapping[str, Callable[..., str]] | None = None
) -> Any:
    """A strict, non-escaping (Markdown, not HTML) environment with ``cell`` and ``filters``."""
    import jinja2

    loaders: list[Any] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.FunctionLoader(_shipped_template))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # nosec B701 - Markdown, not HTML
    )
    env.filters["cell"] = cell
    env.filters.update(filters or {})
    return env


def _shipped_template(name: str) -> str | None:
    from importlib import resources

    item = resources.files("qualitytool.templates").joinpath(name)
    return item.read_text(encoding="utf-8") if item.is_file() else None


def cell(value: Any) -> str:
    """Text safe inside a Markdown table cell."""
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
