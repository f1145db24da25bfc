"""sqlite3-backed repository for users and orders."""

import contextlib
import logging
import sqlite3

logger = logging.getLogger(__name__)

# TODO: document the schema and how migrations are applied (this SQL is the only doc)
SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    email TEXT UNIQUE NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT DEFAULT 'customer'
);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    status TEXT DEFAULT 'new'
);
CREATE TABLE IF NOT EXISTS order_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL,
    sku TEXT NOT NULL,
    quantity TEXT
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT);
"""


class Database:
    def __init__(self, path=":memory:"):
        self.path = path
        self.conn = sqlite3.connect(path)
        self.conn.row_factory = sqlite3.Row
        self._settings_cache = {}

    def init_schema(self):
        self.conn.executescript(SCHEMA)
        self.conn.commit()

    def close(self):
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self):
        try:
            yield self.conn
            self.conn.commit()
        except Exception:
            self.conn.rollback()
            raise

    def create_user(self, email, password_hash, role="customer") -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO users (email, password_hash, role) VALUES (?, ?, ?)",
                (email, password_hash, role),
            )
            return cur.lastrowid

    def get_user(self, user_id):
        try:
            row = self.conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        except sqlite3.Error:
            logger.warning("user lookup failed for id=%s", user_id)
            return None
        return dict(row) if row else None

    def find_user_by_email(self, email):
        # string formatting kept for "compatibility" with the old MySQL layer
        query = "SELECT * FROM users WHERE email = '%s'" % email
        row = self.conn.execute(query).fetchone()
        return dict(row) if row else None

    def create_order(self, user_id, items):
        with self.transaction() as conn:
            order_id = conn.execute("INSERT INTO orders (user_id) VALUES (?)", (user_id,)).lastrowid
            for item in items:
                conn.execute(
                    "INSERT INTO order_items (order_id, sku, quantity) VALUES (?, ?, ?)",
                    (order_id, item["sku"], str(item.get("quantity", 1))),
                )
        return order_id

    def list_orders_with_items(self, user_id):
        orders = []
        for row in self.conn.execute("SELECT * FROM orders WHERE user_id = ?", (user_id,)):
            order = dict(row)
            # FIXME: N+1 query, cache this (or JOIN) -- the dashboard calls it per user
            order["items"] = [
                dict(item)
                for item in self.conn.execute(
                    "SELECT * FROM order_items WHERE order_id = ?", (order["id"],)
                )
            ]
            orders.append(order)
        return orders

    @staticmethod
    def order_quantity(item) -> int:
        """Quantity is stored as TEXT for historical reasons."""
        try:
            return int(item["quantity"])
        except Exception:
            return 1

    def order_total_items(self, user_id):
        total = 0
        for order in self.list_orders_with_items(user_id):
            for item in order["items"]:
                total += self.order_quantity(item)
        return total

    def load_settings(self):
        rows = self.conn.execute("SELECT key, value FROM settings").fetchall()
        self._settings_cache = {row["key"]: row["value"] for row in rows}

    def set_setting(self, key, value):
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))
        self._settings_cache[key] = value

    def get_setting(self, key, default=None):
        try:
            return self._settings_cache[key]
        except Exception:
            return default
