"""Who wrote each TODO line and when, from ``git blame`` through GitPython: one blame per file.

Without git, outside a repository or in a shallow clone (where blame attributes old lines to
the clone's boundary commit) there is no blame and one note says why; never a crash.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from qualitytool.todos.model import Blame, TodoItem

SHALLOW_NOTE = (
    "blame skipped: {root} is a shallow clone, where git blame attributes old lines to the "
    "clone's first commit; check out the full history (actions/checkout with fetch-depth: 0)"
)
NO_GIT_NOTE = "blame skipped: git is not installed or not usable ({reason})"
NO_GITPYTHON_NOTE = ("blame skipped: GitPython is not installed (pip install "
                     "'qualitytool[todos]'; --no-blame says this is on purpose)")
NOT_A_REPO_NOTE = "blame skipped for {count} file(s) outside a git repository"


def blame_items(
    items: Sequence[TodoItem], now: dt.datetime | None = None
) -> tuple[list[TodoItem], list[str]]:
    """``items`` with their :class:`Blame` filled in where git can tell, and notes."""
    if not items:
        return list(items), []
    by_file: dict[str, list[TodoItem]] = defaultdict(list)
    for item in items:
        by_file[item.file].append(item)
    # Find the work trees by looking for ".git" (cheap), so that trees outside git never
    # pay for importing GitPython or starting git.
    roots: dict[str, str | None] = {}
    by_root: dict[str, list[str]] = defaultdict(list)
    outside = 0
    for file in by_file:
        root = _work_tree_of(os.path.dirname(file), roots)
        if root is None:
            outside += 1
        else:
            by_root[root].append(file)
    notes: list[str] = []
    blamed: dict[tuple[str, int], Blame] = {}
    if by_root:
        try:
            import git
        except ModuleNotFoundError as exc:
            if exc.name != "git":
                raise
            return list(items), [NO_GITPYTHON_NOTE]
        except ImportError as exc:  # GitPython cannot find the git executable
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return list(items), [NO_GIT_NOTE.format(reason=first_line)]
        now = now or dt.datetime.now(dt.timezone.utc)
        shallow_roots = []
        for root, files in sorted(by_root.items()):
            try:
                repo = git.Repo(root)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                outside += len(files)
                continue
            if _is_shallow(repo):
                shallow_roots.append(root)
                continue
            for file in files:
                lines = _blame_file(repo, Path(file).relative_to(root).as_posix(), now)
                for item in by_file[file]:
                    found = lines.get(item.line)
                    if found is not None:
                        blamed[(file, item.line)] = found
        notes = [SHALLOW_NOTE.format(root=root) for root in shallow_roots]
    if outside:
        notes.append(NOT_A_REPO_NOTE.format(count=outside))
    result = [
        replace(item, blame=blamed[(item.file, item.line)])
        if (item.file, item.line) in blamed else item
        for item in items
    ]
    return result, notes


def _work_tree_of(directory: str, cache: dict[str, str | None]) -> str | None:
    """The nearest ancestor of ``directory`` holding ``.git`` (a folder or a worktree file)."""
    seen = []
    current = directory
    while current not in cache:
        seen.append(current)
        if os.path.exists(os.path.join(current, ".git")):
            cache[current] = current
            break
        parent = os.path.dirname(current)
        if parent == current:
            cache[current] = None
            break
        current = parent
    for path in seen:
        cache[path] = cache[current]
    return cache[current]


def _is_shallow(repo: Any) -> bool:
    return Path(repo.common_dir, "shallow").exists()


def _blame_file(repo: Any, relative: str, now: dt.datetime) -> dict[int, Blame]:
    """Line number -> blame of the working-tree file (uncommitted lines have none)."""
    import git

    try:
        # rev=None blames the working tree, so line numbers match what was scanned.
        entries = repo.blame(None, relative)
    except git.GitCommandError:
        return {}  # not tracked, or git refused: no blame for this file
    result: dict[int, Blame] = {}
    line = 0
    for commit, lines in entries or []:
        blame = None
        if commit.hexsha.strip("0"):
            authored = commit.authored_datetime
            blame = Blame(
                author=str(commit.author.name),
                email=str(commit.author.email),
                commit=commit.hexsha,
                date=authored.isoformat(),
                age_days=max(0, (now - authored).days),
            )
        for _ in lines:
            line += 1
            if blame is not None:
                result[line] = blame
    return result
