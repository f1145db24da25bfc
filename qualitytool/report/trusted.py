"""``report --untrusted``: the configuration that decides what is analysed and how it is
judged comes from a trusted source, never from the checkout being analysed.

A pull request can change its own ``pyproject.toml``: ``include = []`` analyses nothing,
``[tool.qualitytool.gates] pylint-score-min = 0`` passes anything, ``[tool.pylint]
disable = "all"`` scores 10.  So under ``--untrusted`` the checkout's configuration files are
not read at all; the settings of qualitytool, pylint and bandit come from:

- ``--trusted-ref REF``: the files as committed at ``REF`` (the base branch:
  ``origin/main``), read with ``git show``: the ``pyproject.toml`` that configures the
  analysed path there, and the pylint configuration file pylint would read there;
- ``--trusted-config FILE``: that ``pyproject.toml`` (its ``[tool.qualitytool]``,
  ``[tool.pylint]`` and ``[tool.bandit]``);
- neither: the defaults (with a warning), never the checkout's.

The files from ``REF`` are copied into a temporary folder for pylint (``--rcfile``) and bandit
(``-c``); paths in the trusted ``[tool.qualitytool]`` are relative to the checkout's matching
folder.  The checkout's ``.gitignore`` files are not read either (one could hide a file of the
pull request): every file is analysed but those the default exclusions (virtualenvs,
``build``, ``.git``...) and the trusted ``exclude`` patterns leave out.  What the checkout
configures is listed as ignored in the report.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qualitytool.config import Config, ConfigError, check_paths_inside, load_config_file
from qualitytool.report.untrusted import IgnoredSetting

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# The files pylint reads its configuration from, in the order it looks for them in a folder
# (pylint.config.find_default_config_files); pyproject.toml, setup.cfg and tox.ini only when
# they hold a pylint section.
PYLINT_FILES = ("pylintrc", "pylintrc.toml", ".pylintrc", ".pylintrc.toml", "pyproject.toml",
                "setup.cfg", "tox.ini")
_LIMIT = 16 << 20  # a configuration file
_NO_SOURCE = ("--untrusted without --trusted-ref or --trusted-config: the checkout's "
              "configuration is not read, the defaults apply")


class TrustError(Exception):
    """The trusted configuration cannot be read (an unknown ref, a file that is not one)."""


@dataclass(frozen=True)
class TrustedSettings:
    """The configuration of an ``--untrusted`` run, and the tools' configuration files."""

    config: Config
    origin: str  # where it came from, for people: "origin/main:pyproject.toml", "defaults"
    pylint_rcfile: Path  # what pylint reads (an empty file: pylint's defaults)
    bandit_config: Path | None  # a pyproject.toml with [tool.bandit], or None
    warnings: tuple[str, ...] = ()


@contextmanager
def trusted_settings(
    path: Path, *, config_file: Path | None = None, ref: str | None = None
) -> Iterator[TrustedSettings]:
    """The settings of an ``--untrusted`` run over ``path`` (see the module's docstring);
    the tools' files live in a temporary folder until the ``with`` block ends.  Raises
    :class:`TrustError` or ``ConfigError``."""
    if config_file is not None and ref is not None:
        raise TrustError("--trusted-config and --trusted-ref: give one of them")
    if config_file is not None:
        _refuse_checkout_file(config_file, path)
    folder = Path(tempfile.mkdtemp(prefix="qualitytool-trusted-"))
    try:
        yield _settings(path.resolve(), folder, config_file, ref)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _settings(
    path: Path, folder: Path, config_file: Path | None, ref: str | None
) -> TrustedSettings:
    start = path if path.is_dir() else path.parent
    root = start  # never decided by the checkout's files
    warnings: tuple[str, ...] = ()
    pyproject_text: str | None = None
    pylint_file: tuple[str, str] | None = None  # (name, text)
    if ref is not None:
        top = _git_top(start)
        found = _configured_folder(top, start, ref)
        if found is None:
            origin = f"the defaults ({ref} configures no [tool.qualitytool] here)"
        else:
            root, pyproject_text = found
            origin = f"{ref}:{_relative(root / 'pyproject.toml', top)}"
        pylint_file = _pylint_file_at(top, root, ref)
    elif config_file is not None:
        pyproject_text, origin = _read(config_file), str(config_file)
        if _has_table(pyproject_text, "pylint"):
            pylint_file = ("pyproject.toml", pyproject_text)
    else:
        origin = "the defaults"
        warnings = (_NO_SOURCE,)
    config = Config(root=root)
    bandit: Path | None = None
    if pyproject_text is not None:
        pyproject = folder / "pyproject.toml"
        pyproject.write_text(pyproject_text, encoding="utf-8")
        try:
            loaded = load_config_file(pyproject)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(str(pyproject), origin)) from exc
        config = dataclasses.replace(loaded, root=root, source=None, warnings=tuple(
            w.replace(str(pyproject), origin) for w in loaded.warnings))
        check_paths_inside(config, Path(origin))
        if _has_table(pyproject_text, "bandit"):
            bandit = pyproject
    # The checkout's .gitignore files are its own too: one listing a file of the pull request
    # would hide it from the report.  Whatever git tracks is analysed.
    config = dataclasses.replace(config, respect_gitignore=False)
    pylint_folder = folder / "pylint"
    pylint_folder.mkdir()
    name, text = pylint_file if pylint_file is not None else ("pylintrc", "")
    rcfile = pylint_folder / name  # its name tells pylint its format
    rcfile.write_text(text, encoding="utf-8")
    return TrustedSettings(
        config=config, origin=origin, pylint_rcfile=rcfile, bandit_config=bandit,
        warnings=warnings,
    )


