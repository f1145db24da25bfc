"""Killing a run mid-write: every file is either as it was or as a complete run leaves it.

A real ``qualitytool`` subprocess works on a generated tree and is killed (SIGKILL, which
nothing can catch) at random points; then every file must be byte-identical to the original
or to the result of an uninterrupted run, never truncated or half-written, and the workers
must die with the main process (nothing is written after the kill).  SIGINT instead stops
the run promptly with a summary, the run log and exit status 130.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from generated import write_tree

from .foreground import foreground
from .github_server import FakeGitHub

QUALITYTOOL = str(Path(sys.executable).parent / "qualitytool")
TOKEN = "ghp_interruption_token_7"
FILES = 120
KILLS = 3


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("interrupt") / "original"
    write_tree(root, FILES, per_package=20)
    (root / "pyproject.toml").write_text("[tool.qualitytool]\njobs = 2\n", encoding="utf-8")
    return root


def fresh_copy(original: Path, where: Path) -> Path:
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(original, where, symlinks=True)
    return where


def start(root: Path, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        foreground([QUALITYTOOL, *argv]), cwd=root, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "CI": "1", **(env or {})},
    )


def kill_at_random_points(
    original: Path, scratch: Path, argv: list[str], env_for: object = None
) -> None:
    """Run ``argv`` to completion once (the "new" state), then kill it ``KILLS`` times."""
    new_root = fresh_copy(original, scratch / "complete")
    env = env_for() if callable(env_for) else None
    began = time.perf_counter()
    finished = start(new_root, argv, env)
    finished.communicate(timeout=600)
    duration = time.perf_counter() - began
    old, new = snapshot(original), snapshot(new_root)
    assert old.keys() == new.keys() and old != new
    rng = random.Random(20261202)
    for attempt in range(KILLS):
        root = fresh_copy(original, scratch / f"killed-{attempt}")
        process = start(root, argv, env_for() if callable(env_for) else None)
        time.sleep(rng.uniform(0.3, 0.9) * duration)
        workers = children(process.pid)
        process.kill()
        process.communicate(timeout=60)
        time.sleep(1.5)  # time for an orphaned worker to go on writing, if it could
        after = snapshot(root)
        for name, data in after.items():
            assert data in (old[name], new[name]), f"{name} is neither old nor new"
        assert [pid for pid in workers if alive(pid)] == [], "a worker outlived the kill"
        time.sleep(1.0)
        assert snapshot(root) == after, "something was written after the kill"


def test_sigkill_during_fix_exceptions_write(original: Path, tmp_path: Path) -> None:
    kill_at_random_points(original, tmp_path, ["fix-exceptions", "--write", "--jobs", "2", "."])


@pytest.fixture
def github() -> Iterator[list[FakeGitHub]]:
    servers: list[FakeGitHub] = []
    yield servers
    for server in servers:
        server.stop()


def test_sigkill_during_todos_link(original: Path, tmp_path: Path,
                                   github: list[FakeGitHub]) -> None:
    def environment() -> dict[str, str]:
        server = FakeGitHub(token=TOKEN).start()  # a fresh server: the same issue numbers
        github.append(server)
        return {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/app",
                "GITHUB_API_URL": server.base_url, "GITHUB_SERVER_URL": "https://github.example",
                "GITHUB_SHA": ""}

    kill_at_random_points(
        original, tmp_path,
        ["todos", "sync", "--link", "--no-blame", "--write-pause", "0", "--retry-backoff", "0",
         "."],
        environment,
    )


def test_sigint_stops_fix_exceptions_promptly_with_summary_and_log(
        original: Path, tmp_path: Path) -> None:
    # SIGINT as soon as the first file is written: mid-run on a fast machine as on a slow one.
    # On a loaded machine the run may finish the last files between the first write being
    # seen and the signal arriving (then it exits 0 with every file written): that attempt
    # proves nothing about SIGINT, so it is made again on a fresh copy, three times at most.
    for _attempt in range(3):
        root = fresh_copy(original, tmp_path / "tree")
        before = snapshot(root)
        process = start(root, ["fix-exceptions", "--write", "--jobs", "2", "."])
        deadline = time.perf_counter() + 120
        while (snapshot(root) == before and process.poll() is None
               and time.perf_counter() < deadline):
            time.sleep(0.02)
        assert process.poll() is None, "the run was over before it could be interrupted"
        process.send_signal(signal.SIGINT)
        stopped = time.perf_counter()
        out, err = process.communicate(timeout=120)
        assert time.perf_counter() - stopped < 15, "it went on after SIGINT"
        if process.returncode == 0 and "interrupted" not in err:
            continue  # the signal came after the work: try again
        break
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Aborted!" not in err
    assert "interrupted: stopped after" in err
    summary = out.strip().splitlines()[-1]
    changed = int(summary.split("; ")[1].split()[0])
    assert 0 < changed < FILES
    log = json.loads((root / ".qualitytool" / "last-fix-exceptions.json").read_text())
    assert log["interrupted"] is True and log["summary"]["files_changed"] == changed
    rewritten = [p for p in root.rglob("mod_*.py") if b"except Exception" not in p.read_bytes()]
    assert len(rewritten) == changed  # the summary counts exactly what was written
