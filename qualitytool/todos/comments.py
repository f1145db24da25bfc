"""One line of a comment, as the Python lexer and the comment-syntax scanner report it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommentLine:
    """One line of a comment: where its text starts and the text after the opener."""

    line: int  # 1-based
    col: int  # 0-based column of ``text``'s first character
    text: str  # after the opener (``#``, ``//``, a block's ``*`` decoration)
    own_line: bool  # nothing but whitespace before the comment on this line
    block: int  # comments sharing a block id are lines of one block comment (-1: line comment)
    opener_col: int  # column of the comment opener (continuations must line up)
    context: str = ""  # enclosing def/class (Python only)
