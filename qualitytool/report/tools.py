"""Running external tools: finding the command, time limits, and telling failures apart."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from qualitytool.parallel import lower_priority
from qualitytool.report.model import RunContext, ToolStatus

# Each tool runs in a process group of its own (POSIX), so that the processes it leaves behind
# when it dies (pylint's parallel workers do) can be killed with it.  The groups running now,
# for :func:`interrupt_tools`.  Python 3.10 has no ``process_group``: a session of its own
# (``setsid`` in the child, as thread-safe) makes the tool a group leader just the same.
_OWN_GROUPS = hasattr(os, "killpg")
_NEW_GROUP: dict[str, object] = (
    {} if not _OWN_GROUPS else {"process_group": 0} if sys.version_info >= (3, 11)
    else {"start_new_session": True}
)
_RUNNING: set[int] = set()
_RUNNING_LOCK = threading.Lock()
# Set once the run is interrupted: no tool starts after it (a runner thread between two of its
# processes -- pylint's batches, its cross-file pass -- would otherwise start the next one,
# which no Ctrl-C reaches, and the interrupted run would wait for it).
_STOPPING = threading.Event()


def start_run() -> None:
    """A new run starts: tools may start again (after an interrupted run in this process)."""
    _STOPPING.clear()


def interrupt_tools() -> None:
    """Send SIGINT to every tool running now, with its workers: in process groups of their
    own, they no longer get the Ctrl-C that the terminal sends to ours.  Called when the run
    is interrupted; each tool then stops as it would on Ctrl-C."""
    with _RUNNING_LOCK:
        _STOPPING.set()
        groups = list(_RUNNING)
    for group in groups:
        _signal_group(group, signal.SIGINT)


def _signal_group(group: int, sig: signal.Signals) -> None:
    try:
        os.killpg(group, sig)
    except (ProcessLookupError, PermissionError):  # the group is empty: nothing left
        pass


class ToolError(Exception):
    """A tool could not produce results; ``status`` says whether it is missing, crashed, ..."""

    def __init__(self, status: ToolStatus, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def python_module_tool(ctx: RunContext, tool: str, module: str) -> tuple[list[str], str]:
    """A tool we depend on: its command and version.

    By default ``python -m module`` through :func:`~qualitytool.report.launch.launch_command`
    (the garbage collector tuned, the project off ``sys.path``, and with ``--untrusted`` none of
    its code-running settings) and the version from our environment's metadata, with no
    process to start; a command configured for ``tool`` runs as given and answers
    ``--version``.
    """
    override = ctx.command_override(tool)
    if override is not None:
        command = shlex.split(override)
        return command, tool_version(command, ctx.root)
    from importlib.metadata import PackageNotFoundError, version

    from qualitytool.report.launch import launch_command

    try:
        return launch_command(module, untrusted=ctx.untrusted), version(module)
    except PackageNotFoundError as exc:
        raise ToolError(ToolStatus.MISSING, not_installed(module)) from exc


# What to install for a tool the report runs (extras of qualitytool's own package).
REPORT_EXTRA = "pip install 'qualitytool[report]'"


def not_installed(module: str) -> str:
    """The status detail of a tool of the ``report`` extra that is not installed."""
    return f"{module} is not installed for {sys.executable} ({REPORT_EXTRA})"


def path_command(ctx: RunContext, tool: str, executable: str) -> list[str]:
    """An optional tool of the project's own: configured, next to our Python, or on PATH."""
    override = ctx.command_override(tool)
    if override is not None:
        return shlex.split(override)
    beside = Path(sys.executable).parent / executable
    if beside.exists() and os.access(beside, os.X_OK):
        return [str(beside)]
    return [executable]


def run_tool(
    tool: str,
    argv: Sequence[str],
    cwd: Path,
    timeout: float,
    ok_codes: Sequence[int] = (0,),
    stdin: str | None = None,
    background: bool = False,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv``; a missing executable, a timeout or an unexpected exit is a ToolError.

    ``background`` runs it at a lower CPU priority (``qualitytool.parallel.lower_priority``;
    bandit, one process, keeps normal priority: lowered, it would finish alone on one core
    after pylint).
    """
    if _STOPPING.is_set():
        raise ToolError(ToolStatus.CRASHED, "not started: the run was interrupted")
    executable = argv[0]
    if os.sep not in executable and shutil.which(executable) is None:
        raise ToolError(ToolStatus.MISSING, f"`{executable}` not found on PATH")
    # Output goes to files, not pipes: a tool that dies leaving its own workers behind (pylint's
    # parallel mode does) would otherwise hold the pipes open, and the run would wait forever.
    # Those workers are killed when the tool has ended: they are in its process group.
    group = _NEW_GROUP
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            process = subprocess.Popen(
                list(argv), cwd=cwd, stdout=out, stderr=err,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
                **group,  # type: ignore[call-overload]
            )
        except FileNotFoundError as exc:
            raise ToolError(ToolStatus.MISSING, f"`{executable}` not found") from exc
        except PermissionError as exc:
            raise ToolError(ToolStatus.MISSING, f"`{executable}` is not executable") from exc
        if group:
            with _RUNNING_LOCK:
                _RUNNING.add(process.pid)
                stopping = _STOPPING.is_set()
            if stopping:  # started as the run was interrupted: stop it as the others were
                _signal_group(process.pid, signal.SIGINT)
        if background:
            lower_priority(process.pid)
        try:
            if stdin is not None and process.stdin is not None:
                with process.stdin:
                    try:
                        process.stdin.write(stdin.encode("utf-8"))
                    except BrokenPipeError:
                        pass  # the tool exited without reading it: its status says why
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                raise ToolError(ToolStatus.TIMEOUT, f"no result after {timeout:g} s "
                                f"(raise {TIMEOUT_SETTING})") from exc
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            if group:
                with _RUNNING_LOCK:
                    _RUNNING.discard(process.pid)
                # What the tool left running (its workers, after a crash) ends with it.
                _signal_group(process.pid, signal.SIGKILL)
        stdout, stderr = _read_text(out), _read_text(err)
    completed = subprocess.CompletedProcess(list(argv), process.returncode, stdout, stderr)
    if completed.returncode not in ok_codes:
        if "No module named" in completed.stderr:
            raise ToolError(ToolStatus.MISSING, _last_line(completed.stderr))
        raise ToolError(
            ToolStatus.CRASHED,
            f"exit status {completed.returncode}: "
            f"{_last_line(completed.stderr or completed.stdout)}",
        )
    return completed


def _read_text(handle: IO[bytes]) -> str:
    handle.seek(0)
    # As text=True read pipes: universal newlines.
    text = handle.read().decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Named in a timeout's detail: what to change when a tool needs longer on a large project.
TIMEOUT_SETTING = "`tool-timeout` of [tool.qualitytool.report]"


def tool_version(argv: Sequence[str], cwd: Path, timeout: float = 60.0) -> str:
    """The first version-looking word of ``argv --version``."""
    completed = run_tool(argv[0], [*argv, "--version"], cwd, timeout)
    import re

    text = completed.stdout + completed.stderr
    match = re.search(r"\d+\.\d+(?:\.\d+)?(?:[a-z0-9.+-]*)", text)
    return match.group(0) if match else text.strip().splitlines()[0] if text.strip() else "?"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"
