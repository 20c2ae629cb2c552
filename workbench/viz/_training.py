"""Training curves: test loss/accuracy per epoch and the ε spent so far."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from workbench.errors import InvalidParameterError
from workbench.viz._style import color, new_figure

__all__ = ["train_figures", "training_figure"]


def _history(source: Any) -> pd.DataFrame:
    if hasattr(source, "history"):
        source = source.history
    elif hasattr(source, "details") and "history" in getattr(source, "details", {}):
        source = source.details["history"]
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, (list, tuple)):
        return pd.DataFrame(list(source))
    raise InvalidParameterError(f"training_figure takes a TrainResult or a history; got {type(source).__name__}.")


def training_figure(source: Any) -> go.Figure:
    """Accuracy and loss per epoch (left axis) and the cumulative ε spent (right axis).

    Parameters
    ----------
    source : TrainResult, TradeoffPoint or list of dict
        A training run (its ``.history``), a DP point of a sweep, or the per-epoch rows themselves (``epoch``,
        ``loss``, ``accuracy``, ``epsilon``).

    Returns
    -------
    plotly.graph_objects.Figure
        Accuracy and loss on the left axis, ε spent on the right axis, against the epoch.

    Raises
    ------
    InvalidParameterError
        When ``source`` is none of the above.

    Examples
    --------
    >>> from workbench.viz import training_figure
    >>> history = [{"epoch": 1, "loss": 0.5, "accuracy": 0.80, "epsilon": 0.6},
    ...            {"epoch": 2, "loss": 0.4, "accuracy": 0.82, "epsilon": 1.0}]
    >>> [t.name for t in training_figure(history).data]
    ['accuracy', 'loss', 'ε spent']
    """
    frame = _history(source)
    if "epoch" not in frame:
        raise InvalidParameterError("The training history has no 'epoch' column.")
    fig = new_figure("Training curve", "epoch", "test accuracy / loss")
    for i, col in enumerate(c for c in ("accuracy", "loss") if c in frame):
        fig.add_trace(
            go.Scatter(x=frame["epoch"], y=frame[col], mode="lines+markers", name=col, line={"color": color(i)})
        )
    if "epsilon" in frame and pd.to_numeric(frame["epsilon"], errors="coerce").notna().any():
        fig.add_trace(
            go.Scatter(
                x=frame["epoch"],
                y=frame["epsilon"],
                mode="lines+markers",
                name="ε spent",
                yaxis="y2",
                line={"color": color(3), "dash": "dot"},
            )
        )
        fig.update_layout(
            yaxis2={
                "title": "ε spent so far",
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "rangemode": "tozero",
            }
        )
    return fig


def train_figures(run: Any) -> dict[str, go.Figure]:
    """The figures of a training run: ``{"training": ...}`` (per-epoch accuracy, loss and ε)."""
    return {"training": training_figure(run)}
