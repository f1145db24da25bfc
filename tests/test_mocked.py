"""The project's tests as a signal: a callable they mock to raise ``Exception`` keeps the
handlers around its calls broad under ``--unsafe-fixes`` (lnbits' Blink wallet test mocks
``_graphql_query`` with ``AsyncMock(side_effect=Exception(...))`` and expects the pending
payment its handler answers)."""

from __future__ import annotations

import ast
import textwrap
import time
from pathlib import Path

import pytest

from qualitytool.api import fix_exceptions
from qualitytool.cache_files import CacheFolder
from qualitytool.config import load_config
from qualitytool.exceptions.fixing import sibling_files
from qualitytool.exceptions.fixing.mocked import MockCache, broad_mocks

MODULE = """\
import httpx


class Client:
    def __init__(self) -> None:
        self.http = httpx.Client(base_url="https://example.org")

    def fetch(self) -> int:
        return self.http.get("/status").status_code


def status(client: Client) -> int | None:
    try:
        return client.fetch()
    except Exception:
        return None
"""
TEST = """\
from unittest.mock import patch

from app.status import Client, status


def test_status_is_none_when_the_fetch_fails() -> None:
    with patch.object(Client, "fetch", side_effect=Exception("down")):
        assert status(Client()) is None
"""
KEPT = ("the project's tests raise Exception through `fetch` (tests/test_status.py) and "
        "expect this handler to catch it")


def _project(tmp_path: Path, test: str | None, config: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "app"\n{config}')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "status.py").write_text(MODULE)
    if test is not None:
        (tmp_path / "tests").mkdir()
        (tmp_path / "tests" / "test_status.py").write_text(test)
    return tmp_path


def _outcome(root: Path, use_cache: bool = True) -> tuple[str, tuple[str, ...], str | None]:
    report = fix_exceptions([root / "app"], load_config(root), unsafe_fixes=True,
                            record_run=False, jobs=1, use_cache=use_cache)
    (handler,) = report.handlers
    return handler.outcome.value, handler.exceptions, handler.reason


def test_a_handler_the_tests_expect_to_catch_a_mocked_exception_stays_broad(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path, TEST)
    assert _outcome(root) == ("left", (), KEPT)
    assert _outcome(root) == ("left", (), KEPT)  # from the cache
    assert _outcome(root, use_cache=False) == ("left", (), KEPT)


def test_without_the_test_the_unsafe_fix_is_made(tmp_path: Path) -> None:
    outcome, exceptions, _ = _outcome(_project(tmp_path, None))
    assert (outcome, exceptions) == (
        "unsafe", ("RuntimeError", "ValueError", "httpx.HTTPError", "httpx.InvalidURL"))


def test_a_mock_of_a_narrow_exception_says_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path, TEST.replace('Exception("down")', 'ValueError("down")'))
    assert _outcome(root)[0] == "unsafe"


def test_an_excluded_test_file_is_not_read(tmp_path: Path) -> None:
    root = _project(tmp_path, TEST, '[tool.qualitytool]\nextend-exclude = ["tests/"]\n')
    assert _outcome(root)[0] == "unsafe"


def test_a_forged_cache_entry_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the files settled long ago: the cache keeps them (see tests/test_sibling_files.py)
    real = time.time_ns
    monkeypatch.setattr(sibling_files.time, "time_ns", lambda: real() + 3600 * 10**9)
    root = _project(tmp_path, TEST)
    assert _outcome(root)[2] == KEPT
    folder = CacheFolder.of(load_config(root))
    cached = folder.read(MockCache.name)
    assert isinstance(cached, dict)
    (path,) = [p for p in cached["files"] if p.endswith("test_status.py")]
    stamp = cached["files"][path][0]
    for forged in (["fetch(", "x"], [3], "fetch"):
        cached["files"][path] = [stamp, forged]
        folder.write(MockCache.name, cached)
        assert MockCache(folder).shapes(path) == ["fetch"], forged


@pytest.mark.parametrize(("source", "names"), [
    pytest.param('patch("pkg.client.fetch", side_effect=Exception("x"))', ["fetch"],
                 id="patch target"),
    pytest.param('mocker.patch("pkg.client.fetch", side_effect=BaseException)', ["fetch"],
                 id="mocker.patch, a class"),
    pytest.param('patch.object(Client, "fetch", side_effect=builtins.Exception())', ["fetch"],
                 id="patch.object"),
    pytest.param('wallet._graphql_query = AsyncMock(side_effect=Exception("x"))',
                 ["_graphql_query"], id="a mock assigned to an attribute"),
    pytest.param('monkeypatch.setattr(c, "fetch", MagicMock(side_effect=Exception))', ["fetch"],
                 id="setattr"),
    pytest.param('mocker.patch("a.b.notify", mocker.AsyncMock(side_effect=[None, Exception()]))',
                 ["notify"], id="a mock handed to patch, one of its side effects"),
    pytest.param('client.fetch.side_effect = Exception("x")', ["fetch"],
                 id="side_effect assigned on the attribute"),
    pytest.param('with patch("a.b.fetch") as m:\n    m.side_effect = Exception("x")', ["fetch"],
                 id="side_effect assigned on the mock a with gave"),
    pytest.param('m = mocker.patch("a.b.to_fiat")\nm.side_effect = Exception("boom")',
                 ["to_fiat"], id="side_effect assigned on the mock an assignment gave"),
    pytest.param('@patch("a.b.first")\n@patch("a.b.second")\n'
                 'def test(self, second, first):\n    first.side_effect = Exception()',
                 ["first"], id="decorators hand their mocks in bottom-up"),
    pytest.param('patch("a.b.fetch", side_effect=ValueError("x"))', [], id="a narrow class"),
    pytest.param('m = AsyncMock(side_effect=Exception("x"))', [], id="a mock of nothing named"),
    pytest.param('patch(target, side_effect=Exception)', [], id="a target not written out"),
])
def test_broad_mocks(source: str, names: list[str]) -> None:
    assert broad_mocks(ast.parse(textwrap.dedent(source))) == names
