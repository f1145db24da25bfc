"""Lay out what a rewrite changes -- an ``except (...)`` tuple, a log call -- the way black
would, within the line length the project's tools enforce.

Black's rules for the two shapes a rewrite writes (``black`` 24-26):

- a statement that fits on one line stays on one line;
- a call that does not fit is split after its opening bracket: its arguments on one line
  ("hugged") when they fit there, else one per line with a trailing comma ("exploded");
- a parenthesized tuple (``except (A, B):``) that does not fit is always exploded;
- a trailing comma in a split call ("magic trailing comma") keeps it exploded.

Where the project's strictest line length (flake8's 79) is shorter than black's (88), a line
between the two is written exploded with a trailing comma: black keeps that as it is, and
the shorter lines satisfy the stricter tool.  Calls whose arguments hold comments, or that
are split in a style black does not write, keep their layout and only get what changes.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

_EMPTY = cst.Module(body=[])


@dataclass(frozen=True)
class LineLimits:
    """The longest line the project's tools accept (``limit``) and black's (or ruff format's)
    line length when the project formats with one."""

    limit: int = 79
    black: int | None = None


class Form(enum.Enum):
    FLAT = "flat"  # f(a, b)
    HUGGED = "hugged"  # f(\n    a, b\n)
    EXPLODED = "exploded"  # f(\n    a,\n    b,\n)


def code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def _newline(indent: str) -> cst.ParenthesizedWhitespace:
    """A line break inside brackets, the next line indented by the block's indentation plus
    ``indent``."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=[], indent=True,
        last_line=cst.SimpleWhitespace(indent),
    )


_SPACE = cst.SimpleWhitespace(" ")
_NONE = cst.SimpleWhitespace("")


def keyword_argument(name: str, value: str) -> cst.Arg:
    """``name=value``, spaced as black spaces a keyword argument."""
    return cst.Arg(
        keyword=cst.Name(name), value=cst.parse_expression(value),
        equal=cst.AssignEqual(whitespace_before=_NONE, whitespace_after=_NONE),
    )


def except_type(
    names: Sequence[str], column: int, after: int, limits: LineLimits, indent: str
) -> cst.BaseExpression:
    """The type of an ``except`` clause catching ``names``: ``A`` or ``(A, B)`` on the line
    when ``except (A, B)`` starting at ``column`` and followed by ``after`` characters
    (`` as e:`` and a comment) fits, else one name per line."""
    if len(names) == 1:
        return cst.parse_expression(names[0])
    flat = "(" + ", ".join(names) + ")"
    if column + len("except ") + len(flat) + after <= limits.limit:
        return cst.parse_expression(flat)
    elements = [
        cst.Element(
            value=cst.parse_expression(name),
            comma=cst.Comma(whitespace_after=_newline(indent if i < len(names) - 1 else "")),
        )
        for i, name in enumerate(names)
    ]
    return cst.Tuple(
        elements=elements,
        lpar=[cst.LeftParen(whitespace_after=_newline(indent))],
        rpar=[cst.RightParen()],
    )


def call(
    original: cst.Call,
    func: cst.BaseExpression,
    added: Sequence[cst.Arg],
    column: int,
    after: int,
    limits: LineLimits,
    indent: str,
) -> cst.Call:
    """``original`` calling ``func`` with ``added`` arguments after its own, laid out as
    black would at ``column`` (``after``: the characters after the call on its last line)."""
    changed = original.with_changes(func=func)
    if not added and "\n" in code(original):
        return changed  # the arguments keep their lines; only the head changes
    if _has_comments(original):
        return _appended(changed, added)
    args = list(original.args)
    split = "\n" in code(original)
    if split and _magic_comma(original):
        return _appended(changed, added)  # black keeps an exploded call exploded
    if split and not _hugged(original):
        return _appended(changed, added)  # a layout black does not write: keep it
    return build(func, [*args, *added], choose(func, [*args, *added], column, after, limits,
                                               indent), indent, changed)


def choose(
    func: cst.BaseExpression,
    args: Sequence[cst.Arg],
    column: int,
    after: int,
    limits: LineLimits,
    indent: str,
) -> Form:
    """Black's layout of a call at ``column`` within ``limits``."""
    written = [code(_bare(arg)) for arg in args]
    if any("\n" in text for text in written):
        return Form.EXPLODED
    head = column + len(code(func)) + 1
    flat = head + len(", ".join(written)) + 1 + after
    if flat <= limits.limit:
        return Form.FLAT
    if limits.black is not None and flat <= limits.black:
        return Form.EXPLODED  # black would join a hugged call that fits its length
    if not args:
        return Form.FLAT
    body = column + len(indent) + len(", ".join(written))
    if head <= limits.limit and body <= limits.limit and column + 1 + after <= limits.limit:
        return Form.HUGGED
    return Form.EXPLODED


