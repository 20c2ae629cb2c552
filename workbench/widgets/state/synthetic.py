"""State of the Synthetic tab: a DP synthetic table at the chosen ε, and a DP-statistics session beside it."""

from __future__ import annotations

from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Float, HasTraits, Instance, Int, List, Unicode, observe

from workbench.datasets import Dataset
from workbench.widgets.state.budget import budget_refusal
from workbench.widgets.state.jobs import Job

__all__ = ["SyntheticState"]


class SyntheticState(HasTraits):
    """Parameters of :func:`workbench.synthesise`; :meth:`start` fits in the background (progress, Stop), and
    :meth:`ask` answers one DP query from a :func:`workbench.dp_statistics` session.

    Examples
    --------
    >>> state = SyntheticState(epsilon=2.0)
    >>> state.options()["epsilon"], state.options()["method"]
    (2.0, 'mst')
    >>> state.start(), state.job.error
    (False, 'Load a dataset first (Data tab).')
    """

    dataset = Instance(Dataset, allow_none=True)
    epsilon = Float(1.0, help="DP budget of the synthetic table")
    method = Unicode("mst", help="mst or aim")
    seed = Int(0)
    result = AnyTrait(None, help="the SyntheticResult of the last fit")
    job = Instance(Job, args=())
    session_epsilon = Float(1.0, help="ε of the DP-statistics session")
    remaining = Float(0.0, help="ε left in the DP-statistics session")
    answers = List(help="one dict per DP answer: query, value, accuracy_95, epsilon")
    message = Unicode("", help="the last DP-statistics answer or refusal, in one line")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._session = None

    @observe("dataset")
    def _dataset_changed(self, change: Any) -> None:
        self.result = None
        self._session = None
        self.answers, self.remaining, self.message = [], 0.0, ""

    def options(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon, "method": self.method, "seed": self.seed}

    def start(self) -> bool:
        """Fit a synthetic table; ``False`` when no dataset is loaded, a fit runs, or the budget refuses."""
        dataset = self.dataset
        if dataset is None:
            self.job.error = "Load a dataset first (Data tab)."
            return False
        if self.job.running:
            return False
        refusal = budget_refusal(dataset, [self.epsilon])
        if refusal:
            self.job.error = refusal
            return False
        options = self.options()

        def task(stop: Any, report: Any) -> Any:
            import workbench as wb

            return wb.synthesise(dataset, stop=stop, progress=report, **options)

        return self.job.start(task, on_done=self._done)

    def _done(self, result: Any) -> None:
        self.result = result

    def ask(self, query: str, *, epsilon: float, bounds: tuple[float, float] | None = None) -> Any:
        """Answer ``"count"``, ``"mean COL"``, ``"sum COL"`` or ``"histogram COL"``; a refusal goes to
        :attr:`message` (one line), never an exception."""
        from workbench.errors import WorkbenchError

        if self.dataset is None:
            self.message = "Load a dataset first (Data tab)."
            return None
        kind, _, column = query.strip().partition(" ")
        try:
            if self._session is None:
                refusal = budget_refusal(self.dataset, [self.session_epsilon])
                if refusal:
                    self.message = refusal
                    return None
                import workbench as wb

                self._session = wb.dp_statistics(self.dataset, epsilon=self.session_epsilon)
            session = self._session
            if kind == "count":
                answer = session.count(epsilon=epsilon)
            elif kind == "histogram":
                answer = session.histogram(column.strip(), epsilon=epsilon)
            elif kind in ("mean", "sum"):
                answer = getattr(session, kind)(column.strip(), bounds=bounds, epsilon=epsilon)
            else:
                self.message = f"Unknown query {query!r}: ask count, mean COL, sum COL or histogram COL."
                return None
        except WorkbenchError as exc:
            self.message = str(exc)
            return None
        self.remaining = session.remaining
        self.answers = [*self.answers, answer.to_dict()]
        self.message = repr(answer)
        return answer
