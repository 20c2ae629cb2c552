"""Privacy accounting with Opacus's accountants: epsilon from (noise, sample rate, steps, delta), noise calibration.

The search for a noise multiplier runs on fast bounds (RDP over integer orders; for PRV, then the PRV estimate on a
grid eight times coarser) and ends with the chosen accountant, whose epsilon is the one reported, never above the
target. One PRV evaluation is Opacus's algorithm computed 5-10 times faster (:mod:`workbench.dp._prv`). The answers
are pure functions of their inputs, so they are also cached in memory and on disk (a JSON file per Opacus version
under ``$WORKBENCH_CACHE`` or ``~/.cache/privacy-workbench``; ``WORKBENCH_ACCOUNTING_CACHE=0`` turns it off).
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from workbench._validation import close_matches
from workbench.dp._rdp import rdp_epsilons, rdp_per_step
from workbench.errors import InfeasibleError, InvalidParameterError, UnknownNameError

__all__ = [
    "ACCOUNTANTS",
    "EpsilonCurve",
    "calibrate_noise",
    "compose_epsilon",
    "compute_epsilon",
    "default_delta",
    "prv_eps_error",
]

#: accountant name -> what it is, in words (all implemented by Opacus)
ACCOUNTANTS = {
    "prv": "privacy loss random variables (Gopi et al. 2021), a numerically tight upper bound",
    "rdp": "Rényi DP (Mironov 2017), an upper bound, looser than PRV",
    "gdp": "Gaussian DP (Dong et al. 2019), a central-limit approximation that can under-estimate epsilon",
}

# integer orders only: Opacus computes these in closed form (fast); they are a subset of RDPAccountant's default
# orders, so the epsilon they give is never below the one RDPAccountant reports.
_FAST_ORDERS = tuple(range(2, 64))
# larger orders bracket small epsilons (for the PRV and GDP searches, confirmed by those accountants)
_WIDE_ORDERS = (*_FAST_ORDERS, 72, 80, 96, 112, 128, 160, 192, 256, 384, 512, 768, 1024)
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

    Parameters
    ----------
    n : int
        Number of rows trained on.

    Returns
    -------
    float
        A power of ten below ``1 / (10 n)``.

    Raises
    ------
    InvalidParameterError
        When ``n`` is below 1.

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


def compute_epsilon(
    accountant: str,
    noise_multiplier: float,
    sample_rate: float,
    steps: int,
    delta: float,
    *,
    eps_error: float | None = None,
) -> float:
    """Epsilon spent by ``steps`` steps of the Poisson-subsampled Gaussian mechanism, by Opacus's accountant.

    For PRV, ``eps_error`` is the accountant's error allowance (the epsilon reported is an upper bound: the estimate
    plus ``eps_error``); by default :func:`prv_eps_error` of the run's parameters. Other accountants ignore it.
    Below a noise multiplier of 0.05 PRV's discretisation breaks down (and such noise certifies ε in the hundreds at
    best): PRV then reports ``inf``, no guarantee; RDP still gives a finite bound.

    Parameters
    ----------
    accountant : {"prv", "rdp", "gdp"}
        Which of Opacus's accountants (see :data:`ACCOUNTANTS`).
    noise_multiplier : float
        Noise standard deviation / clipping norm.
    sample_rate : float
        Poisson sampling rate of a batch.
    steps : int
        Number of noisy steps (0 spends nothing).
    delta : float
        δ of the guarantee.
    eps_error : float, optional
        The PRV accountant's error allowance (default: :func:`prv_eps_error`).

    Returns
    -------
    float
        ε, floored at 0.

    Raises
    ------
    UnknownNameError
        For an unknown accountant.

    Examples
    --------
    >>> round(compute_epsilon("rdp", 1.0, 0.01, 1000, 1e-5), 3)
    2.101
    >>> compute_epsilon("prv", 1.0, 0.01, 0, 1e-5)
    0.0
    >>> compute_epsilon("prv", 0.01, 1.0, 1, 1e-5)
    inf
    """
    check_accountant(accountant)
    sigma, rate, steps = float(noise_multiplier), float(sample_rate), int(steps)
    if steps <= 0:
        return 0.0
    if sigma <= 0:
        return math.inf
    if accountant == "prv":
        if sigma < _PRV_MIN_SIGMA:
            return math.inf
        eps_error = prv_eps_error(sigma, rate, steps, delta) if eps_error is None else float(eps_error)
        return _not_negative(_prv_cached(sigma, rate, steps, float(delta), eps_error))
    return _not_negative(_compose_cached(accountant, ((sigma, rate, steps),), float(delta)))


def compose_epsilon(
    accountant: str, history: Sequence[tuple[float, float, int]], delta: float, *, eps_error: float | None = None
) -> float:
    """Epsilon of the composition of several DP-SGD runs, each ``(noise_multiplier, sample_rate, steps)``.

    PRV composes the runs on one grid (Opacus's algorithm, ``workbench.dp._prv.compose``) with the error
    allowance ``eps_error`` (default: :func:`prv_eps_error`'s rule on the whole history); RDP adds the runs' RDP at
    Opacus's orders, each run's computed once per session.

    Parameters
    ----------
    accountant : {"prv", "rdp", "gdp"}
        Which of Opacus's accountants composes the runs.
    history : sequence of (float, float, int)
        ``(noise_multiplier, sample_rate, steps)`` of each run.
    delta : float
        δ of the composed guarantee.
    eps_error : float, optional
        The PRV accountant's error allowance (ignored by the others).

    Returns
    -------
    float
        The ε of all runs together (0 for an empty history).

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
    if len(history) == 1:
        return compute_epsilon(accountant, *history[0], delta, eps_error=eps_error)
    if accountant == "prv":
        eps_error = _eps_error_rule(_fast_history_epsilon(history, delta)) if eps_error is None else eps_error
        return _not_negative(_prv_history_cached(history, float(delta), float(eps_error)))
    return _not_negative(_compose_cached(accountant, history, float(delta)))


def _not_negative(epsilon: float) -> float:
    """An accountant's epsilon, floored at 0.

    With a large delta (≥ 1/n, already warned about) the accountants' read-off can fall below 0 (Opacus's too);
    (0, delta)-DP then holds, since delta(epsilon) does not increase with epsilon, and a negative epsilon means nothing.
    """
    return max(0.0, epsilon)


@functools.lru_cache(maxsize=4096)
def _compose_cached(accountant: str, history: tuple, delta: float) -> float:
    key = json.dumps([accountant, [list(h) for h in history], delta])
    return _DISK.get_or_compute(key, lambda: _compose(accountant, history, delta))


@functools.lru_cache(maxsize=4096)
def _prv_cached(sigma: float, rate: float, steps: int, delta: float, eps_error: float) -> float:
    key = json.dumps(["prv-fft", [sigma, rate, steps], delta, eps_error])
    return _DISK.get_or_compute(key, lambda: _prv_epsilon(sigma, rate, delta, steps, steps, eps_error))


@functools.lru_cache(maxsize=1024)
def _prv_history_cached(history: tuple, delta: float, eps_error: float) -> float:
    from workbench.dp import _prv

    key = json.dumps(["prv-fft", [list(h) for h in history], delta, eps_error])
    return _DISK.get_or_compute(key, lambda: _prv.compose(history, delta, eps_error)[2])


@functools.lru_cache(maxsize=256)
def _opacus_rdp(noise_multiplier: float, sample_rate: float) -> np.ndarray:
    """Opacus's RDP of one step at ``RDPAccountant.DEFAULT_ALPHAS`` (its fractional orders take milliseconds)."""
    from opacus.accountants import RDPAccountant
    from opacus.accountants.analysis.rdp import compute_rdp

    return compute_rdp(q=sample_rate, noise_multiplier=noise_multiplier, steps=1, orders=RDPAccountant.DEFAULT_ALPHAS)


def _rdp_history_epsilon(history: tuple, delta: float) -> float:
    """``RDPAccountant.get_epsilon`` for ``history``, the same arithmetic (compute_rdp of t steps is t times one)."""
    from opacus.accountants import RDPAccountant
    from opacus.accountants.analysis.rdp import get_privacy_spent

    rdp = sum(_opacus_rdp(sigma, q) * steps for sigma, q, steps in history)
    eps, _ = get_privacy_spent(orders=RDPAccountant.DEFAULT_ALPHAS, rdp=rdp, delta=delta)
    return float(eps)


class _DiskCache:
    """A small persistent map from accountant inputs to epsilon; any I/O problem just disables it."""

    LIMIT = 20000

    def __init__(self) -> None:
        self._data: dict[str, float] | None = None
        self._lock = threading.Lock()

    @staticmethod
    def path() -> Path | None:
        if os.environ.get("WORKBENCH_ACCOUNTING_CACHE", "1") == "0":
            return None
        root = Path(os.environ.get("WORKBENCH_CACHE", Path.home() / ".cache" / "privacy-workbench"))
        return root / f"accounting-{_versions()}.json"

    def _load(self) -> dict[str, float]:
        if self._data is None:
            self._data = {}
            path = self.path()
            try:
                if path is not None and path.exists():
                    loaded = json.loads(path.read_text())
                    self._data = {k: float(v) for k, v in loaded.items() if isinstance(v, (int, float))}
            except (OSError, ValueError):
                self._data = {}
        return self._data

    def get(self, key: str) -> float | None:
        if self.path() is None:
            return None
        with self._lock:
            return self._load().get(key)

    def get_or_compute(self, key: str, compute) -> float:
        cached = self.get(key)
        if cached is not None:
            return cached
        value = compute()
        self.put(key, value)
        return value

    def put(self, key: str, value: float) -> None:
        path = self.path()
        if path is None or not math.isfinite(value):
            return
        with self._lock:
            data = self._load()
            data[key] = value
            if len(data) > self.LIMIT:
                for old in list(data)[: len(data) - self.LIMIT]:
                    del data[old]
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
                    json.dump(data, tmp)
                os.replace(tmp.name, path)
            except OSError:
                pass


@functools.lru_cache(maxsize=1)
def _versions() -> str:
    """Whose code computed the cached answers: Opacus's (RDP, GDP, multi-run PRV) and ours (one-run PRV)."""
    from importlib.metadata import version

    from workbench._version import __version__

    return f"opacus-{version('opacus')}-workbench-{__version__}"


_DISK = _DiskCache()


def _compose(accountant: str, history: tuple, delta: float) -> float:
    from opacus.accountants import GaussianAccountant

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "optimal order is the largest alpha", "GDP is experimental" (we warn)
        if accountant == "rdp":
            return _rdp_history_epsilon(history, delta)
        acc = GaussianAccountant()
        acc.history = list(history)
        if len(history) > 1:  # Opacus's GaussianAccountant reads only its last entry; mu-GDP composes by sqrt(sum mu^2)
            return _gdp_epsilon(history, delta)
        try:
            return float(acc.get_epsilon(delta=delta))
        except ValueError:  # Opacus's root bracket fails for large epsilon; solve the same equation robustly
            return _gdp_epsilon(history, delta)


class EpsilonCurve:
    """Epsilon after ``t`` steps for many ``t`` of one run, sharing the accountant's work between them.

    The last step count (``final_steps``) always goes through :func:`compute_epsilon`, so it equals the statement's
    epsilon exactly. Earlier ones:

    * RDP: the RDP of ``t`` steps is ``t`` times that of one step (what Opacus computes), so one ``compute_rdp``
      call serves every ``t``; the conversion is Opacus's ``get_privacy_spent``, giving exactly ``RDPAccountant``'s
      answer.
    * PRV: Opacus's PRV pipeline with the discretisation domain, mesh and error allowance of ``final_steps`` (a
      domain safe for more compositions is safe for fewer, and a finer mesh only lowers the discretisation error),
      discretised once; each ``t`` is then one FFT composition and Opacus's ``compute_epsilon`` upper bound.
    * GDP: :func:`compute_epsilon` (closed form, cheap).

    Examples
    --------
    >>> curve = EpsilonCurve("rdp", 1.0, 0.01, 1e-5, final_steps=1000)
    >>> curve(1000) == compute_epsilon("rdp", 1.0, 0.01, 1000, 1e-5)
    True
    >>> abs(curve(500) - compute_epsilon("rdp", 1.0, 0.01, 500, 1e-5)) < 1e-12
    True
    """

    def __init__(self, accountant: str, noise_multiplier: float, sample_rate: float, delta: float, final_steps: int):
        self.accountant = check_accountant(accountant)
        self.sigma, self.rate, self.delta, self.final = float(noise_multiplier), float(sample_rate), delta, final_steps

    def __call__(self, steps: int) -> float:
        if steps <= 0:
            return 0.0
        if steps == self.final or self.accountant == "gdp" or steps > self.final:
            return compute_epsilon(self.accountant, self.sigma, self.rate, steps, self.delta)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.accountant == "rdp":
                return self._rdp(steps)
            return self._prv(steps)

    def _rdp(self, steps: int) -> float:
        return _not_negative(_rdp_history_epsilon(((self.sigma, self.rate, steps),), self.delta))

    def _prv(self, steps: int) -> float:
        if self.sigma < _PRV_MIN_SIGMA:
            return math.inf
        eps_error = prv_eps_error(self.sigma, self.rate, self.final, self.delta)
        return _not_negative(_prv_epsilon(self.sigma, self.rate, self.delta, self.final, steps, eps_error))


# Opacus's PRVAccountant.get_epsilon default error allowance, kept between these fractions of the epsilon
_PRV_EPS_ERROR = 0.01
_PRV_RELATIVE_ERROR = (1 / 200, 1 / 40)
_PRV_MIN_EPS_ERROR = 5e-4
# below this noise multiplier PRV's grid explodes (TiB) or its discrete mean drifts; ε would be hundreds at best
_PRV_MIN_SIGMA = 0.05
_COARSE = 8  # the calibration search's grid is this many times coarser than the final one


def prv_eps_error(noise_multiplier: float, sample_rate: float, steps: int, delta: float) -> float:
    """The PRV accountant's error allowance for a run: Opacus's 0.01, kept between 0.5 % and 2.5 % of epsilon.

    PRV reports an upper bound, its estimate plus ``eps_error``. A fixed 0.01 dominates small epsilons (ε = 0.02
    would need about twice the noise it needs) and, for large ones, needs a grid several times finer than 0.5 %
    precision asks for. Epsilon here is the integer-order RDP bound (wide orders), computed in microseconds, so the
    allowance is a function of the run's parameters; every statement also records it. Never below 5e-4.

    Parameters
    ----------
    noise_multiplier : float
        Noise standard deviation / clipping norm.
    sample_rate : float
        Poisson sampling rate of a batch.
    steps : int
        Number of noisy steps.
    delta : float
        δ of the guarantee.

    Returns
    -------
    float
        The allowance added to the PRV estimate.

    Examples
    --------
    >>> prv_eps_error(2.5, 1 / 128, 1280, 1e-6)  # ε ≈ 0.4
    0.01
    >>> round(prv_eps_error(0.6, 1 / 128, 1280, 1e-6), 4)  # ε ≈ 8; RDP says 9.0
    0.0448
    >>> round(prv_eps_error(8.0, 1 / 128, 1280, 1e-6), 4)  # ε ≈ 0.1; RDP says 0.14
    0.0036
    """
    return _eps_error_rule(_fast_epsilon(noise_multiplier, sample_rate, steps, delta, wide=True))


def _eps_error_rule(rdp_epsilon: float) -> float:
    finest, coarsest = (rdp_epsilon * r for r in _PRV_RELATIVE_ERROR)
    return max(_PRV_MIN_EPS_ERROR, min(coarsest, max(_PRV_EPS_ERROR, finest)))


@functools.lru_cache(maxsize=8)  # a few MB each; up to ~100 MB for tiny epsilons (fine meshes)
def _prv_discretised(sigma: float, rate: float, delta: float, domain_steps: int, eps_error: float):
    """One DP-SGD step's PRV on the grid Opacus's PRVAccountant builds for ``domain_steps`` steps, transformed."""
    from workbench.dp import _prv

    return _prv.discretise(sigma, rate, delta, domain_steps, eps_error)


def _prv_bounds(sigma: float, rate: float, delta: float, domain_steps: int, steps: int, eps_error: float):
    """(lower, estimate, upper) epsilon of ``steps`` steps on the grid of ``domain_steps >= steps`` steps."""
    from workbench.dp import _prv

    return _prv.epsilon_bounds(_prv_discretised(sigma, rate, delta, domain_steps, eps_error), steps, delta)


def _prv_epsilon(sigma: float, rate: float, delta: float, domain_steps: int, steps: int, eps_error: float) -> float:
    """PRVAccountant.get_epsilon(delta, eps_error=eps_error) for ``[(sigma, rate, steps)]`` (equal up to rounding;
    a test compares), on the grid of ``domain_steps >= steps`` steps (Opacus's when they are equal)."""
    return _prv_bounds(sigma, rate, delta, domain_steps, steps, eps_error)[2]


def _gdp_epsilon(history: tuple, delta: float) -> float:
    from opacus.accountants.analysis.gdp import compute_mu_poisson
    from scipy.optimize import brentq
    from scipy.special import log_ndtr, ndtr

    mu = math.sqrt(sum(compute_mu_poisson(steps=t, noise_multiplier=s, sample_rate=q) ** 2 for s, q, t in history))

    def excess(eps: float) -> float:  # delta(eps) - delta for mu-GDP, stable in log space
        return float(ndtr(-eps / mu + mu / 2) - np.exp(eps + log_ndtr(-eps / mu - mu / 2)) - delta)

    high = 1.0
    while excess(high) > 0 and high < 1e6:
        high *= 2
    return 0.0 if excess(0.0) <= 0 else float(brentq(excess, 0.0, high, xtol=1e-9))


def _fast_epsilon(noise_multiplier: float, sample_rate: float, steps: int, delta: float, wide: bool = False) -> float:
    """RDP epsilon over integer orders (:mod:`workbench.dp._rdp`), a valid upper bound; for the searches only.

    Equal to Opacus's ``compute_rdp`` and ``get_privacy_spent`` at these orders (a test checks it).
    """
    return _fast_history_epsilon(((noise_multiplier, sample_rate, steps),), delta, wide)


def _fast_history_epsilon(history: Sequence[tuple[float, float, int]], delta: float, wide: bool = True) -> float:
    orders = _WIDE_ORDERS if wide else _FAST_ORDERS
    rdp = sum(rdp_per_step(sigma, q, orders) * steps for sigma, q, steps in history)
    eps = rdp_epsilons(rdp, np.asarray(orders, dtype=float), delta)
    return math.inf if np.isnan(eps).all() else float(np.nanmin(eps))


def calibrate_noise(
    epsilon: float, delta: float, sample_rate: float, steps: int, accountant: str = "prv", *, tolerance: float = 0.02
) -> tuple[float, float]:
    """The smallest noise multiplier (to ``tolerance``) whose epsilon, by ``accountant``, is at most ``epsilon``.

    Returns ``(noise_multiplier, achieved_epsilon)``; ``achieved_epsilon`` is computed by the chosen accountant and
    never exceeds ``epsilon``.

    Parameters
    ----------
    epsilon : float
        The target ε.
    delta : float
        δ of the guarantee.
    sample_rate : float
        Poisson sampling rate of a batch (expected batch size / rows).
    steps : int
        Number of noisy steps.
    accountant : {"prv", "rdp", "gdp"}, default="prv"
        Which of Opacus's accountants certifies the result (see :data:`ACCOUNTANTS`).
    tolerance : float, default=0.02
        Relative precision of the noise multiplier.

    Raises
    ------
    UnknownNameError
        For an unknown accountant.
    InfeasibleError
        When no noise multiplier reaches ``epsilon`` (or the RDP accountant cannot certify so small an ε: use PRV).

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
    wide = False

    def fast(sigma: float) -> float:
        return _fast_epsilon(sigma, rate, steps, delta, wide)

    try:
        lo, hi = _bracket(fast, epsilon)
    except InfeasibleError:
        if accountant == "rdp":  # Opacus's RDP accountant stops at order 63: small epsilons are out of its reach
            raise InfeasibleError(
                f"epsilon={epsilon:g} is below what Opacus's RDP accountant can certify here (its orders stop at 63, "
                f"so ε ≥ about {math.log(1 / delta) / 62:.2g} at δ={delta:g}); use accountant='prv'."
            ) from None
        wide = True  # larger orders reach small epsilons; PRV and GDP confirm the result below
        lo, hi = _bracket(fast, epsilon)
    lo, hi = _bisect(fast, epsilon, lo, hi, tolerance / 4)
    exact = functools.partial(compute_epsilon, accountant, sample_rate=rate, steps=steps, delta=delta)
    sigma = hi
    if accountant != "rdp":
        # 2. a tighter accountant allows less noise: Newton steps on log(sigma), with the slope of the fast bound,
        #    from a first guess at the ratio seen for PRV vs RDP on DP-SGD settings
        slope = math.log(fast(hi * 1.05) / fast(hi)) / math.log(1.05)
        start = hi * 0.955
        if accountant == "prv":  # first on PRV's estimate on a coarse grid (about 1 ms each), aiming a bit low
            predicted = _coarse_prv(rate, steps, delta)
            start = _newton(predicted, epsilon * (1 - tolerance / 4), start, slope, tolerance / 2)[0] or start
        sigma, eps = _newton(exact, epsilon, start, slope, tolerance)  # type: ignore[assignment]
        if sigma is not None:
            return sigma, eps
        sigma = hi
    # 3. the chosen accountant must confirm; if it reports more (gdp, numerical error), add noise until it doesn't
    eps, grow = exact(sigma), 1.01
    while eps > epsilon:
        sigma *= grow
        grow = grow**2
        if sigma > _MAX_SIGMA:
            raise InfeasibleError(f"No noise multiplier up to {_MAX_SIGMA:g} reaches epsilon={epsilon:g}.")
        eps = exact(sigma)
    return sigma, eps


def _coarse_prv(rate: float, steps: int, delta: float):
    """sigma -> what PRV will report, predicted from its estimate on a grid ``_COARSE`` times coarser (within about
    0.1 % on DP-SGD settings) plus the error allowance of the final grid."""

    def predicted(sigma: float) -> float:
        eps_error = prv_eps_error(sigma, rate, steps, delta)
        try:
            return _prv_bounds(sigma, rate, delta, steps, steps, eps_error * _COARSE)[1] + eps_error
        except (RuntimeError, ValueError):  # a grid too coarse for this sigma: no prediction, the exact search goes on
            return math.nan

    return predicted


def _newton(exact, target: float, sigma: float, slope: float, tolerance: float) -> tuple[float | None, float]:
    """Find sigma with exact(sigma) in [target (1 - tolerance), target] in a few evaluations of the slow accountant.

    Newton steps on (log sigma, log eps) with the slope of the fast bound until the target is bracketed, then
    regula falsi inside the bracket; returns the smallest valid sigma found (None if none was valid).
    """
    aim = math.log(target * (1 - tolerance / 2))
    valid: tuple[float, float] | None = None  # (sigma, eps) with eps <= target
    invalid: tuple[float, float] | None = None  # (sigma, eps) with eps > target
    for _ in range(8):
        eps = exact(sigma)
        if not (math.isfinite(eps) and eps > 0):
            break
        if eps <= target:
            if valid is None or sigma < valid[0]:
                valid = (sigma, eps)
            if eps >= target * (1 - tolerance):
                break
        elif invalid is None or sigma > invalid[0]:
            invalid = (sigma, eps)
        if valid is not None and invalid is not None:
            (s1, e1), (s0, e0) = valid, invalid
            local = (math.log(e1) - math.log(e0)) / (math.log(s1) - math.log(s0))
            guess = math.log(s1) + (aim - math.log(e1)) / local
            low, high = math.log(s0), math.log(s1)
            if not low < guess < high:  # keep inside the bracket
                guess = (low + high) / 2
            sigma = math.exp(guess)
        else:
            sigma *= math.exp((aim - math.log(eps)) / slope)
    return valid if valid is not None else (None, math.nan)


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
