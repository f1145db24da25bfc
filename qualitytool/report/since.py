"""``--since REF``: the lines changed since a git ref (new-code gates, as SonarQube does).

Changed means: added or modified in the working tree compared with ``REF`` (committed, staged
or not), plus every line of untracked files that git does not ignore.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from qualitytool.sources import read_bytes

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")


class SinceError(Exception):
    """The ref is unknown or the project is not in a git repository."""


def _git(root: Path, *args: str) -> str:
    try:
        completed = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise SinceError("--since needs git, which is not installed") from exc
    if completed.returncode != 0:
        raise SinceError(f"git {' '.join(args[:2])}: {completed.stderr.strip() or 'failed'}")
    return completed.stdout


def changed_lines(root: Path, ref: str) -> dict[str, frozenset[int]]:
    """Changed line numbers by file (posix, relative to ``root``), for files under ``root``."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip()).resolve()
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except SinceError as exc:
        raise SinceError(f"--since: unknown git ref {ref!r}") from exc
    diff = _git(root, "diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-renames",
                ref, "--", ".")
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = None if name == "/dev/null" else changed.setdefault(
                _relative(top / name.removeprefix("b/"), root), set()
            )
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match:
                start = int(match["start"])
                count = int(match["count"]) if match["count"] is not None else 1
                current.update(range(start, start + count))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--full-name", "--", ".")
    for name in untracked.splitlines():
        path = top / name
        try:
            count = len(read_bytes(path).splitlines())
        except OSError:
            continue
        changed.setdefault(_relative(path, root), set()).update(range(1, count + 1))
    return {path: frozenset(lines) for path, lines in sorted(changed.items()) if lines}


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
