"""Discovery's walk against an ``os.walk`` oracle: the same files in the same order (top-down,
a folder's files before its subfolders', names sorted), symlinked folders not entered."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from qualitytool import listing_cache
from qualitytool.config import Config
from qualitytool.discovery import DEFAULT_EXCLUDED_DIRS, iter_file_names, iter_files
from qualitytool.listing_cache import ListingCache

from .conftest import REPO_ROOT


def oracle(top: Path) -> list[str]:
    found = []
    for current, dirnames, filenames in os.walk(top):
        if current != str(top) and "pyvenv.cfg" in filenames:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames
                             if d not in DEFAULT_EXCLUDED_DIRS and not d.endswith(".egg-info"))
        found.extend(os.path.join(current, f) for f in sorted(filenames)
                     if f.endswith((".py", ".pyi")))
    return found


def tree(root: Path) -> Path:
    for relative in ("b.py", "a.py", "z/y.py", "z/a/b.py", "m/n/o/p.pyi", "m/readme.txt",
                     "__pycache__/c.py", "build/d.py", "env/e.py", "x.egg-info/f.py", "A.py"):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    (root / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (root / "linked_dir").symlink_to(root / "z", target_is_directory=True)
    (root / "linked.py").symlink_to(root / "a.py")
    (root / "dangling.py").symlink_to(root / "missing.py")
    return root


def test_walk_matches_os_walk(tmp_path: Path) -> None:
    root = tree(tmp_path)
    config = Config(root=root, respect_gitignore=False)
    names = list(iter_file_names([root], config))
    assert names == oracle(root)
    assert [os.path.relpath(n, root) for n in names] == [
        "A.py", "a.py", "b.py", "dangling.py", "linked.py", "m/n/o/p.pyi", "z/y.py", "z/a/b.py",
    ]
    assert [str(p) for p in iter_files([root], config)] == names


def test_walk_matches_os_walk_on_this_repository() -> None:
    config = Config(root=REPO_ROOT, respect_gitignore=False)
    assert list(iter_file_names([REPO_ROOT], config)) == oracle(REPO_ROOT)


def test_walk_with_stored_listings_matches_os_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(tmp_path)
    real = time.time_ns
    monkeypatch.setattr(listing_cache.time, "time_ns", lambda: real() + 3600 * 10**9)
    config = Config(root=root, respect_gitignore=False)
    for _ in range(3):  # listings stored, the root listed again (the cache folder is new), reused
        listings = ListingCache.for_project(config)
        assert listings is not None
        assert list(iter_file_names([root], config, listings=listings)) == oracle(root)
        listings.save()


def test_the_cache_folder_is_never_walked(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / ".qualitytool" / "cache").mkdir(parents=True)
    (root / ".qualitytool" / "cache" / "stray.py").write_text("x = 1\n")
    names = list(iter_file_names([root], Config(root=root)))
    assert not [n for n in names if ".qualitytool" in n]


def test_a_path_given_twice_is_listed_once(tmp_path: Path) -> None:
    root = tree(tmp_path)
    config = Config(root=root)
    once = list(iter_file_names([root], config))
    assert list(iter_file_names([root / "a.py", root, root / "z"], config)) == [
        str(root / "a.py"), *[n for n in once if n != str(root / "a.py")]
    ]


@pytest.mark.parametrize(
    "include",
    [
        ("*.py", "*.pyi"),
        ("*.py",),
        ("*.p?",),
        ("*.[pP]y",),
        ("*.txt", "m/n/o/*.pyi"),
        ("z/**/*.py",),
        ("A.py", "*.pyi"),
        ("*",),
    ],
)
def test_include_patterns_match_as_gitignore_globs(
    tmp_path: Path, include: tuple[str, ...]
) -> None:
    """The fast paths for name-only patterns (``*.py``: a suffix test) pick what pathspec
    picks: a name-only glob matches the name at any depth, a path glob the relative path."""
    import pathspec

    root = tree(tmp_path)
    names = [os.path.relpath(n, root) for n in iter_file_names([root], Config(root=root),
                                                                include=include)]
    spec = pathspec.GitIgnoreSpec.from_lines(list(include))
    everything = [os.path.relpath(n, root) for n in iter_file_names(
        [root], Config(root=root), include=("*",))]
    assert names == [n for n in everything if spec.match_file(n)]
    if include == ("*.py", "*.pyi"):
        assert "m/readme.txt" not in names and "m/n/o/p.pyi" in names
