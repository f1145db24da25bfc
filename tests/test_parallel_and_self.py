"""The worker pool on a stream of files, and qualitytool checked with its own tools."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualitytool.api import check_exceptions
from qualitytool.config import Config
from qualitytool.exceptions.checking.check import CheckOptions
from qualitytool.parallel import map_files

from .conftest import REPO_ROOT

HANDLER = "try:\n    f()\nexcept Exception:\n    pass\n"


def _make_files(directory: Path, count: int) -> list[Path]:
    files = []
    for index in range(count):
        path = directory / f"m{index:03}.py"
        # Every third file holds a broad handler, one file does not parse.
        text = HANDLER if index % 3 == 0 else "x = 1\n"
        path.write_text("try:\n    f()\nexcept Exception\n" if index == 7 else text)
        files.append(path)
    return files


@pytest.mark.parametrize("jobs", [1, 2], ids=["serial", "two workers"])
def test_map_files_on_a_generator_keeps_order_and_errors(tmp_path: Path, jobs: int) -> None:
    files = _make_files(tmp_path, 120)
    seen: list[str] = []

    def stream() -> Iterator[Path]:
        yield from files

    results = map_files(
        CheckOptions(config=Config(root=tmp_path)), stream(), jobs=jobs,
        on_result=lambda r: seen.append(r.path),
    )
    assert [Path(r.path).name for r in results] == [f.name for f in files]
    assert seen == [r.path for r in results]
    assert [Path(r.path).name for r in results if r.findings] == [
        f"m{i:03}.py" for i in range(0, 120, 3)
    ]
    errors = [r for r in results if r.error]
    assert len(errors) == 1
    assert (errors[0].error or "").endswith("m007.py:3:17: cannot parse: expected ':'")


def test_check_exceptions_reports_the_discovered_count_before_results(tmp_path: Path) -> None:
    _make_files(tmp_path, 90)
    events: list[object] = []
    report = check_exceptions(
        [tmp_path], Config(root=tmp_path), jobs=2,
        on_discovered=lambda n: events.append(("discovered", n)),
        on_result=lambda r: events.append("result"),
    )
    assert events[0] == ("discovered", 90)
    assert events[1:] == ["result"] * 90
    assert report.files_checked == 90
    assert len(report.findings) == 30


def test_qualitytool_has_no_broad_handlers_of_its_own() -> None:
    dirs = [REPO_ROOT / name for name in ("qualitytool", "codemods", "benchmarks", "tests")]
    report = check_exceptions(dirs)
    assert [f"{f.path}:{f.line}: {f.message}" for f in report.findings] == []
    assert report.errors == []


def test_package_passes_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "qualitytool"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# One process pool (qualitytool.parallel.worker_pool) for every caller, in both of its modes.

_ORPHAN = """
import os, signal, sys
from qualitytool.parallel import worker_pool

def pid(_):
    return os.getpid()

if __name__ == "__main__":
    pool = worker_pool(2, background=sys.argv[1] == "background")
    pids = sorted(set(pool.map(pid, range(40))))
    print(" ".join(map(str, pids)), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("mode", ["fork", "background"])
def test_pool_workers_die_with_a_killed_parent(tmp_path: Path, mode: str) -> None:
    import time

    script = tmp_path / "orphan.py"
    script.write_text(_ORPHAN, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), mode], check=False, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    workers = [int(pid) for pid in done.stdout.split()]
    assert workers
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pid for pid in workers if _alive(pid)] == []


def test_background_todo_scan_equals_the_serial_one(tmp_path: Path) -> None:
    from qualitytool.todos.project_scan import _PARALLEL_THRESHOLD, scan_files

    files = []
    for index in range(_PARALLEL_THRESHOLD + 20):
        path = tmp_path / f"m{index:03}.py"
        path.write_text(f"x = {index}  # TODO: item {index % 7}\n" if index % 5 == 0
                        else "x = 1\n", encoding="utf-8")
        files.append(path)
    config = Config(root=tmp_path, jobs=2)
    serial = scan_files(files, config, jobs=1, base=tmp_path)
    background = scan_files(files, config, base=tmp_path, background=True)
    assert len(serial.items) == (_PARALLEL_THRESHOLD + 20 + 4) // 5
    assert background == serial


def test_todo_scan_in_workers_equals_the_serial_one(tmp_path: Path) -> None:
    """Files go to the workers in chunks while the walk still runs, and this process
    categorises what they find: the same items, counts and errors as one process."""
    import os

    from qualitytool.todos.project_scan import _CHUNK_SIZE, _PARALLEL_THRESHOLD, scan_paths

    count = _PARALLEL_THRESHOLD + 2 * _CHUNK_SIZE + 7
    for index in range(count):
        folder = tmp_path / f"pkg{index % 9}"
        folder.mkdir(exist_ok=True)
        text = (f"def f{index}():\n    # TODO(alice): fix the security check {index % 4}\n"
                "    return 1\n" if index % 6 == 0 else "x = 1  # todo: later\n"
                if index % 6 == 1 else "x = 1\n")
        (folder / f"m{index:03}.py").write_text(text, encoding="utf-8")
    os.mkfifo(tmp_path / "pkg3" / "pipe.py")  # listed, never read: an error line
    config = Config(root=tmp_path)
    serial = scan_paths([tmp_path], config, jobs=1, base=tmp_path, blame=False)
    parallel = scan_paths([tmp_path], config, jobs=2, base=tmp_path, blame=False)
    assert serial.files_scanned == count + 1
    assert len(serial.items) == (count + 5) // 6 + (count + 4) // 6
    assert all(item.category and item.category_reason for item in serial.items)
    assert [error.split(":")[0] for error in serial.errors] == [
        str(tmp_path / "pkg3" / "pipe.py")]
    assert parallel == serial
