"""private-pgm's estimation, set up so that JAX compiles as little as possible.

Profiling MST on Adult (mbi 2.0, 2 shared cores) showed that nearly all of the ~70 s went to XLA compilation, not to
iterations (50 mirror-descent steps take ~20 ms): one program for the fused 50-step block, one for message passing,
and about 290 tiny programs, one per shape of every eager operation (expanding the warm start over the cliques,
evaluating the first loss, copying the state). Here:

* the warm start (the independent model of the noisy 1-way marginals) is built in NumPy directly on the loss's
  cliques, so nothing is expanded eagerly;
* through private-pgm's documented extension point (an ``Estimator`` subclass overriding ``_init`` and
  ``_finalize``), no message passing runs outside the fused block: the first step computes the marginals, and the
  model keeps those of the last step, so message passing is compiled once, inside the block, not three times;
* estimation stops once the loss stops improving (``tol``), well before the example script's 10,000 iterations.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from workbench.synthetic._measure import Fit, Stopped

__all__ = ["estimate"]

_BLOCK = 50  # private-pgm calls back every 50 iterations


@functools.cache
def _warm_mirror_descent(mbi):
    from mbi import CliqueVector, Factor, MarkovRandomField
    from mbi.estimation import MirrorDescent, MirrorDescentState

    @dataclasses.dataclass(frozen=True)
    class WarmMirrorDescent(MirrorDescent):
        """Mirror descent that compiles one program: the fused block of steps.

        ``_init`` takes the warm start as laid out on the loss's cliques and leaves the marginals empty (the first
        step computes them from the potentials); ``_finalize`` returns the marginals the last step computed
        (exactly those of the potentials before its update) instead of running message passing once more.
        """

        def _init(self, domain, loss_fn, known_total, *, warm_start=None, constraints=()):
            potentials = warm_start
            if constraints or potentials is None or tuple(potentials.cliques) != tuple(loss_fn.cliques):
                return super()._init(domain, loss_fn, known_total, warm_start=warm_start, constraints=constraints)
            empty = _zeros(domain, loss_fn.cliques)
            alpha = 2.0 / (loss_fn.lipschitz * known_total) if self.stepsize is None else self.stepsize
            return MirrorDescentState(empty, potentials, alpha, np.float64(np.inf))

        def _finalize(self, state, known_total, constraints=()):
            if constraints:
                return super()._finalize(state, known_total, constraints=constraints)
            return MarkovRandomField(potentials=state.potentials, marginals=state.mu, total=known_total)

    def _zeros(domain, cliques):
        import jax.numpy as jnp

        tables = {cl: Factor(domain.project(cl), jnp.asarray(np.zeros(domain.project(cl).shape))) for cl in cliques}
        return CliqueVector(domain, list(cliques), tables)

    return WarmMirrorDescent


def warm_start(mbi, domain, cliques, independent: dict[str, np.ndarray], total: float):
    """Log-potentials of the independent model, each column's log-marginal placed on one clique that holds it."""
    import jax.numpy as jnp

    placed: set[str] = set()
    tables = {}
    for clique in cliques:
        table = np.zeros([domain[c] for c in clique])
        for axis, col in enumerate(clique):
            if col in placed:
                continue
            placed.add(col)
            shape = [1] * len(clique)
            shape[axis] = domain[col]
            table = table + np.log(independent[col] / total + 1e-9).reshape(shape)
        tables[tuple(clique)] = mbi.Factor(domain.project(clique), jnp.asarray(table))
    return mbi.CliqueVector(domain, [tuple(c) for c in cliques], tables)


def estimate(fit: Fit, mbi, domain, measurements, independent, total: float, *, max_iters: int, tol: float):
    """Fit the graphical model to ``measurements``; progress every 50 iterations; the stop event is honoured."""
    cliques = mbi.clique_utils.maximal_subset([m.clique for m in measurements])
    potentials = warm_start(mbi, domain, cliques, independent, total)
    progress = Progress(fit, max_iters)
    estimator = _warm_mirror_descent(mbi)()
    try:
        model = estimator.estimate(
            domain, measurements, known_total=total, iters=max_iters, tol=tol, callback_fn=progress,
            warm_start=potentials,
        )  # fmt: skip
    except Stopped:
        if progress.marginals is None:
            raise
        return Estimate(None, progress.marginals, progress.iterations, True)
    return Estimate(model, model.marginals, progress.iterations, False)


@dataclasses.dataclass
class Estimate:
    """A fitted model (None when stopped early), its clique marginals, the iterations run, whether stopped."""

    model: object | None
    marginals: object
    iterations: int
    stopped: bool


class Progress:
    """private-pgm's callback: reports progress, keeps the latest marginals, honours the stop event."""

    def __init__(self, fit: Fit, max_iters: int) -> None:
        self.fit, self.max_iters, self.iterations, self.marginals = fit, max_iters, 0, None

    def __call__(self, marginals) -> None:
        self.iterations += _BLOCK
        self.marginals = marginals
        self.fit.on_progress("fitting the graphical model", 0.1 + 0.8 * min(1.0, self.iterations / self.max_iters))
        self.fit.check_stop()


def sampler_from(result: Estimate, mbi, domain):
    """The NumPy sampler of a fitted (or stopped) estimate: clique marginals and the junction tree's order."""
    from workbench.synthetic._sampler import build_sampler

    cliques = [tuple(c) for c in result.marginals.cliques]
    tree, elimination = mbi.junction_tree.make_junction_tree(domain, cliques)
    marginals = {}
    for clique in cliques:
        factor = result.marginals[clique]
        marginals[tuple(factor.domain.attributes)] = np.asarray(factor.values, dtype=np.float64)
    model = result.model

    def project(attrs):
        if model is None:  # pragma: no cover - only AIM's super-cliques need inference, and AIM keeps its model
            raise ValueError(f"No clique marginal holds {attrs}.")
        return np.asarray(model.project(attrs).transpose(attrs).values)

    return build_sampler(marginals, dict(domain.config), list(elimination)[::-1], [tuple(c) for c in tree.nodes],
                         project)  # fmt: skip
