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
from collections.abc import Callable
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


METRICS = ("information_loss", "non_uniform_entropy")


def label_costs(columns: list[EncodedColumn], n: int, metric: str):
    """Per column and level, the cost of a record by the code of its label; the cost of a suppressed record;
    per-column offsets; the scale that maps the total to [0, 1].

    ``information_loss``: the label's loss (leaves or covered range), 1 per column when suppressed.
    ``non_uniform_entropy`` (as ARX): ``-log P(value | label)`` with input frequencies, i.e. log count(label) -
    log count(value); a suppressed record costs log n - log count(value). The value part is the same for every
    transformation, so it goes into the offset.
    """
    costs, offsets = [], []
    if metric == "information_loss":
        for c in columns:
            per_level = []
            for codes, loss in zip(c.level_codes, c.level_loss, strict=True):
                arr = np.zeros(int(codes.max(initial=0)) + 1)
                arr[codes] = loss
                per_level.append(arr)
            costs.append(per_level)
            offsets.append(0.0)
        return costs, float(len(columns)), offsets, float(max(n * len(columns), 1))
    scale = 0.0
    for c in columns:
        count = np.bincount(c.codes, minlength=len(c.uniques)).astype(float)
        log_value = np.log(np.maximum(count, 1.0))[c.codes]
        costs.append([np.log(np.maximum(np.bincount(codes, weights=count), 1.0)) for codes in c.level_codes])
        offsets.append(-float(log_value.sum()))
        scale += float(np.sum(np.log(n) - log_value))
    return costs, len(columns) * float(np.log(n)), offsets, scale if scale > 0 else 1.0


@dataclass(frozen=True)
class _Snapshot:
    """A node's table: distinct (class, sensitive) rows with weights; generalisations roll up from it."""

    levels: tuple[int, ...]
    codes: list[np.ndarray]  # per quasi-identifier: label code at ``levels``
    sensitive: list[np.ndarray]
    weights: np.ndarray


_SNAPSHOTS = 48


