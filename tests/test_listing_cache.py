"""Folder listings reused between runs (``qualitytool.listing_cache``): a warm walk finds
exactly what a cold walk finds, whatever changed in between, and a listing is reused only
when it is safe to.

The cache stores only folders changed more than ``SETTLE_SECONDS`` before the run; the tests
that need stored listings move the clock of the cache forward instead of waiting.  A change
is made once the file system's clock has moved on since the listing it must invalidate: file
systems stamp times at the granularity of a clock tick, and the settling rule, tested on its
own below, is what covers a change within the same tick.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from qualitytool import listing_cache
from qualitytool.cache_files import CacheFolder
from qualitytool.config import load_config
from qualitytool.discovery import iter_file_names
from qualitytool.listing_cache import ListingCache


def next_tick(folder: Path) -> None:
    """Wait until the file system's clock has moved on (its granularity may be coarser than a
    tenth of a second): a change made after this gets a later time stamp than any before."""
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


def make_tree(root: Path) -> Path:
    (root / "pyproject.toml").write_text("[tool.qualitytool]\n")
    for folder in ("pkg/sub", "pkg/other", "docs"):
        (root / folder).mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\n")
    (root / "pkg" / "sub" / "b.py").write_text("y = 2\n")
    (root / "pkg" / "other" / "c.pyi").write_text("z: int\n")
    (root / "docs" / "notes.txt").write_text("not python\n")
    return root


def walk(root: Path, cached: bool) -> list[str]:
    """The names a walk of ``root`` finds, relative to it; with the cache, saved after."""
    config = load_config(root)
    listings = ListingCache.for_project(config) if cached else None
    names = list(iter_file_names([root], config, listings=listings))
    if listings is not None:
        listings.save()
    return [os.path.relpath(name, root) for name in names]


def stored(root: Path) -> dict[str, object]:
    data = CacheFolder(root, root / ".qualitytool" / "cache").read("folders.json")
    folders: dict[str, object] = data["folders"]
    return {os.path.relpath(k, root): v for k, v in folders.items()}


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every folder counts as settled: the cache's clock runs an hour ahead."""
    real = time.time_ns
    monkeypatch.setattr(listing_cache.time, "time_ns", lambda: real() + 3600 * 10**9)


