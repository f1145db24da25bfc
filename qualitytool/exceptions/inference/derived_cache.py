"""Where derived contracts are kept between runs: one JSON file per distribution version.

Deriving a library's contracts means parsing its source, which costs more than the rest of a
run; the result depends only on that source (a distribution version), on qualitytool's own
code and knowledge base, and on the project's extra knowledge-base files.  So it is kept in
the user's cache folder, outside any checkout (``$QUALITYTOOL_CACHE_DIR``, else
``$XDG_CACHE_HOME/qualitytool``, else ``~/.cache/qualitytool``), under ``derived/``, one file
per distribution version and fingerprint of the rest:
``derived/httpx-0.28.1-<fingerprint>.json``.

It is data this tool wrote, but it is read as untrusted input all the same: a file that is
not a regular file, too large, not JSON or not of the expected shape is ignored with a
warning (and derived again), never a crash.  All reads and writes go through this module.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from qualitytool import __version__
from qualitytool.cache_files import prune, write_json
from qualitytool.exceptions.inference.distributions import Distribution, normalized_name

logger = logging.getLogger(__name__)

FORMAT = 1
_MAX_BYTES = 16 << 20
_SAFE = re.compile(r"[^A-Za-z0-9.+_-]+")


def user_cache_directory() -> Path:
    """qualitytool's folder in the user's cache (never inside a checkout)."""
    configured = os.environ.get("QUALITYTOOL_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if os.name == "nt":
        base = base or os.environ.get("LOCALAPPDATA", "")
    root = Path(base).expanduser() if base else Path.home() / ".cache"
    return root / "qualitytool"


@dataclass
class PackageRecord:
    """What was derived from one distribution: contracts by callee (JSON-ready tables, see
    :meth:`DerivedContract.to_json`) and exception classes' bases."""

    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    exceptions: dict[str, list[str]] = field(default_factory=dict)


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """A digest of the code and shipped data the derivation depends on (its version alone
    would not change while it is developed)."""
    digest = hashlib.sha256(f"{__version__}:{FORMAT}".encode())
    for package in ("qualitytool.exceptions.inference", "qualitytool.rules"):
        folder = resources.files(package)
        texts = []
        for item in folder.iterdir():
            if item.name.endswith(".py") and item.is_file():
                texts.append((item.name, item.read_bytes()))
        exceptions = folder.joinpath("exceptions")
        if exceptions.is_dir():
            texts += [(i.name, i.read_bytes()) for i in exceptions.iterdir()
                      if i.name.endswith(".toml")]
        for name, data in sorted(texts):
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    try:
        digest.update(metadata.version("typeshed_client").encode())
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        pass
    return digest.hexdigest()


def fingerprint(knowledge_files: Iterable[str], python: tuple[int, int] | None) -> str:
    """What besides the distribution's own source a derivation depends on: this code, the
    project's extra knowledge-base files (their contents) and the environment's Python."""
    digest = hashlib.sha256(_code_digest().encode())
    for name in knowledge_files:
        try:
            digest.update(hashlib.sha256(Path(name).read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable:" + name.encode())
    digest.update(repr(python).encode())
    return digest.hexdigest()[:20]


class DerivedCache:
    """The derived-contract files of one fingerprint in ``directory``; ``valid_entry(name,
    table)`` checks each contract's table."""

    def __init__(
        self, directory: Path, key: str, valid_entry: Callable[[str, Any], bool]
    ) -> None:
        self.directory = directory
        self.key = key
        self.valid_entry = valid_entry

    def path(self, distribution: Distribution) -> Path:
        name = _SAFE.sub("_", normalized_name(distribution.name))
        version = _SAFE.sub("_", distribution.version)
        return self.directory / f"{name}-{version}-{self.key}.json"

    def load(self, distribution: Distribution) -> PackageRecord | None:
        """The record of ``distribution``, or None when there is none or it is unusable (a
        warning says why)."""
        path = self.path(distribution)
        try:
            info = path.lstat()
        except OSError:
            return None
        problem = _file_problem(info)
        if problem is None:
            try:
                with path.open("rb") as handle:
                    data = json.loads(handle.read(_MAX_BYTES + 1))
            except (OSError, ValueError, RecursionError) as exc:
                problem = f"cannot be read as JSON ({type(exc).__name__})"
            else:
                record, problem = _validated(data, distribution, self.key, self.valid_entry)
                if record is not None:
                    _keep_fresh(path, info)
                    return record
        logger.warning("qualitytool: ignoring the derived-contract cache %s: %s", path, problem)
        return None

    def save(self, distribution: Distribution, record: PackageRecord) -> None:
        """Write ``record``, merged with what another process wrote meanwhile; a failure
        only costs the next run the time to derive again."""
        path = self.path(distribution)
        merged = PackageRecord()
        try:
            existing = self.load(distribution) if path.exists() else None
        except OSError:
            existing = None
        if existing is not None:
            merged.contracts.update(existing.contracts)
            merged.exceptions.update(existing.exceptions)
        merged.contracts.update(record.contracts)
        merged.exceptions.update(record.exceptions)
        write_json(path, {
            "format": FORMAT, "key": self.key, "distribution": distribution.name,
            "version": distribution.version, "contracts": merged.contracts,
            "exceptions": merged.exceptions,
        }, sort_keys=True)
        prune(self.directory, "*.json", path.name)


def _file_problem(info: os.stat_result) -> str | None:
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if info.st_size > _MAX_BYTES:
        return f"larger than {_MAX_BYTES >> 20} MB"
    return None


def _keep_fresh(path: Path, info: os.stat_result) -> None:
    """Mark a file in use, so that :func:`prune` (by age) leaves it alone."""
    if time.time() - info.st_mtime > 86400:
        try:
            os.utime(path)
        except OSError:
            pass


def _validated(
    data: Any, distribution: Distribution, key: str, valid_entry: Callable[[str, Any], bool]
) -> tuple[PackageRecord | None, str]:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None, "not a derived-contract file of this format"
    if (data.get("key"), data.get("distribution"), data.get("version")) != (
        key, distribution.name, distribution.version
    ):
        return None, "made for another distribution, version or fingerprint"
    contracts, exceptions = data.get("contracts"), data.get("exceptions")
    if not isinstance(contracts, dict) or not isinstance(exceptions, dict):
        return None, "'contracts' and 'exceptions' must be tables"
    for name, entry in contracts.items():
        if not isinstance(name, str) or not valid_entry(name, entry):
            return None, f"malformed contract {str(name)[:80]!r}"
    if not all(_is_name_list(name, bases) for name, bases in exceptions.items()):
        return None, "malformed exception bases"
    return PackageRecord(dict(contracts), {k: list(v) for k, v in exceptions.items()}), ""


def _is_name_list(name: Any, values: Any) -> bool:
    return isinstance(name, str) and isinstance(values, list) and all(
        isinstance(v, str) and v for v in values
    )


