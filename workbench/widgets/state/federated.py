"""State of the Federated tab: clients, partition, DP unit, rounds; the per-round history as it arrives."""

from __future__ import annotations

import math
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Bool, Float, HasTraits, Instance, Int, List, Unicode, observe

from workbench.datasets import Dataset
from workbench.widgets.state.budget import budget_refusal
from workbench.widgets.state.jobs import Job

__all__ = ["FederatedState"]


class FederatedState(HasTraits):
    """Parameters of :func:`workbench.federate`; :meth:`start` runs it in the background, one history row per round.

    Examples
    --------
    >>> state = FederatedState(clients=5, dp="record", epsilon=1.0)
    >>> state.options()["dp"], state.options()["epsilon"]
    ('record', 1.0)
    >>> FederatedState(dp="none").options()["epsilon"] is None
    True
    """

    dataset = Instance(Dataset, allow_none=True)
    clients = Int(5, help="clients for iid / dirichlet partitions")
    partition = Unicode("iid", help="iid, dirichlet or a column name")
    alpha = Float(0.5, help="Dirichlet label skew")
    rounds = Int(10, help="federated rounds")
    local_epochs = Int(1, help="local passes per round")
    model = Unicode("logreg", help="logreg or mlp")
    dp = Unicode("none", help="none, record or client")
    epsilon = Float(1.0, help="DP budget of the run (with dp record or client)")
    secure_aggregation = Bool(False, help="Flower's SecAgg+")
    audit_fraction = Float(0.2, help="share of training rows kept out as non-members for the Audit tab")
    seed = Int(0)
    history = List(help="one dict per round as it arrives: round, accuracy, loss, epsilon, bytes, seconds")
    result = AnyTrait(None, help="the FederatedResult of the last run")
    job = Instance(Job, args=())

    @observe("dataset")
    def _dataset_changed(self, change: Any) -> None:
        self.result = None
        self.history = []

    def options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`workbench.federate` (without dataset, on_round and stop)."""
        private = self.dp in ("record", "client")
        return {
            "clients": self.clients, "partition": self.partition, "alpha": self.alpha, "rounds": self.rounds,
            "local_epochs": self.local_epochs, "model": self.model, "dp": self.dp if private else None,
            "epsilon": self.epsilon if private else None, "secure_aggregation": self.secure_aggregation,
            "audit_fraction": self.audit_fraction, "seed": self.seed,
        }  # fmt: skip

    def start(self) -> bool:
        """Start the run; ``False`` when no dataset is loaded, a run is in progress, or the budget refuses it."""
        dataset = self.dataset
        if dataset is None:
            self.job.error = "Load a dataset first (Data tab)."
            return False
        if self.job.running:
            return False
        options = self.options()
        refusal = budget_refusal(dataset, [options["epsilon"]])
        if refusal:
            self.job.error = refusal
            return False
        self.history = []
        rounds = max(options["rounds"], 1)

        def on_round(row: dict) -> None:
            self.history = [*self.history, dict(row)]
            if row["round"] > 0:
                eps = row["epsilon"]
                spent = "" if math.isinf(eps) else f" · ε spent {eps:.3g}"
                self.job.report(row["round"] / rounds, f"round {row['round']} · accuracy {row['accuracy']:.3f}{spent}")

        def task(stop: Any, report: Any) -> Any:
            import workbench as wb

            report(0.0, "starting Flower…")
            return wb.federate(dataset, on_round=on_round, stop=stop, **options)

        return self.job.start(task, on_done=self._done)

    def _done(self, result: Any) -> None:
        self.result = result
