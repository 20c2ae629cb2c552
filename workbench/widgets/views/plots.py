"""Figures for the live panels, built from partial results (points so far, epochs so far) as plain plotly figures."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

__all__ = ["class_size_figure", "roc_figure", "tradeoff_figure_for", "training_figure"]

_UTILITY = ("accuracy", "auc", "information_loss", "discernibility")
_LEAKAGE = {"dp": "epsilon", "k-anonymity": "prosecutor_risk"}


def training_figure(history: Sequence[Mapping[str, Any]], *, epochs: int | None = None) -> go.Figure:
    """Loss and accuracy (left axis) and ε spent (right axis) per epoch, from the epochs finished so far.

    Examples
    --------
    >>> fig = training_figure([{"epoch": 1, "loss": 0.6, "accuracy": 0.8, "epsilon": 0.4}], epochs=3)
    >>> [t.name for t in fig.data]
    ['loss', 'accuracy', 'ε spent']
    """
    epoch = [r.get("epoch") for r in history]
    fig = go.Figure()
    for name, key, axis in (("loss", "loss", "y"), ("accuracy", "accuracy", "y"), ("ε spent", "epsilon", "y2")):
        fig.add_scatter(x=epoch, y=[r.get(key) for r in history], name=name, mode="lines+markers", yaxis=axis)
    fig.update_layout(
        title="Training (test loss / accuracy; ε spent so far)",
        xaxis={"title": "epoch", "range": [0.5, (epochs or max(epoch or [1])) + 0.5]},
        yaxis={"title": "loss / accuracy"},
        yaxis2={"title": "ε spent", "overlaying": "y", "side": "right", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def tradeoff_figure_for(points: Sequence[Any], technique: str) -> go.Figure:
    """Utility against the privacy parameter for the points finished so far, with the Pareto frontier.

    ``points`` are :class:`~workbench.tradeoff.TradeoffPoint` objects (anything with ``to_row()``). A point
    without DP (ε = ∞) is drawn as a dashed baseline.

    Examples
    --------
    >>> from workbench.tradeoff._point import TradeoffPoint
    >>> pts = [TradeoffPoint("dp", "epsilon", e, epsilon=e, utility={"accuracy": a}) for e, a in [(1, .8), (2, .82)]]
    >>> [len(t.x) for t in tradeoff_figure_for(pts, "dp").data]
    [2, 2]
    """
    rows = [p.to_row() for p in points]
    parameter = rows[0]["parameter"] if rows else ("epsilon" if technique == "dp" else "k")
    utility = next((u for u in _UTILITY if any(u in r and r[u] is not None for r in rows)), "accuracy")
    finite = sorted((r for r in rows if _finite(r.get("value"))), key=lambda r: r["value"])
    baseline = [r for r in rows if not _finite(r.get("value"))]
    fig = go.Figure()
    fig.add_scatter(
        x=[r["value"] for r in finite],
        y=[r.get(utility) for r in finite],
        mode="lines+markers",
        name=utility,
        text=[_hover(r) for r in finite],
        hoverinfo="text",
    )
    frontier = _frontier(finite, utility, _LEAKAGE.get(technique, "epsilon"))
    fig.add_scatter(
        x=[r["value"] for r in frontier],
        y=[r.get(utility) for r in frontier],
        mode="markers",
        name="Pareto frontier",
        marker={"size": 13, "symbol": "circle-open", "line": {"width": 2}},
    )
    for row in baseline:
        fig.add_hline(y=row.get(utility), line_dash="dash", annotation_text="no DP")
    fig.update_layout(
        title=f"Trade-off: {utility} vs {parameter} ({len(rows)} points)",
        xaxis={"title": parameter, "type": "log" if parameter == "epsilon" else "linear"},
        yaxis={"title": utility},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def roc_figure(result: Any) -> go.Figure:
    """The ROC curve of a membership-inference attack on log-log axes, with the chance line."""
    fpr, tpr = (list(map(float, a)) for a in result.roc)
    pairs = [(f, t) for f, t in zip(fpr, tpr, strict=True) if f > 0 and t > 0]
    fig = go.Figure()
    fig.add_scatter(
        x=[f for f, _ in pairs], y=[t for _, t in pairs], mode="lines", name=f"attack (AUC {result.auc:.3f})"
    )
    low = min([f for f, _ in pairs] or [1e-4])
    fig.add_scatter(x=[low, 1], y=[low, 1], mode="lines", name="chance", line={"dash": "dot"})
    fig.update_layout(
        title="Membership inference ROC",
        xaxis={"title": "false positive rate", "type": "log"},
        yaxis={"title": "true positive rate", "type": "log"},
    )
    return fig


def class_size_figure(report: Any) -> go.Figure:
    """Histogram of equivalence-class sizes (how many records share each combination of quasi-identifiers)."""
    sizes = [int(s) for s in report.class_sizes]
    fig = go.Figure(go.Histogram(x=sizes, nbinsx=min(60, max(len(set(sizes)), 1)), name="classes"))
    fig.update_layout(
        title=f"Equivalence-class sizes (k = {report.k}; {len(sizes):,} classes)",
        xaxis={"title": "records sharing the quasi-identifiers", "type": "log"},
        yaxis={"title": "classes"},
        bargap=0.05,
    )
    return fig


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _hover(row: Mapping[str, Any]) -> str:
    keys = [k for k in (*_UTILITY, "mia_auc", "epsilon_lower_bound", "prosecutor_risk") if row.get(k) is not None]
    return "<br>".join([f"{row['parameter']} = {row['value']:g}"] + [f"{k} = {row[k]:.4g}" for k in keys])


def _frontier(rows: Sequence[Mapping[str, Any]], utility: str, leakage: str) -> list[Mapping[str, Any]]:
    """Rows no other row beats on both utility (higher) and leakage (lower); the parameter stands in for ε."""
    usable = [r for r in rows if r.get(utility) is not None and r.get(leakage) is not None]
    if not usable:
        return []
    better_low = utility not in ("information_loss", "discernibility")
    sign = 1.0 if better_low else -1.0

    def dominated(row: Mapping[str, Any]) -> bool:
        return any(
            o[leakage] <= row[leakage]
            and sign * o[utility] >= sign * row[utility]
            and (o[leakage] < row[leakage] or sign * o[utility] > sign * row[utility])
            for o in usable
        )

    return [r for r in usable if not dominated(r)]
