"""Shared fixtures: real corpora from PyPI sdists, cached outside the repository."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from common import corpus_dir, sdist

EXAMPLE = REPO_ROOT / "examples" / "legacy_app"
# The SARIF 2.1.0 schema the SARIF output is validated against (tests/data/README.md).
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"


def fetch_sdist(name: str, version: str) -> Path:
    """The unpacked sdist (shared with the benchmarks), or skip when PyPI is unreachable."""
    try:
        return sdist(name, version)
    except (subprocess.CalledProcessError, OSError, ValueError) as exc:
        pytest.skip(f"cannot download the {name} {version} sdist from PyPI: {exc}")


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


def ruff_locations(root: Path, select: str, codes: str) -> set[tuple[str, int, int]]:
    """``(path, line, col)`` of ruff's ``--select select`` findings under ``root`` whose code
    matches the regular expression ``codes``: the oracle of the parity tests."""
    ruff = Path(sys.executable).parent / "ruff"
    out = subprocess.run(
        [str(ruff), "check", "--isolated", "--select", select, "--no-cache",
         "--output-format", "concise", "."],
        cwd=root, capture_output=True, text=True, check=False,
    ).stdout
    found = set()
    for line in out.splitlines():
        match = re.match(rf"(.+?):(\d+):(\d+): (?:{codes}) ", line)
        if match:
            found.add((match[1], int(match[2]), int(match[3])))
    return found


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every test sees no active virtualenv (one activated in the developer's shell would
    otherwise be the analysed projects' environment) and a user cache of its session's own
    (derived contracts are cached there), for in-process runs and subprocesses alike."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setenv("QUALITYTOOL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "user-cache"))


@pytest.fixture(scope="session")
def installed_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real virtualenv with the tinylib and tinyfast wheels installed by pip
    (``tests/installed_libraries.py``): the dependencies of the derived-contract tests."""
    from .installed_libraries import make_venv

    return make_venv(tmp_path_factory.mktemp("installed") / "venv")
