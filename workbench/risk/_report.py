"""Re-identification risk of a table: :func:`assess_risk` and its :class:`RiskReport`."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench._validation import InstanceOf, Interval, Optional, validate_params
from workbench.release import PlainStatement
from workbench.risk._classes import (
    class_sizes,
    distribution_matrix,
    encode_column,
    equivalence_classes,
    l_distinct,
    l_entropy,
    t_closeness,
)
from workbench.risk._inputs import resolve_columns

__all__ = ["RiskReport", "assess_risk", "is_ordered", "sensitive_measures"]


def is_ordered(series: pd.Series) -> bool:
    """Whether t-closeness uses the ordered distance for this column (numeric or ordered categorical).

    Parameters
    ----------
    series : pandas.Series
        A sensitive column.

    Returns
    -------
    bool
        True for numeric (not boolean) columns and ordered categoricals.

    Examples
    --------
    >>> import pandas as pd
    >>> is_ordered(pd.Series([1, 2])), is_ordered(pd.Series(["flu", "cold"]))
    (True, False)
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return bool(dtype.ordered)
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def sensitive_measures(ids: np.ndarray, n_classes: int, frame: pd.DataFrame, sensitive: Iterable[str]) -> dict:
    """Achieved l (distinct), entropy l and t over every sensitive column (worst column wins), per column too.

    Parameters
    ----------
    ids : numpy.ndarray
        Class id of every record (see :func:`equivalence_classes`).
    n_classes : int
        Number of classes.
    frame : pandas.DataFrame
        The table holding the sensitive columns (not modified).
    sensitive : iterable of str
        The sensitive columns.

    Returns
    -------
    dict
        ``l``, ``l_entropy`` and ``t`` over all columns (None each without sensitive columns), and ``per_column``:
        the same three per column.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"age": [30, 30, 40, 40], "disease": ["flu", "cold", "flu", "flu"]})
    >>> ids, n = equivalence_classes(frame, ["age"])
    >>> sensitive_measures(ids, n, frame, ["disease"])["per_column"]
    {'disease': {'l': 1, 'l_entropy': 1.0, 't': 0.25}}
    """
    per_column: dict[str, dict[str, float]] = {}
    for col in sensitive:
        codes, uniques = encode_column(frame[col])
        dist = distribution_matrix(ids, n_classes, codes, len(uniques))
        per_column[col] = {
            "l": int(l_distinct(dist).min()) if n_classes else 0,
            "l_entropy": float(l_entropy(dist).min()) if n_classes else 0.0,
            "t": float(t_closeness(dist, is_ordered(frame[col])).max()) if n_classes else 0.0,
        }
    if not per_column:
        return {"l": None, "l_entropy": None, "t": None, "per_column": {}}
    return {
        "l": min(v["l"] for v in per_column.values()),
        "l_entropy": min(v["l_entropy"] for v in per_column.values()),
        "t": max(v["t"] for v in per_column.values()),
        "per_column": per_column,
    }


