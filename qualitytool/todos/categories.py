"""Categories and suggested resolutions of TODO items, from rules kept as data.

The built-in rules are ``rules/todo_categories.toml``; ``[tool.qualitytool.todos]
category-rules`` adds files in the same format (relative to the configuration file), which
may add categories, rename or drop them, change their issue labels and add signals.

A category collects points from *signals*: phrases found in the comment, in its code (the
enclosing function or class and the statement below the comment) or in the file's path,
each with a weight.  The category with the most points wins (ties: the higher priority);
below ``min-score`` points the item gets the fallback category.  Every decision keeps its
evidence, so ``todos --explain`` can say why.
"""

from __future__ import annotations

import enum
import functools
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from qualitytool.sources import read_text
from qualitytool.todos.model import RESOLUTIONS, TodoItem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# How many distinct phrases of one signal count: two in the comment (one long comment should
# not outvote a short one by its length), one in the code or the path (``oauth/oauth1/`` is
# one piece of evidence, not two).  A signal's ``max`` overrides it.
_MAX_MATCHES = {"comment": 2, "code": 1, "path": 1}


_URL = re.compile(r"\b(?:https?://|www\.)\S+")


class CategoryRulesError(Exception):
    """A category rule file is unreadable or malformed; the message names the file."""


class Where(enum.Enum):
    """Which text of the item a signal reads."""

    COMMENT = "comment"  # the TODO's text
    CODE = "code"  # the enclosing function/class name and the statement below, as words
    PATH = "path"  # the file's path, as words


@dataclass(frozen=True)
class Signal:
    """Phrases that add ``weight`` points to a category when found ``where``."""

    where: Where
    weight: float
    phrases: tuple[str, ...]
    max_matches: int | None = None  # distinct phrases that count (default: by ``where``)

    @property
    def limit(self) -> int:
        return _MAX_MATCHES[self.where.value] if self.max_matches is None else self.max_matches

    @property
    def matcher(self) -> _Matcher:
        return _matcher(self.phrases)


@dataclass(frozen=True)
class Category:
    name: str
    label: str  # the GitHub issue label
    priority: int  # breaks ties between equal scores
    signals: tuple[Signal, ...]
    min_score: float | None = None  # points it needs to be chosen (default: settings' min-score)


@dataclass(frozen=True)
class Evidence:
    """One phrase that counted: in which category, where it was found, its points."""

    category: str
    where: Where
    phrase: str
    weight: float


@dataclass(frozen=True)
class Verdict:
    """A category with its score, the evidence behind it and the runner-up."""

    category: str
    score: float
    evidence: tuple[Evidence, ...]  # for the chosen category
    runner_up: tuple[str, float] | None = None
    fallback: bool = False  # no category reached min-score

    @property
    def reason(self) -> str:
        """One line: why this category (``security 5: comment "csrf" +4, path "auth" +1``)."""
        if self.fallback:
            head = f"{self.category}: no category reached the minimum score (the fallback)"
            if self.runner_up:
                head += f"; best {self.runner_up[0]} {_num(self.runner_up[1])}"
            return head
        parts = ", ".join(f'{e.where.value} "{e.phrase}" {_signed(e.weight)}' for e in self.evidence)
        text = f"{self.category} {_num(self.score)}: {parts}"
        if self.runner_up:
            text += f"; next {self.runner_up[0]} {_num(self.runner_up[1])}"
        return text


def _num(value: float) -> str:
    return f"{value:g}"


def _signed(value: float) -> str:
    return f"+{value:g}" if value >= 0 else f"{value:g}"


@dataclass(frozen=True)
class Categorizer:
    """Assigns each item a category (most points from its signals) and a resolution."""

    categories: tuple[Category, ...]  # display order
    fallback: str
    min_score: float
    implement_categories: frozenset[str]
    small_words: int
    small_categories: frozenset[str]
    limitation_phrases: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    @property
    def labels(self) -> dict[str, str]:
        """Category name -> GitHub issue label."""
        return {c.name: c.label for c in self.categories}

    def judge(self, item: TodoItem) -> Verdict:
        """The category of ``item``, with the evidence for it."""
        texts = {
            # A URL's words are not the comment's ("bugs.launchpad.net", "/security/...").
            Where.COMMENT: _Text(_URL.sub(" ", item.text)),
            Where.CODE: _Text(code_words(item.context, item.below)),
            Where.PATH: _Text(path_words(item.path)),
        }
        scored: list[tuple[float, int, int, Category, tuple[Evidence, ...]]] = []
        for order, category in enumerate(self.categories):
            evidence = tuple(_evidence(category, texts))
            score = sum(e.weight for e in evidence)
            scored.append((score, category.priority, -order, category, evidence))
        scored.sort(key=lambda s: (s[0], s[1], s[2]), reverse=True)
        eligible = [s for s in scored if s[0] >= self._needed(s[3])]
        if not eligible:
            top = (scored[0][3].name, scored[0][0]) if scored[0][0] > 0 else None
            return Verdict(self.fallback, 0.0, (), top, fallback=True)
        best_score, _, _, best, evidence = eligible[0]
        runner = next(((s[3].name, s[0]) for s in scored if s[3] is not best and s[0] > 0), None)
        return Verdict(best.name, best_score, evidence, runner)

    def _needed(self, category: Category) -> float:
        return self.min_score if category.min_score is None else category.min_score

    def category(self, text: str) -> str:
        """The category of a comment's text alone (no code, no path)."""
        return self.judge(TodoItem(path="", line=1, col=1, end_line=1, marker="TODO",
                                   text=text, language="python")).category

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
        category = self.judge(item).category
        return category, self.resolution(item, category)

    def apply(self, item: TodoItem) -> TodoItem:
        """``item`` with its category, the reason for it, and its resolution."""
        verdict = self.judge(item)
        return replace(item, category=verdict.category, category_reason=verdict.reason,
                       resolution=self.resolution(item, verdict.category))


