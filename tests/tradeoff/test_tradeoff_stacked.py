"""DP models trained together (one vectorised loop) equal the same models trained one by one with wb.train."""

from __future__ import annotations

import torch

import workbench as wb
from workbench.tradeoff._stacked import can_stack, train_stacked

OPTIONS = {"model": "mlp", "epochs": 1, "batch_size": 128, "delta": 1e-4, "lr": None, "max_grad_norm": 1.0,
           "accountant": "prv", "hidden": (16, 16), "audit_fraction": 0.0, "public_schema": True}  # fmt: skip


def _weights(run) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in run.model.parameters()])


def test_stacked_runs_match_separate_training_runs(small_adult):
    epsilons = [0.5, 4.0]
    stacked = train_stacked(small_adult, epsilons, OPTIONS, seeds=[3, 11])
    for eps, seed, run in zip(epsilons, [3, 11], stacked, strict=True):
        alone = wb.train(small_adult, model="mlp", hidden=(16, 16), epsilon=eps, delta=1e-4, epochs=1, batch_size=128,
                         seed=seed, public_schema=True, ledger=False)  # fmt: skip
        assert run.statement == alone.statement  # same noise, sample rate, steps: the same guarantee
        torch.testing.assert_close(_weights(run), _weights(alone), rtol=0, atol=1e-5)
        assert abs(run.metrics["accuracy"] - alone.metrics["accuracy"]) < 2e-3
        assert list(run.history.columns) == list(alone.history.columns)
        assert run.history["epsilon"].iloc[-1] == alone.history["epsilon"].iloc[-1]


def test_a_model_is_the_same_alone_or_in_any_stack_up_to_rounding(small_adult):
    alone = train_stacked(small_adult, [2.0], OPTIONS, seeds=[5])[0]
    stacked = train_stacked(small_adult, [1.0, 2.0, 8.0], OPTIONS, seeds=[4, 5, 6])[1]
    torch.testing.assert_close(_weights(alone), _weights(stacked), rtol=0, atol=1e-5)
    assert alone.statement == stacked.statement


def test_only_built_in_models_are_stacked():
    assert can_stack({"model": "mlp"}) and can_stack({"model": "logreg"})
    assert not can_stack({"model": torch.nn.Linear(3, 2)})
    assert not can_stack({"model": "mlp", "audit_fraction": 0.2})  # members would differ from model to model
