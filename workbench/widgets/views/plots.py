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

__all__ = ["figure_of", "tradeoff_figure_for", "training_figure"]


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
    """The main figure of the points finished so far (:func:`workbench.viz.figures_for`), Pareto frontier circled.

    Examples
    --------
    >>> from workbench.tradeoff import TradeoffPoint
    >>> pts = [TradeoffPoint("dp", "epsilon", e, epsilon=e, utility={"accuracy": a}) for e, a in [(1, .8), (2, .79)]]
    >>> fig = tradeoff_figure_for(pts, "dp")
    >>> [len(t.x) for t in fig.data]
    [2, 1]
    """
    from workbench import viz
    from workbench.tradeoff import TradeoffResult

    if not points:
        return go.Figure(layout={"title": {"text": f"Trade-off: {technique} (waiting for the first point)"}})
    result = TradeoffResult(points=tuple(points), technique=technique, parameter=points[0].parameter)
    figures = viz.figures_for(result)
    if not figures:
        return go.Figure(layout={"title": {"text": f"Trade-off: {len(points)} points, no utility measured"}})
    fig = next(iter(figures.values()))
    frame = result.results
    utility, leakage = viz.sweep_axes(frame, result.parameter)
    if utility is not None and leakage is not None:
        frontier = _frontier(frame, utility, leakage)
        fig.add_trace(
            go.Scatter(
                x=frontier["epsilon" if leakage == "epsilon" else "value"],
                y=frontier[utility],
                mode="markers",
                name="Pareto frontier",
                marker={"size": 16, "symbol": "circle-open", "line": {"width": 2}, "color": "#000"},
                hoverinfo="skip",
            )
        )
    fig.update_layout(title={"text": f"{fig.layout.title.text} ({len(points)} points)"})
    return fig


def figure_of(result: Any, name: str) -> go.Figure:
    """One of the figures :func:`workbench.viz.figures_for` gives for a result (``"roc"``, ``"risk"``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from workbench.audit import AuditResult
    >>> figure_of(AuditResult.from_scores(np.array([2.0, 1.0]), np.array([0.5, 1.5])), "roc").layout.xaxis.type
    'log'
    """
    from workbench import viz

    figures = viz.figures_for(result)
    if name not in figures:
        return go.Figure(layout={"title": {"text": f"No {name} figure for this result"}})
    return figures[name]


def _frontier(frame: pd.DataFrame, utility: str, leakage: str) -> pd.DataFrame:
    from workbench.tradeoff import pareto_frontier

    usable = frame[[math.isfinite(float(v)) for v in frame[leakage].fillna(math.nan)]]
    if usable.empty:
        return usable
    return pareto_frontier(usable, utility=utility, leakage=leakage, maximise_utility=utility != "information_loss")
