"""The files of qualitytool's caches in a project's cache folder: where they live, how they
are read and how they are written.

A cache folder comes with the checkout like everything else in it, and every entry of a cache
is keyed by things a stranger can compute (a file's content hash, the tool's version): a
repository could ship a cache saying that its files have no findings.  So a cache is trusted
only when this machine wrote it:

- **Signed.**  Every cache file starts with a line holding an HMAC-SHA256 of its name and
  content under a key of this machine's user, kept outside every checkout
  (``$XDG_CACHE_HOME/qualitytool/cache-key``, else ``~/.cache/qualitytool/cache-key``; made
  on first use, mode 0600, refused when others may read it or when it lies inside the
  analysed project).  A file without a valid signature is ignored with a warning.
- **Never one git tracks.**  A cache file committed to the repository is ignored (and never
  overwritten).  Asking git costs a process start, so the signed line also holds the stamp of
  the git index it was last checked against: while the index is unchanged nothing can have
  become tracked, and git is asked again only after the index changed.
- **Read as a stranger's file** (:mod:`qualitytool.own_files`): inside the project, never
  through a symbolic link, a regular file under a size cap; the callers check each entry's
  shape (:mod:`qualitytool.json_schemas`) before using it.

Every cache is JSON, never pickle, read with the cyclic collector paused (the data is acyclic,
and the collector would only rescan it while it is built) and written through a temporary file
and a rename.  A cache that is missing, refused, corrupt or unwritable only costs time:
nothing here raises.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import json
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

from qualitytool.atomic_files import atomic_write
from qualitytool.config import Config, cache_directory
from qualitytool.own_files import MEGABYTE, OwnFileRefused, leads_out, read_own_file

_GITIGNORE = "# Made by qualitytool: its cache is never committed.\n*\n"
# The folder at the project root where every run keeps its files (caches, run log, evidence).
STATE_FOLDER = ".qualitytool"
_STATE_GITIGNORE = "# Made by qualitytool: what it keeps here is never committed.\n*\n"
# A cache file of other settings (another version, other options) unused this long goes.
STALE_DAYS = 30
# The largest cache file read: pylint's messages over a very large project stay far below.
CACHE_LIMIT = 512 * MEGABYTE
_MAGIC = b"qualitytool-cache"
_SIGNATURE_VERSION = b"1"
_KEY_BYTES = 32
_NO_GIT = b"no-git"


def key_file() -> Path | None:
    """Where this user's cache key is kept (outside every checkout), or None when there is
    no home folder to keep it in."""
    configured = os.environ.get("XDG_CACHE_HOME", "")
    if configured and os.path.isabs(configured):
        return Path(configured) / "qualitytool" / "cache-key"
    try:
        return Path.home() / ".cache" / "qualitytool" / "cache-key"
    except RuntimeError:
        return None


def machine_key(root: Path) -> tuple[bytes | None, str | None]:
    """``(key, None)``: this user's cache key, made on first use; ``(None, why)`` when there
    is none to use (then nothing is cached)."""
    path = key_file()
    if path is None:
        return None, "no home folder to keep the cache key in"
    real_root = os.path.realpath(root)
    real_key = os.path.realpath(path)
    if real_key == real_root or real_key.startswith(real_root.rstrip(os.sep) + os.sep):
        return None, f"the cache key {path} lies inside the analysed project"
    for _attempt in range(2):
        key, why = _read_key(path)
        if key is not None or why is not None:
            return key, why
        why = _make_key(path)
        if why is not None:
            return None, why
    return None, f"{path}: cannot read the cache key"  # pragma: no cover - made, then gone


def _read_key(path: Path) -> tuple[bytes | None, str | None]:
    """``(None, None)`` when there is no key file yet."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"{path}: cannot read the cache key: {exc.strerror or exc}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, f"{path} is not a regular file"
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            return None, f"{path} belongs to another user"
        if info.st_mode & 0o077:
            return None, (f"others may read or write {path} (mode {info.st_mode & 0o777:o}); "
                          "make it 0600")
        text = os.read(fd, 2 * _KEY_BYTES + 2).strip()
    except OSError as exc:
        return None, f"{path}: cannot read the cache key: {exc.strerror or exc}"
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        return None, f"{path} does not hold a cache key"
    return key, None


def _make_key(path: Path) -> str | None:
    """Write a new key to ``path`` (0600, atomically, never over another); why not, or None."""
    import secrets  # once per machine

    key = secrets.token_hex(_KEY_BYTES) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(path, key.encode("ascii"), mode=0o600, durable=False, exclusive=True)
    except FileExistsError:
        pass  # another process made one meanwhile: that one wins
    except OSError as exc:
        return f"cannot make the cache key {path}: {exc.strerror or exc}"
    return None


