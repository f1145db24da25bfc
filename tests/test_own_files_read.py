"""``own_files.read_file``, which reads every file the tools analyse: the exact bytes whatever
the size, the cap, a file longer than its stat size said, no FIFO or device."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from qualitytool.own_files import read_file


@pytest.mark.parametrize("size", [0, 1, 4096, 64 * 1024 + 3, 1024 * 1024 + 1])
def test_the_exact_bytes(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f.py"
    data = os.urandom(size)
    path.write_bytes(data)
    assert read_file(path, 2 * 1024 * 1024) == data
    assert read_file(str(path), size) == data  # at the cap exactly


def test_one_byte_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_bytes(b"x" * 11)
    with pytest.raises(OSError) as raised:
        read_file(path, 10)
    assert raised.value.errno == errno.EFBIG


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="no /proc")
def test_a_file_longer_than_its_stat_size_is_read_to_its_end() -> None:
    # /proc files say 0 bytes and hold more: as a file that grew after the stat.
    cmdline = Path("/proc/self/cmdline")
    assert os.stat(cmdline).st_size == 0
    expected = cmdline.read_bytes()
    assert len(expected) > 10
    assert read_file(cmdline, 1024 * 1024) == expected
    with pytest.raises(OSError) as raised:
        read_file(cmdline, 10)
    assert raised.value.errno == errno.EFBIG


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    with pytest.raises(OSError) as raised:
        read_file(fifo, 100)
    assert raised.value.strerror == "not a regular file"
