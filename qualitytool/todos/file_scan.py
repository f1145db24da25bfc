"""Find TODO/FIXME/XXX/HACK comments: Python through its lexer, other languages by their
comment syntax.  Only comments count: a marker inside a string or an identifier is not a TODO.

The parts are each in their own module: the comment syntaxes are data
(``rules/comment_syntax.toml``, read by :mod:`qualitytool.todos.syntax`), the Python lexer is
:mod:`qualitytool.todos.python_lexer`, marker recognition and parsing
:mod:`qualitytool.todos.markers`, reading and decoding :mod:`qualitytool.todos.decoding`.
This module joins them: comment lines that directly follow a marker line, start at the same
column and carry no marker of their own continue the same item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from qualitytool.todos.comments import CommentLine
from qualitytool.todos.markers import Markers, parse_marker_text
from qualitytool.todos.model import TodoItem
from qualitytool.todos.python_lexer import PythonLexer
from qualitytool.todos.syntax import syntax_comments, syntax_of, uses_hash_comments_only


def scan_source(
    text: str,
    language: str,
    markers: Markers,
    path: str,
    *,
    file: str = "",
    tag_words: Sequence[str] = (),
) -> list[TodoItem]:
    """The TODO items in one file's text (uncategorised: category and resolution defaults)."""
    if not markers.in_text(text, uses_hash_comments_only(language)):
        return []
    lexer = None
    comments: Sequence[CommentLine]
    if language == "python":
        positions = markers.hash_positions(text)
        lexer = PythonLexer(text, until=positions[-1] if positions else 0)
        comments = lexer.comments
        candidates: Iterable[int] = lexer.comments_at(positions)
        hash_sections = True
    else:
        syntax = syntax_of(language)
        if syntax is None:
            raise ValueError(f"no comment syntax for {language!r}")
        comments = list(syntax_comments(text, syntax))
        candidates = range(len(comments))
        hash_sections = "#" in syntax.line
    items = []
    consumed = -1  # index of the last comment used as a continuation
    for start_index in candidates:
        if start_index <= consumed:
            continue
        comment = comments[start_index]
        found = markers.at_start(comment.text, hash_sections)
        if found is None:
            continue
        offset, marker = found
        rest = comment.text[offset + len(marker):]
        parts = [rest]
        end_line = comment.line
        index = start_index + 1
        if comment.own_line or comment.block >= 0:
            while index < len(comments):
                following = comments[index]
                if not _continues(comment, following, end_line):
                    break
                if markers.at_start(following.text, hash_sections) is not None:
                    break
                if _COMMENTED_OUT_CODE.match(following.text.strip()):
                    break
                parts.append(following.text.strip())
                end_line = following.line
                consumed = index
                index += 1
        parsed = parse_marker_text(" ".join(p.strip() for p in parts), tag_words)
        items.append(
            TodoItem(
                path=path,
                line=comment.line,
                col=comment.col + offset + 1,
                end_line=end_line,
                marker=marker,
                text=parsed.text,
                language=language,
                context=lexer.context_at(comment.line, comment.opener_col) if lexer else "",
                author=parsed.author,
                issue_ref=parsed.issue_ref,
                link=parsed.link,
                tags=parsed.tags,
                file=file,
            )
        )
    return items


# Commented-out code right below a TODO is not part of its text ("# TODO: uncomment once
# X ships" followed by "# - name: install X", "# x = compute()", "# if ready:").
_COMMENTED_OUT_CODE = re.compile(
    r"""^(?:
        -\s+[\w.-]+:(?:\s|$)                              # YAML list item of a mapping
      | [a-z_][\w.-]*:$                                   # YAML key opening a block
      | (?:async\s+)?(?:def|class)\s+\w+.*:$              # Python definition
      | (?:if|elif|else|for|while|with|try|except|finally)\b.*:$  # Python block statement
      | (?:import\s+[\w.]+|from\s+[\w.]+\s+import\b).*    # Python import
      | (?:return|raise)\b.*[(\[.].*                       # return / raise with an expression
      | [A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*[-+*/|&]?=(?!=)\s*\S.*   # assignment
      | -\s+["'].*                                        # YAML list item, quoted
      | [A-Za-z_][\w.]*\((?:.*\)[;,]?)?$                  # a call (or its first line)
      | [{}()\[\];]+$                                     # brackets alone
    )""",
    re.VERBOSE,
)


def _continues(first: CommentLine, following: CommentLine, end_line: int) -> bool:
    if following.line != end_line + 1 or not following.text.strip():
        return False
    if first.block >= 0:
        return following.block == first.block
    return following.own_line and following.opener_col == first.opener_col
