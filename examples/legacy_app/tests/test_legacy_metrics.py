import pytest

from app.framework import JSONResponse, Request
from app.middleware.metrics import MetricsRegistry, PrometheusMiddleware, normalise_path


def ok_app(request):
    return JSONResponse({"ok": True})


def test_middleware_records_requests():
    registry = MetricsRegistry()
    app = PrometheusMiddleware(ok_app, registry)
    assert app(Request("GET", "/api/users/42")).status_code == 200
    text = registry.render_latest()
    assert 'http_requests_total{method="GET",path="/api/users/{id}",status="200"} 1' in text
    assert "http_request_duration_seconds_count" in text


def test_broken_metrics_and_hooks_never_break_requests(monkeypatch):
    registry = MetricsRegistry()
    monkeypatch.setattr(registry, "inc", lambda *a, **k: 1 / 0)

    def bad_hook(request, elapsed):
        raise RuntimeError("statsd down")

    app = PrometheusMiddleware(ok_app, registry, on_request=bad_hook)
    assert app(Request("GET", "/health", headers={"X-Metrics-Sample-Rate": "x"})).status_code == 200


def test_unhandled_errors_are_reraised_and_counted():
    def boom(request):
        raise KeyError("boom")

    registry = MetricsRegistry()
    with pytest.raises(KeyError):
        PrometheusMiddleware(boom, registry)(Request("POST", "/api/orders"))
    assert 'status="500"' in registry.render_latest()


def test_normalise_path():
    assert normalise_path("/api/orders/12/items") == "/api/orders/{id}/items"
    assert normalise_path("/health") == "/health"
    assert normalise_path("/wp-admin") == "other"
    assert normalise_path("") == "unknown"
