"""Federated-learning figures: the partition (rows and label rate per client) and the per-round curve with ε."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from workbench.errors import InvalidParameterError
from workbench.viz._style import color, new_figure

__all__ = ["federated_figures", "partition_figure", "rounds_figure"]


def _table(source: Any, attribute: str) -> pd.DataFrame:
    value = getattr(source, attribute, source)
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, (list, tuple)):
        return pd.DataFrame(list(value))
    raise InvalidParameterError(f"Expected a FederatedResult or its .{attribute} table; got {type(source).__name__}.")


def partition_figure(source: Any) -> go.Figure:
    """Rows per client (bars) and each client's label rate (markers, right axis).

    Parameters
    ----------
    source : FederatedResult, DataFrame or list of dict
        A federated result (its ``clients`` table is used) or that table itself, with columns ``client``,
        ``rows`` and ``label_rate``.

    Returns
    -------
    plotly.graph_objects.Figure
        Bars of rows and markers of the label rate per client.

    Raises
    ------
    InvalidParameterError
        ``source`` is neither a result nor a table.

    Examples
    --------
    >>> clients = [{"client": 0, "rows": 800, "label_rate": 0.2}, {"client": 1, "rows": 500, "label_rate": 0.6}]
    >>> [t.name for t in partition_figure(clients).data]
    ['rows', 'label rate']
    """
    frame = _table(source, "clients")
    names = [str(c) for c in frame["client"]]
    fig = new_figure("Partition: rows and label rate per client", "client", "training rows")
    fig.add_trace(go.Bar(x=names, y=frame["rows"], name="rows", marker_color=color(0)))
    fig.add_trace(go.Scatter(x=names, y=frame["label_rate"], name="label rate", mode="markers", yaxis="y2",
                             marker={"color": color(1), "size": 10, "symbol": "diamond"}))  # fmt: skip
    fig.update_layout(yaxis2={"title": "share of the positive label", "overlaying": "y", "side": "right",
                              "range": [0, 1], "showgrid": False}, xaxis_type="category")  # fmt: skip
    return fig


def rounds_figure(source: Any, *, rounds: int | None = None) -> go.Figure:
    """Server-side test accuracy and loss per round (left axis) and the ε spent so far (right axis).

    ``rounds`` fixes the x range (the dashboard's curve fills in live).

    Parameters
    ----------
    source : FederatedResult, DataFrame or list of dict
        A federated result (its ``history`` table is used) or that table itself, with columns ``round``,
        ``accuracy``, ``loss`` and ``epsilon`` (NaN where no ε is accounted; the ε curve is then left out).
    rounds : int, optional
        Total number of rounds, to fix the x axis to 0..``rounds`` (default: fit the data).

    Returns
    -------
    plotly.graph_objects.Figure
        Accuracy and loss curves, and the ε spent on a right axis (an empty figure for an empty history).

    Raises
    ------
    InvalidParameterError
        ``source`` is neither a result nor a table.

    Examples
    --------
    >>> history = [{"round": 0, "accuracy": 0.6, "loss": 0.7, "epsilon": 0.0},
    ...            {"round": 1, "accuracy": 0.8, "loss": 0.45, "epsilon": 0.5}]
    >>> [t.name for t in rounds_figure(history).data]
    ['accuracy', 'loss', 'ε spent']
    """
    frame = _table(source, "history")
    fig = new_figure("Federated rounds (server-side test metrics)", "round", "test accuracy / loss")
    if len(frame) == 0:
        return fig
    for i, col in enumerate(("accuracy", "loss")):
        fig.add_trace(go.Scatter(x=frame["round"], y=frame[col], mode="lines+markers", name=col,
                                 line={"color": color(i)}))  # fmt: skip
    eps = pd.to_numeric(frame["epsilon"], errors="coerce")
    if eps.map(math.isfinite).any():
        fig.add_trace(go.Scatter(x=frame["round"], y=eps, mode="lines+markers", name="ε spent", yaxis="y2",
                                 line={"color": color(3), "dash": "dot"}))  # fmt: skip
        fig.update_layout(yaxis2={"title": "ε spent so far", "overlaying": "y", "side": "right", "showgrid": False,
                                  "rangemode": "tozero"})  # fmt: skip
    if rounds is not None:
        fig.update_xaxes(range=[-0.3, rounds + 0.3])
    return fig


def federated_figures(result: Any) -> dict[str, go.Figure]:
    """Every figure of a :class:`~workbench.federated.FederatedResult`, by name (for reports and dispatch).

    Parameters
    ----------
    result : FederatedResult
        A federated result, or anything with the ``clients`` and ``history`` tables :func:`partition_figure` and
        :func:`rounds_figure` read.

    Returns
    -------
    dict of str to plotly.graph_objects.Figure
        ``"partition"`` and ``"rounds"``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from workbench.viz import federated_figures
    >>> fake = SimpleNamespace(clients=[{"client": 0, "rows": 800, "label_rate": 0.2}],
    ...                        history=[{"round": 1, "accuracy": 0.8, "loss": 0.45, "epsilon": 0.5}])
    >>> {name: len(fig.data) for name, fig in federated_figures(fake).items()}
    {'partition': 2, 'rounds': 3}
    """
    return {"partition": partition_figure(result), "rounds": rounds_figure(result)}
