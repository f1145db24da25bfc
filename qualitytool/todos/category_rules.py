"""Read the category rules (``rules/todo_categories.toml`` and the user's ``category-rules``
files) into a :class:`~qualitytool.todos.categories.Categorizer`.

A rule file holds ``[categories.NAME]`` tables (``priority``, ``label``, ``min-score``,
``prior``, plain ``phrases`` and weighted ``signals``), ``[tags]`` (the author's tag ->
category, one a line), ``[security-flag]`` (``category`` and ``signals``), ``[settings]``
(``fallback``, ``min-score``, ``temperature``), ``[resolution]``, ``[rename]`` and ``drop``.
Files are read in order; renames apply first, so a file can rename a category and configure
it under its new name.  Every error names the file and the key.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from qualitytool.config import TodosConfig
from qualitytool.sources import read_text
from qualitytool.todos.categories import (
    Categorizer,
    Category,
    CategoryRulesError,
    SecurityFlagRules,
    Signal,
    Where,
)
from qualitytool.todos.model import RESOLUTIONS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_NAME = re.compile(r"[a-z][a-z0-9-]*")
_TAG = re.compile(r"[a-z][a-z0-9_-]*")


@dataclass(frozen=True)
class Thresholds:
    """What the configuration (``[tool.qualitytool.todos]``) sets beside the rule files."""

    uncertain_below: float = TodosConfig.uncertain_below  # below it an item is uncertain
    security_flag: float = TodosConfig.security_flag_threshold  # the flag's points needed

    @classmethod
    def of(cls, config: TodosConfig) -> Thresholds:
        return cls(config.uncertain_below, config.security_flag_threshold)


def load_categorizer(
    extra_files: Sequence[Path] = (),
    limitation_phrases: Sequence[str] = (),
    thresholds: Thresholds = Thresholds(),
) -> Categorizer:
    """The built-in rules extended by ``extra_files``, read in order (once per process while
    the files are unchanged: every worker of a scan asks for it)."""
    stamps = []
    for path in extra_files:
        try:
            stat = path.stat()
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append((str(path), -1, -1))  # reading it reports the error
    return _load_categorizer(tuple(stamps), tuple(limitation_phrases), thresholds)


@functools.lru_cache(maxsize=8)
def _load_categorizer(
    stamps: tuple[tuple[str, int, int], ...], limitation_phrases: tuple[str, ...],
    thresholds: Thresholds,
) -> Categorizer:
    extra_files = [Path(name) for name, _, _ in stamps]
    builtin = resources.files("qualitytool.rules").joinpath("todo_categories.toml")
    documents = [("rules/todo_categories.toml",
                  _read("todo_categories.toml", builtin.read_text("utf-8")))]
    for path in extra_files:
        try:
            documents.append((str(path), _read(str(path), read_text(path))))
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise CategoryRulesError(f"{path}: cannot read: {reason or exc}") from exc
    return categorizer_from_documents(documents, limitation_phrases, thresholds)


def _read(source: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CategoryRulesError(f"{source}: cannot read: {exc}") from exc


@dataclass
class _Draft:
    """A category while the rule files are read."""

    name: str
    label: str
    priority: int = 0
    signals: list[Signal] = field(default_factory=list)
    min_score: float | None = None
    plain_phrases: list[str] = field(default_factory=list)  # each enough on its own
    prior: float = 0.0


@dataclass
class _Rules:
    """Everything read so far from the rule files, in order."""

    drafts: dict[str, _Draft] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    resolution: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    flag_category: str | None = None
    flag_signals: list[Signal] = field(default_factory=list)
    flag_scale: dict[Where, float] = field(default_factory=dict)


_TOP_KEYS = {"categories", "settings", "resolution", "rename", "drop", "tags", "security-flag"}


def categorizer_from_documents(
    documents: Sequence[tuple[str, dict[str, Any]]],
    limitation_phrases: Sequence[str] = (),
    thresholds: Thresholds = Thresholds(),
) -> Categorizer:
    """A categorizer from parsed rule documents (``(source, TOML table)``), in order."""
    rules = _Rules()
    for source, document in documents:
        _check_keys(source, "", document, _TOP_KEYS)
        _apply_renames(source, document.get("rename", {}), rules)
        _apply_categories(source, document.get("categories", {}), rules.drafts)
        for name in _strings(source, "drop", document.get("drop", [])):
            if name not in rules.drafts:
                raise CategoryRulesError(f"{source}: drop: unknown category {name!r}")
            del rules.drafts[name]
        settings = _table(source, "settings", document.get("settings", {}))
        _check_keys(source, "settings.", settings, {"fallback", "min-score", "temperature"})
        rules.settings.update(settings)
        rules.resolution.update(_table(source, "resolution", document.get("resolution", {})))
        _apply_tags(source, document.get("tags", {}), rules)
        _apply_flag(source, document.get("security-flag", {}), rules)
    drafts = rules.drafts
    if not drafts:
        raise CategoryRulesError("no categories left: the rule files drop them all")
    settings = rules.settings
    fallback = settings.get("fallback", "")
    if fallback not in drafts:
        raise CategoryRulesError(
            f"settings.fallback: {fallback!r} is not a category (one of {', '.join(drafts)})")
    min_score = _number("settings", "settings.min-score", settings.get("min-score", 1))
    temperature = _number("settings", "settings.temperature", settings.get("temperature", 1))
    if temperature <= 0:
        raise CategoryRulesError("key 'settings.temperature' must be more than 0")
    resolution = rules.resolution
    implement = [n for n in _strings("resolution", "implement", resolution.get("implement", []))
                 if n in drafts]
    small = [n for n in _strings("resolution", "small-categories",
                                 resolution.get("small-categories", [])) if n in drafts]
    assert set(RESOLUTIONS) == {"implement", "issue", "document"}
    categories = []
    for d in drafts.values():
        signals = list(d.signals)
        if d.plain_phrases:  # a plain phrase in the comment is enough on its own
            needed = float(min_score) if d.min_score is None else d.min_score
            signals.append(Signal(Where.COMMENT, needed, tuple(d.plain_phrases)))
        categories.append(Category(d.name, d.label, d.priority, tuple(signals), d.min_score,
                                   d.prior))
    flag_category = rules.flag_category if rules.flag_category in drafts else None
    return Categorizer(
        categories=tuple(categories),
        fallback=fallback,
        min_score=float(min_score),
        implement_categories=frozenset(implement),
        small_words=int(resolution.get("small-words", 0)),
        small_categories=frozenset(small),
        limitation_phrases=tuple(limitation_phrases),
        tags={tag: name for tag, name in rules.tags.items() if name in drafts},
        temperature=float(temperature),
        uncertain_below=thresholds.uncertain_below,
        security_flag=SecurityFlagRules(flag_category, tuple(rules.flag_signals),
                                        thresholds.security_flag,
                                        tuple(rules.flag_scale.items())),
    )


_CATEGORY_KEYS = {"priority", "label", "phrases", "signals", "min-score", "prior"}
_SIGNAL_KEYS = {"in", "weight", "phrases", "max"}
_DEFAULT_WEIGHT = 2.0  # of a signal that does not say


def _apply_categories(source: str, categories: Any, drafts: dict[str, _Draft]) -> None:
    for name, table in _table(source, "categories", categories).items():
        where = f"categories.{name}"
        table = _table(source, where, table)
        _check_keys(source, where + ".", table, _CATEGORY_KEYS)
        if not _NAME.fullmatch(name):
            raise CategoryRulesError(
                f"{source}: [{where}]: a category name is lower-case letters, digits and '-'")
        draft = drafts.setdefault(name, _Draft(name, name))
        if "priority" in table:
            if not isinstance(table["priority"], int) or isinstance(table["priority"], bool):
                raise CategoryRulesError(f"{source}: key '{where}.priority' must be an integer")
            draft.priority = table["priority"]
        if "min-score" in table:
            draft.min_score = _number(source, f"{where}.min-score", table["min-score"])
        if "prior" in table:
            draft.prior = _number(source, f"{where}.prior", table["prior"])
        if "label" in table:
            if not isinstance(table["label"], str) or not table["label"].strip():
                raise CategoryRulesError(
                    f"{source}: key '{where}.label' must be a non-empty string")
            draft.label = table["label"]
        draft.plain_phrases += _strings(source, f"{where}.phrases", table.get("phrases", []))
        draft.signals += _signals(source, where, table.get("signals", []))


def _signals(source: str, where: str, signals: Any) -> list[Signal]:
    if not isinstance(signals, list):
        raise CategoryRulesError(f"{source}: key '{where}.signals' must be an array of tables")
    return [_signal(source, f"{where}.signals[{index}]", raw) for index, raw in enumerate(signals)]


def _signal(source: str, where: str, raw: Any) -> Signal:
    table = _table(source, where, raw)
    _check_keys(source, where + ".", table, _SIGNAL_KEYS)
    try:
        place = Where(table.get("in", "comment"))
    except ValueError:
        raise CategoryRulesError(
            f"{source}: key '{where}.in' must be one of {', '.join(w.value for w in Where)}"
        ) from None
    weight = _number(source, f"{where}.weight", table.get("weight", _DEFAULT_WEIGHT))
    limit = table.get("max")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise CategoryRulesError(f"{source}: key '{where}.max' must be a positive integer")
    phrases = _strings(source, f"{where}.phrases", table.get("phrases", []))
    for phrase in phrases:
        if phrase.startswith("re:"):
            try:
                re.compile(phrase[3:])
            except re.error as exc:
                raise CategoryRulesError(
                    f"{source}: key '{where}.phrases': bad regular expression {phrase!r}: {exc}"
                ) from None
    return Signal(place, weight, tuple(phrases), limit)


def _apply_tags(source: str, tags: Any, rules: _Rules) -> None:
    for tag, name in _table(source, "tags", tags).items():
        if not _TAG.fullmatch(tag):
            raise CategoryRulesError(
                f"{source}: [tags]: {tag!r}: a tag is lower-case letters, digits, '-' and '_'")
        if not isinstance(name, str) or name not in rules.drafts:
            raise CategoryRulesError(
                f"{source}: key 'tags.{tag}' must name a category (one of "
                f"{', '.join(rules.drafts)}), got {name!r}")
        rules.tags[tag] = name


def _apply_flag(source: str, table: Any, rules: _Rules) -> None:
    table = _table(source, "security-flag", table)
    _check_keys(source, "security-flag.", table, {"category", "signals", "scale"})
    for place, factor in _table(source, "security-flag.scale", table.get("scale", {})).items():
        try:
            where = Where(place)
        except ValueError:
            raise CategoryRulesError(
                f"{source}: key 'security-flag.scale.{place}': not a place (one of "
                f"{', '.join(w.value for w in Where)})") from None
        rules.flag_scale[where] = _number(source, f"security-flag.scale.{place}", factor)
    if "category" in table:
        name = table["category"]
        if not isinstance(name, str) or name not in rules.drafts:
            raise CategoryRulesError(
                f"{source}: key 'security-flag.category' must name a category (one of "
                f"{', '.join(rules.drafts)}), got {name!r}")
        rules.flag_category = name
    rules.flag_signals += _signals(source, "security-flag", table.get("signals", []))


def _apply_renames(source: str, renames: Any, rules: _Rules) -> None:
    drafts = rules.drafts
    for old, new in _table(source, "rename", renames).items():
        if old not in drafts:
            raise CategoryRulesError(f"{source}: rename: unknown category {old!r}")
        if not isinstance(new, str) or not _NAME.fullmatch(new):
            raise CategoryRulesError(
                f"{source}: key 'rename.{old}' must be a category name (lower-case letters, "
                "digits and '-')")
        if new in drafts:
            raise CategoryRulesError(f"{source}: rename.{old}: {new!r} already exists")
        draft = drafts[old]
        renamed = _Draft(new, new if draft.label == old else draft.label, draft.priority,
                         draft.signals, draft.min_score, draft.plain_phrases, draft.prior)
        # Keep the order of the categories: the renamed one takes the old one's place.
        items = [(new, renamed) if name == old else (name, d) for name, d in drafts.items()]
        drafts.clear()
        drafts.update(items)
        if rules.settings.get("fallback") == old:
            rules.settings["fallback"] = new
        for key in ("implement", "small-categories"):
            if isinstance(rules.resolution.get(key), list):
                rules.resolution[key] = [new if n == old else n for n in rules.resolution[key]]
        rules.tags = {tag: new if name == old else name for tag, name in rules.tags.items()}
        if rules.flag_category == old:
            rules.flag_category = new


def _number(source: str, where: str, value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise CategoryRulesError(f"{source}: key '{where}' must be a number")
    return float(value)


def _table(source: str, where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CategoryRulesError(f"{source}: [{where}] must be a table")
    return value


def _strings(source: str, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CategoryRulesError(f"{source}: key '{where}' must be a list of strings")
    return value


def _check_keys(source: str, prefix: str, table: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise CategoryRulesError(
            f"{source}: unknown key '{prefix}{unknown[0]}' (known: {', '.join(sorted(known))})")
