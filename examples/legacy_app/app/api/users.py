"""User and order endpoints (the part of the API the mobile app talks to)."""

import json
import logging

from app.errors import AuthError, NotFoundError
from app.framework import HTTPException, JSONResponse, Router
from app.security import check_permission, hash_password, verify_token

logger = logging.getLogger(__name__)

# Shown in the admin UI when an order has no note. This is a string, not a comment.
PLACEHOLDER_NOTE = "# TODO: customer did not leave a note"
MAX_ITEMS_PER_ORDER = 50


def validate_order_payload(payload):
    """Return a list of human-readable problems with an order payload."""
    errors = []
    if not isinstance(payload, dict):
        return ["payload must be an object"]
    items = payload.get("items")
    if items is None:
        errors.append("items is required")
    elif not isinstance(items, list):
        errors.append("items must be a list")
    else:
        if len(items) == 0:
            errors.append("order has no items")
        elif len(items) > MAX_ITEMS_PER_ORDER:
            errors.append("too many items")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                errors.append(f"items[{i}] must be an object")
                continue
            if "sku" not in item:
                errors.append(f"items[{i}].sku is required")
            elif not isinstance(item["sku"], str) or not item["sku"].strip():
                errors.append(f"items[{i}].sku must be a non-empty string")
            if "quantity" in item:
                qty = item["quantity"]
                if isinstance(qty, bool) or not isinstance(qty, int):
                    errors.append(f"items[{i}].quantity must be an integer")
                elif qty <= 0:
                    errors.append(f"items[{i}].quantity must be positive")
                elif qty > 1000:
                    if not payload.get("bulk"):
                        errors.append(f"items[{i}].quantity needs bulk=true above 1000")
    note = payload.get("note")
    if note is not None and not isinstance(note, str):
        errors.append("note must be a string")
    return errors


def current_user(request, db):
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        raise AuthError("missing bearer token")
    claims = verify_token(header[len("Bearer "):])
    user = db.get_user(claims.get("sub"))
    if user is None:
        raise AuthError("unknown user")
    return user


def make_user_router(db, notifier=None):
    router = Router(prefix="/api")

    @router.post("/users")
    def create_user(request):
        try:
            payload = json.loads(request.body)
        except ValueError:
            raise HTTPException(400, "invalid JSON")
        if not payload.get("email") or not payload.get("password"):
            raise HTTPException(422, "email and password are required")
        user_id = db.create_user(payload["email"], hash_password(payload["password"]))
        return JSONResponse({"id": user_id, "email": payload["email"]}, status_code=201)

    @router.get("/users/me")
    def me(request):
        user = current_user(request, db)
        user.pop("password_hash", None)
        return JSONResponse(user)

    @router.post("/orders")
    def create_order(request):
        user = current_user(request, db)
        try:
            payload = json.loads(request.body)
        except ValueError:
            raise HTTPException(400, "invalid JSON")
        problems = validate_order_payload(payload)
        if problems:
            return JSONResponse({"errors": problems}, status_code=422)
        order_id = db.create_order(user["id"], payload["items"])
        if notifier is not None:
            notifier.trigger(f"private-user-{user['id']}", "order.created", {"order_id": order_id})
        return JSONResponse({"id": order_id, "note": payload.get("note") or PLACEHOLDER_NOTE},
                            status_code=201)

    @router.get("/orders")
    def list_orders(request):
        # TODO: add pagination, some B2B accounts have 20k orders
        user = current_user(request, db)
        if not check_permission(user, "list", {"owner_id": user["id"]}):
            raise NotFoundError("no such resource")
        return JSONResponse({"orders": db.list_orders_with_items(user["id"])})

    return router
