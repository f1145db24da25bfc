"""What the hierarchy holds: the base class, its families and their leaves, as plain data.

Built from ``[tool.qualitytool.exceptions.hierarchy]`` (or the defaults below) and read by the
writer (:mod:`qualitytool.scaffold.write`) and by ``fix-exceptions --ladder``/``--wrap``.
"""

from __future__ import annotations

import enum
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from qualitytool.config import (
    ExceptionFamily,
    HierarchyConfig,
    class_name_problem,
    dotted_name,
    module_path_problem,
)
from qualitytool.own_files import leads_out


class ScaffoldError(Exception):
    """A module path or class name the hierarchy cannot be written with; one line."""
from qualitytool.sources import read_text


class Framework(enum.Enum):
    """The web framework the handlers module is written for (NONE: no handlers module)."""

    FASTAPI = "fastapi"
    STARLETTE = "starlette"
    NONE = "none"


# The playbook's families: what goes wrong, the HTTP status, the concrete leaves.
DEFAULT_FAMILIES: tuple[ExceptionFamily, ...] = tuple(
    ExceptionFamily(name=name, status=status, description=description, leaves=leaves)
    for name, status, description, leaves in (
        ("AuthenticationError", 401, "The caller could not be authenticated",
         ("InvalidCredentialsError", "TokenExpiredError", "TokenInvalidError",
          "MissingCredentialsError")),
        ("AuthorizationError", 403, "The caller may not do this",
         ("PermissionDeniedError", "TenantAccessDeniedError", "InsufficientScopeError")),
        ("NotFoundError", 404, "What the request names does not exist",
         ("ResourceNotFoundError", "TenantNotFoundError")),
        ("InputValidationError", 422, "The request is well-formed but its content is invalid",
         ("MissingFieldError", "InvalidFieldValueError")),
        ("StorageError", 500, "Storing or reading data failed",
         ("FileSizeExceededError", "FileTypeNotAllowedError", "StorageQuotaExceededError",
          "StorageUnavailableError")),
        ("ExternalServiceError", 502, "A service this application depends on failed",
         ("StripePaymentError", "EmailDeliveryError", "ExternalServiceTimeoutError",
          "ExternalServiceUnavailableError")),
    )
)


@dataclass(frozen=True)
class ExceptionClass:
    """One class of the generated module."""

    name: str
    parent: str  # the base it derives from ("Exception" for the hierarchy's base)
    status: int
    error_code: str
    message: str
    doc: str


@dataclass(frozen=True)
class FamilySpec(ExceptionClass):
    leaves: tuple[ExceptionClass, ...] = ()


@dataclass(frozen=True)
class HierarchySpec:
    """The hierarchy of one project and where its modules go."""

    project: str
    base: ExceptionClass
    families: tuple[FamilySpec, ...]
    module_path: Path  # relative to the project root
    handlers_path: Path | None  # None when framework is NONE
    framework: Framework

    @property
    def module(self) -> str:
        """The hierarchy module's dotted name."""
        return dotted_name(self.module_path)

    @property
    def classes(self) -> tuple[ExceptionClass, ...]:
        """Every class, bases before subclasses."""
        found: list[ExceptionClass] = [self.base]
        for family in self.families:
            found.append(family)
            found.extend(family.leaves)
        return tuple(found)


def error_code(class_name: str) -> str:
    """``InvalidCredentialsError`` -> ``INVALID_CREDENTIALS``."""
    stem = class_name[: -len("Error")] if class_name.endswith("Error") and class_name != "Error" \
        else class_name
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|[0-9]|$)|[A-Z]?[a-z0-9]+|[A-Z]+", stem)
    return "_".join(w.upper() for w in words) or stem.upper()


def _sentence(class_name: str) -> str:
    """``InvalidCredentialsError`` -> ``Invalid credentials``."""
    words = error_code(class_name).lower().split("_")
    return " ".join(words).capitalize()


def project_name(root: Path) -> str:
    """``[project] name`` of the root's pyproject.toml, else the directory's name."""
    pyproject = root / "pyproject.toml"
    try:
        data = tomllib.loads(read_text(pyproject))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    name = data.get("project", {}).get("name") if isinstance(data.get("project"), dict) else None
    return name if isinstance(name, str) and name else root.resolve().name


def base_name_for(project: str) -> str:
    """``legacy_app`` -> ``LegacyAppError``; a name that is no identifier -> ``AppError``."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", project) if p]
    camel = "".join(p[:1].upper() + p[1:] for p in parts)
    if not camel or not camel[0].isalpha():
        camel = "App" + camel
    return camel if camel.endswith("Error") else camel + "Error"


_DEPENDENCY_FILES = ("pyproject.toml", "requirements.txt", "requirements.in", "setup.cfg",
                     "setup.py", "Pipfile")


def detect_framework(root: Path) -> Framework:
    """FastAPI or Starlette when the project's dependency files name it, else NONE."""
    texts = []
    for name in _DEPENDENCY_FILES:
        try:
            texts.append(read_text(root / name, "replace"))
        except OSError:
            continue
    declared = "\n".join(texts).lower()
    for framework in (Framework.FASTAPI, Framework.STARLETTE):
        if re.search(rf"(^|[\s\"'\[,]){framework.value}\b", declared):
            return framework
    return Framework.NONE


def build_spec(
    root: Path,
    config: HierarchyConfig,
    *,
    module: str | None = None,
    framework: str | None = None,
    base_name: str | None = None,
) -> HierarchySpec:
    """The hierarchy for the project at ``root``; arguments override the configuration.
    Raises :class:`ScaffoldError` for a module path that leaves the project or is not a
    Python module's, or a base name that is no class name (the configuration's are checked
    when it is read)."""
    project = project_name(root)
    base = base_name or config.base_name or base_name_for(project)
    problem = class_name_problem(base)
    if problem is not None:
        raise ScaffoldError(f"--base-name {base!r}: {problem}")
    for option, value in (("--module", module or config.module),
                          ("handlers-module", config.handlers_module)):
        if value is None:
            continue
        problem = module_path_problem(value) or leads_out(root, root / value)
        if problem is not None:
            raise ScaffoldError(f"{option} {value!r}: {problem}")
    chosen = framework or config.framework
    resolved = Framework(chosen) if chosen else detect_framework(root)
    module_path = Path(module or config.module)
    handlers_path: Path | None = None
    if resolved is not Framework.NONE:
        handlers_path = (
            Path(config.handlers_module) if config.handlers_module
            else module_path.with_name("exception_handlers.py")
        )
    families = []
    for family in config.families or DEFAULT_FAMILIES:
        leaves = tuple(
            ExceptionClass(
                name=leaf, parent=family.name, status=family.status, error_code=error_code(leaf),
                message=_sentence(leaf),
                doc=f"{_sentence(leaf)} (one of the {family.name}s, HTTP {family.status}).",
            )
            for leaf in family.leaves
        )
        description = family.description or _sentence(family.name)
        families.append(FamilySpec(
            name=family.name, parent=base, status=family.status,
            error_code=error_code(family.name), message=description,
            doc=f"{description} (HTTP {family.status}).", leaves=leaves,
        ))
    base_class = ExceptionClass(
        name=base, parent="Exception", status=500, error_code=error_code(base),
        message="Internal error", doc=f"Base class of the errors {project} raises on purpose.",
    )
    return HierarchySpec(
        project=project, base=base_class, families=tuple(families), module_path=module_path,
        handlers_path=handlers_path, framework=resolved,
    )
