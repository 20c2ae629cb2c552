"""Audits of workbench.train results (real Opacus-accounted DP-SGD): leakage found, claims never contradicted."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import workbench as wb
from workbench.audit import estimate_cost
from workbench.errors import EmptyDataError, InvalidParameterError

OVERFIT = {"model": "mlp", "hidden": (128, 128), "epochs": 50, "batch_size": 64, "public_schema": True}
SMALL_DP = {"hidden": (64,), "epochs": 15}


def _train(ds, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.train(ds, **{"audit_fraction": 0.5, "ledger": False, **OVERFIT, **kw})


@pytest.fixture(scope="module")
def small(adult):
    """2,000 Adult rows: 800 members, 800 held-out non-members, 400 test rows (reference data)."""
    return wb.load_dataset(adult.frame.sample(2000, random_state=0).reset_index(drop=True), target="income")


@pytest.fixture(scope="module")
def overfit_run(small):
    return _train(small)


@pytest.fixture(scope="module")
def dp_run(small):
    return _train(small, epsilon=0.5, **SMALL_DP)


def test_overfit_non_private_model_leaks(overfit_run):
    res = wb.membership_inference(overfit_run)
    assert res.n_members == 800 and res.n_non_members == 800
    assert res.auc > 0.55
    assert res.epsilon_lower_bound() > 0.5
    assert np.isinf(res.claimed_epsilon) and "audit_fraction" in res.protocol


def test_dp_at_small_epsilon_is_near_chance(dp_run):
    res = wb.membership_inference(dp_run)
    assert res.claimed_epsilon == pytest.approx(dp_run.statement.epsilon) and res.claimed_epsilon <= 0.5 + 1e-9
    assert res.delta == dp_run.statement.delta > 0
    assert abs(res.auc - 0.5) < 0.06
    assert res.epsilon_lower_bound() <= res.claimed_epsilon


@pytest.mark.parametrize(
    "settings",
    [
        {"epsilon": 0.5},
        {"noise_multiplier": 1.5, "accountant": "rdp"},
        {"epsilon": 2.0, "model": "logreg", "accountant": "rdp"},
    ],
)
def test_bound_never_exceeds_the_claim_on_dp_runs(small, dp_run, settings):
    """Small data and many epochs (where the non-private model leaks), several epsilons, two attacks."""
    run = dp_run if settings == {"epsilon": 0.5} else _train(small, **{**SMALL_DP, **settings})
    claimed = run.statement.epsilon
    assert np.isfinite(claimed) and run.statement.private
    for attack in ("threshold", "rmia"):
        res = wb.membership_inference(run, attack=attack, n_reference=1, n_jobs=1)
        for confidence in (0.9, 0.95):
            assert res.epsilon_lower_bound(confidence) <= claimed, (attack, confidence, claimed)


def test_reference_attacks_run_and_are_reproducible(overfit_run):
    a = wb.membership_inference(overfit_run, attack="rmia", n_reference=2, n_jobs=1, seed=1)
    b = wb.membership_inference(overfit_run, attack="rmia", n_reference=2, n_jobs=1, seed=1)
    assert a.attack == "rmia" and a.n_reference == 2 and not a.stopped
    np.testing.assert_array_equal(a.member_scores, b.member_scores)
    assert a.summary() == b.summary()
    assert a.auc > 0.55
    lira = wb.membership_inference(overfit_run, attack="lira", n_reference=2, n_jobs=1, seed=1)
    assert lira.attack == "lira" and lira.auc > 0.55
    assert a.cost.n_models == 2 and "reference models" in a.cost.describe()


def test_parallel_reference_models_match_in_process_ones_and_stop(overfit_run):
    serial = wb.membership_inference(overfit_run, attack="lira", n_reference=2, n_jobs=1)
    parallel = wb.membership_inference(overfit_run, attack="lira", n_reference=2, n_jobs=2)
    assert parallel.cost.workers == 2 and parallel.n_reference == 2
    # the same models (same seeds); float sums may differ in the last digits between processes
    np.testing.assert_allclose(parallel.member_scores, serial.member_scores, rtol=1e-3, atol=1e-3)
    stop = threading.Event()
    threading.Timer(0.05, stop.set).start()
    stopped = wb.membership_inference(overfit_run, attack="lira", n_reference=4, n_jobs=2, stop=stop)
    assert stopped.stopped and stopped.n_reference < 4
    assert np.isfinite(stopped.auc)


def test_stop_before_start_falls_back_and_says_so(overfit_run):
    stop = threading.Event()
    stop.set()
    res = wb.membership_inference(overfit_run, attack="rmia", n_jobs=1, stop=stop)
    assert res.stopped and res.attack == "threshold" and res.n_reference == 0
    assert any("Stopped" in note for note in res.notes)


def test_estimate_cost_before_running(overfit_run):
    cost = estimate_cost(overfit_run, "rmia", 3)
    assert cost.n_models == 3 and cost.seconds > 0 and cost.reference_rows == 200  # half of the 400 test rows
    assert estimate_cost(overfit_run, "threshold").n_models == 0
    with pytest.raises(InvalidParameterError, match="n_reference"):
        estimate_cost(overfit_run, "rmia", 0)


def test_run_without_audit_rows_uses_half_the_test_split(small, digest):
    run = _train(small, epochs=2, audit_fraction=0.0)
    before = digest(run.test), digest(run.members)
    res = wb.membership_inference(run)
    assert res.n_non_members == len(run.test) // 2
    assert "half of the run's test rows" in res.protocol
    assert (digest(run.test), digest(run.members)) == before
    assert set(res.non_member_ids) <= set(run.test.index)


def test_frames_can_replace_members_and_non_members(overfit_run, digest):
    members, non = overfit_run.members.iloc[:200], overfit_run.non_members.iloc[:300]
    before = digest(members), digest(non)
    res = wb.membership_inference(overfit_run, members=members, non_members=non)
    assert (res.n_members, res.n_non_members) == (200, 300)
    assert (digest(members), digest(non)) == before
    with pytest.raises(EmptyDataError):
        wb.membership_inference(overfit_run, non_members=non.iloc[:0])
    with pytest.raises(InvalidParameterError, match="DataFrame"):
        wb.membership_inference(overfit_run, members=(1, 2))
    with pytest.raises(InvalidParameterError, match="claimed_epsilon"):
        wb.membership_inference(overfit_run, claimed_epsilon=1.0)


def test_reference_attack_refuses_a_test_split_too_small_for_the_batch(overfit_run):
    import dataclasses

    tiny = dataclasses.replace(overfit_run, test=overfit_run.test.iloc[:100])  # 50 pool rows < batch_size 64
    with pytest.raises(InvalidParameterError, match="batch_size 64"):
        wb.membership_inference(tiny, attack="rmia", n_jobs=1)
