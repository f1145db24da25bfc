"""``qualitytool init --ci``: write the GitHub Actions workflows shipped as templates.

Every ``reports/templates/workflows/*.yml.j2`` becomes ``.github/workflows/*.yml``; adding a
workflow means adding a template, nothing else.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from packaging.specifiers import InvalidSpecifier, SpecifierSet

# The Pythons qualitytool is tested on: the workflows run on one of them.
TESTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
DEFAULT_PYTHON = "3.12"
DEFAULT_BRANCH = "main"


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


@dataclass(frozen=True)
class Chosen:
    """A value the workflows use, and where it came from (shown to the user)."""

    value: str
    source: str


def project_python(root: Path) -> Chosen:
    """The Python the workflows run: the newest of :data:`TESTED_PYTHONS` that the project's
    ``requires-python`` (``[project]`` of its pyproject.toml) admits -- its tests job installs
    and tests the project on it."""
    try:
        with (root / "pyproject.toml").open("rb") as file:
            project = tomllib.load(file).get("project")
    except (OSError, tomllib.TOMLDecodeError):
        return Chosen(DEFAULT_PYTHON, "the default: no readable pyproject.toml")
    requires = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(requires, str):
        return Chosen(DEFAULT_PYTHON, "the default: no requires-python in pyproject.toml")
    try:
        admitted = SpecifierSet(requires)
    except InvalidSpecifier:
        return Chosen(DEFAULT_PYTHON, f"the default: requires-python {requires!r} is not a "
                                      "version specifier")
    fitting = [version for version in TESTED_PYTHONS if admitted.contains(f"{version}.0")
               or admitted.contains(f"{version}.99")]
    if not fitting:
        return Chosen(DEFAULT_PYTHON, f"the default: requires-python {requires!r} admits "
                                      f"none of {', '.join(TESTED_PYTHONS)}")
    return Chosen(fitting[-1], f"requires-python {requires!r}")


def default_branch(root: Path) -> Chosen:
    """The branch the push triggers name: the remote's default branch (``origin/HEAD``),
    else the branch checked out, else ``main``."""
    for args, source in (
        (("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"), "origin/HEAD"),
        (("symbolic-ref", "--quiet", "--short", "HEAD"), "the branch checked out"),
    ):
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                  timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            break
        name = done.stdout.strip()
        if done.returncode == 0 and name:
            return Chosen(name.removeprefix("origin/"), source)
    return Chosen(DEFAULT_BRANCH, "the default: no git branch found")


# What an install line may hold: it goes between double quotes in a shell `run:` step, so
# no quote, backslash, `$`, backtick or newline (a requirement, a URL, a path).
_INSTALL_SPEC = re.compile(r"[A-Za-z0-9 ._\-\[\],=<>!~+:/@#%?&;*]+")


def install_spec_problem(spec: str) -> str | None:
    """Why ``spec`` cannot be what the workflows ``pip install``, or None."""
    if not _INSTALL_SPEC.fullmatch(spec):
        return (f"{spec!r} holds a character a shell would read inside double quotes "
                "(\", \\, $, ` or a newline): give a requirement, a URL or a path")
    return None


def default_install() -> Chosen:
    """What the workflows ``pip install``: this release from PyPI, with every extra."""
    from qualitytool import __version__

    return Chosen(f"qualitytool[all]=={__version__}",
                  "this release, from PyPI; until it is published there, pass --install")


@dataclass(frozen=True)
class CiSettings:
    """The values ``init --ci`` fills the workflow templates with."""

    branch: Chosen
    python: Chosen
    install: Chosen


def write_ci_workflows(
    root: Path,
    *,
    force: bool = False,
    default_branch: str = DEFAULT_BRANCH,
    python_version: str = DEFAULT_PYTHON,
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

    install_spec = install_spec or default_install().value
    problem = install_spec_problem(install_spec)
    if problem is not None:
        raise ValueError(problem)

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
