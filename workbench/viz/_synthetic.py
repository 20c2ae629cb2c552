"""Figures of DP table releases: real vs synthetic marginals, the utility / privacy checks, DP statistics."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from workbench.errors import UnknownColumnError
from workbench.viz._style import color, new_figure

__all__ = ["marginals_figure", "statistics_figure", "synthetic_checks_figure", "synthetic_figures"]


def marginals_figure(result: Any, column: str | None = None) -> go.Figure:
    """Shares of each category / bin of ``column`` in the real training rows and in the synthetic rows, side by
    side (aggregates only; default: the first column).

    Parameters
    ----------
    result : SyntheticResult
        A synthetic release, or anything with ``marginals`` (column to a dict of ``labels``, ``real`` and
        ``synthetic`` shares) and ``statement`` (with ``mechanism`` and ``epsilon``).
    column : str, optional
        The column to show (default: the first in ``result.marginals``).

    Returns
    -------
    plotly.graph_objects.Figure
        Grouped bars, one trace for the real rows and one for the synthetic rows.

    Raises
    ------
    UnknownColumnError
        ``column`` has no marginal in the release.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from workbench.viz import marginals_figure
    >>> fake = SimpleNamespace(marginals={"sex": {"labels": ["F", "M"], "real": [0.4, 0.6],
    ...                                           "synthetic": [0.42, 0.58]}},
    ...                        statement=SimpleNamespace(epsilon=1.0, mechanism="MST"))
    >>> [t.name for t in marginals_figure(fake).data]
    ['real', 'synthetic (MST, ε=1)']
    """
    marginals = result.marginals
    column = column if column is not None else next(iter(marginals))
    if column not in marginals:
        raise UnknownColumnError(f"No marginal of {column!r}; the release has {list(marginals)}.")
    m = marginals[column]
    fig = new_figure(f"{column}: real vs synthetic", column, "share of rows")
    s = result.statement
    fig.add_trace(go.Bar(x=m["labels"], y=m["real"], name="real", marker_color=color(0)))
    fig.add_trace(go.Bar(x=m["labels"], y=m["synthetic"], name=f"synthetic ({s.mechanism}, ε={s.epsilon:.3g})",
                         marker_color=color(1)))  # fmt: skip
    fig.update_layout(barmode="group", yaxis_tickformat=".0%")
    return fig


_CHECKS = (
    ("accuracy", "ML accuracy (train on synthetic)"),
    ("accuracy_original", "ML accuracy (train on real)"),
    ("tv_1way", "1-way marginal distance (TV)"),
    ("tv_2way", "2-way marginal distance (TV)"),
    ("mia_auc", "membership-inference AUC (0.5 = chance)"),
    ("dcr_share_closer_to_train", "share closer to training than holdout (0.5 ideal)"),
    ("exact_copy_share", "exact copies of training rows"),
    ("exact_copy_share_holdout", "holdout rows that repeat a training row"),
)


def synthetic_checks_figure(result: Any) -> go.Figure:
    """The release's utility and privacy checks as horizontal bars (0–1 scales).

    Parameters
    ----------
    result : SyntheticResult
        A synthetic release, or anything with ``metrics`` (a dict of the checks; missing or non-finite ones are left
        out) and ``statement`` (with ``mechanism`` and ``epsilon``).

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal bar per check shown.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from workbench.viz import synthetic_checks_figure
    >>> fake = SimpleNamespace(metrics={"accuracy": 0.81, "mia_auc": 0.5},
    ...                        statement=SimpleNamespace(epsilon=1.0, mechanism="MST"))
    >>> len(synthetic_checks_figure(fake).data[0].y)
    2
    """
    metrics = result.metrics
    shown = [(label, float(metrics[k])) for k, label in _CHECKS if k in metrics and math.isfinite(metrics[k])]
    s = result.statement
    fig = new_figure(f"Utility and privacy checks ({s.mechanism}, ε={s.epsilon:.3g})", "value", "")
    fig.add_trace(go.Bar(x=[v for _, v in shown], y=[k for k, _ in shown], orientation="h", marker_color=color(2),
                         text=[f"{v:.3f}" for _, v in shown], textposition="auto", showlegend=False))  # fmt: skip
    fig.update_layout(xaxis_range=[0, 1], yaxis_autorange="reversed")
    return fig


def statistics_figure(session: Any) -> go.Figure:
    """Each DP answer of a statistics session with its 95 % accuracy as an error bar, and the budget left.

    Parameters
    ----------
    session : StatisticsSession
        A DP statistics session, or anything with ``answers`` (each with ``query``, ``value``, ``accuracy`` and
        ``epsilon``; answers whose value is not a float are left out), ``remaining`` and ``epsilon``.

    Returns
    -------
    plotly.graph_objects.Figure
        One marker per answer with its accuracy as the error bar.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from workbench.viz import statistics_figure
    >>> a = SimpleNamespace(query="count", value=100.0, accuracy=3.0, epsilon=0.1)
    >>> fig = statistics_figure(SimpleNamespace(answers=[a], remaining=0.9, epsilon=1.0))
    >>> fig.data[0].error_y.array
    (3.0,)
    """
    answers = [a for a in session.answers if isinstance(a.value, float)]
    fig = new_figure(
        f"DP answers (ε left {session.remaining:.3g} of {session.epsilon:g})", "query", "answer ± 95 % accuracy"
    )
    fig.add_trace(go.Scatter(x=[f"{a.query} (ε={a.epsilon:g})" for a in answers], y=[a.value for a in answers],
                             mode="markers", marker={"color": color(0), "size": 10},
                             error_y={"type": "data", "array": [a.accuracy for a in answers]},
                             showlegend=False))  # fmt: skip
    return fig


def synthetic_figures(result: Any) -> dict[str, go.Figure]:
    """Every figure of a synthetic release: the checks and one marginal per column.

    Parameters
    ----------
    result : SyntheticResult
        A synthetic release, or anything with the attributes :func:`synthetic_checks_figure` and
        :func:`marginals_figure` read (``metrics``, ``marginals``, ``statement``).

    Returns
    -------
    dict of str to plotly.graph_objects.Figure
        ``"checks"`` and ``"marginal <column>"`` for each column, in the order of ``result.marginals``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from workbench.viz import synthetic_figures
    >>> fake = SimpleNamespace(metrics={"accuracy": 0.81},
    ...                        marginals={"sex": {"labels": ["F", "M"], "real": [0.4, 0.6],
    ...                                           "synthetic": [0.42, 0.58]}},
    ...                        statement=SimpleNamespace(epsilon=1.0, mechanism="MST"))
    >>> list(synthetic_figures(fake))
    ['checks', 'marginal sex']
    """
    out = {"checks": synthetic_checks_figure(result)}
    out.update({f"marginal {c}": marginals_figure(result, c) for c in result.marginals})
    return out
