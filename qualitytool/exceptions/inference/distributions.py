"""The distributions installed in an environment's site-packages, read from their metadata.

Which distribution (name and version) a module belongs to, which files it installed and
whether it ships compiled extension modules, read from ``*.dist-info`` (``METADATA``,
``RECORD``, ``top_level.txt``) or legacy ``*.egg-info`` folders, as files: nothing is
imported.  A namespace package (``google``) shared by several distributions is told apart
by the files each one's ``RECORD`` lists.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_EXTENSION_SUFFIXES = (".so", ".pyd")
_MAX_METADATA_BYTES = 1 << 22
_NAME = re.compile(r"[-_.]+")


def normalized_name(name: str) -> str:
    """PEP 503's normal form: ``Typing_Extensions`` -> ``typing-extensions``."""
    return _NAME.sub("-", name).lower()


@dataclass(frozen=True)
class Distribution:
    """One installed distribution: its name and version, where it is, what it installed."""

    name: str
    version: str
    site: Path  # the site-packages folder it is installed in
    top_level: tuple[str, ...]  # its top-level modules and packages
    # The module files it installed, relative to ``site`` in POSIX form; empty when its
    # metadata does not list them (then every file under its top-level names counts).
    files: frozenset[str]
    has_extensions: bool  # compiled modules (.so, .pyd) among its files

    @property
    def label(self) -> str:
        """``httpx 0.28.1``."""
        return f"{self.name} {self.version}"

    def owns(self, path: Path) -> bool:
        """Whether the module file ``path`` was installed by this distribution."""
        try:
            relative = path.relative_to(self.site).as_posix()
        except ValueError:
            return False
        if self.files:
            return relative in self.files
        return relative.split("/", 1)[0].removesuffix(".py") in self.top_level


class InstalledDistributions:
    """The distributions of some site-packages folders, indexed by top-level module."""

    def __init__(self, site_packages: Sequence[Path]) -> None:
        self.site_packages = tuple(site_packages)
        self._by_top: dict[str, list[Distribution]] | None = None

    def all(self) -> list[Distribution]:
        """Every distribution found, once each, in name order."""
        unique = {id(d): d for found in self._index().values() for d in found}
        return sorted(unique.values(), key=lambda d: normalized_name(d.name))

    def by_name(self, name: str) -> Distribution | None:
        wanted = normalized_name(name)
        return next((d for d in self.all() if normalized_name(d.name) == wanted), None)

    def provides(self, top_level: str) -> bool:
        """Whether some distribution installs the top-level module ``top_level``."""
        return top_level in self._index()

    def module_file(self, module: str) -> Path | None:
        """The source file of a module (``a/b.py`` or ``a/b/__init__.py``) in site-packages."""
        parts = module.split(".")
        if not all(part.isidentifier() for part in parts):
            return None
        relative = Path(*parts)
        for site in self.site_packages:
            for candidate in (site / relative.with_suffix(".py"), site / relative / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return None

    def distribution_of(self, qualified: str) -> Distribution | None:
        """The distribution that defines the dotted name ``qualified`` (a module, or a name
        in one), or None for names no installed distribution provides."""
        parts = qualified.split(".")
        candidates = self._index().get(parts[0], [])
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        for cut in range(len(parts), 0, -1):  # a namespace package: whose file is it?
            path = self.module_file(".".join(parts[:cut]))
            if path is not None:
                return next((d for d in candidates if d.owns(path)), None)
        return None

    def _index(self) -> dict[str, list[Distribution]]:
        if self._by_top is None:
            by_top: dict[str, list[Distribution]] = {}
            for site in self.site_packages:
                for distribution in _distributions_in(site):
                    for top in distribution.top_level:
                        by_top.setdefault(top, []).append(distribution)
            self._by_top = by_top
        return self._by_top


def _distributions_in(site: Path) -> Iterable[Distribution]:
    try:
        folders = sorted(site.iterdir())
    except OSError:
        return
    for folder in folders:
        if folder.suffix in (".dist-info", ".egg-info") and folder.is_dir():
            found = _read_distribution(site, folder)
            if found is not None:
                yield found


def _read_text(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_METADATA_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _read_distribution(site: Path, folder: Path) -> Distribution | None:
    metadata = _read_text(folder / ("METADATA" if folder.suffix == ".dist-info" else "PKG-INFO"))
    if metadata is None:
        return None
    headers: dict[str, str] = {}
    for line in metadata.splitlines():
        if not line.strip():
            break  # the headers end at the first blank line; the description follows
        key, sep, value = line.partition(":")
        if sep and key in ("Name", "Version") and key not in headers:
            headers[key] = value.strip()
    name, version = headers.get("Name"), headers.get("Version")
    if not name or not version:
        return None
    files = _record_files(folder)
    top_level: dict[str, None] = {}
    listed = _read_text(folder / "top_level.txt")
    if listed is not None:
        top_level.update(dict.fromkeys(t.strip() for t in listed.splitlines() if t.strip()))
    for file in files:
        head = file.split("/", 1)[0]
        if "/" not in file:
            if not file.endswith((".py", *_EXTENSION_SUFFIXES)):
                continue
            head = head.split(".", 1)[0]
        if head.isidentifier():
            top_level[head] = None
    top = tuple(t for t in top_level if t.isidentifier())
    has_extensions = any(f.endswith(_EXTENSION_SUFFIXES) for f in files) or (
        not files and _has_extensions_under(site, top)
    )
    module_files = frozenset(f for f in files if f.endswith(".py"))
    return Distribution(name, version, site, top, module_files, has_extensions)


def _record_files(folder: Path) -> list[str]:
    """Files a distribution installed under site-packages (``RECORD``, or the legacy
    ``installed-files.txt`` relative to the egg-info folder)."""
    record = _read_text(folder / "RECORD")
    if record is not None:
        rows = csv.reader(io.StringIO(record))
        paths = [row[0] for row in rows if row]
    else:
        listed = _read_text(folder / "installed-files.txt")
        if listed is None:
            return []
        paths = []
        for line in listed.splitlines():
            resolved = (folder / line.strip()).resolve()
            try:
                paths.append(resolved.relative_to(folder.parent.resolve()).as_posix())
            except ValueError:
                continue
    return [
        p for p in paths
        if p and not p.startswith(("../", "/")) and "__pycache__" not in p
        and not p.split("/", 1)[0].endswith((".dist-info", ".egg-info", ".data"))
    ]


def _has_extensions_under(site: Path, top_level: Iterable[str]) -> bool:
    for top in top_level:
        try:
            if any((site / top).rglob(f"*{suffix}") for suffix in _EXTENSION_SUFFIXES):
                return True
            if any(site.glob(f"{top}.*{suffix}") for suffix in _EXTENSION_SUFFIXES):
                return True
        except OSError:
            return True
    return False
