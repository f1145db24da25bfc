"""TODO categories measured on real, hand-labelled comments:
``python benchmarks/run.py todo-categories``.

The corpus (``todo_corpus/todos.jsonl``) holds TODO/FIXME/XXX/HACK comments of 79 PyPI sdists
(``todo_corpus/extract.py`` says how they were chosen), each labelled by reading it and its
code.  A third is held back: the rules in ``rules/todo_categories.toml`` are never tuned on
it.  For both splits it prints accuracy, per-category precision and recall, the confusion
matrix, the "may be security" flag's recall, precision and share of items flagged, and the
accuracy of the most confident half, then the targets (issue 27) met or not on each split.
Needs no download: the comments and their code context are in the corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qualitytool.todos.category_rules import load_categorizer
from qualitytool.todos.evaluate import (
    Scores,
    Split,
    evaluate,
    load_corpus,
    of_split,
    percent,
    render_scores,
)

CORPUS = Path(__file__).resolve().parent / "todo_corpus" / "todos.jsonl"


@dataclass(frozen=True)
class Target:
    """One figure the categorizer must reach on the held-back split."""

    name: str
    measure: Callable[[Scores], float | None]
    minimum: float | None = None
    maximum: float | None = None

    def value(self, scores: Scores) -> float:
        measured = self.measure(scores)
        return 0.0 if measured is None else measured

    def met(self, scores: Scores) -> bool:
        value = self.value(scores)
        return (self.minimum is None or value >= self.minimum) and (
            self.maximum is None or value <= self.maximum)

    def describe(self, scores: Scores) -> str:
        bound = f">= {self.minimum:.0%}" if self.minimum is not None else f"<= {self.maximum:.0%}"
        verdict = "met" if self.met(scores) else "NOT met"
        return f"{self.name} {percent(self.measure(scores))} ({bound}): {verdict}"


TARGETS = (
    Target("security flag recall", lambda s: s.flag_recall, minimum=0.95),
    Target("security flag precision", lambda s: s.flag_precision, minimum=0.35),
    Target("items flagged", lambda s: s.flag_rate, maximum=0.30),
    Target("security category precision", lambda s: s.precision(s.security), minimum=0.70),
    Target("security category recall", lambda s: s.recall(s.security), minimum=0.50),
    Target("most confident half right", lambda s: s.confident_accuracy(0.5), minimum=0.80),
    Target("accuracy", lambda s: s.accuracy, minimum=0.65),
)


def run(repeat: int) -> dict[str, Scores]:
    del repeat  # nothing is timed
    records = load_corpus(CORPUS)
    projects = Counter(r.project for r in records)
    print(f"TODO categories: {len(records)} labelled comments from {len(projects)} projects")
    categorizer = load_categorizer()  # the configuration's default thresholds
    results = {}
    for split in (Split.TUNING, Split.HELD_BACK):
        scores = evaluate(categorizer, of_split(records, split))
        results[split.value] = scores
        print()
        print(render_scores(scores, f"{split.value} split"))
    for split, scores in results.items():
        print()
        print(f"targets on the {split} split (issue 27; they count on the held-back split):")
        for target in TARGETS:
            print(f"  {target.describe(scores)}")
    return results
