from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.api import check_exceptions
from qualitytool.cli import main
from qualitytool.config import Config, ConfigError, load_config
from qualitytool.discovery import discover_files

from .conftest import EXAMPLE, SARIF_SCHEMA


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_locations_and_messages(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "try:\n    f()\nexcept (ValueError, Exception):\n    pass\n"
          "try:\n    g()\nexcept:\n    pass\n")
    report = check_exceptions([tmp_path], Config(root=tmp_path))
    assert [(f.line, f.col, f.rule_id, f.message) for f in report.findings] == [
        (3, 21, "QT001", "Do not catch blind exception: `Exception`"),
        (7, 1, "QT002", "Do not use bare `except:`"),
    ]


def test_strict_reports_exempt_handlers(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "try:\n    f()\nexcept Exception:\n    raise\n")
    assert check_exceptions([tmp_path], Config(root=tmp_path)).findings == []
    strict = check_exceptions([tmp_path], Config(root=tmp_path), strict=True).findings
    assert [f.message for f in strict] == [
        "Do not catch blind exception: `Exception` (it re-raises; reported by --strict)"
    ]


def test_critical_paths_are_errors(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.qualitytool]\ncritical-paths = ["core/"]\n')
    write(tmp_path / "core" / "pay.py", "try:\n    f()\nexcept Exception:\n    pass\n")
    write(tmp_path / "other.py", "try:\n    f()\nexcept Exception:\n    pass\n")
    report = check_exceptions([tmp_path])
    assert [(f.path.split("/")[-1], f.severity.value) for f in report.findings] == [
        ("pay.py", "error"), ("other.py", "warning")
    ]


def test_config_errors_name_file_and_key(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.qualitytool]\ncritical-paths = "x"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: key 'tool.qualitytool.critical-paths'"):
        load_config(tmp_path)


def test_unknown_key_warns(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.qualitytool]\ncritical_paths = []\n")
    config = load_config(tmp_path)
    assert config.warnings and "did you mean 'critical-paths'" in config.warnings[0]


def test_discovery_honours_gitignore_exclude_and_venvs(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path / ".gitignore", "generated/\n")
    write(tmp_path / "pyproject.toml", '[tool.qualitytool]\nexclude = ["legacy/"]\n')
    for name in ("a.py", "generated/g.py", "legacy/l.py", "env/x.py", "pkg/b.py",
                 "node_modules/n.py"):
        write(tmp_path / name, "")
    write(tmp_path / "env" / "pyvenv.cfg", "")
    files = discover_files([tmp_path], load_config(tmp_path))
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a.py", "pkg/b.py"]
    explicit = discover_files([tmp_path / "generated" / "g.py"], load_config(tmp_path))
    assert len(explicit) == 1


