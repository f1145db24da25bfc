"""Which files to analyse: include/exclude globs, ``.gitignore`` rules, tool folders skipped.

Patterns use gitignore semantics (pathspec), relative to the configuration root.  Explicit file
arguments are always analysed, whatever the patterns say, as in ruff and pylint.
"""

from __future__ import annotations

import fnmatch
import functools
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualitytool.config import Config
from qualitytool.listing_cache import list_folder

if TYPE_CHECKING:
    import pathspec

    from qualitytool.listing_cache import ListingCache

# Folders that never hold the project's own code.  Matched by name at any depth.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
        ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype",
        ".ruff_cache", ".svn", ".tox", ".venv", ".vscode", ".idea", "__pypackages__",
        "__pycache__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages",
        "venv", ".qualitytool", ".qualitytool-cache",
    }
)


class DiscoveryError(Exception):
    """A path given on the command line does not exist."""


def _spec(patterns: Iterable[str]) -> Patterns:
    return _cached_spec(tuple(patterns))


@functools.lru_cache(maxsize=64)
def _cached_spec(patterns: tuple[str, ...]) -> Patterns:
    return Patterns(patterns)


class Patterns:
    """Gitignore-style patterns, as :class:`pathspec.GitIgnoreSpec` matches them, with a quick
    "no pattern can match" first.

    pathspec tries each pattern in turn, in Python: with the hundred patterns of vendored
    code the TODO scan skips, that cost more than the rest of the scan.  One regular
    expression made of every pattern's own (the ``(?:.+/)?`` "at any depth" prefix they share
    factored out) finds, in one search, whether any pattern matches at all; most paths match
    none, and only the others are asked of pathspec, so every answer is pathspec's.  Its
    patterns are compiled when a path first needs them.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        # pathspec imported on first use: it costs more start-up than a small run takes.
        from pathspec.util import normalize_file

        self.lines = tuple(lines)
        self._spec: pathspec.PathSpec[Any] | None = None
        regexes = _translations(self.lines)
        self._any = None if regexes is None else _any_pattern(regexes)
        if self._any is None:  # pathspec's own compiled patterns, and its errors, at once
            regexes = _compiled_regexes(self.spec)
            self._any = None if regexes is None else _any_pattern(regexes)
        self._normalize = normalize_file  # as pathspec reads a path

    @property
    def spec(self) -> pathspec.PathSpec[Any]:
        """pathspec's :class:`~pathspec.GitIgnoreSpec` of the patterns."""
        if self._spec is None:
            import pathspec

            self._spec = pathspec.GitIgnoreSpec.from_lines(list(self.lines))
        return self._spec

    def match_file(self, path: str) -> bool:
        """Whether ``path`` (relative, "/"-separated) is matched, as pathspec says."""
        if self._any is not None and self._any.search(self._normalize(path)) is None:
            return False  # no pattern matches: pathspec would say False
        return self.spec.match_file(path)

    def might_match(self, path: str) -> bool:
        """False when no pattern can match ``path``, a path as pathspec reads one (relative,
        "/"-separated, no leading "./"): the walk's paths, tested without a call to
        pathspec per path."""
        return self._any is None or self._any.search(path) is not None


@functools.lru_cache(maxsize=1)
def _pattern_class() -> type[Any]:
    import pathspec

    return type(pathspec.GitIgnoreSpec.from_lines(["x"]).patterns[0])


def _translations(lines: Sequence[str]) -> list[str] | None:
    """The regular expression of each pattern that matches something, as pathspec's pattern
    class translates it (and compiles it, with no flag); None when the class does not
    translate or refuses a pattern (then pathspec says why)."""
    translate = getattr(_pattern_class(), "pattern_to_regex", None)
    if translate is None:
        return None
    regexes = []
    for line in lines:
        if not line:
            continue  # as GitIgnoreSpec.from_lines
        try:
            regex, include = translate(line)
        except ValueError:  # an invalid pattern: pathspec says so as it compiles them
            return None
        if include is not None:
            if not isinstance(regex, str):
                return None
            regexes.append(regex)
    return regexes


def _compiled_regexes(spec: pathspec.PathSpec[Any]) -> list[str] | None:
    regexes = []
    for pattern in spec.patterns:
        if getattr(pattern, "include", None) is None:
            continue  # a blank line or a comment: matches nothing
        regex = getattr(pattern, "regex", None)
        if (not isinstance(regex, re.Pattern) or not isinstance(regex.pattern, str)
                or regex.flags & ~re.UNICODE):
            return None
        regexes.append(regex.pattern)
    return regexes


