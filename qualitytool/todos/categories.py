"""Categories and suggested resolutions of TODO items, from rules kept as data.

The built-in rules are ``rules/todo_categories.toml`` (read by
:mod:`qualitytool.todos.category_rules`); ``[tool.qualitytool.todos] category-rules`` adds
files in the same format, which may add categories, rename or drop them, change their issue
labels, add signals and author tags.

The author's words come first: a tag the author wrote (``TODO(security)``, ``FIXME(perf)``,
``TODO [bug]``, ``TODO: refactor: ...``, ``#tech-debt``) that the rules map to a category
decides it.  Otherwise a category collects points from *signals*: phrases found in the
comment, in its code (the enclosing function or class and the statement below the comment,
the lines around it, the calls of the enclosing function, the file's imports) or in the
file's path, each with a weight.  The category with the most points wins (ties: the higher
priority) among those that reach their minimum score; when none does, the one with the most
points plus its prior.  How sure the categorizer is comes from the same points: a softmax of
each category's points plus its prior, divided by the rules' ``temperature``.  Below the
configured confidence the item is *uncertain*: it shows its two likeliest categories for a
person to decide.  Every decision keeps its evidence, so ``todos --explain`` can say why.
"""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from qualitytool.todos.model import NOT_FLAGGED, SecurityFlag, TodoItem

# How many distinct phrases of one signal count: two in the comment (one long comment should
# not outvote a short one by its length), one in the code, the path and the rest
# (``oauth/oauth1/`` is one piece of evidence, not two).  A signal's ``max`` overrides it.
_MAX_MATCHES = {"comment": 2}

_URL = re.compile(r"\b(?:https?://|www\.)\S+")


class CategoryRulesError(Exception):
    """A category rule file is unreadable or malformed; the message names the file."""


class Where(enum.Enum):
    """Which text of the item a signal reads."""

    COMMENT = "comment"  # the TODO's text
    CODE = "code"  # the enclosing function/class name and the statement below, as words
    AROUND = "around"  # the code lines right above and below the comment, as words
    CALLS = "calls"  # what the enclosing function calls, as words
    IMPORTS = "imports"  # what the file imports, as words
    PATH = "path"  # the file's path, as words
    MARKER = "marker"  # the marker itself (TODO, FIXME, XXX, HACK or a configured one)


@dataclass(frozen=True)
class Signal:
    """Phrases that add ``weight`` points to a category when found ``where``."""

    where: Where
    weight: float
    phrases: tuple[str, ...]
    max_matches: int | None = None  # distinct phrases that count (default: by ``where``)

    @property
    def limit(self) -> int:
        if self.max_matches is not None:
            return self.max_matches
        return _MAX_MATCHES.get(self.where.value, 1)

    @functools.cached_property
    def matcher(self) -> _Matcher:  # computed once per signal (frozen: kept in __dict__)
        return _matcher(self.phrases)


@dataclass(frozen=True)
class Category:
    name: str
    label: str  # the GitHub issue label
    priority: int  # breaks ties between equal scores
    signals: tuple[Signal, ...]
    min_score: float | None = None  # points it needs to be chosen (default: settings' min-score)
    prior: float = 0.0  # points it has before any evidence (for the likeliest and confidence)


@dataclass(frozen=True)
class Evidence:
    """One phrase that counted: in which category, where it was found, its points."""

    category: str
    where: Where
    phrase: str
    weight: float

    def describe(self) -> str:
        return f'{self.where.value} "{self.phrase}" {_signed(self.weight)}'


