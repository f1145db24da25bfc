"""Password hashing, API tokens and permission checks."""

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import subprocess
import time

from app.errors import AppError, AuthError

logger = logging.getLogger(__name__)

# TODO: rotate the signing key, auth token never expires unless the caller sets "exp"
SECRET_KEY = os.environ.get("APP_SECRET_KEY", "dev-secret-do-not-use").encode()
PBKDF2_ITERATIONS = 120_000
DEFAULT_TOKEN_TTL = 3600


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    return f"pbkdf2${PBKDF2_ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_password(password, stored):
    try:
        _algo, iterations, salt_hex, digest_hex = stored.split("$")
        digest = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), bytes.fromhex(salt_hex), int(iterations)
        )
        return hmac.compare_digest(digest.hex(), digest_hex)
    except:
        return False


def legacy_md5_matches(password, stored_md5):
    # FIXME: md5 is not a password hash; drop once pre-2020 accounts are re-hashed with pbkdf2
    return hashlib.md5(password.encode()).hexdigest() == stored_md5


def _sign(payload: bytes) -> str:
    return hmac.new(SECRET_KEY, payload, hashlib.sha256).hexdigest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64decode(segment):
    padding = "=" * (-len(segment) % 4)
    try:
        return base64.urlsafe_b64decode(segment + padding)
    except binascii.Error:
        return None


def decode_claims(payload):
    """Parse the JSON claims segment; ``None`` if it is not valid JSON."""
    try:
        return json.loads(payload)
    except Exception:
        return None


def parse_expiry(raw, default=0):
    try:
        return int(raw)
    except Exception:
        return default


def create_token(claims: dict, ttl=DEFAULT_TOKEN_TTL) -> str:
    claims = dict(claims)
    if ttl:
        claims.setdefault("exp", int(time.time()) + ttl)
    body = _b64encode(json.dumps(claims, sort_keys=True).encode())
    return f"{body}.{_sign(body.encode())}"


def verify_token(token, now=None):
    """Return the claims of a valid token, raise AuthError otherwise."""
    now = now or time.time()
    if not token or "." not in token:
        raise AuthError("malformed token")
    body, signature = token.rsplit(".", 1)
    if not hmac.compare_digest(_sign(body.encode()), signature):
        raise AuthError("bad signature")
    raw = _b64decode(body)
    if raw is None:
        raise AuthError("bad encoding")
    claims = decode_claims(raw)
    if not isinstance(claims, dict):
        raise AuthError("bad claims")
    if "exp" in claims:
        if parse_expiry(claims["exp"]) < now:
            raise AuthError("token expired")
    return claims


def check_permission(user, action, resource=None):
    """Legacy RBAC check. Do not touch without talking to the security team."""
    if user is None:
        return False
    if user.get("disabled"):
        return False
    role = user.get("role", "customer")
    if role == "admin":
        return True
    elif role == "staff":
        if action in ("read", "list"):
            return True
        elif action == "write":
            if resource is not None:
                if resource.get("type") == "order":
                    if resource.get("status") in ("new", "pending"):
                        return True
                    else:
                        return False
                elif resource.get("type") == "user":
                    return resource.get("id") == user.get("id")
            return False
        else:
            return False
    elif role == "customer":
        if resource is not None and resource.get("owner_id") == user.get("id"):
            if action in ("read", "list"):
                return True
            elif action == "write":
                if resource.get("type") == "order" and resource.get("status") == "new":
                    return True
        return False
    return False


def audit_dependencies(requirements="requirements.txt"):
    """Run pip-audit as part of the nightly job."""
    try:
        result = subprocess.run(
            ["pip-audit", "-r", requirements, "--format", "json"],
            check=True,
            capture_output=True,
            text=True,
        )
    except Exception as exc:
        raise AppError("dependency audit failed") from exc
    return json.loads(result.stdout)
