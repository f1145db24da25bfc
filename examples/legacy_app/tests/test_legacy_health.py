import json

from app.api.health import (
    HealthChecker,
    check_config,
    check_database,
    check_disk,
    check_feature_flags,
    check_upstream,
    make_health_router,
)
from app.framework import Request


def test_database_check(tmp_path):
    assert check_database(str(tmp_path / "ok.db"))["status"] == "ok"
    assert check_database(str(tmp_path / "no" / "such" / "dir.db"))["status"] == "down"


def test_disk_check(tmp_path):
    assert check_disk(str(tmp_path), min_free=0)["status"] == "ok"
    assert check_disk(str(tmp_path / "missing"))["status"] == "down"


def test_feature_flags_check(tmp_path):
    flags = tmp_path / "flags.json"
    assert check_feature_flags(flags)["status"] == "degraded"  # missing
    flags.write_text("{broken")
    assert check_feature_flags(flags)["status"] == "degraded"
    flags.write_text(json.dumps({"new_checkout": True}))
    assert check_feature_flags(flags) == {"status": "ok", "flags": 1}


def test_upstream_check_with_failing_client():
    class DeadClient:
        def fetch(self, path, timeout=None):
            raise TimeoutError(path)

    assert check_upstream(DeadClient())["status"] == "degraded"


def test_config_error_gives_503(tmp_path, settings_file):
    assert check_config(settings_file)["status"] == "ok"
    bad = tmp_path / "bad.toml"
    bad.write_text("[app\n")
    assert check_config(bad)["status"] == "down"

    def call(config_path):
        checker = HealthChecker(str(tmp_path / "h.db"), config_path, str(tmp_path), min_free=0)
        endpoint = make_health_router(checker).resolve("GET", "/health")
        return endpoint(Request("GET", "/health"))

    assert call(settings_file).status_code == 200
    response = call(bad)
    assert response.status_code == 503
    assert response.json()["checks"]["config"]["status"] == "down"
