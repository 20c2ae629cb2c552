"""State of the Anonymise tab: k, l, t, method; the released table and its metrics, refreshed as values change."""

from __future__ import annotations

import threading
import time
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Bool, Float, HasTraits, Instance, Int, TraitError, Unicode, observe, validate

from workbench.datasets import Dataset
from workbench.widgets.state.jobs import describe_error

__all__ = ["AnonymiseState"]


class AnonymiseState(HasTraits):
    """Anonymisation parameters and the latest result; every change recomputes in a background thread.

    Changes that arrive while a computation runs collapse into one follow-up run with the latest values ("latest
    wins"), so dragging a slider never queues stale work; results for superseded values are dropped.

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
    seconds = Float(0.0, help="wall time of the last computation")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cv = threading.Condition()
        self._requested = 0
        self._finished = 0
        self._working = False  # a worker thread is in its loop (changed only under the lock)

    @validate("k")
    def _check_k(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise TraitError(f"k must be ≥ 1; got {proposal['value']}")
        return proposal["value"]

    @observe("dataset", "k", "l", "t", "method", "max_suppression")
    def _changed(self, change: Any) -> None:
        if change["name"] == "dataset":
            self.result = None
        if self.auto and self.dataset is not None:
            self.refresh()

    def refresh(self) -> bool:
        """Ask for a computation with the current values; ``False`` when no dataset is loaded."""
        if self.dataset is None:
            self.error = "Load a dataset first (Data tab)."
            return False
        with self._cv:
            self._requested += 1
            self.busy = True
            if not self._working:
                self._working = True
                threading.Thread(target=self._loop, daemon=True).start()
            self._cv.notify_all()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every requested computation is done; ``True`` unless ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            while self._finished < self._requested:
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

    def _loop(self) -> None:
        while True:
            with self._cv:
                if self._finished >= self._requested:
                    self._working = False
                    self.busy = False
                    self._cv.notify_all()
                    return
                ticket = self._requested
                dataset, options = self.dataset, self.options()
            result, error, seconds = _compute(dataset, options)
            with self._cv:
                if ticket == self._requested:  # still the latest values: show it
                    self.seconds = seconds
                    self.error = error
                    if not error:
                        self.result = result
                self._finished = ticket
                self._cv.notify_all()


def _compute(dataset: Dataset, options: dict[str, Any]) -> tuple[Any, str, float]:
    import workbench as wb

    started = time.perf_counter()
    try:
        result = wb.anonymise(dataset, **options)
    except Exception as exc:  # shown in the panel
        return None, describe_error(exc), time.perf_counter() - started
    return result, "", time.perf_counter() - started
