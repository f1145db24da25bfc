"""The inference answers the same whichever Python runs it (CI runs this file, with the other
version-sensitive tests, on every supported Python the machine has: see .ci/run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qualitytool.exceptions.inference.answers import canonical_exception
from qualitytool.exceptions.inference.hierarchy import Hierarchy
from qualitytool.exceptions.inference.pythons import (
    STDLIB_MODULES,
    VERSION_SPLIT_CLASSES,
    parse_target_version,
    requires_python_floor,
    target_python,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from find_pythons import interpreter, supported_versions


@pytest.mark.parametrize(
    ("specifier", "floor"),
    [(">=3.10", (3, 10)), (">=3.11,<4", (3, 11)), ("~=3.12", (3, 12)), ("==3.13.*", (3, 13)),
     (">3.10", (3, 10)), ("<4", None), ("", None), (">= 3.9, != 3.9.1", (3, 9))],
)
def test_requires_python_floor(specifier: str, floor: tuple[int, int] | None) -> None:
    assert requires_python_floor(specifier) == floor


def test_target_python(tmp_path: Path) -> None:
    assert parse_target_version("py311") == (3, 11)
    assert parse_target_version("3.11") is None
    assert target_python(tmp_path) == (3, 10)  # no pyproject.toml: the oldest supported
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.12"\n')
    assert target_python(tmp_path) == (3, 12)
    assert target_python(tmp_path, "py313") == (3, 13)
    assert target_python(tmp_path, "py38") == (3, 10)  # never older than we test


def test_timeout_errors_are_what_they_are_on_every_python() -> None:
    hierarchy = Hierarchy(lambda name: ["aiohttp.ClientConnectionError", "asyncio.TimeoutError"]
                          if name == "aiohttp.ServerTimeoutError" else [])
    assert hierarchy.is_subclass("asyncio.TimeoutError", "Exception")
    assert not hierarchy.is_subclass("asyncio.TimeoutError", "OSError")  # 3.10: not an OSError
    assert not hierarchy.is_subclass("asyncio.TimeoutError", "TimeoutError")
    assert not hierarchy.is_subclass("TimeoutError", "asyncio.TimeoutError")
    assert not hierarchy.is_subclass("concurrent.futures.TimeoutError", "asyncio.TimeoutError")
    assert hierarchy.is_subclass("asyncio.exceptions.TimeoutError", "asyncio.TimeoutError")
    assert hierarchy.is_subclass("aiohttp.ServerTimeoutError", "asyncio.TimeoutError")
    assert hierarchy.minimal(["OSError", "asyncio.TimeoutError"]) == [
        "OSError", "asyncio.TimeoutError"]
    assert canonical_exception("asyncio.exceptions.TimeoutError") == "asyncio.TimeoutError"
    assert canonical_exception("socket.timeout") == "TimeoutError"  # one class since 3.10
    assert set(VERSION_SPLIT_CLASSES.values()) == {
        "asyncio.TimeoutError", "concurrent.futures.TimeoutError"}


SUPPORTED = supported_versions()


@pytest.mark.parametrize("version", SUPPORTED)
def test_the_stdlib_table_covers_every_supported_python(version: str) -> None:
    found = interpreter(version)
    if found is None:
        pytest.skip(f"Python {version} is not on this machine")
    names = subprocess.run(
        [found, "-c", "import sys; print(*sorted(sys.stdlib_module_names))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert sorted(n for n in names if not n.startswith("_") and n not in STDLIB_MODULES) == []


def test_the_classifiers_are_the_pythons_requires_python_admits() -> None:
    assert SUPPORTED == ["3.10", "3.11", "3.12", "3.13"]
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in SUPPORTED
