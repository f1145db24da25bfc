"""Minimal stand-in for the bits of FastAPI/Starlette the app used to rely on.

Only what the handlers actually need is implemented: a Request, a Response,
a JSON response helper, and a Router with decorator-based registration.
"""

import json
import logging
from urllib.parse import parse_qsl

logger = logging.getLogger(__name__)


class HTTPException(Exception):
    def __init__(self, status_code: int, detail: str = ""):
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


class Request:
    def __init__(self, method, path, headers=None, body=b"", query_string=""):
        self.method = method.upper()
        self.path = path
        # header names are case-insensitive; normalise once here
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.body = body
        # FIXME: query string parsing ignores repeated keys (?tag=a&tag=b keeps only "b")
        self.query = dict(parse_qsl(query_string))
        self.state = {}

    def json(self):
        return json.loads(self.body or b"null")


class Response:
    media_type = "text/plain"

    def __init__(self, content="", status_code: int = 200, headers=None):
        self.status_code = status_code
        self.headers = dict(headers or {})
        self.headers.setdefault("content-type", self.media_type)
        self.body = self.render(content)

    def render(self, content) -> bytes:
        if isinstance(content, bytes):
            return content
        return str(content).encode("utf-8")


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return json.dumps(content, default=str).encode("utf-8")

    def json(self):
        return json.loads(self.body)


class Router:
    """Decorator-based route table, e.g. ``@router.get("/health")``."""

    def __init__(self, prefix=""):
        self.prefix = prefix
        self.routes = {}

    def add_route(self, method, path, endpoint):
        self.routes[(method.upper(), self.prefix + path)] = endpoint

    def get(self, path):
        def decorator(func):
            self.add_route("GET", path, func)
            return func
        return decorator

    def post(self, path):
        def decorator(func):
            self.add_route("POST", path, func)
            return func
        return decorator

    def include_router(self, other):
        for (method, path), endpoint in other.routes.items():
            self.routes[(method, self.prefix + path)] = endpoint

    def resolve(self, method, path):
        return self.routes.get((method.upper(), path))
