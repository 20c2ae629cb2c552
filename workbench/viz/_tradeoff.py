"""Figures of a sweep: utility vs ε, leakage vs ε, utility vs leakage, and utility/re-identification vs k."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from workbench.columns import check_columns
from workbench.errors import InvalidParameterError
from workbench.viz._audit import roc_figure
from workbench.viz._risk import class_size_figure
from workbench.viz._style import (
    MARKERS,
    as_frame,
    color,
    label_of,
    new_figure,
    percent_axis,
    reference_line,
    statement_text,
)
from workbench.viz._training import training_figure

__all__ = ["k_figure", "leakage_figure", "sweep_axes", "sweep_figures", "tradeoff_figure", "utility_vs_leakage_figure"]

_NAMES = {
    "accuracy": "Test accuracy (%)",
    "auc": "Test ROC AUC",
    "information_loss": "Information loss (NCP, 0–1)",
    "mia_auc": "Membership-inference ROC AUC",
    "mia_advantage": "Membership-inference advantage (TPR − FPR)",
    "tpr_at_1pct_fpr": "Attack TPR at 1 % FPR",
    "epsilon_lower_bound": "Empirical ε lower bound (95 % confidence)",
    "reidentification_rate": "Re-identification rate (% of people linked)",
    "expected_reidentification": "Expected re-identification (% of people)",
    "linkage_advantage": "Linkage advantage over guessing",
    "prosecutor_risk": "Highest prosecutor risk",
}
_PERCENT = {
    "accuracy",
    "reidentification_rate",
    "expected_reidentification",
    "tpr_at_1pct_fpr",
    "records_at_risk",
    "prosecutor_risk",
}


def _axis_format(fig: go.Figure, metric: str, axis: str = "yaxis") -> None:
    if metric in _PERCENT:
        fig.update_layout({axis: percent_axis()})


def _hover(frame, metrics: list[str]) -> list[str]:
    texts = []
    for _, row in frame.iterrows():
        head = f"<b>{row['technique']}</b> {row['parameter']} = {row['value']:g}"
        values = "<br>".join(f"{m}: {row[m]:.4g}" for m in metrics if m in row and _finite(row[m]))
        texts.append(f"{head}<br>{values}<br>—<br>{statement_text(row.get('statement'))}")
    return texts


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def tradeoff_figure(*results: Any, metric: str = "accuracy") -> go.Figure:
    """Utility against ε on a log axis, one line per sweep; the non-private baseline is a dashed line.

    Parameters
    ----------
    *results : TradeoffResult or DataFrame
        One or more DP sweeps (``technique="dp"`` or ``"pseudonymise+dp"``).
    metric : str, default="accuracy"
        The utility column to plot.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.viz import tradeoff_figure
    >>> frame = pd.DataFrame({"technique": "dp", "parameter": "epsilon", "value": [1, 4, float("inf")],
    ...                       "epsilon": [1, 4, float("inf")], "accuracy": [0.80, 0.83, 0.85], "statement": [{}] * 3})
    >>> fig = tradeoff_figure(frame)
    >>> fig.layout.xaxis.type, len(fig.data)
    ('log', 1)
    """
    fig = new_figure(
        "Utility against the privacy budget ε",
        "ε (privacy budget, log scale; smaller = more private)",
        _NAMES.get(metric, metric),
    )
    fig.update_xaxes(type="log")
    _axis_format(fig, metric)
    for i, result in enumerate(results):
        frame = as_frame(result)
        check_columns(frame, ["epsilon", metric], "tradeoff_figure")
        private = frame[np.isfinite(frame["epsilon"].astype(float))].sort_values("epsilon")
        baseline = frame[~np.isfinite(frame["epsilon"].astype(float))]
        name = label_of(result, f"sweep {i + 1}")
        fig.add_trace(
            go.Scatter(
                x=private["epsilon"],
                y=private[metric],
                mode="lines+markers",
                name=name,
                marker={"color": color(i), "symbol": MARKERS[i % len(MARKERS)], "size": 9},
                line={"color": color(i)},
                hovertext=_hover(private, [metric, "auc", "mia_auc"]),
                hoverinfo="text",
            )
        )
        for _, row in baseline.iterrows():
            fig.add_hline(
                y=row[metric],
                line={"dash": "dash", "color": color(i)},
                annotation_text=f"{name}: no DP ({row[metric]:.3g})",
                annotation_position="bottom right",
            )
    return fig


def leakage_figure(*results: Any, metric: str = "epsilon_lower_bound") -> go.Figure:
    """Measured leakage against the claimed ε; the claim is the diagonal (an audit must stay under it).

    For ``metric="epsilon_lower_bound"`` the line is y = ε; for ``"mia_advantage"`` it is the highest advantage
    (e^ε − 1)/(e^ε + 1) that an ε-DP model allows.

    Parameters
    ----------
    *results : TradeoffResult or DataFrame
        One or more audited DP sweeps (``audit=True``), or their tidy results.
    metric : {"epsilon_lower_bound", "mia_advantage"}, default="epsilon_lower_bound"
        The measured leakage to plot against the claimed ε.

    Returns
    -------
    plotly.graph_objects.Figure
        One line per sweep and the claimed-ε reference line; statements in the hover text.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.viz import leakage_figure
    >>> frame = pd.DataFrame({"technique": "dp", "parameter": "epsilon", "value": [1.0, 4.0], "epsilon": [1.0, 4.0],
    ...                       "epsilon_lower_bound": [0.0, 0.1], "statement": [{}, {}]})
    >>> [t.name for t in leakage_figure(frame).data]
    ['claimed ε (upper bound)', 'dp']
    """
    fig = new_figure("Measured leakage against the claimed ε", "claimed ε (log scale)", _NAMES.get(metric, metric))
    fig.update_xaxes(type="log")
    _axis_format(fig, metric)
    eps = np.concatenate([as_frame(r)["epsilon"].to_numpy(dtype=float) for r in results]) if results else []
    eps = eps[np.isfinite(eps)] if len(eps) else np.array([1.0])
    grid = np.logspace(np.log10(max(eps.min(), 1e-3) / 1.5), np.log10(eps.max() * 1.5), 60) if len(eps) else []
    if metric == "epsilon_lower_bound":
        fig.add_trace(reference_line(grid, grid, "claimed ε (upper bound)"))
    elif metric == "mia_advantage":
        bound = (np.exp(grid) - 1) / (np.exp(grid) + 1)
        fig.add_trace(reference_line(grid, bound, "highest advantage ε-DP allows"))
    for i, result in enumerate(results):
        frame = as_frame(result)
        check_columns(frame, ["epsilon", metric], "leakage_figure")
        private = frame[np.isfinite(frame["epsilon"].astype(float))].sort_values("epsilon")
        fig.add_trace(
            go.Scatter(
                x=private["epsilon"],
                y=private[metric],
                mode="lines+markers",
                name=label_of(result, f"sweep {i + 1}"),
                marker={"color": color(i), "symbol": MARKERS[i % len(MARKERS)], "size": 9},
                line={"color": color(i)},
                hovertext=_hover(private, [metric, "mia_auc", "mia_advantage"]),
                hoverinfo="text",
            )
        )
    return fig


def _leakage_column(frame) -> str:
    for col in ("mia_advantage", "linkage_advantage", "reidentification_rate", "prosecutor_risk"):
        if col in frame and frame[col].notna().any():
            return col
    raise InvalidParameterError(
        "The results have no leakage column (mia_advantage or reidentification_rate): run with audit."
    )


def utility_vs_leakage_figure(*results: Any, utility: str = "accuracy") -> go.Figure:
    """Utility against measured attacker success, with DP and anonymisation sweeps on the same plot.

    DP sweeps are placed by their membership-inference advantage, anonymisation sweeps by their re-identification
    rate: both are "how much better than guessing the attacker does", on a 0–1 scale.

    Parameters
    ----------
    *results : TradeoffResult or DataFrame
        Audited sweeps of any technique (DP, k-anonymity, ...), or their tidy results.
    utility : str, default="accuracy"
        The utility column on the y axis.

    Returns
    -------
    plotly.graph_objects.Figure
        One line per sweep, leakage on the x axis (0–1), utility on the y axis.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.viz import utility_vs_leakage_figure
    >>> dp = pd.DataFrame({"technique": "dp", "parameter": "epsilon", "value": [1.0], "epsilon": [1.0],
    ...                    "accuracy": [0.8], "mia_advantage": [0.01], "statement": [{}]})
    >>> kanon = pd.DataFrame({"technique": "k-anonymity", "parameter": "k", "value": [5.0], "epsilon": [float("inf")],
    ...                       "accuracy": [0.82], "reidentification_rate": [0.02], "statement": [{}]})
    >>> len(utility_vs_leakage_figure(dp, kanon).data)
    2
    """
    fig = new_figure(
        "Utility against what an attacker gets",
        "attacker success: MIA advantage or re-identification rate (0 = none, 1 = everyone)",
        _NAMES.get(utility, utility),
    )
    _axis_format(fig, utility)
    for i, result in enumerate(results):
        frame = as_frame(result)
        leak = _leakage_column(frame)
        check_columns(frame, [utility], "utility_vs_leakage_figure")
        labels = [
            ("no DP" if not math.isfinite(v) else f"ε={v:g}") if p == "epsilon" else f"{p}={v:g}"
            for p, v in zip(frame["parameter"], frame["value"], strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=frame[leak],
                y=frame[utility],
                mode="markers+text",
                text=labels,
                textposition="top center",
                name=f"{label_of(result, f'sweep {i + 1}')} ({leak.replace('_', ' ')})",
                marker={"color": color(i), "symbol": MARKERS[i % len(MARKERS)], "size": 11},
                hovertext=_hover(frame, [utility, leak]),
                hoverinfo="text",
            )
        )
    return fig


def k_figure(result: Any, *, utility: str = "accuracy", leakage: str | None = None) -> go.Figure:
    """Utility (left axis) and re-identification (right axis) against k, with the original data's accuracy.

    ``leakage`` defaults to ``expected_reidentification`` (share of people an attacker who knows their
    quasi-identifiers picks correctly) when the results have it, else ``reidentification_rate`` (unique matches).

    Parameters
    ----------
    result : TradeoffResult or DataFrame
        A k-anonymity sweep, or its tidy results.
    utility : str, default="accuracy"
        The utility column on the left axis.
    leakage : str, optional
        The re-identification column on the right axis (see above for the default).

    Returns
    -------
    plotly.graph_objects.Figure
        Utility and leakage against k, with the original data's accuracy as a dashed line when the results have it.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.viz import k_figure
    >>> frame = pd.DataFrame({"technique": "k-anonymity", "parameter": "k", "value": [2.0, 10.0], "k": [2.0, 10.0],
    ...     "accuracy": [0.83, 0.81], "accuracy_original": [0.85, 0.85], "reidentification_rate": [0.3, 0.05],
    ...     "statement": [{}, {}]})
    >>> [t.name for t in k_figure(frame).data]
    ['accuracy', 'reidentification rate']
    """
    frame = as_frame(result).sort_values("value")
    if leakage is None:
        leakage = "expected_reidentification" if "expected_reidentification" in frame else "reidentification_rate"
    check_columns(frame, [utility, leakage], "k_figure")
    fig = new_figure(
        "Utility and re-identification against k",
        "k (smallest group of look-alike records, log scale)",
        _NAMES.get(utility, utility),
    )
    fig.update_xaxes(type="log")
    _axis_format(fig, utility)
    hover = _hover(frame, [utility, leakage, "information_loss", "prosecutor_risk"])
    fig.add_trace(
        go.Scatter(
            x=frame["value"],
            y=frame[utility],
            mode="lines+markers",
            name=utility.replace("_", " "),
            marker={"color": color(0), "size": 9},
            line={"color": color(0)},
            hovertext=hover,
            hoverinfo="text",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=frame["value"],
            y=frame[leakage],
            mode="lines+markers",
            yaxis="y2",
            name=leakage.replace("_", " "),
            marker={"color": color(3), "symbol": "square", "size": 9},
            line={"color": color(3), "dash": "dot"},
            hovertext=hover,
            hoverinfo="text",
        )
    )
    fig.update_layout(
        yaxis2={
            "title": _NAMES.get(leakage, leakage),
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            **(percent_axis() if leakage in _PERCENT else {}),
        }
    )
    if f"{utility}_original" in frame and frame[f"{utility}_original"].notna().any():
        original = float(frame[f"{utility}_original"].dropna().iloc[0])
        fig.add_hline(
            y=original,
            line={"dash": "dash", "color": color(0)},
            annotation_text=f"original data ({original:.3g})",
            annotation_position="bottom left",
        )
    return fig


# leakage of a k-anonymity sweep, in the order k_figure prefers them
_K_LEAKAGE = ("expected_reidentification", "reidentification_rate", "prosecutor_risk")
_UTILITY = ("accuracy", "auc", "information_loss")


def _measured(frame, column: str) -> bool:
    return column in frame and bool(frame[column].notna().any())


def _parameter_figure(frame, utility: str) -> go.Figure:
    frame = frame.sort_values("value")
    parameter = str(frame["parameter"].iloc[0])
    fig = new_figure(f"{_NAMES.get(utility, utility)} against {parameter}", parameter, _NAMES.get(utility, utility))
    fig.add_trace(go.Scatter(x=frame["value"], y=frame[utility], mode="lines+markers", name=utility))
    return fig


def sweep_axes(frame, parameter: str) -> tuple[str | None, str | None]:
    """The utility and leakage columns a sweep's main figure shows (``None`` when not measured).

    Utility: the first measured of accuracy, AUC, information loss. Leakage: ``epsilon`` for ε sweeps, else the
    first measured of expected re-identification, re-identification rate, prosecutor risk.

    Examples
    --------
    >>> import pandas as pd
    >>> sweep_axes(pd.DataFrame({"auc": [0.8], "prosecutor_risk": [0.1]}), "k")
    ('auc', 'prosecutor_risk')
    """
    utility = next((c for c in _UTILITY if _measured(frame, c)), None)
    if parameter == "epsilon":
        return utility, "epsilon"
    return utility, next((c for c in _K_LEAKAGE if _measured(frame, c)), None)


def sweep_figures(result: Any) -> dict[str, go.Figure]:
    """Every figure of a trade-off sweep, main figure first (the one dispatch the report and dashboard use).

    ε sweeps: ``utility-vs-epsilon``, ``leakage-vs-epsilon``, ``utility-vs-leakage``, ``roc``, ``training`` (what
    was measured); other sweeps: ``utility-vs-k`` (or ``utility-vs-<parameter>``), ``class-sizes``,
    ``utility-vs-leakage``. The utility is the first measured of accuracy, AUC, information loss.

    Examples
    --------
    >>> from workbench.tradeoff import TradeoffPoint, TradeoffResult
    >>> from workbench.viz._tradeoff import sweep_figures
    >>> points = tuple(TradeoffPoint(technique="k-anonymity", parameter="k", value=k, k=k,
    ...                              utility={"accuracy": a}, leakage={"reidentification_rate": r})
    ...                for k, a, r in [(2.0, 0.84, 0.3), (10.0, 0.82, 0.05)])
    >>> list(sweep_figures(TradeoffResult(points=points, technique="k-anonymity", parameter="k")))
    ['utility-vs-k', 'utility-vs-leakage']
    """
    frame = result.results
    utility, leakage = sweep_axes(frame, result.parameter)
    figures: dict[str, go.Figure] = {}
    if result.parameter == "scale_bits" and _measured(frame, "ms_per_row"):  # the "encrypted" technique
        from workbench.viz._encrypted import encrypted_tradeoff_figure

        figures["cost-vs-precision"] = encrypted_tradeoff_figure(result)
    if result.parameter == "epsilon":
        if utility is not None:
            figures["utility-vs-epsilon"] = tradeoff_figure(result, metric=utility)
        if _measured(frame, "epsilon_lower_bound"):
            figures["leakage-vs-epsilon"] = leakage_figure(result)
        if _measured(frame, "mia_advantage") and "accuracy" in frame:
            figures["utility-vs-leakage"] = utility_vs_leakage_figure(result)
        if any("roc" in p.details for p in result.points):
            figures["roc"] = roc_figure(result)
        with_history = [p for p in result.points if p.details.get("history")]
        if with_history:
            figures["training"] = training_figure(with_history[0])
        return figures
    if utility is not None and leakage is not None:
        figures[f"utility-vs-{result.parameter}"] = k_figure(result, utility=utility, leakage=leakage)
    elif utility is not None:
        figures[f"utility-vs-{result.parameter}"] = _parameter_figure(frame, utility)
    with_sizes = [p for p in result.points if p.details.get("class_sizes")]
    if with_sizes:
        figures["class-sizes"] = class_size_figure(*with_sizes, names=[p.label() for p in with_sizes])
    if ("mia_advantage" in frame or "reidentification_rate" in frame) and "accuracy" in frame:
        figures["utility-vs-leakage"] = utility_vs_leakage_figure(result)
    return figures