@dataclass(frozen=True)
class Verdict:
    """A category with its score, the evidence behind it, and how sure it is."""

    category: str
    score: float
    evidence: tuple[Evidence, ...]  # for the chosen category
    runner_up: tuple[str, float] | None = None
    fallback: bool = False  # no category reached its minimum score
    confidence: float = 1.0  # the chosen category's share of the softmax
    # The categories in order of likelihood, with their shares (the chosen one first).
    likeliest: tuple[tuple[str, float], ...] = ()
    tag: str | None = None  # the author's tag that decided the category

    @property
    def reason(self) -> str:
        """One line: why this category (``security 5: comment "csrf" +4, path "auth" +1``)."""
        if self.tag is not None:
            return f'{self.category}: the author\'s tag "{self.tag}"'
        if self.fallback:
            head = f"{self.category}: no category reached its minimum score"
            if self.runner_up:
                head += f"; best {self.runner_up[0]} {_num(self.runner_up[1])}"
            return head
        parts = ", ".join(e.describe() for e in self.evidence)
        text = f"{self.category} {_num(self.score)}: {parts}"
        if self.runner_up:
            text += f"; next {self.runner_up[0]} {_num(self.runner_up[1])}"
        return text


def _num(value: float) -> str:
    return f"{value:g}"


def _signed(value: float) -> str:
    return f"+{value:g}" if value >= 0 else f"{value:g}"


@dataclass(frozen=True)
class SecurityFlagRules:
    """The "may be security" flag: its signals (read like a category's), the category it
    stands beside (always flagged), and the points an item needs."""

    category: str | None  # the security category's current name (renames follow it)
    signals: tuple[Signal, ...]
    threshold: float
    # What each point counts for the flag, by where it was found (1 where not listed).
    scale: tuple[tuple[Where, float], ...] = ()

    def scaled(self, evidence: Evidence) -> Evidence:
        factor = dict(self.scale).get(evidence.where, 1.0)
        return evidence if factor == 1 else replace(evidence, weight=evidence.weight * factor)


