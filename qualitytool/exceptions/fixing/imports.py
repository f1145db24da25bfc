"""Add the imports a rewrite needs where the project's isort (or ruff's ``I`` rules) would put
them: in the first import block, in the section the module belongs to (future, standard
library, third party, first party, local folder), at its sorted place -- or merged into the
``from x import ...`` statement that already imports from the same module.

Sorting follows isort's and ruff's shared defaults: within a section, ``import x`` lines
before ``from x import y`` lines (unless ``force-sort-within-sections``), modules compared
without case in natural order (``h2`` before ``h11``), the names of a ``from`` import
constants first, then classes, then the rest (``order-by-type``).  A block that is not sorted
that way gets the new import at the end of its section, the way a human would add it.
"""

from __future__ import annotations

import enum
import fnmatch
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst

from qualitytool.exceptions.fixing import layout


class Section(enum.IntEnum):
    FUTURE = 0
    STDLIB = 1
    THIRDPARTY = 2
    FIRSTPARTY = 3
    LOCALFOLDER = 4


DEFAULT_SECTIONS = tuple(Section)
_STDLIB = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class ImportStyle:
    """How the project sorts its imports (isort's or ruff's settings, merged)."""

    known: tuple[tuple[str, Section], ...] = ()  # (module pattern, section)
    first_party_roots: tuple[Path, ...] = ()  # folders whose packages are first party
    default_section: Section = Section.THIRDPARTY
    section_order: tuple[Section, ...] = DEFAULT_SECTIONS
    no_lines_before: frozenset[Section] = frozenset()
    force_sort_within_sections: bool = False
    force_single_line: bool = False
    from_first: bool = False
    order_by_type: bool = True
    case_sensitive: bool = False
    line_length: int = 79
    indent: str = "    "
    own_packages: frozenset[str] = field(default_factory=frozenset)

    def section(self, module: str) -> Section:
        """The section isort and ruff put ``module`` in."""
        if module.startswith("."):
            return Section.LOCALFOLDER
        if module == "__future__":
            return Section.FUTURE
        top = module.split(".")[0]
        for pattern, section in self.known:
            if module == pattern or module.startswith(pattern + ".") or fnmatch.fnmatchcase(
                top, pattern
            ):
                return section
        if top in self.own_packages or any(
            (root / top).is_dir() or (root / f"{top}.py").is_file()
            for root in self.first_party_roots
        ):
            return Section.FIRSTPARTY
        if top in _STDLIB:
            return Section.STDLIB
        return self.default_section


