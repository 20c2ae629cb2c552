"""Globally optimal full-domain generalisation with a suppression limit (best-first search over the lattice).

Each quasi-identifier is encoded once as integer codes with a lookup array per hierarchy level; the table is
compressed to its distinct rows with a weight each. A lattice node (one level per column) is then evaluated by
combining lookup arrays into one class id per distinct row and counting with ``np.bincount``: milliseconds.

The search visits nodes in order of a lower bound of their information loss (the loss without suppression, which
only grows with generalisation) and stops as soon as that bound reaches the best loss found: the result is optimal
for the loss measure, suppression included, without visiting the whole lattice or holding it in memory.
"""

from __future__ import annotations

import heapq
import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.anonymise.hierarchy import EncodedColumn
from workbench.anonymise.models import ClassChecker
from workbench.risk import combine_codes

__all__ = ["Compressed", "Lattice", "SearchOutcome", "compress", "optimal_search"]


@dataclass(frozen=True)
class Compressed:
    """The distinct rows of (quasi-identifier codes, sensitive codes), with the records each stands for."""

    row_of: np.ndarray  # (n,) distinct row of each record
    base: list[np.ndarray]  # per quasi-identifier: (R,) original-value code
    sensitive: list[np.ndarray]  # per sensitive column: (R,) code
    weights: np.ndarray  # (R,) records per distinct row


def compress(columns: list[EncodedColumn], sensitive_codes: list[np.ndarray], sensitive_cards: list[int]) -> Compressed:
    """Compress the table to its distinct (quasi-identifier, sensitive) rows."""
    codes = [c.codes for c in columns] + list(sensitive_codes)
    cards = [len(c.uniques) for c in columns] + list(sensitive_cards)
    key, _ = combine_codes(codes, cards)
    row_of, uniques = pd.factorize(key)
    row_of = row_of.astype(np.int64)
    first = np.full(len(uniques), -1, dtype=np.int64)
    first[row_of[::-1]] = np.arange(len(row_of))[::-1]
    return Compressed(
        row_of=row_of,
        base=[c.codes[first] for c in columns],
        sensitive=[s[first] for s in sensitive_codes],
        weights=np.bincount(row_of, minlength=len(uniques)).astype(np.float64),
    )


@dataclass(frozen=True)
class SearchOutcome:
    """The chosen node, which distinct rows it suppresses, and how the search went."""

    levels: tuple[int, ...] | None
    suppressed_rows: np.ndarray | None  # (R,) bool
    loss: float
    nodes_evaluated: int
    lattice_size: int
    complete: bool


class Lattice:
    def __init__(self, columns: list[EncodedColumn], data: Compressed, checker: ClassChecker, n: int) -> None:
        self.columns, self.data, self.checker, self.n = columns, data, checker, n
        self.d = len(columns)
        self.heights = [c.n_levels for c in columns]
        self._codes: dict[tuple[int, int], np.ndarray] = {}
        w = data.weights
        self.row_loss = [[lv[b] for lv in c.level_loss] for c, b in zip(columns, data.base, strict=True)]
        self.bound = [np.array([float(np.sum(w * rl)) for rl in rows]) / (n * self.d) for rows in self.row_loss]
        self.dense = checker.model.l is not None or checker.model.t is not None

    def codes(self, i: int, level: int) -> np.ndarray:
        key = (i, level)
        if key not in self._codes:
            self._codes[key] = self.columns[i].level_codes[level][self.data.base[i]]
        return self._codes[key]

    def lower_bound(self, node: tuple[int, ...]) -> float:
        return float(sum(b[j] for b, j in zip(self.bound, node, strict=True)))

    def class_ids(self, node: tuple[int, ...], dense: bool = False) -> tuple[np.ndarray, int]:
        """Class id of every distinct row at this node."""
        arrays = [self.codes(i, j) for i, j in enumerate(node)]
        ids, n_ids = combine_codes(arrays, [self.columns[i].cardinality(j) for i, j in enumerate(node)])
        if dense and n_ids > len(ids):
            compact, uniq = pd.factorize(ids)
            ids, n_ids = compact.astype(np.int64), len(uniq)
        return ids, n_ids

    def evaluate(self, node: tuple[int, ...]) -> tuple[float, np.ndarray]:
        """(records suppressed, suppressed-row mask) at this node."""
        ids, n_ids = self.class_ids(node, self.dense)
        sizes, ok = self.checker.class_ok(ids, n_ids)
        suppressed_rows = ~ok[ids]
        return float(sizes[~ok].sum()), suppressed_rows

    def loss(self, node: tuple[int, ...], suppressed_rows: np.ndarray) -> float:
        kept = self.data.weights * ~suppressed_rows
        total = sum(float(np.sum(kept * self.row_loss[i][j])) for i, j in enumerate(node))
        return float((total + self.data.weights[suppressed_rows].sum() * self.d) / (self.n * self.d))


def optimal_search(
    columns: list[EncodedColumn],
    data: Compressed,
    checker: ClassChecker,
    *,
    n: int,
    max_suppressed: float,
    stop: threading.Event | None = None,
) -> SearchOutcome:
    """Best-first branch and bound over the generalisation lattice; minimises information loss."""
    lattice = Lattice(columns, data, checker, n)
    size = int(np.prod(lattice.heights, dtype=float))
    start = tuple(0 for _ in columns)
    heap: list[tuple[float, tuple[int, ...], int]] = [(lattice.lower_bound(start), start, 0)]
    best: tuple[float, tuple[int, ...] | None, np.ndarray | None] = (np.inf, None, None)
    evaluated, complete = 0, True
    while heap:
        bound, node, last = heapq.heappop(heap)
        if bound >= best[0] - 1e-12:
            break  # nothing left can beat the best: it is optimal
        if stop is not None and stop.is_set():
            complete = False
            break
        evaluated += 1
        suppressed, rows = lattice.evaluate(node)
        if suppressed <= max_suppressed:
            loss = lattice.loss(node, rows)
            if loss < best[0] - 1e-15:
                best = (loss, node, rows)
        for i in range(last, lattice.d):  # canonical successors: each node is generated once
            if node[i] + 1 < lattice.heights[i]:
                child = (*node[:i], node[i] + 1, *node[i + 1 :])
                heapq.heappush(heap, (lattice.lower_bound(child), child, i))
    return SearchOutcome(best[1], best[2], float(best[0]), evaluated, size, complete)
