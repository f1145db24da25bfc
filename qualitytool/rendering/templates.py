"""The Jinja2 environment of every Markdown report: the user's templates first, then ours.

Templates live in ``reports/templates/`` (installed as ``qualitytool.templates``); a project
overrides any of them by file name from the folder named by ``templates-dir``.  A project's
template is code from the analysed repository, so every template renders in Jinja2's sandbox:
it sees the values it is given and cannot reach ``os``, the environment or private attributes.
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


class TemplateRenderError(Exception):
    """A report template could not be rendered (syntax error, unknown name, or something the
    sandbox forbids); the message names the template."""


def render_template(env: Any, name: str, context: Mapping[str, Any]) -> str:
    """``name`` rendered with ``context``; any template failure is a TemplateRenderError."""
    import jinja2
    from jinja2.exceptions import SecurityError

    try:
        return str(env.get_template(name).render(**context))
    except SecurityError as exc:
        raise TemplateRenderError(f"template {name}: forbidden by the sandbox: {exc}") from exc
    except jinja2.TemplateError as exc:
        where = f" line {exc.lineno}" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise TemplateRenderError(f"template {name}{where}: {type(exc).__name__}: {exc}") from exc


def environment(
    templates_dir: Path | None = None, filters: Mapping[str, Callable[..., str]] | None = None
) -> Any:
    """A sandboxed, strict, non-escaping (Markdown, not HTML) environment with ``cell`` and
    ``filters``."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    loaders: list[Any] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.FunctionLoader(_shipped_template))
    env = SandboxedEnvironment(
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
