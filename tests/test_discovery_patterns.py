"""The quick "no pattern can match" of discovery's gitignore-style patterns: every answer is
pathspec's, on generated patterns and paths, on the vendored patterns of the TODO scan over
every path of Django, and for pattern lists the quick test does not understand."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualitytool.config import Config
from qualitytool.discovery import (
    Patterns,
    _any_pattern,
    _compiled_regexes,
    _spec,
    _splits_at_top_level,
    _translations,
    iter_file_names,
)
from qualitytool.todos.vendored import shipped_patterns, todo_exclusions

# Pieces of gitignore patterns and of paths, small enough that they meet often.
_NAMES = ["a", "b", "ab", "vendor", "static", "x.js", "x.min.js", "d3", "A", "1", "jquery-3.js",
          "a_pb2.py", "lib"]
_GLOB_PIECES = [*_NAMES, "*", "**", "?", "[ab]", "[!a]", "[0-9]*", "*.js", "\\*", "\\!", ".*"]


@st.composite
def patterns(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(_GLOB_PIECES), min_size=1, max_size=4))
    text = "/".join(parts) if draw(st.booleans()) else "".join(parts)
    return (draw(st.sampled_from(["", "", "/", "!", "#", "**/"])) + text
            + draw(st.sampled_from(["", "", "/", "/**", " "])))


def any_patterns() -> st.SearchStrategy[str]:
    """Generated patterns, and those the TODO scan ships (globs of file names, folders)."""
    endings = ["*.min.js", "*.js", "*_pb2.py", "*.generated.*", "*-min.js"]
    return st.one_of(patterns(), st.sampled_from(endings), st.sampled_from(shipped_patterns()))


@st.composite
def paths(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from([*_NAMES, "[ab]", "*", "-"]), min_size=1, max_size=5))
    return "/".join(parts) + draw(st.sampled_from(["", "", "/"]))


def _pathspec(lines: list[str]) -> pathspec.PathSpec[pathspec.Pattern]:
    return pathspec.GitIgnoreSpec.from_lines(lines)


@settings(max_examples=150, deadline=None)
@given(st.lists(any_patterns(), max_size=8), st.lists(paths(), min_size=1, max_size=10))
def test_every_answer_is_pathspecs(lines: list[str], names: list[str]) -> None:
    spec = _pathspec(lines)
    quick = Patterns(lines)
    assert quick._any is not None
    for name in names:
        assert quick.match_file(name) == spec.match_file(name), (lines, name)
    # The regexes joined without compiling pathspec's are those pathspec compiles.
    assert _translations(lines) == _compiled_regexes(spec)


@pytest.mark.parametrize(
    ("lines", "name", "expected"),
    [
        pytest.param(["vendor/"], "a/vendor/x.js", True, id="folder at any depth"),
        pytest.param(["vendor/"], "a/vendor", False, id="a file named like the folder"),
        pytest.param(["*.min.js", "!keep.min.js"], "a/keep.min.js", False, id="taken back"),
        pytest.param(["!keep.min.js"], "keep.min.js", False, id="only a negation"),
        pytest.param(["/top.js"], "a/top.js", False, id="anchored at the root"),
        pytest.param(["a/**/b"], "a/x/y/b", True, id="double star in the middle"),
        pytest.param(["*.min.js"], "a/x.min.js", True, id="a name's ending"),
        pytest.param(["vendor/", "*_pb2.py"], "pkg/api_pb2.py", True, id="an ending, and more"),
        pytest.param(["jquery-[0-9]*.js"], "static/jquery-3.7.js", True, id="a set"),
        pytest.param(["*.min.js"], "a/x.min.js.map", False, id="not the name's ending"),
        pytest.param(["# comment", ""], "# comment", False, id="comments and blanks"),
        pytest.param([], "a", False, id="no pattern"),
    ],
)
def test_examples(lines: list[str], name: str, expected: bool) -> None:
    assert _pathspec(lines).match_file(name) == expected
    assert Patterns(lines).match_file(name) == expected


def test_the_shipped_vendored_patterns_take_the_quick_test() -> None:
    """The patterns that made the TODO scan slow are the ones the quick test must cover
    (None: every path would go to pathspec, correct but slow)."""
    assert _spec(shipped_patterns())._any is not None


@pytest.mark.parametrize(
    "regex",
    [
        pytest.param(r"^(a)\1", id="a reference to a group"),
        pytest.param(r"^(?P<x>a)(?P=x)", id="a reference to a named group"),
        pytest.param(r"^[(?P<x>]a", id="(?P< in a set, not a group"),
    ],
)
def test_regexes_it_does_not_understand_go_to_pathspec_alone(regex: str) -> None:
    assert re.compile(regex)  # valid, but not joined
    assert _any_pattern([r"^(?:.+/)?a(?P<ps_d>/)", regex]) is None


@pytest.mark.parametrize("line", ["a\\", "!", "[z-a]"])
def test_an_invalid_pattern_is_refused_at_once_as_pathspec_refuses_it(line: str) -> None:
    with pytest.raises(Exception) as theirs:
        _pathspec(["x", line])
    with pytest.raises(type(theirs.value)) as ours:
        Patterns(["x", line])
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        ("a(?:b|c)", False),
        ("a|b", True),
        ("[|]a", False),
        ("[]|]a", False),
        ("[^]|]a", False),
        (r"\|a", False),
        ("(a|b)|c", True),
        ("(a", None),
        ("a)", None),
        ("[a", None),
    ],
)
def test_splits_at_top_level(regex: str, expected: bool | None) -> None:
    assert _splits_at_top_level(regex) is expected


@pytest.mark.corpus
def test_every_path_of_django_gets_pathspecs_answer(django_source: Path) -> None:
    config = Config(root=django_source.parent)
    quick = _spec(todo_exclusions(config))
    assert quick._any is not None
    names = []
    for current, folders, files in os.walk(django_source):
        relative = os.path.relpath(current, config.root).replace(os.sep, "/")
        names += [f"{relative}/{name}/" for name in folders]
        names += [f"{relative}/{name}" for name in files]
    answers = [quick.match_file(name) for name in names]
    assert answers == [quick.spec.match_file(name) for name in names]
    assert any(answers)  # Django's admin ships minified JavaScript


_TREE_NAMES = ["a", "b", "vendor", "static", "d3", "x.min.js", "m.py", "n.js", "lib", "x_pb2.py"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_TREE_NAMES), min_size=1, max_size=4), min_size=1,
                max_size=12),
       st.lists(any_patterns(), max_size=6))
def test_the_walk_excludes_what_pathspec_excludes(
    tmp_path_factory: pytest.TempPathFactory, paths_: list[list[str]], lines: list[str],
) -> None:
    """Discovery's exclusions (a folder pruned, a file dropped) against pathspec asked
    about every path of the tree."""
    root = tmp_path_factory.mktemp("tree")
    for parts in paths_:
        folder = root.joinpath(*parts[:-1])
        if any(p.is_file() for p in (folder, *folder.parents) if p != root and p.exists()):
            continue  # a file where this path needs a folder
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / parts[-1]).is_dir():
            (folder / parts[-1]).write_text("x\n")
    config = Config(root=root, respect_gitignore=False)
    include = ["*"]
    every = list(iter_file_names([root], config, include=include))
    spec = _pathspec(lines)
    prune = not any(line.startswith("!") for line in lines)

    def excluded(name: str) -> bool:
        relative = Path(name).relative_to(root).as_posix()
        if spec.match_file(relative):
            return True
        folders = relative.split("/")[:-1]
        return prune and any(spec.match_file("/".join(folders[:i + 1]) + "/")
                             for i in range(len(folders)))

    kept = list(iter_file_names([root], config, include=include, exclude=lines))
    assert kept == [name for name in every if not excluded(name)], lines
