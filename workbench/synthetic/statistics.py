"""``dp_statistics``: a budgeted session of differentially private queries on a table, on OpenDP's Context API.

The session holds one OpenDP context (a privacy filter over fully adaptive composition) on the table's rows, with
the unit "one row added or removed" and a total ε: every query spends its own ε from it, and a query that would pass
the budget is refused, by the session before OpenDP is asked and by OpenDP itself. Each answer carries its noise
scale and its 95 % accuracy (the half-width that the noise stays within with probability 0.95), and is recorded in
the privacy ledger.
"""

from __future__ import annotations

import html
import math
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from workbench._validation import Interval, Optional, validate_params
from workbench.errors import BudgetExceededError, InvalidParameterError, UnknownColumnError

__all__ = ["Answer", "StatisticsSession", "StatisticsStatement", "dp_statistics"]

_ALPHA = 0.05


@dataclass(frozen=True)
class StatisticsStatement:
    """The guarantee of one DP answer: pure ε-DP (Laplace noise) for one row added or removed.

    Examples
    --------
    >>> s = StatisticsStatement(query="count", epsilon=0.1, scale=10.0, sensitivity=1.0)
    >>> s.guarantee
    '(0.1, 0)-differential privacy for one row (added or removed): count, Laplace noise of scale 10'
    """

    query: str
    epsilon: float
    scale: float
    sensitivity: float
    delta: float = 0.0
    mechanism: str = "Laplace"
    dataset_name: str = ""
    public: tuple[str, ...] = ()
    technique: str = field(default="dp-statistics", init=False)

    @property
    def parameters(self) -> Mapping[str, Any]:
        return MappingProxyType({"query": self.query, "scale": self.scale, "sensitivity": self.sensitivity})

    @property
    def private(self) -> bool:
        return True

    @property
    def guarantee(self) -> str:
        return (
            f"({self.epsilon:.3g}, {self.delta:g})-differential privacy for one row (added or removed): "
            f"{self.query}, {self.mechanism} noise of scale {self.scale:.4g}"
        )

    def plain_language(self) -> str:
        text = (
            f"The answer to '{self.query}' was computed by OpenDP with {self.mechanism} noise of scale "
            f"{self.scale:.4g} (sensitivity {self.sensitivity:.4g}), which satisfies ε = {self.epsilon:.3g} "
            "differential privacy: adding or removing any one person's row changes the probability of any answer "
            f"by at most a factor e^ε ≈ {math.exp(min(self.epsilon, 700)):.3g}."
        )
        if self.public:
            text += " Treated as public: " + "; ".join(self.public) + "."
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "technique": self.technique, "query": self.query, "epsilon": self.epsilon, "delta": self.delta,
            "scale": self.scale, "sensitivity": self.sensitivity, "mechanism": self.mechanism,
            "dataset_name": self.dataset_name, "public": list(self.public),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatisticsStatement:
        try:
            return cls(str(data["query"]), float(data["epsilon"]), float(data["scale"]), float(data["sensitivity"]),
                       float(data.get("delta", 0.0)), str(data.get("mechanism", "Laplace")),
                       str(data.get("dataset_name", "")), tuple(data.get("public", ())))  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidParameterError(f"Not a DP-statistics statement: {exc}.") from None


@dataclass(frozen=True)
class Answer:
    """One DP answer: the value, its noise scale, its 95 % accuracy, and its statement.

    ``value`` is a float (count, sum, mean) or a Series (histogram: one count per public category, plus
    ``"(other)"`` for values outside them).
    """

    query: str
    value: Any
    scale: float
    accuracy: float
    statement: StatisticsStatement

    @property
    def epsilon(self) -> float:
        return self.statement.epsilon

    def to_dict(self) -> dict[str, Any]:
        value = self.value.to_dict() if isinstance(self.value, pd.Series) else self.value
        return {"query": self.query, "value": value, "scale": self.scale, "accuracy_95": self.accuracy,
                "epsilon": self.epsilon}  # fmt: skip

    def __repr__(self) -> str:
        shown = "histogram" if isinstance(self.value, pd.Series) else f"{self.value:.6g}"
        return f"Answer({self.query!r}: {shown} ± {self.accuracy:.3g} (95 %), ε={self.epsilon:g})"


