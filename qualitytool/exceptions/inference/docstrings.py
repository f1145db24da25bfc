"""The exceptions a docstring documents: ``documented_raises``.

Three styles, as Sphinx's napoleon extension and the numpydoc standard define them::

    Raises:                      Raises                  :raises ValueError: if ...
        ValueError: if ...       ------                  :raise httpx.InvalidURL:
        httpx.InvalidURL: ...    ValueError              :raises: KeyError
                                     If ...              :exception TypeError: ...

Names come back as written (``ValueError``, ``httpx.InvalidURL``), cross-reference markup
(``:exc:`~pkg.Error```) removed; resolving them to classes is the caller's job.
"""

from __future__ import annotations

import re

_DOTTED = r"[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*"
_GOOGLE_HEADER = re.compile(r"^(?P<indent>\s*)(?:Raises|Raise|Exceptions|Throws)\s*:\s*$")
_NUMPY_HEADER = re.compile(r"^(?P<indent>\s*)(?:Raises|Raise|Exceptions)\s*$")
_NUMPY_RULE = re.compile(r"^\s*-{3,}\s*$")
_SPHINX_FIELD = re.compile(
    r":(?:raises?|exception|except|throws?)(?:\s+(?P<names>[^:]+?))?\s*:(?P<rest>[^\n]*)"
)
_ROLE = re.compile(r":(?:py:)?(?:exc|class|obj|data|attr|meth|func):")
_NAME = re.compile(rf"^{_DOTTED}$")
# A docstring this long is not documentation worth parsing line by line.
_MAX_DOCSTRING = 100_000


def documented_raises(docstring: str | None) -> list[str]:
    """The exception names the Raises section(s) of ``docstring`` list, in order, once each."""
    if not docstring or len(docstring) > _MAX_DOCSTRING:
        return []
    lines = docstring.expandtabs().splitlines()
    found: dict[str, None] = {}
    for name in (*_google(lines), *_numpy(lines), *_sphinx(docstring)):
        found.setdefault(name, None)
    return list(found)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _google(lines: list[str]) -> list[str]:
    names: list[str] = []
    for index, line in enumerate(lines):
        header = _GOOGLE_HEADER.match(line)
        if header is None:
            continue
        base = len(header["indent"])
        entry_indent: int | None = None
        for entry in lines[index + 1:]:
            if not entry.strip():
                continue
            depth = _indent(entry)
            if depth <= base:
                break
            if entry_indent is None:
                entry_indent = depth
            if depth > entry_indent:
                continue  # a description's continuation
            if depth < entry_indent:
                break
            names += _names(_clean(entry).split(":", 1)[0])
    return names


def _numpy(lines: list[str]) -> list[str]:
    names: list[str] = []
    for index in range(len(lines) - 1):
        header = _NUMPY_HEADER.match(lines[index])
        if header is None or not _NUMPY_RULE.match(lines[index + 1]):
            continue
        base = len(header["indent"])
        position = index + 2
        while position < len(lines):
            entry = lines[position]
            following = lines[position + 1] if position + 1 < len(lines) else ""
            if entry.strip() and _NUMPY_RULE.match(following):
                break  # the next section's header
            if entry.strip():
                depth = _indent(entry)
                if depth < base:
                    break
                if depth == base:
                    names += _names(entry.strip().split(" : ", 1)[0])
            position += 1
    return names


def _sphinx(docstring: str) -> list[str]:
    names: list[str] = []
    for match in _SPHINX_FIELD.finditer(docstring):
        listed = match["names"]
        if listed is None or not listed.strip():  # ``:raises: ValueError``
            listed = match["rest"].strip().split(" ", 1)[0] if match["rest"] else ""
        names += _names(listed)
    return names


def _clean(text: str) -> str:
    text = _ROLE.sub("", text)
    return text.replace("`", "").replace("~", "").replace("!", "").strip()


def _names(text: str) -> list[str]:
    """``(TypeError, ValueError)``, ``KeyError or IndexError``, ``:exc:`~a.B``` -> names."""
    text = _clean(text).strip("()[] ")
    parts = re.split(r"\s*(?:,|\bor\b|\band\b|\|)\s*", text)
    return [part.rstrip(".") for part in parts if _NAME.match(part.rstrip("."))]
