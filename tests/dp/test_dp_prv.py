"""Our PRV accountant against Opacus's own, the error allowance rule, and calibration on a grid of settings."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from opacus.accountants import PRVAccountant
from opacus.accountants.analysis.prv import Domain, PoissonSubsampledGaussianPRV, TruncatedPrivacyRandomVariable
from opacus.accountants.analysis.prv.domain import compute_safe_domain_size
from opacus.accountants.analysis.rdp import compute_rdp

from workbench.dp import _prv, _rdp, accounting
from workbench.dp.accounting import calibrate_noise, compute_epsilon, prv_eps_error

# (noise multiplier, sample rate, steps, delta, eps_error): Adult at ε 0.5-9, small and large runs, q = 1,
# an ε near 100 (where the best RDP order is below 2), a fine allowance
SETTINGS = [
    (2.19, 1 / 128, 1280, 1e-6, 0.01),
    (0.9, 1 / 128, 1280, 1e-6, 0.01),
    (0.57, 1 / 128, 1280, 1e-6, 0.045),
    (1.0, 0.01, 1000, 1e-5, 0.01),
    (5.0, 0.3, 10, 1e-5, 0.01),
    (2.0, 1.0, 3, 1e-5, 0.01),
    (0.3, 0.05, 200, 1e-5, 0.05),
    (1.1, 0.02, 200, 1e-5, 0.002),
]


def _opacus(sigma, q, steps, delta, eps_error):
    acc = PRVAccountant()
    acc.history = [(sigma, q, steps)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return acc.get_epsilon(delta=delta, eps_error=eps_error)


@pytest.mark.parametrize(("sigma", "q", "steps", "delta", "eps_error"), SETTINGS)
def test_prv_equals_opacus_prv_accountant_up_to_rounding(sigma, q, steps, delta, eps_error):
    step = _prv.discretise(sigma, q, delta, steps, eps_error)
    low, estimate, upper = _prv.epsilon_bounds(step, steps, delta)
    assert low < estimate < estimate + eps_error <= upper  # upper: ε at delta - delta_error, + eps_error
    assert upper == pytest.approx(_opacus(sigma, q, steps, delta, eps_error), rel=1e-6)
    assert step.grid.length % 2 == 0 and max(_prime_factors(step.grid.length)) <= 5  # a fast FFT length


@pytest.mark.parametrize(("sigma", "q", "steps", "delta", "eps_error"), SETTINGS)
def test_safe_domain_is_never_narrower_than_opacus_and_the_mean_matches(sigma, q, steps, delta, eps_error):
    prv = PoissonSubsampledGaussianPRV(q, sigma)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = compute_safe_domain_size([prv], [steps], eps_error, delta / 1000)
    ours = _prv.safe_domain_size([(sigma, q, steps)], eps_error, delta / 1000)
    assert theirs * (1 - 1e-12) <= ours <= 1.05 * theirs  # integer orders only: at most a little wider
    mesh = eps_error / math.sqrt(steps * math.log(12 / (delta / 1000)) / 2)
    domain = Domain.create_aligned(-theirs, theirs, mesh)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # log(1 - q) at q = 1
        quad_mean = TruncatedPrivacyRandomVariable(prv, domain.t_min, domain.t_max).mean()
    assert _prv._continuous_mean(q, sigma) == pytest.approx(quad_mean, abs=1e-9)


HISTORIES = [
    [(2.19, 1 / 128, 1280), (0.57, 1 / 128, 1280)],
    [(1.0, 0.01, 500), (1.0, 0.01, 500)],
    [(1.2, 0.02, 300), (0.9, 0.05, 100), (3.0, 0.3, 10)],
]


@pytest.mark.parametrize("history", HISTORIES)
def test_composition_of_several_runs_equals_opacus(history):
    delta, eps_error = 1e-6, 0.01
    acc = PRVAccountant()
    acc.history = list(history)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = acc.get_epsilon(delta=delta, eps_error=eps_error)
        theirs = compute_safe_domain_size(
            [PoissonSubsampledGaussianPRV(q, s) for s, q, _ in history], [t for *_, t in history], eps_error, 1e-9
        )
    assert _prv.compose(history, delta, eps_error)[2] == pytest.approx(expected, rel=1e-6)
    assert theirs * (1 - 1e-12) <= _prv.safe_domain_size(history, eps_error, 1e-9) <= 1.05 * theirs


def test_integer_order_rdp_equals_opacus():
    orders = (2, 3, 10, 33, 63)
    for sigma, q in [(0.6, 1 / 128), (1.0, 0.01), (5.0, 0.3), (2.0, 1.0)]:
        expected = compute_rdp(q=q, noise_multiplier=sigma, steps=1, orders=list(orders))
        assert _rdp.rdp_per_step(sigma, q, orders) == pytest.approx(expected, rel=1e-12)


def test_error_allowance_is_opacus_default_kept_between_half_and_two_and_a_half_percent():
    q, steps, delta = 1 / 128, 1280, 1e-6
    for sigma in np.geomspace(0.45, 40, 25):
        eps_error = prv_eps_error(sigma, q, steps, delta)
        rdp = accounting._fast_epsilon(sigma, q, steps, delta, wide=True)
        assert eps_error == pytest.approx(max(5e-4, min(rdp / 40, max(0.01, rdp / 200))))
        prv = compute_epsilon("prv", sigma, q, steps, delta)
        assert eps_error <= 0.05 * prv  # the allowance never dominates the answer


def test_compute_epsilon_takes_an_explicit_allowance():
    sigma, q, steps, delta = 1.0, 0.01, 1000, 1e-5
    fine = compute_epsilon("prv", sigma, q, steps, delta, eps_error=0.002)
    assert fine == pytest.approx(_opacus(sigma, q, steps, delta, 0.002), rel=1e-6)
    assert fine < compute_epsilon("prv", sigma, q, steps, delta, eps_error=0.05)


@pytest.mark.parametrize("target", [0.05, 0.5, 2.0, 8.0, 30.0])
@pytest.mark.parametrize(("q", "steps", "delta"), [(1 / 128, 1280, 1e-6), (0.01, 300, 1e-5), (0.1, 50, 1e-5)])
def test_prv_calibration_meets_the_target_with_one_full_evaluation(target, q, steps, delta, monkeypatch):
    full = []
    discretise = _prv.discretise

    def counting(sigma, rate, delta_, domain_steps, eps_error):
        if eps_error == prv_eps_error(sigma, rate, domain_steps, delta_):
            full.append(sigma)
        return discretise(sigma, rate, delta_, domain_steps, eps_error)

    monkeypatch.setattr(_prv, "discretise", counting)
    monkeypatch.setenv("WORKBENCH_ACCOUNTING_CACHE", "0")
    for cached in (accounting._calibrate_cached, accounting._prv_cached, accounting._prv_discretised):
        cached.cache_clear()
    sigma, eps = calibrate_noise(target, delta, q, steps, "prv")
    assert 0.98 * target <= eps <= target
    assert eps == pytest.approx(_opacus(sigma, q, steps, delta, prv_eps_error(sigma, q, steps, delta)), rel=1e-6)
    assert len(full) <= 2, full  # the coarse-grid search lands in the window (usually at the first try)


def _prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors
