"""Federated learning on Flower: clients keep their rows; record- or client-level DP; secure aggregation."""

from workbench.federated._federate import federate
from workbench.federated.config import FederatedConfig
from workbench.federated.partition import partition_rows, partition_table
from workbench.federated.result import FederatedResult
from workbench.federated.statement import FederatedStatement

__all__ = [
    "FederatedConfig",
    "FederatedResult",
    "FederatedStatement",
    "federate",
    "partition_rows",
    "partition_table",
]