def not_read(
    root: Path, origin: str, *, gitignore: bool = False
) -> tuple[IgnoredSetting, ...]:
    """The checkout's own configuration files, none of which an ``--untrusted`` run reads
    (``origin``: what applies instead; ``gitignore``: its .gitignore files are read)."""
    effect = f"not read ({origin} applies)"
    found = []
    pyproject = root / "pyproject.toml"
    text = _text_or_empty(pyproject)
    if _has_table(text, "qualitytool"):
        found.append(IgnoredSetting("qualitytool", "pyproject.toml", "[tool.qualitytool]", effect))
    for name in PYLINT_FILES:
        if (root / name).is_file() and _configures_pylint(name, _text_or_empty(root / name)):
            found.append(IgnoredSetting("pylint", name, "configuration", effect))
    if _has_table(text, "bandit"):
        found.append(IgnoredSetting("bandit", "pyproject.toml", "[tool.bandit]", effect))
    if not gitignore and (root / ".gitignore").is_file():
        found.append(IgnoredSetting("qualitytool", ".gitignore", "ignored files",
                                    "not read (every file is analysed but the default "
                                    "exclusions and the trusted exclude patterns)"))
    return tuple(found)


def _git(top: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=top, capture_output=True, timeout=120,
                              check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise TrustError(f"--trusted-ref needs git: {exc}") from exc


def _git_top(start: Path) -> Path:
    done = _git(start, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise TrustError(f"--trusted-ref: {start} is not in a git repository")
    return Path(done.stdout.decode("utf-8", "surrogateescape").strip()).resolve()


def _show(top: Path, ref: str, relative: str) -> str | None:
    """The text of ``relative`` as committed at ``ref``, or None when it has no such file."""
    done = _git(top, "cat-file", "-e", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise TrustError(f"--trusted-ref: unknown git ref {ref!r}")
    shown = _git(top, "show", f"{ref}:{relative}")
    if shown.returncode != 0:
        return None
    if len(shown.stdout) > _LIMIT:
        raise TrustError(f"--trusted-ref: {ref}:{relative} is larger than {_LIMIT >> 20} MB")
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TrustError(f"--trusted-ref: {ref}:{relative} is not UTF-8") from exc


def _configured_folder(top: Path, start: Path, ref: str) -> tuple[Path, str] | None:
    """The folder (walking up from ``start`` to the work tree's top) whose pyproject.toml at
    ``ref`` has a ``[tool.qualitytool]`` table, with that file's text."""
    for folder in (start, *start.parents):
        if folder != top and top not in folder.parents:
            break
        text = _show(top, ref, _relative(folder / "pyproject.toml", top))
        if text is not None and _has_table(text, "qualitytool"):
            return folder, text
    return None


def _pylint_file_at(top: Path, root: Path, ref: str) -> tuple[str, str] | None:
    """The configuration file pylint would read in ``root`` at ``ref``: (name, text)."""
    for name in PYLINT_FILES:
        text = _show(top, ref, _relative(root / name, top))
        if text is not None and _configures_pylint(name, text):
            return name, text
    return None


def _configures_pylint(name: str, text: str) -> bool:
    if name == "pyproject.toml":
        return _has_table(text, "pylint")
    if name in ("setup.cfg", "tox.ini"):
        return "[pylint." in text
    return True


def _relative(path: Path, top: Path) -> str:
    return path.relative_to(top).as_posix()


def _refuse_checkout_file(config_file: Path, path: Path) -> None:
    """A trusted configuration file is not one the analysed checkout brings."""
    from qualitytool.own_files import tracked_by_git

    inside = path.resolve() if path.is_dir() else path.resolve().parent
    target = config_file.resolve()
    if (inside == target.parent or inside in target.parents) and tracked_by_git(target):
        raise TrustError(f"--trusted-config {config_file}: a file of the checkout being "
                         "analysed (git tracks it) is not a trusted configuration; use "
                         "--trusted-ref with the base branch, or a file from outside")


def _read(path: Path) -> str:
    from qualitytool.sources import read_text

    try:
        return read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise TrustError(f"--trusted-config {path}: cannot read: {exc}") from exc


def _text_or_empty(path: Path) -> str:
    from qualitytool.sources import read_text

    try:
        return read_text(path, "replace")
    except OSError:
        return ""


def _has_table(text: str | None, tool: str) -> bool:
    if not text:
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    tables = data.get("tool")
    return isinstance(tables, dict) and tool in tables

