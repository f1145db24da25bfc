"""Where fix-exceptions looks for the project's sibling handlers
(``qualitytool.exceptions.fixing.sibling_files``): the files discovery would analyse, their
call shapes kept between runs; a file's text is read again only when it changed, and the cache
can only say which files to read.

The cache stores only files changed more than ``SETTLE_SECONDS`` before the run; the tests
that need stored entries move the clock of the cache forward (``settled``) instead of waiting.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qualitytool.cache_files import CacheFolder
from qualitytool.config import load_config
from qualitytool.exceptions.fixing import sibling_files
from qualitytool.exceptions.fixing.sibling_files import SiblingScope, callers_by_shape, shapes_in
from qualitytool.listing_cache import SETTLE_SECONDS

from .conftest import fetch_sdist
from .test_trust_decide import HTTPX_WALLET as WALLET


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as settled: the cache's clock runs an hour ahead."""
    real = time.time_ns
    monkeypatch.setattr(sibling_files.time, "time_ns", lambda: real() + 3600 * 10**9)


def make_project(root: Path, pyproject: str = "[tool.qualitytool]\n") -> Path:
    (root / "pyproject.toml").write_text(pyproject)
    wallets = root / "wallets"
    wallets.mkdir()
    (wallets / "__init__.py").write_text("")
    (wallets / "alby.py").write_text(WALLET.format(name="Alby", caught="OSError"))
    (wallets / "lnd.py").write_text(WALLET.format(name="Lnd", caught="RuntimeError"))
    (wallets / "strike.py").write_text(WALLET.format(name="Strike", caught="Exception"))
    (wallets / "util.py").write_text("import os\n\n\ndef here():\n    return os.getcwd()\n")
    return root


def index(root: Path, *, use_cache: bool = True) -> tuple[dict[str, list[str]], int]:
    """The call shapes -> files (relative) of the ``wallets`` package, and the files read."""
    scope = SiblingScope(load_config(root), use_cache)
    callers, read = callers_by_shape([str(root / "wallets")], True, scope)
    return {shape: sorted(os.path.relpath(p, root) for p in paths)
            for shape, paths in callers.items()}, read


def next_tick(folder: Path) -> None:
    """Wait until the file system's clock has moved on (see tests/test_listing_cache.py)."""
    probe = folder / ".tick"
    probe.write_text("")
    before = probe.stat().st_mtime_ns
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.01)
        probe.write_text("")
        if probe.stat().st_mtime_ns != before:
            break
    probe.unlink()


def test_call_shapes_of_a_text() -> None:
    text = "x = self.client.aclose()\nimport_module('m')\nos . path . join(a, b)\nif(x): pass\n"
    assert shapes_in(text) == ["client.aclose", "if", "import_module", "path.join"]


def test_a_second_run_reads_no_file_and_a_changed_file_is_read_again(
    tmp_path: Path, settled: None
) -> None:
    root = make_project(tmp_path)
    cold, read = index(root)
    assert read == 5
    assert cold["client.aclose"] == ["wallets/alby.py", "wallets/lnd.py", "wallets/strike.py"]
    warm, read = index(root)
    assert (warm, read) == (cold, 0)
    next_tick(tmp_path.parent)
    (root / "wallets" / "util.py").write_text("def close(c):\n    c.client.aclose()\n")
    (root / "wallets" / "lnd.py").unlink()  # a removed file: gone from the cache too
    changed, read = index(root)
    assert read == 1
    assert changed["client.aclose"] == ["wallets/alby.py", "wallets/strike.py", "wallets/util.py"]
    assert "os.getcwd" not in changed
    data = CacheFolder(root, root / ".qualitytool" / "cache").read("sibling-shapes.json")
    assert sorted(os.path.relpath(p, root) for p in data["files"]) == [
        "wallets/__init__.py", "wallets/alby.py", "wallets/strike.py", "wallets/util.py"]
    assert index(root) == (changed, 0)


