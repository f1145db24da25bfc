import json

from app.framework import Request
from app.main import create_app
from app.security import create_token


def test_end_to_end_user_and_order_flow(settings_file):
    sent = []
    app = create_app(
        str(settings_file), sender=lambda url, body, headers, timeout: sent.append(body) or (200, b"{}")
    )
    created = app(Request("POST", "/api/users", body=json.dumps({"email": "a@b.c", "password": "pw"})))
    assert created.status_code == 201
    auth = {"Authorization": "Bearer " + create_token({"sub": created.json()["id"]})}

    bad = app(Request("POST", "/api/orders", headers=auth, body=b"{oops"))
    assert bad.status_code == 400
    order = app(Request("POST", "/api/orders", headers=auth,
                        body=json.dumps({"items": [{"sku": "A", "quantity": 2}]})))
    assert order.status_code == 201
    assert order.json()["note"].startswith("# TODO")  # a string, not a comment
    assert len(sent) == 1

    listed = app(Request("GET", "/api/orders", headers=auth))
    assert listed.json()["orders"][0]["items"][0]["sku"] == "A"
    assert app(Request("GET", "/api/orders")).status_code == 401
    assert app(Request("GET", "/nope")).status_code == 404
    assert app(Request("GET", "/health")).status_code == 200
    assert "http_requests_total" in app(Request("GET", "/metrics")).body.decode()