@dataclass(frozen=True)
class Categorizer:
    """Assigns each item a category, a confidence, a "may be security" flag and a
    resolution."""

    categories: tuple[Category, ...]  # display order
    fallback: str  # the likeliest when no category has points and the priors tie
    min_score: float
    implement_categories: frozenset[str]
    small_words: int
    small_categories: frozenset[str]
    limitation_phrases: tuple[str, ...]
    tags: Mapping[str, str] = field(default_factory=dict)  # the author's tag -> category
    temperature: float = 1.0
    uncertain_below: float = 0.0  # a confidence below this makes the item uncertain
    security_flag: SecurityFlagRules | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    @property
    def labels(self) -> dict[str, str]:
        """Category name -> GitHub issue label."""
        return {c.name: c.label for c in self.categories}

    @property
    def tag_words(self) -> tuple[str, ...]:
        """The tags the scanner reads as the author's labels (``TODO(perf)``)."""
        return tuple(self.tags)

    def compile(self) -> None:
        """Compile every signal's phrases now (they are compiled when first read): worker
        processes forked after this inherit them compiled."""
        flag_signals = self.security_flag.signals if self.security_flag else ()
        for signal in (*(s for c in self.categories for s in c.signals), *flag_signals):
            _ = signal.matcher
        _ = self._limitation

    def judge(self, item: TodoItem, texts: ItemTexts | None = None) -> Verdict:
        """The category of ``item``, with the evidence for it and how sure it is."""
        texts = ItemTexts(item) if texts is None else texts
        scored: list[tuple[float, int, int, Category, tuple[Evidence, ...]]] = []
        for order, category in enumerate(self.categories):
            evidence = tuple(evidence_of(category.name, category.signals, texts))
            score = sum(e.weight for e in evidence)
            scored.append((score, category.priority, -order, category, evidence))
        shares = self._shares([(s[3], s[0]) for s in scored])
        tag = self._author_tag(item)
        if tag is not None:
            name = self.tags[tag]
            return Verdict(name, 0.0, (), None, confidence=1.0,
                           likeliest=((name, 1.0), *((n, p) for n, p in shares if n != name)),
                           tag=tag)
        scored.sort(key=lambda s: (s[0], s[1], s[2]), reverse=True)
        eligible = [s for s in scored if s[0] >= self._needed(s[3])]
        if eligible:
            best_score, _, _, best, evidence = eligible[0]
            runner = next(((s[3].name, s[0]) for s in scored if s[3] is not best and s[0] > 0),
                          None)
            fallback = False
        else:
            # Nothing decisive: the likeliest by points and priors (not a fixed category).
            best = self._likeliest_without_evidence(scored)
            best_score, evidence, fallback = 0.0, (), True
            runner = (scored[0][3].name, scored[0][0]) if scored[0][0] > 0 else None
        share = dict(shares)[best.name]
        ordered = ((best.name, share), *((n, p) for n, p in shares if n != best.name))
        return Verdict(best.name, best_score, evidence, runner, fallback, share, ordered)

    def _likeliest_without_evidence(
        self, scored: list[tuple[float, int, int, Category, tuple[Evidence, ...]]]
    ) -> Category:
        def points(entry: tuple[float, int, int, Category, tuple[Evidence, ...]]) -> tuple[
                float, bool, int]:
            score, priority, _, category, _ = entry
            # A category that needs more than the settings' minimum (security) is never
            # guessed: its partial points are what the flag is for.
            guessable = self._needed(category) <= self.min_score
            return (score + category.prior if guessable else -math.inf,
                    category.name == self.fallback, priority)

        return max(scored, key=points)[3]

    def _shares(self, scores: list[tuple[Category, float]]) -> list[tuple[str, float]]:
        """Each category's softmax share of points plus prior, most likely first."""
        values = [(c.name, (s + c.prior) / self.temperature) for c, s in scores]
        top = max(v for _, v in values)
        weights = [(name, math.exp(v - top)) for name, v in values]
        total = sum(w for _, w in weights)
        return sorted(((name, w / total) for name, w in weights), key=lambda nw: -nw[1])

    def _author_tag(self, item: TodoItem) -> str | None:
        """The author's tag that decides the category: the marker itself when it is a tag
        (a configured ``SECURITY`` marker), else the tags of the comment, the security
        category's first (the costliest to miss), then in the order written."""
        candidates = [item.marker.lower(), *item.tags]
        found = [t for t in candidates if t in self.tags and self.tags[t] in self.names]
        if not found:
            return None
        security = self.security_flag.category if self.security_flag else None
        return next((t for t in found if self.tags[t] == security), found[0])

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

    def flag(self, item: TodoItem, verdict: Verdict,
             texts: ItemTexts | None = None) -> SecurityFlag:
        """Whether ``item`` may be about security, with the evidence: always when its
        category is the security category; else when the security category's signals and
        the flag's own (security words anywhere near the comment) reach the threshold."""
        rules = self.security_flag
        if rules is None:
            return NOT_FLAGGED
        if rules.category is not None and verdict.category == rules.category:
            if verdict.tag is not None:
                return SecurityFlag(True, 0.0, (f'the author\'s tag "{verdict.tag}"',), True)
            return SecurityFlag(True, verdict.score, tuple(e.describe() for e in verdict.evidence),
                                True)
        signals = [*self._flag_category_signals, *rules.signals]
        texts = ItemTexts(item) if texts is None else texts
        evidence = [rules.scaled(e) for e in evidence_of("security-flag", signals, texts)]
        evidence = [e for e in evidence if e.weight]
        score = sum(e.weight for e in evidence)
        return SecurityFlag(score >= rules.threshold, score,
                            tuple(e.describe() for e in evidence if e.weight > 0)
                            + tuple(e.describe() for e in evidence if e.weight <= 0))

    @property
    def _flag_category_signals(self) -> tuple[Signal, ...]:
        rules = self.security_flag
        category = next((c for c in self.categories if rules and c.name == rules.category), None)
        return category.signals if category is not None else ()

    def apply(self, item: TodoItem) -> TodoItem:
        """``item`` with its category, the reason for it, its confidence, the security flag
        and its resolution."""
        texts = ItemTexts(item)
        verdict = self.judge(item, texts)
        flag = self.flag(item, verdict, texts)
        return replace(
            item, category=verdict.category, category_reason=verdict.reason,
            resolution=self.resolution(item, verdict.category),
            confidence=round(verdict.confidence, 4),
            uncertain=verdict.confidence < self.uncertain_below,
            likeliest=tuple(name for name, _ in verdict.likeliest[:2]),
            security=flag,
        )


