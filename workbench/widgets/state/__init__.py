"""The dashboard's state in plain Python objects (traitlets, no ipywidgets): testable without a browser."""

from workbench.widgets.state.anonymise import AnonymiseState
from workbench.widgets.state.app import DashboardState
from workbench.widgets.state.audit import AuditState
from workbench.widgets.state.budget import BudgetState, BudgetSummary
from workbench.widgets.state.data import DataState
from workbench.widgets.state.jobs import Job
from workbench.widgets.state.risk import RiskState
from workbench.widgets.state.tradeoff import TradeoffState
from workbench.widgets.state.train import TrainState

__all__ = [
    "AnonymiseState",
    "AuditState",
    "BudgetState",
    "BudgetSummary",
    "DashboardState",
    "DataState",
    "Job",
    "RiskState",
    "TradeoffState",
    "TrainState",
]
