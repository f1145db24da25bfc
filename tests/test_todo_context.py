"""The code context of a TODO comment: the lines around it, the enclosing function's calls and
the file's imports, read from the text alone (a file that does not parse still has them)."""

from __future__ import annotations

from pathlib import Path

from qualitytool.config import Config
from qualitytool.todos.context import code_context
from qualitytool.todos.model import CodeContext
from qualitytool.todos.project_scan import scan_paths

SOURCE = '''\
import hmac, os.path as osp
from app.auth import (check,
    verify)
from . import models

class Session:
    def refresh(self, token):
        digest = hmac.compare_digest(token, self.secret)  # TODO: constant time?
        # TODO: verify the token
        # before refreshing it
        return check(digest, osp.join("a", "b"))

    # TODO: class level
    def close(self):
        pass

def logout():  # TODO: on the def
    os.remove("session")
'''


def context_of(line: int, end_line: int | None = None) -> CodeContext:
    lines = SOURCE.splitlines()
    col = lines[line - 1].index("TODO") + 1
    return code_context(lines, line, end_line or line, "python", col)


def test_inside_a_function_the_calls_are_the_functions() -> None:
    assert context_of(9, 10) == CodeContext(
        before=("class Session:", "def refresh(self, token):",
                "digest = hmac.compare_digest(token, self.secret)"),
        after=('return check(digest, osp.join("a", "b"))', "def close(self):", "pass",
               "def logout():", 'os.remove("session")'),
        calls=("hmac.compare_digest", "check", "osp.join"),
        imports=("hmac", "os.path", "app.auth.check", "models"),
    )


def test_a_trailing_comment_sees_its_own_statement_without_the_comment() -> None:
    context = context_of(8)
    assert context.before == ("class Session:", "def refresh(self, token):",
                              "digest = hmac.compare_digest(token, self.secret)")
    assert context.after[0] == 'return check(digest, osp.join("a", "b"))'


def test_at_class_level_the_calls_come_from_the_lines_around() -> None:
    context = context_of(13)
    assert context.before == ("def refresh(self, token):",
                              "digest = hmac.compare_digest(token, self.secret)",
                              'return check(digest, osp.join("a", "b"))')
    assert context.calls == ("check", "osp.join", "hmac.compare_digest", "os.remove")


def test_a_comment_on_a_def_line_belongs_to_that_function() -> None:
    context = context_of(17)
    assert context.before == ("def close(self):", "pass", "def logout():")
    assert context.calls == ("os.remove",)  # the def's own name is not a call


def test_other_languages_read_their_imports_and_nearby_calls() -> None:
    lines = ["import { api } from './api';", "const x = require('lodash');", "",
             "// TODO: check the session", "fetchUser(api.get(id));"]
    assert code_context(lines, 4, 4, "typescript", 4) == CodeContext(
        before=("import { api } from './api';", "const x = require('lodash');"),
        after=("fetchUser(api.get(id));",),
        calls=("require", "fetchUser", "api.get"),
        imports=("./api", "lodash"),
    )


def test_the_lines_below_skip_comments_and_blank_lines() -> None:
    lines = ["# TODO: a", "# more", "", "x = 1  # note", "y = 2"]
    assert code_context(lines, 1, 2).after == ("x = 1", "y = 2")
    assert code_context(lines, 5, 5).after == ()
    assert code_context(["// TODO", "  // c", "call();"], 1, 1, "javascript").after == (
        "call();",)


def test_the_scan_stores_the_context_on_each_item(tmp_path: Path) -> None:
    (tmp_path / "session.py").write_text(SOURCE)
    (tmp_path / "broken.py").write_text("def f(:\n    # TODO: fix the syntax\n    g(1)\n")
    result = scan_paths([tmp_path], Config(root=tmp_path), blame=False)
    by_line = {(i.path.rsplit("/", 1)[-1], i.line): i for i in result.items}
    assert by_line[("session.py", 9)].code == context_of(9, 10)
    assert by_line[("session.py", 9)].below == 'return check(digest, osp.join("a", "b"))'
    # A file that does not parse still has the code around its comment.
    broken = by_line[("broken.py", 2)].code
    assert (broken.before, broken.after, broken.calls) == (("def f(:",), ("g(1)",), ("g",))


def test_the_stored_form_round_trips_and_tolerates_garbage() -> None:
    context = context_of(9, 10)
    assert CodeContext.from_dict(context.to_dict()) == context
    assert CodeContext.from_dict({"before": "x", "calls": [1, "f"]}) == CodeContext(calls=("f",))
    assert CodeContext.from_dict(None) == CodeContext()
