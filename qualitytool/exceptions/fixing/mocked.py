"""What the project's tests say reaches a handler: a callable they mock to raise a broad
exception.

lnbits' Blink wallet catches ``Exception`` around ``await self._graphql_query(...)`` and
answers a pending payment; its test replaces the query with
``AsyncMock(side_effect=Exception("Connection failed"))`` and expects that answer.  A
narrowed handler would let the test's exception out: the tests are the project's code too,
and they say any ``Exception`` of that callable is handled here.  An unsafe fix never
narrows a handler whose ``try`` body calls such a name; the handler stays broad with the
test file and the name as the reason.

The mocks read (as text and syntax trees: nothing is imported or run), in the test files
discovery would analyse under the project root (its exclusions honoured):

- ``patch("pkg.mod.fetch", side_effect=Exception(...))`` (``mock.patch``,
  ``mocker.patch``): the last part of the target;
- ``patch.object(client, "fetch", side_effect=Exception)``: the attribute;
- ``client.fetch = AsyncMock(side_effect=Exception("x"))`` (``Mock``, ``MagicMock``), or
  such a mock handed to ``patch(target, new=...)`` / ``monkeypatch.setattr(obj, "fetch",
  ...)``: the attribute it replaces;
- ``client.fetch.side_effect = Exception`` and ``mock_fetch.side_effect = Exception(...)``
  where ``mock_fetch`` is what a ``patch`` gave (``with patch(...) as mock_fetch``,
  ``mock_fetch = mocker.patch(...)``, a ``@patch`` decorator's argument).

``BaseException`` counts as ``Exception`` does.  The match is by the final name alone: a
name mocked in one test keeps every handler around a call of that name broad, which is the
safe direction (a handler kept broad is never less safe).

The names each test file mocks are kept in the project's cache folder
(``broad-mocks.json``) as the sibling search keeps call shapes
(:mod:`qualitytool.exceptions.fixing.sibling_files`): by the file's stamp, signed, every
entry checked to be a list of identifiers.  A forged entry could only add a name (a handler
kept broad) or hide one.
"""

from __future__ import annotations

import ast
import os
import re
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path

from qualitytool import __version__
from qualitytool.cache_files import CacheFolder
from qualitytool.config import Config
from qualitytool.discovery import is_test_file
from qualitytool.exceptions.fixing.sibling_files import ShapeCache, SiblingScope, project_files
from qualitytool.exceptions.inference.infer import Inferrer
from qualitytool.listing_cache import ListingCache

