"""Sweep options are validated once into the technique's own config, with the single-run constraints and defaults:
l, t, method mean the same as in anonymise; a registered method and a user's model can be swept."""

from __future__ import annotations

import pytest
import torch

import workbench as wb
from workbench.dp import PrivacyLedger, TrainConfig
from workbench.errors import InvalidParameterError, UnknownNameError
from workbench.tradeoff import DPSweepConfig, KAnonymitySweepConfig


def test_dp_options_become_one_train_config_with_train_defaults():
    config = DPSweepConfig.from_options({"model": "mlp", "epochs": 2, "delta": 1e-5, "audit": False}, technique="dp")
    assert config.train == TrainConfig(model="mlp", epochs=2, delta=1e-5) and config.audit is False
    assert config.run_config(float("inf"), seed=3) == TrainConfig(model="mlp", epochs=2, delta=1e-5, seed=3)
    assert config.to_dict()["hidden"] == (64, 64) and config.to_dict()["accountant"] == "prv"
    with pytest.raises(InvalidParameterError, match="'max_grad_norm' parameter"):  # TrainConfig's own constraint
        DPSweepConfig.from_options({"max_grad_norm": -1.0}, technique="dp")
    with pytest.raises(UnknownNameError, match="'attack' parameter of tradeoff"):
        DPSweepConfig.from_options({"attack": "magic"}, technique="dp")


def test_anonymisation_options_mean_what_anonymise_means():
    assert KAnonymitySweepConfig.from_options({"l": 1.5}, technique="k-anonymity").l == 1.5  # entropy l may be 1.5
    with pytest.raises(InvalidParameterError, match="The 't' parameter of tradeoff"):
        KAnonymitySweepConfig.from_options({"t": 2}, technique="k-anonymity")
    with pytest.raises(UnknownNameError, match="'method' parameter of tradeoff"):
        KAnonymitySweepConfig.from_options({"method": "magic"}, technique="k-anonymity")
    with pytest.raises(InvalidParameterError, match="epochs applies to DP sweeps"):
        KAnonymitySweepConfig.from_options({"epochs": 3}, technique="k-anonymity")


def test_a_registered_anonymisation_method_can_be_swept(small_adult):
    from workbench.anonymise import register_method
    from workbench.anonymise._registry import _METHODS, get_method

    mondrian, suppresses = get_method("mondrian")
    register_method("mondrian-again", mondrian, suppresses=suppresses)
    try:
        result = wb.tradeoff(small_adult, "k-anonymity", ks=[5], method="mondrian-again", executor="serial")
    finally:
        _METHODS.pop("mondrian-again")  # leave the registry as other tests (and doctests) expect it
    assert result.points[0].statement["method"] == "mondrian-again" and result.results["k"].iloc[0] >= 5
    assert result.options["method"] == "mondrian-again"


def test_a_users_model_can_be_swept(small_adult):
    n_features = wb.train(small_adult, epochs=1, public_schema=True, ledger=False).encoder.n_features
    model = torch.nn.Sequential(torch.nn.Linear(n_features, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    result = wb.tradeoff(small_adult, "dp", epsilons=[2.0], model=model, epochs=1, audit=False, executor="serial",
                         ledger=PrivacyLedger(), public_schema=True)  # fmt: skip
    assert result.points[0].epsilon <= 2.0 and result.options["model"] == "Sequential"
