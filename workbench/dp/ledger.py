"""``PrivacyLedger``: privacy budget spent per dataset across runs, worked out again from a replayable record."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.dp.statement import PrivacyStatement
from workbench.errors import BudgetExceededError, BudgetWarning, InvalidParameterError, warn_user

__all__ = ["STATEMENT_TYPES", "LedgerEntry", "PrivacyLedger", "default_ledger", "resolve_ledger", "statement_from_dict"]

_VERSION = 1


@dataclass(frozen=True)
class LedgerEntry:
    """One recorded run: the dataset it used and its privacy statement."""

    dataset_fingerprint: str
    statement: PrivacyStatement
    dataset_name: str = ""
    label: str = ""
    time: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset_fingerprint": self.dataset_fingerprint,
            "dataset_name": self.dataset_name,
            "label": self.label,
            "time": self.time,
            "statement": self.statement.to_dict(),
        }


class PrivacyLedger:
    """Records every run per dataset and composes their privacy cost.

    ``spent(fingerprint)`` is the total epsilon spent on one dataset (at total delta ``spent_delta``): the smaller of
    sequential composition (epsilons and deltas add up) and, when every run on it is DP-SGD, the accountant
    replaying the whole (noise multiplier, sample rate, steps) history, which is tighter. A non-private run
    spends ε = ∞. ``budget`` (epsilon per dataset) is checked by :meth:`can_spend` and :meth:`spend`; :meth:`record`
    always records and warns with :class:`~workbench.errors.BudgetWarning` when the budget is exceeded.

    Parameters
    ----------
    budget : float, optional
        Epsilon allowed per dataset (None: no limit).
    accountant : {"prv", "rdp"}, default="prv"
        The accountant used for tight composition across runs (PRV is the tighter; either takes milliseconds).

    Examples
    --------
    >>> from workbench.dp import PrivacyLedger, PrivacyStatement
    >>> ledger = PrivacyLedger(budget=3.0)
    >>> s = PrivacyStatement(epsilon=1.0, delta=1e-6, accountant="rdp", noise_multiplier=1.5, sample_rate=0.01,
    ...                      steps=400, max_grad_norm=1.0, dataset_size=10000)
    >>> _ = ledger.spend(s, dataset_fingerprint="abc")
    >>> _ = ledger.spend(s, dataset_fingerprint="abc")
    >>> ledger.spent("abc") <= 2.0, ledger.can_spend(s, dataset_fingerprint="abc")
    (True, True)
    >>> PrivacyLedger.from_dict(ledger.to_dict()).spent("abc") == ledger.spent("abc")
    True
    """

    def __init__(self, budget: float | None = None, *, accountant: str = "prv") -> None:
        if accountant not in ("prv", "rdp"):
            raise InvalidParameterError(f"The ledger's accountant must be 'prv' or 'rdp'; got {accountant!r}.")
        self._entries: list[LedgerEntry] = []
        self._lock = threading.Lock()
        self.accountant = accountant
        self.budget = budget

    # -- budget -----------------------------------------------------------------------------------------------
    @property
    def budget(self) -> float | None:
        return self._budget

    @budget.setter
    def budget(self, value: float | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0):
            raise InvalidParameterError(f"The ledger's budget must be a number > 0 or None; got {value!r}.")
        self._budget = None if value is None else float(value)

    # -- recording --------------------------------------------------------------------------------------------
    def record(
        self, statement: PrivacyStatement, *, dataset_fingerprint: str, dataset_name: str = "", label: str = ""
    ) -> LedgerEntry:
        """Record a run; warn (BudgetWarning) if it takes the dataset past the budget.

        ``statement`` is a :class:`PrivacyStatement` or any other release's statement with ``epsilon``, ``delta``
        and ``to_dict()`` (e.g. a DP synthetic table's); those compose sequentially.
        """
        if not _is_statement(statement):
            raise InvalidParameterError(
                f"record takes a privacy statement (epsilon, delta, to_dict); got {type(statement).__name__}."
            )
        entry = LedgerEntry(str(dataset_fingerprint), statement, dataset_name, label)
        with self._lock:
            self._entries.append(entry)
        spent = self.spent(dataset_fingerprint)
        if self._budget is not None and spent > self._budget:
            warn_user(
                f"Privacy budget exceeded on dataset {dataset_name or dataset_fingerprint[:12]!r}: ε spent = "
                f"{spent:.3g} > budget {self._budget:g}.",
                BudgetWarning,
            )
        return entry

    def can_spend(self, statement: PrivacyStatement, *, dataset_fingerprint: str) -> bool:
        """Whether recording ``statement`` would keep the dataset within the budget."""
        if self._budget is None:
            return True
        return self._spent_with(dataset_fingerprint, [statement])[0] <= self._budget

    def spend(
        self, statement: PrivacyStatement, *, dataset_fingerprint: str, dataset_name: str = "", label: str = ""
    ) -> LedgerEntry:
        """Record ``statement`` only if it fits the budget; else raise :class:`BudgetExceededError`."""
        if not self.can_spend(statement, dataset_fingerprint=dataset_fingerprint):
            raise BudgetExceededError(
                f"Spending ε = {statement.epsilon:.3g} would take the dataset to ε = "
                f"{self._spent_with(dataset_fingerprint, [statement])[0]:.3g}, over the budget of {self._budget:g} "
                f"(remaining {self.remaining(dataset_fingerprint):.3g}). Ask for a smaller epsilon or raise the budget."
            )
        return self.record(statement, dataset_fingerprint=dataset_fingerprint, dataset_name=dataset_name, label=label)

    # -- planned runs ----------------------------------------------------------------------------------------
    def refusal(self, epsilons: Sequence[float | None], *, dataset_fingerprint: str, dataset_name: str = "") -> str:
        """Why planned runs of ``epsilons`` (None or inf: without DP) must not start on a dataset; "" if they may.

        The rule every entry point uses (``train``, ``tradeoff``, the dashboard, the magics): runs of ε1, ε2, ...
        add at most their sum to the dataset's total (sequential composition; the accountant may add less), so a
        sum within what is left always fits; a run without DP never fits a budget. Without a budget nothing is
        refused.

        Examples
        --------
        >>> from workbench.dp import PrivacyLedger
        >>> ledger = PrivacyLedger(budget=1.0)
        >>> ledger.refusal([0.5, 0.5], dataset_fingerprint="abc")
        ''
        >>> ledger.refusal([0.6, 0.6], dataset_fingerprint="abc", dataset_name="adult")
        "Runs with ε = 0.6, 0.6 (ε 1.2 in all) could take 'adult' past its privacy budget (ε 1 left of 1). ..."
        """
        if self._budget is None:
            return ""
        planned = [math.inf if e is None else float(e) for e in epsilons]
        wanted = sum(planned)
        remaining = self.remaining(dataset_fingerprint)
        if wanted <= remaining:
            return ""
        if any(math.isinf(e) for e in planned):
            what = "A run without DP"
        elif len(planned) == 1:
            what = f"A run with ε = {planned[0]:g}"
        else:
            what = f"Runs with ε = {', '.join(f'{e:g}' for e in planned)} (ε {wanted:.3g} in all)"
        name = dataset_name or dataset_fingerprint[:12]
        return (
            f"{what} could take {name!r} past its privacy budget (ε {remaining:.3g} left of {self._budget:g}). "
            "Lower ε, or raise the budget (ledger.budget = EPSILON; %wb budget --set EPSILON)."
        )

    def would_exceed(self, epsilons: Sequence[float | None], *, dataset_fingerprint: str) -> bool:
        """Whether planned runs of ``epsilons`` (None or inf: without DP) could take the dataset past the budget.

        Examples
        --------
        >>> from workbench.dp import PrivacyLedger
        >>> PrivacyLedger(budget=1.0).would_exceed([0.5, None], dataset_fingerprint="abc")
        True
        >>> PrivacyLedger().would_exceed([None], dataset_fingerprint="abc")  # no budget: nothing is refused
        False
        """
        return bool(self.refusal(epsilons, dataset_fingerprint=dataset_fingerprint))

    def check_budget(
        self, epsilons: Sequence[float | None], *, dataset_fingerprint: str, dataset_name: str = ""
    ) -> None:
        """Raise :class:`~workbench.errors.BudgetExceededError` (one line, naming what is left) when planned runs
        could exceed the budget: call it before any work.

        Examples
        --------
        >>> from workbench.dp import PrivacyLedger
        >>> PrivacyLedger(budget=1.0).check_budget([2.0], dataset_fingerprint="abc", dataset_name="adult")
        Traceback (most recent call last):
        ...
        workbench.errors.BudgetExceededError: A run with ε = 2 could take 'adult' past its privacy budget (ε 1 left ...
        """
        refusal = self.refusal(epsilons, dataset_fingerprint=dataset_fingerprint, dataset_name=dataset_name)
        if refusal:
            raise BudgetExceededError(refusal)

    # -- totals -----------------------------------------------------------------------------------------------
    def spent(self, dataset_fingerprint: str) -> float:
        """Total epsilon spent on one dataset (0.0 if nothing was recorded; inf after a non-private run)."""
        return self._spent_with(dataset_fingerprint, [])[0]

    def spent_delta(self, dataset_fingerprint: str) -> float:
        """The delta that goes with :meth:`spent` (the sum of the runs' deltas)."""
        return self._spent_with(dataset_fingerprint, [])[1]

    def remaining(self, dataset_fingerprint: str) -> float:
        """Budget left on the dataset (inf without a budget)."""
        if self._budget is None:
            return math.inf
        return max(0.0, self._budget - self.spent(dataset_fingerprint))

    def _spent_with(self, fingerprint: str, extra: list[PrivacyStatement]) -> tuple[float, float]:
        statements = [e.statement for e in self.entries if e.dataset_fingerprint == fingerprint] + list(extra)
        if not statements:
            return 0.0, 0.0
        delta = sum(s.delta for s in statements)
        sequential = sum(s.epsilon for s in statements)
        if math.isinf(sequential) or len(statements) == 1:
            return sequential, delta
        return min(sequential, _composed(statements, delta, self.accountant)), delta

    # -- views ------------------------------------------------------------------------------------------------
    @property
    def entries(self) -> list[LedgerEntry]:
        """A copy of the recorded entries, oldest first."""
        with self._lock:
            return list(self._entries)

    def datasets(self) -> list[str]:
        return list(dict.fromkeys(e.dataset_fingerprint for e in self.entries))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def to_frame(self) -> pd.DataFrame:
        """One row per run (dataset, label, epsilon, delta, accountant, noise, rate, steps) in recording order."""
        rows = [
            {
                "dataset": e.dataset_name or e.dataset_fingerprint[:12],
                "fingerprint": e.dataset_fingerprint,
                "label": e.label,
                "private": getattr(e.statement, "private", math.isfinite(e.statement.epsilon)),
                "epsilon": e.statement.epsilon,
                "delta": e.statement.delta,
                "accountant": getattr(e.statement, "accountant", getattr(e.statement, "technique", "")),
                "noise_multiplier": getattr(e.statement, "noise_multiplier", math.nan),
                "sample_rate": getattr(e.statement, "sample_rate", math.nan),
                "steps": getattr(e.statement, "steps", 0) if isinstance(e.statement, PrivacyStatement) else 0,
                "spent_after": self._spent_prefix(i),
            }
            for i, e in enumerate(self.entries)
        ]
        columns = ["dataset", "fingerprint", "label", "private", "epsilon", "delta", "accountant",
                   "noise_multiplier", "sample_rate", "steps", "spent_after"]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def summary(self) -> pd.DataFrame:
        """One row per dataset: runs, epsilon spent, delta, budget remaining."""
        rows = []
        for fp in self.datasets():
            names = [e.dataset_name for e in self.entries if e.dataset_fingerprint == fp and e.dataset_name]
            runs = sum(e.dataset_fingerprint == fp for e in self.entries)
            rows.append(
                {"dataset": names[0] if names else fp[:12], "fingerprint": fp, "runs": runs, "epsilon": self.spent(fp),
                 "delta": self.spent_delta(fp), "remaining": self.remaining(fp)}
            )  # fmt: skip
        return pd.DataFrame(rows, columns=["dataset", "fingerprint", "runs", "epsilon", "delta", "remaining"])

    def _spent_prefix(self, i: int) -> float:
        entries = self.entries[: i + 1]
        fp = entries[-1].dataset_fingerprint
        sub = PrivacyLedger(accountant=self.accountant)
        sub._entries = [e for e in entries if e.dataset_fingerprint == fp]
        return sub.spent(fp)

    # -- serialisation ----------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": _VERSION,
            "budget": self._budget,
            "accountant": self.accountant,
            "entries": [e.to_dict() for e in self.entries],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrivacyLedger:
        """Rebuild a ledger from :meth:`to_dict`; a dict of another shape or version is refused."""
        if not isinstance(data, dict) or set(data) != {"version", "budget", "accountant", "entries"}:
            keys = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise InvalidParameterError(
                f"Not a ledger state: expected keys ['accountant', 'budget', 'entries', 'version']; got {keys}."
            )
        if data["version"] != _VERSION:
            raise InvalidParameterError(f"Ledger state version {data['version']!r} is not supported (need {_VERSION}).")
        ledger = cls(budget=data["budget"], accountant=data["accountant"])
        for item in data["entries"]:
            if not isinstance(item, dict) or "statement" not in item or "dataset_fingerprint" not in item:
                raise InvalidParameterError(f"Not a ledger entry: {str(item)[:80]}.")
            ledger._entries.append(
                LedgerEntry(
                    str(item["dataset_fingerprint"]),
                    statement_from_dict(item["statement"]),
                    str(item.get("dataset_name", "")),
                    str(item.get("label", "")),
                    float(item.get("time", 0.0)),
                )
            )
        return ledger

    def __repr__(self) -> str:
        return f"PrivacyLedger(runs={len(self)}, datasets={len(self.datasets())}, budget={self._budget})"

    def _repr_html_(self) -> str:
        table = self.summary().drop(columns="fingerprint").to_html(index=False, float_format=lambda v: f"{v:.4g}")
        return f"<div class='wb-ledger'><b>Privacy ledger</b> (budget per dataset: {self._budget}){table}</div>"


def _composed(statements: list[PrivacyStatement], delta: float, accountant: str) -> float:
    """Tight composition through the accountant, valid only when every run is DP-SGD (Poisson Gaussian)."""
    from workbench.dp.accounting import compose_epsilon

    if not all(isinstance(s, PrivacyStatement) and s.private and s.sampling == "poisson" and s.noise_multiplier > 0
               for s in statements):  # fmt: skip
        return math.inf
    history = [(s.noise_multiplier, s.sample_rate, s.steps) for s in statements]
    if delta >= 1:
        return math.inf
    return compose_epsilon(accountant, history, delta)


# statements of other techniques, rebuilt by from_dict: technique -> "module:class" (imported when met)
STATEMENT_TYPES = {
    "dp-synthetic": "workbench.synthetic.statement:SyntheticStatement",
    "dp-statistics": "workbench.synthetic.statistics:StatisticsStatement",
}


def _is_statement(statement: Any) -> bool:
    if isinstance(statement, PrivacyStatement):
        return True
    eps, delta = getattr(statement, "epsilon", None), getattr(statement, "delta", None)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (eps, delta))
    return numbers and eps >= 0 and 0 <= delta <= 1 and callable(getattr(statement, "to_dict", None))


def statement_from_dict(data: Any) -> Any:
    """A statement rebuilt from its ``to_dict()``: another technique's by its ``technique`` key, else DP-SGD's."""
    technique = data.get("technique") if isinstance(data, dict) else None
    if technique in STATEMENT_TYPES:
        import importlib

        module, name = STATEMENT_TYPES[technique].split(":")
        return getattr(importlib.import_module(module), name).from_dict(data)
    return PrivacyStatement.from_dict(data)


_DEFAULT: PrivacyLedger | None = None
_DEFAULT_LOCK = threading.Lock()


def default_ledger() -> PrivacyLedger:
    """The session's ledger: :func:`workbench.train` records here unless told otherwise; the UI shows it.

    Examples
    --------
    >>> from workbench.dp import default_ledger
    >>> default_ledger() is default_ledger()
    True
    """
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = PrivacyLedger()
        return _DEFAULT


def resolve_ledger(ledger: Any) -> PrivacyLedger | None:
    """The ledger a run records in, from its ``ledger=`` argument: the session's (None), the one given, or none
    (False).

    Parameters
    ----------
    ledger : PrivacyLedger, None or False
        ``None``: :func:`~workbench.dp.default_ledger`; a :class:`~workbench.dp.PrivacyLedger`: itself; ``False``:
        record nowhere.

    Returns
    -------
    PrivacyLedger or None

    Raises
    ------
    InvalidParameterError
        Anything else.

    Examples
    --------
    >>> resolve_ledger(None) is default_ledger(), resolve_ledger(False)
    (True, None)
    >>> resolve_ledger("mine")
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: ledger must be a PrivacyLedger, None or False; got str.
    """
    if ledger is False:
        return None
    if ledger is None:
        return default_ledger()
    if not isinstance(ledger, PrivacyLedger):
        raise InvalidParameterError(f"ledger must be a PrivacyLedger, None or False; got {type(ledger).__name__}.")
    return ledger
