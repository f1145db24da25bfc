"""A local HTTP server speaking the part of the GitHub REST API ``todos sync`` uses.

Real HTTP on 127.0.0.1 for the real PyGithub client: repositories, issues (list with ``Link``
pagination and ``state`` / ``labels`` filters, get, create, update), issue comments and
labels.  Requests without the expected token get 401; unknown repositories and issues 404;
invalid bodies and duplicate labels 422.  Faults are scripted per request (a 403 secondary rate
limit with ``Retry-After``, a 502 *after* the issue was created, 5xx on reads, a dropped
connection), and every request is logged so tests can count them.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Fault:
    """Answer the next request matching ``method`` and ``path`` (a regex) with ``status``.

    ``after`` lets the request take effect before the error is returned (a 502 after the
    issue was created); ``drop`` closes the connection without an answer instead; ``raw`` is
    sent instead of ``body`` as JSON (a proxy's HTML page); ``hang`` waits that many seconds
    before answering (a server that stopped responding).
    """

    method: str
    path: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=lambda: {"message": "Server Error"})
    after: bool = False
    drop: bool = False
    times: int = 1
    skip: int = 0  # let this many matching requests through first
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    hang: float = 0.0


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    body: dict[str, Any] | None


class FakeGitHub:
    """State of the fake GitHub: one repository's issues, comments and labels."""

    def __init__(self, repo: str = "acme/app", token: str = "ghp_test_secret_token_123",
                 prefix: str = "") -> None:
        self.repo = repo
        # GitHub Enterprise serves the API under /api/v3.
        self.prefix = prefix
        self.token = token
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[str]] = {}
        self.labels: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.log: list[LoggedRequest] = []
        self.lock = threading.Lock()
        self.base_url = ""
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeGitHub:
        state = self

        class Handler(_Handler):
            github = state

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}{self.prefix}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- helpers for tests -----------------------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def requests(self, method: str | None = None) -> list[LoggedRequest]:
        return [r for r in self.log if method is None or r.method == method]

    def add_issue(self, title: str, body: str = "", labels: tuple[str, ...] = (),
                  state: str = "open") -> dict[str, Any]:
        with self.lock:
            return self._create_issue({"title": title, "body": body, "labels": list(labels)},
                                      state)

    def open_issues(self) -> list[dict[str, Any]]:
        return [i for i in self.issues.values() if i["state"] == "open"]

    # --- the API ---------------------------------------------------------------------------
    def _issue_json(self, issue: dict[str, Any]) -> dict[str, Any]:
        number = issue["number"]
        api = f"{self.base_url}/repos/{self.repo}"
        return {
            "id": 1000 + number, "number": number, "title": issue["title"],
            "body": issue["body"], "state": issue["state"],
            "labels": [
                self._label_json(self.labels.get(n) or {"name": n}) for n in issue["labels"]],
            "url": f"{api}/issues/{number}",
            "html_url": f"https://github.example/{self.repo}/issues/{number}",
            "comments": len(self.comments.get(number, [])),
            "user": {"login": "qualitytool-bot", "id": 1},
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
        }

    def _label_json(self, label: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": label["name"], "color": label.get("color", "ededed"),
            "description": label.get("description"),
            "url": f"{self.base_url}/repos/{self.repo}/labels/{label['name']}",
        }

    def _create_issue(self, body: dict[str, Any], state: str = "open") -> dict[str, Any]:
        number = max([*self.issues, *self.comments, 0]) + 1
        labels = [n if isinstance(n, str) else n["name"] for n in body.get("labels") or []]
        for name in labels:  # GitHub creates labels that do not exist yet
            self.labels.setdefault(name, {"name": name})
        issue = {"number": number, "title": body["title"], "body": body.get("body") or "",
                 "state": state, "labels": labels}
        self.issues[number] = issue
        return issue

    def handle(self, method: str, path: str, query: dict[str, list[str]],
               body: dict[str, Any] | None) -> tuple[int, dict[str, str], Any]:
        prefix = f"/repos/{self.repo}"
        if not path.startswith(prefix):
            return 404, {}, {"message": "Not Found"}
        rest = path[len(prefix):]
        if rest == "" and method == "GET":
            owner, name = self.repo.split("/")
            return 200, {}, {"id": 1, "name": name, "full_name": self.repo,
                             "owner": {"login": owner}, "default_branch": "main",
                             "url": f"{self.base_url}{prefix}",
                             "html_url": f"https://github.example/{self.repo}"}
        if rest == "/issues" and method == "GET":
            return self._list_issues(prefix, query)
        if rest == "/issues" and method == "POST":
            if not body or not isinstance(body.get("title"), str) or not body["title"].strip():
                return 422, {}, {"message": "Validation Failed",
                                 "errors": [{"resource": "Issue", "field": "title",
                                             "code": "missing_field"}]}
            return 201, {}, self._issue_json(self._create_issue(body))
        match = re.fullmatch(r"/issues/(\d+)(/comments)?", rest)
        if match:
            issue = self.issues.get(int(match[1]))
            if issue is None:
                return 404, {}, {"message": "Not Found"}
            if match[2]:
                if method == "POST":
                    self.comments.setdefault(issue["number"], []).append((body or {})["body"])
                    return 201, {}, {"id": 1, "body": (body or {})["body"]}
                comments = self.comments.get(issue["number"], [])
                return 200, {}, [{"id": 1, "body": c} for c in comments]
            if method == "PATCH":
                for key in ("title", "body", "state"):
                    if body and key in body:
                        issue[key] = body[key]
                if body and "labels" in body:
                    issue["labels"] = [n if isinstance(n, str) else n["name"]
                                       for n in body["labels"]]
                return 200, {}, self._issue_json(issue)
            return 200, {}, self._issue_json(issue)
        if rest == "/labels" and method == "GET":
            return 200, {}, [self._label_json(label) for label in self.labels.values()]
        if rest == "/labels" and method == "POST":
            name = (body or {}).get("name")
            if not name:
                return 422, {}, {"message": "Validation Failed"}
            if name in self.labels:
                return 422, {}, {"message": "Validation Failed",
                                 "errors": [{"resource": "Label", "code": "already_exists",
                                             "field": "name"}]}
            self.labels[name] = {"name": name, "color": body.get("color"),  # type: ignore[union-attr]
                                 "description": body.get("description")}  # type: ignore[union-attr]
            return 201, {}, self._label_json(self.labels[name])
        match = re.fullmatch(r"/labels/([^/]+)", rest)
        if match and method == "GET":
            label = self.labels.get(match[1])
            if not label:
                return 404, {}, {"message": "Not Found"}
            return 200, {}, self._label_json(label)
        return 404, {}, {"message": "Not Found"}

    def _list_issues(
        self, prefix: str, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, str], Any]:
        state = query.get("state", ["open"])[0]
        wanted = [n for n in query.get("labels", [""])[0].split(",") if n]
        per_page = min(100, int(query.get("per_page", ["30"])[0]))
        page = int(query.get("page", ["1"])[0])
        selected = [
            issue for number, issue in sorted(self.issues.items(), reverse=True)
            if (state == "all" or issue["state"] == state)
            and all(name in issue["labels"] for name in wanted)
        ]
        start = (page - 1) * per_page
        headers = {}
        if start + per_page < len(selected):
            params = {**{k: v[0] for k, v in query.items()}, "page": str(page + 1)}
            last = {**params, "page": str(-(-len(selected) // per_page))}
            headers["Link"] = (
                f'<{self.base_url}{prefix}/issues?{urlencode(params)}>; rel="next", '
                f'<{self.base_url}{prefix}/issues?{urlencode(last)}>; rel="last"'
            )
        return 200, headers, [self._issue_json(i) for i in selected[start:start + per_page]]


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub
    protocol_version = "HTTP/1.1"
    # Headers and body in one segment, sent at once: no 40 ms delayed-ACK stall per request.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        github = self.github
        split = urlsplit(self.path)
        if github.prefix and split.path.startswith(github.prefix):
            split = split._replace(path=split.path[len(github.prefix):])
        query = parse_qs(split.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        with github.lock:
            fault = self._take_fault(split.path)
        if fault is not None and fault.hang:
            time.sleep(fault.hang)
        with github.lock:
            if fault is not None and fault.drop:
                if fault.after:
                    github.handle(self.command, split.path, query, body)
                github.log.append(LoggedRequest(self.command, split.path, query, 0, body))
                self.close_connection = True
                self.connection.close()
                return
            auth = self.headers.get("Authorization", "")
            if auth not in (f"token {github.token}", f"Bearer {github.token}"):
                status, headers, payload = 401, {}, {"message": "Bad credentials"}
            elif fault is not None and not fault.after:
                status, headers, payload = fault.status, fault.headers, fault.body
            else:
                status, headers, payload = github.handle(self.command, split.path, query, body)
                if fault is not None:
                    status, headers, payload = fault.status, fault.headers, fault.body
            github.log.append(LoggedRequest(self.command, split.path, query, status, body))
        data = json.dumps(payload).encode()
        content_type = "application/json; charset=utf-8"
        if fault is not None and fault.raw is not None:
            data, content_type = fault.raw, fault.content_type
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.github.faults:
            if fault.method in (self.command, "*") and re.fullmatch(fault.path, path):
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                if fault.times <= 0:
                    self.github.faults.remove(fault)
                return fault
        return None

    do_GET = do_POST = do_PATCH = do_DELETE = _serve


ServerFactory = Callable[[], FakeGitHub]
