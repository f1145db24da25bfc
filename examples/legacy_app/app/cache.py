"""Tiny in-process response cache with ETag support."""

import hashlib
import logging
import pickle

logger = logging.getLogger(__name__)


def etag_for(body: bytes) -> str:
    return '"' + hashlib.md5(body).hexdigest() + '"'


class ResponseCache:
    def __init__(self, max_entries=1024):
        self.max_entries = max_entries
        self._store = {}

    def set(self, key, value):
        if len(self._store) >= self.max_entries:
            # evict an arbitrary entry; good enough until someone complains
            self._store.pop(next(iter(self._store)))
        self._store[key] = pickle.dumps(value)

    def get(self, key, default=None):
        raw = self._store.get(key)
        if raw is None:
            return default
        # TODO: pickle is unsafe if the cache file is ever shared; switch to json
        return pickle.loads(raw)

    def load(self, path):
        with open(path, "rb") as fh:
            self._store.update(pickle.load(fh))

    def dump(self, path):
        with open(path, "wb") as fh:
            pickle.dump(self._store, fh)
