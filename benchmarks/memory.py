"""Peak memory and wall time of each command on a generated 20,000-file tree and on one 10 MB
module: ``python benchmarks/memory.py [--files N] [--megabytes M] [--commands ...]``.

``todos --link`` syncs with a local fake of GitHub's REST API (the first 2,000 issues, then
their links).  Peak memory is the largest sum of resident set sizes over the command's whole
process tree (its workers included), sampled every 50 ms from /proc (Linux).  The goal is
under 1 GB.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import tool
from generated import module_text, write_tree

COMMANDS = {
    "check-exceptions": ["check-exceptions", "."],
    "fix-exceptions": ["fix-exceptions", "."],
    "fix-exceptions --write": ["fix-exceptions", "--write", "."],
    "todos": ["todos", "--no-blame", "--format", "json", "."],
    # Against a local fake of GitHub's REST API; the first LINKED issues, then their links.
    "todos --link": ["todos", "sync", "--link", "--no-blame", "--write-pause", "0",
                     "--max-new", "{linked}", "--max-wait", "5", "."],
    "report": ["report", "--no-cache", "--format", "json", "."],
}
_PAGE = os.sysconf("SC_PAGE_SIZE")
LINKED = 2_000


@contextlib.contextmanager
def _fake_github() -> Iterator[dict[str, str]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from github_server import FakeGitHub

    token = "ghp_memory_benchmark_token"
    server = FakeGitHub(token=token).start()
    try:
        yield {"GITHUB_TOKEN": token, "GITHUB_REPOSITORY": "acme/app",
               "GITHUB_API_URL": server.base_url, "GITHUB_SERVER_URL": "https://github.example",
               "GITHUB_SHA": ""}
    finally:
        server.stop()


def _tree_rss(root_pid: int) -> int:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * _PAGE
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def measure(argv: list[str], cwd: Path, timeout: float,
            env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(seconds, peak bytes over the process tree, exit status)."""
    start = time.perf_counter()
    process = subprocess.Popen([tool("qualitytool"), *argv], cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "CI": "1", **(env or {})})
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        if time.perf_counter() - start > timeout:
            process.kill()
            process.wait()
            return timeout, peak, -9
        time.sleep(0.05)
    return time.perf_counter() - start, peak, process.returncode


def run(repeat: int, files: int = 20_000, megabytes: float = 10.0,
        commands: tuple[str, ...] = tuple(COMMANDS), timeout: float = 1800.0) -> None:
    del repeat  # one run each: the figures are peaks, not medians
    with tempfile.TemporaryDirectory(prefix="qualitytool-memory-") as scratch:
        base = Path(scratch)
        inputs = {}
        tree = base / "tree"
        write_tree(tree, files)
        inputs[f"{files:,}-file tree"] = tree
        single = base / "module"
        single.mkdir()
        (single / "big.py").write_text(module_text(int(megabytes * 1_000_000)), encoding="utf-8")
        inputs[f"{megabytes:g} MB module"] = single
        for root in inputs.values():
            (root / "pyproject.toml").write_text("[tool.qualitytool]\n", encoding="utf-8")
        print(f"\n{'command':<26} {'input':<20} {'seconds':>8} {'peak MB':>8} {'exit':>5}")
        for label, root in inputs.items():
            for name in commands:
                work = base / "work"
                shutil.rmtree(work, ignore_errors=True)
                shutil.copytree(root, work)
                argv = [a.replace("{linked}", str(LINKED)) for a in COMMANDS[name]]
                if name == "todos --link":
                    with _fake_github() as env:
                        seconds, peak, status = measure(argv, work, timeout, env)
                else:
                    seconds, peak, status = measure(argv, work, timeout)
                killed = " (killed at the time limit)" if status == -9 else ""
                print(f"{name:<26} {label:<20} {seconds:>8.1f} {peak / 2**20:>8.0f} "
                      f"{status:>5}{killed}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--commands", nargs="*", choices=list(COMMANDS), default=list(COMMANDS))
    parser.add_argument("--timeout", type=float, default=1800.0)
    arguments = parser.parse_args()
    run(1, arguments.files, arguments.megabytes, tuple(arguments.commands), arguments.timeout)
