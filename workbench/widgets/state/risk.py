"""State of the Risk tab: the re-identification risk report of the current dataset."""

from __future__ import annotations

from typing import Any

from traitlets import Any as AnyTrait
from traitlets import HasTraits, Instance, observe

from workbench.datasets import Dataset
from workbench.widgets.state.jobs import Job

__all__ = ["RiskState"]


class RiskState(HasTraits):
    """Computes :func:`workbench.assess_risk` in the background for the current dataset.

    Examples
    --------
    >>> import workbench as wb
    >>> state = RiskState()
    >>> state.dataset = wb.load_dataset("adult")
    >>> state.compute() and state.job.wait(60)   # doctest: +SKIP
    'done'
    """

    dataset = Instance(Dataset, allow_none=True)
    report = AnyTrait(None, help="the RiskReport of the current dataset")
    job = Instance(Job, args=())

    @observe("dataset")
    def _dataset_changed(self, change: Any) -> None:
        self.report = None

    def compute(self) -> bool:
        """Start assessing risk; ``False`` when no dataset is loaded or a computation still runs."""
        dataset = self.dataset
        if dataset is None:
            self.job.error = "Load a dataset first (Data tab)."
            return False

        def task(stop: Any, report: Any) -> Any:
            import workbench as wb

            report(0.1, "measuring equivalence classes…")
            return wb.assess_risk(dataset)

        return self.job.start(task, on_done=self._done)

    def _done(self, report: Any) -> None:
        self.report = report
