import pytest

from app.errors import NotificationError
from app.services.notifications import NotificationService

URL = "https://pusher.invalid/apps/1/events"


class FakeSender:
    def __init__(self, status=200, body=b"{}", error=None):
        self.status, self.body, self.error = status, body, error
        self.calls = []

    def __call__(self, url, body, headers, timeout):
        self.calls.append((url, body, headers))
        if self.error is not None:
            raise self.error
        return self.status, self.body


def test_trigger_signs_request_without_network():
    sender = FakeSender()
    service = NotificationService(URL, "key", "secret", sender=sender)
    assert service.trigger("orders", "order.created", {"id": 1}) is True
    url, body, _headers = sender.calls[0]
    assert "auth_signature=" in url and "body_md5=" in url
    assert b"order.created" in body


def test_trigger_failures_return_false():
    down = NotificationService(URL, "k", "s", sender=FakeSender(error=ConnectionError("down")))
    assert down.trigger("orders", "x", {}) is False
    error = NotificationService(URL, "k", "s", sender=FakeSender(status=503, body=b"<html>"))
    assert error.trigger("orders", "x", {}) is False


def test_trigger_or_raise_and_bad_response_body():
    ok = NotificationService(URL, "k", "s", sender=FakeSender(body=b"not json"))
    assert ok.trigger_or_raise("orders", "x", {}) == {}
    down = NotificationService(URL, "k", "s", sender=FakeSender(error=ConnectionError("down")))
    with pytest.raises(NotificationError):
        down.trigger_or_raise("orders", "x", {})
