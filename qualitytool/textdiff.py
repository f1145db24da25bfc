"""Unified diffs that stay fast on long files that repeat the same lines thousands of times.

``difflib.unified_diff`` is quadratic in the number of changes when lines repeat (one
``except Exception:`` per handler): each change costs a scan of the whole file.  Here the lines
that occur exactly once on both sides anchor the alignment first (as in patience diff), and
difflib only aligns the short stretches between anchors.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Sequence

_Block = tuple[int, int, int]  # (start in a, start in b, length)


def unified_diff(a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str,
                 context: int = 3) -> str:
    """``a`` -> ``b`` (lines with their endings) as a unified diff, ``""`` when equal."""
    out: list[str] = []
    for group in _AnchoredMatcher(a, b).get_grouped_opcodes(context):
        if not out:
            out += [f"--- {fromfile}\n", f"+++ {tofile}\n"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    return "".join(out)


def _range(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


class _AnchoredMatcher(difflib.SequenceMatcher[str]):
    def __init__(self, a: Sequence[str], b: Sequence[str]) -> None:
        super().__init__(None, a, b, autojunk=False)
        self._lines = (a, b)
        self._blocks: list[difflib.Match] | None = None

    def get_matching_blocks(self) -> list[difflib.Match]:
        if self._blocks is not None:
            return self._blocks
        a, b = self._lines
        blocks: list[_Block] = []
        _match(a, b, 0, len(a), 0, len(b), blocks)
        merged: list[_Block] = []
        for i, j, size in blocks:
            if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
                merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + size)
            elif size:
                merged.append((i, j, size))
        merged.append((len(a), len(b), 0))
        self._blocks = [difflib.Match(*block) for block in merged]
        return self._blocks


# Stretches between anchors are anchored again by their own unique lines, this many times
# (bounded: a hostile file must not exhaust the stack).
_MAX_DEPTH = 8


def _match(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int,
           blocks: list[_Block], depth: int = 0) -> None:
    """Append the matching blocks of ``a[alo:ahi]`` and ``b[blo:bhi]``, in order."""
    anchors = _unique_anchors(a, b, alo, ahi, blo, bhi) if depth < _MAX_DEPTH else []
    if not anchors:
        matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
        blocks.extend((alo + i, blo + j, n) for i, j, n in matcher.get_matching_blocks() if n)
        return
    for i, j in anchors:
        _match(a, b, alo, i, blo, j, blocks, depth + 1)
        blocks.append((i, j, 1))
        alo, blo = i + 1, j + 1
    _match(a, b, alo, ahi, blo, bhi, blocks, depth + 1)


def _unique_anchors(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int,
                    bhi: int) -> list[tuple[int, int]]:
    """Lines unique on both sides, in the longest order-preserving run (patience sorting)."""
    if alo == ahi or blo == bhi:
        return []
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    where_b = {line: j for j, line in enumerate(b[blo:bhi], blo) if count_b[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a[alo:ahi], alo)
             if count_a[line] == 1 and line in where_b]
    if not pairs:
        return []
    # Longest increasing subsequence of the b positions.
    tails: list[int] = []  # b position ending the best run of each length
    tail_index: list[int] = []
    previous: list[int] = []
    for index, (_, j) in enumerate(pairs):
        at = bisect.bisect_left(tails, j)
        if at == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[at] = j
            tail_index[at] = index
        previous.append(tail_index[at - 1] if at else -1)
    run: list[tuple[int, int]] = []
    index = tail_index[-1]
    while index >= 0:
        run.append(pairs[index])
        index = previous[index]
    run.reverse()
    return run
