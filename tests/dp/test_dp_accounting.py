"""Accounting: the fast search bound, noise calibration confirmed by Opacus's accountants, composition."""

from __future__ import annotations

import math

import pytest
from opacus.accountants import GaussianAccountant, PRVAccountant, RDPAccountant
from opacus.accountants.analysis.rdp import compute_rdp, get_privacy_spent

from workbench.dp import accounting
from workbench.dp.accounting import calibrate_noise, compose_epsilon, compute_epsilon, default_delta
from workbench.errors import InfeasibleError, UnknownNameError

ORDERS = list(range(2, 64))


@pytest.mark.parametrize(
    ("q", "sigma", "steps"), [(1 / 128, 0.6, 1280), (0.01, 1.0, 1000), (0.3, 5.0, 10), (1.0, 2.0, 3)]
)
def test_fast_search_bound_equals_opacus_rdp_at_integer_orders(q, sigma, steps):
    rdp = compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=ORDERS)
    expected, _ = get_privacy_spent(orders=ORDERS, rdp=rdp, delta=1e-6)
    assert accounting._fast_epsilon(sigma, q, steps, 1e-6) == pytest.approx(expected, rel=1e-9)


def _independent(accountant, sigma, q, steps, delta, eps_error=None):
    """Opacus's accountant stepped by hand; PRV with the error allowance our statement records."""
    acc = {"rdp": RDPAccountant, "prv": PRVAccountant, "gdp": GaussianAccountant}[accountant]()
    for _ in range(steps):
        acc.step(noise_multiplier=sigma, sample_rate=q)
    if accountant != "prv":
        return acc.get_epsilon(delta=delta)
    if eps_error is None:
        eps_error = accounting.prv_eps_error(sigma, q, steps, delta)
    return acc.get_epsilon(delta=delta, eps_error=eps_error)


def _rel(accountant):
    """Agreement asked of our accountant with Opacus's: exact for RDP; for PRV, rounding (FFT length, mean)."""
    return 1e-6 if accountant == "prv" else 1e-9


@pytest.mark.parametrize("accountant", ["rdp", "prv"])
@pytest.mark.parametrize("target", [0.5, 3.0])
def test_calibration_meets_target_and_matches_an_independent_accountant(accountant, target):
    q, steps, delta = 0.02, 150, 1e-5
    sigma, eps = calibrate_noise(target, delta, q, steps, accountant)
    assert eps <= target
    assert eps >= 0.95 * target  # not wastefully noisy
    assert eps == pytest.approx(_independent(accountant, sigma, q, steps, delta), rel=_rel(accountant))


def test_gdp_at_epsilon_8_does_not_raise_and_meets_target():
    # Opacus's own root bracket raises "f(a) and f(b) must have different signs" around here
    sigma, eps = calibrate_noise(8.0, 1e-6, 1 / 128, 1280, "gdp")
    assert 0 < eps <= 8.0
    assert compute_epsilon("gdp", sigma, 1 / 128, 1280, 1e-6) == eps


def test_small_epsilon_needs_more_noise_than_large():
    small, _ = calibrate_noise(0.5, 1e-5, 0.02, 150, "rdp")
    large, _ = calibrate_noise(4.0, 1e-5, 0.02, 150, "rdp")
    assert small > large


def test_out_of_reach_target_is_an_infeasible_error():
    with pytest.raises(InfeasibleError, match="use accountant='prv'"):
        calibrate_noise(0.05, 1e-6, 0.5, 5000, "rdp")
    with pytest.raises(InfeasibleError, match="out of reach"):
        calibrate_noise(1e-9, 1e-6, 0.5, 5000, "prv")


def test_unknown_accountant_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="prv"):
        compute_epsilon("rpd", 1.0, 0.01, 10, 1e-5)


def test_default_delta_is_below_one_over_n():
    for n in (10, 442, 32561, 10**6):
        assert default_delta(n) < 1 / n
        assert math.log10(default_delta(n)).is_integer()


def test_composition_is_no_worse_than_the_sum_and_matches_opacus():
    history = [(1.2, 0.01, 300), (0.9, 0.02, 100)]
    composed = compose_epsilon("rdp", history, 1e-5)
    acc = RDPAccountant()
    for sigma, q, steps in history:
        for _ in range(steps):
            acc.step(noise_multiplier=sigma, sample_rate=q)
    assert composed == pytest.approx(acc.get_epsilon(delta=1e-5), rel=1e-9)
    assert composed < sum(compute_epsilon("rdp", s, q, t, 1e-5) for s, q, t in history)


def test_zero_steps_spend_nothing():
    assert compute_epsilon("prv", 1.0, 0.01, 0, 1e-5) == 0.0


def test_disk_cache_round_trip_survives_a_new_process_and_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_ACCOUNTING_CACHE", raising=False)
    cache = accounting._DiskCache()
    cache.put("k", 1.25)
    cache.put("inf", math.inf)  # not stored: only finite answers
    fresh = accounting._DiskCache()
    assert fresh.get("k") == 1.25 and fresh.get("inf") is None
    cache.path().write_text("{not json")
    assert accounting._DiskCache().get("k") is None  # a broken file is ignored
    monkeypatch.setenv("WORKBENCH_ACCOUNTING_CACHE", "0")
    assert accounting._DiskCache().get("k") is None and accounting._DiskCache.path() is None


