"""``FederatedResult``: the global model of a federated run, with its history, clients and privacy statement."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from torch import nn

from workbench.dp.result import EncodedModelPredictions
from workbench.federated.config import FederatedConfig
from workbench.federated.statement import FederatedStatement

__all__ = ["FederatedResult"]


@dataclass(frozen=True, eq=False)
class FederatedResult(EncodedModelPredictions):
    """The outcome of :func:`workbench.federate`; audited like a train result (``wb.membership_inference(fl)``).

    Attributes
    ----------
    model : torch.nn.Module
        The global model after the last round, in eval mode.
    encoder : TabularEncoder
        One encoding shared by all clients (see the statement's caveats for what it was fitted on).
    members : DataFrame
        Every client's training rows (in client order); the audit's members.
    non_members : DataFrame
        Training-split rows kept out of every client (``audit_fraction``); empty when 0.
    test : DataFrame
        The server's test rows (metrics and server-side evaluation each round).
    target : str
    config : TrainConfig
        The clients' local training as one central-equivalent configuration (what audit reference models use).
    federated_config : FederatedConfig
    statement : FederatedStatement
    metrics : dict
        Final "accuracy", "auc", "loss" on the test rows, plus "seconds", "bytes" and "rounds".
    history : DataFrame
        One row per round (round 0: the initial model): accuracy, auc, loss (server side, test rows), epsilon spent
        so far, clients trained, client_loss, client_seconds (slowest client's training), client_seconds_total (all
        clients' training), bytes (messages' contents as Flower serialises them), seconds (the round's wall time).
    clients : DataFrame
        One row per client: rows, label_rate, rounds trained, epsilon spent (record level), name.
    stopped : bool
        True when ``stop`` ended the run early; the statement covers the rounds run.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.load_dataset("adult")
    >>> fl = wb.federate(ds, clients=3, rounds=2, public_schema=True, ledger=False)  # doctest: +SKIP
    >>> fl.technique, len(fl.history), fl.statement.private  # doctest: +SKIP
    ('federated', 3, False)
    """

    model: nn.Module
    encoder: Any
    members: pd.DataFrame
    non_members: pd.DataFrame
    test: pd.DataFrame
    target: str
    config: Any
    federated_config: FederatedConfig
    statement: FederatedStatement
    metrics: dict[str, float]
    history: pd.DataFrame
    clients: pd.DataFrame
    stopped: bool
    dataset_name: str = ""
    dataset_fingerprint: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    technique: str = "federated"

    @property
    def epsilon(self) -> float:
        return self.statement.epsilon

    def summary(self) -> dict[str, Any]:
        """Plain data for reports and tables (no rows, no identifiers)."""
        cfg = self.federated_config
        return {
            "technique": self.technique, "dataset": self.dataset_name, "model": cfg.model, "clients": cfg.clients
            if cfg.partition in ("iid", "dirichlet") else len(self.clients), "partition": cfg.partition,
            "rounds": int(self.metrics.get("rounds", 0)), "strategy": cfg.strategy, "dp": cfg.dp or "none",
            "epsilon": self.statement.epsilon, "delta": self.statement.delta, "unit": self.statement.unit,
            "secure_aggregation": cfg.secure_aggregation, "engine": cfg.engine, **dict(self.metrics),
            "guarantee": self.statement.guarantee, "stopped": self.stopped,
        }  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "technique": self.technique,
            "dataset": self.dataset_name,
            "dataset_fingerprint": self.dataset_fingerprint,
            "target": self.target,
            "config": self.federated_config.to_dict(),
            "statement": self.statement.to_dict(),
            "metrics": dict(self.metrics),
            "history": self.history.to_dict(orient="records"),
            "clients": self.clients.to_dict(orient="records"),
            "stopped": self.stopped,
            "members": len(self.members),
            "non_members": len(self.non_members),
        }

    def to_frame(self) -> pd.DataFrame:
        """The per-round history."""
        return self.history.copy()

    def __repr__(self) -> str:
        eps = "inf" if math.isinf(self.statement.epsilon) else f"{self.statement.epsilon:.3g}"
        return (
            f"FederatedResult(clients={len(self.clients)}, rounds={int(self.metrics.get('rounds', 0))}, "
            f"dp={self.federated_config.dp!r}, epsilon={eps}, accuracy={self.metrics.get('accuracy', math.nan):.4f}, "
            f"secure_aggregation={self.federated_config.secure_aggregation}, stopped={self.stopped})"
        )

    def _repr_html_(self) -> str:
        m = self.metrics
        return (
            f"<div class='wb-federated'><h4 style='margin:4px 0'>Federated {html.escape(self.federated_config.model)} "
            f"over {len(self.clients)} clients{' (stopped early)' if self.stopped else ''}</h4>"
            f"<p>test accuracy {m.get('accuracy', math.nan):.4f} · AUC {m.get('auc', math.nan):.4f} · "
            f"{int(m.get('rounds', 0))} rounds in {m.get('seconds', math.nan):.1f} s · "
            f"{m.get('bytes', 0) / 1e6:.2f} MB exchanged</p>{self.statement._repr_html_()}"
            f"{self.clients.to_html(index=False, float_format=lambda v: f'{v:.4g}')}</div>"
        )