class Lattice:
    """The generalisation lattice of a compressed table; evaluates nodes by rolling up the nearest snapshot."""

    def __init__(
        self,
        columns: list[EncodedColumn],
        data: Compressed,
        checker: ClassChecker,
        n: int,
        metric: str = "information_loss",
    ) -> None:
        self.columns, self.data, self.checker, self.n = columns, data, checker, n
        self.d = len(columns)
        self.heights = [c.n_levels for c in columns]
        self.label_cost, self.suppressed_cost, offsets, self.scale = label_costs(columns, n, metric)
        self.offset = float(sum(offsets))
        self.max_cost = [[float(cost.max(initial=0.0)) for cost in costs] for costs in self.label_cost]
        w = data.weights
        # the loss without suppression splits over columns and grows with each level: a lower bound per node
        self.bound = [
            np.array([float(np.sum(w * cost[lc[b]])) + off for cost, lc in zip(costs, c.level_codes, strict=True)])
            / self.scale
            for c, b, costs, off in zip(columns, data.base, self.label_cost, offsets, strict=True)
        ]
        self.dense = checker.model.l is not None or checker.model.t is not None
        self.base = _Snapshot(tuple(0 for _ in columns), list(data.base), list(data.sensitive), data.weights)
        self.snapshots: list[_Snapshot] = []
        self._up: dict[tuple[int, int, int], np.ndarray] = {}

    def lower_bound(self, node: tuple[int, ...]) -> float:
        return float(sum(b[j] for b, j in zip(self.bound, node, strict=True)))

    def _map(self, i: int, a: int, b: int) -> np.ndarray:
        """Label code at level a -> label code at level b of column i (b >= a)."""
        key = (i, a, b)
        if key not in self._up:
            col = self.columns[i]
            up = np.zeros(col.cardinality(a), dtype=np.int64)
            up[col.level_codes[a]] = col.level_codes[b]
            self._up[key] = up
        return self._up[key]

    def _pick(self, node: tuple[int, ...]) -> _Snapshot:
        """The smallest snapshot whose node is below ``node`` (so ``node`` rolls up from it)."""
        if not self.snapshots:
            return self.base
        below = (self._levels <= np.asarray(node, dtype=np.int16)).all(axis=1)
        if not below.any():
            return self.base
        sizes = np.where(below, self._sizes, np.inf)
        return self.snapshots[int(np.argmin(sizes))]

    def classes(self, node: tuple[int, ...], base: bool = False, dense: bool = False):
        """(snapshot, codes at node, class id per snapshot row, number of ids)."""
        snap = self.base if base else self._pick(node)
        codes = [
            c if a == b else self._map(i, a, b)[c]
            for i, (c, a, b) in enumerate(zip(snap.codes, snap.levels, node, strict=True))
        ]
        ids, n_ids = combine_codes(codes, [self.columns[i].cardinality(j) for i, j in enumerate(node)])
        if dense and n_ids > len(ids):
            compact, uniq = pd.factorize(ids)
            ids, n_ids = compact.astype(np.int64), len(uniq)
        return snap, codes, ids, n_ids

    def class_ids(self, node: tuple[int, ...], dense: bool = False) -> tuple[np.ndarray, int]:
        """Class id of every distinct row of the base table at this node."""
        _, _, ids, n_ids = self.classes(node, base=True, dense=dense)
        return ids, n_ids

    def check(self, node: tuple[int, ...], checker: ClassChecker | None = None, base: bool = False):
        """(records suppressed, suppressed-row mask, snapshot, codes) at this node under ``checker``."""
        checker = checker or self.checker
        snap, codes, ids, n_ids = self.classes(node, base=base, dense=self.dense)
        sizes, ok = checker.class_ok(ids, n_ids, weights=snap.weights, sensitive=snap.sensitive)
        rows = ~ok[ids]
        if not base and len(self.snapshots) < _SNAPSHOTS and n_ids * 2 <= len(snap.weights):
            self._remember(node, snap, codes, ids, n_ids)
        return float(sizes[~ok].sum()), rows, snap, codes

    def _remember(self, node, snap: _Snapshot, codes, ids, n_ids) -> None:
        key = ids
        if snap.sensitive:
            key, _ = combine_codes([ids, *snap.sensitive], [n_ids, *self.checker.cards])
        row_of, uniques = pd.factorize(key)
        first = np.full(len(uniques), -1, dtype=np.int64)
        first[row_of[::-1]] = np.arange(len(row_of))[::-1]
        weights = np.bincount(row_of, weights=snap.weights, minlength=len(uniques))
        self.snapshots.append(
            _Snapshot(tuple(node), [c[first] for c in codes], [s[first] for s in snap.sensitive], weights)
        )
        self._levels = np.array([s.levels for s in self.snapshots], dtype=np.int16)
        self._sizes = np.array([len(s.weights) for s in self.snapshots], dtype=float)

    def evaluate(
        self, node: tuple[int, ...], base: bool = False, max_suppressed: float = np.inf
    ) -> tuple[float, np.ndarray, float]:
        """(records suppressed, suppressed-row mask, information loss; inf above ``max_suppressed``)."""
        suppressed, rows, snap, codes = self.check(node, base=base)
        if suppressed > max_suppressed:
            return suppressed, rows, np.inf
        kept = snap.weights * ~rows
        total = sum(
            float(np.sum(kept * self.label_cost[i][j][c])) for i, (j, c) in enumerate(zip(node, codes, strict=True))
        )
        total += float(snap.weights[rows].sum()) * self.suppressed_cost + self.offset
        return suppressed, rows, float(total / self.scale)


_MATERIALISE = 3_000_000  # lattices up to this many nodes are held as one small int8 array
_CLIMB_ABOVE = 10_000  # predictive tagging pays off on lattices larger than this
_CLIMB_AFTER = 64  # ... or once this many infeasible nodes were met
_CHUNK = 2048


