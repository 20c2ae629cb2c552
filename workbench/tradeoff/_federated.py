"""Federated techniques: ``federated`` (grid over ε, record- or client-level DP) and ``federated-clients`` (grid
over the number of clients, ``ks=``); each computes ONE point with :func:`workbench.federate`.

Options come through ``technique_options`` (``dp``: "record" (default) or "client"; ``clients``, ``partition``,
``alpha``, ``rounds``, ``local_epochs``, ``strategy``, ``mu``, ``fraction_fit``, ``secure_aggregation``,
``clipping_norm``, ``epsilon`` for ``federated-clients``) and the sweep's own (model, batch_size, delta, audit, ...).
The cost (seconds, megabytes exchanged) lands in the results table beside the utility.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from workbench.tradeoff._builtin import _audit
from workbench.tradeoff._registry import register_technique

__all__ = ["federated_clients_point", "federated_point"]

_FEDERATED_KEYS = ("clients", "partition", "alpha", "rounds", "local_epochs", "strategy", "mu", "fraction_fit",
                   "secure_aggregation", "clipping_norm", "optimizer")  # fmt: skip


def _federate(dataset: Any, options: Mapping[str, Any], seed: int, stop: Any, **privacy: Any) -> Any:
    from workbench.federated import federate

    extra = {k: options[k] for k in _FEDERATED_KEYS if k in options}
    return federate(
        dataset, model=options["model"] if isinstance(options["model"], str) else "logreg",
        batch_size=options["batch_size"], lr=options.get("lr"), hidden=tuple(options.get("hidden", (64, 64))),
        accountant=options.get("accountant", "prv"), max_grad_norm=options.get("max_grad_norm", 1.0),
        audit_fraction=options.get("audit_fraction", 0.0), public_schema=options.get("public_schema", False),
        seed=seed, stop=stop, ledger=False, **extra, **privacy,
    )  # fmt: skip


def _outcome(fl: Any, options: Mapping[str, Any], seed: int, stop: Any, clients: int | None = None) -> dict[str, Any]:
    if fl.stopped:
        return {"stopped": True}
    s = fl.statement
    out: dict[str, Any] = {
        "epsilon": s.epsilon,
        "delta": s.delta if s.private else None,
        "utility": {
            "accuracy": float(fl.metrics["accuracy"]),
            "auc": float(fl.metrics["auc"]),
            "megabytes": float(fl.metrics["bytes"]) / 1e6,
        },
        "statement": {**s.ledger_statement().to_dict(), "federated": s.to_dict()},
        "details": {
            "history": fl.history.to_dict(orient="records"),
            "clients": fl.clients.to_dict(orient="records"),
            "unit": s.unit,
            "guarantee": s.guarantee,
        },
    }
    if clients is not None:
        out["k"] = float(clients)
    if options.get("audit", True):
        leakage, details = _audit(fl, options, seed, stop)
        out["leakage"] = leakage
        out["details"].update(details)
    return out


def federated_point(dataset: Any, epsilon: float, options: Mapping[str, Any], seed: int, stop: Any) -> dict:
    """Federated training at ``epsilon`` (``inf``: without DP) with the DP unit ``options["dp"]``."""
    private = epsilon is not None and math.isfinite(epsilon)
    dp = options.get("dp", "record") if private else None
    fl = _federate(dataset, options, seed, stop, dp=dp, epsilon=float(epsilon) if private else None)
    return _outcome(fl, options, seed, stop)


def federated_clients_point(dataset: Any, clients: float, options: Mapping[str, Any], seed: int, stop: Any) -> dict:
    """Federated training over ``clients`` IID (or Dirichlet) clients, at ``options["epsilon"]`` if given."""
    eps = options.get("epsilon")
    dp = options.get("dp", "record") if eps is not None else None
    local = {k: v for k, v in options.items() if k != "clients"}
    fl = _federate(dataset, local, seed, stop, clients=int(clients), dp=dp, epsilon=eps)
    return _outcome(fl, options, seed, stop, clients=int(clients))


register_technique(
    "federated",
    federated_point,
    parameter="epsilon",
    spends_budget=True,
    description="federated learning on Flower at each ε (DP unit 'record' or 'client'); utility, MIA, cost",
)
register_technique(
    "federated-clients",
    federated_clients_point,
    parameter="k",
    spends_budget=True,
    description="federated learning on Flower over a grid of client counts (ks=); utility, MIA, cost",
)