_AT_ANY_DEPTH = "^(?:.+/)?"
_ANY_NAME = "[^/]*"
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_GROUP_REFERENCE = re.compile(r"\(\?P=|\(\?\(|\\[1-9]")


def _any_pattern(regexes: Sequence[str]) -> re.Pattern[str] | None:
    """One regex that matches every path one of ``regexes`` matches (and may match more), or
    None when one is not in the form this relies on."""
    anywhere, anchored, endings = [], [], []
    counter = itertools.count()
    renamed = 0
    for text in regexes:
        # Group numbers change in a joined regex: no reference to a group.
        if _GROUP_REFERENCE.search(text):
            return None
        # A name cannot repeat in one regex (pathspec names the group of a folder's "/"):
        # each gets its own, and the joined regex must then have as many named groups
        # (a "(?P<" that is not a group, in a set say, would make one fewer).
        groups = len(_NAMED_GROUP.findall(text))
        text = _NAMED_GROUP.sub(lambda _: f"(?P<g{next(counter)}>", text) if groups else text
        renamed += groups
        rest = text[len(_AT_ANY_DEPTH):]
        if text.startswith(_AT_ANY_DEPTH) and _splits_at_top_level(rest) is False:
            # A name's ending ("*.min.js"): one "[^/]*" for all of them, not a scan each.
            after = rest[len(_ANY_NAME):]
            if rest.startswith(_ANY_NAME) and after and after[0] not in "*+?{":
                endings.append(f"(?:{after})")
            else:
                anywhere.append(f"(?:{rest})")
        else:
            anchored.append(f"(?:{text})")
    if endings:
        anywhere.append(f"{_ANY_NAME}(?:{'|'.join(endings)})")
    if anywhere:
        anchored.append(f"{_AT_ANY_DEPTH}(?:{'|'.join(anywhere)})")
    if not anchored:
        return re.compile(r"(?!)")  # no pattern: nothing matches
    try:
        joined = re.compile("|".join(anchored))
    except re.error:  # a scoped flag the join moved, say: pathspec alone then
        return None
    return joined if len(joined.groupindex) == renamed else None


def _splits_at_top_level(regex: str) -> bool | None:
    """Whether ``regex`` has a "|" outside any group (then a prefix does not apply to each
    side), or None when it cannot tell (an unbalanced bracket or parenthesis)."""
    depth = 0
    index = 0
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":  # a set: "]" first (after an optional "^") is a member
            index += 2 if regex.startswith("[^", index) else 1
            if regex.startswith("]", index):
                index += 1
            while index < len(regex) and regex[index] != "]":
                index += 2 if regex[index] == "\\" else 1
            if index >= len(regex):
                return None
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char == "|" and depth == 0:
            return True
        index += 1
    return False if depth == 0 else None


_GLOB = re.compile(r"[*?\[\\]")


class _NameMatcher:
    """Include patterns; name-only globs (``*.py``, ``Dockerfile``) skip pathspec entirely."""

    def __init__(self, patterns: Sequence[str]) -> None:
        simple = [p for p in patterns if "/" not in p and not p.startswith("!")]
        self._regex = (
            re.compile("|".join(fnmatch.translate(p) for p in simple)) if simple else None
        )
        # The name-only patterns, for a caller that tries them before building a path.
        self.simple = self._regex
        # When every one is ``*.ext`` (the default ``*.py``, ``*.pyi``): the extensions, for
        # ``str.endswith``, twice as fast as the regular expression.
        extensions = [p[1:] for p in simple if p.startswith("*.") and not _GLOB.search(p[1:])]
        self.suffixes = tuple(extensions) if simple and len(extensions) == len(simple) else None
        rest = [p for p in patterns if p not in simple]
        self._spec = _spec(rest) if rest else None
        self.has_path_patterns = self._spec is not None

    def matches(self, name: str, relative: str) -> bool:
        if self._regex is not None and self._regex.match(name):
            return True
        return self._spec is not None and self._spec.match_file(relative)


def _read_gitignore(directory: Path) -> Patterns | None:
    gitignore = directory / ".gitignore"
    try:
        from qualitytool.sources import read_text  # only where there is a .gitignore

        text = read_text(gitignore, "replace")
    except OSError:
        return None
    return _spec(text.splitlines())


