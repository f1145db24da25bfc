import pytest

from app.db import Database


@pytest.fixture
def db():
    database = Database(":memory:")
    database.init_schema()
    yield database
    database.close()


def test_settings_lookup_with_default(db):
    assert db.get_setting("maintenance_mode", default="off") == "off"
    db.set_setting("maintenance_mode", "on")
    assert db.get_setting("maintenance_mode") == "on"


def test_order_quantity_falls_back_to_one(db):
    assert Database.order_quantity({"quantity": "3"}) == 3
    assert Database.order_quantity({"quantity": "lots"}) == 1
    assert Database.order_quantity({}) == 1
    user_id = db.create_user("a@example.com", "x")
    db.create_order(user_id, [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": "two"}])
    assert db.order_total_items(user_id) == 3


def test_get_user_before_schema_returns_none():
    database = Database(":memory:")
    assert database.get_user(1) is None


def test_transaction_rolls_back(db):
    with pytest.raises(RuntimeError):
        with db.transaction() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')")
            raise RuntimeError("boom")
    db.load_settings()
    assert db.get_setting("k") is None
