"""The privacy budget shown at the top of the dashboard: ε spent on the current dataset against the budget."""

from __future__ import annotations

import html
import math
import sys
from dataclasses import dataclass
from typing import Any

from traitlets import Float, HasTraits, Unicode

__all__ = ["BudgetState", "BudgetSummary", "budget_refusal", "session_ledger", "set_session_budget"]


def session_ledger(*, create: bool = False) -> Any:
    """The session's :class:`~workbench.PrivacyLedger` (``workbench.dp.default_ledger()``), or ``None``.

    Without ``create``, ``None`` while ``workbench.dp`` is not imported yet: then nothing can have been spent in
    this process, and opening the dashboard need not import torch.
    """
    if not create and "workbench.dp" not in sys.modules:
        return None
    try:
        from workbench.dp import default_ledger
    except ImportError:
        return None
    return default_ledger()


def set_session_budget(budget: float | None) -> None:
    """Set the privacy budget (ε per dataset) of the session ledger; ``None`` removes it."""
    ledger = session_ledger(create=True)
    if ledger is not None:
        ledger.budget = budget


def budget_refusal(dataset: Any, epsilons: list[float | None]) -> str:
    """The session ledger's answer (:meth:`~workbench.dp.PrivacyLedger.refusal`, the rule ``train`` and
    ``tradeoff`` apply) for runs spending ``epsilons`` (None: without DP) on ``dataset``; "" when they may start.

    Examples
    --------
    >>> budget_refusal(None, [1.0])   # no dataset or no budget: nothing to refuse
    ''
    """
    ledger = session_ledger()
    if dataset is None or ledger is None:
        return ""
    return ledger.refusal(epsilons, dataset_fingerprint=dataset.fingerprint, dataset_name=dataset.name)


@dataclass(frozen=True)
class BudgetSummary:
    """ε spent on one dataset, the budget, and the ledger's records (what ``%wb budget`` returns)."""

    dataset_name: str
    spent: float
    budget: float | None
    records: Any = None  # the ledger's to_frame(), when there is a ledger

    @property
    def remaining(self) -> float | None:
        return None if self.budget is None else max(self.budget - self.spent, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset_name, "spent": self.spent, "budget": self.budget, "remaining": self.remaining}

    def text(self) -> str:
        """One line, e.g. ``"ε spent on adult: 1.50 of 3"``."""
        where = f" on {self.dataset_name}" if self.dataset_name else ""
        of = f" of {self.budget:g}" if self.budget is not None else ", no budget set"
        spent = f"{self.spent:.3g}" if math.isfinite(self.spent) else "∞ (a run without DP)"
        return f"ε spent{where}: {spent}{of}"

    def _repr_html_(self) -> str:
        share = 0.0 if not self.budget else min(self.spent / self.budget, 1.0)
        colour = "#2e7d32" if share < 0.75 else ("#ef6c00" if share < 1 else "#c62828")
        bar = (
            f"<div style='width:240px;height:10px;background:#eee;border-radius:5px'>"
            f"<div style='width:{share * 100:.0f}%;height:10px;background:{colour};border-radius:5px'></div></div>"
        )
        table = ""
        if self.records is not None and len(self.records):
            table = self.records.to_html(max_rows=20)
        return f"<div><b>{html.escape(self.text())}</b>{bar if self.budget else ''}{table}</div>"

    def __repr__(self) -> str:
        return f"BudgetSummary({self.text()!r})"


class BudgetState(HasTraits):
    """ε spent on the current dataset (from the session ledger) and the budget, for the always-visible bar.

    Examples
    --------
    >>> state = BudgetState()
    >>> state.refresh(None)
    >>> state.spent
    0.0
    """

    dataset_name = Unicode("")
    spent = Float(0.0, help="ε spent on the current dataset in this session")
    budget = Float(None, allow_none=True, help="the ledger's budget per dataset, if set")
    fraction = Float(0.0, help="spent / budget, capped at 1 (0 without a budget)")
    text = Unicode("ε spent: 0")

    def refresh(self, dataset: Any) -> None:
        """Read the ledger again for ``dataset`` (a Dataset or None)."""
        ledger = session_ledger()
        spent = 0.0
        budget = None
        if ledger is not None:
            budget = getattr(ledger, "budget", None)
            if dataset is not None:
                spent = float(ledger.spent(dataset.fingerprint))
        self.dataset_name = "" if dataset is None else dataset.name
        self.budget = budget
        self.spent = spent
        self.fraction = 0.0 if not budget or not math.isfinite(spent) else min(spent / budget, 1.0)
        self.text = self.summary().text()

    def summary(self) -> BudgetSummary:
        ledger = session_ledger()
        records = ledger.to_frame() if ledger is not None and hasattr(ledger, "to_frame") else None
        return BudgetSummary(self.dataset_name, self.spent, self.budget, records)
