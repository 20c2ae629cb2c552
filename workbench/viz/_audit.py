"""ROC curves of membership-inference attacks, on log-log axes where the low-FPR corner is visible."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from workbench.errors import InvalidParameterError
from workbench.viz._style import color, new_figure, reference_line

__all__ = ["audit_figures", "roc_figure"]

_FLOOR = 1e-5


def _curves(source: Any, i: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, fpr, tpr) for an AuditResult, a TradeoffPoint, a TradeoffResult, a dict or a (fpr, tpr) pair."""
    if hasattr(source, "points") and hasattr(source, "technique"):  # a sweep: one curve per audited point
        return [c for p in source.points for c in _curves(p, i)]
    if hasattr(source, "details") and hasattr(source, "label"):  # a TradeoffPoint
        roc = source.details.get("roc")
        return [(f"{source.technique} {source.label()}", np.asarray(roc["fpr"]), np.asarray(roc["tpr"]))] if roc else []
    if hasattr(source, "roc"):  # an AuditResult
        fpr, tpr = source.roc
        auc = getattr(source, "auc", math.nan)
        return [(f"{getattr(source, 'attack', 'attack')} (AUC {auc:.3f})", np.asarray(fpr), np.asarray(tpr))]
    if isinstance(source, dict) and "fpr" in source:
        return [(str(source.get("name", f"curve {i + 1}")), np.asarray(source["fpr"]), np.asarray(source["tpr"]))]
    if isinstance(source, (tuple, list)) and len(source) == 2:
        return [(f"curve {i + 1}", np.asarray(source[0]), np.asarray(source[1]))]
    raise InvalidParameterError(
        f"roc_figure takes AuditResults, sweep results, points or (fpr, tpr) pairs; got {type(source).__name__}."
    )


def roc_figure(*sources: Any) -> go.Figure:
    """ROC curves of attacks on log-log axes, with the chance line (TPR = FPR).

    On log axes a privacy leak shows as a curve far above the diagonal at low false-positive rates (the regime
    that matters: confidently identifying a few members), which linear axes and the AUC hide.

    Parameters
    ----------
    *sources : AuditResult, TradeoffPoint, TradeoffResult, dict or (fpr, tpr) pair
        Attacks to draw: an audit's result, an audited sweep (one curve per point) or point, a mapping with ``fpr``,
        ``tpr`` and an optional ``name``, or two arrays.

    Returns
    -------
    plotly.graph_objects.Figure
        One curve per attack on log-log axes, with the chance diagonal.

    Raises
    ------
    InvalidParameterError
        When a source is none of the above.

    Examples
    --------
    >>> from workbench.viz import roc_figure
    >>> fig = roc_figure(([0.0, 0.01, 0.1, 1.0], [0.0, 0.05, 0.2, 1.0]))
    >>> fig.layout.xaxis.type, fig.layout.yaxis.type
    ('log', 'log')
    """
    fig = new_figure(
        "Membership-inference ROC (log-log)",
        "false-positive rate (non-members flagged, log scale)",
        "true-positive rate (members found, log scale)",
    )
    fig.update_xaxes(type="log", range=[math.log10(_FLOOR), 0])
    fig.update_yaxes(type="log", range=[math.log10(_FLOOR), 0])
    chance = np.logspace(math.log10(_FLOOR), 0, 50)
    fig.add_trace(reference_line(chance, chance, "chance (TPR = FPR)"))
    n = 0
    for i, source in enumerate(sources):
        for name, fpr, tpr in _curves(source, i):
            fig.add_trace(
                go.Scatter(
                    x=np.clip(fpr, _FLOOR, 1),
                    y=np.clip(tpr, _FLOOR, 1),
                    mode="lines",
                    name=name,
                    line={"color": color(n)},
                    hovertemplate="FPR %{x:.2g}<br>TPR %{y:.2g}<extra>" + name + "</extra>",
                )
            )
            n += 1
    return fig


def audit_figures(audit: Any) -> dict[str, go.Figure]:
    """The figures of a membership-inference result: ``{"roc": ...}``.

    Examples
    --------
    >>> import numpy as np
    >>> from workbench.audit import AuditResult
    >>> list(audit_figures(AuditResult.from_scores(np.array([2.0, 1.0]), np.array([0.5, 1.5]))))
    ['roc']
    """
    return {"roc": roc_figure(audit)}
