"""PrivacyLedger: per-dataset sums, tight composition, infinity, budget checks, validated serialisation."""

from __future__ import annotations

import json
import math

import pytest
from opacus.accountants import RDPAccountant

from workbench.dp import PrivacyLedger, PrivacyStatement, compose_epsilon, compute_epsilon
from workbench.errors import BudgetExceededError, BudgetWarning, InvalidParameterError


def _dp(sigma=1.2, q=0.01, steps=300, delta=1e-6, accountant="rdp"):
    eps = compute_epsilon(accountant, sigma, q, steps, delta)
    return PrivacyStatement(eps, delta, accountant, sigma, q, steps, 1.0, 10000)


def test_empty_ledger_spends_nothing():
    ledger = PrivacyLedger()
    assert ledger.spent("x") == 0.0 and ledger.remaining("x") == math.inf and ledger.to_frame().empty


def test_one_run_is_its_own_epsilon_and_datasets_are_separate():
    ledger = PrivacyLedger()
    s = _dp()
    ledger.record(s, dataset_fingerprint="a", dataset_name="A")
    ledger.record(_dp(sigma=2.0), dataset_fingerprint="b")
    assert ledger.spent("a") == s.epsilon and ledger.spent_delta("a") == s.delta
    assert ledger.datasets() == ["a", "b"] and ledger.spent("c") == 0.0


def test_dp_sgd_runs_compose_through_the_accountant_tighter_than_the_sum():
    ledger = PrivacyLedger(accountant="rdp")
    runs = [_dp(), _dp(sigma=0.9, q=0.02, steps=100)]
    for s in runs:
        ledger.record(s, dataset_fingerprint="a")
    sequential = sum(s.epsilon for s in runs)
    acc = RDPAccountant()
    acc.history = [(s.noise_multiplier, s.sample_rate, s.steps) for s in runs]
    tight = acc.get_epsilon(delta=sum(s.delta for s in runs))
    assert ledger.spent("a") == pytest.approx(min(sequential, tight))
    assert ledger.spent("a") < sequential
    assert ledger.spent_delta("a") == pytest.approx(2e-6)


def test_the_default_ledger_composes_with_prv_tighter_than_rdp():
    runs = [_dp(accountant="prv"), _dp(sigma=0.9, q=0.02, steps=100, accountant="prv")]
    prv, rdp = PrivacyLedger(), PrivacyLedger(accountant="rdp")
    for s in runs:
        prv.record(s, dataset_fingerprint="a")
        rdp.record(s, dataset_fingerprint="a")
    history = [(s.noise_multiplier, s.sample_rate, s.steps) for s in runs]
    assert prv.accountant == "prv"
    assert prv.spent("a") == compose_epsilon("prv", history, 2e-6) < rdp.spent("a") < sum(s.epsilon for s in runs)


def test_runs_that_are_not_dp_sgd_add_up_sequentially():
    ledger = PrivacyLedger()
    s = _dp()
    other = PrivacyStatement(0.5, 1e-6, "laplace-release", 0.0, 0.0, 0, 1.0, 10000, sampling="none")
    ledger.record(s, dataset_fingerprint="a")
    ledger.record(other, dataset_fingerprint="a")
    assert ledger.spent("a") == pytest.approx(s.epsilon + 0.5)


def test_a_non_private_run_spends_infinity():
    ledger = PrivacyLedger()
    ledger.record(_dp(), dataset_fingerprint="a")
    ledger.record(PrivacyStatement.non_private(dataset_size=10), dataset_fingerprint="a")
    assert ledger.spent("a") == math.inf


def test_record_warns_past_the_budget_and_spend_refuses_before_recording():
    s = _dp()
    ledger = PrivacyLedger(budget=s.epsilon * 1.1, accountant="rdp")  # two runs compose to 1.13 epsilon here
    ledger.spend(s, dataset_fingerprint="a")
    assert not ledger.can_spend(s, dataset_fingerprint="a")
    with pytest.raises(BudgetExceededError, match="over the budget") as info:
        ledger.spend(s, dataset_fingerprint="a")
    assert "\n" not in str(info.value) and len(ledger) == 1
    with pytest.warns(BudgetWarning, match="budget exceeded"):
        ledger.record(s, dataset_fingerprint="a")
    assert len(ledger) == 2 and ledger.remaining("a") == 0.0
    assert ledger.can_spend(s, dataset_fingerprint="other")


def test_serialisation_round_trip_and_validation():
    ledger = PrivacyLedger(budget=5.0)
    ledger.record(_dp(), dataset_fingerprint="a", dataset_name="A", label="run 1")
    with pytest.warns(BudgetWarning):
        ledger.record(PrivacyStatement.non_private(dataset_size=10), dataset_fingerprint="b")
    data = json.loads(json.dumps(ledger.to_dict()))
    again = PrivacyLedger.from_dict(data)
    assert again.budget == 5.0 and again.spent("a") == ledger.spent("a") and again.spent("b") == math.inf
    assert again.entries[0].label == "run 1"
    with pytest.raises(InvalidParameterError, match="Not a ledger state"):
        PrivacyLedger.from_dict({"entries": []})
    with pytest.raises(InvalidParameterError, match="version"):
        PrivacyLedger.from_dict({**data, "version": 99})


def test_views_are_copies_and_frames_have_running_totals():
    ledger = PrivacyLedger()
    ledger.record(_dp(), dataset_fingerprint="a")
    ledger.record(_dp(), dataset_fingerprint="a")
    ledger.entries.clear()
    assert len(ledger) == 2
    frame = ledger.to_frame()
    assert list(frame["spent_after"]) == [ledger.entries[0].statement.epsilon, ledger.spent("a")]
    assert ledger.summary()["runs"].tolist() == [2]
    assert "Privacy ledger" in ledger._repr_html_()


def test_bad_budget_is_refused():
    with pytest.raises(InvalidParameterError, match="budget"):
        PrivacyLedger(budget=-1)


def test_planned_runs_are_refused_by_one_rule():
    ledger = PrivacyLedger()
    assert not ledger.would_exceed([100.0, None], dataset_fingerprint="a")  # no budget: nothing refused
    ledger.budget = 2.0
    ledger.record(_dp(), dataset_fingerprint="a", dataset_name="adult")
    left = ledger.remaining("a")
    assert not ledger.would_exceed([left / 2, left / 2], dataset_fingerprint="a")
    assert ledger.would_exceed([left / 2, left], dataset_fingerprint="a")
    assert ledger.would_exceed([0.01, None], dataset_fingerprint="a")  # a run without DP never fits a budget
    assert not ledger.would_exceed([2.0], dataset_fingerprint="other")
    with pytest.raises(
        BudgetExceededError,
        match=rf"^Runs with ε = .* in all\) could take 'adult' past its privacy budget \(ε {left:.3g} left of 2\)",
    ):
        ledger.check_budget([left, left], dataset_fingerprint="a", dataset_name="adult")
    assert "\n" not in ledger.refusal([math.inf], dataset_fingerprint="a")
    assert len(ledger) == 1  # asking records nothing
