"""What runs in a worker (a local process, a Dask worker, a thread): one point, timed, as a TradeoffPoint."""

from __future__ import annotations

import contextlib
import math
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

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
    options: Mapping[str, Any]
    seeds: tuple[int, ...]


def run_point(
    compute: Any, task: tuple, ref: DatasetRef, threads: int | None = None, stop: Any = None, group: Any = None
) -> list[TradeoffPoint | None]:
    """Compute a task's points (``group`` computes several values at once); ``None`` for a point stopped early."""
    technique, parameter, indices, values, options, seeds = task
    _set_threads(threads)
    if stop == USE_WORKER_STOP:
        stop = _WORKER_STOP
    if stop is not None and stop.is_set():
        return [None] * len(values)
    dataset = ref.resolve()
    start = time.perf_counter()
    with _record_warnings() as caught:  # warnings travel back with the point (see re-emit)
        if group is not None:
            outs = [dict(o) for o in group(dataset, list(values), options, list(seeds), stop)]
        else:
            outs = [dict(compute(dataset, v, options, s, stop)) for v, s in zip(values, seeds, strict=True)]
    seconds = time.perf_counter() - start
    caught_list = [list(w) for w in caught]
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


class _ThreadWarnings:
    """Which thread records warnings into which list; one dispatcher installed while any thread records."""

    lock = threading.Lock()
    local = threading.local()
    recording = 0
    saved: tuple[Any, Any] | None = None  # the filters and showwarning the first recorder found

    @classmethod
    def show(cls, message: Any, category: type, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        log = getattr(cls.local, "log", None)
        if log is not None:
            log.append((category.__name__, str(message)))
            return
        saved = cls.saved
        show = saved[1] if saved is not None else warnings._showwarning_orig  # type: ignore[attr-defined]
        show(message, category, filename, lineno, file, line)


@contextlib.contextmanager
def _record_warnings() -> Iterator[list[tuple[str, str]]]:
    """Record every warning raised in this thread (category name, message); other threads' warnings are shown.

    ``warnings.catch_warnings`` swaps process-wide state: two threads computing points at once (a thread pool; the
    calling process computing the first point while its user works in another thread) would take each other's
    warnings, and the last one out could leave the other's recorder in place. Here the first recorder installs one
    dispatcher (and the "always" filter, so repeats are recorded too) and the last one out puts back what it found.
    A ``catch_warnings`` entered meanwhile (by the user, or a test) replaces the dispatcher; the next recorder puts
    it back, so points started after it still record their own warnings.
    """
    log: list[tuple[str, str]] = []
    with _ThreadWarnings.lock:
        if _ThreadWarnings.recording == 0:
            _ThreadWarnings.saved = (warnings.filters, warnings.showwarning)
        if warnings.showwarning is not _ThreadWarnings.show:  # first recorder, or a catch_warnings replaced it since
            warnings.filters = list(warnings.filters)
            warnings.simplefilter("always")
            warnings.showwarning = _ThreadWarnings.show
        _ThreadWarnings.recording += 1
    outer = getattr(_ThreadWarnings.local, "log", None)
    _ThreadWarnings.local.log = log
    try:
        yield log
    finally:
        _ThreadWarnings.local.log = outer
        with _ThreadWarnings.lock:
            _ThreadWarnings.recording -= 1
            if _ThreadWarnings.recording == 0 and _ThreadWarnings.saved is not None:
                warnings.filters, warnings.showwarning = _ThreadWarnings.saved
                warnings._filters_mutated()  # type: ignore[attr-defined]
                _ThreadWarnings.saved = None


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
