"""MST (McKenna, Sheldon & Miklau 2021): measure every 1-way marginal, choose a maximum spanning tree of 2-way
marginals with the exponential mechanism, measure those, and fit a graphical model with private-pgm.

Written for this project on private-pgm's estimation API (``mbi`` 2.0), after the mechanism's description and the
example script in ryan112358/private-pgm (``mechanisms/mst.py``). The privacy analysis is the paper's: three equal
thirds of ρ for the 1-way measurements, the tree selection and the 2-way measurements.

What differs from the example script (same mechanism, same privacy cost, faster):

* the tree is selected against the independent model of the noisy 1-way marginals computed in closed form (each
  marginal projected onto the simplex with the estimated total), instead of 2,500 mirror-descent iterations that
  converge to that same model;
* the final estimation starts from that independent model (warm start) and stops when the loss stops improving
  (relative change ≤ ``tol`` over 2 blocks of 50 iterations, at most ``max_iters``), instead of 10,000 iterations;
* rows are drawn from precomputed conditional tables with a seeded generator.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from workbench.synthetic._estimator import estimate
from workbench.synthetic._measure import Fit, marginal, pairs, project_to_simplex
from workbench.synthetic.accounting import gaussian_sigma

__all__ = ["Compression", "compress", "fit_mst", "independent_marginals", "total_estimate"]


class Compression:
    """Per column: original code → compressed code (rare values, noisy count < 3σ, merged into one code)."""

    def __init__(self, mapping: Mapping[str, np.ndarray]) -> None:
        self.mapping = dict(mapping)

    def sizes(self) -> dict[str, int]:
        return {c: int(m.max()) + 1 for c, m in self.mapping.items()}

    def expand(self, codes: Mapping[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Compressed codes → original codes; a merged code becomes one of its values, uniformly at random."""
        out = {}
        for col, compressed in codes.items():
            m = self.mapping[col]
            merged = np.flatnonzero(m == m.max()) if (m == m.max()).sum() > 1 else None
            inverse = np.zeros(int(m.max()) + 1, dtype=np.int64)
            inverse[m] = np.arange(len(m))  # each kept code → its value (the merged code keeps one of them)
            values = inverse[np.asarray(compressed, dtype=np.int64)]
            if merged is not None:
                hit = np.asarray(compressed) == m.max()
                values[hit] = rng.choice(merged, size=int(hit.sum()))
            out[col] = values
        return out


def compress(noisy: Mapping[str, np.ndarray], sigma: float) -> Compression:
    """MST's domain compression: values whose noisy count is below 3σ share one code (post-processing)."""
    mapping = {}
    for col, y in noisy.items():
        keep = y >= 3 * sigma
        if keep.all() or (~keep).sum() == 1:
            mapping[col] = np.arange(len(y))
        else:
            m = np.full(len(y), int(keep.sum()))
            m[keep] = np.arange(int(keep.sum()))
            mapping[col] = m
    return Compression(mapping)


def total_estimate(noisy: Mapping[str, np.ndarray]) -> float:
    """Minimum-variance estimate of the row count from the noisy 1-way marginals (same σ: weights 1 / size)."""
    sums = np.array([y.sum() for y in noisy.values()])
    weights = np.array([1.0 / len(y) for y in noisy.values()])
    return max(1.0, float(np.average(sums, weights=weights)))


def independent_marginals(noisy: Mapping[str, np.ndarray], compression: Compression, total: float):
    """Each column's noisy marginal on the compressed domain, projected onto counts ≥ 0 summing to ``total``."""
    out = {}
    for col, y in noisy.items():
        m = compression.mapping[col]
        out[col] = project_to_simplex(np.bincount(m, weights=y, minlength=int(m.max()) + 1), total)
    return out


def fit_mst(fit: Fit, rho: float, mbi, *, max_iters: int, tol: float):
    """Run MST with zCDP budget ``rho``; returns (the estimate on the compressed domain, compression, total)."""
    cols = list(fit.sizes)
    d = len(cols)
    thirds = rho / 3.0 if d > 1 else rho
    sigma1 = gaussian_sigma(thirds / d)
    fit.on_progress("measuring 1-way marginals", 0.02)
    noisy = {c: fit.measure((c,), sigma1) for c in cols}
    compression = compress(noisy, sigma1)
    total = total_estimate(noisy)
    independent = independent_marginals(noisy, compression, total)
    sizes = compression.sizes()
    domain = mbi.Domain(cols, [sizes[c] for c in cols])
    measurements = [
        mbi.LinearMeasurement(noisy[c], (c,), stddev=sigma1).compress({c: compression.mapping[c]},
                                                                      mbi.Domain([c], [len(noisy[c])]))
        for c in cols
    ]  # fmt: skip
    edges: list[tuple[str, str]] = []
    if d > 1:
        fit.on_progress("selecting the tree of 2-way marginals", 0.05)
        edges = _select_tree(fit, cols, compression, independent, total, thirds)
        sigma2 = gaussian_sigma(thirds / len(edges))
        fit.on_progress("measuring 2-way marginals", 0.08)
        for a, b in edges:
            y = fit.measure((a, b), sigma2, compression.mapping)
            measurements.append(mbi.LinearMeasurement(y, (a, b), stddev=sigma2))
    result = estimate(fit, mbi, domain, measurements, independent, total, max_iters=max_iters, tol=tol)
    return result, compression, total


def _select_tree(fit: Fit, cols, compression: Compression, independent, total: float, rho: float):
    """d − 1 exponential-mechanism rounds (ε₀ = √(8ρ / (d − 1)) each), Kruskal-style: each picks a 2-way marginal
    joining two components, scored by the L1 error of the independent model on it (sensitivity 1)."""
    scores = {}
    for a, b in pairs(cols):
        x = marginal(fit.codes, fit.sizes, (a, b), compression.mapping)
        xhat = np.outer(independent[a], independent[b]).ravel() / total
        scores[(a, b)] = float(np.abs(x - xhat).sum())
    component = {c: i for i, c in enumerate(cols)}
    epsilon = float(np.sqrt(8.0 * rho / (len(cols) - 1)))
    edges = []
    for _ in range(len(cols) - 1):
        candidates = [e for e in scores if component[e[0]] != component[e[1]]]
        chosen = fit.select(candidates, np.array([scores[e] for e in candidates]), epsilon)
        old, new = component[chosen[1]], component[chosen[0]]
        component = {c: (new if g == old else g) for c, g in component.items()}
        edges.append(chosen)
    return edges
