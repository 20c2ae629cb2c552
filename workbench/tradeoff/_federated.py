"""Federated techniques: ``federated`` (grid over ε, record- or client-level DP) and ``federated-clients`` (grid
over the number of clients, ``ks=``); each computes ONE point with :func:`workbench.federate`.

Options come through ``technique_options`` (``dp``: "record" (default) or "client"; any option of
:func:`workbench.federate` such as ``clients``, ``partition``, ``rounds``, ``secure_aggregation``; ``epsilon`` for
``federated-clients``) and the sweep's own (model, batch_size, delta, audit, attack), validated once into a
:class:`FederatedSweepConfig`. The cost (seconds, megabytes exchanged) lands in the results table beside the utility.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench._validation import InstanceOf, OneOf, int_as_float, validate_params
from workbench.tradeoff._builtin import _audit
from workbench.tradeoff._configs import _refuse, _unknown
from workbench.tradeoff._registry import register_technique

__all__ = ["FederatedSweepConfig", "federated_clients_point", "federated_point"]

# options of wb.federate that a sweep passes on (ε, the DP unit, the seed and, for federated-clients, the number of
# clients are set per point); epochs / l / t belong to other techniques
_FEDERATE_OPTIONS = ("clients", "partition", "alpha", "rounds", "local_epochs", "batch_size", "lr", "model", "hidden",
                     "strategy", "mu", "fraction_fit", "delta", "noise_multiplier", "max_grad_norm", "clipping_norm",
                     "clipping", "accountant", "secure_aggregation", "engine", "address", "optimizer",
                     "public_schema", "audit_fraction")  # fmt: skip
_FLOATS = ("alpha", "lr", "mu", "fraction_fit", "delta", "noise_multiplier", "max_grad_norm", "clipping_norm",
           "audit_fraction")  # fmt: skip


@dataclass(frozen=True)
class FederatedSweepConfig:
    """The options of a federated sweep (``"federated"``, ``"federated-clients"``), validated once by
    :class:`~workbench.federated.FederatedConfig`'s own constraints.

    Attributes
    ----------
    federated : FederatedConfig
        The settings every point runs with (without DP); each point sets its ε, unit and seed (:meth:`run_options`).
    dp : {"record", "client"}, default="record"
        The DP unit of the points with a finite ε.
    epsilon : float, optional
        ``"federated-clients"`` only: the ε of every point (None: without DP).
    audit : bool, default=True
        Attack every global model (membership inference).
    attack : str, default="threshold"
        The attack (see :func:`workbench.audit.available_attacks`).

    Examples
    --------
    >>> from workbench.tradeoff import FederatedSweepConfig
    >>> config = FederatedSweepConfig.from_options({"clients": 3, "rounds": 2, "dp": "client"}, technique="federated")
    >>> options = config.run_options(epsilon=8.0, seed=1)
    >>> options["dp"], options["epsilon"], options["clients"], options["seed"]
    ('client', 8.0, 3, 1)
    >>> FederatedSweepConfig.from_options({"epochs": 5}, technique="federated")
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: epochs applies to DP training sweeps ('dp'); the 'federated' technique \
does not use it.
    """

    federated: Any
    dp: str = "record"
    epsilon: float | None = None
    audit: bool = True
    attack: str = "threshold"

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, technique: str = "federated") -> FederatedSweepConfig:
        """Validate sweep options once (unknown names, ``FederatedConfig``'s constraints, the unit, the attack)."""
        from workbench.audit import available_attacks
        from workbench.federated import FederatedConfig

        options = {k: v for k, v in options.items() if v is not None}
        _refuse(options, ("l", "t", "method", "max_suppression"), technique, "k-anonymity sweeps")
        _refuse(options, ("epochs",), technique, "DP training sweeps ('dp')")
        if technique == "federated":
            _refuse(options, ("epsilon",), technique, "'federated-clients' sweeps (here the grid is ε)")
        else:
            _refuse(options, ("clients",), technique, "'federated' sweeps (here the grid is the number of clients)")
        _unknown(options, (*_FEDERATE_OPTIONS, "dp", "epsilon", "audit", "attack"))
        own = {k: options.pop(k) for k in ("dp", "epsilon", "audit", "attack") if k in options}
        validate_params(
            "tradeoff",
            {"dp": OneOf(("record", "client")), "audit": InstanceOf((bool,), "True or False"),
             "attack": OneOf(tuple(available_attacks()))},
            {k: v for k, v in own.items() if k != "epsilon"},
        )  # fmt: skip
        given = {k: int_as_float(v) if k in _FLOATS else v for k, v in options.items()}
        if isinstance(given.get("hidden"), list):
            given["hidden"] = tuple(given["hidden"])
        if "epsilon" in own:
            own["epsilon"] = int_as_float(own["epsilon"])
            FederatedConfig(**given, dp=own.get("dp", "record"), epsilon=own["epsilon"])  # the ε checked once here
        return cls(federated=FederatedConfig(**given), **own)

    def run_options(self, *, epsilon: float | None, seed: int, **changes: Any) -> dict[str, Any]:
        """Keyword arguments of :func:`workbench.federate` for one point (``epsilon`` None or inf: without DP)."""
        private = epsilon is not None and math.isfinite(epsilon)
        config = self.federated.replace(dp=self.dp if private else None, epsilon=float(epsilon) if private else None,
                                        seed=int(seed), **changes)  # fmt: skip
        return {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name != "defaults_rule"}

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the result's ``options``."""
        out = {k: v for k, v in self.federated.to_dict().items() if k not in ("dp", "epsilon", "seed")}
        return {**out, "dp": self.dp, "epsilon": self.epsilon, "audit": self.audit, "attack": self.attack}


def _federate(dataset: Any, options: dict[str, Any], stop: Any) -> Any:
    from workbench.federated import federate

    # ledger=False: the sweep records the point in the calling process's ledger
    return federate(dataset, **options, stop=stop, ledger=False)


def _outcome(fl: Any, config: FederatedSweepConfig, seed: int, stop: Any, clients: int | None = None) -> dict[str, Any]:
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
    if config.audit:
        leakage, details = _audit(fl, config, seed, stop)
        out["leakage"] = leakage
        out["details"].update(details)
    return out


def federated_point(dataset: Any, epsilon: float, config: FederatedSweepConfig, seed: int, stop: Any) -> dict:
    """Federated training at ``epsilon`` (``inf``: without DP) with the DP unit ``config.dp``."""
    fl = _federate(dataset, config.run_options(epsilon=epsilon, seed=seed), stop)
    return _outcome(fl, config, seed, stop)


def federated_clients_point(dataset: Any, clients: float, config: FederatedSweepConfig, seed: int, stop: Any) -> dict:
    """Federated training over ``clients`` IID (or Dirichlet) clients, at ``config.epsilon`` if given."""
    fl = _federate(dataset, config.run_options(epsilon=config.epsilon, seed=seed, clients=int(clients)), stop)
    return _outcome(fl, config, seed, stop, clients=int(clients))


register_technique(
    "federated",
    federated_point,
    parameter="epsilon",
    spends_budget=True,
    description="federated learning on Flower at each ε (DP unit 'record' or 'client'); utility, MIA, cost",
    config=FederatedSweepConfig,
)
register_technique(
    "federated-clients",
    federated_clients_point,
    parameter="k",
    spends_budget=True,
    description="federated learning on Flower over a grid of client counts (ks=); utility, MIA, cost",
    config=FederatedSweepConfig,
)
