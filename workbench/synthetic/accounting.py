"""zCDP accounting of the DP table releases: Gaussian and exponential-mechanism costs in ρ, and ρ ↔ (ε, δ).

Both mechanisms (MST, AIM) are compositions of Gaussian measurements of marginals (L2 sensitivity 1 when one
person's row is added or removed: ρ = 1 / (2σ²)) and exponential-mechanism selections (ε₀-DP, hence ε₀² / 8 zCDP,
Cesar & Rogers 2021). zCDP composes by adding ρ. The conversion to (ε, δ)-DP is the bound of Canonne, Kamath &
Steinke (2020, Proposition 12): δ = inf over α > 1 of exp((α−1)(αρ−ε)) / (α−1) · (1 − 1/α)^α. Any α gives a valid
δ, so every search below errs on the safe side (ε rounded up, ρ rounded down).
"""

from __future__ import annotations

import math

from scipy.optimize import minimize_scalar

from workbench.errors import InvalidParameterError

__all__ = ["delta_from_rho", "em_rho", "epsilon_from_rho", "gaussian_rho", "gaussian_sigma", "rho_from_epsilon"]

_BISECTIONS = 200


def gaussian_rho(sigma: float, sensitivity: float = 1.0) -> float:
    """ρ of the Gaussian mechanism with noise scale ``sigma`` on an L2-sensitivity ``sensitivity`` query.

    Examples
    --------
    >>> gaussian_rho(10.0)
    0.005
    """
    return sensitivity**2 / (2.0 * sigma**2)


def gaussian_sigma(rho: float, sensitivity: float = 1.0) -> float:
    """The noise scale that costs exactly ``rho`` (inverse of :func:`gaussian_rho`).

    Examples
    --------
    >>> gaussian_sigma(0.005)
    10.0
    """
    if not rho > 0:
        raise InvalidParameterError(f"A Gaussian measurement needs ρ > 0; got {rho!r}.")
    return sensitivity / math.sqrt(2.0 * rho)


def em_rho(epsilon: float) -> float:
    """ρ of an ε-DP exponential-mechanism selection (ε² / 8, Cesar & Rogers 2021).

    Examples
    --------
    >>> em_rho(2.0)
    0.5
    """
    return epsilon**2 / 8.0


def _log_delta_at(alpha_minus_1: float, rho: float, epsilon: float) -> float:
    alpha = 1.0 + alpha_minus_1
    return (alpha - 1.0) * (alpha * rho - epsilon) + alpha * math.log1p(-1.0 / alpha) - math.log(alpha - 1.0)


def delta_from_rho(rho: float, epsilon: float) -> float:
    """The δ at which ρ-zCDP gives ε-DP (Canonne, Kamath & Steinke 2020); an upper bound when the α search is
    not exact.

    Examples
    --------
    >>> round(delta_from_rho(0.1, 2.0), 8) <= math.exp(-((2.0 - 0.1) ** 2) / (4 * 0.1))
    True
    """
    if rho < 0 or epsilon < 0:
        raise InvalidParameterError(f"ρ and ε must be ≥ 0; got ρ={rho!r}, ε={epsilon!r}.")
    if rho == 0:
        return 0.0
    # optimise over log(α − 1): α ∈ (1 + 1e-9, 1 + 1e9) covers every regime of interest
    best = minimize_scalar(
        lambda t: _log_delta_at(math.exp(t), rho, epsilon), bounds=(-20.7, 20.7), method="bounded",
        options={"xatol": 1e-10},
    )  # fmt: skip
    return min(1.0, math.exp(min(best.fun, _log_delta_at(math.exp(best.x), rho, epsilon))))


def epsilon_from_rho(rho: float, delta: float) -> float:
    """The smallest ε (rounded up) such that ρ-zCDP implies (ε, δ)-DP.

    Examples
    --------
    >>> eps = epsilon_from_rho(0.0125, 1e-6)
    >>> 0.6 < eps < 0.8 and eps <= 0.0125 + 2 * math.sqrt(0.0125 * math.log(1e6))
    True
    """
    if not 0 < delta < 1:
        raise InvalidParameterError(f"δ must be in (0, 1) to convert zCDP to (ε, δ)-DP; got {delta!r}.")
    if rho == 0:
        return 0.0
    low, high = 0.0, rho + 2.0 * math.sqrt(rho * math.log(1.0 / delta))  # the classic bound holds at `high`
    for _ in range(_BISECTIONS):
        mid = (low + high) / 2
        if delta_from_rho(rho, mid) <= delta:
            high = mid
        else:
            low = mid
        if high - low <= 1e-12 * max(1.0, high):
            break
    return high


def rho_from_epsilon(epsilon: float, delta: float) -> float:
    """The largest ρ (rounded down) such that ρ-zCDP implies (ε, δ)-DP: the budget a mechanism may spend.

    Examples
    --------
    >>> rho = rho_from_epsilon(1.0, 1e-6)
    >>> epsilon_from_rho(rho, 1e-6) <= 1.0 + 1e-9
    True
    """
    if not epsilon > 0:
        raise InvalidParameterError(f"ε must be > 0; got {epsilon!r}.")
    if not 0 < delta < 1:
        raise InvalidParameterError(f"δ must be in (0, 1) to convert zCDP to (ε, δ)-DP; got {delta!r}.")
    low, high = 0.0, epsilon + 1.0
    while delta_from_rho(high, epsilon) <= delta:  # pragma: no cover - the bracket above always suffices
        high *= 2
    for _ in range(_BISECTIONS):
        mid = (low + high) / 2
        if delta_from_rho(mid, epsilon) <= delta:
            low = mid
        else:
            high = mid
        if high - low <= 1e-14 * max(1.0, low):
            break
    while epsilon_from_rho(low, delta) > epsilon:  # the ε search rounds up: step ρ down until it fits
        low *= 1.0 - 1e-9
    return low
