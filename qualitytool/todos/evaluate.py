"""Measure a categorizer on hand-labelled TODO comments: accuracy, per-category precision and
recall, a confusion matrix, the "may be security" flag, and how right its most confident
answers are.

The corpus is JSON Lines, one comment a line, with at least ``path``, ``text``, ``category``
and ``resolution``; ``context`` (enclosing function or class), ``below`` (the statement below
the comment), ``code`` (the lines around it, the enclosing function's calls, the file's
imports: :class:`~qualitytool.todos.model.CodeContext`), ``tags`` (the author's tags),
``marker``, ``project``, ``line`` and ``split`` are optional.  The project's own corpus is
``benchmarks/todo_corpus/todos.jsonl``; a team can label its own comments the same way and
measure its ``category-rules`` with :func:`evaluate`.
"""

from __future__ import annotations

import enum
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualitytool.todos.categories import Categorizer
from qualitytool.todos.model import EMPTY_CONTEXT, CodeContext, TodoItem


class Split(enum.Enum):
    TUNING = "tuning"  # the rules may be tuned on these
    HELD_BACK = "held-back"  # never looked at while tuning


@dataclass(frozen=True)
class LabelledTodo:
    """One real TODO comment with the category and resolution a person gave it."""

    project: str
    path: str
    line: int
    text: str
    context: str
    below: str
    category: str
    resolution: str
    split: Split
    marker: str = "TODO"
    code: CodeContext = EMPTY_CONTEXT
    tags: tuple[str, ...] = ()
    language: str = "python"

    def item(self) -> TodoItem:
        return TodoItem(path=self.path, line=self.line, col=1, end_line=self.line,
                        marker=self.marker, text=self.text, language=self.language,
                        context=self.context, below=self.below, code=self.code, tags=self.tags)


def load_corpus(path: Path) -> list[LabelledTodo]:
    """The labelled comments of a JSON Lines file."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        raw = json.loads(line)
        try:
            records.append(LabelledTodo(
                project=raw.get("project", ""), path=raw["path"], line=int(raw.get("line", 1)),
                text=raw["text"], context=raw.get("context", ""), below=raw.get("below", ""),
                category=raw["category"], resolution=raw["resolution"],
                split=Split(raw.get("split", "tuning")), marker=raw.get("marker", "TODO"),
                code=CodeContext.from_dict(raw.get("code")),
                tags=tuple(t for t in raw.get("tags", []) if isinstance(t, str)),
                language=raw.get("language", "python"),
            ))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}:{number}: not a labelled TODO: {exc}") from None
    return records


@dataclass(frozen=True)
class Judged:
    """One labelled comment and what the categorizer said of it."""

    truth: str  # the label
    given: str  # the category given
    confidence: float
    uncertain: bool
    likeliest: tuple[str, ...]  # the two likeliest categories
    flagged: bool  # "may be security"
    resolution_hit: bool


@dataclass(frozen=True)
class Scores:
    """How a categorizer's answers compare with the labels."""

    categories: tuple[str, ...]
    judged: tuple[Judged, ...]
    security: str = "security"  # the category the flag stands beside
    confusion: dict[tuple[str, str], int] = field(init=False)  # (labelled, given) -> count

    def __post_init__(self) -> None:
        object.__setattr__(self, "confusion", dict(Counter((j.truth, j.given)
                                                            for j in self.judged)))

    @property
    def total(self) -> int:
        return len(self.judged)

    @property
    def resolution_hits(self) -> int:
        return sum(j.resolution_hit for j in self.judged)

    @property
    def accuracy(self) -> float:
        return sum(j.truth == j.given for j in self.judged) / self.total

    @property
    def resolution_accuracy(self) -> float:
        return self.resolution_hits / self.total

    def support(self, category: str) -> int:
        return sum(n for (truth, _), n in self.confusion.items() if truth == category)

    def predicted(self, category: str) -> int:
        return sum(n for (_, guess), n in self.confusion.items() if guess == category)

    def precision(self, category: str) -> float | None:
        """Of the items given ``category``, the share labelled so; None if none was given it."""
        predicted = self.predicted(category)
        return self.confusion.get((category, category), 0) / predicted if predicted else None

    def recall(self, category: str) -> float | None:
        """Of the items labelled ``category``, the share given it; None if none is labelled so."""
        support = self.support(category)
        return self.confusion.get((category, category), 0) / support if support else None

    @property
    def flagged(self) -> int:
        return sum(j.flagged for j in self.judged)

    @property
    def flag_hits(self) -> int:
        """Security items the flag found."""
        return sum(j.flagged and j.truth == self.security for j in self.judged)

    @property
    def flag_recall(self) -> float | None:
        support = self.support(self.security)
        return self.flag_hits / support if support else None

    @property
    def flag_precision(self) -> float | None:
        return self.flag_hits / self.flagged if self.flagged else None

    @property
    def flag_rate(self) -> float:
        return self.flagged / self.total

    def confident_accuracy(self, share: float = 0.5) -> float:
        """The accuracy of the most confident ``share`` of the items.  Items tied in
        confidence at the cut count by their mean accuracy (no order among equals)."""
        slots = share * self.total
        ranked = sorted(self.judged, key=lambda j: -j.confidence)
        right = taken = 0.0
        index = 0
        while index < len(ranked) and taken < slots:
            tied = [j for j in ranked[index:] if j.confidence == ranked[index].confidence]
            room = min(len(tied), slots - taken)
            right += room * sum(j.truth == j.given for j in tied) / len(tied)
            taken += room
            index += len(tied)
        return right / taken if taken else 0.0

    @property
    def uncertain(self) -> int:
        return sum(j.uncertain for j in self.judged)

    @property
    def uncertain_in_two(self) -> int:
        """Uncertain items whose label is one of the two likeliest categories shown."""
        return sum(j.uncertain and j.truth in j.likeliest for j in self.judged)

    @property
    def certain_accuracy(self) -> float | None:
        certain = [j for j in self.judged if not j.uncertain]
        return sum(j.truth == j.given for j in certain) / len(certain) if certain else None


