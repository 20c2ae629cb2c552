"""wb.tune: the selection's accounting against an independent computation, the ledger, refusals, reproducibility."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from opacus.accountants.analysis.rdp import compute_rdp, get_privacy_spent
from scipy.optimize import minimize_scalar

import workbench as wb
from workbench.dp import PrivacyLedger
from workbench.dp._selection import (
    ORDERS,
    TruncatedNegativeBinomial,
    calibrate_trials,
    search_rdp,
    selection_epsilon,
    trial_rdp,
)
from workbench.errors import BudgetExceededError, InvalidParameterError

FAST = {"grid": {"epochs": [2], "lr": [0.01, 0.03]}, "trials": 2.0, "public_schema": True}


@pytest.fixture(scope="module")
def diabetes_binary():
    raw = wb.load_dataset("diabetes").frame
    return wb.load_dataset(raw.assign(progression=raw["progression"] > 140), target="progression", name="diab-bin")


def _pmf(k: np.ndarray, eta: float, gamma: float) -> np.ndarray:
    """P[K = k] of the truncated negative binomial, from its definition (Papernot & Steinke 2022, Sec. 2)."""
    from scipy.special import gammaln

    if eta == 0:
        return (1 - gamma) ** k / (k * math.log(1 / gamma))
    log_prod = gammaln(k + eta) - gammaln(eta) - gammaln(k + 1)  # prod_{l<k} (l + eta) / (l + 1)
    return np.exp(log_prod + k * math.log(1 - gamma)) / (gamma**-eta - 1)


def _independent_epsilon(settings, eta: float, gamma: float, delta: float) -> float:
    """Theorem 2 recomputed with Opacus's RDP at real orders, a continuous minimum over λ̂, E[K] summed from the pmf
    and Opacus's RDP-to-(ε, δ) conversion."""
    k = np.arange(1, 20_000, dtype=float)
    pmf = _pmf(k, eta, gamma)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    mean = float((k * pmf).sum())

    def q_rdp(order: float) -> float:  # the largest RDP over the grid's settings
        return max(float(compute_rdp(q=q, noise_multiplier=s, steps=t, orders=[order])[0]) for s, q, t in settings)

    hat = minimize_scalar(
        lambda h: (1 + eta) * (1 - 1 / h) * q_rdp(h) + (1 + eta) * math.log(1 / gamma) / h,
        bounds=(1.0, 256.0),
        method="bounded",
    ).fun
    orders = [1.5, 1.75, *np.arange(2, 64, 0.5).tolist(), 64, 80, 128, 256]
    rdp = np.array([q_rdp(a) + hat + math.log(mean) / (a - 1) for a in orders])
    eps, _ = get_privacy_spent(orders=orders, rdp=rdp, delta=delta)
    return float(eps)


def test_trial_rdp_is_opacus_rdp():
    ours = trial_rdp(1.3, 0.02, 700)
    theirs = compute_rdp(q=0.02, noise_multiplier=1.3, steps=700, orders=list(ORDERS))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


@pytest.mark.parametrize("eta", [0.0, 0.5, 1.0, 3.0])
def test_distribution_mean_matches_its_pmf_and_its_draws(eta):
    d = TruncatedNegativeBinomial.with_mean(4.0, eta=eta)
    k = np.arange(1, 20_000, dtype=float)
    assert float((k * _pmf(k, eta, d.gamma)).sum()) == pytest.approx(4.0, rel=1e-6)
    draws = [d.sample(np.random.default_rng(i)) for i in range(4000)]
    assert min(draws) >= 1
    assert np.mean(draws) == pytest.approx(4.0, rel=0.08)


@pytest.mark.parametrize(("eta", "mean"), [(0.0, 4.0), (1.0, 3.0), (2.0, 6.0)])
def test_selection_epsilon_matches_an_independent_computation(eta, mean):
    settings = [(2.0, 32 / 2000, 1000), (1.5, 64 / 2000, 300)]
    d = TruncatedNegativeBinomial.with_mean(mean, eta=eta)
    delta = 1e-5
    ours = selection_epsilon(search_rdp(settings), d, delta)
    independent = _independent_epsilon(settings, eta, d.gamma, delta)
    # ours optimises over integer orders only: never below the real-order bound, and close to it
    assert independent <= ours + 1e-9
    assert ours == pytest.approx(independent, rel=0.05)


