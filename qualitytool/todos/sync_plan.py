"""Planning a sync (pure): which issues to create, update and close so that they match the
scanned items.  Identity is the item's fingerprint, stored in a hidden comment of the issue
body; an issue whose item moved to another file, or whose text changed, is updated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualitytool.todos.model import TodoItem, normalise_text

META_PATTERN = re.compile(r"<!-- qualitytool-todo (\{.*?\}) -->", re.DOTALL)
_ISSUE_URL = re.compile(r"/([\w.-]+/[\w.-]+)/issues/(\d+)")


@dataclass(frozen=True)
class ExistingIssue:
    number: int
    title: str
    state: str
    meta: dict[str, str]
    handle: Any = field(default=None, compare=False, repr=False)  # the PyGithub Issue

    @property
    def fingerprint(self) -> str:
        return self.meta.get("fingerprint", "")


@dataclass(frozen=True)
class Action:
    """One step of the plan: ``create``, ``update`` or ``close`` (and what happened)."""

    kind: str
    title: str
    item: TodoItem | None = None
    issue: ExistingIssue | None = None
    reason: str = ""
    number: int | None = None  # the issue number once known
    outcome: str = ""  # "done", "adopted (created before a failed answer)", "failed: ..."

    def describe(self) -> str:
        """One line: ``create #12: title (path:line): reason [outcome]``."""
        number = f" #{self.number}" if self.number else ""
        where = f" ({self.item.path}:{self.item.line})" if self.item is not None else ""
        outcome = f" [{self.outcome}]" if self.outcome else ""
        reason = f": {self.reason}" if self.reason and self.kind != "create" else ""
        return f"{self.kind}{number}: {self.title}{where}{reason}{outcome}"


@dataclass(frozen=True)
class Plan:
    creates: list[Action]
    updates: list[Action]
    closes: list[Action]
    unchanged: int
    linked: int
    capped: int  # items not created because of max_new
    matched: dict[str, int] = field(default_factory=dict)  # fingerprint -> issue, unchanged

    @property
    def actions(self) -> list[Action]:
        return [*self.creates, *self.updates, *self.closes]


def issue_title(item: TodoItem, limit: int = 80) -> str:
    text = " ".join(item.text.split())
    title = f"{item.marker}: {text}" if text else f"{item.marker} in {Path(item.path).name}"
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _referenced_numbers(items: Sequence[TodoItem], repo: str) -> set[int]:
    numbers = set()
    for item in items:
        for ref in (item.issue_ref, item.link):
            if not ref:
                continue
            if ref.startswith("#"):
                numbers.add(int(ref[1:]))
            elif re.fullmatch(r"[\w.-]+/[\w.-]+#\d+", ref):
                owner_repo, number = ref.split("#")
                if owner_repo.lower() == repo.lower():
                    numbers.add(int(number))
            else:
                match = _ISSUE_URL.search(ref)
                if match and match[1].lower() == repo.lower():
                    numbers.add(int(match[2]))
    return numbers


def plan_sync(
    items: Sequence[TodoItem],
    existing: Sequence[ExistingIssue],
    *,
    repo: str,
    selected: Callable[[TodoItem], bool] = lambda item: True,
    max_new: int | None = None,
    in_scope: Callable[[str], bool] = lambda path: True,
) -> Plan:
    """What to create, update and close so that the issues match ``items``.

    Only issues whose recorded path ``in_scope`` accepts (under the scanned paths) can be
    closed: syncing ``app/`` must not close the issues of ``web/``.
    """
    by_fingerprint: dict[str, ExistingIssue] = {}
    for known in sorted(existing, key=lambda i: i.number):
        if known.fingerprint:
            by_fingerprint.setdefault(known.fingerprint, known)
    referenced = _referenced_numbers(items, repo)
    matched_numbers = set(referenced)
    unmatched_items: list[TodoItem] = []
    unchanged = linked = 0
    matched: dict[str, int] = {}
    for item in items:
        found = by_fingerprint.get(item.fingerprint)
        if item.issue:
            linked += 1
            if found is not None:
                matched_numbers.add(found.number)
            continue
        if found is not None:
            matched_numbers.add(found.number)
            matched[item.fingerprint] = found.number
            unchanged += 1
        else:
            unmatched_items.append(item)
    candidates = [
        i for i in sorted(existing, key=lambda i: i.number)
        if i.fingerprint and i.number not in matched_numbers and i.state == "open"
        and by_fingerprint.get(i.fingerprint) is i
    ]
    updates: list[Action] = []

    def pair(key: Callable[[Any], tuple[str, ...]], reason: str) -> None:
        nonlocal candidates, unmatched_items
        free: dict[tuple[str, ...], list[ExistingIssue]] = {}
        for issue in candidates:
            free.setdefault(key(issue.meta), []).append(issue)
        remaining = []
        for item in unmatched_items:
            options = free.get(key(_meta(item)))
            if options:
                issue = options.pop(0)
                updates.append(Action("update", issue_title(item), item, issue, reason,
                                      issue.number))
                candidates = [c for c in candidates if c is not issue]
            else:
                remaining.append(item)
        unmatched_items = remaining

    pair(lambda m: (m.get("context", ""), m.get("marker", ""), normalise_text(m.get("text", ""))),
         "moved to another file")
    pair(lambda m: (m.get("path", ""), m.get("context", ""), m.get("marker", "")), "text changed")
    to_create = [i for i in unmatched_items if selected(i)]
    capped = 0
    if max_new is not None and len(to_create) > max_new:
        capped = len(to_create) - max_new
        to_create = to_create[:max_new]
    creates = [Action("create", issue_title(item), item) for item in to_create]
    still_present = {i.fingerprint for i in unmatched_items}
    closes = [
        Action("close", issue.title, None, issue, "no longer in the code", issue.number)
        for issue in candidates
        if issue.fingerprint not in still_present and in_scope(issue.meta.get("path", ""))
    ]
    return Plan(creates, updates, closes, unchanged, linked, capped, matched)


def _meta(item: TodoItem) -> dict[str, str]:
    return {"fingerprint": item.fingerprint, "path": item.path, "context": item.context,
            "marker": item.marker, "text": item.text}


def parse_meta(body: str | None) -> dict[str, str]:
    match = META_PATTERN.search(body or "")
    if match is None:
        return {}
    try:
        data = json.loads(match[1])
    except ValueError:
        return {}
    return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def meta_comment(item: TodoItem) -> str:
    # "--" cannot appear inside an HTML comment; JSON's \u escape keeps it decodable.
    meta = json.dumps(_meta(item)).replace("--", "\\u002d\\u002d")
    return "<!-- qualitytool-todo " + meta + " -->"
