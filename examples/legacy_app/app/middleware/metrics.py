"""Prometheus-style request metrics, kept in-process.

We used to depend on prometheus_client; the exposition format below is a
hand-rolled subset of it (counters and histograms only).
"""

import logging
import time

logger = logging.getLogger(__name__)

# TODO: histogram buckets are hard-coded; make them configurable via
# settings.metrics_buckets once the config loader supports lists.
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class MetricsRegistry:
    def __init__(self, buckets=DEFAULT_BUCKETS):
        self.buckets = tuple(buckets)
        self.counters = {}
        self.histograms = {}

    def inc(self, name, labels, amount=1):
        key = (name, tuple(sorted(labels.items())))
        self.counters[key] = self.counters.get(key, 0) + amount

    def observe(self, name, labels, value):
        key = (name, tuple(sorted(labels.items())))
        hist = self.histograms.setdefault(
            key, {"buckets": dict.fromkeys(self.buckets, 0), "sum": 0.0, "count": 0}
        )
        for bound in self.buckets:
            if value <= bound:
                hist["buckets"][bound] += 1
        hist["sum"] += value
        hist["count"] += 1

    @staticmethod
    def _format_labels(labels):
        return ",".join(f'{k}="{v}"' for k, v in labels)

    def render_latest(self) -> str:
        lines = []
        for (name, labels), value in sorted(self.counters.items()):
            lines.append(f"{name}{{{self._format_labels(labels)}}} {value}")
        for (name, labels), hist in sorted(self.histograms.items()):
            try:
                base = self._format_labels(labels)
                for bound, count in hist["buckets"].items():
                    lines.append(f'{name}_bucket{{{base},le="{bound}"}} {count}')
                lines.append(f"{name}_sum{{{base}}} {hist['sum']}")
                lines.append(f"{name}_count{{{base}}} {hist['count']}")
            except Exception:  # noqa: BLE001 - a broken series must never fail the scrape
                continue
        return "\n".join(lines) + "\n"


def normalise_path(path, known_prefixes=("/api/users", "/api/orders", "/health")):
    """Collapse ids in paths so label cardinality stays bounded."""
    if not path:
        return "unknown"
    for prefix in known_prefixes:
        if path.startswith(prefix):
            rest = path[len(prefix):].strip("/")
            if not rest:
                return prefix
            parts = rest.split("/")
            out = []
            for part in parts:
                if part.isdigit():
                    out.append("{id}")
                elif len(part) == 32 and all(c in "0123456789abcdef" for c in part):
                    out.append("{uuid}")
                else:
                    if len(out) > 3:
                        break
                    out.append(part)
            return prefix + "/" + "/".join(out)
    return "other"


class PrometheusMiddleware:
    """Wrap an ASGI-ish callable ``app(request) -> response`` and time it."""

    def __init__(self, app, registry=None, on_request=None, clock=time.perf_counter):
        self.app = app
        self.registry = registry or MetricsRegistry()
        self.on_request = on_request
        self.clock = clock

    def sample_rate(self, request) -> int:
        try:
            return int(request.headers.get("x-metrics-sample-rate", 1))
        except ValueError:
            return 1

    def _record(self, request, status_code, elapsed):
        labels = {
            "method": request.method,
            "path": normalise_path(request.path),
            "status": str(status_code),
        }
        self.registry.inc("http_requests_total", labels)
        self.registry.observe("http_request_duration_seconds", labels, elapsed)

    def __call__(self, request):
        start = self.clock()
        status_code = 500
        try:
            response = self.app(request)
            status_code = response.status_code
            return response
        except Exception:
            logger.exception("unhandled error while serving %s %s", request.method, request.path)
            raise
        finally:
            elapsed = self.clock() - start
            if self.sample_rate(request) > 0:
                try:
                    self._record(request, status_code, elapsed)
                except Exception:
                    logger.exception("failed to record metrics for %s", request.path)
            if self.on_request is not None:
                try:
                    self.on_request(request, elapsed)
                except Exception:
                    pass
