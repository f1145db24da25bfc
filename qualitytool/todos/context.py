"""The code a TODO comment sits in: the lines around it (the first one below is "the
statement below"), the calls and imports of the enclosing function, the file's imports.

Read from the text alone (never imported, never compiled), so it works on files that do not
parse and on other languages; for Python the enclosing function is found by indentation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qualitytool.todos.model import CodeContext

_COMMENT_OPENERS = {"python": ("#",)}
_OTHER_OPENERS = ("#", "//", "/*", "*", "--", "<!--")
_LONGEST = 160
# How much is kept: a few code lines on each side, and the names of a long function.
_LINES_BEFORE = 3
_LINES_AFTER = 5
_MAX_CALLS = 40
_MAX_IMPORTS = 60
_MAX_BODY_LINES = 400  # of the enclosing function read for its calls

_COMMENT_TAIL = re.compile(r"\s*(?:#+|//+|/\*+|<!--|--)\s*$")
_CALL = re.compile(r"(?<![\w.])([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\(")
_NOT_CALLS = frozenset({
    "if", "elif", "while", "for", "return", "yield", "and", "or", "not", "in", "is", "def",
    "class", "with", "assert", "del", "print", "lambda", "await", "async", "raise", "except",
    "function", "switch", "catch", "typeof", "new", "super", "self", "cls", "else", "import",
})
_PY_DEF = re.compile(r"[ \t]*(?:async[ \t]+)?def[ \t]+\w+")
_PY_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import[ \t]+\(?([^#\n]*)|import[ \t]+([^#\n]+))",
    re.MULTILINE)
_JS_IMPORT = re.compile(r"""(?:\bfrom\s+|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]""",
                        re.MULTILINE)




def code_context(lines: Sequence[str], line: int, end_line: int, language: str = "python",
                 col: int = 1) -> CodeContext:
    """The code around the comment on ``line``..``end_line`` (1-based lines of ``lines``)
    whose marker is at column ``col`` (1-based): code before it on its own line comes first
    in ``before``."""
    return FileCode(lines, language).context(line, end_line, col)


class FileCode:
    """One file's lines, for the code context of each of its comments (the imports of its
    header are read once)."""

    def __init__(self, lines: Sequence[str], language: str = "python") -> None:
        self.lines = lines
        self.language = language
        self._imports: tuple[str, ...] | None = None

    @property
    def header_imports(self) -> tuple[str, ...]:
        """What the file imports before its first top-level definition (Python), or in its
        first lines (other languages)."""
        if self._imports is None:
            self._imports = _imports("\n".join(_header(self.lines, self.language)),
                                     self.language)
        return self._imports

    def context(self, line: int, end_line: int, col: int = 1) -> CodeContext:
        """:func:`code_context` of the comment on ``line``..``end_line``."""
        return _context(self.lines, line, end_line, self.language, col, self.header_imports)


_HEADER_LINES = 400
_TOP_LEVEL_DEFINITION = ("def ", "class ", "async def ", "@")


def _header(lines: Sequence[str], language: str) -> Sequence[str]:
    if language != "python":
        return lines[:_HEADER_LINES]
    for index, text in enumerate(lines[:_HEADER_LINES * 5]):
        if text.startswith(_TOP_LEVEL_DEFINITION):
            return lines[:index]
    return lines[:_HEADER_LINES * 5]


def _context(lines: Sequence[str], line: int, end_line: int, language: str, col: int,
             header_imports: tuple[str, ...]) -> CodeContext:
    before = _code_lines(lines, line - 2, _LINES_BEFORE, language, step=-1)
    if 0 < line <= len(lines):
        own = _COMMENT_TAIL.sub("", lines[line - 1][:max(0, col - 1)]).strip()
        if own:  # a trailing comment: the statement it sits on
            before = [own[:_LONGEST], *before[:_LINES_BEFORE - 1]]
    after = _code_lines(lines, end_line, _LINES_AFTER, language, step=1)
    imports = header_imports
    function = _enclosing_function(lines, line) if language == "python" else None
    if function is not None:  # and the function's own imports
        imports = tuple(dict.fromkeys([*imports, *_imports("\n".join(function), language)]))
    # at module or class level: the calls of the nearby lines
    body = [*before, *after] if function is None else function
    return CodeContext(tuple(reversed(before)), tuple(after), _calls(body, language),
                       imports[:_MAX_IMPORTS])


def _code_lines(lines: Sequence[str], start: int, count: int, language: str,
                step: int) -> list[str]:
    """Up to ``count`` code lines from 0-based index ``start`` going ``step`` (1 or -1),
    stopping at 20 lines of comments or blanks; each stripped and cut to 160 characters."""
    openers = _COMMENT_OPENERS.get(language, _OTHER_OPENERS)
    found: list[str] = []
    skipped = 0
    index = start
    while 0 <= index < len(lines) and len(found) < count and skipped < 20:
        stripped = lines[index].strip()
        index += step
        if not stripped or stripped.startswith(openers):
            skipped += 1
            continue
        skipped = 0
        code = _without_comment(stripped) if language == "python" else stripped
        found.append(code[:_LONGEST])
    return found


def _without_comment(line: str) -> str:
    """A Python line without its trailing comment (a "#" outside quotes starts one)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:index].rstrip()
    return line


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" \t"))


