"""Application factory and request dispatch.

Usage (dev)::

    from app.main import create_app
    app = create_app("settings.toml")
    response = app(Request("GET", "/health"))
"""

import logging

from app.api.health import HealthChecker, make_health_router
from app.api.users import make_user_router
from app.config import load_config
from app.db import Database
from app.errors import AppError
from app.framework import HTTPException, JSONResponse, Response, Router
from app.middleware.metrics import MetricsRegistry, PrometheusMiddleware
from app.services.notifications import NotificationService
from app.services.storage import StorageService

logger = logging.getLogger(__name__)


class Application:
    def __init__(self, settings, db, storage, notifier, health_checker, registry=None):
        self.settings = settings
        self.db = db
        self.storage = storage
        self.notifier = notifier
        self.registry = registry or MetricsRegistry()
        self.router = Router()
        self.router.include_router(make_health_router(health_checker))
        self.router.include_router(make_user_router(db, notifier))
        self.router.add_route("GET", "/metrics", self.metrics)
        self.handler = PrometheusMiddleware(self.dispatch, self.registry)

    def metrics(self, request):
        return Response(self.registry.render_latest())

    def dispatch(self, request):
        endpoint = self.router.resolve(request.method, request.path)
        if endpoint is None:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        try:
            return endpoint(request)
        except HTTPException as exc:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        except AppError as exc:
            return JSONResponse({"detail": exc.message}, status_code=exc.status_code)

    def __call__(self, request):
        return self.handler(request)


def create_app(config_path=None, settings=None, sender=None, upstream=None, backend=None):
    # TODO: refactor create_app into smaller factories, it grew one kwarg per test
    if settings is None:
        settings = load_config(config_path)
    db = Database(settings["database"]["path"])
    db.init_schema()
    storage = StorageService(settings["storage"]["root"], backend=backend)
    notif = settings["notifications"]
    notifier = NotificationService(notif["url"], notif["key"], notif["secret"], sender=sender)
    checker = HealthChecker(
        db_path=settings["database"]["path"],
        config_path=config_path,
        data_dir=settings["storage"]["root"],
        flags_path=settings["app"].get("feature_flags"),
        upstream=upstream,
    )
    return Application(settings, db, storage, notifier, checker)
