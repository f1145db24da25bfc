"""radon's per-file metrics from one parse and one tokenize pass.

``radon.complexity.cc_visit`` and ``radon.metrics.mi_visit`` each parse the file again (three
parses and two complexity walks per file), and ``radon.raw.analyze`` tokenizes every logical
line on its own, starting over with one more line each time a line does not tokenize alone
(a docstring of 40 lines is tokenized 40 times).  On Django's 883 modules that is 24 s of CPU,
as much as bandit; this module gives the same numbers in about a third of that.

``raw_metrics`` reproduces ``radon.raw.analyze`` (the report uses lloc, sloc, comments and
multi for the maintainability index) from a single ``tokenize`` pass over the same stripped
lines radon reads: radon's groups of lines are exactly the logical lines of that stream (a
prefix of lines tokenizes alone exactly when it ends outside brackets, strings and line
continuations), and each group is judged by radon's own helpers (``_logical``,
``is_single_token``) on the group's tokens.  Whatever the single pass cannot vouch for (an
error token, a tokenize error) goes to ``radon.raw.analyze`` itself.
``tests/test_radon_metrics.py`` checks the equality on every Django module and on generated
programs.
"""

from __future__ import annotations

import ast
import io
import tokenize
from typing import Any

from radon.complexity import cc_rank
from radon.metrics import h_visit_ast, mi_compute, mi_rank
from radon.raw import Module, _logical, analyze, is_single_token
from radon.visitors import ComplexityVisitor, Function

_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
# Python 3.12+ tokenizes f-strings into parts: a line break inside one ends no group.
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)


def raw_metrics(source: str) -> Module:
    """``radon.raw.analyze(source)``, computed from one tokenize pass."""
    lines = [line.strip() for line in source.splitlines()]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines)).readline))
    except (tokenize.TokenError, SyntaxError):
        return analyze(source)
    lloc = comments = single_comments = multi = blank = sloc = 0
    depth = 0
    group: list[tokenize.TokenInfo] = []
    next_row = 1  # the first line not yet in a group
    for token in tokens:
        kind = token.type
        if kind == tokenize.ERRORTOKEN:
            return analyze(source)
        if kind == tokenize.ENDMARKER:
            break
        group.append(token)
        if kind == tokenize.OP:
            if token.string in _OPENING:
                depth += 1
            elif token.string in _CLOSING:
                depth -= 1
        elif kind == _FSTRING_START:
            depth += 1
        elif kind == _FSTRING_END:
            depth -= 1
        if kind == tokenize.NEWLINE or (kind == tokenize.NL and depth == 0):
            first_row, last_row = group[0].start[0], token.start[0]
            if first_row < next_row:  # a line in two groups: not a stream we understand
                return analyze(source)
            if any(lines[next_row - 1 : first_row - 1]):  # a line without tokens (a lone `\`)
                return analyze(source)
            blank += first_row - next_row  # empty lines yield no token of their own
            rows = lines[first_row - 1 : last_row]
            group.append(tokenize.TokenInfo(tokenize.ENDMARKER, "", (0, 0), (0, 0), ""))
            comments += sum(1 for t in group if t.type == tokenize.COMMENT)
            if is_single_token(tokenize.COMMENT, group):
                single_comments += 1
            elif is_single_token(tokenize.STRING, group):
                if group[0].start[0] == group[0].end[0]:
                    single_comments += 1
                else:
                    multi += sum(1 for row in rows if row)
                    blank += sum(1 for row in rows if not row)
            else:
                sloc += sum(1 for row in rows if row)
                blank += sum(1 for row in rows if not row)
            lloc += _logical(group)
            next_row = last_row + 1
            group = []
    if group or depth:
        return analyze(source)
    if any(lines[next_row - 1 :]):
        return analyze(source)
    blank += len(lines) - next_row + 1  # trailing empty lines
    return Module(sloc + blank + multi + single_comments, lloc, sloc, comments, multi, blank,
                  single_comments)


def file_metrics(source: str) -> dict[str, Any]:
    """Functions with their complexity and rank, and the maintainability index (multi=True).

    The same values as ``cc_visit(source)`` and ``mi_visit(source, multi=True)``.  Raises
    ``SyntaxError``/``ValueError`` for a file Python cannot parse, as radon does.
    """
    tree = ast.parse(source)
    visitor = ComplexityVisitor.from_ast(tree)
    raw = raw_metrics(source)
    comment_lines = raw.comments + raw.multi
    comments = comment_lines / float(raw.sloc) * 100 if raw.sloc != 0 else 0
    mi = mi_compute(h_visit_ast(tree).total.volume, visitor.total_complexity, raw.lloc, comments)
    functions = [
        [b.fullname, b.lineno, b.complexity, cc_rank(b.complexity), b.endline]
        for b in visitor.blocks
        if isinstance(b, Function)
    ]
    functions.sort(key=lambda f: (f[1], f[0]))
    return {"functions": functions, "mi": round(float(mi), 2), "mi_rank": mi_rank(mi)}
