"""Measure a categorizer on hand-labelled TODO comments: accuracy, per-category precision and
recall, a confusion matrix.

The corpus is JSON Lines, one comment a line, with at least ``path``, ``text``, ``category``
and ``resolution``; ``context`` (enclosing function or class), ``below`` (the statement below
the comment), ``project``, ``line`` and ``split`` are optional.  The project's own corpus is
``benchmarks/todo_corpus/todos.jsonl``; a team can label its own comments the same way and
measure its ``category-rules`` with :func:`evaluate`.
"""

from __future__ import annotations

import enum
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualitytool.todos.categories import Categorizer
from qualitytool.todos.model import TodoItem


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

    def item(self) -> TodoItem:
        return TodoItem(path=self.path, line=self.line, col=1, end_line=self.line,
                        marker=self.marker, text=self.text, language="python",
                        context=self.context, below=self.below)


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
            ))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}:{number}: not a labelled TODO: {exc}") from None
    return records


@dataclass(frozen=True)
class Scores:
    """How a categorizer's answers compare with the labels."""

    categories: tuple[str, ...]
    confusion: dict[tuple[str, str], int]  # (labelled, predicted) -> count
    resolution_hits: int
    total: int

    @property
    def accuracy(self) -> float:
        return sum(n for (truth, guess), n in self.confusion.items() if truth == guess) / self.total

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


def evaluate(categorizer: Categorizer, records: Iterable[LabelledTodo]) -> Scores:
    """Run ``categorizer`` on every record and compare with the labels."""
    confusion: Counter[tuple[str, str]] = Counter()
    resolution_hits = total = 0
    for record in records:
        item = categorizer.apply(record.item())
        confusion[(record.category, item.category)] += 1
        resolution_hits += item.resolution == record.resolution
        total += 1
    if not total:
        raise ValueError("no labelled comments to evaluate")
    names = list(categorizer.names)
    names += sorted({c for pair in confusion for c in pair} - set(names))
    return Scores(tuple(names), dict(confusion), resolution_hits, total)


def render_scores(scores: Scores, title: str) -> str:
    """Accuracy, per-category precision/recall and the confusion matrix as plain text."""

    def percent(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.1f}%"

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
    return "\n".join(lines)


def of_split(records: Sequence[LabelledTodo], split: Split) -> list[LabelledTodo]:
    return [r for r in records if r.split is split]