class _Text:
    """One text an item is judged on, split into words once for every signal."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = [(m.start(), m.end(), m[0].lower()) for m in _WORD.finditer(text)]
        self.vocabulary = frozenset(word for _, _, word in self.words)


_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Matcher:
    """A signal's phrases, compiled: single words by set intersection (most of them), the
    rest (prefixes, several words, punctuation, ``re:``) by one regex."""

    words: frozenset[str]
    pattern: re.Pattern[str] | None

    def find(self, text: _Text) -> list[tuple[int, int, str]]:
        """Every match as (start, end, phrase found), in text order, longest first."""
        hits = self.words & text.vocabulary
        found = [(start, end, word) for start, end, word in text.words if word in hits] if hits else []
        if self.pattern is not None:
            found += [(m.start(), m.end(), re.sub(r"\s+", " ", m[0].lower()))
                      for m in self.pattern.finditer(text.text)]
        found.sort(key=lambda f: (f[0], -f[1]))
        return found


@functools.lru_cache(maxsize=256)
def _matcher(phrases: tuple[str, ...]) -> _Matcher:
    words, others = set(), []
    for phrase in phrases:
        if _WORD.fullmatch(phrase):
            words.add(phrase.lower())
        else:
            others.append(phrase)
    return _Matcher(frozenset(words), _phrase_pattern(tuple(others)))


def _evidence(category: Category, texts: dict[Where, _Text]) -> Iterable[Evidence]:
    # Strongest signals first; a weaker phrase inside a stronger one's match does not count
    # again ("key" in "signing key"), nor does a word inside a longer phrase of the same
    # signal ("injection" in "sql injection").
    taken: dict[Where, list[tuple[int, int]]] = {where: [] for where in Where}
    for signal in sorted(category.signals, key=lambda s: -s.weight):
        text = texts[signal.where]
        if not text.words:
            continue
        found: list[str] = []
        spans = taken[signal.where]
        for start, end, phrase in signal.matcher.find(text):
            if any(s < end and start < e for s, e in spans):
                continue
            spans.append((start, end))
            if phrase not in found:
                found.append(phrase)
            if len(found) == signal.limit:
                break
        for phrase in found:
            yield Evidence(category.name, signal.where, phrase, signal.weight)


def code_words(*names: str) -> str:
    """Identifiers and code as lower-case words: ``checkCSRF_token(x)`` -> ``check csrf token x``."""
    text = " ".join(names)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    return re.sub(r"[^A-Za-z0-9+]+", " ", text).strip().lower()


def path_words(path: str) -> str:
    """A path as words: ``app/auth/csrf_check.py`` -> ``app auth csrf check py``."""
    return code_words(path)


def _matches(pattern: re.Pattern[str] | None, text: str) -> bool:
    return pattern is not None and pattern.search(text) is not None


@functools.lru_cache(maxsize=256)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for the phrases: case-insensitive, on word boundaries, ``*`` ends a prefix,
    ``re:`` starts a regular expression."""
    if not phrases:
        return None
    alternatives = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        if phrase.startswith("re:"):
            alternatives.append(f"(?:{phrase[3:]})")
            continue
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


@dataclass
class _Draft:
    """A category while the rule files are read."""

    name: str
    label: str
    priority: int = 0
    signals: list[Signal] = field(default_factory=list)
    min_score: float | None = None
    plain_phrases: list[str] = field(default_factory=list)  # each enough on its own


