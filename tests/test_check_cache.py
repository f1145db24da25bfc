"""check-exceptions' per-file cache: the same output warm as cold, invalidated by any change to
a file, harmless when corrupt, bypassed by ``--no-cache``.

A cached result is told apart from a recomputed one by editing the cache file (and signing it
again with this machine's key, as qualitytool itself writes it): what a warm run prints then
comes from the cache, what a cold run prints comes from the source.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualitytool.api import check_exceptions
from qualitytool.cache_files import CacheFolder
from qualitytool.cli import main
from qualitytool.config import Config

HANDLER = "try:\n    f()\nexcept Exception:\n    pass\n"
BARE = "def g():\n    try:\n        f()\n    except:\n        return 1\n"
RERAISE = "try:\n    f()\nexcept Exception:\n    raise\n"


def project(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.qualitytool]\n")
    (root / "pkg" / "handler.py").write_text(HANDLER)
    (root / "pkg" / "bare.py").write_text(BARE)
    (root / "pkg" / "reraise.py").write_text(RERAISE)
    (root / "pkg" / "clean.py").write_text("x = 1\n")
    # Broken files that may hold a broad handler (an ``except:`` after the error), so that
    # they are parsed and their errors reported without --check-syntax.
    (root / "pkg" / "broken.py").write_text("def broken(:\n    pass\nexcept:\n")
    (root / "pkg" / "latin.py").write_bytes(b"s = '\xe9'\nexcept:\n")  # not UTF-8, no cookie
    (root / "pkg" / "ascii.py").write_bytes(b"# coding: ascii\ns = '\xe9'\nexcept:\n")
    return root


def check(root: Path, *args: str) -> Result:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(main, ["check-exceptions", *args, "."])
    finally:
        os.chdir(cwd)


def cache_files(root: Path) -> list[Path]:
    return sorted((root / ".qualitytool" / "cache").glob("check-exceptions-*.json"))


def folder(root: Path) -> CacheFolder:
    return CacheFolder(root, root / ".qualitytool" / "cache")


def cache_entries(root: Path) -> dict[str, dict[str, object]]:
    """The cached entries by path, as ``{"stamp", "error", "findings"}``."""
    (path,) = cache_files(root)
    data = folder(root).read(path.name)
    assert data["format"] == "3"
    return {key: _as_dict(entry) for key, entry in data["files"].items()}


def _as_dict(entry: list[object]) -> dict[str, object]:
    stamp, error, findings = entry if len(entry) == 3 else (entry[0], None, [])
    return {"stamp": stamp, "error": error, "findings": findings}


def edit_cache(root: Path, edit: dict[str, dict[str, object]]) -> None:
    """Change the cached entries of some files (by name), keeping their stamps."""
    (path,) = cache_files(root)
    data = folder(root).read(path.name)
    for name, changes in edit.items():
        (key,) = [k for k in data["files"] if k.endswith(f"/{name}")]
        entry = _as_dict(data["files"][key])
        entry.update(changes)
        data["files"][key] = [entry["stamp"], entry["error"], entry["findings"]]
    folder(root).write(path.name, data)


EXPECTED = (
    "pkg/bare.py:4:5: QT002 Do not use bare `except:`\n"
    "pkg/handler.py:3:8: QT001 Do not catch blind exception: `Exception`\n"
)
EXPECTED_ERRORS = [
    ("error: pkg/ascii.py: not valid ascii: UnicodeDecodeError: 'ascii' codec can't decode "
     "byte 0xe9 in position 21: ordinal not in range(128)"),
    "error: pkg/broken.py:1:12: cannot parse: invalid syntax",
    "error: pkg/latin.py: cannot decode: invalid or missing encoding declaration",
]


def test_warm_run_prints_what_the_cold_run_printed(tmp_path: Path) -> None:
    root = project(tmp_path)
    cold = check(root)
    assert cold.exit_code == 2
    assert cold.stdout.startswith(EXPECTED)
    errors = [line for line in cold.stdout.splitlines() if line.startswith("error:")]
    assert errors == EXPECTED_ERRORS
    entries = cache_entries(root)
    assert sorted(Path(k).name for k in entries) == [
        "ascii.py", "bare.py", "broken.py", "clean.py", "handler.py", "latin.py", "reraise.py"
    ]
    for fmt in ("text", "json", "sarif", "github"):
        first = check(root, "--no-cache", "--format", fmt)
        warm = check(root, "--format", fmt)
        assert (warm.exit_code, warm.stdout, warm.stderr) == (
            first.exit_code, first.stdout, first.stderr
        )
    assert check(root).stdout == cold.stdout


def test_warm_results_come_from_the_cache_and_a_syntax_error_keeps_exit_2(tmp_path: Path) -> None:
    root = project(tmp_path)
    check(root)
    edit_cache(root, {
        "handler.py": {"findings": []},
        "broken.py": {"error": ":9:9: cannot parse: edited in the cache"},
    })
    warm = check(root)
    assert warm.exit_code == 2
    assert "pkg/handler.py" not in warm.stdout  # served from the (edited) cache
    assert "error: pkg/broken.py:9:9: cannot parse: edited in the cache" in warm.stdout
    # A cached syntax error is still an error: exit 2 although no handler is left to report.
    (root / "pkg" / "handler.py").unlink()
    (root / "pkg" / "bare.py").unlink()
    (root / "pkg" / "latin.py").unlink()
    (root / "pkg" / "ascii.py").unlink()
    only_error = check(root)
    assert only_error.exit_code == 2
    assert "error: pkg/broken.py:9:9: cannot parse: edited in the cache" in only_error.stdout


def test_no_cache_neither_reads_nor_writes_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    bypass = check(root, "--no-cache")
    assert bypass.exit_code == 2
    assert not (root / ".qualitytool").exists()
    check(root)
    edit_cache(root, {"handler.py": {"findings": []}})
    before = cache_files(root)[0].read_bytes()
    again = check(root, "--no-cache")
    assert again.stdout == bypass.stdout  # the source, not the edited cache
    assert cache_files(root)[0].read_bytes() == before


def test_a_changed_file_is_checked_again(tmp_path: Path) -> None:
    root = project(tmp_path)
    check(root)
    target = root / "pkg" / "clean.py"
    # Same size and the old modification time: only the change time and the bytes differ.
    info = target.stat()
    target.write_text("y = 2\n")
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert target.stat().st_size == info.st_size
    edit_cache(root, {"clean.py": {"error": ": cannot parse: stale"}})
    assert "stale" not in check(root).stdout
    # An edit that adds a handler is found on the next run, and cached in turn.
    (root / "pkg" / "clean.py").write_text(HANDLER)
    assert "pkg/clean.py:3:8: QT001" in check(root).stdout
    assert "pkg/clean.py:3:8: QT001" in check(root).stdout
    # A fixed file loses its error.
    (root / "pkg" / "broken.py").write_text("def fixed():\n    pass\n")
    assert "broken.py" not in check(root).stdout


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"format": "2", "files": []}', b'{"format": "1", "files": {}}',
     b'{"format": "2", "files": {"x": 1}}', b"\xff\xfe\x00", b"[" * 100_000],
    ids=["not JSON", "a list", "files not a table", "another format", "odd entry", "binary",
         "nesting that exhausts the JSON parser"],
)
def test_a_corrupt_cache_is_ignored_and_replaced(tmp_path: Path, content: bytes) -> None:
    root = project(tmp_path)
    cold = check(root, "--no-cache")
    check(root)
    (path,) = cache_files(root)
    path.write_bytes(content)  # not signed: ignored with a warning
    rerun = check(root)
    warning = (f"warning: .qualitytool/cache/{path.name}: ignored: not signed by qualitytool "
               "on this machine (a cache that came with the checkout is never trusted)\n")
    assert (rerun.exit_code, rerun.stdout, rerun.stderr) == (
        cold.exit_code, cold.stdout, warning + cold.stderr)
    assert len(cache_entries(root)) == 7  # rewritten whole
    folder(root)._write_body(path.name, content)  # signed here, but corrupt: no crash either
    rerun = check(root)
    assert (rerun.exit_code, rerun.stdout) == (cold.exit_code, cold.stdout)
    assert rerun.stderr in (cold.stderr, (f"warning: .qualitytool/cache/{path.name}: ignored: "
                                         f"not valid JSON\n{cold.stderr}"))
    assert len(cache_entries(root)) == 7


def test_corrupt_entries_are_recomputed(tmp_path: Path) -> None:
    root = project(tmp_path)
    cold = check(root)
    edit_cache(root, {
        "handler.py": {"findings": [{"rule_id": "QT001"}]},  # not a whole finding
        "bare.py": {"findings": "nope"},
        "broken.py": {"error": 42},
        "reraise.py": {"stamp": "x"},
    })
    rerun = check(root)
    assert (rerun.exit_code, rerun.stdout, rerun.stderr) == (
        cold.exit_code, cold.stdout, cold.stderr)


def test_settings_that_change_findings_use_another_cache(tmp_path: Path) -> None:
    root = project(tmp_path)
    plain = check_exceptions([root], Config(root=root))
    strict = check_exceptions([root], Config(root=root), strict=True)
    assert len(cache_files(root)) == 2
    assert [f.line for f in strict.findings] == [4, 3, 3]
    assert check_exceptions([root], Config(root=root), strict=True).findings == strict.findings
    assert check_exceptions([root], Config(root=root)).findings == plain.findings
    assert [f.path.rsplit("/", 1)[-1] for f in plain.findings] == ["bare.py", "handler.py"]


def test_cache_dir_setting_and_no_cache_outside_the_project(tmp_path: Path) -> None:
    root = project(tmp_path / "proj")
    (root / "pyproject.toml").write_text(
        '[tool.qualitytool.report]\ncache-dir = "var/qt-cache"\n'
    )
    check(root)
    assert len(list((root / "var" / "qt-cache").glob("check-exceptions-*.json"))) == 1
    assert not (root / ".qualitytool").exists()
    # A cache folder that a symbolic link leads out of the project is not used.
    other = project(tmp_path / "other")
    outside = tmp_path / "outside"
    outside.mkdir()
    (other / ".qualitytool").symlink_to(outside)
    assert check(other).exit_code == 2
    assert list(outside.rglob("*")) == []


def test_files_that_cannot_be_read_are_not_cached(tmp_path: Path) -> None:
    root = project(tmp_path)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "pkg" / "sock.py"))
    sock.close()
    (root / "pkg" / "dangling.py").symlink_to("missing.py")
    first = check(root)
    assert "error: pkg/sock.py: cannot read" in first.stdout
    assert "error: pkg/dangling.py: cannot read" in first.stdout
    assert sorted(Path(k).name for k in cache_entries(root)) == [
        "ascii.py", "bare.py", "broken.py", "clean.py", "handler.py", "latin.py", "reraise.py"
    ]
    assert check(root).stdout == first.stdout


@pytest.mark.parametrize(
    ("error", "kept"),
    [
        ("m.py:3:1: cannot parse: invalid syntax", True),
        ("m.py: cannot parse: source code string cannot contain null bytes", True),
        ("m.py: cannot parse: RecursionError: maximum recursion depth exceeded", True),
        ("m.py: cannot decode: invalid or missing encoding declaration", True),
        ("m.py: not valid latin-1: UnicodeDecodeError: ...", True),
        ("m.py: cannot read: Permission denied", False),
        ("m.py: cannot read: Input/output error", False),
        ("m.py: cannot parse: MemoryError: ", False),
        ("m.py: internal error: KeyError: 'x'", False),
    ],
)
def test_only_errors_of_the_bytes_are_cached(tmp_path: Path, error: str, kept: bool) -> None:
    from qualitytool.exceptions.checking.check_cache import CheckCache, FileStamp
    from qualitytool.findings import FileResult

    source = tmp_path / "m.py"
    source.write_text("x = 1\n")
    stamp = FileStamp.of(str(source))
    assert stamp is not None
    cache = CheckCache(CacheFolder(tmp_path, tmp_path / "cache"), "cache.json")
    cache.store(str(source), stamp, FileResult(path="m.py", error=error))
    cache.save()
    reread = CheckCache(CacheFolder(tmp_path, tmp_path / "cache"), "cache.json")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        hit = reread.lookup(str(source), stamp)
    finally:
        os.chdir(cwd)
    assert (hit == FileResult(path="m.py", error=error)) if kept else hit is None


def test_a_cache_folder_it_makes_is_ignored_by_git(tmp_path: Path) -> None:
    import subprocess

    root = project(tmp_path)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    check(root)
    assert len(cache_files(root)) == 1
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=root, capture_output=True, text=True, check=True).stdout
    assert ".qualitytool" not in status
    assert "pkg/handler.py" in status
    # A configured folder that exists already is not given a .gitignore.
    (root / "pyproject.toml").write_text('[tool.qualitytool.report]\ncache-dir = "pkg"\n')
    check(root)
    assert not (root / "pkg" / ".gitignore").exists()
    assert len(list((root / "pkg").glob("check-exceptions-*.json"))) == 1


def test_editing_any_module_of_the_package_changes_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editable checkout keeps its version number: results computed by older code of any
    module (discovery's path matching decides a finding's severity, say) are not reused."""
    from qualitytool.exceptions.checking import check_cache

    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    module = package / "sub" / "discovery.py"
    module.write_text("x = 1\n")
    monkeypatch.setattr(check_cache, "_PACKAGE", package)
    config = Config(root=tmp_path)
    before = check_cache.settings_key(config, strict=False)
    assert check_cache.settings_key(config, strict=False) == before
    module.write_text("x = 22\n")
    assert check_cache.settings_key(config, strict=False) != before


def test_cache_files_of_other_settings_unused_for_a_month_are_deleted(tmp_path: Path) -> None:
    root = project(tmp_path)
    folder = root / ".qualitytool" / "cache"
    folder.mkdir(parents=True)
    old, recent = folder / "check-exceptions-0000old.json", folder / "check-exceptions-0recent.json"
    for stale in (old, recent):
        stale.write_text('{"format": "2", "files": {}}')
    month = 31 * 86400
    os.utime(old, (old.stat().st_atime - month, old.stat().st_mtime - month))
    check(root)
    assert not old.exists() and recent.exists()
    assert len(cache_files(root)) == 2  # this run's and the recent one
