"""Real Flower runs: results, history, partitions, strategies, reproducibility, stop, secure aggregation."""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest
import torch


def _weights(result):
    return torch.cat([p.detach().flatten() for p in result.model.state_dict().values()]).numpy()


def test_a_run_gives_a_release_with_history_clients_and_metrics(federate_small, small_adult, digest):
    before = digest(small_adult.frame)
    fl = federate_small(rounds=3)
    assert digest(small_adult.frame) == before
    assert fl.technique == "federated" and fl.statement.technique == "federated"
    assert list(fl.history["round"]) == [0, 1, 2, 3]
    assert (fl.history.loc[1:, "clients"] == 3).all() and (fl.history.loc[1:, "bytes"] > 0).all()
    assert fl.metrics["accuracy"] > 0.78 and fl.metrics["rounds"] == 3
    assert fl.metrics["accuracy"] == pytest.approx(fl.history["accuracy"].iloc[-1])
    assert list(fl.clients["rows"]) == [800, 800, 800] and (fl.clients["rounds"] == 3).all()
    assert len(fl.members) == 2400 and fl.predict_proba(small_adult.test).shape == (600, 2)
    assert not fl.statement.private and math.isinf(fl.statement.epsilon)
    assert fl.federated_config.batch_size == 256 and fl.federated_config.defaults_rule is None  # no DP-SGD: no rule
    assert "raw rows never leave a client" in fl.statement.plain_language()
    json.dumps(fl.to_dict()), json.dumps(fl.summary(), default=str)


def test_dirichlet_and_column_partitions_are_shown(federate_small):
    skewed = federate_small(partition="dirichlet", alpha=0.1, clients=4, rounds=1)
    rates = skewed.clients["label_rate"]
    assert len(skewed.clients) == 4 and rates.max() - rates.min() > 0.3
    silos = federate_small(partition="race", rounds=1)
    assert sorted(silos.clients["client"]) == sorted(silos.members["race"].astype(str).unique())
    assert silos.clients["rows"].sum() == 2400


def test_same_seed_same_numbers_with_dp_noise_and_client_sampling(federate_small):
    for options in ({"dp": "client", "epsilon": 50.0}, {"dp": "record", "epsilon": 2.0, "fraction_fit": 0.67}):
        a, b = federate_small(**options), federate_small(**options)
        np.testing.assert_array_equal(_weights(a), _weights(b))
        assert list(a.history["accuracy"]) == list(b.history["accuracy"])
    other = federate_small(dp="client", epsilon=50.0, seed=1)
    assert not np.array_equal(_weights(other), _weights(federate_small(dp="client", epsilon=50.0)))


def test_client_sampling_trains_the_sampled_share(federate_small):
    fl = federate_small(clients=4, fraction_fit=0.5, rounds=3)
    assert (fl.history.loc[1:, "clients"] == 2).all() and fl.clients["rounds"].sum() == 6


def test_fedprox_pulls_clients_towards_the_global_model(federate_small):
    avg = federate_small(partition="dirichlet", alpha=0.2, local_epochs=3)
    prox = federate_small(partition="dirichlet", alpha=0.2, local_epochs=3, strategy="fedprox", mu=5.0)
    assert not np.allclose(_weights(avg), _weights(prox))
    assert prox.statement.parameters["strategy"] == "fedprox" and prox.metrics["accuracy"] > 0.7


def test_secure_aggregation_matches_plain_aggregation_and_costs_more_bytes(federate_small):
    plain = federate_small()
    secure = federate_small(secure_aggregation=True)
    assert np.abs(_weights(secure) - _weights(plain)).max() < 1e-3  # SecAgg+ quantises (~1e-6 per value)
    assert secure.metrics["bytes"] > 2 * plain.metrics["bytes"]
    text = secure.statement.plain_language()
    assert "the server sees only the aggregate of at least 2 clients" in text
    assert secure.statement.secagg_min_clients == 2
    again = federate_small(secure_aggregation=True)
    np.testing.assert_array_equal(_weights(secure), _weights(again))


def test_stop_ends_after_the_current_round_and_the_statement_covers_what_ran(federate_small):
    stop = threading.Event()

    def on_round(row):
        if row["round"] == 1:
            stop.set()

    fl = federate_small(rounds=5, dp="client", epsilon=20.0, stop=stop, on_round=on_round)
    assert fl.stopped and fl.metrics["rounds"] == 1 and fl.statement.steps == 1
    assert list(fl.history["round"]) == [0, 1]  # the rounds Flower walks through after Stop are not listed
    full = federate_small(rounds=5, dp="client", epsilon=20.0)
    assert fl.statement.epsilon < full.statement.epsilon <= 20.0


def test_a_hundred_simulated_clients_work(federate_small):
    fl = federate_small(clients=100, rounds=2, batch_size=32)
    assert len(fl.clients) == 100 and (fl.history.loc[1:, "clients"] == 100).all()
    assert (fl.clients["rows"] == 24).all() and fl.metrics["accuracy"] > 0.7