def load_categorizer(
    extra_files: Sequence[Path] = (), limitation_phrases: Sequence[str] = ()
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
    return _load_categorizer(tuple(stamps), tuple(limitation_phrases))


@functools.lru_cache(maxsize=8)
def _load_categorizer(
    stamps: tuple[tuple[str, int, int], ...], limitation_phrases: tuple[str, ...]
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
    return categorizer_from_documents(documents, limitation_phrases)


def categorizer_from_documents(
    documents: Sequence[tuple[str, dict[str, Any]]], limitation_phrases: Sequence[str] = ()
) -> Categorizer:
    """A categorizer from parsed rule documents (``(source, TOML table)``), in order."""
    drafts: dict[str, _Draft] = {}
    settings: dict[str, Any] = {}
    resolution: dict[str, Any] = {}
    for source, document in documents:
        _check_keys(source, "", document, {"categories", "settings", "resolution", "rename", "drop"})
        # Renames first, so a file can rename a category and configure it under its new name.
        _apply_renames(source, document.get("rename", {}), drafts, settings, resolution)
        _apply_categories(source, document.get("categories", {}), drafts)
        for name in _strings(source, "drop", document.get("drop", [])):
            if name not in drafts:
                raise CategoryRulesError(f"{source}: drop: unknown category {name!r}")
            del drafts[name]
        settings.update(_table(source, "settings", document.get("settings", {})))
        resolution.update(_table(source, "resolution", document.get("resolution", {})))
    if not drafts:
        raise CategoryRulesError("no categories left: the rule files drop them all")
    fallback = settings.get("fallback", "")
    if fallback not in drafts:
        raise CategoryRulesError(
            f"settings.fallback: {fallback!r} is not a category (one of {', '.join(drafts)})")
    min_score = settings.get("min-score", 1)
    if not isinstance(min_score, (int, float)):
        raise CategoryRulesError("key 'settings.min-score' must be a number")
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
        categories.append(Category(d.name, d.label, d.priority, tuple(signals), d.min_score))
    return Categorizer(
        categories=tuple(categories),
        fallback=fallback,
        min_score=float(min_score),
        implement_categories=frozenset(implement),
        small_words=int(resolution.get("small-words", 0)),
        small_categories=frozenset(small),
        limitation_phrases=tuple(limitation_phrases),
    )


_CATEGORY_KEYS = {"priority", "label", "phrases", "signals", "min-score"}
_SIGNAL_KEYS = {"in", "weight", "phrases", "max"}
_DEFAULT_WEIGHT = 2.0  # of a signal that does not say


def _apply_categories(source: str, categories: Any, drafts: dict[str, _Draft]) -> None:
    for name, table in _table(source, "categories", categories).items():
        where = f"categories.{name}"
        table = _table(source, where, table)
        _check_keys(source, where + ".", table, _CATEGORY_KEYS)
        if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
            raise CategoryRulesError(
                f"{source}: [{where}]: a category name is lower-case letters, digits and '-'")
        draft = drafts.setdefault(name, _Draft(name, name))
        if "priority" in table:
            if not isinstance(table["priority"], int):
                raise CategoryRulesError(f"{source}: key '{where}.priority' must be an integer")
            draft.priority = table["priority"]
        if "min-score" in table:
            if not isinstance(table["min-score"], (int, float)) or isinstance(table["min-score"], bool):
                raise CategoryRulesError(f"{source}: key '{where}.min-score' must be a number")
            draft.min_score = float(table["min-score"])
        if "label" in table:
            if not isinstance(table["label"], str) or not table["label"].strip():
                raise CategoryRulesError(f"{source}: key '{where}.label' must be a non-empty string")
            draft.label = table["label"]
        draft.plain_phrases += _strings(source, f"{where}.phrases", table.get("phrases", []))
        signals = table.get("signals", [])
        if not isinstance(signals, list):
            raise CategoryRulesError(f"{source}: key '{where}.signals' must be an array of tables")
        for index, raw in enumerate(signals):
            draft.signals.append(_signal(source, f"{where}.signals[{index}]", raw))


def _signal(source: str, where: str, raw: Any) -> Signal:
    table = _table(source, where, raw)
    _check_keys(source, where + ".", table, _SIGNAL_KEYS)
    try:
        place = Where(table.get("in", "comment"))
    except ValueError:
        raise CategoryRulesError(
            f"{source}: key '{where}.in' must be one of {', '.join(w.value for w in Where)}"
        ) from None
    weight = table.get("weight", _DEFAULT_WEIGHT)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool):
        raise CategoryRulesError(f"{source}: key '{where}.weight' must be a number")
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
    return Signal(place, float(weight), tuple(phrases), limit)


def _apply_renames(source: str, renames: Any, drafts: dict[str, _Draft],
                   settings: dict[str, Any], resolution: dict[str, Any]) -> None:
    for old, new in _table(source, "rename", renames).items():
        if old not in drafts:
            raise CategoryRulesError(f"{source}: rename: unknown category {old!r}")
        if not isinstance(new, str) or not re.fullmatch(r"[a-z][a-z0-9-]*", new):
            raise CategoryRulesError(
                f"{source}: key 'rename.{old}' must be a category name (lower-case letters, "
                "digits and '-')")
        if new in drafts:
            raise CategoryRulesError(f"{source}: rename.{old}: {new!r} already exists")
        draft = drafts[old]
        renamed = _Draft(new, new if draft.label == old else draft.label, draft.priority,
                         draft.signals, draft.min_score, draft.plain_phrases)
        # Keep the order of the categories: the renamed one takes the old one's place.
        items = [(new, renamed) if name == old else (name, d) for name, d in drafts.items()]
        drafts.clear()
        drafts.update(items)
        if settings.get("fallback") == old:
            settings["fallback"] = new
        for key in ("implement", "small-categories"):
            if isinstance(resolution.get(key), list):
                resolution[key] = [new if n == old else n for n in resolution[key]]


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
