"""Privacy-utility trade-off sweeps: a technique over a grid, points streamed as they finish, on any executor.

``workbench.tradeoff`` is both this sub-package and the function: ``wb.tradeoff(ds, "dp", ...)`` works.
"""

from workbench._callable import make_module_callable
from workbench.tradeoff import (  # noqa: F401 - importing registers the techniques
    _builtin,
    _federated,
    _synthetic,
)
from workbench.tradeoff._configs import DPSweepConfig, KAnonymitySweepConfig
from workbench.tradeoff._executors import shutdown_pool
from workbench.tradeoff._federated import FederatedSweepConfig
from workbench.tradeoff._pareto import pareto_frontier
from workbench.tradeoff._point import TradeoffPoint
from workbench.tradeoff._registry import Technique, available_techniques, get_technique, register_technique
from workbench.tradeoff._result import TradeoffResult, read_results
from workbench.tradeoff._sweep import DEFAULT_EPSILONS, DEFAULT_KS, iter_tradeoff, plan_sweep, tradeoff
from workbench.tradeoff.grid import parse_grid

__all__ = [
    "DEFAULT_EPSILONS",
    "DEFAULT_KS",
    "DPSweepConfig",
    "FederatedSweepConfig",
    "KAnonymitySweepConfig",
    "Technique",
    "TradeoffPoint",
    "TradeoffResult",
    "available_techniques",
    "get_technique",
    "iter_tradeoff",
    "pareto_frontier",
    "parse_grid",
    "plan_sweep",
    "read_results",
    "register_technique",
    "shutdown_pool",
    "tradeoff",
]

make_module_callable(__name__, tradeoff)