def _enclosing_function(lines: Sequence[str], line: int) -> list[str] | None:
    """The lines of the ``def`` enclosing the comment on ``line`` (1-based): the ``def`` on
    that line itself, else the nearest one above indented less than the line; None at
    module or class level."""
    if not 0 < line <= len(lines):
        return None
    limit = _indent(lines[line - 1])
    start = line - 1 if _PY_DEF.match(lines[line - 1]) else None
    for index in range(line - 2, max(-1, line - 1 - _MAX_BODY_LINES), -1):
        if start is not None or limit == 0:
            break
        text = lines[index]
        if not text.strip() or text.lstrip().startswith("#") or _indent(text) >= limit:
            continue
        if _PY_DEF.match(text):
            start = index
        limit = _indent(text)  # a less indented statement that is not a def: look further out
    if start is None:
        return None
    indent = _indent(lines[start])
    body = [lines[start]]
    for following in lines[start + 1:start + 1 + _MAX_BODY_LINES]:
        if following.strip() and _indent(following) <= indent \
                and not following.lstrip().startswith(("#", ")", "]", "}")):
            break
        body.append(following)
    return body


def _calls(body: Sequence[str], language: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    openers = _COMMENT_OPENERS.get(language, _OTHER_OPENERS)
    for text in body:
        if text.lstrip().startswith(openers):
            continue
        if text.lstrip().startswith(("def ", "async def ", "class ")):
            text = text.split("(", 1)[-1]  # a def's own name is not a call
        for match in _CALL.finditer(text):
            name = re.sub(r"\s+", "", match[1])
            if name.split(".", 1)[0] in _NOT_CALLS and "." not in name:
                continue
            seen.setdefault(name, None)
            if len(seen) == _MAX_CALLS:
                return tuple(seen)
    return tuple(seen)


def _imports(text: str, language: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    if language == "python":
        for match in _PY_IMPORT.finditer(text):
            module, names, plain = match.groups()
            if plain is not None:
                for part in plain.split(","):
                    name = part.strip().split(" as ", 1)[0].strip()
                    if re.fullmatch(r"[\w.]+", name):
                        seen.setdefault(name, None)
            else:
                found = [name for part in names.replace(")", "").split(",")
                         if re.fullmatch(r"\w+", name := part.strip().split(" as ", 1)[0].strip())]
                for name in found:
                    seen.setdefault(f"{module}.{name}" if module.strip(".") else name, None)
                if not found and module.strip("."):  # "from x import (" then a name a line
                    seen.setdefault(module, None)
            if len(seen) >= _MAX_IMPORTS:
                break
    else:
        for match in _JS_IMPORT.finditer(text):
            seen.setdefault(match[1], None)
            if len(seen) >= _MAX_IMPORTS:
                break
    return tuple(seen)[:_MAX_IMPORTS]