def build(
    func: cst.BaseExpression,
    args: Sequence[cst.Arg],
    form: Form,
    indent: str,
    base: cst.Call | None = None,
) -> cst.Call:
    """The call with ``args`` in ``form`` (``base``: the call whose other parts are kept)."""
    laid: list[cst.Arg] = []
    last = len(args) - 1
    for i, arg in enumerate(args):
        arg = _bare(arg)
        if form == Form.EXPLODED:
            arg = arg.with_changes(
                comma=cst.Comma(whitespace_after=_newline(indent if i < last else ""))
            )
        elif i < last:
            arg = arg.with_changes(comma=cst.Comma(whitespace_after=_SPACE))
        elif form == Form.HUGGED:
            arg = arg.with_changes(whitespace_after_arg=_newline(""))
        laid.append(arg)
    before_args = _NONE if form == Form.FLAT or not args else _newline(indent)
    if base is None:
        return cst.Call(func=func, args=laid, whitespace_before_args=before_args)
    return base.with_changes(func=func, args=laid, whitespace_before_args=before_args,
                             whitespace_after_func=_NONE)


def _bare(arg: cst.Arg) -> cst.Arg:
    """An argument without its comma and the whitespace around it."""
    changes: dict[str, object] = {
        "comma": cst.MaybeSentinel.DEFAULT, "whitespace_after_arg": _NONE,
    }
    if arg.keyword is not None:
        changes["equal"] = cst.AssignEqual(whitespace_before=_NONE, whitespace_after=_NONE)
    if arg.star:
        changes["whitespace_after_star"] = _NONE
    return arg.with_changes(**changes)


def _appended(changed: cst.Call, added: Sequence[cst.Arg]) -> cst.Call:
    """``added`` after the call's arguments, each on a line of its own when the last one ends
    its line (after its comma), else on the same line; the call's layout is kept."""
    if not added:
        return changed
    args = list(changed.args)
    if not args:
        return changed.with_changes(args=[_bare(a) for a in added])
    last = args[-1]
    new = [_bare(a) for a in added]
    comma = last.comma
    if isinstance(comma, cst.Comma) and isinstance(comma.whitespace_after,
                                                   cst.ParenthesizedWhitespace):
        # an exploded call: each new argument on a line of its own, the closing bracket's
        # line break after the last one
        before = args[-2].comma if len(args) > 1 else None
        if not (isinstance(before, cst.Comma)
                and isinstance(before.whitespace_after, cst.ParenthesizedWhitespace)):
            opening = changed.whitespace_before_args
            before = cst.Comma(whitespace_after=opening if isinstance(
                opening, cst.ParenthesizedWhitespace) else _newline("    "))
        args[-1] = last.with_changes(comma=before)
        new = [a.with_changes(comma=before) for a in new[:-1]] + [new[-1].with_changes(
            comma=comma)]
        return changed.with_changes(args=[*args, *new])
    if isinstance(comma, cst.Comma):  # ``f(a, )``: the new arguments take the trailing comma
        new[-1] = new[-1].with_changes(comma=comma)
    else:
        new[-1] = new[-1].with_changes(whitespace_after_arg=last.whitespace_after_arg)
    between = cst.Comma(whitespace_after=_SPACE)
    args[-1] = last.with_changes(comma=between, whitespace_after_arg=_NONE)
    new = [a.with_changes(comma=between) for a in new[:-1]] + [new[-1]]
    return changed.with_changes(args=[*args, *new])


def _magic_comma(call_node: cst.Call) -> bool:
    return bool(call_node.args) and isinstance(call_node.args[-1].comma, cst.Comma)


def _hugged(call_node: cst.Call) -> bool:
    """``f(\\n    a, b\\n)``: a break after ``(`` and before ``)``, none between arguments."""
    if not call_node.args or not isinstance(call_node.whitespace_before_args,
                                            cst.ParenthesizedWhitespace):
        return False
    if not isinstance(call_node.args[-1].whitespace_after_arg, cst.ParenthesizedWhitespace):
        return False
    return all(
        not isinstance(arg.comma, cst.Comma)
        or not isinstance(arg.comma.whitespace_after, cst.ParenthesizedWhitespace)
        for arg in call_node.args[:-1]
    )


def _has_comments(call_node: cst.Call) -> bool:
    """Whether the whitespace of the call's argument list holds a comment."""
    spaces: list[cst.BaseParenthesizableWhitespace] = [call_node.whitespace_before_args]
    for arg in call_node.args:
        spaces.append(arg.whitespace_after_arg)
        if isinstance(arg.comma, cst.Comma):
            spaces += [arg.comma.whitespace_before, arg.comma.whitespace_after]
    for space in spaces:
        if isinstance(space, cst.ParenthesizedWhitespace) and (
            space.first_line.comment is not None
            or any(line.comment is not None for line in space.empty_lines)
        ):
            return True
    return False