EDITS = {
    "a file added": lambda root: (root / "pkg" / "new.py").write_text("n = 0\n"),
    "a file removed": lambda root: (root / "pkg" / "a.py").unlink(),
    "a file renamed": lambda root: (root / "pkg" / "a.py").rename(root / "pkg" / "a2.py"),
    "a folder added": lambda root: (
        (root / "pkg" / "fresh").mkdir(), (root / "pkg" / "fresh" / "f.py").write_text("")
    ),
    "a folder removed": lambda root: (
        (root / "pkg" / "sub" / "b.py").unlink(), (root / "pkg" / "sub").rmdir()
    ),
    "a file in a deep folder added": lambda root: (
        (root / "pkg" / "sub" / "deep.py").write_text("")
    ),
    "a file turned into a folder": lambda root: (
        (root / "pkg" / "a.py").unlink(), (root / "pkg" / "a.py").mkdir(),
        (root / "pkg" / "a.py" / "inner.py").write_text(""),
    ),
    "a .gitignore added": lambda root: (root / "pkg" / ".gitignore").write_text("sub/\n"),
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_a_warm_walk_finds_what_a_cold_walk_finds_after_a_change(
    tmp_path: Path, settled: None, edit: str
) -> None:
    root = make_tree(tmp_path)
    assert walk(root, cached=True) == walk(root, cached=False)
    assert "pkg" in stored(root)  # the listings were stored, so the next walk reuses them
    next_tick(tmp_path.parent)
    EDITS[edit](root)
    assert walk(root, cached=True) == walk(root, cached=False)


def test_an_unchanged_tree_is_not_listed_again(
    tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_tree(tmp_path)
    walk(root, cached=True)  # makes .qualitytool/ in the root: the root is listed again once
    first = walk(root, cached=True)
    listed: list[str] = []
    real = listing_cache.list_folder

    def counting(folder: str) -> tuple[list[str], list[str], bool]:
        listed.append(folder)
        return real(folder)

    monkeypatch.setattr(listing_cache, "list_folder", counting)
    assert walk(root, cached=True) == first
    assert listed == []
    next_tick(tmp_path.parent)
    (root / "pkg" / "sub" / "new.py").write_text("")
    warm = walk(root, cached=True)
    assert listed == [str(root / "pkg" / "sub")]
    assert "pkg/sub/new.py" in warm
    assert warm == walk(root, cached=False)


def test_a_folder_changed_just_now_is_listed_again_next_time(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    walk(root, cached=True)
    # Made within SETTLE_SECONDS of the run: a change in the same clock tick as the stamp
    # would go unseen, so none of these listings is kept.
    assert not (root / ".qualitytool" / "cache" / "folders.json").exists() or not stored(root)


def test_a_folder_holding_a_symbolic_link_is_never_cached(tmp_path: Path, settled: None) -> None:
    root = make_tree(tmp_path)
    (root / "target").mkdir()
    (root / "target" / "t.py").write_text("")
    (root / "pkg" / "link.py").symlink_to(root / "target" / "t.py")
    assert walk(root, cached=True) == walk(root, cached=False)
    assert "pkg/link.py" in walk(root, cached=True)
    assert "pkg" not in stored(root) and "pkg/sub" in stored(root)
    # The link's target turns into a folder: the folder of the link did not change.
    (root / "target" / "t.py").unlink()
    (root / "target" / "t.py").mkdir()
    assert walk(root, cached=True) == walk(root, cached=False)
    assert "pkg/link.py" not in walk(root, cached=True)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"format": "1", "folders": []}', b'{"format": "0", "folders": {}}',
     b"\xff\xfe", b"[" * 100_000],
)
def test_a_corrupt_cache_is_ignored(tmp_path: Path, settled: None, content: bytes) -> None:
    root = make_tree(tmp_path)
    cache = root / ".qualitytool" / "cache"
    cache.mkdir(parents=True)
    (cache / "folders.json").write_bytes(content)
    assert walk(root, cached=True) == walk(root, cached=False)
    assert "pkg" in stored(root)
    CacheFolder(root, cache)._write_body("folders.json", content)  # signed, still corrupt
    assert walk(root, cached=True) == walk(root, cached=False)
    assert "pkg" in stored(root)


def test_a_forged_entry_with_another_stamp_is_not_used(tmp_path: Path, settled: None) -> None:
    root = make_tree(tmp_path)
    walk(root, cached=True)
    folder = CacheFolder(root, root / ".qualitytool" / "cache")
    data = folder.read("folders.json")
    key = str(root / "pkg")
    data["folders"][key] = [[1, 2, 3, 4], [], ["hidden.py"]]
    folder.write("folders.json", data)  # signed here: only the stamp keeps it out
    assert walk(root, cached=True) == walk(root, cached=False)
    stamp = data["folders"][str(root / "pkg" / "sub")][0]
    data["folders"][str(root / "pkg" / "sub")] = [stamp, ["../../.."], []]
    folder.write("folders.json", data)  # a name that is not one entry's: not used either
    assert walk(root, cached=True) == walk(root, cached=False)


def test_check_exceptions_uses_the_cache_and_no_cache_leaves_it_alone(
    tmp_path: Path, settled: None
) -> None:
    from qualitytool.api import check_exceptions

    root = make_tree(tmp_path)
    config = load_config(root)
    check_exceptions([root], config, use_cache=False, jobs=1)
    assert not (root / ".qualitytool").exists()
    check_exceptions([root], config, jobs=1)
    assert "pkg/sub" in stored(root)
    next_tick(tmp_path.parent)
    (root / "pkg" / "sub" / "h.py").write_text("try:\n    f()\nexcept Exception:\n    pass\n")
    report = check_exceptions([root], config, jobs=1)
    assert [f.path.rsplit("/", 1)[-1] for f in report.result.findings] == ["h.py"]
