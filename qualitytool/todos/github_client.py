"""The tool's issues in one GitHub repository, through the real PyGithub client.

Reads are retried on 5xx and connection errors (urllib3 ``Retry`` through PyGithub); writes
are never retried blindly.  A create that failed with a 5xx or a broken connection may still
have created the issue, so the issues are listed again and the fingerprint looked up before
creating once more.  Rate limits (403/429 with ``Retry-After`` or ``X-RateLimit-Reset``) are
waited out up to ``max_wait``.  The token is never part of a message: errors are rebuilt
from the status and GitHub's message, and scrubbed.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from qualitytool.todos.sync_options import SyncError, SyncOptions
from qualitytool.todos.sync_plan import ExistingIssue, parse_meta


def _scrub(message: str, token: str) -> str:
    return message.replace(token, "***") if token else message


def _refuse_answers_not_from_the_api(requester: Any, token: str) -> None:
    """Make every answer that is neither an error nor GitHub's JSON a SyncError.

    PyGithub raises only for statuses >= 400: a redirect (a login page, an API URL without
    ``/api/v3``) or a proxy's HTML page answered 200 would read as success (an issue "created"
    with no number) or break inside PyGithub with a traceback.
    """
    from urllib.parse import urlsplit

    request_json = requester.requestJson

    def checked(verb: str, url: str, *args: Any, **kwargs: Any) -> tuple[int, dict[str, Any], str]:
        status, headers, output = request_json(verb, url, *args, **kwargs)
        what = f"{verb} {urlsplit(url).path or url}"
        lower = {k.lower(): v for k, v in headers.items()}
        if 300 <= status < 400:
            where = f" to {lower['location']}" if "location" in lower else ""
            raise SyncError(_scrub(
                f"{what}: GitHub's API does not redirect, but this server answered {status}"
                f"{where}; is the API URL right (GitHub Enterprise: https://HOST/api/v3)?",
                token), status)
        if status < 300 and output.strip():
            try:
                json.loads(output)
            except ValueError:
                kind = lower.get("content-type", "unknown content").split(";")[0]
                raise SyncError(_scrub(
                    f"{what}: the server answered {status} with {kind}, not GitHub's JSON "
                    "(a proxy or login page?); is the API URL right?", token), status) from None
        return status, headers, output

    requester.requestJson = checked


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
            timeout=max(1, round(options.timeout)),
            seconds_between_requests=None,
            seconds_between_writes=options.write_pause or None,
            lazy=True,
        )
        _refuse_answers_not_from_the_api(self.github.requester, options.token)
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
                if not isinstance(issue.number, int) or issue.number <= 0:
                    raise SyncError(f"creating {title!r}: the answer names no issue number; "
                                    "is the API URL GitHub's?")
                return issue.number, "created"
            except SyncError as exc:
                if exc.status is None or exc.status < 500:
                    raise
                failure = str(exc)
            except requests.RequestException as exc:
                failure = describe_error(exc, self.options.token)
            existing = {i.fingerprint: i for i in self.list_issues()}
            if fingerprint in existing:
                adopted = existing[fingerprint].number
                return adopted, f"adopted (GitHub created it but answered: {failure})"
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
