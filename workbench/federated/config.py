"""``FederatedConfig``: every parameter of a federated run, validated in one place."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench._validation import InstanceOf, Interval, OneOf, Optional, validate_params
from workbench.dp.config import DEFAULT_LR
from workbench.errors import InvalidParameterError

__all__ = ["CONSTRAINTS", "SIMULATION_ENGINE", "FederatedConfig"]

CONSTRAINTS = {
    "clients": Interval(int, 1, 10_000),
    "partition": InstanceOf((str,), "'iid', 'dirichlet' or a column name"),
    "alpha": Interval(float, 0, None, closed="neither"),
    "rounds": Interval(int, 1, 10_000),
    "local_epochs": Interval(int, 1, 1_000),
    "batch_size": Optional(Interval(int, 1, None)),
    "lr": Optional(Interval(float, 0, None, closed="neither")),
    "model": OneOf(("logreg", "mlp")),
    "hidden": InstanceOf((tuple,), "a tuple of layer widths, e.g. (64, 64)"),
    "strategy": OneOf(("fedavg", "fedprox")),
    "mu": Interval(float, 0, None),
    "fraction_fit": Interval(float, 0, 1, closed="right"),
    "dp": Optional(OneOf(("record", "client"))),
    "epsilon": Optional(Interval(float, 0, None, closed="neither")),
    "delta": Optional(Interval(float, 0, 1, closed="neither")),
    "noise_multiplier": Optional(Interval(float, 0, None, closed="neither")),
    "max_grad_norm": Interval(float, 0, None, closed="neither"),
    "clipping_norm": Interval(float, 0, None, closed="neither"),
    "clipping": Optional(OneOf(("server", "client"))),
    "accountant": OneOf(("prv", "rdp")),
    "secure_aggregation": InstanceOf((bool,), "True or False"),
    "engine": OneOf(("simulation", "threads", "ray", "deployment")),
    "address": Optional(InstanceOf((str,), "a 'host:port' string")),
    "connect_timeout": Interval(float, 0, None, closed="neither"),
    "seed": Interval(int, 0, 2**31 - 1),
    "optimizer": OneOf(("adam", "sgd")),
    "public_schema": InstanceOf((bool,), "True or False"),
    "audit_fraction": Interval(float, 0, 1, closed="left"),
}

#: what ``engine="simulation"`` runs: Flower's simulation runtime with the in-process thread backend (``"threads"``)
#: or Flower's Ray backend (``"ray"``); see :func:`workbench.federate` for the measurements behind the choice
SIMULATION_ENGINE = "threads"


@dataclass(frozen=True)
class FederatedConfig:
    """Every parameter of :func:`workbench.federate` (see there for their meaning).

    Examples
    --------
    >>> FederatedConfig(clients=5, dp="record", epsilon=1.0).private
    True
    >>> FederatedConfig(dp="client")
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: dp='client' needs epsilon= (a budget) or noise_multiplier=.
    """

    clients: int = 5
    partition: str = "iid"
    alpha: float = 0.5
    rounds: int = 10
    local_epochs: int = 1
    batch_size: int | None = None
    lr: float | None = None
    model: str = "logreg"
    hidden: tuple = (64, 64)
    strategy: str = "fedavg"
    mu: float = 0.0
    fraction_fit: float = 1.0
    dp: str | None = None
    epsilon: float | None = None
    delta: float | None = None
    noise_multiplier: float | None = None
    max_grad_norm: float = 1.0
    clipping_norm: float = 1.0
    clipping: str | None = None
    accountant: str = "prv"
    secure_aggregation: bool = False
    engine: str = "simulation"
    address: str | None = None
    connect_timeout: float = 30.0
    seed: int = 0
    optimizer: str = "adam"
    public_schema: bool = False
    audit_fraction: float = 0.0
    defaults_rule: str | None = None

    def __post_init__(self) -> None:
        validate_params("federate", CONSTRAINTS, dataclasses.asdict(self))
        if self.engine == "simulation":
            object.__setattr__(self, "engine", SIMULATION_ENGINE)
        if self.dp is None and (self.epsilon is not None or self.noise_multiplier is not None):
            raise InvalidParameterError(
                "epsilon / noise_multiplier need dp='record' (DP-SGD in each client) or dp='client' (central DP)."
            )
        if self.dp is not None and self.epsilon is None and self.noise_multiplier is None:
            raise InvalidParameterError(f"dp={self.dp!r} needs epsilon= (a budget) or noise_multiplier=.")
        if self.clipping is None:  # Flower's two central-DP wrappers: SecAgg+ hides single updates from the server
            object.__setattr__(self, "clipping", "client" if self.secure_aggregation else "server")
        if self.dp == "client" and self.secure_aggregation and self.clipping == "server":
            raise InvalidParameterError(
                "clipping='server' clips each client's update on the server, which secure aggregation hides from it; "
                "use clipping='client' (each client clips its own update) with secure_aggregation=True."
            )
        if self.address is not None and self.engine != "deployment":
            raise InvalidParameterError("address= connects to a running SuperLink: use it with engine='deployment'.")
        if self.address is not None:
            check_address(self.address)
        if self.strategy == "fedavg" and self.mu > 0:
            raise InvalidParameterError("mu is FedProx's proximal weight: pass strategy='fedprox' with it.")

    @property
    def clips_on_clients(self) -> bool:
        """Client-level DP with each client clipping its own update (Flower's ``fixedclipping_mod``)."""
        return self.dp == "client" and self.clipping == "client"

    @property
    def private(self) -> bool:
        return self.dp is not None

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[(self.optimizer, self.model)]  # as workbench.train

    def with_batch_size(self, client_rows: list[int]) -> FederatedConfig:
        """This config with its batch size chosen when left unset (None).

        Record-level DP: the size-aware rule (``workbench.dp.defaults.size_aware_defaults``) for the median
        client's rows, recorded as ``defaults_rule`` (measured on Adult, 5 clients × 10 rounds, ε = 1: 84.5 % with
        256 rows a batch, 85.2 % with the rule's 32). Otherwise 256: local training without DP-SGD noise needs no
        more steps, and fewer steps keep rounds short.
        """
        if self.batch_size is not None:
            return self
        if self.dp != "record":
            return self.replace(batch_size=256)
        from workbench.dp.defaults import RULE, size_aware_defaults

        rows = int(np.median(client_rows))
        chosen = size_aware_defaults(rows, model=self.model, optimizer=self.optimizer)["batch_size"]
        return self.replace(batch_size=chosen, defaults_rule=RULE)

    def replace(self, **changes: Any) -> FederatedConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["hidden"] = list(self.hidden)
        return out


#: ``host:port`` of a SuperLink: a host name or IPv4 address, or an IPv6 address in brackets, and a port number
_ADDRESS = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.\-_]*):(\d{1,5})$")


def check_address(address: str) -> tuple[str, int]:
    """The host and port of a SuperLink address ``host:port``; a one-line error for anything else.

    Examples
    --------
    >>> check_address("127.0.0.1:9093"), check_address("[::1]:9093")
    (('127.0.0.1', 9093), ('::1', 9093))
    >>> check_address("http://10.0.0.5:9093")
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: address must be 'host:port' of a SuperLink ... got 'http://10.0.0.5:9093'.
    """
    match = _ADDRESS.match(address.strip())
    port = int(match.group(2)) if match else 0
    if match is None or not 1 <= port <= 65535:
        raise InvalidParameterError(
            f"address must be 'host:port' of a SuperLink (e.g. '10.0.0.5:9093', no http://); got {address!r}."
        )
    return match.group(1).strip("[]"), port
