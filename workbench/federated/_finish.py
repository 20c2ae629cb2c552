"""After a federated run: the global model, history, per-client table, statement and result."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from workbench.federated.result import FederatedResult

__all__ = ["finish"]

_HISTORY = ["round", "accuracy", "auc", "loss", "epsilon", "clients", "client_loss", "client_seconds",
            "client_seconds_total", "bytes", "seconds"]  # fmt: skip


def finish(prepared: Any, members, non_members, ds, config, outcome: dict, seconds: float) -> FederatedResult:
    from workbench.dp import TrainConfig, evaluate_model
    from workbench.federated._client import new_model, set_weights
    from workbench.federated._prepare import build_statement

    job = prepared.job
    net = new_model(job)
    if job.final_weights is not None:
        set_weights(net, job.final_weights)
    net.eval()
    rows = [c.rows for c in job.clients]
    rounds_done = len({r["round"] for r in job.client_rounds})
    statement = build_statement(config, job.noise, rows, job.participation, rounds_done, prepared.encoder)
    history = pd.DataFrame(job.rounds, columns=_HISTORY) if job.rounds else pd.DataFrame(columns=_HISTORY)
    metrics = evaluate_model(net, job.X_test, job.y_test)
    metrics.update(seconds=seconds, bytes=float(outcome.get("bytes", history["bytes"].sum())), rounds=rounds_done)
    table = prepared.table.copy()
    table["rounds"] = job.participation.astype(int)
    table["epsilon"] = list(statement.client_epsilons) if statement.unit == "record" else (
        [statement.epsilon] * len(rows) if statement.private else [math.inf] * len(rows))  # fmt: skip
    ordered = members.iloc[np.concatenate(prepared.parts)] if prepared.parts else members
    central = TrainConfig(
        model=config.model, epochs=config.rounds * config.local_epochs, batch_size=min(config.batch_size, len(members)),
        lr=config.learning_rate, hidden=config.hidden, seed=config.seed, optimizer=config.optimizer,
        public_schema=config.public_schema, features=tuple(prepared.encoder.columns),
    )  # fmt: skip
    return FederatedResult(
        model=net, encoder=prepared.encoder, members=ordered, non_members=non_members, test=ds.test,
        target=ds.target, config=central, federated_config=config, statement=statement, metrics=metrics,
        history=history, clients=table, stopped=job.stopped, dataset_name=ds.name,
        dataset_fingerprint=ds.fingerprint, timings={"total_s": seconds},
    )  # fmt: skip
