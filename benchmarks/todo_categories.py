"""TODO categories measured on real, hand-labelled comments:
``python benchmarks/run.py todo-categories``.

The corpus (``todo_corpus/todos.jsonl``) holds TODO/FIXME/XXX/HACK comments of 49 PyPI sdists
(``todo_corpus/extract.py`` says how they were chosen), each labelled by reading it and its
code.  A third is held back: the rules in ``rules/todo_categories.toml`` are never tuned on
it.  Targets on the held-back split: accuracy >= 85%, security recall >= 95%, security
precision >= 80%.  Needs no download: the comments and their code context are in the corpus.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from qualitytool.todos.categories import load_categorizer
from qualitytool.todos.evaluate import Scores, Split, evaluate, load_corpus, of_split, render_scores

CORPUS = Path(__file__).resolve().parent / "todo_corpus" / "todos.jsonl"


def run(repeat: int) -> dict[str, Scores]:
    del repeat  # nothing is timed
    records = load_corpus(CORPUS)
    projects = Counter(r.project for r in records)
    print(f"TODO categories: {len(records)} labelled comments from {len(projects)} projects")
    categorizer = load_categorizer()
    results = {}
    for split in (Split.TUNING, Split.HELD_BACK):
        scores = evaluate(categorizer, of_split(records, split))
        results[split.value] = scores
        print()
        print(render_scores(scores, f"{split.value} split"))
    held = results[Split.HELD_BACK.value]
    print()
    print(f"held-back targets: accuracy {100 * held.accuracy:.1f}% (>= 85%), security recall "
          f"{_percent(held.recall('security'))} (>= 95%), security precision "
          f"{_percent(held.precision('security'))} (>= 80%)")
    return results


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
