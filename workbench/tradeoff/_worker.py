"""What runs in a worker (a local process, a Dask worker, a thread): one point, timed, as a TradeoffPoint."""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any, NamedTuple

from workbench.errors import warn_once
from workbench.tradeoff._dataset_ref import DatasetRef
from workbench.tradeoff._point import TradeoffPoint, _plain

__all__ = ["PointTask", "init_worker", "point_seed", "reemit_warnings", "run_point"]


def point_seed(seed: int, value: float) -> int:
    """The seed of the point at ``value``: derived from the sweep's ``seed`` and the value, so no two points share
    Poisson batches or noise (models trained on the same noise could be combined to cancel it), while the same
    (seed, value) always gives the same model.

    Examples
    --------
    >>> point_seed(0, 1.0) == point_seed(0, 1.0), point_seed(0, 1.0) == point_seed(0, 2.0)
    (True, False)
    """
    import numpy as np

    key = 2**62 if not math.isfinite(value) else round(float(value) * 1_000_000)
    return int(np.random.SeedSequence([int(seed), key]).generate_state(1)[0] & 0x7FFFFFFF)


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
    """What to compute: one grid value, or several computed together (``indices``/``values``), picklable."""

    technique: str
    parameter: str
    indices: tuple[int, ...]
    values: tuple[float, ...]
    options: Any
    seeds: tuple[int, ...]
    caller_pid: int | None = None  # the sweep's process: warnings are recorded in other processes only


def run_point(
    compute: Any,
    task: tuple,
    ref: DatasetRef,
    threads: int | None = None,
    stop: Any = None,
    group: Any = None,
    warned: set[tuple[str, str]] | None = None,
) -> list[TradeoffPoint | None]:
    """Compute a task's points (``group`` computes several values at once); ``None`` for a point stopped early.

    ``warned`` is the sweep's set of warnings already shown: in the caller's process, workbench's own warnings
    (:func:`~workbench.errors.warn_user`) are shown once per sweep through it.
    """
    technique, parameter, indices, values, options, seeds, caller_pid = task
    _set_threads(threads)
    if stop == USE_WORKER_STOP:
        stop = _WORKER_STOP
    if stop is not None and stop.is_set():
        return [None] * len(values)
    dataset = ref.resolve()
    start = time.perf_counter()
    with _point_warnings(caller_pid, warned) as caught:  # from a worker process, warnings travel back with the point
        if group is not None:
            outs = [dict(o) for o in group(dataset, list(values), options, list(seeds), stop)]
        else:
            outs = [dict(compute(dataset, v, options, s, stop)) for v, s in zip(values, seeds, strict=True)]
    seconds = time.perf_counter() - start
    caught_list = [[w.category.__name__, str(w.message)] for w in caught]
    points = []
    for index, value, seed, out in zip(indices, values, seeds, outs, strict=True):
        if out.pop("stopped", False):
            points.append(None)
            continue
        details = dict(out.get("details", {}))
        if caught_list:
            details["warnings"] = caught_list
        if len(values) > 1:
            details["computed_with"] = [v if math.isfinite(v) else None for v in values]
        epsilon = out.get("epsilon")
        points.append(
            TradeoffPoint(
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
                details=_plain(details),
                seconds=seconds / len(values) if group is None else seconds,
                seed=seed,
                index=index,
                dataset_name=dataset.name,
                dataset_fingerprint=ref.key,
            )
        )
    return points


_CAPTURE = threading.Lock()  # catch_warnings is process-wide: one point records at a time in a worker process


@contextlib.contextmanager
def _point_warnings(caller_pid: int | None, warned: set[tuple[str, str]] | None) -> Iterator[list[Any]]:
    """The warnings a point's code raises, to travel back with the point; recorded in worker processes only.

    In the caller's own process (``"serial"``, the first point computed while the pool starts, a thread pool) nothing
    is recorded and no warning state is touched: warnings reach the caller directly, under its own filters (workbench's
    own once per sweep, through ``warned`` and :func:`~workbench.errors.warn_once`). A worker
    process (local pool, Dask) records them with ``warnings.catch_warnings`` around the point; the caller re-emits
    them once (:func:`reemit_warnings`). Points of one worker process record one at a time, so threads of a Dask
    worker never take each other's warnings.
    """
    if caller_pid is None or os.getpid() == caller_pid:
        with warn_once(warned if warned is not None else set()):
            yield []
        return
    with _CAPTURE, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def reemit_warnings(point: TradeoffPoint, seen: set[tuple[str, str]]) -> None:
    """Warn in the calling process, once per sweep, about what a worker warned about while computing a point."""
    import builtins

    from workbench import errors

    for category_name, message in point.details.get("warnings", []):
        if (category_name, message) in seen:
            continue
        seen.add((category_name, message))
        category = getattr(errors, category_name, None)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = getattr(builtins, category_name, None)
            if not (isinstance(category, type) and issubclass(category, Warning)):
                category = UserWarning
        errors.warn_user(message, category)
