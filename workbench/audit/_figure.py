"""The ROC curve of an audit as a plotly figure on log-log axes (re-exported by ``workbench.viz``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.errors import InvalidParameterError

__all__ = ["roc_figure"]


def roc_figure(result: Any, *, floor: float | None = None) -> Any:
    """ROC curve of one or more audits, log-log axes, with the chance diagonal.

    Low false-positive rates are where membership inference matters (an attacker who is right about a few people
    with near certainty), so both axes are logarithmic. Points with FPR or TPR of 0 are drawn at ``floor``
    (default: half of 1 / the number of non-members).

    Parameters
    ----------
    result : AuditResult or sequence of AuditResult
        Each is one trace, named by its attack and claimed epsilon.
    floor : float, optional
        Smallest rate drawn.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from workbench.audit import AuditResult
    >>> res = AuditResult.from_scores(np.linspace(0.2, 1.2, 50), np.linspace(0, 1, 50))
    >>> fig = roc_figure(res)
    >>> fig.layout.xaxis.type, len(fig.data)
    ('log', 2)
    """
    import plotly.graph_objects as go

    results = list(result) if isinstance(result, (list, tuple)) else [result]
    if not results or not all(hasattr(r, "roc") and hasattr(r, "auc") for r in results):
        raise InvalidParameterError("roc_figure draws AuditResult objects (from workbench.membership_inference).")
    if floor is None:
        floor = 0.5 / max(max(r.n_non_members for r in results), 1)
    fig = go.Figure()
    for r in results:
        fpr, tpr = (np.maximum(np.asarray(a, dtype=float), floor) for a in r.roc)
        claim = "no DP" if np.isinf(r.claimed_epsilon) else f"ε = {r.claimed_epsilon:.3g}"
        fig.add_trace(
            go.Scatter(
                x=fpr,
                y=tpr,
                mode="lines",
                line={"shape": "hv"},
                name=f"{r.attack} ({claim}) AUC {r.auc:.3f}",
                hovertemplate="FPR %{x:.2e}<br>TPR %{y:.2e}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(x=[floor, 1], y=[floor, 1], mode="lines", line={"dash": "dash", "color": "grey"}, name="chance")
    )
    fig.update_layout(
        title="Membership inference ROC (log-log)",
        xaxis={"type": "log", "title": "false-positive rate", "range": [np.log10(floor), 0]},
        yaxis={"type": "log", "title": "true-positive rate", "range": [np.log10(floor), 0]},
        template="plotly_white",
    )
    return fig