@dataclass(frozen=True)
class RiskReport:
    """Re-identification risk of a table under the prosecutor (and, with a population, journalist and marketer) model.

    Attributes
    ----------
    k : int
        Size of the smallest equivalence class (the table is k-anonymous).
    l, l_entropy, t : float or None
        Achieved distinct l, entropy l and t-closeness over the sensitive columns (None without sensitive columns).
    class_sizes : pandas.Series
        One size per equivalence class.
    sample_uniqueness : float
        Share of records that are unique on their quasi-identifiers.
    prosecutor : dict
        ``highest`` (1 / smallest class), ``average`` (classes / records) and ``records_at_risk`` (share of
        records whose risk exceeds ``threshold``).
    journalist, marketer : dict or float or None
        Risks against a population table, when one was given.
    """

    k: int
    l: int | None  # noqa: E741
    l_entropy: float | None
    t: float | None
    class_sizes: pd.Series = field(repr=False)
    n_records: int
    n_classes: int
    sample_uniqueness: float
    prosecutor: dict[str, float]
    threshold: float
    quasi_identifiers: tuple[str, ...]
    sensitive: tuple[str, ...]
    journalist: dict[str, float] | None = None
    marketer: float | None = None
    per_sensitive: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)

    # -- the Release protocol (workbench.release) --------------------------------------------------------------
    @property
    def technique(self) -> str:
        """``"risk-assessment"``."""
        return "risk-assessment"

    @property
    def statement(self) -> PlainStatement:
        """What was measured (k, l, t on the table as it is); a measurement, not a guarantee."""
        parts = [f"k = {self.k}"] + [f"{n} = {v:.4g}" for n, v in (("l", self.l), ("t", self.t)) if v is not None]
        return PlainStatement(
            "risk-assessment",
            {"quasi_identifiers": list(self.quasi_identifiers), "sensitive": list(self.sensitive)},
            guarantee=f"measured {', '.join(parts)} on {', '.join(self.quasi_identifiers)}; no formal guarantee",
        )

    @property
    def metrics(self) -> dict[str, float]:
        """k, sample uniqueness and the prosecutor risks."""
        return {
            "k": float(self.k),
            "sample_uniqueness": float(self.sample_uniqueness),
            **{f"prosecutor_{name}": float(v) for name, v in self.prosecutor.items()},
        }

    def summary(self) -> dict[str, Any]:
        """Headline numbers: k, l, t, uniqueness, prosecutor risks (plain data, no rows)."""
        return {
            "k": self.k,
            "l": self.l,
            "t": self.t,
            "sample_uniqueness": self.sample_uniqueness,
            **dict(self.prosecutor),
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-serialisable); class sizes as a histogram ``{size: number of classes}``."""
        histogram = self.class_sizes.value_counts().sort_index()
        return {
            "k": self.k,
            "l": self.l,
            "l_entropy": self.l_entropy,
            "t": self.t,
            "n_records": self.n_records,
            "n_classes": self.n_classes,
            "sample_uniqueness": self.sample_uniqueness,
            "prosecutor": dict(self.prosecutor),
            "threshold": self.threshold,
            "journalist": None if self.journalist is None else dict(self.journalist),
            "marketer": self.marketer,
            "quasi_identifiers": list(self.quasi_identifiers),
            "sensitive": list(self.sensitive),
            "class_size_histogram": {int(s): int(c) for s, c in histogram.items()},
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per measure: name and value."""
        rows = [
            ("k (smallest class)", self.k),
            ("l (distinct)", self.l),
            ("l (entropy)", self.l_entropy),
            ("t (closeness)", self.t),
            ("records", self.n_records),
            ("equivalence classes", self.n_classes),
            ("sample uniqueness", self.sample_uniqueness),
            ("prosecutor risk, highest", self.prosecutor["highest"]),
            ("prosecutor risk, average", self.prosecutor["average"]),
            (f"records at risk (> {self.threshold:g})", self.prosecutor["records_at_risk"]),
        ]
        if self.journalist is not None:
            rows += [
                ("journalist risk, highest", self.journalist["highest"]),
                ("journalist risk, average", self.journalist["average"]),
                ("marketer risk", self.marketer),
            ]
        return pd.DataFrame(rows, columns=["measure", "value"]).set_index("measure")

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{html.escape(str(name))}</td><td style='text-align:right'>{_fmt(value)}</td></tr>"
            for name, value in self.to_frame()["value"].items()
        )
        return (
            "<div class='wb-risk'><h4 style='margin:4px 0'>Re-identification risk</h4>"
            f"<p style='margin:2px 0'>Quasi-identifiers: {html.escape(', '.join(self.quasi_identifiers))}</p>"
            f"<table>{body}</table></div>"
        )


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def assess_risk(
    data: object,
    *,
    quasi_identifiers: str | Iterable[str] | None = None,
    sensitive: str | Iterable[str] | None = None,
    population: pd.DataFrame | None = None,
    threshold: float = 0.2,
) -> RiskReport:
    """Measure re-identification risk: equivalence classes, achieved k, l, t, uniqueness, prosecutor risk.

    Parameters
    ----------
    data : Dataset or pandas.DataFrame
        The table (raw or released). A Dataset's roles give the default columns; for a DataFrame they are guessed.
    quasi_identifiers, sensitive : list of str, optional
        Override the columns an attacker links on, and the columns whose diversity (l, t) is measured.
    population : pandas.DataFrame, optional
        A population table with the same quasi-identifier columns; adds journalist and marketer risk.
    threshold : float, default=0.2
        A record is "at risk" when its prosecutor risk (1 / class size) exceeds this.

    Returns
    -------
    RiskReport

    Examples
    --------
    >>> import workbench as wb
    >>> risk = wb.assess_risk(wb.load_dataset("diabetes"), quasi_identifiers=["age", "sex"], sensitive=[])
    >>> risk.k, risk.n_classes, round(risk.prosecutor["highest"], 2)
    (1, 104, 1.0)
    """
    validate_params(
        "assess_risk",
        {
            "threshold": Interval(float, 0, 1, closed="right"),
            "population": Optional(InstanceOf((pd.DataFrame,), "a DataFrame")),
        },
        {"threshold": threshold, "population": population},
    )
    cols = resolve_columns(data, quasi_identifiers, sensitive, "assess_risk")
    frame = cols.frame
    ids, n_classes = equivalence_classes(frame, cols.quasi_identifiers)
    sizes = class_sizes(ids, n_classes)
    per_record = sizes[ids]
    measures = sensitive_measures(ids, n_classes, frame, cols.sensitive)
    n = len(frame)
    prosecutor = {
        "highest": float(1.0 / sizes.min()),
        "average": float(n_classes / n),
        "records_at_risk": float(np.mean(1.0 / per_record > threshold)),
    }
    journalist, marketer = None, None
    if population is not None:
        journalist, marketer = _population_risk(frame, population, cols.quasi_identifiers, threshold)
    return RiskReport(
        k=int(sizes.min()),
        l=measures["l"],
        l_entropy=measures["l_entropy"],
        t=measures["t"],
        class_sizes=pd.Series(sizes, name="size").rename_axis("class"),
        n_records=n,
        n_classes=int(n_classes),
        sample_uniqueness=float(np.mean(per_record == 1)),
        prosecutor=prosecutor,
        threshold=float(threshold),
        quasi_identifiers=tuple(cols.quasi_identifiers),
        sensitive=tuple(cols.sensitive),
        journalist=journalist,
        marketer=marketer,
        per_sensitive=measures["per_column"],
    )


def _population_risk(
    sample: pd.DataFrame, population: pd.DataFrame, qis: list[str], threshold: float
) -> tuple[dict[str, float], float]:
    from workbench.columns import check_columns

    check_columns(population, qis, "The population table")
    both = pd.concat([sample[qis].astype(object), population[qis].astype(object)], ignore_index=True)
    ids, n_classes = equivalence_classes(both, qis)
    sample_ids, pop_ids = ids[: len(sample)], ids[len(sample) :]
    pop_sizes = np.bincount(pop_ids, minlength=n_classes).astype(np.float64)
    # a sample record missing from the population is counted as its own population of one (the worst case)
    f_sizes = np.bincount(sample_ids, minlength=n_classes)
    big_f = np.maximum(pop_sizes, f_sizes)[sample_ids]
    classes = np.unique(sample_ids)
    journalist = {
        "highest": float(1.0 / big_f.min()),
        "average": float(np.mean(1.0 / big_f)),
        "records_at_risk": float(np.mean(1.0 / big_f > threshold)),
    }
    marketer = float(np.sum(f_sizes[classes] / np.maximum(pop_sizes[classes], f_sizes[classes])) / len(sample))
    return journalist, marketer
