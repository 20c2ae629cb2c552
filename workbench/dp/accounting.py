"""Privacy accounting with Opacus's accountants: epsilon from (noise, sample rate, steps, delta), noise calibration.

The search for a noise multiplier runs on a fast accountant (RDP over integer orders, a valid upper bound) and is
then confirmed, and tightened, with the chosen accountant; the epsilon reported is always the chosen accountant's.
Results are cached in memory: the functions are pure.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence

import numpy as np

from workbench._validation import close_matches
from workbench.errors import InfeasibleError, InvalidParameterError, UnknownNameError

__all__ = ["ACCOUNTANTS", "calibrate_noise", "compose_epsilon", "compute_epsilon", "default_delta"]

#: accountant name -> what it is, in words (all implemented by Opacus)
ACCOUNTANTS = {
    "prv": "privacy loss random variables (Gopi et al. 2021), a numerically tight upper bound",
    "rdp": "Rényi DP (Mironov 2017), an upper bound, looser than PRV",
    "gdp": "Gaussian DP (Dong et al. 2019), a central-limit approximation that can under-estimate epsilon",
}

# integer orders only: Opacus computes these in closed form (fast); they are a subset of RDPAccountant's default
# orders, so the epsilon they give is never below the one RDPAccountant reports.
_FAST_ORDERS = tuple(range(2, 64))
_MAX_SIGMA = 1e4


def check_accountant(name: str) -> str:
    """Return ``name`` if it is a known accountant, else raise :class:`UnknownNameError` listing them."""
    if name not in ACCOUNTANTS:
        matches = close_matches(str(name), ACCOUNTANTS)
        hint = f" Did you mean {matches[0]!r}?" if matches else ""
        raise UnknownNameError(f"Unknown accountant {name!r}; use one of {list(ACCOUNTANTS)}.{hint}")
    return name


def default_delta(n: int) -> float:
    """A delta well below 1/n: 1/(10 n) rounded down to a power of ten.

    Examples
    --------
    >>> default_delta(32561)
    1e-06
    >>> default_delta(442)
    0.0001
    """
    if n < 1:
        raise InvalidParameterError(f"default_delta needs at least one row; got n={n}.")
    return 10.0 ** math.floor(math.log10(1.0 / (10 * n)))


def compute_epsilon(accountant: str, noise_multiplier: float, sample_rate: float, steps: int, delta: float) -> float:
    """Epsilon spent by ``steps`` steps of the Poisson-subsampled Gaussian mechanism, by Opacus's accountant.

    Examples
    --------
    >>> round(compute_epsilon("rdp", 1.0, 0.01, 1000, 1e-5), 3)
    2.101
    >>> compute_epsilon("prv", 1.0, 0.01, 0, 1e-5)
    0.0
    """
    return compose_epsilon(accountant, ((noise_multiplier, sample_rate, steps),), delta)


def compose_epsilon(accountant: str, history: Sequence[tuple[float, float, int]], delta: float) -> float:
    """Epsilon of the composition of several DP-SGD runs, each ``(noise_multiplier, sample_rate, steps)``.

    Examples
    --------
    >>> one = compute_epsilon("rdp", 1.0, 0.01, 500, 1e-5)
    >>> two = compose_epsilon("rdp", [(1.0, 0.01, 500), (1.0, 0.01, 500)], 1e-5)
    >>> one < two < 2 * one
    True
    """
    check_accountant(accountant)
    history = tuple((float(s), float(q), int(t)) for s, q, t in history if int(t) > 0)
    if not history:
        return 0.0
    if any(s <= 0 for s, _, _ in history):
        return math.inf
    return _compose_cached(accountant, history, float(delta))


@functools.lru_cache(maxsize=4096)
def _compose_cached(accountant: str, history: tuple, delta: float) -> float:
    from opacus.accountants import GaussianAccountant, PRVAccountant, RDPAccountant

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "optimal order is the largest alpha", "GDP is experimental" (we warn)
        acc = {"prv": PRVAccountant, "rdp": RDPAccountant, "gdp": GaussianAccountant}[accountant]()
        acc.history = list(history)
        if accountant != "gdp":
            return float(acc.get_epsilon(delta=delta))
        try:
            return float(acc.get_epsilon(delta=delta))
        except ValueError:  # Opacus's root bracket fails for large epsilon; solve the same equation robustly
            return _gdp_epsilon(history, delta)


def _gdp_epsilon(history: tuple, delta: float) -> float:
    from opacus.accountants.analysis.gdp import compute_mu_poisson
    from scipy.optimize import brentq
    from scipy.special import log_ndtr, ndtr

    mu = math.sqrt(sum(compute_mu_poisson(num_steps=t, noise_multiplier=s, sample_rate=q) ** 2 for s, q, t in history))

    def excess(eps: float) -> float:  # delta(eps) - delta for mu-GDP, stable in log space
        return float(ndtr(-eps / mu + mu / 2) - np.exp(eps + log_ndtr(-eps / mu - mu / 2)) - delta)

    high = 1.0
    while excess(high) > 0 and high < 1e6:
        high *= 2
    return 0.0 if excess(0.0) <= 0 else float(brentq(excess, 0.0, high, xtol=1e-9))


def _fast_epsilon(noise_multiplier: float, sample_rate: float, steps: int, delta: float) -> float:
    from opacus.accountants.analysis.rdp import compute_rdp, get_privacy_spent

    rdp = compute_rdp(q=sample_rate, noise_multiplier=noise_multiplier, steps=steps, orders=_FAST_ORDERS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eps, _ = get_privacy_spent(orders=_FAST_ORDERS, rdp=rdp, delta=delta)
    return float(eps)


def calibrate_noise(
    epsilon: float, delta: float, sample_rate: float, steps: int, accountant: str = "prv", *, tolerance: float = 0.01
) -> tuple[float, float]:
    """The smallest noise multiplier (to ``tolerance``) whose epsilon, by ``accountant``, is at most ``epsilon``.

    Returns ``(noise_multiplier, achieved_epsilon)``; ``achieved_epsilon`` is computed by the chosen accountant and
    never exceeds ``epsilon``.

    Examples
    --------
    >>> sigma, eps = calibrate_noise(1.0, 1e-5, 0.01, 1000, "rdp")
    >>> eps <= 1.0, eps > 0.98
    (True, True)
    """
    check_accountant(accountant)
    return _calibrate_cached(float(epsilon), float(delta), float(sample_rate), int(steps), accountant, tolerance)


@functools.lru_cache(maxsize=1024)
def _calibrate_cached(
    epsilon: float, delta: float, rate: float, steps: int, accountant: str, tolerance: float
) -> tuple[float, float]:
    # 1. bracket and bisect in log(sigma) on the fast RDP bound: eps_fast(sigma_hi) <= epsilon
    lo, hi = _bracket(lambda s: _fast_epsilon(s, rate, steps, delta), epsilon)
    lo, hi = _bisect(lambda s: _fast_epsilon(s, rate, steps, delta), epsilon, lo, hi, tolerance / 4)
    exact = functools.partial(compute_epsilon, accountant, sample_rate=rate, steps=steps, delta=delta)
    sigma, eps = hi, exact(hi)
    # 2. the chosen accountant must confirm; if it reports more (gdp, numerical error), add noise until it doesn't
    grow = 1.02
    while eps > epsilon:
        sigma *= grow
        grow = grow**2
        if sigma > _MAX_SIGMA:
            raise InfeasibleError(f"No noise multiplier up to {_MAX_SIGMA:g} reaches epsilon={epsilon:g}.")
        eps = exact(sigma)
    # 3. a tighter accountant allows less noise: secant steps on log(sigma) while it stays within the target
    if accountant != "rdp" and eps < epsilon * (1 - tolerance):
        sigma, eps = _tighten(exact, epsilon, sigma, eps, tolerance)
    return sigma, eps


def _bracket(fn, target: float) -> tuple[float, float]:
    lo, hi = 0.5, 1.0
    while fn(hi) > target:
        lo, hi = hi, hi * 2
        if hi > _MAX_SIGMA:
            raise InfeasibleError(
                f"epsilon={target:g} is out of reach: even a noise multiplier of {_MAX_SIGMA:g} spends more. "
                "Train fewer epochs, use a larger dataset or a smaller batch, or ask for a larger epsilon."
            )
    while fn(lo) <= target:
        hi, lo = lo, lo / 2
        if lo < 1e-3:
            return lo, hi
    return lo, hi


def _bisect(fn, target: float, lo: float, hi: float, rel: float) -> tuple[float, float]:
    while hi / lo > 1 + rel:
        mid = math.sqrt(lo * hi)
        if fn(mid) > target:
            lo = mid
        else:
            hi = mid
    return lo, hi


def _tighten(exact, target: float, sigma: float, eps: float, tolerance: float) -> tuple[float, float]:
    """Lower sigma towards the target with a few secant steps on (log sigma, log eps); keep the best valid one."""
    best = (sigma, eps)
    s0, e0 = sigma, eps
    s1 = sigma * 0.9
    e1 = exact(s1)
    for _ in range(6):
        if e1 <= target and s1 < best[0]:
            best = (s1, e1)
        if abs(math.log(e1) - math.log(e0)) < 1e-12:
            break
        slope = (math.log(s1) - math.log(s0)) / (math.log(e1) - math.log(e0))
        s_next = math.exp(math.log(s1) + slope * (math.log(target * (1 - tolerance / 2)) - math.log(e1)))
        s0, e0, s1 = s1, e1, s_next
        e1 = exact(s1)
        if e1 <= target and s1 < best[0]:
            best = (s1, e1)
        if target * (1 - tolerance) <= e1 <= target:
            break
    return best