def ignore_state_folder(directory: Path) -> None:
    """Make the project's ``.qualitytool`` folder, ``directory`` or the one it is in, ignore
    itself (a ``.gitignore`` of ``*``, as ruff's cache does): the run log, the evidence and
    the caches it holds never show in ``git status``.  Made again when a user deleted it."""
    for folder in (directory, *directory.parents):
        if folder.name == STATE_FOLDER:
            marker = folder / ".gitignore"
            if not marker.exists():
                try:
                    marker.write_text(_STATE_GITIGNORE, encoding="utf-8")
                except OSError:  # a read-only checkout: nothing was written there either
                    pass
            return


def _git_index(root: Path) -> Path | None:
    """The index file of the git work tree holding ``root``, or None outside git."""
    for directory in (root, *root.parents):
        dot_git = directory / ".git"
        try:
            if dot_git.is_dir():
                return dot_git / "index"
            if dot_git.is_file():  # a worktree or submodule: "gitdir: PATH"
                line = dot_git.read_text(encoding="utf-8", errors="replace").strip()
                if line.startswith("gitdir:"):
                    target = Path(line[len("gitdir:"):].strip())
                    return (target if target.is_absolute() else directory / target) / "index"
                return None
        except OSError:
            return None
    return None


class CacheFolder:
    """The cache folder of one project: reads and writes its signed cache files.

    ``warnings`` collects one line for each cache file ignored and for a cache that cannot
    be used at all; the commands print them.
    """

    def __init__(self, root: Path, directory: Path) -> None:
        self.root = root
        self.directory = directory
        self.warnings: list[str] = []
        self._off: str | None = leads_out(root, directory)
        if self._off is not None:
            self._warn(f"the cache is not used: {self._off}")
        self._key: bytes | None = None
        self._key_checked = False
        self._index: bytes | None = None
        self._tracked: frozenset[str] | None = None
        self._not_ours: set[str] = set()  # refused files: never overwritten
        self._lock = threading.RLock()  # the report's runner threads share the folder

    @classmethod
    def of(cls, config: Config) -> CacheFolder:
        """The cache folder of the project of ``config`` (``cache-dir``, else
        ``.qualitytool/cache`` under its root)."""
        return cls(config.root, cache_directory(config.root, config))

    @property
    def usable(self) -> bool:
        """Whether anything can be cached (the folder is inside the project, a key exists)."""
        return self._off is None and self._machine_key() is not None

    def path(self, name: str) -> Path:
        return self.directory / name

    def shown(self, name: str) -> str:
        """``name`` as warnings show it: relative to the project root."""
        try:
            return (self.directory / name).relative_to(self.root).as_posix()
        except ValueError:
            return str(self.directory / name)

    def read(self, name: str) -> Any:
        """The data of the cache file ``name``, or None when it is missing or ignored."""
        if self._off is not None:
            return None
        try:
            raw = read_own_file(self.directory / name, self.root, CACHE_LIMIT)
        except OwnFileRefused as exc:
            return self._refuse(name, str(exc))
        if raw is None:
            return None
        key = self._machine_key()
        if key is None:
            return None
        header, newline, body = raw.partition(b"\n")
        fields = header.split(b" ")
        if not newline or len(fields) != 4 or fields[:2] != [_MAGIC, _SIGNATURE_VERSION]:
            return self._refuse(name, "not signed by qualitytool on this machine (a cache that "
                                      "came with the checkout is never trusted)")
        index, mac = fields[2], fields[3]
        if not hmac.compare_digest(mac, _mac(key, name, index, body)):
            return self._refuse(name, "its signature is not this machine's (a cache that came "
                                      "with the checkout is never trusted)")
        if index != self._index_stamp():
            if name in self._tracked_names():
                return self._refuse(name, "git tracks it (a cache is never committed; "
                                          "`git rm --cached` it)", keep=True)
            self._write_body(name, body)  # checked against this index now: asked once
        return _parse(body, lambda why: self._refuse(name, why))

    def write(self, name: str, data: Any, *, sort_keys: bool = False) -> None:
        """Replace the cache file ``name`` with ``data``, signed.  A cache folder made here
        gets a ``.gitignore`` telling git to leave it alone (as ruff's does), so that a run,
        the pre-commit hook, leaves no untracked files behind."""
        if self._off is not None or name in self._not_ours:
            return
        text = json.dumps(data, separators=(",", ":"), sort_keys=sort_keys)
        self._write_body(name, text.encode("utf-8"))

    def prune(self, pattern: str, keep: str) -> None:
        """Delete the cache files matching ``pattern``, other than ``keep``, not written for
        :data:`STALE_DAYS` days: each version and setting has its own file, and those of an
        upgraded version or a setting no longer used would pile up forever."""
        if self._off is not None:
            return
        prune(self.directory, pattern, keep, spare=self._tracked_names())

    def _write_body(self, name: str, body: bytes) -> None:
        key = self._machine_key()
        if key is None or name in self._not_ours:
            return
        index = self._index_stamp()
        data = b" ".join((_MAGIC, _SIGNATURE_VERSION, index, _mac(key, name, index, body)))
        _replace(self.directory / name, data + b"\n" + body)

    def _refuse(self, name: str, why: str, *, keep: bool = False) -> None:
        """Ignore the cache file ``name`` with a warning; ``keep``: never overwrite it (a file
        git tracks is never rewritten, whatever else is wrong with it)."""
        if keep or name in self._tracked_names():
            self._not_ours.add(name)
        self._warn(f"{self.shown(name)}: ignored: {why}")

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _machine_key(self) -> bytes | None:
        with self._lock:
            if not self._key_checked:
                self._key_checked = True
                self._key, why = machine_key(self.root)
                if why is not None:
                    self._warn(f"the cache is not used: {why}")
            return self._key

    def _index_stamp(self) -> bytes:
        """The git index's stamp (inode, size, modification and change times): any change
        to what git tracks changes it."""
        with self._lock:
            return self._index_stamp_locked()

    def _index_stamp_locked(self) -> bytes:
        if self._index is None:
            index = _git_index(Path(os.path.realpath(self.root)))
            try:
                info = os.stat(index) if index is not None else None
            except OSError:
                info = None
            self._index = _NO_GIT if info is None else (
                f"{info.st_ino}-{info.st_size}-{info.st_mtime_ns}-{info.st_ctime_ns}".encode()
            )
        return self._index

    def _tracked_names(self) -> frozenset[str]:
        """The names of the files in the folder that git tracks (asked once per run)."""
        with self._lock:
            return self._tracked_locked()

    def _tracked_locked(self) -> frozenset[str]:
        if self._tracked is None:
            self._tracked = frozenset()
            if self._index_stamp() != _NO_GIT and self.directory.is_dir():
                import subprocess  # only after the git index changed

                try:
                    listed = subprocess.run(
                        ["git", "ls-files", "-z", "--", "."], cwd=self.directory,
                        capture_output=True, timeout=60, check=False,
                    )
                except (OSError, subprocess.SubprocessError):
                    listed = None
                if listed is not None and listed.returncode == 0:
                    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
                    self._tracked = frozenset(n for n in names if n and "/" not in n)
        return self._tracked