class ItemTexts:
    """The texts of one item the signals read, each split into words once, when first read."""

    def __init__(self, item: TodoItem) -> None:
        self._item = item
        self._texts: dict[Where, _Text] = {}

    def __getitem__(self, where: Where) -> _Text:
        text = self._texts.get(where)
        if text is None:
            text = self._texts[where] = _Text(self._raw(where))
        return text

    def _raw(self, where: Where) -> str:
        item, code = self._item, self._item.code
        if where is Where.COMMENT:
            # A URL's words are not the comment's ("bugs.launchpad.net", "/security/...").
            return _URL.sub(" ", item.text)
        if where is Where.CODE:
            return code_words(item.context, item.below)
        if where is Where.AROUND:
            return code_words(*code.before, *code.after)
        if where is Where.CALLS:
            return code_words(*code.calls)
        if where is Where.IMPORTS:
            return code_words(*code.imports)
        if where is Where.PATH:
            return path_words(item.path)
        return item.marker


class _Text:
    """One text an item is judged on, split into words once for every signal."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = text.lower()
        self.at: dict[str, list[tuple[int, int]]] = {}  # word -> where it occurs
        for match in _WORD.finditer(text):
            self.at.setdefault(match[0].lower(), []).append(match.span())
        self.vocabulary = self.at.keys()

    @property
    def words(self) -> bool:
        return bool(self.at)


_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Matcher:
    """A signal's phrases, compiled: single words by set intersection (most of them), the
    rest (prefixes, several words, punctuation, ``re:``) by one regex."""

    words: frozenset[str]
    pattern: re.Pattern[str] | None
    # Lower-case text every match of ``pattern`` contains (its phrases' first words); None
    # when a ``re:`` phrase may match anything: the regex only runs where one is present.
    literals: tuple[str, ...] | None = None

    def find(self, text: _Text) -> list[tuple[int, int, str]]:
        """Every match as (start, end, phrase found), in text order, longest first."""
        hits = self.words & text.vocabulary
        found = [(start, end, word) for word in hits for start, end in text.at[word]]
        if self.pattern is not None and (
                self.literals is None or any(part in text.lower for part in self.literals)):
            found += [(m.start(), m.end(), re.sub(r"\s+", " ", m[0].lower()))
                      for m in self.pattern.finditer(text.text)]
        found.sort(key=lambda f: (f[0], -f[1]))
        return found


@functools.lru_cache(maxsize=512)
def _matcher(phrases: tuple[str, ...]) -> _Matcher:
    words, others = set(), []
    for phrase in phrases:
        if _WORD.fullmatch(phrase):
            words.add(phrase.lower())
        else:
            others.append(phrase)
    literals = None if any(p.startswith("re:") for p in others) else tuple(
        {p.lower().rstrip("*").split()[0] for p in others if p.strip("*").strip()})
    return _Matcher(frozenset(words), _phrase_pattern(tuple(others)), literals)


def evidence_of(name: str, signals: Iterable[Signal], texts: ItemTexts) -> Iterable[Evidence]:
    """The phrases of ``signals`` found in ``texts``, as evidence for ``name``."""
    # Strongest signals first; a weaker phrase inside a stronger one's match does not count
    # again ("key" in "signing key"), nor does a word inside a longer phrase of the same
    # signal ("injection" in "sql injection").
    taken: dict[Where, list[tuple[int, int]]] = {where: [] for where in Where}
    for signal in sorted(signals, key=lambda s: -s.weight):
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
            yield Evidence(name, signal.where, phrase, signal.weight)


def code_words(*names: str) -> str:
    """Identifiers and code as lower-case words: ``checkCSRF_token(x)`` ->
    ``check csrf token x``."""
    text = " ".join(names)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    return re.sub(r"[^A-Za-z0-9+]+", " ", text).strip().lower()


def path_words(path: str) -> str:
    """A path as words: ``app/auth/csrf_check.py`` -> ``app auth csrf check py``."""
    return code_words(path)


def _matches(pattern: re.Pattern[str] | None, text: str) -> bool:
    return pattern is not None and pattern.search(text) is not None


@functools.lru_cache(maxsize=512)
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