def evaluate(categorizer: Categorizer, records: Iterable[LabelledTodo]) -> Scores:
    """Run ``categorizer`` on every record and compare with the labels."""
    judged = []
    for record in records:
        item = categorizer.apply(record.item())
        judged.append(Judged(record.category, item.category, item.confidence, item.uncertain,
                             item.likeliest, item.security.flagged,
                             item.resolution == record.resolution))
    if not judged:
        raise ValueError("no labelled comments to evaluate")
    names = list(categorizer.names)
    names += sorted({c for j in judged for c in (j.truth, j.given)} - set(names))
    flag = categorizer.security_flag
    security = flag.category if flag is not None and flag.category else "security"
    return Scores(tuple(names), tuple(judged), security)


def render_scores(scores: Scores, title: str) -> str:
    """Accuracy, per-category precision/recall, the confusion matrix, the security flag and
    the confidence figures as plain text."""
    head = (f"{title}: {scores.total} comments, accuracy {percent(scores.accuracy)}, "
            f"resolution accuracy {percent(scores.resolution_accuracy)}")
    lines = [head, ""]
    lines.append(f"{'category':<15}{'labelled':>9}{'given':>7}{'precision':>11}{'recall':>9}")
    for name in scores.categories:
        lines.append(f"{name:<15}{scores.support(name):>9}{scores.predicted(name):>7}"
                     f"{percent(scores.precision(name)):>11}{percent(scores.recall(name)):>9}")
    lines += ["", "confusion (rows: labelled, columns: given)"]
    short = [name[:6] for name in scores.categories]
    lines.append(f"{'':<15}" + "".join(f"{s:>8}" for s in short))
    for truth in scores.categories:
        row = "".join(f"{scores.confusion.get((truth, guess), 0):>8}"
                      for guess in scores.categories)
        lines.append(f"{truth:<15}{row}")
    support = scores.support(scores.security)
    flag = (f"may-be-security flag: {scores.flag_hits} of {support} {scores.security} items "
            f"found (recall {percent(scores.flag_recall)}), precision "
            f"{percent(scores.flag_precision)}, {scores.flagged} of {scores.total} items flagged "
            f"({percent(scores.flag_rate)})")
    confidence = (f"confidence: the most confident half {percent(scores.confident_accuracy(0.5))} "
                  f"right; {scores.uncertain} uncertain (the label among the two shown for "
                  f"{scores.uncertain_in_two}), "
                  f"the others {percent(scores.certain_accuracy)} right")
    lines += ["", flag, confidence]
    return "\n".join(lines)


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def of_split(records: Sequence[LabelledTodo], split: Split) -> list[LabelledTodo]:
    return [r for r in records if r.split is split]