def _inherited_gitignores(directory: Path, top: Path) -> list[tuple[Path, Patterns]]:
    """The .gitignore files of ``directory``'s ancestors up to ``top`` (outermost first)."""
    found = []
    for ancestor in (directory, *directory.parents):
        spec = _read_gitignore(ancestor)
        if spec is not None:
            found.append((ancestor, spec))
        if ancestor == top or ancestor.parent == ancestor:
            break
    return list(reversed(found))


def _gitignore_top(start: Path) -> Path:
    """Where .gitignore lookup stops: the enclosing git work tree, or ``start`` itself."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def discover_files(
    paths: Sequence[Path | str],
    config: Config,
    include: Sequence[str] | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> list[Path]:
    """Files under ``paths`` to analyse (absolute), deterministic order, no duplicates."""
    return list(iter_files(paths, config, include, on_error))


def iter_files(
    paths: Sequence[Path | str],
    config: Config,
    include: Sequence[str] | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> Iterator[Path]:
    """:func:`discover_files` as a generator, so that work can start before the walk ends.

    Every path is checked to exist before the first file is yielded.  A folder that cannot
    be listed is skipped and ``on_error`` gets its path and one line saying so.
    """
    for name in iter_file_names(paths, config, include, on_error):
        yield Path(name)


def iter_file_names(
    paths: Sequence[Path | str],
    config: Config,
    include: Sequence[str] | None = None,
    on_error: Callable[[str, str], None] | None = None,
    listings: ListingCache | None = None,
    exclude: Sequence[str] = (),
    recursive: bool = True,
) -> Iterator[str]:
    """:func:`iter_files` as absolute path strings: building a ``Path`` per file costs more
    than a cache lookup that needs none.  ``listings`` reuses the listings of folders
    unchanged since an earlier run (the caller saves it).  ``exclude``: patterns excluded
    before the configuration's (``!pattern`` takes a path back).  A file named on the command
    line is analysed whatever the patterns say, unless the configuration's ``force-exclude``
    is set (as ruff's ``--force-exclude``, for pre-commit, which names every file).
    Without ``recursive``, only the files directly in the folders given."""
    for raw in paths:
        if not Path(raw).exists():
            raise DiscoveryError(f"{raw}: no such file or directory")
    include_spec = _NameMatcher(include if include is not None else config.include)
    patterns = [*exclude, *config.exclude, *config.extend_exclude]
    exclude_spec = _spec(patterns) if patterns else None
    seen: set[str] = set()
    for raw in paths:
        resolved = Path(raw).resolve()
        if resolved.is_file():
            name = str(resolved)
            if config.force_exclude and _force_excluded(name, config, exclude_spec):
                continue
            if name not in seen:
                seen.add(name)
                yield name
            continue
        walk = _walk(resolved, config, include_spec, exclude_spec, on_error, listings,
                     prune=not any(p.startswith("!") for p in patterns), recursive=recursive)
        if len(paths) == 1:  # one walk never gives a file twice
            yield from walk
            continue
        for name in walk:
            if name not in seen:
                seen.add(name)
                yield name


def _force_excluded(
    name: str, config: Config, exclude_spec: Patterns | None
) -> bool:
    """Whether a file named on the command line is excluded all the same: under a folder
    discovery never enters, or matched by the exclusion patterns."""
    relative = _relative_to_root(Path(name), config.root)
    if relative is None:
        return False
    folders = relative.split("/")[:-1]
    if any(f in DEFAULT_EXCLUDED_DIRS or f.endswith(".egg-info") for f in folders):
        return True
    return exclude_spec is not None and exclude_spec.match_file(relative)


def _relative_to_root(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def _walk(
    directory: Path,
    config: Config,
    include_spec: _NameMatcher,
    exclude_spec: Patterns | None,
    on_error: Callable[[str, str], None] | None = None,
    listings: ListingCache | None = None,
    prune: bool = True,
    recursive: bool = True,
) -> Iterator[str]:
    # Plain strings: pathlib objects per file cost more than the whole prefilter.
    use_gitignore = config.respect_gitignore
    top_dir = str(directory)
    root_prefix = str(config.root).rstrip(os.sep) + os.sep
    # Each directory's applicable .gitignore specs: its parent's plus its own.
    specs_of: dict[str, list[tuple[str, Patterns]]] = {}
    if use_gitignore:
        specs_of[top_dir] = [
            (str(base), spec)
            for base, spec in _inherited_gitignores(directory, _gitignore_top(directory))
        ]

    def rel_to_root(path: str) -> str | None:
        if path.startswith(root_prefix):
            return path[len(root_prefix) :].replace(os.sep, "/")
        return None

    def ignored(path: str, is_dir: bool, specs: list[tuple[str, Patterns]]) -> bool:
        suffix = "/" if is_dir else ""
        for base, spec in specs:
            relative = os.path.relpath(path, base).replace(os.sep, "/")
            if spec.match_file(relative + suffix):
                return True
        return False

    def unreadable(error: OSError) -> None:
        if on_error is not None:
            where = display_path(error.filename) if error.filename else top_dir
            on_error(where, f"{where}: cannot read folder: {error.strerror or error}")

    # Depth first, a folder's files before its subfolders, names sorted: os.walk's top-down
    # order.  Symlinked folders are not descended into (as os.walk).
    simple_names = include_spec.simple
    suffixes = include_spec.suffixes
    path_patterns = include_spec.has_path_patterns
    top_prefix = top_dir if top_dir.endswith(os.sep) else top_dir + os.sep
    pending = [top_dir]
    while pending:
        current = pending.pop()
        specs = specs_of.pop(current, [])
        try:
            if listings is not None:
                folders, filenames = listings.list(current)
            else:
                folders, filenames, _links = list_folder(current)
        except OSError as error:
            unreadable(error)
            continue
        if current != top_dir and "pyvenv.cfg" in filenames:
            continue  # a virtualenv: never the project's own code
        if use_gitignore and current != top_dir and ".gitignore" in filenames:
            own = _read_gitignore(Path(current))
            if own is not None:
                specs = specs + [(current, own)]
        prefix = current if current.endswith(os.sep) else current + os.sep
        relative_prefix = prefix[len(top_prefix) :].replace(os.sep, "/")
        root_relative = rel_to_root(prefix) if exclude_spec is not None else None
        for name in filenames:
            if suffixes is not None:
                hit = name.endswith(suffixes)
            else:
                hit = simple_names is not None and simple_names.match(name) is not None
            if not hit and not (
                path_patterns and include_spec.matches(name, relative_prefix + name)
            ):
                continue
            file = prefix + name
            if exclude_spec is not None and root_relative is not None:
                # No pattern can match most paths: one search of their joined regex says so.
                rel = root_relative + name
                if exclude_spec.might_match(rel) and exclude_spec.match_file(rel):
                    continue
            if use_gitignore and specs and ignored(file, False, specs):
                continue
            yield file
        if not recursive:
            break
        kept = []
        for name in folders:
            child = prefix + name
            if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info"):
                continue
            # An excluded folder is not entered, unless a "!pattern" may take back a file in it
            # (its files are then matched one by one).
            if prune and exclude_spec is not None and root_relative is not None:
                rel = root_relative + name + "/"
                if exclude_spec.might_match(rel) and exclude_spec.match_file(rel):
                    continue
            if use_gitignore:
                if specs and ignored(child, True, specs):
                    continue
                specs_of[child] = specs
            kept.append(child)
        pending.extend(reversed(kept))


def display_path(path: Path | str) -> str:
    """A path as users expect to read it: relative to the working directory when inside it.

    String operations only: it runs once per discovered file, and pathlib's parsing would
    cost more than the check itself on a large tree.
    """
    cwd = os.getcwd()
    text = os.path.normpath(os.path.join(cwd, os.fspath(path)))
    for base in (cwd, _resolved(cwd)):
        if text == base:
            return "."
        prefix = base if base.endswith(os.sep) else base + os.sep
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return text.replace(os.sep, "/")


@functools.lru_cache(maxsize=8)
def _resolved(directory: str) -> str:
    """``directory`` with symbolic links resolved, cached: it costs a call per component."""
    return os.path.realpath(directory)


def matches_any(path: Path | str, patterns: Sequence[str], root: Path) -> bool:
    """Whether ``path`` matches one of the gitignore-style ``patterns`` relative to ``root``."""
    if not patterns:
        return False
    rel = _relative_to_root(Path(path).absolute(), root)
    if rel is None:
        return False
    return _spec(patterns).match_file(rel)


def is_test_file(relative: str) -> bool:
    """Whether a project file is test code, by the layouts pytest and unittest use."""
    parts = relative.split("/")
    name = parts[-1]
    return (
        any(folder in ("tests", "test", "testing") for folder in parts[:-1])
        or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
    )
