"""Figures of re-identification risk: the equivalence-class size histogram and prosecutor-risk bars."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.errors import InvalidParameterError
from workbench.viz._style import color, new_figure, percent_axis

__all__ = ["anonymisation_figures", "class_size_figure", "risk_figure", "risk_figures"]


def _size_counts(source: Any) -> pd.Series:
    """Number of equivalence classes per class size, from a RiskReport, AnonymisationResult, point or Series."""
    if hasattr(source, "risk") and hasattr(source.risk, "class_sizes"):
        source = source.risk
    if hasattr(source, "class_sizes"):
        source = source.class_sizes
    if hasattr(source, "details") and "class_sizes" in getattr(source, "details", {}):
        source = source.details["class_sizes"]
    if isinstance(source, Mapping) and "size" in source and "count" in source:
        return pd.Series(list(source["count"]), index=list(source["size"]), dtype="int64").sort_index()
    if isinstance(source, (pd.Series, np.ndarray, list, tuple)):
        sizes = pd.Series(np.asarray(source, dtype="int64"))
        return sizes.value_counts().sort_index()
    raise InvalidParameterError(
        f"class_size_figure takes a RiskReport, an AnonymisationResult or class sizes; got {type(source).__name__}."
    )


def class_size_figure(*sources: Any, names: list[str] | None = None) -> go.Figure:
    """Histogram of equivalence-class sizes: how many groups of look-alike records have each size.

    A class of size 1 is a record unique on its quasi-identifiers (prosecutor risk 1); k-anonymity removes every
    class smaller than k.

    Parameters
    ----------
    *sources : RiskReport, AnonymisationResult, TradeoffPoint, Series or list of int
        Where the class sizes come from: a risk report, a release (its ``.risk``), a point of a k-anonymity sweep,
        a ``{"size": [...], "count": [...]}`` mapping, or the sizes themselves. Several sources are overlaid
        (before / after anonymisation).
    names : list of str, optional
        Legend names, one per source (default: a point's label, else "table 1", "table 2", ...).

    Returns
    -------
    plotly.graph_objects.Figure
        Bars of the number of classes per class size.

    Raises
    ------
    InvalidParameterError
        When a source is none of the above.

    Examples
    --------
    >>> from workbench.viz import class_size_figure
    >>> fig = class_size_figure([1, 1, 2, 5, 5, 5])
    >>> list(fig.data[0].x), list(fig.data[0].y)
    ([1, 2, 5], [2, 1, 3])
    """
    fig = new_figure(
        "Equivalence-class sizes", "class size (records sharing the same quasi-identifiers)", "number of classes"
    )
    for i, source in enumerate(sources):
        counts = _size_counts(source)
        label = names[i] if names and i < len(names) else (getattr(source, "label", None) or f"table {i + 1}")
        label = label() if callable(label) else label
        fig.add_trace(
            go.Bar(
                x=counts.index.tolist(),
                y=counts.tolist(),
                name=str(label),
                marker={"color": color(i)},
                hovertemplate="size %{x}: %{y} classes<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    if sources and max(_size_counts(s).index.max() for s in sources) > 50:
        fig.update_xaxes(type="log")
    return fig


def risk_figure(risk: Any) -> go.Figure:
    """Prosecutor risk (highest, average), records at risk and sample uniqueness as bars on a 0–100 % scale.

    Parameters
    ----------
    risk : RiskReport or mapping
        A risk report (``wb.assess_risk(...)``), or a mapping with any of ``highest``, ``average``,
        ``records_at_risk`` and ``sample_uniqueness`` as shares in [0, 1].

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per measure on a 0–100 % axis.

    Raises
    ------
    InvalidParameterError
        When ``risk`` is neither.

    Examples
    --------
    >>> from workbench.viz import risk_figure
    >>> fig = risk_figure({"highest": 1.0, "average": 0.2, "records_at_risk": 0.1, "sample_uniqueness": 0.05})
    >>> list(fig.data[0].x)
    ['highest prosecutor risk', 'average prosecutor risk', 'records at risk', 'sample uniqueness']
    """
    if isinstance(risk, Mapping):
        values = dict(risk)
    elif hasattr(risk, "prosecutor"):
        values = {**dict(risk.prosecutor), "sample_uniqueness": getattr(risk, "sample_uniqueness", float("nan"))}
    else:
        raise InvalidParameterError(f"risk_figure takes a RiskReport or a dict; got {type(risk).__name__}.")
    labels = {
        "highest": "highest prosecutor risk",
        "average": "average prosecutor risk",
        "records_at_risk": "records at risk",
        "sample_uniqueness": "sample uniqueness",
    }
    keys = [k for k in labels if k in values]
    fig = new_figure("Re-identification risk", "measure", "share (%)")
    fig.add_trace(
        go.Bar(
            x=[labels[k] for k in keys],
            y=[float(values[k]) for k in keys],
            marker={"color": [color(i) for i in range(4)]},
            hovertemplate="%{x}: %{y:.1%}<extra></extra>",
        )
    )
    fig.update_yaxes(range=[0, 1], **percent_axis())
    return fig


def risk_figures(report: Any) -> dict[str, go.Figure]:
    """The figures of a risk report: ``{"risk": ..., "class-sizes": ...}``.

    Examples
    --------
    >>> import workbench as wb
    >>> report = wb.assess_risk(wb.load_dataset("diabetes"), quasi_identifiers=["age", "sex"], sensitive=[])
    >>> list(risk_figures(report))
    ['risk', 'class-sizes']
    """
    return {"risk": risk_figure(report), "class-sizes": class_size_figure(report)}


def anonymisation_figures(result: Any) -> dict[str, go.Figure]:
    """The figures of an anonymised release: the risk of the released table and its class sizes."""
    return {"risk": risk_figure(result.risk), "class-sizes": class_size_figure(result)}
