"""The one atomic writer: the file holds the old bytes or all of the new ones, never a mix;
no temporary file outlives a write; permissions and links are kept as documented."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qualitytool.atomic_files import atomic_write


def _umask_default() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def test_replaces_the_bytes_and_keeps_the_permissions_of_the_file_replaced(
    tmp_path: Path,
) -> None:
    target = tmp_path / "module.py"
    target.write_bytes(b"old\r\n")
    target.chmod(0o640)
    assert atomic_write(target, b"new\r\n") is True
    assert target.read_bytes() == b"new\r\n"
    assert _mode(target) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["module.py"]


def test_a_new_file_gets_the_umask_permissions_or_the_mode_asked(tmp_path: Path) -> None:
    atomic_write(tmp_path / "plain.json", b"{}")
    atomic_write(tmp_path / "private.json", b"{}", mode=0o600)
    assert _mode(tmp_path / "plain.json") == _umask_default()
    assert _mode(tmp_path / "private.json") == 0o600


def test_a_file_changed_since_it_was_read_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "module.py"
    target.write_bytes(b"changed by someone else\n")
    assert atomic_write(target, b"ours\n", expected=b"what we read\n") is False
    assert target.read_bytes() == b"changed by someone else\n"
    assert atomic_write(tmp_path / "gone.py", b"ours\n", expected=b"what we read\n") is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["module.py"]


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    # A real short write: the file size limit stops the write after 4 KiB (EFBIG), in a
    # process of its own since the limit is the whole process's.
    target = tmp_path / "module.py"
    target.write_bytes(b"old content\n")
    script = textwrap.dedent(f"""
        import resource, signal
        from pathlib import Path
        from qualitytool.atomic_files import atomic_write
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        try:
            atomic_write(Path({str(target)!r}), b"x" * 100_000)
        except OSError as exc:
            print(type(exc).__name__, exc.errno)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["OSError", "27"]  # EFBIG: the write itself failed
    assert target.read_bytes() == b"old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["module.py"]


def test_a_rename_that_fails_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    (folder / "inside").mkdir(parents=True)
    with pytest.raises(OSError):
        atomic_write(folder, b"bytes")
    assert folder.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder"]


def test_a_link_is_written_through_only_when_asked(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(real.name)
    atomic_write(link, b"through\n", through_links=True)
    assert link.is_symlink()
    assert real.read_bytes() == b"through\n"
    # Not asked: the link itself is replaced; what it pointed at is never written.
    atomic_write(link, b"instead\n")
    assert not link.is_symlink()
    assert link.read_bytes() == b"instead\n"
    assert real.read_bytes() == b"through\n"


def test_exclusive_creates_but_never_replaces(tmp_path: Path) -> None:
    target = tmp_path / "new.py"
    assert atomic_write(target, b"first\n", exclusive=True) is True
    assert target.read_bytes() == b"first\n"
    assert _mode(target) == _umask_default()
    with pytest.raises(FileExistsError):
        atomic_write(target, b"second\n", exclusive=True)
    dangling = tmp_path / "dangling.py"
    dangling.symlink_to("nowhere.py")
    with pytest.raises(FileExistsError):
        atomic_write(dangling, b"never\n", exclusive=True)
    assert target.read_bytes() == b"first\n"
    assert not (tmp_path / "nowhere.py").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling.py", "new.py"]
