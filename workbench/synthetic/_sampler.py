"""Drawing rows from a fitted graphical model: one column at a time, each from its conditional distribution given
the columns already drawn that share a junction-tree clique with it.

The conditional tables are computed once, in NumPy, from the model's clique marginals, so drawing more rows needs
neither JAX nor the model: :meth:`Sampler.sample` is vectorised NumPy with a seeded generator (private-pgm's own
sampler uses NumPy's global random state).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Sampler", "build_sampler"]


@dataclass(frozen=True)
class Sampler:
    """Conditional tables of a fitted model over compressed codes.

    Attributes
    ----------
    order : tuple of str
        Columns in drawing order.
    parents : tuple of tuple of str
        For each column, the earlier columns it is drawn conditionally on.
    cdfs : tuple of ndarray
        For each column, a ``(parent configurations, size)`` array of cumulative probabilities.
    sizes : dict
        Compressed domain size per column.
    """

    order: tuple[str, ...]
    parents: tuple[tuple[str, ...], ...]
    cdfs: tuple[np.ndarray, ...]
    sizes: Mapping[str, int]

    def sample(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``n`` i.i.d. rows (compressed codes per column)."""
        out: dict[str, np.ndarray] = {}
        for col, parents, cdf in zip(self.order, self.parents, self.cdfs, strict=True):
            if parents:
                row = np.ravel_multi_index([out[p] for p in parents], [self.sizes[p] for p in parents])
            else:
                row = np.zeros(n, dtype=np.int64)
            k = cdf.shape[1]
            # inverse CDF for every row at once: shift each parent configuration's CDF by its row number
            shifted = (cdf + np.arange(cdf.shape[0])[:, None]).ravel()
            pick = np.searchsorted(shifted, rng.random(n) + row, side="right") - row * k
            out[col] = np.clip(pick, 0, k - 1)
        return out


def build_sampler(
    marginals: Mapping[tuple[str, ...], np.ndarray],
    sizes: Mapping[str, int],
    order: Sequence[str],
    cliques: Sequence[Sequence[str]],
    project: Callable[[tuple[str, ...]], np.ndarray] | None = None,
) -> Sampler:
    """The sampler of a model given its clique marginals (axes in clique order) and a junction tree.

    ``order`` is the drawing order (reverse elimination order), ``cliques`` the junction tree's cliques; a table
    over columns that no marginal holds comes from ``project`` (the model's own inference).
    """
    drawn: list[str] = []
    parents, cdfs = [], []
    for col in order:
        near = set().union(*[set(c) for c in cliques if col in c])
        given = tuple(a for a in drawn if a in near)
        table = _table(marginals, (*given, col), project).reshape(-1, sizes[col])
        table = np.clip(table, 0.0, None)
        sums = table.sum(axis=1, keepdims=True)
        prior = np.clip(_table(marginals, (col,), project), 0.0, None) + 1e-12
        table = np.where(sums > 0, table / np.where(sums > 0, sums, 1.0), prior / prior.sum())
        cdf = np.cumsum(table, axis=1)
        cdf[:, -1] = 1.0
        parents.append(given)
        cdfs.append(cdf)
        drawn.append(col)
    return Sampler(tuple(order), tuple(parents), tuple(cdfs), dict(sizes))


def _table(marginals, attrs: tuple[str, ...], project) -> np.ndarray:
    for clique, values in marginals.items():
        if set(attrs) <= set(clique):
            summed = np.asarray(values, dtype=np.float64).sum(axis=tuple(i for i, c in enumerate(clique)
                                                                         if c not in attrs))  # fmt: skip
            kept = [c for c in clique if c in attrs]
            return np.transpose(summed, [kept.index(a) for a in attrs])
    if project is None:  # pragma: no cover - MST's marginals always hold every table the sampler needs
        raise ValueError(f"No clique marginal holds {attrs}.")
    return np.asarray(project(attrs), dtype=np.float64)
