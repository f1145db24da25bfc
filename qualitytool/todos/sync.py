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

Faults: reads are retried on 5xx and connection errors (urllib3 ``Retry`` through PyGithub);
writes are never retried blindly.  A create that failed with a 5xx or a broken connection
may still have created the issue, so the issues are listed again and the fingerprint looked
up before creating once more.  Rate limits (403/429 with ``Retry-After`` or
``X-RateLimit-Reset``) are waited out up to ``max_wait``; writes are spaced by
``write_pause`` seconds as GitHub asks for content creation.  The token is never part of a
message: errors are rebuilt from the status and GitHub's message, and scrubbed.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualitytool.todos.model import TodoItem, normalise_text

if TYPE_CHECKING:
    from qualitytool.todos.link import LinkResult

META_PATTERN = re.compile(r"<!-- qualitytool-todo (\{.*?\}) -->", re.DOTALL)
_ISSUE_URL = re.compile(r"/([\w.-]+/[\w.-]+)/issues/(\d+)")


class SyncError(Exception):
    """The sync cannot go on (bad credentials, unknown repository, rate limit too long).

    ``status`` is GitHub's HTTP status when it answered; the message never holds the token.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SyncOptions:
    """Where and how to sync; ``from_env`` reads the GitHub Actions variables."""

    repo: str
    token: str = field(repr=False)
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    sha: str | None = None
    dry_run: bool = False
    max_new: int | None = None
    categories: tuple[str, ...] = ()
    resolutions: tuple[str, ...] = ()
    labels: tuple[str, ...] = ("technical-debt", "todo")
    # GitHub asks integrators to space content-creating requests (about one a second).
    write_pause: float = 1.0
    # Longest rate-limit wait before giving up (the next scheduled run carries on).
    max_wait: float = 900.0
    timeout: float = 30.0
    read_retries: int = 3
    retry_backoff: float = 1.0
    # Rewrite each synced comment to reference its issue (marker(#123): text).
    link: bool = False

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        repo: str | None = None,
        api_url: str | None = None,
        **overrides: Any,
    ) -> SyncOptions:
        """Options from ``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``, ``GITHUB_API_URL``,
        ``GITHUB_SERVER_URL`` and ``GITHUB_SHA``; ``repo`` and ``api_url`` override them."""
        env = os.environ if env is None else env
        repo = repo or env.get("GITHUB_REPOSITORY")
        if not repo or not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            raise SyncError(
                "no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY"
                if not repo else f"--repo must look like OWNER/NAME, got {repo!r}"
            )
        token = env.get("GITHUB_TOKEN", "")
        if not token:
            raise SyncError("no token: set GITHUB_TOKEN (a token with issues: write)")
        return cls(
            repo=repo,
            token=token,
            api_url=(api_url or env.get("GITHUB_API_URL") or cls.api_url).rstrip("/"),
            server_url=(env.get("GITHUB_SERVER_URL") or cls.server_url).rstrip("/"),
            sha=env.get("GITHUB_SHA") or None,
            **overrides,
        )


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


@dataclass(frozen=True)
class SyncReport:
    plan: Plan
    done: list[Action]
    notes: list[str]
    links: list[LinkResult] = field(default_factory=list)
    # files or folders the scan could not read, one line each
    errors: list[str] = field(default_factory=list)


# --- the plan (pure) ------------------------------------------------------------------------

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
                updates.append(Action("update", issue_title(item), item, issue, reason, issue.number))
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


def _meta_comment(item: TodoItem) -> str:
    # "--" cannot appear inside an HTML comment; JSON's \u escape keeps it decodable.
    return "<!-- qualitytool-todo " + json.dumps(_meta(item)).replace("--", "\\u002d\\u002d") + " -->"


# --- issue text -----------------------------------------------------------------------------

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
    parts = [
        f"`{item.marker}` comment at [`{relative}:{item.line}`]({location.permalink(item)}){where}:",
        "",
        "> " + item.text.replace("\n", "\n> "),
        "",
    ]
    snippet = _surrounding_code(item)
    if snippet:
        fence = "````" if "```" in snippet else "```"
        parts += [f"{fence}{_FENCE_LANGUAGE.get(item.language, '')}", snippet, fence, ""]
    parts += [
        f"- category: **{item.category}**",
        f"- suggested resolution: **{item.resolution}**",
    ]
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
        _meta_comment(item),
    ]
    return "\n".join(parts) + "\n"


def _surrounding_code(item: TodoItem, context: int = 3) -> str:
    try:
        lines = Path(item.file).read_text(encoding="utf-8", errors="replace").splitlines()
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


# --- talking to GitHub ----------------------------------------------------------------------

def _scrub(message: str, token: str) -> str:
    return message.replace(token, "***") if token else message


def describe_error(exc: BaseException, token: str) -> str:
    """A one-line, token-free description of a PyGithub or requests error."""
    status = getattr(exc, "status", None)
    data = getattr(exc, "data", None)
    if status is not None:
        message = data.get("message") if isinstance(data, dict) else None
        text = f"GitHub answered {status}" + (f": {message}" if message else "")
    else:
        text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return _scrub(text, token)


class IssueTracker:
    """The tool's issues in one repository, through the real PyGithub client."""

    def __init__(self, options: SyncOptions, sleep: Callable[[float], None] = time.sleep) -> None:
        from github import Auth, Github, GithubRetry

        self.options = options
        self.sleep = sleep
        retry = GithubRetry(
            total=options.read_retries,
            backoff_factor=options.retry_backoff,
            # Reads only: PyGithub's default also re-sends POST, which files an issue twice
            # when GitHub created it but answered 502.
            allowed_methods=frozenset({"GET", "HEAD"}),
            secondary_rate_wait=min(60.0, options.max_wait),
            max_rate_limit_wait=options.max_wait,
        )
        self.github = Github(
            base_url=options.api_url,
            auth=Auth.Token(options.token),
            retry=retry,
            per_page=100,
            timeout=int(options.timeout),
            seconds_between_requests=None,
            seconds_between_writes=options.write_pause or None,
            lazy=True,
        )
        self.repo = self.github.get_repo(options.repo)
        self.known_labels: set[str] = set()

    def close_connection(self) -> None:
        self.github.close()

    def list_issues(self) -> list[ExistingIssue]:
        """Every issue (open or closed) carrying all the tool's labels."""
        found = []
        for issue in self._read(lambda: list(self.repo.get_issues(
            state="all", labels=list(self.options.labels)))):
            self.known_labels.update(label.name for label in issue.labels)
            meta = parse_meta(issue.body)
            if meta.get("fingerprint"):
                found.append(ExistingIssue(issue.number, issue.title, issue.state, meta, issue))
        return found

    def _read(self, call: Callable[[], Any]) -> Any:
        return self._call(call, write=False)

    def _call(self, call: Callable[[], Any], write: bool) -> Any:
        """Run one API call, waiting out rate limits; other errors become SyncError."""
        from github import GithubException

        waited = 0.0
        while True:
            try:
                return call()
            except GithubException as exc:
                wait = self._rate_limit_wait(exc)
                if wait is None:
                    raise SyncError(self._explain(exc), exc.status) from None
                if waited + wait > self.options.max_wait:
                    raise SyncError(
                        f"rate limited by GitHub for {wait:.0f}s more (over max wait "
                        f"{self.options.max_wait:.0f}s); the next run carries on"
                    ) from None
                self.sleep(wait)
                waited += wait

    def _rate_limit_wait(self, exc: Any) -> float | None:
        status = getattr(exc, "status", None)
        headers = {k.lower(): v for k, v in (getattr(exc, "headers", None) or {}).items()}
        data = getattr(exc, "data", None)
        message = str(data.get("message", "")) if isinstance(data, dict) else ""
        if status not in (403, 429):
            return None
        if "retry-after" in headers:
            try:
                return max(0.0, float(headers["retry-after"]))
            except ValueError:
                return 60.0
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            try:
                return max(0.0, float(headers["x-ratelimit-reset"]) - time.time()) + 1
            except ValueError:
                return 60.0
        if "rate limit" in message.lower():
            return 60.0
        return None

    def _explain(self, exc: Any) -> str:
        status = getattr(exc, "status", None)
        text = describe_error(exc, self.options.token)
        hints = {
            401: "check GITHUB_TOKEN",
            403: "the token needs issues: write on the repository",
            404: f"is {self.options.repo} the repository, and {self.options.api_url} its API?",
        }
        return f"{text} ({hints[status]})" if status in hints else text

    def ensure_labels(self, names: Sequence[str]) -> None:
        """Create the labels not seen on the tool's issues; one that exists (422) is fine."""
        for name in dict.fromkeys(names):
            if name in self.known_labels:
                continue
            color = "d93f0b" if name == "security" else "c5def5"
            try:
                self._call(functools.partial(
                    self.repo.create_label, name, color,
                    f"Tracked by qualitytool todos sync ({name})"), write=True)
            except SyncError as exc:
                if exc.status != 422:
                    raise
            self.known_labels.add(name)

    def create(self, title: str, body: str, labels: list[str], fingerprint: str) -> tuple[int, str]:
        """Create one issue; after a failure that may have created it, look it up first."""
        import requests

        for attempt in (1, 2):
            try:
                issue = self._call(lambda: self.repo.create_issue(
                    title=title, body=body, labels=labels), write=True)
                return issue.number, "created"
            except SyncError as exc:
                if exc.status is None or exc.status < 500:
                    raise
                failure = str(exc)
            except requests.RequestException as exc:
                failure = describe_error(exc, self.options.token)
            existing = {i.fingerprint: i for i in self.list_issues()}
            if fingerprint in existing:
                return existing[fingerprint].number, f"adopted (GitHub created it but answered: {failure})"
            if attempt == 2:
                raise SyncError(f"creating {title!r} failed twice: {failure}")
        raise AssertionError("unreachable")  # pragma: no cover

    def update(self, issue: ExistingIssue, title: str, body: str, labels: list[str]) -> None:
        # PATCH sets absolute values: repeating it is harmless, so 5xx are retried once.
        self._idempotent(lambda: issue.handle.edit(title=title, body=body, labels=labels))

    def close(self, issue: ExistingIssue, comment: str) -> None:
        self._call(lambda: issue.handle.create_comment(comment), write=True)
        self._idempotent(lambda: issue.handle.edit(state="closed", state_reason="completed"))

    def _idempotent(self, call: Callable[[], Any]) -> None:
        import requests

        try:
            self._call(call, write=True)
        except (SyncError, requests.RequestException):
            self._call(call, write=True)


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
            tracker.ensure_labels([*options.labels, *(a.item.category for a in
                                                     [*plan.creates, *plan.updates] if a.item)])
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
    labels = list(options.labels)
    if action.kind == "create":
        assert action.item is not None
        number, outcome = tracker.create(
            action.title, issue_body(action.item, location), [*labels, action.item.category],
            action.item.fingerprint,
        )
        return replace(action, number=number, outcome=outcome)
    if action.kind == "update":
        assert action.item is not None and action.issue is not None
        tracker.update(action.issue, action.title, issue_body(action.item, location),
                       [*labels, action.item.category])
        return replace(action, outcome="updated")
    assert action.issue is not None
    commit = removal_commit(root, action.issue, location.sha)
    tracker.close(action.issue, closing_comment(action.issue, commit))
    return replace(action, outcome=f"closed (removed in {commit[:12]})")


def _link(items: Sequence[TodoItem], plan: Plan, done: Sequence[Action]) -> list[LinkResult]:
    from qualitytool.todos.link import link_items

    pairs = [(a.item, f"#{a.number}") for a in done if a.item is not None and a.number]
    pairs += [(i, f"#{plan.matched[i.fingerprint]}") for i in items if i.fingerprint in plan.matched]
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