def _natural(text: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


@dataclass(frozen=True)
class _Entry:
    """One import line of the block."""

    position: int  # in the module's body
    section: Section
    is_from: bool
    module: str  # "os", "app.models", ".sibling"
    node: cst.Import | cst.ImportFrom

    def key(self, style: ImportStyle) -> tuple[object, ...]:
        return _statement_key(self.is_from, self.module, self.first_name(), style)

    def first_name(self) -> str:
        names = self.node.names
        if isinstance(names, cst.ImportStar) or not names:
            return "*"
        return _dotted(names[0].name)


def _statement_key(
    is_from: bool, module: str, first: str, style: ImportStyle
) -> tuple[object, ...]:
    def text(value: str) -> str:
        return value if style.case_sensitive else value.lower()

    if style.force_sort_within_sections:
        line = f"{module} import {first}" if is_from else module
        return (_natural(text(line)),)
    kind = (0 if is_from else 1) if style.from_first else (1 if is_from else 0)
    return (kind, _natural(text(module)), module)


def _member_key(name: str, style: ImportStyle) -> tuple[object, ...]:
    kind = 0
    if style.order_by_type:
        if len(name) > 1 and name.isupper():
            kind = 0
        elif name[:1].isupper():
            kind = 1
        else:
            kind = 2
    folded = name if style.case_sensitive else name.lower()
    return (kind, _natural(folded), name)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return layout.code(node)


def _module_of(node: cst.ImportFrom) -> str:
    dots = "".join("." for _ in node.relative)
    return dots + (_dotted(node.module) if node.module is not None else "")


def add_imports(
    tree: cst.Module,
    imports: Sequence[tuple[str, str | None]],
    style: ImportStyle | None = None,
) -> cst.Module:
    """``tree`` with ``imports`` ((module, None): ``import module``; (module, name): ``from
    module import name``) added where the project's import sorting puts them; those it
    already has are skipped."""
    style = style or ImportStyle()
    for module, name in dict.fromkeys(imports):
        tree = _add_one(tree, module, name, style)
    return tree


def _add_one(tree: cst.Module, module: str, name: str | None, style: ImportStyle) -> cst.Module:
    body: list[cst.BaseStatement] = list(tree.body)
    start = 1 if body and _is_docstring(body[0]) else 0
    entries = _block(body, start, style)
    if _already_imported(entries, module, name):
        return tree
    if name is not None and not style.force_single_line:
        for entry in entries:
            node = entry.node
            if (entry.is_from and entry.module == module and isinstance(node, cst.ImportFrom)
                    and not isinstance(node.names, cst.ImportStar)
                    and all(alias.asname is None for alias in node.names)):
                line = body[entry.position]
                assert isinstance(line, cst.SimpleStatementLine)
                merged = _merged(node, name, style)
                body[entry.position] = line.with_changes(body=[merged])
                return tree.with_changes(body=body)
    statement = cst.parse_statement(
        f"from {module} import {name}\n" if name is not None else f"import {module}\n"
    )
    assert isinstance(statement, cst.SimpleStatementLine)
    new = _Entry(-1, style.section(module), name is not None, module,
                 statement.body[0])  # type: ignore[arg-type]
    blank = cst.EmptyLine()
    if not entries:
        return _new_block(tree, body, start, statement)
    same = [e for e in entries if e.section == new.section]
    if same:
        # the configured order, else the other one when the section follows it (a project
        # sorting with ``force-sort-within-sections`` that we found no configuration of)
        for sorting in (style, replace(style, force_sort_within_sections=(
                not style.force_sort_within_sections))):
            keys = [e.key(sorting) for e in same]
            if keys == sorted(keys):
                after = [e for e in same if e.key(sorting) <= new.key(sorting)]
                if not after:
                    return _insert_before(tree, body, same[0].position, statement)
                return _insert_after(tree, body, after[-1].position, statement)
        return _insert_after(tree, body, same[-1].position, statement)
    order = {section: rank for rank, section in enumerate(style.section_order)}
    rank = order.get(new.section, len(order))
    earlier = [e for e in entries if order.get(e.section, len(order)) < rank]
    lines = [] if new.section in style.no_lines_before else [blank]
    if earlier:
        last = max(earlier, key=lambda e: e.position)
        return _insert_after(tree, body, last.position,
                             statement.with_changes(leading_lines=lines))
    first = entries[0]
    following = body[first.position]
    assert isinstance(following, cst.SimpleStatementLine)
    joined = [] if first.section in style.no_lines_before else [blank]
    body[first.position] = following.with_changes(
        leading_lines=[*joined, *_without_leading_blanks(following.leading_lines)]
    )
    body.insert(first.position, statement.with_changes(
        leading_lines=list(following.leading_lines)
    ))
    return tree.with_changes(body=body)


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _block(body: Sequence[cst.BaseStatement], start: int, style: ImportStyle) -> list[_Entry]:
    """The import lines of the module's first block: from ``start`` up to the first
    statement that is not a one-import line."""
    entries: list[_Entry] = []
    for position in range(start, len(body)):
        line = body[position]
        if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1
                and isinstance(line.body[0], (cst.Import, cst.ImportFrom))):
            break
        node = line.body[0]
        if isinstance(node, cst.Import):
            module = _dotted(node.names[0].name)
            entries.append(_Entry(position, style.section(module), False, module, node))
        else:
            module = _module_of(node)
            entries.append(_Entry(position, style.section(module), True, module, node))
    return entries


def _already_imported(entries: Sequence[_Entry], module: str, name: str | None) -> bool:
    for entry in entries:
        node = entry.node
        if name is None and isinstance(node, cst.Import):
            if any(_dotted(a.name) == module and a.asname is None for a in node.names):
                return True
        elif name is not None and isinstance(node, cst.ImportFrom) and entry.module == module:
            if isinstance(node.names, cst.ImportStar):
                continue
            if any(_dotted(a.name) == name and a.asname is None for a in node.names):
                return True
    return False


