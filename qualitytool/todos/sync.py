"""Keep GitHub issues in step with the TODO comments, through PyGithub.

Identity is the item's fingerprint, stored in a hidden comment of the issue body; the issues
this tool owns are found by listing the repository's issues with the tool's labels (never
the search API, which lags and is rate-limited).  One run:

* lists the tool's issues (``state=all``, 100 per page),
* pairs them with the scanned items: same fingerprint (unchanged, even after edits above
  the comment or a move to another folder), else same text and enclosing def/class (file
  renamed: update), else same file, def/class and marker (text edited: update),
* creates an issue for each remaining selected item without an issue link (``TODO(#12)``
  is never duplicated), at most ``max_new``,
* closes the open issues whose item left the code, with a comment naming the commit.

The planning is :mod:`qualitytool.todos.sync_plan` (pure), the issue text
:mod:`qualitytool.todos.issue_text`, the GitHub client :mod:`qualitytool.todos.github_client`;
this module runs them in order.

Faults: reads are retried on 5xx and connection errors (urllib3 ``Retry`` through PyGithub);
writes are never retried blindly.  A create that failed with a 5xx or a broken connection
may still have created the issue, so the issues are listed again and the fingerprint looked
up before creating once more.  Rate limits (403/429 with ``Retry-After`` or
``X-RateLimit-Reset``) are waited out up to ``max_wait``; writes are spaced by
``write_pause`` seconds as GitHub asks for content creation.  The token is never part of a
message: errors are rebuilt from the status and GitHub's message, and scrubbed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from qualitytool.todos.github_client import IssueTracker, describe_error
from qualitytool.todos.issue_text import Location, closing_comment, issue_body, removal_commit
from qualitytool.todos.model import TodoItem
from qualitytool.todos.sync_options import SyncError, SyncOptions
from qualitytool.todos.sync_plan import Action, ExistingIssue, Plan, parse_meta, plan_sync

if TYPE_CHECKING:
    from qualitytool.todos.link import LinkResult

__all__ = [
    "Action", "ExistingIssue", "Plan", "SyncError", "SyncOptions", "SyncReport", "parse_meta",
    "plan_sync", "select", "sync",
]


@dataclass(frozen=True)
class SyncReport:
    plan: Plan
    done: list[Action]
    notes: list[str]
    links: list[LinkResult] = field(default_factory=list)
    # files or folders the scan could not read, one line each
    errors: list[str] = field(default_factory=list)


def select(options: SyncOptions) -> Callable[[TodoItem], bool]:
    def selected(item: TodoItem) -> bool:
        return (not options.categories or item.category in options.categories) and (
            not options.resolutions or item.resolution in options.resolutions
        )
    return selected


def sync(
    items: Sequence[TodoItem],
    options: SyncOptions,
    *,
    root: Path,
    scanned: Sequence[Path | str] = (),
    on_action: Callable[[Action], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    complete: bool = True,
) -> SyncReport:
    """Plan, and unless ``options.dry_run`` apply, the issue changes for ``items``, found
    by scanning the ``scanned`` paths (default: the whole work tree).  ``complete`` false
    (a file could not be read) closes nothing: a missing item may be in the unread file."""
    import requests

    tracker = IssueTracker(options, sleep=sleep)
    try:
        try:
            existing = tracker.list_issues()
        except requests.RequestException as exc:
            raise SyncError(describe_error(exc, options.token)) from None
        work_root, sha = _work_tree(root, options.sha)
        location = Location(work_root, options.server_url, options.repo, sha)
        # Paths in issues are relative to the repository, whatever the working directory.
        items = [replace(item, path=location.relative(item)) for item in items]
        plan = plan_sync(items, existing, repo=options.repo, selected=select(options),
                         max_new=options.max_new,
                         in_scope=_scope(work_root, scanned) if complete else lambda _: False)
        notes = []
        if plan.capped:
            notes.append(f"--max-new {options.max_new}: {plan.capped} item(s) left for a later run")
        if options.dry_run:
            return SyncReport(plan, [], notes)
        if plan.creates or plan.updates:
            tracker.ensure_labels(list(dict.fromkeys(
                label for a in [*plan.creates, *plan.updates] if a.item
                for label in options.labels_of(a.item))))
        done = []
        for action in plan.actions:
            try:
                result = _apply(tracker, action, location, options, work_root)
            except requests.RequestException as exc:
                raise SyncError(describe_error(exc, options.token)) from None
            done.append(result)
            if on_action is not None:
                on_action(result)
        links = _link(items, plan, done) if options.link else []
        return SyncReport(plan, done, notes, links)
    finally:
        tracker.close_connection()


def _apply(tracker: IssueTracker, action: Action, location: Location, options: SyncOptions,
           root: Path) -> Action:
    if action.kind == "create":
        assert action.item is not None
        number, outcome = tracker.create(
            action.title, issue_body(action.item, location), options.labels_of(action.item),
            action.item.fingerprint,
        )
        return replace(action, number=number, outcome=outcome)
    if action.kind == "update":
        assert action.item is not None and action.issue is not None
        tracker.update(action.issue, action.title, issue_body(action.item, location),
                       options.labels_of(action.item))
        return replace(action, outcome="updated")
    assert action.issue is not None
    commit = removal_commit(root, action.issue, location.sha)
    tracker.close(action.issue, closing_comment(action.issue, commit))
    return replace(action, outcome=f"closed (removed in {commit[:12]})")


def _link(items: Sequence[TodoItem], plan: Plan, done: Sequence[Action]) -> list[LinkResult]:
    from qualitytool.todos.link import link_items

    pairs = [(a.item, f"#{a.number}") for a in done if a.item is not None and a.number]
    pairs += [(i, f"#{plan.matched[i.fingerprint]}")
              for i in items if i.fingerprint in plan.matched]
    return link_items(pairs)


def _scope(work_root: Path, scanned: Sequence[Path | str]) -> Callable[[str], bool]:
    prefixes = []
    for path in scanned:
        try:
            relative = Path(path).resolve().relative_to(work_root).as_posix()
        except ValueError:
            continue
        if relative == ".":
            return lambda path: True
        prefixes.append(relative)
    if not scanned:
        return lambda path: True
    return lambda path: any(path == p or path.startswith(p + "/") for p in prefixes)


def _work_tree(root: Path, sha: str | None) -> tuple[Path, str]:
    """The git work tree containing ``root`` and the commit for permalinks."""
    try:
        import git

        repo = git.Repo(root, search_parent_directories=True)
        return Path(str(repo.working_tree_dir)).resolve(), sha or repo.head.commit.hexsha
    except Exception:  # noqa: BLE001 - no git, not a repository, no commit yet: plain links
        return root.resolve(), sha or "HEAD"
