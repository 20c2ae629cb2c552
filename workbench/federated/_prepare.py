"""Before a federated run: partition, shared encoder, encoded client data, noise, and the planned statement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import EmptyDataError
from workbench.federated._accounting import NoisePlan, local_schedule, plan_noise
from workbench.federated._job import ClientData, Job
from workbench.federated.partition import partition_rows, partition_table

__all__ = ["Prepared", "prepare"]


@dataclass
class Prepared:
    job: Job
    encoder: Any
    parts: list[np.ndarray]
    table: pd.DataFrame
    planned_statement: Any


def prepare(members: pd.DataFrame, ds: Any, config: Any) -> Prepared:
    from workbench.dp import drop_missing_target, fit_encoder

    target = ds.target
    identifiers = set(ds.identifiers)
    partition_column = config.partition if config.partition not in ("iid", "dirichlet") else None
    features = [c for c in members.columns if c != target and c not in identifiers and c != partition_column]
    parts = partition_rows(members, clients=config.clients, partition=config.partition, target=target,
                           alpha=config.alpha, seed=config.seed)  # fmt: skip
    encoder = fit_encoder(members, target=target, features=features, public_schema=config.public_schema,
                          warn=config.private)  # fmt: skip
    X, y = encoder.transform(members)
    test = drop_missing_target(ds.test, target)
    X_test, y_test = encoder.transform(test)
    names = None
    if partition_column is not None:
        values = pd.factorize(members[partition_column], sort=True, use_na_sentinel=False)[1]
        names = [str(v) for v in values]
    table = partition_table(parts, y.numpy(), names)
    if len(parts) < 2 and config.secure_aggregation:
        raise EmptyDataError("Secure aggregation needs at least 2 clients; use more clients or another partition.")
    clients = [ClientData(X[torch_index(p)], y[torch_index(p)], len(p)) for p in parts]
    config = config.with_batch_size([len(p) for p in parts])
    noise = plan_noise(config, [len(p) for p in parts], model_size(config, encoder.n_features, encoder.n_classes))
    job = Job(config=config, clients=clients, X_test=X_test, y_test=y_test, n_features=encoder.n_features,
              n_classes=encoder.n_classes, noise=noise)  # fmt: skip
    full = np.full(len(parts), config.rounds)
    planned = build_statement(config, noise, [len(p) for p in parts], full, config.rounds, encoder)
    return Prepared(job, encoder, parts, table, planned)


def model_size(config: Any, n_features: int, n_classes: int) -> int:
    """How many numbers the clients send each round (the model's parameters and buffers)."""
    from workbench.dp.models import build_model

    net = build_model(config.model, n_features, n_classes, hidden=config.hidden, seed=config.seed)
    return sum(v.numel() for v in net.state_dict().values())


def torch_index(positions: np.ndarray) -> Any:
    import torch

    return torch.as_tensor(positions, dtype=torch.long)


def build_statement(
    config: Any, noise: NoisePlan, rows: list[int], participation: np.ndarray, rounds_done: int, encoder: Any
) -> Any:
    """The statement for the rounds run (``rounds_done``) and each client trained in (``participation``)."""
    from workbench.federated._accounting import client_epsilon, record_epsilon
    from workbench.federated._server import secagg_threshold
    from workbench.federated.statement import FederatedStatement

    caveats = []
    if encoder.leaks:
        caveats.append(
            f"the shared encoding uses {len(encoder.leaks)} statistics of the clients' rows (categories, means, "
            "spreads), computed centrally here: in a real federation they must be public or agreed separately"
        )
    if config.private:
        caveats.append("noise from torch's / numpy's pseudo-random generators, not cryptographically secure ones")
    common = dict(
        parameters=_parameters(config, rows), clients=len(rows), rows=int(sum(rows)),
        secure_aggregation=config.secure_aggregation,
        secagg_min_clients=secagg_threshold(len(rows)) if config.secure_aggregation else 0, caveats=tuple(caveats),
    )  # fmt: skip
    if config.dp == "client":
        eps, eps_error = client_epsilon(config.accountant, noise.flower_noise, rounds_done, noise.delta,
                                        noise.sensitivity)  # fmt: skip
        return FederatedStatement(epsilon=eps, delta=noise.delta, unit="client", accountant=config.accountant,
                                  noise_multiplier=noise.flower_noise, sample_rate=1.0, steps=rounds_done,
                                  max_grad_norm=config.clipping_norm, eps_error=eps_error, clipping=config.clipping,
                                  sensitivity=noise.sensitivity, **common)  # fmt: skip
    if config.dp != "record":
        return FederatedStatement(epsilon=float("inf"), delta=0.0, unit=None, accountant="none", noise_multiplier=0.0,
                                  sample_rate=0.0, steps=0, max_grad_norm=float("inf"), **common)  # fmt: skip
    epsilons, rates, steps, errors = [], [], [], []
    for cid, n in enumerate(rows):
        rate, per_round = local_schedule(n, config.batch_size, config.local_epochs)
        s = int(participation[cid]) * per_round
        eps, err = record_epsilon(config.accountant, noise.client_sigmas[cid], rate, s, noise.delta)
        epsilons.append(eps), rates.append(rate), steps.append(s), errors.append(err)
    worst = int(np.argmax(epsilons))
    return FederatedStatement(
        epsilon=epsilons[worst], delta=noise.delta, unit="record", accountant=config.accountant,
        noise_multiplier=noise.client_sigmas[worst], sample_rate=rates[worst], steps=steps[worst],
        max_grad_norm=config.max_grad_norm, client_epsilons=tuple(epsilons), client_noise=tuple(noise.client_sigmas),
        client_rates=tuple(rates), client_steps=tuple(steps), eps_error=errors[worst], **common,
    )  # fmt: skip


def _parameters(config: Any, rows: list[int]) -> dict[str, Any]:
    keys = ("partition", "alpha", "rounds", "local_epochs", "model", "strategy", "mu", "fraction_fit", "dp",
            "epsilon", "delta", "batch_size", "defaults_rule", "secure_aggregation", "engine", "seed")  # fmt: skip
    out = {k: getattr(config, k) for k in keys}
    if config.dp == "client":
        out["clipping"] = config.clipping
    out["clients"] = len(rows)
    return out
