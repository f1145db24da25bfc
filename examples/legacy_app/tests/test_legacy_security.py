import time

import pytest

from app.errors import AuthError
from app.security import (
    check_permission,
    create_token,
    decode_claims,
    hash_password,
    parse_expiry,
    verify_password,
    verify_token,
)


def test_password_roundtrip_and_garbage_hash():
    stored = hash_password("s3cret", salt=b"0123456789abcdef")
    assert verify_password("s3cret", stored)
    assert not verify_password("wrong", stored)
    assert not verify_password("s3cret", "not-a-hash")


def test_parse_expiry_and_decode_claims_defaults():
    assert parse_expiry("1700000000") == 1700000000
    assert parse_expiry("tomorrow", default=42) == 42
    assert decode_claims('{"sub": 1}') == {"sub": 1}
    assert decode_claims("{not json") is None


def test_token_roundtrip_and_tampering():
    token = create_token({"sub": 7})
    assert verify_token(token)["sub"] == 7
    body, sig = token.rsplit(".", 1)
    with pytest.raises(AuthError):
        verify_token(body + "." + "0" * len(sig))
    with pytest.raises(AuthError):
        verify_token("garbage")


def test_token_with_unparseable_expiry_is_treated_as_expired():
    token = create_token({"sub": 7, "exp": "never"}, ttl=0)
    with pytest.raises(AuthError, match="expired"):
        verify_token(token, now=time.time())


def test_check_permission_matrix():
    admin = {"id": 1, "role": "admin"}
    staff = {"id": 2, "role": "staff"}
    customer = {"id": 3, "role": "customer"}
    order = {"type": "order", "status": "new", "owner_id": 3}
    assert check_permission(admin, "delete")
    assert check_permission(staff, "write", order)
    assert not check_permission(staff, "write", dict(order, status="shipped"))
    assert check_permission(customer, "write", order)
    assert not check_permission({"id": 4, "role": "customer"}, "read", order)
    assert not check_permission(dict(admin, disabled=True), "read")
    assert not check_permission(None, "read")
