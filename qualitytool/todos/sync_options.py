"""What ``todos sync`` is asked to do, and the error that stops it: plain data shared by the
planning, the GitHub client and the sync itself."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qualitytool.todos.model import TodoItem


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
    # (category, issue label) pairs from the category rules; a category not listed is its
    # own label.
    category_labels: tuple[tuple[str, str], ...] = ()
    # The label of items that may be about security (whatever their category), and the one
    # uncertain items carry instead of a category label (a person decides); "" for none.
    security_label: str = "may-be-security"
    uncertain_label: str = "needs-triage"
    # GitHub asks integrators to space content-creating requests (about one a second).
    write_pause: float = 1.0
    # Longest rate-limit wait before giving up (the next scheduled run carries on).
    max_wait: float = 900.0
    timeout: float = 30.0
    read_retries: int = 3
    retry_backoff: float = 1.0
    # Rewrite each synced comment to reference its issue (marker(#123): text).
    link: bool = False

    def label_of(self, category: str) -> str:
        """The GitHub label of a category (its configured label, else its name)."""
        return dict(self.category_labels).get(category, category)

    def labels_of(self, item: TodoItem) -> list[str]:
        """The labels of ``item``'s issue: the tool's, its category's (or the uncertain
        label), and the security flag's when it may be about security."""
        labels = list(self.labels)
        kind = self.uncertain_label if item.uncertain else self.label_of(item.category)
        for label in (kind, self.security_label if item.security.flagged else ""):
            if label and label not in labels:
                labels.append(label)
        return labels

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
        where = "--api-url" if api_url else "GITHUB_API_URL"
        api_url = api_url or env.get("GITHUB_API_URL") or cls.api_url
        if not _is_http_url(api_url):
            shown = api_url.replace(token, "***")
            raise SyncError(
                f"{where} must be an http(s) URL such as https://api.github.com, got {shown!r}"
            )
        return cls(
            repo=repo,
            token=token,
            api_url=api_url.rstrip("/"),
            server_url=(env.get("GITHUB_SERVER_URL") or cls.server_url).rstrip("/"),
            sha=env.get("GITHUB_SHA") or None,
            **overrides,
        )


def _is_http_url(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (
            parts.port is None or 0 < parts.port < 65536)
    except ValueError:  # a bad port or IPv6 literal
        return False
