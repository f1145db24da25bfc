"""Push notifications through a Pusher-compatible HTTP API.

The request signing follows the Pusher REST API: the body is md5'd and the
query string is HMAC-SHA256 signed with the app secret.
"""

import hashlib
import hmac
import json
import logging
import ssl
import time
import urllib.request
from urllib.parse import urlencode, urlsplit

from app.errors import NotificationError

try:
    import certifi
except Exception:
    certifi = None

logger = logging.getLogger(__name__)


def _ssl_context():
    if certifi is not None:
        return ssl.create_default_context(cafile=certifi.where())
    return ssl.create_default_context()


def urllib_sender(url, body, headers, timeout=5):
    """Default transport: POST ``body`` to ``url``; returns (status, bytes)."""
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=timeout, context=_ssl_context()) as resp:
        return resp.status, resp.read()


class NotificationService:
    def __init__(self, url, key, secret, sender=None, timeout=5):
        self.url = url
        self.key = key
        self.secret = secret
        self.timeout = timeout
        # tests and the CLI inject their own sender; production uses urllib
        self._sender = sender or urllib_sender

    def _signed_url(self, body: bytes, timestamp=None) -> str:
        params = {
            "auth_key": self.key,
            "auth_timestamp": str(int(timestamp or time.time())),
            "auth_version": "1.0",
            "body_md5": hashlib.md5(body).hexdigest(),
        }
        query = urlencode(sorted(params.items()))
        path = urlsplit(self.url).path
        to_sign = "\n".join(["POST", path, query])
        signature = hmac.new(self.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return f"{self.url}?{query}&auth_signature={signature}"

    def build_payload(self, channel, event, data) -> bytes:
        return json.dumps({"name": event, "channels": [channel], "data": json.dumps(data)}).encode()

    @staticmethod
    def parse_response(body):
        try:
            return json.loads(body)
        except Exception:
            return {}

    def trigger(self, channel, event, data) -> bool:
        """Fire-and-forget: returns False instead of raising on failure."""
        # TODO(alice): batch events per channel instead of one HTTP call each
        body = self.build_payload(channel, event, data)
        try:
            status, raw = self._sender(
                self._signed_url(body), body, {"Content-Type": "application/json"}, self.timeout
            )
        except Exception:
            logger.warning("notification %s/%s could not be delivered", channel, event)
            return False
        if status >= 400:
            # FIXME: retry with backoff on 5xx instead of dropping the event
            logger.warning("pusher returned %s: %s", status, self.parse_response(raw))
            return False
        return True

    def trigger_or_raise(self, channel, event, data) -> dict:
        body = self.build_payload(channel, event, data)
        try:
            status, raw = self._sender(
                self._signed_url(body), body, {"Content-Type": "application/json"}, self.timeout
            )
        except Exception as exc:
            raise NotificationError(f"could not deliver {event} to {channel}") from exc
        if status >= 400:
            raise NotificationError(f"pusher returned HTTP {status}", status_code=502)
        return self.parse_response(raw)

    def notify_order_shipped(self, order):
        return self.trigger(f"private-user-{order['user_id']}", "order.shipped", {"order_id": order["id"]})
