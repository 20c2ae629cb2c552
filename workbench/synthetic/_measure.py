"""The noisy measurements of the mechanisms, each recorded with what it cost (a replayable privacy log)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from workbench.synthetic.accounting import em_rho, gaussian_rho

__all__ = ["Fit", "Step", "marginal", "project_to_simplex"]


@dataclass(frozen=True)
class Step:
    """One private step: a Gaussian measurement of a marginal or an exponential-mechanism selection.

    Attributes
    ----------
    kind : {"gaussian", "exponential"}
    what : tuple of str
        The marginal measured (its columns), or the candidate chosen by a selection.
    scale : float
        The Gaussian noise standard deviation σ (L2 sensitivity 1), or the selection's ε₀ (sensitivity of its
        quality score 1).
    """

    kind: str
    what: tuple[str, ...]
    scale: float

    @property
    def rho(self) -> float:
        return gaussian_rho(self.scale) if self.kind == "gaussian" else em_rho(self.scale)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "what": list(self.what), "scale": self.scale, "rho": self.rho}


class Stopped(Exception):
    """Raised inside a fit when the user's stop event is set."""


@dataclass
class Fit:
    """What a mechanism works on: the encoded rows, the domain sizes, a seeded generator, the privacy log, and
    the user's progress callback and stop event."""

    codes: Mapping[str, np.ndarray]
    sizes: Mapping[str, int]
    rng: np.random.Generator
    on_progress: Callable[[str, float], None]
    stop: object | None
    steps: list[Step]

    def check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Stopped

    def measure(self, clique: Sequence[str], sigma: float, mapping: Mapping[str, np.ndarray] | None = None):
        """Noisy counts of ``clique``'s marginal (Gaussian noise σ), recorded in the log."""
        x = marginal(self.codes, self.sizes, clique, mapping)
        self.steps.append(Step("gaussian", tuple(clique), float(sigma)))
        return x + self.rng.normal(0.0, sigma, size=x.shape)

    def select(self, candidates: list, scores: np.ndarray, epsilon: float):
        """Exponential mechanism (quality sensitivity 1): candidate i with probability ∝ exp(ε₀ · score_i / 2)."""
        logits = 0.5 * epsilon * (scores - scores.max())
        p = np.exp(logits)
        choice = int(self.rng.choice(len(candidates), p=p / p.sum()))
        self.steps.append(Step("exponential", tuple(candidates[choice]), float(epsilon)))
        return candidates[choice]


def marginal(
    codes: Mapping[str, np.ndarray],
    sizes: Mapping[str, int],
    clique: Sequence[str],
    mapping: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Counts of the marginal over ``clique`` (flattened, C order), after the optional per-column ``mapping``."""
    mapping = mapping or {}
    cols = [mapping[c][codes[c]] if c in mapping else codes[c] for c in clique]
    dims = [int(mapping[c].max()) + 1 if c in mapping else int(sizes[c]) for c in clique]
    flat = np.ravel_multi_index(cols, dims) if cols else np.zeros(len(next(iter(codes.values()))), dtype=np.int64)
    return np.bincount(flat, minlength=int(np.prod(dims))).astype(float)


def project_to_simplex(y: np.ndarray, total: float) -> np.ndarray:
    """The closest (Euclidean) vector to ``y`` with entries ≥ 0 summing to ``total``."""
    if total <= 0:
        return np.zeros_like(y)
    u = np.sort(y)[::-1]
    cumulative = np.cumsum(u) - total
    k = np.arange(1, len(y) + 1)
    rho = np.nonzero(u - cumulative / k > 0)[0][-1]
    return np.maximum(y - cumulative[rho] / (rho + 1), 0.0)


def pairs(columns: Sequence[str]) -> list[tuple[str, str]]:
    return list(itertools.combinations(columns, 2))
