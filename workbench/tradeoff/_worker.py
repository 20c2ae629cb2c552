"""What runs in a worker (a local process, a Dask worker, a thread): one point, timed, as a TradeoffPoint."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from workbench.tradeoff._dataset_ref import DatasetRef
from workbench.tradeoff._point import TradeoffPoint, _plain

__all__ = ["PointTask", "init_worker", "run_point"]

# Set by ``init_worker`` in processes of the local pool: a multiprocessing Event the parent sets on stop.
_WORKER_STOP: Any = None
USE_WORKER_STOP = "worker-stop"


def init_worker(threads: int | None, stop_event: Any = None) -> None:
    """Process-pool initializer: few torch threads per process (so processes do not fight) and the stop event."""
    global _WORKER_STOP
    _WORKER_STOP = stop_event
    _set_threads(threads)


def _set_threads(threads: int | None) -> None:
    if threads is None:
        return
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


class PointTask(NamedTuple):
    """What to compute for one point, as a picklable tuple."""

    technique: str
    parameter: str
    index: int
    value: float
    options: Mapping[str, Any]
    seed: int


def run_point(
    compute: Any, task: tuple, ref: DatasetRef, threads: int | None = None, stop: Any = None
) -> TradeoffPoint | None:
    """Compute one point; ``None`` when it was stopped before finishing."""
    technique, parameter, index, value, options, seed = task
    _set_threads(threads)
    if stop == USE_WORKER_STOP:
        stop = _WORKER_STOP
    if stop is not None and stop.is_set():
        return None
    dataset = ref.resolve()
    start = time.perf_counter()
    out = dict(compute(dataset, value, options, seed, stop))
    seconds = time.perf_counter() - start
    if out.pop("stopped", False):
        return None
    epsilon = out.get("epsilon")
    return TradeoffPoint(
        technique=technique,
        parameter=parameter,
        value=math.inf if value is None else float(value),
        epsilon=math.inf if epsilon is None else float(epsilon),
        delta=None if out.get("delta") is None else float(out["delta"]),
        k=out.get("k"),
        l=out.get("l"),
        t=out.get("t"),
        utility=_plain(out.get("utility", {})),
        leakage=_plain(out.get("leakage", {})),
        statement=_plain(out.get("statement", {})),
        details=_plain(out.get("details", {})),
        seconds=seconds,
        seed=seed,
        index=index,
        dataset_name=dataset.name,
        dataset_fingerprint=ref.key,
    )
