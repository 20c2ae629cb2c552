"""``TradeoffResult``: the points of a sweep, their tidy table, Pareto frontier, budget and persistence."""

from __future__ import annotations

import functools
import html
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import DataSourceError, InvalidParameterError
from workbench.release import NO_GUARANTEE, PlainStatement
from workbench.tradeoff._pareto import pareto_frontier
from workbench.tradeoff._point import LEAKAGE_COLUMNS, UTILITY_COLUMNS, TradeoffPoint, _plain

__all__ = ["TradeoffResult", "read_results"]

_BASE_COLUMNS = ["technique", "parameter", "value", "epsilon", "delta", "k", "l", "t"]
_TAIL_COLUMNS = ["seconds", "seed", "statement"]
_META_KEY = b"workbench.tradeoff"


@dataclass(frozen=True)
class TradeoffResult:
    """The outcome of a sweep: one :class:`TradeoffPoint` per grid value that finished.

    Attributes
    ----------
    points : tuple of TradeoffPoint
        In grid order (``completion_order`` gives the order they finished in).
    technique, parameter : str
        What was swept, over which parameter.
    dataset : dict
        Name, fingerprint, provenance and column roles of the data (never its rows).
    options : dict
        The sweep's settings (model, epochs, batch size, delta, audit, ...).
    grid : tuple
        The requested values (``inf`` = the non-private baseline).
    stopped : bool
        True when the sweep was stopped before every point finished.
    spends_budget : bool
        Whether the points spend differential-privacy budget.

    Examples
    --------
    >>> from workbench.tradeoff import TradeoffPoint, TradeoffResult
    >>> points = tuple(TradeoffPoint(technique="demo", parameter="k", value=k, k=k, utility={"accuracy": a})
    ...                for k, a in [(2.0, 0.84), (10.0, 0.82)])
    >>> curve = TradeoffResult(points=points, technique="demo", parameter="k", grid=(2.0, 10.0))
    >>> curve.results[["k", "accuracy"]]
          k  accuracy
    0   2.0      0.84
    1  10.0      0.82
    >>> curve.total_epsilon
    0.0
    """

    points: tuple[TradeoffPoint, ...]
    technique: str
    parameter: str
    dataset: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    grid: tuple[float, ...] = ()
    seed: int = 0
    executor: str = ""
    stopped: bool = False
    spends_budget: bool = False
    seconds: float = 0.0
    completion_order: tuple[int, ...] = ()

    # -- tables ------------------------------------------------------------------------------------------------
    @property
    def results(self) -> pd.DataFrame:
        """One row per point: parameters, ε (``inf`` when none), k/l/t, utility, leakage, seconds, seed, statement."""
        rows = [p.to_row() for p in self.points]
        measured: list[str] = []
        for p in self.points:
            measured += [c for c in (*p.utility, *p.leakage) if c not in measured]
        known = [c for c in (*UTILITY_COLUMNS, *LEAKAGE_COLUMNS) if c in measured]
        columns = _BASE_COLUMNS + known + [c for c in measured if c not in known] + _TAIL_COLUMNS
        frame = pd.DataFrame(rows, columns=columns)
        for col in ["value", "epsilon", "delta", "k", "l", "t", *measured, "seconds"]:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
        frame["seed"] = frame["seed"].astype("int64")
        return frame

    def to_frame(self) -> pd.DataFrame:
        """Same as :attr:`results`."""
        return self.results

    @property
    def utility_columns(self) -> list[str]:
        return [c for c in self.results.columns if c in UTILITY_COLUMNS or any(c in p.utility for p in self.points)]

    @property
    def leakage_columns(self) -> list[str]:
        return [c for c in self.results.columns if c in LEAKAGE_COLUMNS or any(c in p.leakage for p in self.points)]

    def pareto(self, utility: str = "accuracy", leakage: str | None = None) -> pd.DataFrame:
        """The Pareto-optimal rows of :attr:`results` (higher ``utility``, lower ``leakage``).

        ``leakage`` defaults to the claimed ``epsilon`` for DP sweeps and to ``expected_reidentification`` (else
        ``reidentification_rate``) for anonymisation sweeps.
        """
        if leakage is None:
            columns = self.results.columns
            leakage = "epsilon" if self.parameter == "epsilon" else "reidentification_rate"
            if self.parameter != "epsilon" and "expected_reidentification" in columns:
                leakage = "expected_reidentification"
        return pareto_frontier(self.results, utility=utility, leakage=leakage)

    # -- budget ------------------------------------------------------------------------------------------------
    @property
    def private_points(self) -> list[TradeoffPoint]:
        return [p for p in self.points if p.private]

    @functools.cached_property
    def dp_epsilon(self) -> float:
        """ε of the sweep's DP points together (composed as the privacy ledger does: never less than the truth)."""
        if not self.spends_budget:
            return 0.0
        from workbench.tradeoff._budget import composed_epsilon

        return composed_epsilon(self.private_points)

    @property
    def total_epsilon(self) -> float:
        """ε the whole sweep spent on the dataset: ``dp_epsilon``, or ``inf`` if it also trained without DP."""
        if not self.spends_budget:
            return 0.0
        return math.inf if len(self.private_points) < len(self.points) else self.dp_epsilon

    @property
    def total_delta(self) -> float:
        return float(sum(p.delta or 0.0 for p in self.private_points)) if self.spends_budget else 0.0

    @property
    def budget_note(self) -> str:
        """Plain words on what the sweep spent, and why picking its best point is a use of the data too."""
        pick = "Choosing the best point after looking at all of them is itself a use of the data"
        if not self.spends_budget:
            return f"This sweep gives no differential-privacy guarantee; judge its points by measured leakage. {pick}."
        n = len(self.private_points)
        no_dp = len(self.points) - n
        name = self.dataset.get("name", "?")
        text = (
            f"This sweep's {n} DP training run(s) spent ε = {self.dp_epsilon:.4g} (δ = {self.total_delta:.3g}) "
            f"together on dataset {name!r}."
        )
        if no_dp:
            text += (
                f" It also trained {no_dp} model(s) without DP, which have no guarantee: the privacy ledger counts "
                "the dataset as spent without limit (ε = ∞)."
            )
        return (
            f"{text} {pick}: the model you pick carries the whole sweep's guarantee (ε = {self.dp_epsilon:.4g} over "
            "its DP runs), not its own ε. To pick the best settings at a stated total ε, selection included, use "
            "wb.tune(dataset, epsilon=..., grid={...}) with the settings to compare (private selection, Papernot & "
            "Steinke 2022)."
        )

    # -- the Release protocol (workbench.release) --------------------------------------------------------------
    @property
    def statement(self) -> PlainStatement:
        """The sweep's guarantee as a whole: ε of its DP points together (``inf`` without one), and the budget note."""
        private = self.spends_budget and bool(self.private_points)
        return PlainStatement(
            self.technique,
            {"parameter": self.parameter, "grid": list(self.grid), "points": len(self.points)},
            guarantee=(
                f"ε = {self.total_epsilon:.4g}, δ = {self.total_delta:.3g} for the whole sweep"
                if private
                else "no differential-privacy guarantee for the sweep as a whole"
            ),
            text=self.budget_note,
            epsilon=self.total_epsilon if private else NO_GUARANTEE,
            delta=self.total_delta if private else 0.0,
        )

    @property
    def metrics(self) -> dict[str, float]:
        """Points finished, seconds, and the ε spent (0 for sweeps that spend no budget)."""
        return {
            "points": float(len(self.points)),
            "seconds": float(self.seconds),
            "total_epsilon": float(self.total_epsilon),
        }

    def summary(self) -> dict[str, Any]:
        """Headline facts as plain data: technique, parameter, grid, points, ε spent, dataset name."""
        return {
            "technique": self.technique,
            "parameter": self.parameter,
            "dataset": self.dataset.get("name"),
            "grid": list(self.grid),
            "points": len(self.points),
            "total_epsilon": self.total_epsilon,
            "stopped": self.stopped,
            "seconds": self.seconds,
        }

    # -- serialisation -----------------------------------------------------------------------------------------
    def _meta(self) -> dict[str, Any]:
        return _plain(
            {
                "technique": self.technique,
                "parameter": self.parameter,
                "dataset": dict(self.dataset),
                "options": dict(self.options),
                "grid": [None if not math.isfinite(v) else v for v in self.grid],
                "seed": self.seed,
                "executor": self.executor,
                "stopped": self.stopped,
                "spends_budget": self.spends_budget,
                "seconds": self.seconds,
                "completion_order": list(self.completion_order),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-able plain data (the points included)."""
        totals = {"total_epsilon": self.total_epsilon, "dp_epsilon": self.dp_epsilon, "total_delta": self.total_delta}
        return {**self._meta(), "points": [p.to_dict() for p in self.points], **_plain(totals)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TradeoffResult:
        return cls(
            points=tuple(TradeoffPoint.from_dict(p) for p in data.get("points", [])),
            technique=data["technique"],
            parameter=data["parameter"],
            dataset=data.get("dataset", {}),
            options=data.get("options", {}),
            grid=tuple(math.inf if v is None else float(v) for v in data.get("grid", [])),
            seed=int(data.get("seed", 0)),
            executor=data.get("executor", ""),
            stopped=bool(data.get("stopped", False)),
            spends_budget=bool(data.get("spends_budget", False)),
            seconds=float(data.get("seconds", 0.0)),
            completion_order=tuple(data.get("completion_order", ())),
        )

    def to_parquet(self, path: str | os.PathLike) -> Path:
        """Write the tidy results (statements as JSON text) to Parquet, with the whole sweep in the file metadata.

        An existing file at ``path`` is replaced atomically (temporary file, then ``os.replace``).

        :func:`read_results` reads it back as a ``TradeoffResult``; plain ``pandas.read_parquet`` reads the table.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        frame = self.results
        frame["statement"] = [json.dumps(_plain(s)) for s in frame["statement"]]
        table = pa.Table.from_pandas(frame, preserve_index=False)
        payload = json.dumps(self.to_dict()).encode()
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META_KEY: payload})
        from workbench._files import write_atomic

        return write_atomic(lambda temporary: pq.write_table(table, temporary), path, what="the results")

    # -- display -----------------------------------------------------------------------------------------------
    def figure(self):
        """The main figure: utility against ε (DP sweeps) or against k (anonymisation sweeps).

        The first of :func:`workbench.viz.figures_for` (the one place that chooses a sweep's figures).
        """
        from workbench import viz

        figures = viz.figures_for(self)
        if not figures:
            raise InvalidParameterError(f"This sweep ({len(self.points)} points) measured nothing to plot yet.")
        return next(iter(figures.values()))

    def __repr__(self) -> str:
        return (
            f"TradeoffResult({self.technique!r}, points={len(self.points)}/{len(self.grid)}, "
            f"dataset={self.dataset.get('name')!r}, total_epsilon={self.total_epsilon:.4g}, stopped={self.stopped})"
        )

    def _repr_html_(self) -> str:
        shown = self.results.drop(columns=["statement"])
        status = " (stopped early)" if self.stopped else ""
        return (
            f"<div class='wb-tradeoff'><h4 style='margin:4px 0'>Trade-off sweep: {html.escape(self.technique)} on "
            f"<code>{html.escape(str(self.dataset.get('name')))}</code>{status}</h4>"
            f"<p style='margin:2px 0'>{html.escape(self.budget_note)}</p>"
            f"{shown.to_html(index=False, float_format=lambda v: f'{v:.4g}', na_rep='—')}</div>"
        )


