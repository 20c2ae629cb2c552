"""wb.tune: the selection's accounting against an independent computation, the ledger, refusals, reproducibility."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import torch
from opacus.accountants.analysis.rdp import compute_rdp, get_privacy_spent
from scipy.optimize import minimize_scalar

import workbench as wb
from workbench.dp import PrivacyLedger
from workbench.dp._selection import (
    ORDERS,
    SCORE_SHARE,
    TruncatedNegativeBinomial,
    calibrate_trials,
    score_rdp,
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
    # |prod_{l<k} (l + eta) / (l + 1)| (of one sign for eta in (-1, 0); gammaln is log |Γ|), over |gamma^-eta - 1|
    log_prod = gammaln(k + eta) - gammaln(eta) - gammaln(k + 1)
    return np.exp(log_prod + k * math.log(1 - gamma)) / abs(gamma**-eta - 1)


def _brute_force_pmf(kmax: int, eta: float, gamma: float) -> np.ndarray:
    """The same probabilities by the product itself, normalised numerically (no closed form)."""
    weights = []
    for k in range(1, kmax + 1):
        weights.append(math.prod((j + eta) / (j + 1) for j in range(k)) * (1 - gamma) ** k if eta != 0 else
                       (1 - gamma) ** k / k)  # fmt: skip
    weights = np.abs(np.asarray(weights))
    return weights / weights.sum()


def _independent_epsilon(settings, eta: float, gamma: float, delta: float, score_noise: float = math.inf) -> float:
    """Theorem 2 recomputed with Opacus's RDP at real orders (the noisy score as a Gaussian mechanism with Opacus's
    ``compute_rdp`` at sample rate 1), a continuous minimum over λ̂, E[K] summed from the pmf and Opacus's
    RDP-to-(ε, δ) conversion."""
    k = np.arange(1, 400_000, dtype=float)
    pmf = _pmf(k, eta, gamma)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-6)
    mean = float((k * pmf).sum())

    def q_rdp(order: float) -> float:  # the largest RDP over the grid's settings, composed with the score
        score = 0.0 if math.isinf(score_noise) else float(compute_rdp(q=1.0, noise_multiplier=score_noise, steps=1,
                                                                      orders=[order])[0])  # fmt: skip
        return score + max(float(compute_rdp(q=q, noise_multiplier=s, steps=t, orders=[order])[0])
                           for s, q, t in settings)  # fmt: skip

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


@pytest.mark.parametrize(("eta", "mean"), [(-0.5, 2.0), (-0.3, 3.0), (0.0, 4.0), (0.5, 4.0), (1.0, 4.0), (3.0, 4.0)])
def test_distribution_mean_matches_its_pmf_and_its_draws(eta, mean):
    d = TruncatedNegativeBinomial.with_mean(mean, eta=eta)
    k = np.arange(1, 400_000, dtype=float)
    assert float((k * _pmf(k, eta, d.gamma)).sum()) == pytest.approx(mean, rel=1e-6)
    brute = _brute_force_pmf(3000, eta, d.gamma)  # the product itself, summed: the first moments and P[K = 1]
    np.testing.assert_allclose(brute[:50], _pmf(k[:50], eta, d.gamma), rtol=1e-6)
    draws = np.array([d.sample(np.random.default_rng(i)) for i in range(6000)])
    assert draws.min() >= 1
    assert np.mean(draws == 1) == pytest.approx(brute[0], abs=0.025)
    assert np.mean(np.minimum(draws, 10)) == pytest.approx(float((np.minimum(k[:3000], 10) * brute).sum()), rel=0.03)


@pytest.mark.parametrize(
    ("eta", "mean", "score_noise"),
    [
        (-0.5, 2.0, 30.0),
        (-0.8, 2.0, math.inf),
        (-0.3, 3.0, 5.0),
        (0.0, 4.0, math.inf),
        (1.0, 3.0, 12.0),
        (2.0, 6.0, 40.0),
    ],
)
def test_selection_epsilon_matches_an_independent_computation(eta, mean, score_noise):
    settings = [(2.0, 32 / 2000, 1000), (1.5, 64 / 2000, 300)]
    d = TruncatedNegativeBinomial.with_mean(mean, eta=eta)
    delta = 1e-5
    ours = selection_epsilon(search_rdp(settings, score_noise), d, delta)
    independent = _independent_epsilon(settings, eta, d.gamma, delta, score_noise)
    # ours optimises over integer orders only: never below the real-order bound, and close to it
    assert independent <= ours + 1e-9
    assert ours == pytest.approx(independent, rel=0.05)


@pytest.mark.parametrize(("eta", "mean", "share"), [(0.0, 4.0, 0.55), (-0.5, 2.0, 0.68)])
def test_calibration_meets_the_total_and_each_trial_costs_less(eta, mean, share):
    d = TruncatedNegativeBinomial.with_mean(mean, eta=eta)
    settings = [(1 / 63, 1008), (1 / 32, 320)]
    sigmas, per_trial, total, score_noise = calibrate_trials(1.0, 1e-5, settings, d)
    assert total <= 1.0 and total > 0.97
    assert share * total < per_trial < total
    trials = [(s, q, t) for s, (q, t) in zip(sigmas, settings, strict=True)]
    # the score's RDP is at most SCORE_SHARE of the trials' at every order
    assert np.all(score_rdp(score_noise) <= SCORE_SHARE * search_rdp(trials) * (1 + 1e-9))
    independent = _independent_epsilon(trials, eta, d.gamma, 1e-5, score_noise)
    assert independent <= selection_epsilon(search_rdp(trials, score_noise), d, 1e-5) + 1e-9 <= 1.0 + 1e-9


def test_negative_eta_leaves_each_trial_more_of_the_budget():
    settings = [(32 / 2000, 1008)]
    shares = {}
    for eta, mean in [(0.0, 4.0), (0.0, 2.0), (-0.5, 2.0)]:
        _, per_trial, total, _ = calibrate_trials(1.0, 1e-5, settings, TruncatedNegativeBinomial.with_mean(mean, eta))
        shares[eta, mean] = per_trial / total
    assert shares[-0.5, 2.0] > shares[0.0, 2.0] > shares[0.0, 4.0]


def test_tune_states_the_whole_search_and_records_it_once(diabetes_binary):
    ledger = PrivacyLedger()
    result = wb.tune(diabetes_binary, epsilon=2.0, seed=3, ledger=ledger, **FAST)
    s = result.statement
    assert s.epsilon <= 2.0 and s.recompute() == pytest.approx(s.epsilon)
    assert s.trials_drawn == len(result.trials) >= 1
    assert s.parameters["expected_trials"] == pytest.approx(2.0) and s.eta == -0.5
    # every trial used less than the whole search's epsilon, and the winner carries the search's statement
    assert (result.trials["trial_epsilon"] < s.epsilon).all()
    assert result.best.statement.epsilon == s.epsilon and result.best.statement.sampling == "private-selection"
    # selected by the noisy score on the training rows, never by the test accuracy
    best = result.trials.loc[result.trials["score"].idxmax()]
    assert result.best.metrics["accuracy"] == best["accuracy"]
    assert math.isfinite(s.score_noise) and s.score_noise > 0
    assert len(ledger) == 1 and ledger.spent(diabetes_binary.fingerprint) == pytest.approx(s.epsilon)
    assert "Papernot & Steinke" in s.plain_language() and "only the best run" in s.plain_language()
    with pytest.raises(InvalidParameterError, match=r"statement\.recompute"):
        result.best.statement.recompute()


def test_report_section_shows_the_search_from_its_summary(diabetes_binary):
    from workbench.report import render_report

    result = wb.tune(diabetes_binary, epsilon=2.0, seed=3, ledger=False, **FAST)
    page = render_report(result)
    s = result.statement
    assert "<h2>Private hyperparameter search</h2>" in page and "Papernot &amp; Steinke 2022" in page
    assert f"<th>trials drawn</th><td>{s.trials_drawn}</td>" in page
    assert f"<th>ε of the whole search</th><td>{s.epsilon:.4g}</td>" in page
    assert f"<th>largest ε of one trial</th><td>{result.trials['trial_epsilon'].max():.4g}</td>" in page
    assert f"<th>lr</th><td>{result.best.config.lr:.4g}</td>" in page and "noisy count of correct" in page
    # the per-trial table is not released: no trial's score appears
    assert all(f"{v:.4g}" not in page for v in result.trials["score"])


def test_tune_is_reproducible_under_a_seed(diabetes_binary):
    a = wb.tune(diabetes_binary, epsilon=1.0, seed=5, ledger=False, **FAST)
    b = wb.tune(diabetes_binary, epsilon=1.0, seed=5, ledger=False, **FAST)
    assert a.trials.equals(b.trials)
    assert a.statement == b.statement


def test_auto_grid_is_centred_on_the_rule_and_draws_it_half_the_time(diabetes_binary):
    from workbench.dp.defaults import size_aware_defaults
    from workbench.dp.tuning import _points, auto_grid

    grid = auto_grid(354)
    rule = size_aware_defaults(354)
    assert grid[0] == {k: rule[k] for k in ("batch_size", "epochs", "lr")} == {"batch_size": 32, "epochs": 84,
                                                                                "lr": 0.01}  # fmt: skip
    assert {p["lr"] for p in grid} == {0.00333, 0.01, 0.03}
    assert {p["epochs"] for p in grid if p["batch_size"] == 32} == {42, 84, 168}
    assert {p["batch_size"] for p in grid} == {16, 32, 64}
    # one dimension at a time: learning rate, steps, or batch size (its epochs from the rule: about as many steps)
    assert all((p["batch_size"], p["epochs"]) == (32, 84) or p["lr"] == 0.01 for p in grid[1:])
    assert all(p["epochs"] == size_aware_defaults(354, batch_size=p["batch_size"])["epochs"] for p in grid
               if p["batch_size"] != 32)  # fmt: skip
    _, weights = _points("auto", 354, "logreg", "adam")
    assert weights[0] == 0.5 and sum(weights) == pytest.approx(1.0) and len(set(weights[1:])) == 1
    assert _points({"lr": [0.01, 0.03]}, 354, "logreg", "adam")[1] == [0.5, 0.5]


def test_auto_trials_on_the_auto_grid_train_the_rules_point_once_with_the_whole_epsilon(diabetes_binary):
    ledger = PrivacyLedger()
    result = wb.tune(diabetes_binary, epsilon=1.0, seed=4, public_schema=True, ledger=ledger)  # grid, trials auto
    default = wb.train(diabetes_binary, epsilon=1.0, seed=4, public_schema=True, ledger=False)
    s = result.statement
    # exactly wb.train's run with the size-aware defaults: same noise, same steps, same model, same ε (PRV)
    assert not result.searched and not s.searched and s.distribution is None and s.expected_trials == 1.0
    assert (s.trials_drawn, len(result.trials), s.settings[0][1:]) == (1, 1, (default.statement.sample_rate,
                                                                            default.statement.steps))  # fmt: skip
    assert s.epsilon == default.statement.epsilon <= 1.0 and s.accountant == "prv"
    assert s.recompute() == pytest.approx(s.epsilon)
    assert result.best.metrics == default.metrics
    for mine, theirs in zip(result.best.model.parameters(), default.model.parameters(), strict=True):
        assert torch.equal(mine, theirs)
    # an ordinary DP-SGD entry in the ledger (it composes with other runs as one), and the statement says why
    assert result.best.statement.sampling == "poisson" and result.best.statement.recompute() == pytest.approx(s.epsilon)
    assert result.best.config.defaults_rule == result.best.statement.defaults_rule == "size-aware-v2"
    assert len(ledger) == 1 and ledger.spent(diabetes_binary.fingerprint) == pytest.approx(s.epsilon)
    assert "No search ran" in s.plain_language() and "trials=2" in s.plain_language()
    assert math.isnan(result.trials["score"].iloc[0])
    from workbench.report import render_report

    page = render_report(result)
    assert "none: one run of the rule&#x27;s point (no search)" in page or "none: one run of the rule's point" in page


def test_a_stopped_run_without_search_states_the_steps_it_took(diabetes_binary):
    stop = threading.Event()
    stop.set()  # the first step sees it
    result = wb.tune(diabetes_binary, epsilon=1.0, seed=4, public_schema=True, ledger=False, stop=stop)
    s = result.statement
    assert s.stopped and not s.searched and s.ran[0][2] < s.settings[0][2]
    assert s.epsilon == pytest.approx(s.recompute()) and s.epsilon < 1.0


def test_auto_trials_narrow_a_search_when_the_score_cannot_rank_candidates(diabetes_binary):
    from workbench.dp.tuning import RESOLUTION

    grid = {"epochs": [2], "lr": [0.01, 0.03]}
    coarse = wb.tune(diabetes_binary, epsilon=0.3, seed=1, grid=grid, public_schema=True, ledger=False)
    s = coarse.statement
    assert coarse.narrowed and coarse.searched and s.expected_trials == pytest.approx(1.1)
    assert len(s.settings) == 2  # the user's grid is kept: only the expected number of trials falls
    assert s.score_noise / s.dataset_size > RESOLUTION and s.epsilon <= 0.3
    assert s.recompute() == pytest.approx(s.epsilon)
    # a fine enough score (large ε) keeps two expected trials; an explicit number of trials is kept
    fine = wb.tune(diabetes_binary, epsilon=8.0, seed=1, ledger=False, **{**FAST, "trials": "auto"})
    assert (
        not fine.narrowed and fine.statement.expected_trials == pytest.approx(2.0) and len(fine.statement.settings) == 2
    )
    kept = wb.tune(diabetes_binary, epsilon=0.3, seed=1, ledger=False, **FAST)
    assert not kept.narrowed and kept.statement.expected_trials == pytest.approx(2.0)
    # an explicit number of trials searches the auto grid
    searched = wb.tune(diabetes_binary, epsilon=8.0, seed=1, grid="auto", trials=2.0, public_schema=True,
                       ledger=False)  # fmt: skip
    assert searched.searched and len(searched.statement.settings) == len(wb.dp.tuning.auto_grid(354))


def test_score_noise_is_independent_of_the_test_rows(diabetes_binary):
    from workbench.datasets import Dataset

    other_test = diabetes_binary.test.sample(frac=1.0, random_state=1).iloc[: len(diabetes_binary.test) // 2]
    shuffled = Dataset(frame=diabetes_binary.frame, train=diabetes_binary.train, test=other_test,
                       roles=diabetes_binary.roles, target=diabetes_binary.target, name="diab-bin")  # fmt: skip
    a = wb.tune(diabetes_binary, epsilon=1.0, seed=4, ledger=False, **FAST)
    b = wb.tune(shuffled, epsilon=1.0, seed=4, ledger=False, **FAST)
    # another test split changes only the test accuracy column: the selection never reads the test rows
    assert a.trials["score"].equals(b.trials["score"])
    assert a.trials["grid_point"].equals(b.trials["grid_point"])


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
        ({"epsilon": 1.0, "eta": -1.0}, "eta"),
        ({"epsilon": 1.0, "grid": [{"lr": 0.01}, 3]}, "list of such points"),
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
                     on_trial=lambda row, best: stop.set(), **{**FAST, "trials": 6.0, "eta": 0.0})  # fmt: skip
    s = result.statement
    assert s.trials_drawn > 1  # seed 2 draws several trials: the search stopped after the first
    assert s.stopped and len(s.ran) == 1
    assert s.epsilon >= selection_epsilon(search_rdp(s.settings, s.score_noise), s.distribution, s.delta) - 1e-12
    assert len(result.trials) == 1
