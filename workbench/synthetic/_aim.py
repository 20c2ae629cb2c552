"""AIM (McKenna, Mullins, Sheldon & Miklau 2022), with its rounds capped so that it runs in minutes here.

Written for this project on private-pgm's estimation API, after the paper and the example script in
ryan112358/private-pgm (``mechanisms/aim.py``). Workload: every 2-way marginal (with its 1-way sub-marginals). The
budget: ρ is spread over ``rounds`` rounds; the 1-way marginals are measured first (σ = √(rounds / (2 · 0.9ρ))
each), then each round selects the worst-approximated candidate with the exponential mechanism
(ε₀ = √(8 · 0.1ρ / rounds); quality = L1 error − its expected noise, sensitivity 1) and measures it with the same σ;
the last round takes whatever ρ is left. All of it is logged step by step, so the statement re-derives ρ.

Limits, on purpose: rounds default to the number of columns (the paper: 16 × columns) because every round refits
the model, and every new set of cliques is a new JAX program to compile (seconds to tens of seconds on this
machine); the error of each candidate is measured on rows drawn from the current model (NumPy, no compilation)
instead of exact inference; σ is not annealed. Candidates whose model would exceed 20,000 cells are skipped.
"""

from __future__ import annotations

import numpy as np

from workbench.synthetic._estimator import estimate, sampler_from
from workbench.synthetic._measure import Fit, marginal, pairs
from workbench.synthetic._mst import compress, independent_marginals, total_estimate
from workbench.synthetic.accounting import gaussian_rho

__all__ = ["fit_aim"]

_MAX_CELLS = 20_000
_PROBE_ROWS = 20_000


def fit_aim(fit: Fit, rho: float, mbi, *, max_iters: int, tol: float, rounds: int | None):
    """Run AIM with zCDP budget ``rho``; returns (the estimate on the compressed domain, compression, total)."""
    cols = list(fit.sizes)
    d = len(cols)
    rounds = rounds or d
    sigma = float(np.sqrt((rounds + d) / (2 * 0.9 * rho)))  # 1-ways and rounds share 90 % of ρ
    epsilon = float(np.sqrt(8 * 0.1 * rho * (rounds / (rounds + d)) / rounds))
    fit.on_progress("measuring 1-way marginals", 0.02)
    noisy = {c: fit.measure((c,), sigma) for c in cols}
    compression = compress(noisy, sigma)
    total = total_estimate(noisy)
    independent = independent_marginals(noisy, compression, total)
    sizes = compression.sizes()
    domain = mbi.Domain(cols, [sizes[c] for c in cols])
    measurements = [
        mbi.LinearMeasurement(noisy[c], (c,), stddev=sigma).compress(
            {c: compression.mapping[c]}, mbi.Domain([c], [len(noisy[c])])
        )
        for c in cols
    ]
    used = sum(s.rho for s in fit.steps)
    result = None
    candidates = [p for p in pairs(cols) if sizes[p[0]] * sizes[p[1]] <= _MAX_CELLS]
    for t in range(rounds):
        step_cost = epsilon**2 / 8 + gaussian_rho(sigma)
        last = rho - used < 2 * step_cost or t == rounds - 1
        if last:  # spend exactly what is left
            left = rho - used
            sigma = float(np.sqrt(1 / (2 * 0.9 * left)))
            epsilon = float(np.sqrt(8 * 0.1 * left))
        fit.on_progress(f"AIM round {t + 1} of {rounds}", 0.05 + 0.85 * t / rounds)
        estimate_now = _probe(fit, result, domain, sizes, independent, total)
        measured = {m.clique for m in measurements}
        pool = [p for p in candidates if p not in measured] or candidates
        scores = np.array([_quality(fit, compression, estimate_now, p, sigma) for p in pool])
        chosen = fit.select(pool, scores, epsilon)
        y = fit.measure(chosen, sigma, compression.mapping)
        measurements.append(mbi.LinearMeasurement(y, chosen, stddev=sigma))
        used = sum(s.rho for s in fit.steps)
        result = estimate(fit, mbi, domain, measurements, independent, total, max_iters=max_iters, tol=tol)
        if result.stopped or last:
            break
    return result, compression, total


def _probe(fit: Fit, result, domain, sizes, independent, total):
    """Codes of rows drawn from the current model (the independent model before the first round)."""
    rng = np.random.default_rng(fit.rng.integers(2**63))
    if result is None:
        return {c: rng.choice(len(p), _PROBE_ROWS, p=p / p.sum()) for c, p in independent.items()}
    from workbench.synthetic._libs import load_mbi

    return sampler_from(result, load_mbi(), domain).sample(_PROBE_ROWS, rng)


def _quality(fit: Fit, compression, probe, clique, sigma: float) -> float:
    """L1 error of the model on ``clique`` minus the error its noise alone would leave (sensitivity 1)."""
    x = marginal(fit.codes, fit.sizes, clique, compression.mapping)
    sizes = compression.sizes()
    xhat = marginal(probe, sizes, clique) * (x.sum() / _PROBE_ROWS)
    return float(np.abs(x - xhat).sum() - np.sqrt(2 / np.pi) * sigma * x.size)
