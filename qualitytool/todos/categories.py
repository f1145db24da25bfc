"""Categories and suggested resolutions of TODO items, from rules kept as data.

The built-in rules are ``rules/todo_categories.toml``; ``[tool.qualitytool.todos]
category-rules`` adds files in the same format (relative to the configuration file).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from qualitytool.todos.model import CATEGORIES, RESOLUTIONS, TodoItem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_CATEGORY = "bug"


class CategoryRulesError(Exception):
    """A category rule file is unreadable or malformed; the message names the file."""


@dataclass(frozen=True)
class CategoryRule:
    name: str
    priority: int
    phrases: tuple[str, ...]
    pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class Categorizer:
    """Assigns each item a category (highest-priority matching phrase) and a resolution."""

    rules: tuple[CategoryRule, ...]  # highest priority first
    implement_categories: frozenset[str]
    small_words: int
    small_categories: frozenset[str]
    limitation_phrases: tuple[str, ...]

    def category(self, text: str) -> str:
        for rule in self.rules:
            if rule.pattern is not None and rule.pattern.search(text):
                return rule.name
        return DEFAULT_CATEGORY

    def resolution(self, item: TodoItem, category: str) -> str:
        if "limitation" in item.tags or _matches(self._limitation, item.text):
            return "document"
        if category in self.implement_categories:
            return "implement"
        if category in self.small_categories and len(item.text.split()) <= self.small_words:
            return "implement"
        return "issue"

    @property
    def _limitation(self) -> re.Pattern[str] | None:
        return _phrase_pattern(tuple(self.limitation_phrases))

    def classify(self, item: TodoItem) -> tuple[str, str]:
        category = self.category(item.text)
        return category, self.resolution(item, category)


def _matches(pattern: re.Pattern[str] | None, text: str) -> bool:
    return pattern is not None and pattern.search(text) is not None


@functools.lru_cache(maxsize=32)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alternatives = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        body = re.escape(phrase.lower().rstrip("*"))
        body = body.replace(r"\ ", r"\s+")
        if phrase.endswith("*"):
            body += r"\w*"
        alternatives.append(body)
    return re.compile(rf"(?i)(?<![\w])(?:{'|'.join(alternatives)})(?![\w])")


def _read(source: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CategoryRulesError(f"{source}: cannot read: {exc}") from exc


def load_categorizer(
    extra_files: Sequence[Path] = (), limitation_phrases: Sequence[str] = ()
) -> Categorizer:
    """The built-in rules extended by ``extra_files`` (later files add phrases, may re-prioritise)."""
    builtin = resources.files("qualitytool.rules").joinpath("todo_categories.toml")
    documents = [("rules/todo_categories.toml", _read("todo_categories.toml", builtin.read_text("utf-8")))]
    for path in extra_files:
        try:
            documents.append((str(path), _read(str(path), path.read_text(encoding="utf-8"))))
        except OSError as exc:
            raise CategoryRulesError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    priorities: dict[str, int] = {}
    phrases: dict[str, list[str]] = {}
    resolution: dict[str, Any] = {}
    for source, document in documents:
        for name, table in document.get("categories", {}).items():
            if name not in CATEGORIES:
                raise CategoryRulesError(
                    f"{source}: unknown category {name!r} (one of {', '.join(CATEGORIES)})"
                )
            if not isinstance(table, dict):
                raise CategoryRulesError(f"{source}: [categories.{name}] must be a table")
            if "priority" in table:
                if not isinstance(table["priority"], int):
                    raise CategoryRulesError(
                        f"{source}: key 'categories.{name}.priority' must be an integer"
                    )
                priorities[name] = table["priority"]
            listed = table.get("phrases", [])
            if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
                raise CategoryRulesError(
                    f"{source}: key 'categories.{name}.phrases' must be a list of strings"
                )
            phrases.setdefault(name, []).extend(listed)
        resolution.update(document.get("resolution", {}))
    for name in resolution.get("implement", []):
        if name not in CATEGORIES:
            raise CategoryRulesError(f"resolution.implement: unknown category {name!r}")
    rules = sorted(
        (
            CategoryRule(name, priorities.get(name, 0), tuple(phrases.get(name, ())),
                         _phrase_pattern(tuple(phrases.get(name, ()))))
            for name in CATEGORIES
        ),
        key=lambda r: (-r.priority, CATEGORIES.index(r.name)),
    )
    assert set(RESOLUTIONS) == {"implement", "issue", "document"}
    return Categorizer(
        rules=tuple(rules),
        implement_categories=frozenset(resolution.get("implement", ())),
        small_words=int(resolution.get("small-words", 0)),
        small_categories=frozenset(resolution.get("small-categories", ())),
        limitation_phrases=tuple(limitation_phrases),
    )