def _merged(node: cst.ImportFrom, name: str, style: ImportStyle) -> cst.ImportFrom:
    """``from m import a, b`` with ``name`` among its names, at its sorted place (at the end
    when they are not sorted), laid out as isort's black profile and ruff write it: on one
    line when it fits, else one name per line in parentheses with a trailing comma."""
    assert not isinstance(node.names, cst.ImportStar)
    names = [_dotted(alias.name) for alias in node.names]
    keys = [_member_key(n, style) for n in names]
    new_key = _member_key(name, style)
    at = sum(1 for k in keys if k <= new_key) if keys == sorted(keys) else len(names)
    names.insert(at, name)
    exploded = node.lpar is not None and any(
        isinstance(alias.comma, cst.Comma)
        and isinstance(alias.comma.whitespace_after, cst.ParenthesizedWhitespace)
        for alias in node.names
    ) or (node.lpar is not None and isinstance(node.lpar.whitespace_after,
                                               cst.ParenthesizedWhitespace))
    flat = f"from {_module_of(node)} import {', '.join(names)}"
    if not exploded and len(flat) <= style.line_length:
        aliases = [
            cst.ImportAlias(
                name=cst.parse_expression(n),  # type: ignore[arg-type]
                comma=(cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                       if i < len(names) - 1 else cst.MaybeSentinel.DEFAULT),
            )
            for i, n in enumerate(names)
        ]
        return node.with_changes(names=aliases, lpar=None, rpar=None)
    aliases = [
        cst.ImportAlias(
            name=cst.parse_expression(n),  # type: ignore[arg-type]
            comma=cst.Comma(whitespace_after=_newline(style.indent if i < len(names) - 1
                                                      else "")),
        )
        for i, n in enumerate(names)
    ]
    return node.with_changes(
        names=aliases,
        lpar=cst.LeftParen(whitespace_after=_newline(style.indent)),
        rpar=cst.RightParen(),
    )


def _newline(indent: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=[], indent=True,
        last_line=cst.SimpleWhitespace(indent),
    )


def _without_leading_blanks(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    kept = list(lines)
    while kept and kept[0].comment is None:
        kept.pop(0)
    return kept


def _insert_after(
    tree: cst.Module, body: list[cst.BaseStatement], position: int,
    statement: cst.SimpleStatementLine,
) -> cst.Module:
    body.insert(position + 1, statement)
    return tree.with_changes(body=body)


def _insert_before(
    tree: cst.Module, body: list[cst.BaseStatement], position: int,
    statement: cst.SimpleStatementLine,
) -> cst.Module:
    """``statement`` above the one at ``position``, taking the blank lines above it (a
    section's separation); the comments above it stay with it."""
    following = body[position]
    assert isinstance(following, cst.SimpleStatementLine)
    lines = list(following.leading_lines)
    blanks = len(lines) - len(_without_leading_blanks(lines))
    body[position] = following.with_changes(leading_lines=lines[blanks:])
    body.insert(position, statement.with_changes(leading_lines=lines[:blanks]))
    return tree.with_changes(body=body)


def _new_block(
    tree: cst.Module, body: list[cst.BaseStatement], start: int,
    statement: cst.SimpleStatementLine,
) -> cst.Module:
    """A module without imports gets one at the top (below its docstring), set off as isort
    and black set off an import block: one blank line after a docstring, two before a
    definition, one before other code."""
    if start:
        statement = statement.with_changes(leading_lines=[cst.EmptyLine()])
    if start < len(body):
        following = body[start]
        assert isinstance(following, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        comments = _without_leading_blanks(following.leading_lines)
        # a comment set off from the definition below it is what follows the imports (black
        # and isort then want one blank line); one on the definition's line above counts
        # as the definition
        is_definition = isinstance(following, (cst.FunctionDef, cst.ClassDef)) and all(
            line.comment is not None for line in comments
        )
        blanks = [cst.EmptyLine()] * (2 if is_definition else 1)
        if not start:
            statement = statement.with_changes(leading_lines=[])
        body[start] = following.with_changes(leading_lines=[*blanks, *comments])
    body.insert(start, statement)
    return tree.with_changes(body=body)
