"""dp.train_many: runs trained together (one vectorised loop) equal the same runs trained one by one with train."""

from __future__ import annotations

import pytest
import torch

import workbench as wb
from workbench.dp import TrainConfig, can_train_together, train_many
from workbench.errors import BudgetExceededError, InvalidParameterError

BASE = TrainConfig(model="mlp", epochs=1, batch_size=128, delta=1e-4, hidden=(16, 16), public_schema=True)


def _weights(run) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in run.model.parameters()])


def _configs(epsilons, seeds):
    return [BASE.replace(epsilon=e, seed=s) for e, s in zip(epsilons, seeds, strict=True)]


def test_stacked_runs_match_separate_training_runs(small_adult):
    epsilons = [0.5, 4.0]
    stacked = train_many(small_adult, _configs(epsilons, [3, 11]), ledger=False)
    for eps, seed, run in zip(epsilons, [3, 11], stacked, strict=True):
        alone = wb.train(small_adult, model="mlp", hidden=(16, 16), epsilon=eps, delta=1e-4, epochs=1, batch_size=128,
                         seed=seed, public_schema=True, ledger=False)  # fmt: skip
        assert run.engine == "ghost-stacked" and run.dataset_fingerprint == small_adult.fingerprint
        assert run.statement == alone.statement  # same noise, sample rate, steps: the same guarantee
        torch.testing.assert_close(_weights(run), _weights(alone), rtol=0, atol=1e-5)
        assert abs(run.metrics["accuracy"] - alone.metrics["accuracy"]) < 2e-3
        assert list(run.history.columns) == list(alone.history.columns)
        assert run.history["epsilon"].iloc[-1] == alone.history["epsilon"].iloc[-1]


def test_a_model_is_the_same_alone_or_in_any_stack_up_to_rounding(small_adult):
    alone = train_many(small_adult, _configs([2.0], [5]), ledger=False)[0]
    stacked = train_many(small_adult, _configs([1.0, 2.0, 8.0], [4, 5, 6]), ledger=False)[1]
    torch.testing.assert_close(_weights(alone), _weights(stacked), rtol=0, atol=1e-5)
    assert alone.statement == stacked.statement


def test_only_runs_that_differ_in_epsilon_and_seed_are_stacked(small_adult):
    assert can_train_together(_configs([1.0, 2.0], [1, 2])) and can_train_together([TrainConfig(epsilon=1.0)])
    assert not can_train_together([TrainConfig(model=torch.nn.Linear(3, 2), epsilon=1.0)])
    assert not can_train_together([BASE.replace(epsilon=1.0, audit_fraction=0.2)])  # members differ per model
    assert not can_train_together([BASE.replace(epsilon=1.0), BASE.replace(epsilon=2.0, epochs=2)])
    assert not can_train_together([BASE])  # not private
    mixed = train_many(small_adult, [BASE.replace(epsilon=1.0), BASE], ledger=False)  # one by one, same results
    alone = wb.train(small_adult, model="mlp", hidden=(16, 16), delta=1e-4, epochs=1, batch_size=128,
                     public_schema=True, ledger=False)  # fmt: skip
    assert [r.statement.private for r in mixed] == [True, False] and mixed[1].engine != "ghost-stacked"
    torch.testing.assert_close(_weights(mixed[1]), _weights(alone), rtol=0, atol=0)


def test_train_many_records_refuses_and_checks_its_arguments(small_adult):
    from workbench.dp import PrivacyLedger

    ledger = PrivacyLedger(budget=1.0)
    with pytest.raises(BudgetExceededError, match="left of 1"):
        train_many(small_adult, _configs([0.6, 0.6], [1, 2]), ledger=ledger)
    runs = train_many(small_adult, _configs([0.3, 0.3], [1, 2]), ledger=ledger)
    assert len(ledger) == 2 and ledger.spent(small_adult.fingerprint) <= 0.6 + 1e-9
    assert all(r.dataset_name == small_adult.name for r in runs)
    with pytest.raises(InvalidParameterError, match="non-empty list of TrainConfig"):
        train_many(small_adult, [], ledger=False)
    with pytest.raises(InvalidParameterError, match="TrainConfig objects"):
        train_many(small_adult, [{"epsilon": 1.0}], ledger=False)


def test_the_training_module_is_reachable_beside_the_function():
    import importlib

    module = importlib.import_module("workbench.dp.training")
    assert module.train is wb.train and callable(wb.dp.train) and wb.dp.train_many is module.train_many