def test_broken_files_reported_and_run_continues(tmp_path: Path) -> None:
    write(tmp_path / "bad.py", "try:\n    f(\nexcept Exception:\n    pass\n")
    (tmp_path / "latin.py").write_bytes(
        b"# no coding cookie\ntry:\n    x = '\xe9'\nexcept:\n    pass\n")
    write(tmp_path / "ok.py", "try:\n    f()\nexcept Exception:\n    pass\n")
    result = CliRunner().invoke(main, ["check-exceptions", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot parse" in result.output and "not valid utf-8" in result.output
    assert "ok.py:3:8: QT001" in result.output


def test_cli_exit_codes(tmp_path: Path) -> None:
    clean = write(tmp_path / "clean.py", "x = 1\n")
    dirty = write(tmp_path / "dirty.py", "try:\n    f()\nexcept Exception:\n    pass\n")
    runner = CliRunner()
    assert runner.invoke(main, ["check-exceptions", str(clean)]).exit_code == 0
    assert runner.invoke(main, ["check-exceptions", str(dirty)]).exit_code == 1
    assert runner.invoke(main, ["check-exceptions", str(tmp_path / "missing")]).exit_code == 2


def test_json_and_github_formats(tmp_path: Path) -> None:
    dirty = write(tmp_path / "dirty.py", "try:\n    f()\nexcept Exception:\n    pass\n")
    runner = CliRunner()
    printed = runner.invoke(main, ["check-exceptions", "--format", "json", str(dirty)])
    data = json.loads(printed.output)
    assert [(f["rule_id"], f["line"], f["col"]) for f in data["findings"]] == [("QT001", 3, 8)]
    gh = runner.invoke(main, ["check-exceptions", "--format", "github", str(dirty)]).output
    assert gh.startswith("::warning file=") and ",line=3,col=8," in gh and "title=QT001" in gh


def test_sarif_validates_against_schema(tmp_path: Path) -> None:
    import jsonschema

    dirty = write(tmp_path / "dirty.py", "try:\n    f()\nexcept Exception:\n    pass\n")
    out = CliRunner().invoke(main, ["check-exceptions", "--format", "sarif", str(dirty)]).output
    document = json.loads(out)
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    run = document["runs"][0]
    assert run["tool"]["driver"]["rules"]
    result = run["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert result["partialFingerprints"]


def test_example_project() -> None:
    report = check_exceptions([EXAMPLE])
    found = [
        (f.path.split("legacy_app/")[-1], f.line, f.rule_id, f.severity.value)
        for f in report.findings
    ]
    assert found == EXPECTED_EXAMPLE


# The example's handlers ruff also flags (same 21); security.py and notifications.py are
# its critical paths.
EXPECTED_EXAMPLE = [
    ('app/api/health.py', 25, 'QT001', 'warning'),
    ('app/api/health.py', 33, 'QT001', 'warning'),
    ('app/api/health.py', 43, 'QT001', 'warning'),
    ('app/api/health.py', 53, 'QT001', 'warning'),
    ('app/api/health.py', 62, 'QT001', 'warning'),
    ('app/config.py', 13, 'QT001', 'warning'),
    ('app/config.py', 16, 'QT001', 'warning'),
    ('app/db.py', 106, 'QT001', 'warning'),
    ('app/db.py', 128, 'QT001', 'warning'),
    ('app/maintenance.py', 25, 'QT002', 'warning'),
    ('app/middleware/metrics.py', 126, 'QT001', 'warning'),
    ('app/security.py', 36, 'QT002', 'error'),
    ('app/security.py', 65, 'QT001', 'error'),
    ('app/security.py', 72, 'QT001', 'error'),
    ('app/services/notifications.py', 20, 'QT001', 'error'),
    ('app/services/notifications.py', 68, 'QT001', 'error'),
    ('app/services/notifications.py', 79, 'QT001', 'error'),
    ('app/services/storage.py', 42, 'QT001', 'warning'),
    ('app/services/storage.py', 52, 'QT001', 'warning'),
    ('app/services/storage.py', 58, 'QT001', 'warning'),
    ('app/services/storage.py', 73, 'QT002', 'warning'),
]


# Runs cli.entry() and says on stderr whether it will end the process without the teardown.
_ENTRY = """
import sys
import qualitytool.cli as cli
decide = cli._nothing_waits_for_the_exit
def told() -> bool:
    verdict = decide()
    print("hard exit" if verdict else "ordinary exit", file=sys.stderr)
    return verdict
cli._nothing_waits_for_the_exit = told
sys.argv[0] = "qualitytool"
cli.entry()
"""


# Sets up what may wait for the end of the process, then says whether entry() would skip it.
_WAITING = """
import atexit, logging, multiprocessing, sys, time
import qualitytool.cli as cli
from qualitytool.parallel import worker_pool
with worker_pool(1) as pool:  # workers started and ended: nothing waits for them
    assert pool.submit(sum, (1, 2)).result() == 3
logging.getLogger("x").addHandler(logging.NullHandler())
{setup}
print(cli._nothing_waits_for_the_exit())
"""


@pytest.mark.parametrize(
    ("setup", "quick"),
    [
        pytest.param("", True, id="workers ended, a null handler"),
        pytest.param("logging.basicConfig(filename=sys.argv[1])", False, id="a file to flush"),
        pytest.param("atexit.register(print, 'bye')", False, id="a callback of its own"),
        pytest.param("child = multiprocessing.Process(target=time.sleep, args=(30,))\n"
                     "child.start()", False, id="a child process running"),
    ],
)
def test_the_quick_exit_waits_for_what_needs_the_end(
    tmp_path: Path, setup: str, quick: bool
) -> None:
    import sys

    script = _WAITING.format(setup=setup)
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "log.txt")],
                            capture_output=True, text=True, check=False, timeout=120)
    assert result.stdout.split()[:1] == [str(quick)], result.stderr


@pytest.mark.parametrize("command", ["python -m qualitytool", "console script", "entry"])
def test_the_process_exits_with_the_command_s_code_and_all_its_output(
    tmp_path: Path, command: str
) -> None:
    """The console script ends the process without the interpreter's teardown when nothing
    waits for it (``cli.entry``): every line is still written, and the exit code is the
    command's.  The first run starts workers (ended when the exit comes: the quick exit
    still), the second is served from the cache."""
    import shutil
    import sys

    handlers = "".join(f"try:\n    f{i}()\nexcept Exception:\n    pass\n" for i in range(3000))
    # Enough files that may hold a broad handler (the others are not parsed) for workers.
    narrow = "try:\n    x = 1\nexcept (ValueError,\n        TypeError):\n    pass\n"
    for n in range(60):
        (tmp_path / f"m{n}.py").write_text(handlers if n == 0 else narrow)
    (tmp_path / "broken.py").write_text("def broken(:\n    pass\nexcept:\n")
    if command == "console script":
        script = shutil.which("qualitytool", path=str(Path(sys.executable).parent))
        assert script is not None
        argv = [script]
    elif command == "entry":
        argv = [sys.executable, "-c", _ENTRY]
    else:
        argv = [sys.executable, "-m", "qualitytool"]
    # Each handler's ``except`` is on line 3 + 4i of m0.py, column 8.
    expected = (
        "".join(f"m0.py:{3 + 4 * i}:8: QT001 Do not catch blind exception: `Exception`\n"
                for i in range(3000))
        + "error: broken.py:1:12: cannot parse: invalid syntax\n"
        + "Found 3000 broad exception handlers in 1 of 61 files; "
        "1 file could not be analysed.\n"
    )
    for exit_kind in ("hard exit", "hard exit"):
        result = subprocess.run([*argv, "check-exceptions", "."], cwd=tmp_path,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 2  # a file could not be analysed
        assert result.stdout == expected
        if command == "entry":
            assert result.stderr.strip().splitlines()[-1] == exit_kind
    help_run = subprocess.run([*argv, "--help"], capture_output=True, text=True, check=False)
    assert help_run.returncode == 0 and "check-exceptions" in help_run.stdout
    usage = subprocess.run([*argv, "check-exceptions", "--bogus"], capture_output=True,
                           text=True, check=False)
    assert usage.returncode == 2 and "No such option" in usage.stderr
