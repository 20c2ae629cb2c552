"""The built-in techniques end to end on small real data: real DP-SGD (Opacus accountants), real attacks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import workbench as wb
from workbench.dp import PrivacyLedger
from workbench.errors import PrivacyLeakWarning

DP_KEYS = {"epsilon", "delta", "accountant", "noise_multiplier", "sample_rate", "steps"}


@pytest.fixture(scope="module")
def dp_serial(small_adult):
    ledger = PrivacyLedger()
    result = wb.tradeoff(
        small_adult, "dp", epsilons=[1.0, None], epochs=2, executor="serial", ledger=ledger, public_schema=True
    )
    return result, ledger


def test_dp_sweep_measures_utility_and_leakage_with_full_statements(dp_serial):
    result, _ = dp_serial
    frame = result.results
    assert list(frame["value"]) == [1.0, math.inf]
    assert 0 < frame["epsilon"].iloc[0] <= 1.0 and math.isinf(frame["epsilon"].iloc[1])
    for col in ("accuracy", "auc", "mia_auc", "mia_advantage", "tpr_at_1pct_fpr", "epsilon_lower_bound"):
        assert frame[col].notna().all(), col
    assert frame["accuracy"].between(0.5, 1).all()
    statement = frame["statement"].iloc[0]
    assert set(statement) >= DP_KEYS and statement["noise_multiplier"] > 0 and statement["steps"] > 0
    assert frame["statement"].iloc[1]["private"] is False
    # each point has its own seed (own batches and noise): shared noise could be cancelled across models
    assert frame["seed"].nunique() == len(frame)
    point = result.points[0]
    assert point.details["roc"]["fpr"][0] == 0.0 and len(point.details["history"]) == 2
    # an audit can never prove more leakage than the claim allows
    assert frame["epsilon_lower_bound"].iloc[0] <= frame["epsilon"].iloc[0]


def test_every_dp_point_goes_into_the_callers_ledger_and_the_total_is_honest(dp_serial, small_adult):
    result, ledger = dp_serial
    entries = ledger.to_frame()
    assert len(entries) == 2 and set(entries["fingerprint"]) == {small_adult.fingerprint}
    assert math.isinf(ledger.spent(small_adult.fingerprint))  # a non-private run has no limit
    assert math.isinf(result.total_epsilon)
    assert result.dp_epsilon == pytest.approx(result.points[0].epsilon)
    assert "itself a use of the data" in result.budget_note and "without DP" in result.budget_note


def test_dp_sweep_gives_the_same_numbers_on_every_executor_however_points_are_grouped(small_adult, dask_client):
    import concurrent.futures as cf

    from workbench.tradeoff import shutdown_pool
    from workbench.tradeoff._executors import cpu_count

    columns = ["epsilon", "accuracy", "auc", "mia_auc"]
    kwargs = {"epsilons": [0.5, 1.0, 2.0, 4.0, None], "epochs": 1, "ledger": PrivacyLedger(), "public_schema": True}
    serial = wb.tradeoff(small_adult, "dp", executor="serial", **kwargs)  # 2 cores: [0.5], [1], [2, 4], [None]
    # a starting pool (the first point computed here meanwhile), the same pool warm, two Dask workers, three threads:
    # the same groups everywhere, since they follow this machine's cores
    shutdown_pool()
    threads = torch.get_num_threads()
    for executor in ("processes", "processes", dask_client, cf.ThreadPoolExecutor(3)):
        other = wb.tradeoff(small_adult, "dp", executor=executor, **kwargs)
        np.testing.assert_array_equal(other.results[columns].to_numpy(), serial.results[columns].to_numpy())
    assert torch.get_num_threads() == threads  # the first point's torch threads were set for it only
    assert "computed_with" not in serial.points[0].details  # the first point is computed alone: it arrives first
    if cpu_count() < 3:
        together = [2.0, 4.0] if cpu_count() == 2 else [1.0, 2.0, 4.0]
        assert serial.points[3].details["computed_with"] == together


def test_a_workers_privacy_warning_reaches_the_caller_once(small_adult):
    with pytest.warns(PrivacyLeakWarning, match="outside the DP guarantee") as caught:
        result = wb.tradeoff(
            small_adult, "dp", epsilons=[2.0, 4.0], epochs=1, audit=False, executor="serial", ledger=PrivacyLedger()
        )
    assert sum(issubclass(w.category, PrivacyLeakWarning) for w in caught) == 1
    assert "mia_auc" not in result.results
    assert result.total_epsilon == result.dp_epsilon <= sum(p.epsilon for p in result.points)


def test_k_anonymity_sweep_trades_information_for_lower_reidentification(small_adult, digest):
    before = digest(small_adult.frame)
    result = wb.tradeoff(small_adult, "k-anonymity", ks=[2, 10], executor="serial")
    frame = result.results
    assert list(frame["k"] >= frame["value"]) == [True, True]  # achieved k, measured on the release
    for col in ("accuracy", "accuracy_original", "information_loss", "reidentification_rate", "prosecutor_risk"):
        assert frame[col].notna().all(), col
    assert frame["information_loss"].iloc[1] > frame["information_loss"].iloc[0]
    assert frame["expected_reidentification"].iloc[1] < frame["expected_reidentification"].iloc[0]
    assert (frame["prosecutor_risk"] <= 1 / frame["value"] + 1e-12).all()
    assert (frame["reidentification_rate"] == 0).all()  # k ≥ 2: nobody is matched uniquely
    assert result.total_epsilon == 0 and "no differential-privacy guarantee" in result.budget_note
    assert sum(result.points[0].details["class_sizes"]["count"]) > 0
    assert frame["statement"].iloc[0]["method"] == "mondrian"
    assert list(result.pareto()["value"])  # the frontier uses expected re-identification by default
    assert digest(small_adult.frame) == before


def test_k_anonymity_with_l_diversity_states_the_achieved_l(small_adult):
    result = wb.tradeoff(small_adult, "k-anonymity", ks=[3], l=2, executor="serial")
    assert result.results["l"].iloc[0] >= 2 and result.results["k"].iloc[0] >= 3


def test_pseudonymise_then_dp_never_returns_the_key_and_states_both_steps(patients):
    sample = patients.frame.sample(n=1500, random_state=2)
    ds = wb.load_dataset(sample, target="income", identifiers=patients.identifiers, name="patients-sample")
    result = wb.tradeoff(
        ds, "pseudonymise+dp", epsilons=[2.0], epochs=1, executor="serial", ledger=PrivacyLedger(), public_schema=True
    )
    statement = result.points[0].statement
    assert statement["pseudonymised"] == {"method": "hmac", "columns": patients.identifiers}
    assert set(statement) >= DP_KEYS and result.dp_epsilon <= 2.0
    assert "key" not in str(result.to_dict()).lower().replace("keyed", "")
