"""The GitHub token never appears anywhere (issue 14, item 5).

Every command runs as a real process with a fake token in its environment, pointed at a local
GitHub that fails in every way -- 401, 403, 500, a TLS error, no answer at all -- and echoes
the token back in its error messages, as a hostile or misconfigured server may.  The token
must be in no output, no file the run writes (reports, run logs, cache, baseline, job
summary), no log record and no exception text.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from .github_server import FakeGitHub, Fault
from .gitrepo import GitRepo

TOKEN = "ghp_fakeSecretToken0123456789abcdefABCDEF"
ECHO = {"message": f"Bad credentials: token {TOKEN} is not valid"}
ANY = r"/.*"

# How the server fails; "tls" talks HTTPS to a plain-HTTP server, so the handshake fails.
FAULTS: dict[str, Fault | None] = {
    "401": Fault("*", ANY, status=401, body=ECHO, times=1000),
    "403": Fault("*", ANY, status=403, body=ECHO, times=1000),
    "500": Fault("*", ANY, status=500, body=ECHO, times=1000),
    "tls": None,
    "timeout": Fault("*", ANY, hang=3.0, times=1000),
}
EXPECTED = {  # the one error line each failure ends with
    "401": "error: GitHub answered 401: Bad credentials: token *** is not valid (check "
           "GITHUB_TOKEN)",
    "403": "error: GitHub answered 403: Bad credentials: token *** is not valid "
           "(the token needs issues: write on the repository)",
    "500": "error: RetryError: ",  # urllib3 retried the read until it gave up
    "tls": "error: SSLError: ",
    "timeout": "error: ConnectionError: ",  # read timed out on every try
}


@pytest.fixture()
def github() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token=TOKEN).start()
    yield server
    server.stop()


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    repo = GitRepo(tmp_path / "project")
    repo.write("app/jobs.py", (
        "import json\n\n\ndef load(text: str) -> object:\n"
        "    # TODO: validate the payload\n"
        "    try:\n        return json.loads(text)\n    except Exception:\n        return None\n"
    ))
    repo.write("pyproject.toml", '[tool.qualitytool.report]\ndisable = ["coverage"]\n')
    repo.commit("initial")
    return repo.root


def _failing(github: FakeGitHub, failure: str) -> str:
    """Make ``github`` fail that way; the API URL to use."""
    fault = FAULTS[failure]
    if fault is not None:
        github.add_fault(fault)
    if failure == "tls":
        return github.base_url.replace("http://", "https://")
    return github.base_url


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qualitytool", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def _written_text(root: Path) -> str:
    """Everything the runs wrote under ``root`` (reports, logs, caches, baseline...)."""
    chunks = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            chunks.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(chunks)


@pytest.mark.parametrize("failure", sorted(FAULTS))
def test_token_is_never_shown_by_any_command(
    failure: str, project: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    api_url = _failing(github, failure)
    out = tmp_path / "out"
    summary = out / "summary.md"
    out.mkdir()
    env = {**os.environ, "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/app",
           "GITHUB_API_URL": api_url, "GITHUB_SHA": "",
           "GITHUB_STEP_SUMMARY": str(summary)}
    commands = [
        ["check-exceptions", ".", "--format", "sarif"],
        ["fix-exceptions", ".", "--write", "--unsafe-fixes"],
        ["todos", ".", "--format", "json", "--report", str(out / "todos")],
        ["todos", "sync", "--timeout", "1", "--retry-backoff", "0", "--max-wait", "1",
         "--write-pause", "0", "--link"],
        ["report", ".", "--out", str(out / "report"), "--format", "json",
         "--save-baseline", str(out / "baseline.json")],
        ["config", "."],
        ["init", ".", "--ci"],
    ]
    outputs = []
    for command in commands:
        completed = _run(command, project, env)
        outputs.append(completed.stdout + completed.stderr)
        assert "Traceback" not in completed.stderr, (command, completed.stderr)
    sync_output = outputs[3].strip().splitlines()
    assert sync_output[-1].startswith(EXPECTED[failure]), sync_output
    everything = "\n".join(outputs) + _written_text(project) + _written_text(out)
    assert summary.is_file() and (out / "report" / "CODE_QUALITY_REPORT.md").is_file()
    assert TOKEN not in everything
    assert github.issues == {}


@pytest.mark.parametrize("failure", sorted(FAULTS))
def test_token_is_in_no_exception_or_log_record(
    failure: str, project: Path, github: FakeGitHub, caplog: pytest.LogCaptureFixture,
) -> None:
    """In process: the exception the library raises, with its whole chain, and every log
    record (PyGithub's and urllib3's debug logging included)."""
    from qualitytool.api import resolve_config, sync_todos
    from qualitytool.todos.sync import SyncError, SyncOptions

    caplog.set_level(logging.DEBUG)
    options = SyncOptions.from_env(
        {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/app"},
        api_url=_failing(github, failure), write_pause=0, max_wait=1, retry_backoff=0,
        timeout=1,
    )
    with pytest.raises(SyncError) as raised:
        sync_todos([project], resolve_config([project]), options, blame=False)
    text = "".join(traceback.format_exception(raised.value))
    assert "SyncError" in text
    assert TOKEN not in text + repr(raised.value) + repr(options)
    assert TOKEN not in caplog.text
    assert all(TOKEN not in str(record.args) for record in caplog.records)