class StatisticsSession:
    """A budgeted session of DP queries on one table; build it with :func:`dp_statistics`."""

    def __init__(self, ds, *, epsilon: float, ledger: Any, default_epsilon: float, public_schema: bool) -> None:
        from workbench.synthetic._libs import load_opendp
        from workbench.synthetic._schema import is_bundled

        self._dp = load_opendp()
        self._ds = ds
        self.columns = [c for c in ds.frame.columns if c not in ds.identifiers]
        self.epsilon = float(epsilon)
        self.default_epsilon = float(default_epsilon)
        self._ledger = ledger
        self._public_dtypes = public_schema or is_bundled(ds)
        self._lock = threading.Lock()
        self._answers: list[Answer] = []
        self._count: float | None = None
        frame = ds.frame[self.columns].astype(object).where(ds.frame[self.columns].notna(), "")
        text = "\n".join(",".join(str(v).replace(",", " ").replace("\n", " ") for v in row)
                         for row in frame.to_numpy().tolist())  # fmt: skip
        dp = self._dp
        self._context = dp.Context.compositor(
            data=text, privacy_unit=dp.unit_of(contributions=1), privacy_loss=dp.loss_of(epsilon=self.epsilon),
            domain=dp.atom_domain(T=str),
        )  # fmt: skip

    # -- budget -----------------------------------------------------------------------------------------------
    @property
    def remaining(self) -> float:
        """ε left in this session (OpenDP's filter's own account)."""
        return max(0.0, float(self._context.remaining_privacy_loss()))

    @property
    def spent(self) -> float:
        return self.epsilon - self.remaining

    @property
    def answers(self) -> list[Answer]:
        return list(self._answers)

    # -- queries ----------------------------------------------------------------------------------------------
    def count(self, *, epsilon: float | None = None) -> Answer:
        """The number of rows, with Laplace noise (sensitivity 1)."""
        eps = self._epsilon(epsilon)
        query = self._rows(eps, self.columns[0]).count().laplace()
        answer = self._release("count", query, eps, 1.0)
        self._count = max(1.0, float(answer.value))
        return answer

    def sum(self, column: str, *, bounds: tuple[float, float], epsilon: float | None = None) -> Answer:
        """The sum of ``column``, values clamped to public ``bounds`` (missing values count as ``low``)."""
        low, high = self._bounds(column, bounds)
        eps = self._epsilon(epsilon)
        query = self._numbers(eps, column, low).clamp((low, high)).sum().laplace()
        return self._release(f"sum {column}", query, eps, max(abs(low), abs(high)), (f"bounds of {column!r}",))

    def mean(self, column: str, *, bounds: tuple[float, float], epsilon: float | None = None) -> Answer:
        """The mean of ``column`` clamped to public ``bounds``: the rows resized to the session's noisy count (one
        count query is spent first, half of ``epsilon``, if none was asked yet), then OpenDP's sized mean."""
        low, high = self._bounds(self._numeric(column), bounds)
        eps = self._epsilon(epsilon)
        if self._count is None:
            self.count(epsilon=eps / 2)
            eps = eps / 2
        n = round(self._count)
        query = (self._numbers(eps, column, low).clamp((low, high))
                 .resize(size=n, constant=(low + high) / 2).mean().laplace())  # fmt: skip
        return self._release(f"mean {column}", query, eps, (high - low) / n, (f"bounds of {column!r}",))

    def histogram(self, column: str, *, categories: Sequence | None = None, epsilon: float | None = None) -> Answer:
        """Counts of each public category of ``column`` (and of values outside them, as ``"(other)"``)."""
        cats = self._categories(column, categories)
        eps = self._epsilon(epsilon)
        query = self._rows(eps, column).count_by_categories(categories=[str(c) for c in cats]).laplace()
        answer = self._release(f"histogram {column}", query, eps, 1.0, (f"categories of {column!r}",))
        series = pd.Series(np.asarray(answer.value, dtype=float), index=[*map(str, cats), "(other)"], name=column)
        return Answer(answer.query, series, answer.scale, answer.accuracy, answer.statement)

    # -- plumbing ---------------------------------------------------------------------------------------------
    def _epsilon(self, epsilon: float | None) -> float:
        eps = self.default_epsilon if epsilon is None else epsilon
        validate_params("a DP query", {"epsilon": Interval(float, 0, None, closed="neither")}, {"epsilon": eps})
        if eps > self.remaining + 1e-12:
            raise BudgetExceededError(
                f"This query needs ε = {eps:g} but the session has {self.remaining:.3g} of {self.epsilon:g} left; "
                "ask with a smaller epsilon= or open a new session (which spends more of the dataset's budget)."
            )
        if self._ledger is not None:
            self._ledger.check_budget([eps], dataset_fingerprint=self._ds.fingerprint, dataset_name=self._ds.name)
        return float(eps)

    def _column(self, column: str) -> str:
        if column in self._ds.identifiers:
            raise InvalidParameterError(f"{column!r} is an identifier column: DP statistics never query those.")
        if column not in self.columns:
            raise UnknownColumnError(f"Unknown column {column!r}; the table has {self.columns}.")
        return column

    def _rows(self, eps: float, column: str):
        column = self._column(column)
        with warnings.catch_warnings():  # OpenDP 0.16 points to its Polars API, which pins an old polars
            warnings.filterwarnings("ignore", message=".*Use Polars instead", category=DeprecationWarning)
            query = self._context.query(epsilon=eps).split_dataframe(",", col_names=self.columns)
            return query.select_column(column, str)

    def _numeric(self, column: str) -> str:
        series = self._ds.frame[self._column(column)]
        if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            raise InvalidParameterError(f"Column {column!r} is not numeric; ask for a histogram instead.")
        return column

    def _numbers(self, eps: float, column: str, fill: float):
        return self._rows(eps, self._numeric(column)).cast_default(float).impute_constant(float(fill))

    def _bounds(self, column: str, bounds: Any) -> tuple[float, float]:
        try:
            low, high = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"bounds must be a pair (low, high) of public numbers; got {bounds!r}."
            ) from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise InvalidParameterError(f"bounds must be finite with low < high; got {bounds!r}.")
        return low, high

    def _categories(self, column: str, categories: Sequence | None) -> list:
        series = self._ds.frame[self._column(column)]
        if categories is not None:
            return list(dict.fromkeys(categories))
        if isinstance(series.dtype, pd.CategoricalDtype) and self._public_dtypes:
            return list(series.dtype.categories)
        raise InvalidParameterError(
            f"histogram({column!r}) needs public categories: pass categories=[...], or public_schema=True to "
            "dp_statistics if the column's Categorical dtype comes from a public schema (reading them from the "
            "rows would leak which values occur)."
        )

    def _release(self, name: str, query, eps: float, sensitivity: float, public: tuple = ()) -> Answer:
        dp = self._dp
        with self._lock:
            scale = float(query.param())
            try:
                value = query.release()
            except dp.OpenDPException as exc:
                raise BudgetExceededError(f"OpenDP refused '{name}': {' '.join(str(exc).split())}") from None
        value = float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=float)
        accuracy = float(dp.laplacian_scale_to_accuracy(scale, _ALPHA))
        statement = StatisticsStatement(name, eps, scale, sensitivity, dataset_name=self._ds.name, public=public)
        answer = Answer(name, value, scale, accuracy, statement)
        self._answers.append(answer)
        if self._ledger is not None:
            self._ledger.record(statement, dataset_fingerprint=self._ds.fingerprint, dataset_name=self._ds.name,
                                label=f"dp-statistics {name}")  # fmt: skip
        return answer

    def to_frame(self) -> pd.DataFrame:
        """One row per answer: query, value (histograms summarised), noise scale, 95 % accuracy, ε."""
        rows = [{"query": a.query, "value": a.value if not isinstance(a.value, pd.Series) else float(a.value.sum()),
                 "scale": a.scale, "accuracy_95": a.accuracy, "epsilon": a.epsilon} for a in self._answers]  # fmt: skip
        return pd.DataFrame(rows, columns=["query", "value", "scale", "accuracy_95", "epsilon"])

    def __repr__(self) -> str:
        return (
            f"StatisticsSession({self._ds.name!r}, ε={self.epsilon:g}, spent={self.spent:.3g}, "
            f"remaining={self.remaining:.3g}, answers={len(self._answers)})"
        )

    def _repr_html_(self) -> str:
        return (
            f"<div class='wb-statistics'><b>DP statistics on <code>{html.escape(self._ds.name)}</code></b>: "
            f"ε spent {self.spent:.3g} of {self.epsilon:g}, remaining {self.remaining:.3g}"
            f"{self.to_frame().to_html(index=False)}</div>"
        )


