"""Figures for the live panels: ``workbench.viz`` figures built from partial results (points or epochs so far).

The figures themselves come from :mod:`workbench.viz`; this module only adapts what a panel holds while work is
still running (a list of points, a list of epoch rows) and adds the Pareto frontier to the trade-off curve.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

__all__ = ["class_size_figure", "risk_figure", "roc_figure", "tradeoff_figure_for", "training_figure"]


# leakage of a k-anonymity sweep, in the order viz.k_figure prefers them
_K_LEAKAGE = ("expected_reidentification", "reidentification_rate", "prosecutor_risk")


def training_figure(history: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Accuracy, loss and ε spent per epoch for the epochs finished so far (an empty figure before the first).

    Examples
    --------
    >>> fig = training_figure([{"epoch": 1, "loss": 0.6, "accuracy": 0.8, "epsilon": 0.4}])
    >>> [t.name for t in fig.data]
    ['accuracy', 'loss', 'ε spent']
    """
    from workbench import viz

    if not history:
        return go.Figure(layout={"title": {"text": "Training curve (waiting for the first epoch)"}})
    return viz.training_figure(list(history))


def tradeoff_figure_for(points: Sequence[Any], technique: str) -> go.Figure:
    """The trade-off curve of the points finished so far, with the Pareto frontier circled.

    DP sweeps plot utility against ε (:func:`workbench.viz.tradeoff_figure`); other techniques plot utility
    against their parameter (:func:`workbench.viz.k_figure` when re-identification is measured).

    Examples
    --------
    >>> from workbench.tradeoff._point import TradeoffPoint
    >>> pts = [TradeoffPoint("dp", "epsilon", e, epsilon=e, utility={"accuracy": a}) for e, a in [(1, .8), (2, .79)]]
    >>> fig = tradeoff_figure_for(pts, "dp")
    >>> [len(t.x) for t in fig.data]
    [2, 1]
    """
    from workbench import viz

    frame = pd.DataFrame([p.to_row() for p in points])
    if frame.empty:
        return go.Figure(layout={"title": {"text": f"Trade-off: {technique} (waiting for the first point)"}})
    utility = next((c for c in ("accuracy", "auc", "information_loss") if c in frame and frame[c].notna().any()), None)
    if utility is None:
        return go.Figure(layout={"title": {"text": f"Trade-off: {len(frame)} points, no utility measured"}})
    if technique == "dp" or frame["parameter"].iloc[0] == "epsilon":
        fig = viz.tradeoff_figure(frame, metric=utility)
        leakage, x = "epsilon", "epsilon"
    elif any(c in frame and frame[c].notna().any() for c in _K_LEAKAGE):
        leakage = next(c for c in _K_LEAKAGE if c in frame and frame[c].notna().any())
        fig = viz.k_figure(frame, utility=utility, leakage=leakage)
        x = "value"
    else:
        fig = _parameter_figure(frame, utility)
        leakage, x = None, "value"
    if leakage is not None:
        frontier = _frontier(frame, utility, leakage)
        fig.add_trace(
            go.Scatter(
                x=frontier[x],
                y=frontier[utility],
                mode="markers",
                name="Pareto frontier",
                marker={"size": 16, "symbol": "circle-open", "line": {"width": 2}, "color": "#000"},
                hoverinfo="skip",
            )
        )
    fig.update_layout(title={"text": f"{fig.layout.title.text} ({len(frame)} points)"})
    return fig


def roc_figure(result: Any) -> go.Figure:
    """The ROC curve of a membership-inference result on log-log axes (:func:`workbench.viz.roc_figure`)."""
    from workbench import viz

    return viz.roc_figure(result)


def class_size_figure(report: Any) -> go.Figure:
    """The class-size histogram of a risk report (:func:`workbench.viz.class_size_figure`)."""
    from workbench import viz

    return viz.class_size_figure(report)


def risk_figure(report: Any) -> go.Figure:
    """Prosecutor risk, records at risk and uniqueness of a risk report (:func:`workbench.viz.risk_figure`)."""
    from workbench import viz

    return viz.risk_figure(report)


def _frontier(frame: pd.DataFrame, utility: str, leakage: str) -> pd.DataFrame:
    from workbench.tradeoff._pareto import pareto_frontier

    usable = frame[[math.isfinite(float(v)) for v in frame[leakage].fillna(math.nan)]]
    if usable.empty:
        return usable
    return pareto_frontier(usable, utility=utility, leakage=leakage, maximise_utility=utility != "information_loss")


def _parameter_figure(frame: pd.DataFrame, utility: str) -> go.Figure:
    frame = frame.sort_values("value")
    parameter = str(frame["parameter"].iloc[0])
    fig = go.Figure(go.Scatter(x=frame["value"], y=frame[utility], mode="lines+markers", name=utility))
    fig.update_layout(title={"text": f"{utility} against {parameter}"}, xaxis_title=parameter, yaxis_title=utility)
    return fig
