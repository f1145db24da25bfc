"""The tools the report starts run in process groups of their own: what a tool leaves running
when it dies (pylint's parallel workers, after a crash) is killed with it, and Ctrl-C still
stops every tool at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qualitytool.report.model import ToolStatus
from qualitytool.report.tools import ToolError, run_tool

from .foreground import foreground

pytestmark = pytest.mark.skipif(
    not hasattr(os, "killpg") or not os.path.isdir("/proc/self"),
    reason="POSIX process groups, and /proc to tell a live process from a reaped one",
)

# A "tool" that starts a worker (sleeping, as a pylint worker waits for work), writes the
# worker's pid, then dies.
CRASHING_TOOL = textwrap.dedent("""
    import subprocess, sys, time
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    with open(sys.argv[1], "w") as handle:
        handle.write(str(worker.pid))
    {after}
""")


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its new parent to reap it does not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_dead(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_the_workers_of_a_crashed_tool_are_killed(tmp_path: Path) -> None:
    script = tmp_path / "tool.py"
    script.write_text(CRASHING_TOOL.format(after="sys.exit('tool crashed')"))
    pid_file = tmp_path / "worker.pid"
    with pytest.raises(ToolError) as caught:
        run_tool("fake", [sys.executable, str(script), str(pid_file)], tmp_path, timeout=60)
    assert caught.value.status is ToolStatus.CRASHED
    worker = int(pid_file.read_text())
    try:
        assert wait_dead(worker), "the crashed tool's worker is still running"
    finally:
        if alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_the_workers_of_a_tool_that_succeeds_are_killed_too(tmp_path: Path) -> None:
    script = tmp_path / "tool.py"
    script.write_text(CRASHING_TOOL.format(after="print('done')"))
    pid_file = tmp_path / "worker.pid"
    completed = run_tool("fake", [sys.executable, str(script), str(pid_file)], tmp_path,
                         timeout=60)
    assert completed.stdout == "done\n"
    worker = int(pid_file.read_text())
    try:
        assert wait_dead(worker)
    finally:
        if alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_ctrl_c_stops_the_report_and_every_tool(tmp_path: Path) -> None:
    """SIGINT to the report's process group (what the terminal sends on Ctrl-C) stops the
    report at once, with the tools it started in their own groups and their workers."""
    pid_file = tmp_path / "worker.pid"
    tool = tmp_path / "slow_pylint.py"
    tool.write_text(CRASHING_TOOL.format(after="time.sleep(120)"))
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.qualitytool.report]\n"
        f'commands = ["pylint={sys.executable} {tool} {pid_file}"]\n'
    )
    report = subprocess.Popen(
        foreground([sys.executable, "-m", "qualitytool", "report", "--no-cache", "--format",
                    "json", "--output", str(tmp_path / "out.json"), "."]),
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,  # a group of its own on every Python (process_group: 3.11+)
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert report.poll() is None, report.communicate()
            assert time.monotonic() < deadline, "the slow tool never started"
            time.sleep(0.05)
        worker = int(pid_file.read_text())
        os.killpg(report.pid, signal.SIGINT)
        started = time.monotonic()
        report.wait(timeout=30)
        assert time.monotonic() - started < 15
        assert report.returncode != 0
        assert wait_dead(worker), "the tool's worker outlived the interrupted report"
    finally:
        if report.poll() is None:
            os.killpg(report.pid, signal.SIGKILL)
            report.wait()
        if worker is not None and alive(worker):
            os.kill(worker, signal.SIGKILL)
