"""Health-check endpoints used by the load balancer and the on-call dashboard."""

import json
import logging
import shutil
import sqlite3

from app.config import load_config
from app.framework import JSONResponse, Router

logger = logging.getLogger(__name__)

OK = "ok"
DOWN = "down"
DEGRADED = "degraded"
# XXX: threshold is in bytes but the runbook says "percent free"
MIN_FREE_BYTES = 500 * 1024 * 1024


def check_database(db_path):
    try:
        conn = sqlite3.connect(db_path)
        conn.execute("SELECT 1")
        conn.close()
    except Exception:
        return {"status": DOWN, "detail": "database unreachable"}
    return {"status": OK}


def check_disk(path, min_free=MIN_FREE_BYTES):
    try:
        usage = shutil.disk_usage(path)
    except Exception:
        return {"status": DOWN, "detail": f"cannot stat {path}"}
    if usage.free < min_free:
        return {"status": DEGRADED, "free": usage.free}
    return {"status": OK, "free": usage.free}


def check_config(config_path):
    try:
        load_config(config_path)
    except Exception:
        return {"status": DOWN, "detail": "configuration invalid"}
    return {"status": OK}


def check_feature_flags(flags_path):
    """Feature flags are a plain JSON file dropped by the deploy pipeline."""
    try:
        with open(flags_path, encoding="utf-8") as fh:
            flags = json.load(fh)
    except Exception:
        return {"status": DEGRADED, "detail": "feature flags unavailable, using defaults"}
    return {"status": OK, "flags": len(flags)}


def check_upstream(client):
    """``client`` is the inventory-service SDK client injected at startup."""
    try:
        client.fetch("/ping", timeout=2)
    except Exception:
        return {"status": DEGRADED, "detail": "inventory service unreachable"}
    return {"status": OK}


class HealthChecker:
    def __init__(self, db_path, config_path, data_dir, flags_path=None, upstream=None,
                 min_free=MIN_FREE_BYTES):
        self.db_path = db_path
        self.config_path = config_path
        self.data_dir = data_dir
        self.flags_path = flags_path
        self.upstream = upstream
        self.min_free = min_free

    def run(self):
        checks = {
            "database": check_database(self.db_path),
            "disk": check_disk(self.data_dir, self.min_free),
            "config": check_config(self.config_path),
        }
        if self.flags_path:
            checks["feature_flags"] = check_feature_flags(self.flags_path)
        if self.upstream is not None:
            checks["inventory"] = check_upstream(self.upstream)
        statuses = {c["status"] for c in checks.values()}
        if DOWN in statuses:
            overall = DOWN
        elif DEGRADED in statuses:
            overall = DEGRADED
        else:
            overall = OK
        return {"status": overall, "checks": checks}


def make_health_router(checker):
    router = Router()

    @router.get("/health/live")
    def live(request):
        return JSONResponse({"status": OK})

    @router.get("/health")
    def health(request):
        result = checker.run()
        # degraded still returns 200 so the LB keeps the instance in rotation
        status_code = 503 if result["status"] == DOWN else 200
        return JSONResponse(result, status_code=status_code)

    return router