def test_another_version_of_the_tool_reads_every_file_again(
    tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path)
    cold, _ = index(root)
    monkeypatch.setattr(sibling_files.ShapeCache, "key", "1-another-version")
    assert index(root) == (cold, 5)
    assert index(root) == (cold, 0)


def test_files_changed_just_before_the_run_are_read_every_time(tmp_path: Path) -> None:
    # Made within SETTLE_SECONDS of the run: a change in the same clock tick as the stamp
    # would go unseen, so their shapes are not kept.
    root = make_project(tmp_path)
    cold, read = index(root)
    assert read == 5
    assert index(root) == (cold, 5)


def test_no_cache_neither_reads_nor_writes_it(tmp_path: Path, settled: None) -> None:
    root = make_project(tmp_path)
    cold, read = index(root, use_cache=False)
    assert read == 5
    assert not (root / ".qualitytool").exists()
    index(root)
    assert index(root, use_cache=False) == (cold, 5)


FORGED = {
    "another stamp, no shapes": lambda entry: [[1, 2, 3, 4], []],
    "shapes that are not strings": lambda entry: [entry[0], [1, 2]],
    "a shape that is no call": lambda entry: [entry[0], ["client.aclose", "../../x"]],
    "shapes that are not a list": lambda entry: [entry[0], "client.aclose"],
    "no shapes": lambda entry: [entry[0]],
    "not a list": lambda entry: {"stamp": entry[0]},
}


@pytest.mark.parametrize("forge", list(FORGED), ids=list(FORGED))
def test_a_forged_entry_is_read_again(tmp_path: Path, settled: None, forge: str) -> None:
    root = make_project(tmp_path)
    cold, _ = index(root)
    folder = CacheFolder(root, root / ".qualitytool" / "cache")
    data = folder.read("sibling-shapes.json")
    key = str(root / "wallets" / "alby.py")
    data["files"][key] = FORGED[forge](data["files"][key])
    folder.write("sibling-shapes.json", data)  # signed here: only the checks keep it out
    assert index(root) == (cold, 1)


def test_a_cache_that_came_with_the_checkout_is_ignored(tmp_path: Path, settled: None) -> None:
    root = make_project(tmp_path)
    cold, _ = index(root)
    path = root / ".qualitytool" / "cache" / "sibling-shapes.json"
    _signed, body = path.read_bytes().split(b"\n", 1)
    data = json.loads(body)
    for entry in data["files"].values():
        entry[1] = []  # would hide every sibling
    path.write_bytes(b"qualitytool-cache 1 no-git " + b"0" * 64 + b"\n" + json.dumps(data).encode())
    assert index(root) == (cold, 5)


def test_a_forged_shape_only_makes_a_file_read(tmp_path: Path, settled: None) -> None:
    """A shape the file does not make sends the search to that file, whose syntax tree has no
    such handler: the verdict stays the one of an honest cache."""
    from qualitytool.api import fix_exceptions

    root = make_project(tmp_path)
    (root / "wallets" / "lnd.py").unlink()
    (root / "wallets" / "extra.py").write_text(
        "def f(x):\n    try:\n        return int(x)\n    except ValueError:\n        return 0\n")
    honest = fix_exceptions([root / "wallets" / "strike.py"], load_config(root),
                            record_run=False, jobs=1, use_cache=False)
    index(root)
    folder = CacheFolder(root, root / ".qualitytool" / "cache")
    data = folder.read("sibling-shapes.json")
    data["files"][str(root / "wallets" / "extra.py")][1].append("client.aclose")
    folder.write("sibling-shapes.json", data)
    assert index(root)[0]["client.aclose"] == [
        "wallets/alby.py", "wallets/extra.py", "wallets/strike.py"]
    (handler,) = fix_exceptions([root / "wallets" / "strike.py"], load_config(root),
                                record_run=False, jobs=1).handlers
    assert (handler.exceptions, handler.reason) == (
        honest.handlers[0].exceptions, honest.handlers[0].reason)
    assert "OSError" in handler.exceptions  # alby's, found in its syntax tree


