"""Shared look of every figure: the Okabe-Ito colour-blind-safe palette, titles, units and hover text."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

__all__ = [
    "MARKERS",
    "PALETTE",
    "as_frame",
    "color",
    "new_figure",
    "percent_axis",
    "reference_line",
    "statement_text",
]

# Okabe & Ito (2008), distinguishable with every common colour-vision deficiency
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon")


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def percent_axis() -> dict[str, Any]:
    """Axis settings that show shares as percentages with as many decimals as the tick spacing needs, at every zoom.

    A fixed ``".0%"`` labels ticks 0.835, 0.84, 0.845 as "84%, 84%, 84%". Plotly spaces linear ticks by 1, 2 or
    5 × 10^n; each ``tickformatstops`` entry gives the decimals that make ticks at that spacing distinct (a spacing
    of 0.005 → ".1%": "83.5%, 84.0%"), and plotly picks the entry for the spacing of the current zoom.

    Examples
    --------
    >>> [(stop["dtickrange"], stop["value"]) for stop in percent_axis()["tickformatstops"]][:2]
    [([0.0095, None], '.0%'), ([0.00095, 0.0095], '.1%')]
    """
    stops = [{"dtickrange": [0.0095, None], "value": ".0%"}]
    for decimals in range(1, 6):
        high = 0.0095 / 10 ** (decimals - 1)
        low = None if decimals == 5 else high / 10
        stops.append({"dtickrange": [low, high], "value": f".{decimals}%"})
    return {"tickformatstops": stops}


def new_figure(title: str, x_title: str, y_title: str, *, height: int = 420) -> go.Figure:
    """An empty figure with the workbench layout: title, axis titles with units, white background."""
    fig = go.Figure()
    fig.update_layout(
        title={"text": title, "x": 0.02, "xanchor": "left"},
        xaxis_title=x_title,
        yaxis_title=y_title,
        template="plotly_white",
        colorway=list(PALETTE),
        height=height,
        margin={"l": 70, "r": 30, "t": 60, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        hoverlabel={"align": "left"},
    )
    return fig


def reference_line(x: Any, y: Any, name: str) -> go.Scatter:
    """A dotted grey guide line (chance, the claimed-ε diagonal, a DP bound) that hover skips."""
    return go.Scatter(x=x, y=y, mode="lines", name=name, line={"dash": "dot", "color": "#555555"}, hoverinfo="skip")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "∞" if math.isinf(value) else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value[:8]) + (" …" if len(value) > 8 else "")
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in list(value.items())[:6]) + "}"
    return str(value)


def statement_text(statement: Mapping[str, Any] | None, *, limit: int = 14) -> str:
    """A privacy statement as hover text: one ``key: value`` per line (HTML line breaks)."""
    if not statement:
        return "no statement"
    lines = [f"{k}: {_fmt(v)}" for k, v in statement.items() if v is not None and k != "caveats"][:limit]
    return "<br>".join(lines)


def as_frame(result: Any):
    """The tidy results table of a ``TradeoffResult`` (or the DataFrame itself)."""
    import pandas as pd

    from workbench.errors import InvalidParameterError

    if isinstance(result, pd.DataFrame):
        return result
    if hasattr(result, "results") and isinstance(result.results, pd.DataFrame):
        return result.results
    raise InvalidParameterError(f"Expected a TradeoffResult or its .results DataFrame; got {type(result).__name__}.")


def label_of(result: Any, default: str) -> str:
    import pandas as pd

    technique = None if isinstance(result, pd.DataFrame) else getattr(result, "technique", None)
    if isinstance(technique, str) and technique:
        return technique
    frame = as_frame(result)
    if "technique" in frame and len(frame):
        return str(frame["technique"].iloc[0])
    return default