class _Search:
    """Evaluations with a cache, and predictive tagging of infeasible regions (as Flash / OLA do)."""

    def __init__(self, lattice: Lattice, monotone: ClassChecker | None, max_suppressed: float) -> None:
        self.lattice, self.monotone, self.max_suppressed = lattice, monotone, max_suppressed
        self.tags = np.empty((0, lattice.d), dtype=np.int8)
        self.losses: dict[tuple[int, ...], float] = {}
        self.mono_ok: dict[tuple[int, ...], bool] = {}
        self.evaluated = 0
        self.infeasible = 0
        self.pairs: dict[tuple[int, int, int, int], float] = {}
        d = lattice.d
        self.pair_order = [(i, j) for i in range(d) for j in range(i + 1, d)] if d > 2 else []

    def _pair_suppressed(self, i: int, j: int, a: int, b: int) -> float:
        """Records the monotone model must suppress on columns i, j alone at levels a, b (cached)."""
        key = (i, j, a, b)
        if key not in self.pairs:
            lat, base = self.lattice, self.lattice.base
            ci = lat._map(i, 0, a)[base.codes[i]]
            cj = lat._map(j, 0, b)[base.codes[j]]
            card_j = lat.columns[j].cardinality(b)
            ids = ci * card_j + cj
            checker = self.monotone or lat.checker
            sizes, ok = checker.class_ok(
                ids, lat.columns[i].cardinality(a) * card_j, weights=base.weights, sensitive=base.sensitive
            )
            self.pairs[key] = float(sizes[~ok].sum())
        return self.pairs[key]

    def pair_infeasible(self, node: tuple[int, ...]) -> bool:
        """A necessary condition: a node's classes split those of any two of its columns, so a class too small (or
        not diverse) there is too small in the node too; if two columns alone need more suppression than allowed,
        the node is infeasible, without evaluating it."""
        for n_checked, (i, j) in enumerate(self.pair_order):
            if self._pair_suppressed(i, j, node[i], node[j]) > self.max_suppressed:
                if n_checked:  # check this pair first next time
                    self.pair_order.insert(0, self.pair_order.pop(n_checked))
                self._tag_pair(i, j, node[i], node[j])
                return True
        return False

    def _tag_pair(self, i: int, j: int, a: int, b: int) -> None:
        """Every node whose columns i, j are at most (a, b), raised as far as the pair stays infeasible, is
        infeasible whatever its other columns: one tag, free of evaluations."""
        top = [h - 1 for h in self.lattice.heights]
        while a + 1 < top[i] + 1 and self._pair_suppressed(i, j, a + 1, b) > self.max_suppressed:
            a += 1
        while b + 1 < top[j] + 1 and self._pair_suppressed(i, j, a, b + 1) > self.max_suppressed:
            b += 1
        top[i], top[j] = a, b
        self.tags = np.vstack([self.tags, np.asarray(top, dtype=np.int8)])

    def suppression_bound(self, node: tuple[int, ...], bound: float) -> float:
        """A tighter loss bound: at least the records that some pair of columns must suppress are suppressed,
        and each costs the suppression cost minus the dearest label it would otherwise have."""
        if not self.pair_order:
            return bound
        forced = max(self._pair_suppressed(i, j, node[i], node[j]) for i, j in self.pair_order)
        lat = self.lattice
        extra = lat.suppressed_cost - sum(lat.max_cost[i][level] for i, level in enumerate(node))
        return bound + forced * max(extra, 0.0) / lat.scale

    def monotone_feasible(self, node: tuple[int, ...]) -> bool:
        """Whether the node meets the monotone part of the model (k, distinct l) within the suppression limit."""
        if node not in self.mono_ok:
            if self.pair_order and self.pair_infeasible(node):
                self.mono_ok[node] = False
            elif self.monotone is None:  # the whole model is monotone: one evaluation answers both questions
                self.mono_ok[node] = self.loss(node) < np.inf
            else:
                self.evaluated += 1
                suppressed, _, _, _ = self.lattice.check(node, self.monotone)
                self.mono_ok[node] = suppressed <= self.max_suppressed
        return self.mono_ok[node]

    def loss(self, node: tuple[int, ...]) -> float:
        """Information loss of a node, suppression included; inf when it is infeasible."""
        if node not in self.losses:
            self.evaluated += 1
            _, _, self.losses[node] = self.lattice.evaluate(node, max_suppressed=self.max_suppressed)
        return self.losses[node]

    def climb(self, node: tuple[int, ...]) -> tuple[int, ...]:
        """From an infeasible node, generalise each column as far as it stays infeasible; tag the node reached."""
        current = list(node)
        for i in range(self.lattice.d):
            low, high = current[i], self.lattice.heights[i] - 1
            while low < high:
                mid = (low + high + 1) // 2
                probe = (*current[:i], mid, *current[i + 1 :])
                if self.monotone_feasible(probe):
                    high = mid - 1
                else:
                    low = mid
            current[i] = low
        top = tuple(current)
        self.tags = np.vstack([self.tags, np.asarray(top, dtype=np.int8)])
        return top

    def visit(self, node: tuple[int, ...], climb: bool, bound: float = -np.inf, best: float = np.inf) -> float:
        """Loss of a node not yet known to be infeasible (inf if it is, or if it cannot beat ``best``); tags the
        infeasible region above it.

        Tagging costs a few evaluations per tag, so on small lattices it starts only once infeasible nodes
        turn out to be common.
        """
        if node not in self.losses and node not in self.mono_ok and self.pair_order:
            if self.pair_infeasible(node):  # tagged with its pair's whole infeasible region
                self.mono_ok[node] = False
                self.infeasible += 1
                return np.inf
            if self.suppression_bound(node, bound) >= best - 1e-12:
                return np.inf  # feasible or not, it cannot beat the best
        if not self.monotone_feasible(node):
            self.infeasible += 1
            if climb or self.infeasible > _CLIMB_AFTER:
                self.climb(node)
            return np.inf
        return self.loss(node)


