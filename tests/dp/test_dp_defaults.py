"""The size-aware rule: values across sizes, recorded in run.config and the statement, same numbers as given."""

from __future__ import annotations

import math

import pytest

import workbench as wb
from workbench.dp import TrainConfig
from workbench.dp.defaults import RULE, resolve_defaults, size_aware_defaults

FAST = {"public_schema": True, "ledger": False}


@pytest.mark.parametrize(
    ("rows", "batch", "epochs"),
    [(354, 32, 84), (500, 32, 63), (800, 32, 40), (2000, 32, 16), (10_000, 64, 10), (32_561, 256, 10)],
)
def test_rule_values_across_sizes(rows, batch, epochs):
    chosen = size_aware_defaults(rows)
    assert (chosen["batch_size"], chosen["epochs"]) == (batch, epochs)
    steps = chosen["epochs"] * math.ceil(rows / chosen["batch_size"])
    assert steps >= 1000 or chosen["epochs"] == 10  # about 1,000 steps, never fewer than 10 epochs
    assert chosen["max_grad_norm"] == 1.0 and chosen["lr"] == 0.01


def test_rule_keeps_batches_within_tiny_tables_and_follows_a_chosen_batch():
    assert size_aware_defaults(40)["batch_size"] == 10
    assert size_aware_defaults(2000, batch_size=128) == {"batch_size": 128, "epochs": 63, "lr": 0.01,
                                                         "max_grad_norm": 1.0}  # fmt: skip
    assert size_aware_defaults(2000, model="mlp")["lr"] == 0.004


def test_given_values_are_kept_and_only_unset_ones_are_marked():
    cfg = resolve_defaults(TrainConfig(epsilon=1.0, batch_size=64, lr=0.02), 2000)
    assert (cfg.batch_size, cfg.lr) == (64, 0.02)
    assert cfg.defaulted == ("epochs", "max_grad_norm") and cfg.defaults_rule == RULE
    full = TrainConfig(epsilon=1.0, batch_size=64, epochs=3, lr=0.02, max_grad_norm=1.0)
    assert resolve_defaults(full, 2000) is full and full.defaults_rule is None


def test_train_records_the_rule_in_config_and_statement(small_adult):
    run = wb.train(small_adult, epsilon=2.0, **FAST)
    n = len(run.members)
    chosen = size_aware_defaults(n)
    assert run.config.batch_size == chosen["batch_size"] and run.config.epochs == chosen["epochs"]
    assert run.config.defaults_rule == RULE
    assert set(run.config.defaulted) == {"batch_size", "epochs", "lr", "max_grad_norm"}
    assert run.config.to_dict()["defaults_rule"] == RULE
    s = run.statement
    assert s.defaults_rule == RULE and s.steps == chosen["epochs"] * math.ceil(n / chosen["batch_size"])
    assert s.sample_rate == 1 / math.ceil(n / chosen["batch_size"]) and s.max_grad_norm == 1.0
    assert RULE in s.plain_language() and s.recompute() == pytest.approx(s.epsilon)
    assert wb.PrivacyStatement.from_json(s.to_json()) == s


def test_rule_values_give_the_same_run_as_the_same_values_given(small_adult):
    auto = wb.train(small_adult, epsilon=1.0, epochs=2, **FAST)
    given = wb.train(small_adult, epsilon=1.0, epochs=2, batch_size=auto.config.batch_size, lr=auto.config.lr,
                     max_grad_norm=1.0, **FAST)  # fmt: skip
    assert given.config.defaults_rule is None
    assert given.statement.noise_multiplier == auto.statement.noise_multiplier
    assert given.metrics["accuracy"] == auto.metrics["accuracy"]


def test_adult_keeps_the_former_defaults(adult):
    assert size_aware_defaults(len(adult.train)) == {"batch_size": 256, "epochs": 10, "lr": 0.01,
                                                     "max_grad_norm": 1.0}  # fmt: skip


def test_sweep_points_use_the_rule_trained_together(small_adult):
    curve = wb.tradeoff(
        small_adult, "dp", epsilons=[1.0, 4.0], audit=False, executor="serial", ledger=False, public_schema=True
    )
    n = len(small_adult.train)
    chosen = size_aware_defaults(n)
    for point in curve.points:
        assert point.statement["defaults_rule"] == RULE
        assert point.statement["steps"] == chosen["epochs"] * math.ceil(n / chosen["batch_size"])
    stacked = next(p for p in curve.points if p.value == 4.0)
    alone = wb.train(small_adult, epsilon=4.0, seed=stacked.seed, **FAST)
    assert stacked.statement == alone.statement.to_dict()  # same rule, noise, sample rate and steps


def test_stacked_trainer_applies_the_rule_as_train_does(small_adult):
    import torch

    from workbench.dp import TrainConfig, train_many

    common = {"model": "mlp", "epochs": 2, "delta": 1e-4, "hidden": (16, 16), "public_schema": True}
    configs = [TrainConfig(epsilon=2.0, seed=3, **common), TrainConfig(epsilon=8.0, seed=4, **common)]
    run = train_many(small_adult, configs, ledger=False)[0]
    assert run.engine == "ghost-stacked"
    alone = wb.train(small_adult, model="mlp", hidden=(16, 16), epsilon=2.0, delta=1e-4, epochs=2, seed=3, **FAST)
    assert run.config == alone.config and run.config.defaults_rule == RULE
    assert run.statement == alone.statement
    weights = [torch.cat([p.detach().flatten() for p in r.model.parameters()]) for r in (run, alone)]
    torch.testing.assert_close(*weights, rtol=0, atol=1e-4)
