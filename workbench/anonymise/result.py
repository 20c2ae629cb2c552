"""Results of anonymisation: the :class:`AnonymisationStatement` and the :class:`AnonymisationResult`."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.risk import RiskReport

__all__ = ["AnonymisationResult", "AnonymisationStatement"]


@dataclass(frozen=True)
class AnonymisationStatement:
    """What a release guarantees (achieved k, l, t, measured on the released table itself) and how it was made."""

    method: str
    model: str
    k: int
    l: int | None  # noqa: E741
    l_entropy: float | None
    t: float | None
    requested: dict[str, Any]
    suppressed: int
    suppression_limit: float
    n_records: int
    n_released: int
    transformation: dict[str, Any]
    quasi_identifiers: tuple[str, ...]
    sensitive: tuple[str, ...]
    dropped_identifiers: tuple[str, ...] = ()
    optimal: bool | None = None
    nodes_evaluated: int | None = None
    seed: int = 0

    # -- the Statement protocol (workbench.release) ------------------------------------------------------------
    @property
    def technique(self) -> str:
        """Always ``"anonymisation"`` (the algorithm is in ``method``)."""
        return "anonymisation"

    @property
    def parameters(self) -> dict[str, Any]:
        """Method, requested privacy model and suppression limit."""
        return {"method": self.method, **dict(self.requested), "suppression_limit": self.suppression_limit}

    @property
    def epsilon(self) -> float:
        """``inf``: k-anonymity, l-diversity and t-closeness give no differential-privacy guarantee."""
        return math.inf

    @property
    def delta(self) -> float:
        return 0.0

    @property
    def guarantee(self) -> str:
        """The achieved syntactic guarantee in one line (measured on the released table)."""
        parts = [f"k = {self.k}"]
        if self.l is not None and self.requested.get("l") is not None:
            parts.append(f"l = {self.l}")
        if self.t is not None and self.requested.get("t") is not None:
            parts.append(f"t = {self.t:.3f}")
        return f"{', '.join(parts)} on {', '.join(self.quasi_identifiers)} (no differential-privacy guarantee)"

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable data."""
        return {
            "method": self.method,
            "model": self.model,
            "k": self.k,
            "l": self.l,
            "l_entropy": self.l_entropy,
            "t": self.t,
            "requested": dict(self.requested),
            "suppressed": self.suppressed,
            "suppression_limit": self.suppression_limit,
            "n_records": self.n_records,
            "n_released": self.n_released,
            "transformation": dict(self.transformation),
            "quasi_identifiers": list(self.quasi_identifiers),
            "sensitive": list(self.sensitive),
            "dropped_identifiers": list(self.dropped_identifiers),
            "optimal": self.optimal,
            "nodes_evaluated": self.nodes_evaluated,
            "seed": self.seed,
        }

    def plain_language(self) -> str:
        """One paragraph a data protection officer can read."""
        text = (
            f"{self.n_released:,} of {self.n_records:,} records released ({self.suppressed:,} suppressed) by "
            f"{self.method} generalisation of {', '.join(self.quasi_identifiers)}. Every combination of these "
            f"values is shared by at least {self.k} records"
        )
        if self.l is not None and self.requested.get("l") is not None:
            text += f", each group holds at least {self.l} different values of {', '.join(self.sensitive)}"
        if self.t is not None and self.requested.get("t") is not None:
            text += f" and its distribution of them is within t = {self.t:.3f} of the whole table's"
        text += "."
        if self.dropped_identifiers:
            text += f" Direct identifiers removed: {', '.join(self.dropped_identifiers)}."
        return text


@dataclass(frozen=True, eq=False)
class AnonymisationResult:
    """An anonymised release: the table, its statement, utility metrics and re-identification risk.

    ``source_index`` maps each released row to the index label of its record in the input; it is for the data
    holder's own evaluation (linkage attacks, ML utility) and must not be published with ``data``.
    """

    data: pd.DataFrame
    statement: AnonymisationStatement
    metrics: dict[str, float]
    risk: RiskReport
    quasi_identifiers: tuple[str, ...]
    sensitive: tuple[str, ...]
    hierarchies: dict = field(repr=False)
    generalisations: dict[str, dict[str, frozenset[str]]] = field(repr=False)
    source_index: np.ndarray = field(repr=False)
    source: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Statement, metrics and risk as plain data (the released rows are in ``data``)."""
        return {
            "statement": self.statement.to_dict(),
            "metrics": dict(self.metrics),
            "risk": self.risk.to_dict(),
        }

    @property
    def technique(self) -> str:
        """``"anonymisation"``: the :class:`~workbench.Release` protocol."""
        return "anonymisation"

    def summary(self) -> dict[str, Any]:
        """Headline facts as plain data (never rows): method, achieved k / l / t, records, metrics, risk."""
        s = self.statement
        return {
            "technique": self.technique,
            "method": s.method,
            "k": s.k,
            "l": s.l,
            "t": s.t,
            "released": s.n_released,
            "suppressed": s.suppressed,
            **{k: float(v) for k, v in self.metrics.items() if isinstance(v, (int, float))},
            "prosecutor_risk": float(self.risk.prosecutor["highest"]),
        }

    def to_frame(self) -> pd.DataFrame:
        """The released table (a copy)."""
        return self.data.copy()

    def __repr__(self) -> str:
        s = self.statement
        return (
            f"AnonymisationResult(method={s.method!r}, k={s.k}, l={s.l}, t={None if s.t is None else round(s.t, 4)}, "
            f"released={s.n_released}, suppressed={s.suppressed}, "
            f"information_loss={self.metrics.get('information_loss', float('nan')):.4f})"
        )

    def _repr_html_(self) -> str:
        s, esc = self.statement, html.escape
        rows = [
            ("privacy model asked", s.model),
            ("k achieved", s.k),
            ("l achieved (distinct)", s.l),
            ("t achieved", None if s.t is None else f"{s.t:.4f}"),
            ("records released / suppressed", f"{s.n_released:,} / {s.suppressed:,}"),
            ("transformation", ", ".join(f"{k}={v}" for k, v in s.transformation.items())),
        ] + [(name, f"{value:.4g}") for name, value in self.metrics.items()]
        body = "".join(f"<tr><td>{esc(str(a))}</td><td>{esc(str(b))}</td></tr>" for a, b in rows)
        return (
            f"<div class='wb-anonymised'><h4 style='margin:4px 0'>Anonymised with {esc(s.method)}</h4>"
            f"<p style='margin:2px 0'>{esc(s.plain_language())}</p><table>{body}</table>"
            f"{self.data.head(5).to_html(max_cols=12)}</div>"
        )
