"""Shared fixtures: real corpora from PyPI sdists, cached outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / "examples" / "legacy_app"
SHARED = REPO_ROOT.parent / "shared"


def corpus_dir() -> Path:
    base = os.environ.get("QUALITYTOOL_CORPUS_DIR")
    return Path(base) if base else Path.home() / ".cache" / "qualitytool" / "corpora"


def fetch_sdist(name: str, version: str) -> Path:
    """Download (once) and unpack (once) a PyPI sdist; return the unpacked source folder.

    Skips the calling test with a clear reason when PyPI cannot be reached.
    """
    cache = corpus_dir()
    cache.mkdir(parents=True, exist_ok=True)
    normalized = name.replace("-", "_")
    unpacked = cache / f"{normalized}-{version}"
    if (unpacked / ".complete").exists():
        return unpacked
    archives = list(cache.glob(f"{normalized}-{version}.tar.gz")) + list(
        cache.glob(f"{name}-{version}.tar.gz")
    )
    if not archives:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", f"{name}=={version}", "-d", str(cache)],
            capture_output=True, text=True, timeout=600, check=False,
        )
        archives = list(cache.glob(f"{normalized}-{version}.tar.gz")) + list(
            cache.glob(f"{name}-{version}.tar.gz")
        )
        if result.returncode != 0 or not archives:
            pytest.skip(f"cannot download the {name} {version} sdist from PyPI: "
                        f"{result.stderr.strip()[-300:]}")
    staging = cache / f".{normalized}-{version}.partial"
    with tarfile.open(archives[0]) as archive:
        archive.extractall(staging, filter="data")
    (top,) = list(staging.iterdir())
    if unpacked.exists():
        import shutil

        shutil.rmtree(unpacked)
    top.rename(unpacked)
    staging.rmdir()
    (unpacked / ".complete").touch()
    return unpacked


@pytest.fixture(scope="session")
def django_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Django 5.2.8 source tree (shared by workers: unpacked once under a file lock)."""
    return _locked_fetch(tmp_path_factory, "django", "5.2.8")


def _locked_fetch(tmp_path_factory: pytest.TempPathFactory, name: str, version: str) -> Path:
    import fcntl

    cache = corpus_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return fetch_sdist(name, version)


@pytest.fixture(scope="session")
def ansible_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ansible-core 2.19.14 source tree."""
    return _locked_fetch(tmp_path_factory, "ansible-core", "2.19.14")
