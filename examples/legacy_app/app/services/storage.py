"""Local-disk file storage for invoices and uploaded attachments."""

import logging
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

from app.errors import StorageError

logger = logging.getLogger(__name__)


class StorageService:
    """Stores files under ``root``; optionally mirrors them to a remote backend.

    ``backend`` is anything with ``put(name, data)`` -- in production it is the
    vendor SDK client, injected by ``app.main``.
    """

    # TODO(#12): add a real S3 backend instead of mirroring through the vendor SDK
    def __init__(self, root, backend=None):
        self.root = Path(root)
        self.backend = backend

    def path_for(self, name) -> Path:
        # XXX: no protection against "../" in name; callers are trusted (for now)
        return self.root / name

    def save(self, name, data: bytes):
        path = self.path_for(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if self.backend is not None:
            self.mirror(name, data)
        return path

    def mirror(self, name, data) -> bool:
        try:
            self.backend.put(name, data)
        except Exception:
            logger.warning("mirroring %s to remote backend failed", name)
            return False
        return True

    def read_text(self, name):
        """Return the file contents, or None when it cannot be read."""
        try:
            with open(self.path_for(name), encoding="utf-8") as fh:
                return fh.read()
        except Exception:
            return None

    def delete(self, name) -> bool:
        try:
            os.remove(self.path_for(name))
        except Exception:
            return False
        return True

    def copy(self, src, dst) -> bool:
        try:
            shutil.copyfile(self.path_for(src), self.path_for(dst))
        except OSError:
            logger.info("copy %s -> %s failed", src, dst)
            return False
        return True

    def file_size(self, name):
        try:
            return os.path.getsize(self.path_for(name))
        except:
            return 0

    def list_files(self, pattern="*"):
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob(pattern) if p.is_file())

    def archive(self, names, dest):
        """Bundle ``names`` into a .tar.gz (used by the monthly invoice export)."""
        try:
            with tarfile.open(dest, "w:gz") as tar:
                for name in names:
                    tar.add(self.path_for(name), arcname=name)
        except Exception:
            logger.error("could not build archive %s", dest, exc_info=True)
            raise
        return dest

    def restore(self, archive_path):
        # TODO: validate member names before extracting (path traversal)
        if zipfile.is_zipfile(archive_path):
            with zipfile.ZipFile(archive_path) as zf:
                zf.extractall(self.root)
        elif tarfile.is_tarfile(archive_path):
            with tarfile.open(archive_path) as tar:
                tar.extractall(self.root)
        else:
            raise StorageError(f"unsupported archive format: {archive_path}")
        return self.list_files()
