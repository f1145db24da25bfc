"""The text of the issues ``todos sync`` writes: title, body with a permalink and the code
around the comment, and the comment that closes an issue (naming the removing commit)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from qualitytool.sources import read_text
from qualitytool.todos.model import TodoItem
from qualitytool.todos.sync_plan import ExistingIssue, meta_comment

_FENCE_LANGUAGE = {"python": "python", "javascript": "javascript", "typescript": "typescript",
                   "shell": "sh", "yaml": "yaml", "toml": "toml", "dockerfile": "dockerfile",
                   "sql": "sql", "html": "html", "css": "css", "scss": "scss"}


@dataclass(frozen=True)
class Location:
    """Where the repository is, to turn item paths into permalinks."""

    root: Path  # the git work tree (or the configuration root)
    server_url: str
    repo: str
    sha: str

    def relative(self, item: TodoItem) -> str:
        try:
            return Path(item.file).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return item.path

    def permalink(self, item: TodoItem) -> str:
        lines = f"L{item.line}" + (f"-L{item.end_line}" if item.end_line != item.line else "")
        return f"{self.server_url}/{self.repo}/blob/{self.sha}/{self.relative(item)}#{lines}"


def issue_body(item: TodoItem, location: Location) -> str:
    relative = location.relative(item)
    where = f" in `{item.context}`" if item.context else ""
    link = f"[`{relative}:{item.line}`]({location.permalink(item)})"
    parts = [
        f"`{item.marker}` comment at {link}{where}:",
        "",
        "> " + item.text.replace("\n", "\n> "),
        "",
    ]
    snippet = _surrounding_code(item)
    if snippet:
        fence = "````" if "```" in snippet else "```"
        parts += [f"{fence}{_FENCE_LANGUAGE.get(item.language, '')}", snippet, fence, ""]
    if item.uncertain:
        parts.append(f"- category: **uncertain**, a person decides: "
                     f"{' or '.join(item.likeliest[:2])} (confidence {item.confidence:.2f})")
    else:
        parts.append(f"- category: **{item.category}**")
    if item.security.flagged and not item.security.by_category:
        parts.append(f"- **may be about security**: {item.security.reason}")
    parts.append(f"- suggested resolution: **{item.resolution}**")
    if item.author:
        parts.append(f"- assigned in the comment to: {item.author}")
    if item.blame is not None:
        parts.append(
            f"- last changed by {item.blame.author} on {item.blame.date[:10]} "
            f"({item.blame.commit[:12]}), {item.blame.age_days} days ago"
        )
    parts += [
        "",
        ("Opened by `qualitytool todos sync`; it closes this issue when the comment is "
         f"removed. To keep the link, write `{item.marker}(#N): ...` in the code."),
        "",
        meta_comment(item),
    ]
    return "\n".join(parts) + "\n"


def _surrounding_code(item: TodoItem, context: int = 3) -> str:
    try:
        lines = read_text(item.file, "replace").splitlines()
    except OSError:
        return ""
    start = max(0, item.line - 1 - context)
    return "\n".join(lines[start: item.end_line + context]).rstrip()


def closing_comment(issue: ExistingIssue, commit: str) -> str:
    where = issue.meta.get("path", "the code")
    return (
        f"The `{issue.meta.get('marker', 'TODO')}` comment this issue tracked is no longer in "
        f"`{where}` as of commit {commit}; closing. (`qualitytool todos sync`)"
    )


def removal_commit(root: Path, issue: ExistingIssue, fallback: str) -> str:
    """The last commit that changed how often the item's text occurs in its file."""
    text = issue.meta.get("text", "")[:40]
    path = issue.meta.get("path", "")
    if not text or not path:
        return fallback
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%H", "-S", text, "--", path],
            cwd=root, capture_output=True, text=True, timeout=60, check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return fallback
    return out or fallback
