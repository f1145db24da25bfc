"""Contracts derived from the installed dependencies (qualitytool.exceptions.inference.derive).

Real distributions, installed by pip into a real virtualenv (``installed_libraries``), found
the way the tool finds a project's environment, and read -- never imported.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualitytool.api import DeriveError, derive_contracts, fix_exceptions
from qualitytool.cli import main
from qualitytool.config import Config, ConfigError, load_config
from qualitytool.exceptions.inference.answers import CLOSED, OPEN, UNKNOWN
from qualitytool.exceptions.inference.derive import (
    DerivedContract,
    Deriver,
    RaiseSite,
    valid_entry,
)
from qualitytool.exceptions.inference.derived_cache import DerivedCache
from qualitytool.exceptions.inference.distributions import InstalledDistributions
from qualitytool.exceptions.inference.docstrings import documented_raises
from qualitytool.exceptions.inference.environment import (
    EnvironmentSource,
    find_environment,
)
from qualitytool.exceptions.inference.knowledge import load_knowledge_base
from qualitytool.exceptions.inference.stubs import default_stubs

from .installed_libraries import site_packages

KB = load_knowledge_base()


@pytest.fixture(scope="session")
def venv(installed_venv: Path) -> Path:
    return installed_venv


@pytest.fixture(scope="session")
def deriver(venv: Path) -> Deriver:
    site = site_packages(venv)
    return Deriver(InstalledDistributions([site]), KB, default_stubs((str(site),)))


def _contract(deriver: Deriver, name: str) -> DerivedContract | None:
    return deriver.contract(name)


# -- what is derived ------------------------------------------------------------------------

DERIVED = [
    pytest.param(
        "tinylib.parse_port",
        DerivedContract(
            "tinylib.parse_port", CLOSED, ("OverflowError", "TypeError", "ValueError",
                                           "tinylib.BadPort"),
            "tinylib", "1.0", "tinylib/_ports.py", 6,
            sites=(RaiseSite("tinylib.BadPort", "tinylib/_ports.py", 9),),
        ),
        id="closed: int() of a str parameter and a raise; BadPort by its re-exported name",
    ),
    pytest.param(
        "tinylib.Parser",
        DerivedContract("tinylib.Parser", CLOSED, ("OverflowError", "TypeError", "ValueError"),
                        "tinylib", "1.0", "tinylib/_parser.py", 16),
        id="an alias (Parser = _Parser) of a class: its constructor",
    ),
    pytest.param(
        "tinylib.parse_number",
        DerivedContract(
            "tinylib.parse_number", UNKNOWN, ("OverflowError", "TypeError", "ValueError"),
            "tinylib", "1.0", "tinylib/_parser.py", 22,
            why=("decorator `translated` wraps the call (its wrapper is not read)",),
        ),
        id="unknown: a decorator of the library may translate what it wraps (this one does)",
    ),
    pytest.param(
        "tinylib.describe_port",
        DerivedContract(
            "tinylib.describe_port", OPEN,
            ("OverflowError", "TypeError", "ValueError", "tinylib.BadPort", "tinylib.TinyError"),
            "tinylib", "1.0", "tinylib/_ports.py", 13,
            documented=("tinylib.BadPort", "tinylib.TinyError"),
            why=(("its code calls what cannot be read: unknown call "
                 "`notinstalled_registry.describe`"),),
        ),
        id="open: a Google-style Raises section over a call into a module not installed",
    ),
    pytest.param(
        "tinylib.Client.fetch",
        DerivedContract(
            "tinylib.Client.fetch", OPEN, ("tinylib.TinyError",), "tinylib", "1.0",
            "tinylib/client.py", 10, documented=("tinylib.TinyError",),
            why=("its code calls what cannot be read: unknown call `notinstalled_http.get`",),
        ),
        id="open: a NumPy-style Raises section",
    ),
    pytest.param(
        "tinylib.default_client.fetch",
        DerivedContract(
            "tinylib.default_client.fetch", OPEN, ("tinylib.TinyError",), "tinylib",
            "1.0", "tinylib/client.py", 10, documented=("tinylib.TinyError",),
            why=("its code calls what cannot be read: unknown call `notinstalled_http.get`",),
        ),
        id="a method of a module-level instance (default_client = Client(...))",
    ),
    pytest.param(
        "tinylib.loads",
        DerivedContract(
            "tinylib.loads", OPEN, ("ValueError",), "tinylib", "1.0", "tinylib/codec.py", 7,
            documented=("ValueError",),
            why=(("its code calls what cannot be read: `_loads` is a callable passed in or "
                 "chosen at run time"),),
        ),
        id="open: a Sphinx :raises: over a C accelerator with a fallback (which runs: unknown)",
    ),
    pytest.param(
        "tinylib.dumps",
        DerivedContract(
            "tinylib.dumps", UNKNOWN, (), "tinylib", "1.0", "tinylib/codec.py", 15,
            why=("`_dumps` is a callable passed in or chosen at run time",),
        ),
        id="unknown: the same fallback, undocumented",
    ),
    pytest.param(
        "tinylib.Client.transport",
        DerivedContract(
            "tinylib.Client.transport", UNKNOWN, ("tinylib.TinyError",), "tinylib", "1.0",
            "tinylib/client.py", 23, documented=("tinylib.TinyError",),
            why=("`Client.transport` is a hook for subclasses to override",),
        ),
        id="unknown: a hook (raise NotImplementedError), whatever its docstring says",
    ),
    pytest.param(
        "tinylib.Client.ping",
        DerivedContract(
            "tinylib.Client.ping", UNKNOWN, (), "tinylib", "1.0", "tinylib/client.py", 20,
            why=("`self.transport` is a hook that subclasses override",),
        ),
        id="unknown: a method that calls a hook",
    ),
    pytest.param(
        "tinylib.Client.close",
        DerivedContract("tinylib.Client.close", UNKNOWN, (), "tinylib", "1.0",
                        why=("not found in its source",)),
        id="unknown: a method replaced after the class (Client.close = _logged(...))",
    ),
    pytest.param(
        "tinyfast.pure_add",
        DerivedContract(
            "tinyfast.pure_add", OPEN, (), "tinyfast", "2.0", "tinyfast/__init__.py", 4,
            why=("tinyfast ships compiled extension modules",),
        ),
        id="open, not closed: the distribution ships compiled modules",
    ),
    pytest.param(
        "tinyfast.fast_sum",
        DerivedContract(
            "tinyfast.fast_sum", UNKNOWN, (), "tinyfast", "2.0",
            why=("`tinyfast.speed` is a compiled module (its source is not what runs)",),
        ),
        id="unknown: a compiled twin beside the source is what runs",
    ),
    pytest.param(
        "tinylib.nothing",
        DerivedContract("tinylib.nothing", UNKNOWN, (), "tinylib", "1.0",
                        why=("not found in its source",)),
        id="unknown: not in the source",
    ),
    pytest.param("json.loads", None, id="the standard library is the knowledge base's"),
    pytest.param("absentlib.call", None, id="no installed distribution provides it"),
]


@pytest.mark.parametrize(("name", "expected"), DERIVED)
def test_derived_contracts(
    deriver: Deriver, name: str, expected: DerivedContract | None
) -> None:
    assert _contract(deriver, name) == expected


def test_derived_answers_name_their_provenance(deriver: Deriver) -> None:
    found = _contract(deriver, "tinylib.describe_port")
    assert found is not None
    answer = found.answer("describe_port")
    assert answer is not None and answer.status == OPEN
    assert answer.reasons == (
        ("`describe_port` (`tinylib.describe_port`) raises OverflowError, TypeError, ValueError, "
        "tinylib.BadPort and 1 more and may raise more than its source shows (derived from "
        "tinylib 1.0, tinylib/_ports.py:13)"),
    )
    closed = _contract(deriver, "tinylib.parse_port")
    assert closed is not None and closed.origin == "tinylib 1.0, tinylib/_ports.py:9"
    unknown = _contract(deriver, "tinylib.dumps")
    assert unknown is not None and unknown.answer("dumps") is None
    assert unknown.blocked_note() == (
        "read in tinylib 1.0: `_dumps` is a callable passed in or chosen at run time"
    )


def test_exception_classes_take_their_public_names_and_bases(deriver: Deriver) -> None:
    assert deriver.public_name("tinylib._errors.BadPort") == "tinylib.BadPort"
    assert deriver.public_name("tinylib._errors._Hidden") == "tinylib._errors._Hidden"
    assert deriver.exception_bases("tinylib.BadPort") == ("tinylib.TinyError",)
    assert deriver.exception_bases("tinylib.TinyError") == ("Exception",)
    assert deriver.exception_bases("tinylib.parse_port") == ()


def test_installed_distributions_read_from_metadata(venv: Path) -> None:
    installed = InstalledDistributions([site_packages(venv)])
    tinylib = installed.by_name("TinyLib")
    assert tinylib is not None
    assert (tinylib.label, tinylib.top_level, tinylib.has_extensions) == (
        "tinylib 1.0", ("tinylib",), False)
    assert tinylib.files == frozenset({
        "tinylib/__init__.py", "tinylib/_errors.py", "tinylib/_ports.py",
        "tinylib/_parser.py", "tinylib/client.py", "tinylib/codec.py",
    })
    tinyfast = installed.distribution_of("tinyfast.speed.fast_sum")
    assert tinyfast is not None and (tinyfast.label, tinyfast.has_extensions) == (
        "tinyfast 2.0", True)
    assert installed.distribution_of("json.loads") is None


# -- docstrings -----------------------------------------------------------------------------

DOCSTRINGS = [
    pytest.param(
        "Do.\n\nArgs:\n    x: a value\n\nRaises:\n    ValueError: if bad\n        and more: here\n"
        "    :exc:`~httpx.InvalidURL`: when the URL is bad.\n    (TypeError, KeyError): sometimes\n"
        "\nReturns:\n    int\n",
        ["ValueError", "httpx.InvalidURL", "TypeError", "KeyError"],
        id="Google, with roles, continuation lines and a tuple",
    ),
    pytest.param(
        "Do.\n\nRaises\n------\nValueError\n    If x : y\nKeyError : when\n    z\n\n"
        "Returns\n-------\nint\n",
        ["ValueError", "KeyError"],
        id="NumPy, ends at the next section",
    ),
    pytest.param(
        ":param x: y\n:raises ValueError: bad\n:raise httpx.HTTPError: x\n:raises: KeyError if\n"
        ":raises TypeError, OSError: z\n:exception PIL.UnidentifiedImageError: w\n",
        ["ValueError", "httpx.HTTPError", "KeyError", "TypeError", "OSError",
         "PIL.UnidentifiedImageError"],
        id="Sphinx fields",
    ),
    pytest.param("Returns the value.\n\nNever raises.", [], id="no section"),
    pytest.param("Raises:\n    a sentence about errors\n", [], id="prose is not a name"),
    pytest.param(None, [], id="no docstring"),
]


@pytest.mark.parametrize(("docstring", "expected"), DOCSTRINGS)
def test_documented_raises(docstring: str | None, expected: list[str]) -> None:
    assert documented_raises(docstring) == expected


# -- finding the environment ----------------------------------------------------------------


def _fake_env(folder: Path, version: str = "3.9", cfg: bool = True) -> Path:
    (folder / "lib" / f"python{version}" / "site-packages").mkdir(parents=True)
    if cfg:
        (folder / "pyvenv.cfg").write_text(f"home = /usr/bin\nversion = {version}.2\n")
    return folder


def test_environment_order(tmp_path: Path, venv: Path) -> None:
    project = tmp_path / "project"
    (project / "src" / "app").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    root = project / "src" / "app"
    assert find_environment(root, environ={}) is None
    own = _fake_env(project / ".venv", "3.12")
    found = find_environment(root, environ={})
    assert found is not None and (found.prefix, found.version, found.source) == (
        own, (3, 12), EnvironmentSource.PROJECT)
    assert found.site_packages == (own / "lib" / "python3.12" / "site-packages",)
    # the active virtualenv comes first (unless it is the one running qualitytool)
    active = find_environment(root, environ={"VIRTUAL_ENV": str(venv)})
    assert active is not None and (active.prefix, active.source) == (
        venv, EnvironmentSource.ACTIVE)
    running = find_environment(root, environ={"VIRTUAL_ENV": sys.prefix})
    assert running is not None and running.source == EnvironmentSource.PROJECT
    # pyright's venvPath + venv, then mypy's python_executable, come before both
    pyright = _fake_env(tmp_path / "envs" / "main", "3.10")
    (project / "pyrightconfig.json").write_text(
        '{\n  // comments are allowed\n  "venvPath": "../envs", "venv": "main"\n}\n')
    found = find_environment(root, environ={"VIRTUAL_ENV": str(venv)})
    assert found is not None and (found.prefix, found.source) == (
        pyright, EnvironmentSource.PYRIGHT)
    (project / "pyproject.toml").write_text(
        f"[tool.mypy]\npython_executable = '{venv / 'bin' / 'python'}'\n")
    found = find_environment(root, environ={})
    assert found is not None and (found.prefix, found.source, found.version) == (
        venv, EnvironmentSource.MYPY, sys.version_info[:2])
    # and the configured one before everything
    configured = find_environment(root, "../../envs/main", project / "src" / "pyproject.toml")
    assert configured is not None and (configured.prefix.resolve(), configured.source) == (
        pyright.resolve(), EnvironmentSource.CONFIGURED)


def test_a_configured_environment_must_exist(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    with pytest.raises(ConfigError) as raised:
        find_environment(tmp_path, "missing/venv", config)
    assert str(raised.value) == (
        f"{config}: [tool.qualitytool.exceptions] python = 'missing/venv': no Python "
        "environment there (give an interpreter or a virtualenv folder)"
    )


def test_site_packages_of_a_venv_that_includes_the_system_ones(tmp_path: Path) -> None:
    base = _fake_env(tmp_path / "base", "3.10", cfg=False)
    env = _fake_env(tmp_path / "env", "3.10")
    (env / "pyvenv.cfg").write_text(
        f"home = {base / 'bin'}\ninclude-system-site-packages = true\nversion_info = 3.10.4\n")
    found = find_environment(tmp_path, "env", tmp_path / "pyproject.toml")
    assert found is not None and found.site_packages == (
        env / "lib" / "python3.10" / "site-packages",
        base / "lib" / "python3.10" / "site-packages",
    )


# -- fix-exceptions with the derived contracts ----------------------------------------------

APP = '''\
import tinylib
from tinylib import Client, describe_port


def port(text):
    try:
        return tinylib.parse_port(text)
    except Exception:
        return None


def describe(text):
    try:
        return describe_port(text)
    except Exception:
        return "?"


def fetch(client: Client):
    try:
        return client.fetch("/x")
    except Exception:
        return None


def dump(value):
    try:
        return tinylib.dumps(value)
    except Exception:
        return ""
'''


def _project(tmp_path: Path, venv: Path, pyproject: str = "") -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "pyproject.toml").write_text("[tool.qualitytool]\n" + pyproject)
    (project / ".venv").symlink_to(venv)
    return project


def test_fix_exceptions_narrows_through_derived_contracts(
    tmp_path: Path, venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUALITYTOOL_CACHE_DIR", str(tmp_path / "cache"))
    project = _project(tmp_path, venv)
    report = fix_exceptions([project], load_config(project), unsafe_fixes=True, record_run=False)
    assert [(h.line, h.outcome.value, h.exceptions, h.reason) for h in report.handlers] == [
        (8, "safe", ("OverflowError", "TypeError", "ValueError", "tinylib.BadPort"), None),
        (15, "unsafe", ("OverflowError", "TypeError", "ValueError", "tinylib.TinyError"),
         ("`describe_port` (`tinylib.describe_port`) raises OverflowError, TypeError, "
         "ValueError, tinylib.BadPort and 1 more and may raise more than its source shows "
         "(derived from tinylib 1.0, tinylib/_ports.py:13)")),
        (22, "unsafe", ("tinylib.TinyError",),
         ("`client.fetch` (`tinylib.Client.fetch`) raises tinylib.TinyError and may raise more "
         "than its source shows (derived from tinylib 1.0, tinylib/client.py:10)")),
        (29, "left", (),
         ("unknown call `tinylib.dumps` (read in tinylib 1.0: `_dumps` is a callable passed in "
         "or chosen at run time)")),
    ]
    assert report.handlers[3].unlock == ("tinylib.dumps",)
    assert "except (OverflowError, TypeError, ValueError, tinylib.BadPort):" in report.files[0].diff


def test_without_an_environment_nothing_is_derived(tmp_path: Path, venv: Path) -> None:
    project = _project(tmp_path, venv, "[tool.qualitytool.exceptions]\nderive-contracts = false\n")
    report = fix_exceptions([project], load_config(project), record_run=False)
    assert [(h.line, h.reason) for h in report.handlers] == [
        (8, "unknown call `tinylib.parse_port`"),
        (15, "unknown call `describe_port`"),
        (22, "unknown call `client.fetch`"),
        (29, "unknown call `tinylib.dumps`"),
    ]


def test_a_pinned_entry_wins_over_the_derived_one(tmp_path: Path, venv: Path) -> None:
    project = _project(
        tmp_path, venv, '[tool.qualitytool.exceptions]\nknowledge-bases = ["kb.toml"]\n')
    (project / "kb.toml").write_text(
        '[[callable]]\nname = "tinylib.parse_port"\nraises = ["ValueError"]\nclosed = true\n'
        'source = "reviewed"\n'
    )
    report = fix_exceptions([project], load_config(project), record_run=False)
    assert (report.handlers[0].outcome.value, report.handlers[0].exceptions) == (
        "safe", ("ValueError",))


def test_a_project_package_that_is_also_installed_is_read_as_the_project(
    tmp_path: Path, venv: Path
) -> None:
    project = tmp_path / "tinylib-src"
    (project / "tinylib").mkdir(parents=True)
    (project / "tinylib" / "__init__.py").write_text(
        "def parse_port(text: str) -> int:\n    raise KeyError(text)\n")
    (project / "use.py").write_text(
        "import tinylib\ntry:\n    tinylib.parse_port('1')\nexcept Exception:\n    pass\n")
    (project / "pyproject.toml").write_text("[tool.qualitytool]\n")
    (project / ".venv").symlink_to(venv)
    report = fix_exceptions([project / "use.py"], load_config(project), record_run=False)
    assert report.handlers[0].exceptions == ("KeyError",)


# -- the cache ------------------------------------------------------------------------------


def _cache_file(cache: Path, name: str) -> Path:
    found = sorted((cache / "derived").glob(f"{name}-*.json"))
    assert len(found) == 1, found
    return found[0]


def _fix_in_a_new_process(project: Path, cache: Path) -> list[dict[str, object]]:
    """fix-exceptions as a user runs it: a process of its own (nothing kept in memory)."""
    result = subprocess.run(
        [sys.executable, "-m", "qualitytool", "fix-exceptions", "--format", "json", "app.py"],
        cwd=project, capture_output=True, text=True, check=False,
        env={**os.environ, "QUALITYTOOL_CACHE_DIR": str(cache)},
    )
    assert result.returncode == 1, result.stderr
    handlers: list[dict[str, object]] = json.loads(result.stdout)["handlers"]
    return handlers


def test_derived_contracts_are_cached_per_distribution_version(
    tmp_path: Path, venv: Path
) -> None:
    project = _project(tmp_path, venv)
    cache = tmp_path / "cache"
    first = _fix_in_a_new_process(project, cache)
    cached = _cache_file(cache, "tinylib-1.0")
    data = json.loads(cached.read_text())
    assert (data["format"], data["distribution"], data["version"]) == (1, "tinylib", "1.0")
    assert data["contracts"]["tinylib.parse_port"] == {
        "status": "closed", "raises": ["OverflowError", "TypeError", "ValueError",
                                       "tinylib.BadPort"],
        "distribution": "tinylib", "version": "1.0", "path": "tinylib/_ports.py", "line": 6,
        "sites": [["tinylib.BadPort", "tinylib/_ports.py", 9]], "documented": [], "why": [],
    }
    assert data["exceptions"]["tinylib.BadPort"] == ["tinylib.TinyError"]
    assert sorted(data["contracts"]) == [
        "tinylib.Client.fetch", "tinylib.describe_port", "tinylib.dumps", "tinylib.parse_port"]
    # The next run reads the file, not the source: an edited entry shows through.
    assert _fix_in_a_new_process(project, cache) == first
    data["contracts"]["tinylib.parse_port"]["raises"] = ["KeyError"]
    cached.write_text(json.dumps(data))
    assert _fix_in_a_new_process(project, cache)[0]["exceptions"] == ["KeyError"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(b"{not json", "cannot be read as JSON (JSONDecodeError)", id="not JSON"),
        pytest.param(b"[1, 2]", "not a derived-contract file of this format", id="a list"),
        pytest.param(b"[" * 100_000, "cannot be read as JSON (RecursionError)", id="deep"),
        pytest.param(
            None, "malformed contract 'tinylib.parse_port'", id="an entry of the wrong shape"),
    ],
)
def test_a_corrupt_cache_file_is_ignored_with_a_warning(
    tmp_path: Path, venv: Path, caplog: pytest.LogCaptureFixture,
    content: bytes | None, problem: str,
) -> None:
    cache = DerivedCache(tmp_path, "k", valid_entry)
    distribution = InstalledDistributions([site_packages(venv)]).by_name("tinylib")
    assert distribution is not None
    path = cache.path(distribution)
    if content is None:
        content = json.dumps({
            "format": 1, "key": "k", "distribution": "tinylib", "version": "1.0",
            "contracts": {"tinylib.parse_port": {"status": "closed", "raises": "ValueError"}},
            "exceptions": {},
        }).encode()
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        assert cache.load(distribution) is None
    assert caplog.messages == [
        f"qualitytool: ignoring the derived-contract cache {path}: {problem}"]
    site = site_packages(venv)
    fresh = Deriver(InstalledDistributions([site]), KB, default_stubs((str(site),)), cache)
    found = fresh.contract("tinylib.parse_port")
    assert found is not None and found.status == CLOSED
    fresh.flush()  # replaced by a good file
    assert cache.load(distribution) is not None


def test_a_cache_file_that_is_a_link_is_refused(
    tmp_path: Path, venv: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = DerivedCache(tmp_path, "k", valid_entry)
    distribution = InstalledDistributions([site_packages(venv)]).by_name("tinylib")
    assert distribution is not None
    cache.path(distribution).symlink_to("/dev/zero")
    with caplog.at_level(logging.WARNING):
        assert cache.load(distribution) is None
    assert caplog.messages == [
        (f"qualitytool: ignoring the derived-contract cache {cache.path(distribution)}: "
        "not a regular file")]


# -- qualitytool kb ---------------------------------------------------------------------------

KB_DERIVE = '''\
# Contracts derived by qualitytool from the installed source, in
# {env} (Python {version}; the project's virtualenv).
# Review each entry, then list this file under [tool.qualitytool.exceptions]
# knowledge-bases: a pinned entry wins over a derived one.

[[callable]]
name = "tinylib.parse_port"
raises = ["OverflowError", "TypeError", "ValueError", "tinylib.BadPort"]
closed = true
source = "derived from tinylib 1.0, tinylib/_ports.py:9"

[[callable]]
name = "tinylib.Client.fetch"
raises = ["tinylib.TinyError"]
closed = false
source = "derived from tinylib 1.0, tinylib/client.py:10"
note = "open: its code calls what cannot be read: unknown call `notinstalled_http.get` / documented: tinylib.TinyError"

# tinylib.dumps (tinylib 1.0, tinylib/codec.py:15): not derived: `_dumps` is a callable passed in or chosen at run time
# [[callable]]
# name = "tinylib.dumps"
# raises = []  # seen in its code; check its documentation
# closed = false
# source = ""

# absent.thing: no installed distribution provides it

[[exception]]
name = "tinylib.BadPort"
bases = ["tinylib.TinyError"]
source = "its class statement in tinylib 1.0"

[[exception]]
name = "tinylib.TinyError"
bases = ["Exception"]
source = "its class statement in tinylib 1.0"
'''  # noqa: E501 - what `qualitytool kb derive` writes, its long lines too


def test_kb_derive_writes_reviewable_toml_that_pins(
    tmp_path: Path, venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, venv)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, [
        "kb", "derive", "tinylib.parse_port", "tinylib.Client.fetch", "tinylib.dumps",
        "absent.thing", "--output", "pinned.toml"])
    assert result.exit_code == 0, result.output
    text = (project / "pinned.toml").read_text()
    assert text == KB_DERIVE.format(
        env=project / ".venv", version=".".join(map(str, sys.version_info[:2])))
    pinned = load_knowledge_base([project / "pinned.toml"])
    assert pinned.callables["tinylib.Client.fetch"].raises == ("tinylib.TinyError",)
    assert pinned.exceptions["tinylib.BadPort"].bases == ("tinylib.TinyError",)


def test_kb_export_lists_a_distributions_public_callables(tmp_path: Path, venv: Path) -> None:
    project = _project(tmp_path, venv)
    found = derive_contracts([], load_config(project), package="tinylib")
    assert [name for name, _ in found.contracts] == [
        "tinylib.BadPort", "tinylib.Client", "tinylib.Client.fetch", "tinylib.Client.ping",
        "tinylib.Client.transport", "tinylib.Parser", "tinylib.TinyError",
        "tinylib.describe_port", "tinylib.dumps", "tinylib.loads", "tinylib.parse_number",
        "tinylib.parse_port",
    ]
    load_knowledge_base([_written(tmp_path, found.to_toml())])  # valid TOML, valid entries


def _written(folder: Path, text: str) -> Path:
    path = folder / "exported.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["derive", "not a name"], "error: not a dotted name: 'not a name' (give "
                     "e.g. httpx.URL)", id="a bad name"),
        pytest.param(["export", "--package", "nosuch"], "error: no distribution named 'nosuch'",
                     id="an unknown distribution"),
    ],
)
def test_kb_usage_errors(
    tmp_path: Path, venv: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    project = _project(tmp_path, venv)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["kb", *args])
    assert result.exit_code == 2
    assert result.output.startswith(message)


def test_kb_without_an_environment(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.qualitytool]\n")
    with pytest.raises(DeriveError) as raised:
        derive_contracts(["tinylib.parse_port"], Config(root=tmp_path))
    assert str(raised.value) == (
        "no Python environment found for this project: activate its virtualenv, keep one in "
        ".venv/, or set [tool.qualitytool.exceptions] python"
    )