_BROAD = frozenset({"Exception", "BaseException"})
_MOCKS = frozenset({"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "create_autospec"})
_SETTERS = frozenset({"setattr", "object"})  # monkeypatch.setattr, patch.object
_IDENTIFIERS = re.compile(r"(?:[A-Za-z_]\w*(?:\0[A-Za-z_]\w*)*)?")
# Bumped when what is read from a test file changes; the version is part of the key too.
_FORMAT = "1"
# Names mocked: name -> the test files (relative to the project root) that mock it.
Mocked = Mapping[str, tuple[str, ...]]
_FOUND: weakref.WeakKeyDictionary[Inferrer, dict[tuple[Path, SiblingScope | None], Mocked]] = (
    weakref.WeakKeyDictionary())


class MockCache(ShapeCache):
    """The names each test file mocks to raise a broad exception, by absolute path."""

    name = "broad-mocks.json"
    key = f"{_FORMAT}-{__version__}"
    valid = _IDENTIFIERS

    def names_in(self, text: str) -> list[str]:
        if "side_effect" not in text or "Exception" not in text:
            return []
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
        return broad_mocks(tree)


def broad_mocks(tree: ast.Module) -> list[str]:
    """The names of the callables a test module mocks to raise ``Exception`` or
    ``BaseException`` (sorted, each once)."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    given = _patched_names(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(
            k.arg == "side_effect" and _broad(k.value) for k in node.keywords
        ):
            name = _patch_target(node) or _replaced(node, parents)
            if name:
                found.add(name)
        elif isinstance(node, ast.Assign) and _broad(node.value):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "side_effect":
                    mock = target.value
                    name = (mock.attr if isinstance(mock, ast.Attribute)
                            else given.get(mock.id) if isinstance(mock, ast.Name) else None)
                    if name:
                        found.add(name)
    return sorted(n for n in found if n.isidentifier())


def _broad(value: ast.expr) -> bool:
    """``Exception``, ``Exception("x")``, ``builtins.BaseException`` or a list of side
    effects holding one."""
    if isinstance(value, (ast.List, ast.Tuple)):
        return any(_broad(element) for element in value.elts)
    if isinstance(value, ast.Call):
        value = value.func
    if isinstance(value, ast.Attribute):
        return value.attr in _BROAD and isinstance(value.value, ast.Name) and (
            value.value.id == "builtins")
    return isinstance(value, ast.Name) and value.id in _BROAD


def _last(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _text(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _patch_target(call: ast.Call) -> str | None:
    """The name a ``patch`` / ``patch.object`` / ``setattr`` call replaces."""
    last = _last(call.func)
    if last == "patch" and call.args:
        target = _text(call.args[0])
        return target.rpartition(".")[2] if target else None
    if last in _SETTERS and len(call.args) >= 2:
        return _text(call.args[1])
    return None


def _replaced(mock: ast.Call, parents: Mapping[ast.AST, ast.AST]) -> str | None:
    """The attribute a mock built with a broad side effect replaces: the target it is
    assigned to, or the ``patch`` / ``setattr`` it is handed to."""
    if _last(mock.func) not in _MOCKS:
        return None
    parent = parents.get(mock)
    if isinstance(parent, ast.keyword):
        parent = parents.get(parent)
    if isinstance(parent, ast.Call):
        return _patch_target(parent)
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        for target in targets:
            if isinstance(target, ast.Attribute):
                return target.attr
    return None


def _patched_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> the name the ``patch`` that gave it replaces."""
    given: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                _bind(item.optional_vars, item.context_expr, given)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            _bind(node.targets[0], node.value, given)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # @patch decorators hand their mocks in bottom-up, after self/cls
            patches = [d for d in reversed(node.decorator_list)
                       if isinstance(d, ast.Call) and _patch_target(d)
                       and not any(k.arg == "new" for k in d.keywords)]
            params = [a.arg for a in node.args.posonlyargs + node.args.args
                      if a.arg not in ("self", "cls")]
            for decorator, param in zip(patches, params, strict=False):
                name = _patch_target(decorator)
                if name:
                    given[param] = name
    return given


def _bind(target: ast.expr | None, value: ast.expr, given: dict[str, str]) -> None:
    if isinstance(target, ast.Name) and isinstance(value, ast.Call):
        name = _patch_target(value)
        if name and _last(value.func) != "setattr":
            given[target.id] = name


def mocked_names(inferrer: Inferrer, root: Path, scope: SiblingScope | None) -> Mocked:
    """Name -> the project's test files that mock it to raise a broad exception, found once
    per inferrer (a worker's share of a run) among the test files under ``root``."""
    found = _FOUND.setdefault(inferrer, {})
    key = (root, scope)
    if key not in found:
        found[key] = _search(root, scope)
    return found[key]


def _search(root: Path, scope: SiblingScope | None) -> Mocked:
    config = scope.config if scope is not None else Config(root=root)
    folder = CacheFolder.of(config) if scope is not None and scope.use_cache else None
    if folder is not None and not folder.usable:
        folder = None
    cache = MockCache(folder)
    listings = ListingCache(folder) if folder is not None else None
    found: dict[str, list[str]] = {}
    for path in _test_files(root, config, listings):
        relative = os.path.relpath(path, root).replace(os.sep, "/")
        for name in cache.shapes(path) or ():
            found.setdefault(name, []).append(relative)
    cache.save()
    if listings is not None:
        listings.save()
    return {name: tuple(sorted(paths)) for name, paths in found.items()}


def _test_files(root: Path, config: Config, listings: ListingCache | None) -> Iterator[str]:
    for path in project_files([str(root)], True, config, listings):
        if is_test_file(os.path.relpath(path, root).replace(os.sep, "/")):
            yield path


def called_names(body: list[ast.stmt]) -> Iterator[str]:
    """The final names of the calls in ``body`` (``self._graphql_query(...)``:
    ``_graphql_query``), in order."""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call):
                name = _last(node.func)
                if name:
                    yield name
