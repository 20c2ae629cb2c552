"""State of the Anonymise tab: k, l, t, method; the released table and its metrics, refreshed as values change."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Bool, Float, HasTraits, Instance, Int, TraitError, Unicode, observe, validate

from workbench.datasets import Dataset
from workbench.widgets.state.jobs import describe_error

__all__ = ["AnonymiseState"]


class AnonymiseState(HasTraits):
    """Anonymisation parameters and the latest result; every change recomputes in a background thread.

    Changes that arrive while a computation runs collapse into one follow-up run with the latest values ("latest
    wins"), so dragging a slider never queues stale work; results for superseded values are dropped. While idle,
    the worker computes the neighbouring k values ahead (``prefetch``; interrupted by any real request through
    ``stop=``), and results are kept in a small cache, so stepping k shows the released table at once.

    Examples
    --------
    >>> import workbench as wb
    >>> state = AnonymiseState(auto=False)
    >>> state.dataset = wb.load_dataset("adult")
    >>> state.k = 10
    >>> state.refresh() and state.wait(60)           # doctest: +SKIP
    True
    >>> state.result.statement.k >= 10               # doctest: +SKIP
    True
    """

    dataset = Instance(Dataset, allow_none=True)
    k = Int(5, help="k-anonymity: every record shares its quasi-identifiers with at least k-1 others")
    l = Int(None, allow_none=True, help="l-diversity (None: off)")  # noqa: E741 - the model is called l-diversity
    t = Float(None, allow_none=True, help="t-closeness (None: off)")
    method = Unicode("mondrian", help="mondrian (local recoding, fast) or optimal (global recoding)")
    max_suppression = Float(0.05, help="largest share of rows that may be suppressed")
    seed = Int(0)
    auto = Bool(True, help="recompute whenever a parameter changes")
    result = AnyTrait(None, help="the AnonymisationResult for the current values")
    error = Unicode("", help="why the current values could not be met")
    busy = Bool(False, help="a computation is running")
    seconds = Float(0.0, help="wall time of the last refresh (compute, or cache look-up)")
    cached = Bool(False, help="the last refresh came from the cache (computed before, or prefetched)")
    prefetch = Int(2, help="neighbouring k values computed ahead while idle (0: none)")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cv = threading.Condition()
        self._requested = 0
        self._finished = 0
        self._working = False  # a worker thread is in its loop (changed only under the lock)
        self._cache: OrderedDict[tuple, tuple[Any, str, float]] = OrderedDict()
        self._prefetch_stop = threading.Event()

    @validate("k")
    def _check_k(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise TraitError(f"k must be ≥ 1; got {proposal['value']}")
        return proposal["value"]

    @observe("dataset", "k", "l", "t", "method", "max_suppression")
    def _changed(self, change: Any) -> None:
        if change["name"] == "dataset":
            with self._cv:
                self._prefetch_stop.set()
                self._cache.clear()
            self.result = None
        if self.auto and self.dataset is not None:
            self.refresh()

    def refresh(self) -> bool:
        """Ask for a computation with the current values; ``False`` when no dataset is loaded.

        Values computed before (or prefetched) are shown at once from a small cache.
        """
        if self.dataset is None:
            self.error = "Load a dataset first (Data tab)."
            return False
        started = time.perf_counter()
        options = self.options()
        with self._cv:
            self._requested += 1
            self._prefetch_stop.set()  # a real request beats speculative work
            hit = self._cache.get(_key(options))
            if hit is not None:
                self._finished = self._requested
                self._show(hit[0], hit[1], time.perf_counter() - started, cached=True)
                self._cv.notify_all()
                return True
            self.busy = True
            if not self._working:
                self._working = True
                threading.Thread(target=self._loop, daemon=True).start()
            self._cv.notify_all()
        return True

    def wait(self, timeout: float | None = None, *, prefetch: bool = False) -> bool:
        """Wait until every requested computation (and, with ``prefetch``, the prefetching) is done.

        Returns ``True`` unless ``timeout`` seconds passed first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            while self._finished < self._requested or (prefetch and self._working):
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cv.wait(left)
        return True

    def options(self) -> dict[str, Any]:
        """The keyword arguments passed to :func:`workbench.anonymise`."""
        return {
            "k": self.k,
            "l": self.l,
            "t": self.t,
            "method": self.method,
            "max_suppression": self.max_suppression,
            "seed": self.seed,
        }

    def _show(self, result: Any, error: str, seconds: float, *, cached: bool) -> None:
        self.seconds = seconds
        self.cached = cached
        self.error = error
        if not error:
            self.result = result
        self.busy = False

    def _next_task(self) -> tuple[int | None, dict[str, Any], threading.Event | None] | None:
        """Under the lock: the latest request, else a neighbouring k to prefetch, else None."""
        options = self.options()
        if self._finished < self._requested:
            return self._requested, options, None
        for step in (1, -1, 2, -2)[: self.prefetch]:
            guess = {**options, "k": options["k"] + step}
            if guess["k"] >= 2 and _key(guess) not in self._cache:
                self._prefetch_stop = threading.Event()
                return None, guess, self._prefetch_stop
        return None

    def _loop(self) -> None:
        while True:
            with self._cv:
                task = self._next_task()
                if task is None:
                    self._working = False
                    self._cv.notify_all()
                    return
                ticket, options, stop = task
                dataset = self.dataset
            result, error, seconds = _compute(dataset, options, stop)
            with self._cv:
                if dataset is not self.dataset or (stop is not None and stop.is_set()):
                    continue  # superseded: neither cached nor shown
                self._cache[_key(options)] = (result, error, seconds)
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
                if ticket is not None:
                    if ticket == self._requested:  # still the latest values: show it
                        self._show(result, error, seconds, cached=False)
                    self._finished = max(self._finished, ticket)
                self._cv.notify_all()


_CACHE_SIZE = 64


def _key(options: dict[str, Any]) -> tuple:
    return tuple(sorted(options.items()))


def _compute(dataset: Dataset, options: dict[str, Any], stop: threading.Event | None) -> tuple[Any, str, float]:
    import workbench as wb

    started = time.perf_counter()
    try:
        result = wb.anonymise(dataset, stop=stop, **options)
    except Exception as exc:  # shown in the panel
        return None, describe_error(exc), time.perf_counter() - started
    return result, "", time.perf_counter() - started
