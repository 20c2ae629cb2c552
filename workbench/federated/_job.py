"""What one federated run shares between its server and client apps: encoded client data, noise, logs, stop."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

__all__ = ["ClientData", "Job", "client_seed"]


@dataclass
class ClientData:
    """One client's encoded rows (they never leave the client's app); the server knows only ``rows``."""

    X: torch.Tensor | None
    y: torch.Tensor | None
    rows: int


@dataclass
class Job:
    """Plain data for one run; the apps read it, the server and the clients append to the logs."""

    config: Any  # FederatedConfig
    clients: list[ClientData]
    X_test: torch.Tensor
    y_test: torch.Tensor
    n_features: int
    n_classes: int
    noise: Any  # NoisePlan
    stop: threading.Event | None = None
    on_round: Callable[[dict], Any] | None = None
    rounds: list[dict] = field(default_factory=list)
    client_rounds: list[dict] = field(default_factory=list)
    participation: np.ndarray | None = None  # rounds each client trained in
    final_weights: list[np.ndarray] | None = None
    stopped: bool = False
    node_partitions: dict[int, int] = field(default_factory=dict)  # Flower node id -> client (when known)

    def __post_init__(self) -> None:
        if self.participation is None:
            self.participation = np.zeros(len(self.clients), dtype=np.int64)

    def partition_of(self, node_id: Any) -> tuple[int, int]:
        """Sort key of a Flower node: its client number when known, else its node id."""
        node = int(node_id)
        return (self.node_partitions.get(node, len(self.clients)), node)

    def should_stop(self) -> bool:
        return self.stop is not None and self.stop.is_set()


def run_key(config: Any) -> str:
    """What a run's random streams depend on: the seed *and* the settings that shape the noise.

    Two runs on the same data that differ only in their ε (or rounds, clipping, ...) but share a seed would otherwise
    draw the same noise, and a combination of their outputs could cancel it (as ``workbench.dp``'s stream seeds).
    How the same computation is carried (engine, address, its connection timeout, secure aggregation, where updates
    are clipped) does not change the streams: such runs give the same model, which reveals nothing more than one of
    them.
    """
    skip = ("engine", "address", "connect_timeout", "secure_aggregation", "clipping")
    settings = {k: v for k, v in config.to_dict().items() if k not in skip}
    return repr(sorted(settings.items()))


def client_seed(config: Any, server_round: int, client: int) -> int:
    """The seed of a client's batches and noise in one round: distinct per (run settings, round, client)."""
    digest = hashlib.sha256(f"workbench-federated:{run_key(config)}:{server_round}:{client}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def server_seed(config: Any) -> int:
    """The seed of numpy's global generator in the server (Flower's central-DP noise), from the run's settings."""
    digest = hashlib.sha256(f"workbench-federated-server:{run_key(config)}".encode()).digest()
    return int.from_bytes(digest[:4], "little")