def write_json(path: Path, data: Any, *, sort_keys: bool = False) -> None:
    """Replace ``path`` with ``data`` as JSON, unsigned: for a cache in the user's cache
    folder, outside any checkout (the derived contracts), which a commit cannot reach."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=sort_keys)
    _replace(path, text.encode("utf-8"))


def prune(directory: Path, pattern: str, keep: str, spare: frozenset[str] = frozenset()) -> None:
    """Delete the cache files matching ``pattern`` in ``directory``, other than ``keep`` and
    ``spare``, not written for :data:`STALE_DAYS` days: each version and setting has its own
    file, and those of an upgraded version or a setting no longer used would pile up
    forever."""
    cutoff = time.time() - STALE_DAYS * 86400
    try:
        for other in directory.glob(pattern):
            if other.name != keep and other.name not in spare and (
                other.lstat().st_mtime < cutoff
            ):
                other.unlink()
    except OSError:
        pass


def _replace(path: Path, data: bytes) -> None:
    """Write the cache file ``path`` atomically; a folder made here gets a ``.gitignore``
    telling git to leave it alone (as ruff's does), so that a run, the pre-commit hook,
    leaves no untracked files behind.  A cache that cannot be written is not an error."""
    try:
        directory = path.parent
        if not directory.is_dir():
            directory.mkdir(parents=True)
            (directory / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
        ignore_state_folder(directory)
        # This user's, as its key is; one lost in a crash is rebuilt: no fsync.
        atomic_write(path, data, mode=0o600, durable=False)
    except OSError:
        pass


def _mac(key: bytes, name: str, index: bytes, body: bytes) -> bytes:
    signed = hmac.new(key, name.encode("utf-8") + b"\0" + index + b"\0", hashlib.sha256)
    signed.update(body)
    return signed.hexdigest().encode("ascii")


def _parse(body: bytes, refuse: Any) -> Any:
    collecting = gc.isenabled()
    gc.disable()
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return refuse("not valid JSON")
    finally:
        if collecting:
            gc.enable()


def read_table(folder: CacheFolder, name: str, version: str, key: str) -> dict[str, Any]:
    """The table ``key`` of the cache file ``name`` when it is of format ``version``; empty
    when the file is missing, ignored, or of another format or shape."""
    loaded = folder.read(name)
    if isinstance(loaded, dict) and loaded.get("format") == version:
        table = loaded.get(key)
        if isinstance(table, dict):
            return table
    return {}
