"""A fitted synthesiser: the NumPy sampler of the graphical model and the domain compression it was fitted on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.synthetic._libs import jax_x64, load_mbi
from workbench.synthetic._measure import Fit
from workbench.synthetic._mst import Compression
from workbench.synthetic._sampler import Sampler

__all__ = ["FittedModel", "fit_model"]


@dataclass(frozen=True)
class FittedModel:
    """What drawing rows needs, and how the fit went."""

    sampler: Sampler
    compression: Compression
    rows: int
    iterations: int
    stopped: bool

    def draw(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``n`` rows of codes on the release's (uncompressed) domain."""
        return self.compression.expand(self.sampler.sample(n, rng), rng)


def fit_model(fit: Fit, method: str, rho: float, *, max_iters: int, tol: float, rounds: int | None) -> FittedModel:
    """Run MST or AIM with zCDP budget ``rho`` (JAX in 64-bit for the fit only)."""
    from workbench.synthetic._estimator import sampler_from

    mbi = load_mbi()
    with jax_x64():
        if method == "mst":
            from workbench.synthetic._mst import fit_mst

            estimate, compression, total = fit_mst(fit, rho, mbi, max_iters=max_iters, tol=tol)
        else:
            from workbench.synthetic._aim import fit_aim

            estimate, compression, total = fit_aim(fit, rho, mbi, max_iters=max_iters, tol=tol, rounds=rounds)
        sampler = sampler_from(estimate, mbi, estimate.marginals.domain)
    return FittedModel(sampler, compression, max(1, round(total)), estimate.iterations, estimate.stopped)