def test_cached_answers_equal_fresh_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    monkeypatch.setattr(accounting, "_DISK", accounting._DiskCache())
    accounting._compose_cached.cache_clear()
    first = compute_epsilon("rdp", 1.7, 0.03, 77, 1e-5)
    accounting._compose_cached.cache_clear()
    assert compute_epsilon("rdp", 1.7, 0.03, 77, 1e-5) == first == _independent("rdp", 1.7, 0.03, 77, 1e-5)


@pytest.mark.parametrize("accountant", ["rdp", "prv"])
def test_epoch_curve_agrees_with_the_accountant_at_every_epoch(accountant):
    sigma, q, per_epoch, epochs, delta = 1.1, 0.02, 50, 4, 1e-5
    curve = accounting.EpsilonCurve(accountant, sigma, q, delta, per_epoch * epochs)
    values = [curve(per_epoch * e) for e in range(1, epochs + 1)]
    independent = [_independent(accountant, sigma, q, per_epoch * e, delta) for e in range(1, epochs + 1)]
    assert values[-1] == compute_epsilon(accountant, sigma, q, per_epoch * epochs, delta)  # the statement's epsilon
    assert values[-1] == pytest.approx(independent[-1], rel=_rel(accountant))
    assert values == sorted(values)
    final_error = accounting.prv_eps_error(sigma, q, per_epoch * epochs, delta)
    epoch_ends = range(per_epoch, per_epoch * (epochs + 1), per_epoch)
    for steps, got, expected in zip(epoch_ends, values, independent, strict=True):
        if accountant == "prv":  # the final run's grid and allowance: Opacus's own, within those allowances
            expected = _independent("prv", sigma, q, steps, delta, eps_error=final_error)
            assert got == pytest.approx(expected, abs=1e-3)
        else:
            assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.filterwarnings("ignore:Optimal order is the largest alpha")
def test_small_prv_epsilons_use_a_finer_error_budget_and_stay_reproducible():
    q, steps, delta = 1 / 128, 256, 1e-6
    sigma, eps = calibrate_noise(0.02, delta, q, steps, "prv")
    assert 0.019 <= eps <= 0.02
    opacus_default = _independent("prv", sigma, q, steps, delta)
    assert eps <= opacus_default  # Opacus's default error term (0.01) alone is half the target here
    accounting._compose_cached.cache_clear()
    assert compute_epsilon("prv", sigma, q, steps, delta) == eps  # a function of the parameters only
    rdp_sigma, _ = calibrate_noise(0.3, delta, q, steps, "rdp")
    assert sigma < 20 * rdp_sigma  # about 15x the noise for 15x smaller epsilon, not 10x more on top


@pytest.mark.filterwarnings("ignore:GDP accounting is experimental")
def test_gdp_fallback_solves_opacus_equation_and_composes():
    for sigma, q, steps in [(1.0, 0.01, 1000), (0.54, 1 / 128, 1280), (2.0, 0.05, 300)]:
        acc = GaussianAccountant()
        acc.history = [(sigma, q, steps)]
        assert accounting._gdp_epsilon(((sigma, q, steps),), 1e-6) == pytest.approx(acc.get_epsilon(1e-6), rel=1e-9)
    acc = GaussianAccountant()
    acc.history = [(0.3, 0.1, 1000)]
    with pytest.raises(ValueError, match="different signs"):  # the Opacus pitfall this module works around
        acc.get_epsilon(1e-6)
    assert math.isfinite(compute_epsilon("gdp", 0.3, 0.1, 1000, 1e-6))
    halves = compose_epsilon("gdp", [(1.0, 0.01, 500), (1.0, 0.01, 500)], 1e-6)
    assert halves == pytest.approx(compute_epsilon("gdp", 1.0, 0.01, 1000, 1e-6), rel=1e-9)


@pytest.mark.parametrize("accountant", ["prv", "rdp"])
def test_epsilon_is_floored_at_zero_where_the_accountant_reads_off_a_negative_value(accountant):
    sigma, q, steps, delta = 0.7, 256 / 32561, 1280, 0.5  # delta far above 1/n: the read-off falls below 0
    opacus = {"prv": PRVAccountant, "rdp": RDPAccountant}[accountant]()
    opacus.history = [(sigma, q, steps)]
    kwargs = {"eps_error": accounting.prv_eps_error(sigma, q, steps, delta)} if accountant == "prv" else {}
    assert opacus.get_epsilon(delta, **kwargs) < 0
    assert compute_epsilon(accountant, sigma, q, steps, delta) == 0.0
    assert compose_epsilon(accountant, [(sigma, q, steps // 2), (sigma, q, steps // 2)], delta) == 0.0
    assert accounting.EpsilonCurve(accountant, sigma, q, delta, steps)(steps // 2) == 0.0


def test_prv_reports_no_guarantee_below_the_noise_it_can_account():
    """Below σ = 0.05 PRV's grid would need terabytes: ε is inf (no guarantee), never an error or a small number."""
    from workbench.dp.accounting import EpsilonCurve, compute_epsilon

    assert compute_epsilon("prv", 0.01, 1.0, 1, 1e-5) == math.inf
    assert EpsilonCurve("prv", 0.01, 0.1, 1e-5, final_steps=30)(10) == math.inf
    assert math.isfinite(compute_epsilon("rdp", 0.01, 1.0, 1, 1e-5))