def read_results(path: str | os.PathLike) -> TradeoffResult:
    """Read a sweep written by :meth:`TradeoffResult.to_parquet` (or ``privacy-workbench tradeoff --out``).

    Parameters
    ----------
    path : str or os.PathLike
        The Parquet file.

    Returns
    -------
    TradeoffResult
        The sweep, with its tidy results and statements.

    Raises
    ------
    DataSourceError
        When there is no such file, or it holds no sweep.

    Examples
    --------
    >>> from workbench.tradeoff import read_results
    >>> read_results("missing.parquet")
    Traceback (most recent call last):
    ...
    workbench.errors.DataSourceError: No results file at 'missing.parquet': ...
    """
    import pyarrow.parquet as pq

    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(f"read_results needs a path to a .parquet file; got {type(path).__name__}.")
    path = Path(path)
    if not path.exists():
        raise DataSourceError(f"No results file at {str(path)!r}: write one with 'privacy-workbench tradeoff --out'.")
    if not path.is_file():
        raise DataSourceError(f"{str(path)!r} is a folder, not a results file: give the .parquet file inside it.")
    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception as exc:  # pyarrow raises several types for a non-parquet file
        raise DataSourceError(f"Cannot read {path.name!r} as Parquet: {' '.join(str(exc).split())[:200]}") from None
    if _META_KEY not in metadata:
        raise DataSourceError(
            f"{path.name!r} is a Parquet file but not a workbench sweep; write one with TradeoffResult.to_parquet."
        )
    try:
        data = json.loads(metadata[_META_KEY])
        if not isinstance(data, Mapping):
            raise ValueError("the sweep record is not a JSON object")
        result = TradeoffResult.from_dict(data)
        result.results  # noqa: B018 - builds the table once, so a point of the wrong shape fails here, not later
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # JSONDecodeError is a ValueError
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise DataSourceError(
            f"{path.name!r} holds a damaged workbench sweep record ({type(exc).__name__}: {reason}); write it again "
            "with 'privacy-workbench tradeoff --out'."
        ) from None
    return result