def optimal_search(
    columns: list[EncodedColumn],
    data: Compressed,
    checker: ClassChecker,
    *,
    n: int,
    max_suppressed: float,
    monotone: ClassChecker | None = None,
    stop: threading.Event | None = None,
    metric: str = "information_loss",
    tick: Callable[[int, int], None] | None = None,
) -> SearchOutcome:
    """Branch and bound over the generalisation lattice in order of a loss lower bound; minimises information loss.

    ``monotone`` checks the monotone part of a non-monotone model (k and distinct l); None when the whole model
    is monotone. Nodes below a known infeasible node are skipped without being evaluated.
    """
    lattice = Lattice(columns, data, checker, n, metric)
    search = _Search(lattice, monotone, max_suppressed)
    size = int(np.prod(lattice.heights, dtype=float))
    climb = size > _CLIMB_ABOVE
    if size <= _MATERIALISE:
        best, complete = _search_materialised(lattice, search, climb, stop, tick)
    else:
        best, complete = _search_heap(lattice, search, climb, stop, tick)
    loss, node = best
    rows = None
    if node is not None:
        _, rows, _ = lattice.evaluate(node, base=True)
    return SearchOutcome(node, rows, float(loss), search.evaluated, size, complete)


def _search_materialised(lattice: Lattice, search: _Search, climb: bool, stop: threading.Event | None, tick=None):
    """The lattice as an (nodes, columns) int8 array, visited in bound order; tags filter whole chunks at once."""
    grids = np.meshgrid(*[np.arange(h, dtype=np.int8) for h in lattice.heights], indexing="ij")
    nodes = np.stack([g.ravel() for g in grids], axis=1)
    del grids
    bounds = np.zeros(len(nodes))
    for i, b in enumerate(lattice.bound):
        bounds += b[nodes[:, i]]
    order = np.argsort(bounds, kind="stable")
    best: tuple[float, tuple[int, ...] | None] = (np.inf, None)
    for start in range(0, len(order), _CHUNK):
        if tick is not None:
            tick(start, len(order))
        chunk = order[start : start + _CHUNK]
        chunk = chunk[bounds[chunk] < best[0] - 1e-12]
        if len(chunk) == 0:
            return best, True  # every remaining bound reaches the best loss: optimal
        alive = _not_covered(nodes[chunk], search.tags)
        seen_tags = len(search.tags)
        for idx in chunk[alive]:
            if bounds[idx] >= best[0] - 1e-12:
                return best, True
            if stop is not None and stop.is_set():
                return best, False
            if len(search.tags) > seen_tags and (search.tags[seen_tags:] >= nodes[idx]).all(axis=1).any():
                continue
            node = tuple(int(x) for x in nodes[idx])
            loss = search.visit(node, climb, float(bounds[idx]), best[0])
            if loss < best[0] - 1e-15:
                best = (loss, node)
    return best, True


def _not_covered(nodes: np.ndarray, tags: np.ndarray) -> np.ndarray:
    alive = np.ones(len(nodes), dtype=bool)
    for tag in tags:
        alive &= ~(nodes <= tag).all(axis=1)
        if not alive.any():
            break
    return alive


def _search_heap(lattice: Lattice, search: _Search, climb: bool, stop: threading.Event | None, tick=None):
    """For lattices too large to hold: best-first over a heap, generating each node once from its canonical parent."""
    start = tuple(0 for _ in lattice.heights)
    heap: list[tuple[float, tuple[int, ...], int]] = [(lattice.lower_bound(start), start, 0)]
    best: tuple[float, tuple[int, ...] | None] = (np.inf, None)
    popped, size = 0, int(np.prod(lattice.heights, dtype=float))
    while heap:
        bound, node, last = heapq.heappop(heap)
        popped += 1
        if tick is not None and popped % 1024 == 0:
            tick(popped, size)
        if bound >= best[0] - 1e-12:
            return best, True
        if stop is not None and stop.is_set():
            return best, False
        for i in range(last, lattice.d):  # canonical successors: each node is generated once
            if node[i] + 1 < lattice.heights[i]:
                child = (*node[:i], node[i] + 1, *node[i + 1 :])
                heapq.heappush(heap, (lattice.lower_bound(child), child, i))
        if len(search.tags) and (search.tags >= np.asarray(node, dtype=np.int8)).all(axis=1).any():
            continue
        loss = search.visit(node, climb, bound, best[0])
        if loss < best[0] - 1e-15:
            best = (loss, node)
    return best, True