def test_calibration_meets_the_total_and_each_trial_costs_less():
    d = TruncatedNegativeBinomial.with_mean(4.0, eta=0.0)
    settings = [(1 / 63, 1008), (1 / 32, 320)]
    sigmas, per_trial, total = calibrate_trials(1.0, 1e-5, settings, d)
    assert total <= 1.0 and total > 0.97
    assert 0.3 < per_trial < total
    rdp = search_rdp([(s, q, t) for s, (q, t) in zip(sigmas, settings, strict=True)])
    independent = _independent_epsilon([(s, q, t) for s, (q, t) in zip(sigmas, settings, strict=True)], 0.0,
                                       d.gamma, 1e-5)  # fmt: skip
    assert independent <= selection_epsilon(rdp, d, 1e-5) + 1e-9 <= 1.0 + 1e-9


def test_tune_states_the_whole_search_and_records_it_once(diabetes_binary):
    ledger = PrivacyLedger()
    result = wb.tune(diabetes_binary, epsilon=2.0, seed=3, ledger=ledger, **FAST)
    s = result.statement
    assert s.epsilon <= 2.0 and s.recompute() == pytest.approx(s.epsilon)
    assert s.trials_drawn == len(result.trials) >= 1
    assert s.parameters["expected_trials"] == pytest.approx(2.0)
    # every trial used less than the whole search's epsilon, and the winner carries the search's statement
    assert (result.trials["trial_epsilon"] < s.epsilon).all()
    assert result.best.statement.epsilon == s.epsilon and result.best.statement.sampling == "private-selection"
    assert result.best.metrics["accuracy"] == result.trials["accuracy"].max()
    assert len(ledger) == 1 and ledger.spent(diabetes_binary.fingerprint) == pytest.approx(s.epsilon)
    assert "Papernot & Steinke" in s.plain_language() and "only the best run" in s.plain_language()
    with pytest.raises(InvalidParameterError, match=r"statement\.recompute"):
        result.best.statement.recompute()


def test_tune_is_reproducible_under_a_seed(diabetes_binary):
    a = wb.tune(diabetes_binary, epsilon=1.0, seed=5, ledger=False, **FAST)
    b = wb.tune(diabetes_binary, epsilon=1.0, seed=5, ledger=False, **FAST)
    assert a.trials.equals(b.trials)
    assert a.statement == b.statement


def test_auto_grid_follows_the_rule(diabetes_binary):
    from workbench.dp.tuning import auto_grid

    grid = auto_grid(354)
    assert grid["lr"] == [0.00333, 0.01, 0.03] and grid["epochs"][1] == 84


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epsilon": 0.0}, "epsilon > 0"),
        ({"epsilon": -1.0}, "epsilon > 0"),
        ({"epsilon": math.inf}, "epsilon > 0"),
        ({"epsilon": 1.0, "grid": {}}, "non-empty dict"),
        ({"epsilon": 1.0, "grid": {"lr": []}}, "empty"),
        ({"epsilon": 1.0, "grid": {"momentum": [0.9]}}, "Cannot tune \\['momentum'\\]"),
        ({"epsilon": 1.0, "grid": "best"}, "or 'auto'"),
        ({"epsilon": 1.0, "trials": 1}, "trials"),
        ({"epsilon": 1.0, "eta": -0.5}, "eta"),
        ({"epsilon": 1.0, "momentum": 0.9}, "unexpected argument"),
        ({"epsilon": 1.0, "grid": {"lr": [-1.0]}}, "lr"),
    ],
)
def test_tune_refuses_bad_input_before_any_work(diabetes_binary, kwargs, match):
    frame = diabetes_binary.frame.copy()
    with pytest.raises(InvalidParameterError, match=match):
        wb.tune(diabetes_binary, ledger=False, **kwargs)
    assert diabetes_binary.frame.equals(frame)


def test_tune_refuses_a_search_past_the_budget_before_training(diabetes_binary):
    ledger = PrivacyLedger(budget=1.0)
    with pytest.raises(BudgetExceededError, match="past the budget"):
        wb.tune(diabetes_binary, epsilon=2.0, ledger=ledger, **FAST)
    assert len(ledger) == 0


def test_a_stopped_search_states_at_least_the_composition_of_its_trials(diabetes_binary):
    stop = threading.Event()
    result = wb.tune(diabetes_binary, epsilon=1.0, seed=2, ledger=False, stop=stop,
                     on_trial=lambda row, best: stop.set(), **{**FAST, "trials": 6.0})  # fmt: skip
    s = result.statement
    assert s.trials_drawn > 1  # seed 2 draws several trials: the search stopped after the first
    assert s.stopped and len(s.ran) == 1
    assert s.epsilon >= selection_epsilon(search_rdp(s.settings), s.distribution, s.delta) - 1e-12
    assert len(result.trials) == 1