def test_excluded_and_ignored_files_are_not_searched(tmp_path: Path) -> None:
    """Siblings are the project's word: vendored code, generated migrations, what the user
    excluded or git ignores are not."""
    root = make_project(tmp_path, '[tool.qualitytool]\nextend-exclude = ["wallets/vendor"]\n')
    for folder in ("vendor", "migrations", "node_modules"):
        (root / "wallets" / folder).mkdir()
        (root / "wallets" / folder / "w.py").write_text(
            WALLET.format(name=folder.title(), caught="ValueError"))
    (root / "wallets" / ".gitignore").write_text("migrations/\n")
    found, _ = index(root)
    assert found["client.aclose"] == ["wallets/alby.py", "wallets/lnd.py", "wallets/strike.py"]


def test_a_top_level_module_searches_only_the_modules_beside_it(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "top.py").write_text(WALLET.format(name="Top", caught="OSError"))
    (root / "beside.py").write_text(WALLET.format(name="Beside", caught="OSError"))
    callers, _ = callers_by_shape([str(root)], False, SiblingScope(load_config(root)))
    assert sorted(os.path.relpath(p, root) for p in callers["client.aclose"]) == [
        "beside.py", "top.py"]



def test_every_file_of_a_large_package_is_searched(tmp_path: Path) -> None:
    """No cap on the files searched: a sibling handler the search skipped would leave out a
    class the project catches around the call, which an unsafe fix promises to cover.  (A
    cap of 20,000 files used to end the search silently.)"""
    root = make_project(tmp_path)
    generated = root / "wallets" / "many"
    generated.mkdir()
    count = 20_001
    for number in range(count):
        (generated / f"m{number:05}.py").write_text(f"call_{number}()\n")
    found, read = index(root, use_cache=False)
    assert read == count + 5
    assert all(f"call_{number}" in found for number in range(count))
    assert found["client.aclose"] == ["wallets/alby.py", "wallets/lnd.py", "wallets/strike.py"]

# lnbits' wallets that catch around calls of the same httpx callees, and spark.py, whose
# OSError around ``client.post`` the others get
WALLETS = ("__init__", "alby", "bark", "base", "clnrest", "lndrest", "lnpay", "opennode",
           "spark", "strike", "zbd")


def run_json(root: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "qualitytool", "fix-exceptions", "--format", "json", "."],
        cwd=root, capture_output=True, text=True, check=False, timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_cold_and_warm_runs_on_a_real_project_print_the_same_report(tmp_path: Path) -> None:
    """lnbits' wallet modules (its sibling handlers around ``client.aclose``, the case the
    sibling search was made for): the JSON report with the cache cold, then warm."""
    source = fetch_sdist("lnbits", "1.6.2") / "lnbits"
    root = tmp_path / "project"
    (root / "lnbits" / "wallets").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.qualitytool]\n")
    (root / "lnbits" / "__init__.py").write_text("")
    for name in WALLETS:
        shutil.copy2(source / "wallets" / f"{name}.py", root / "lnbits" / "wallets")
    time.sleep(SETTLE_SECONDS + 0.1)  # the copies settle: the cold run keeps their shapes
    cold = run_json(root)
    assert cold.count("of the project catch") >= 5
    cache = root / ".qualitytool" / "cache" / "sibling-shapes.json"
    written = cache.read_bytes()
    files = json.loads(written.split(b"\n", 1)[1])["files"]
    assert len(files) == len(list((root / "lnbits").rglob("*.py")))
    stamp = cache.stat().st_mtime_ns
    warm = run_json(root)
    assert warm == cold
    # every file's shapes came from the cache: nothing changed, nothing written
    assert (cache.read_bytes(), cache.stat().st_mtime_ns) == (written, stamp)
