"""The dashboard's whole state: one object per tab, wired together (dataset, trained model, budget)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from traitlets import HasTraits, Instance, dlink

from workbench.widgets.state.anonymise import AnonymiseState
from workbench.widgets.state.audit import AuditState
from workbench.widgets.state.budget import BudgetState
from workbench.widgets.state.data import DataState
from workbench.widgets.state.encrypted import EncryptedState
from workbench.widgets.state.federated import FederatedState
from workbench.widgets.state.risk import RiskState
from workbench.widgets.state.synthetic import SyntheticState
from workbench.widgets.state.tradeoff import TradeoffState
from workbench.widgets.state.train import TrainState

__all__ = ["DashboardState"]


class DashboardState(HasTraits):
    """Every tab's state; the Data tab's dataset flows to the others, the Train tab's model to Audit and Encrypted.

    Examples
    --------
    >>> state = DashboardState()
    >>> state.data.load("diabetes")
    True
    >>> state.tradeoff.dataset is state.data.dataset
    True
    """

    data = Instance(DataState)
    risk = Instance(RiskState, args=())
    anonymise = Instance(AnonymiseState, kw={"auto": False})  # computes once its tab is shown
    train = Instance(TrainState, args=())
    federated = Instance(FederatedState, args=())
    audit = Instance(AuditState, args=())
    encrypted = Instance(EncryptedState, args=())
    synthetic = Instance(SyntheticState, args=())
    tradeoff = Instance(TradeoffState, args=())
    budget = Instance(BudgetState, args=())

    def __init__(self, namespace: Mapping[str, Any] | None = None, *, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(data=DataState(namespace=namespace), **kwargs)
        for child in (self.anonymise, self.train, self.federated, self.audit, self.encrypted, self.tradeoff,
                      self.synthetic):  # fmt: skip
            child.seed = seed
        for child in (self.risk, self.anonymise, self.train, self.federated, self.tradeoff, self.synthetic):
            dlink((self.data, "dataset"), (child, "dataset"))
        dlink((self.train, "result"), (self.audit, "run"))
        dlink((self.train, "result"), (self.encrypted, "run"))
        dlink((self.federated, "result"), (self.audit, "run"))  # the latest model, central or federated
        self.data.observe(lambda change: self.refresh_budget(), "dataset")
        self.synthetic.observe(lambda change: self.refresh_budget(), "answers")
        for job in (self.train.job, self.federated.job, self.tradeoff.job, self.synthetic.job):
            job.observe(self._job_status, "status")

    def refresh_budget(self) -> None:
        """Read ε spent on the current dataset from the session ledger again."""
        self.budget.refresh(self.data.dataset)

    def _job_status(self, change: Any) -> None:
        if change["new"] in ("done", "stopped", "error"):
            self.refresh_budget()
