"""``qualitytool init --ci``: write the GitHub Actions workflows shipped as templates.

Every ``reports/templates/workflows/*.yml.j2`` becomes ``.github/workflows/*.yml``; adding a
workflow means adding a template, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    action: str  # "created", "overwritten" or "kept (exists; use --force)"


def workflow_templates() -> dict[str, str]:
    """Workflow file name -> template text, in name order."""
    folder = resources.files("qualitytool.templates").joinpath("workflows")
    templates = {}
    for item in folder.iterdir():
        if item.name.endswith(".yml.j2"):
            templates[item.name.removesuffix(".j2")] = item.read_text(encoding="utf-8")
    return dict(sorted(templates.items()))


def write_ci_workflows(
    root: Path,
    *,
    force: bool = False,
    default_branch: str = "main",
    python_version: str = "3.12",
    install_spec: str | None = None,
    paths: str = ".",
    shards: int = 1,
    todos_max_new: int = 20,
) -> list[WrittenFile]:
    """Render every workflow template into ``root/.github/workflows``; with ``shards`` > 1
    the report runs as a matrix of that many jobs and a merge job.  The workflows install
    ``install_spec``, by default this release of qualitytool from PyPI with every extra; the
    weekly TODO sync creates at most ``todos_max_new`` issues a run (``todos sync --max-new``)."""
    import jinja2

    from qualitytool import __version__

    install_spec = install_spec or f"qualitytool[all]=={__version__}"

    target = root / ".github" / "workflows"
    target.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    written = []
    for name, text in workflow_templates().items():
        destination = target / name
        existed = destination.exists()
        if existed and not force:
            written.append(WrittenFile(destination, "kept (exists; use --force)"))
            continue
        rendered = env.from_string(text).render(
            default_branch=default_branch,
            python_version=python_version,
            install_spec=install_spec,
            paths=paths,
            shards=shards,
            todos_max_new=todos_max_new,
        )
        destination.write_text(rendered, encoding="utf-8")
        written.append(WrittenFile(destination, "overwritten" if existed else "created"))
    return written
