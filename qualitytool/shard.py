"""``--shard I/N``: one deterministic, size-balanced share of the discovered files.

A CI job matrix is the distributed engine users already own: job ``I`` of ``N`` analyses
``Shard(I, N).select(files, root)`` and a last job merges what the shards wrote.  The
partition is the same on every machine: files are named by their path relative to the project
root (POSIX separators), measured with ``stat`` only (never read), and dealt out greedily,
largest first (ties broken by path), each to the lightest shard so far (ties: the lowest
index).  Every file lands in exactly one shard.
"""

from __future__ import annotations

import heapq
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_SPEC = re.compile(r"^\s*(\d{1,9})\s*/\s*(\d{1,9})\s*$")
# More jobs than any CI matrix runs (GitHub's allows 256): a bound on what a merge loops over.
MAX_SHARDS = 1024


class ShardError(ValueError):
    """A ``--shard`` value that is not ``I/N`` with ``1 <= I <= N``."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 1 <= self.index <= self.count:
            raise ShardError(f"shard {self.index}/{self.count}: need 1 <= I <= N")
        if self.count > MAX_SHARDS:
            raise ShardError(f"shard {self.index}/{self.count}: at most {MAX_SHARDS} shards")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` -> ``Shard(2, 4)``."""
        match = _SPEC.match(text)
        if match is None:
            raise ShardError(f"--shard {text!r}: expected I/N, for example 1/4")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, files: Sequence[Path], root: Path) -> list[Path]:
        """The files of this shard, in the order ``files`` had them."""
        if self.count == 1:
            return list(files)
        mine = set(partition(files, self.count, root)[self.index - 1])
        return [path for path in files if path in mine]


def shard_key(path: Path, root: Path) -> str:
    """How a file is named for the partition: relative to ``root``, POSIX separators."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def partition(files: Sequence[Path], count: int, root: Path) -> list[list[Path]]:
    """``files`` in ``count`` shards balanced by size; each shard sorted by its key."""
    sized = []
    for path in files:
        try:
            size = os.stat(path).st_size
        except OSError:
            size = 0  # unreadable: the analysis reports it; any shard will do
        sized.append((size, shard_key(path, root), path))
    # Largest first, then by key: the same order on every machine.
    sized.sort(key=lambda item: (-item[0], item[1]))
    shards: list[list[tuple[str, Path]]] = [[] for _ in range(count)]
    lightest = [(0, index) for index in range(count)]  # (bytes so far, shard index)
    for size, key, path in sized:
        load, index = heapq.heappop(lightest)
        shards[index].append((key, path))
        heapq.heappush(lightest, (load + size, index))
    return [[path for _, path in sorted(shard)] for shard in shards]