def dp_statistics(
    data: Any,
    *,
    epsilon: float,
    delta: float = 0.0,
    queries: int = 4,
    public_schema: bool = False,
    ledger: Any = None,
) -> StatisticsSession:
    """Open a budgeted session of DP queries (count, sum, mean, histogram) on ``data``.

    Parameters
    ----------
    data : Dataset or pandas.DataFrame
    epsilon : float
        The session's total ε; each query spends its own ``epsilon=`` (default ``epsilon / queries``).
    delta : float, default=0
        Only 0 (pure DP, Laplace noise) is offered.
    queries : int, default=4
        How many queries the budget is split over when a query names no ε.
    public_schema : bool, default=False
        Declare the categories of Categorical columns public (bundled datasets' schemas are public without it).
    ledger : PrivacyLedger or False, optional
        Each answer is recorded there (default: the session ledger).

    Examples
    --------
    >>> import workbench as wb
    >>> q = wb.dp_statistics(wb.load_dataset("adult"), epsilon=1.0, ledger=False)  # doctest: +SKIP
    >>> q.mean("age", bounds=(17, 90), epsilon=0.2)  # doctest: +SKIP
    Answer('mean age': 38.6 ± 0.0... (95 %), ε=0.1)
    >>> q.remaining  # doctest: +SKIP
    0.8
    """
    validate_params(
        "dp_statistics",
        {"epsilon": Interval(float, 0, None, closed="neither"), "delta": Optional(Interval(float, 0, 0)),
         "queries": Interval(int, 1, None)},
        {"epsilon": epsilon, "delta": delta, "queries": queries},
    )  # fmt: skip
    from workbench.synthetic.synthesise import _dataset, _ledger

    ds = _dataset(data)
    return StatisticsSession(
        ds, epsilon=epsilon, ledger=_ledger(ledger), default_epsilon=epsilon / queries, public_schema=public_schema
    )
