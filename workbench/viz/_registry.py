"""One dispatch from a result to its figures: ``register_figures`` / ``figures_for``.

Builders are keyed by the result's type (or, for the built-in results, by its qualified name, so that importing
:mod:`workbench.viz` never imports torch or the technique packages). The report, the dashboard and
``TradeoffResult.figure`` all ask :func:`figures_for`; nothing else chooses figures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench._typemap import TypeMap

__all__ = ["FigureBuilder", "figures_for", "register_figures"]

#: ``builder(result) -> {name: plotly Figure}`` (names such as ``"roc"``, the main figure first).
FigureBuilder = Callable[[Any], "dict[str, Any]"]

_BUILDERS: TypeMap[FigureBuilder] = TypeMap(
    "register_figures", "figure builder", "Figures for {type} are already registered"
)


def register_figures(result_type: type | str, builder: FigureBuilder, *, replace: bool = False) -> None:
    """Register the figures of a result type: ``builder(result)`` returns ``{name: go.Figure}``, main figure first.

    Parameters
    ----------
    result_type : type or str
        The result class, or its qualified name ``"package.module.ClassName"`` (registers without importing it).
        Subclasses inherit the registration.
    builder : callable
        A pure function ``builder(result) -> dict[str, plotly.graph_objects.Figure]``.
    replace : bool, default=False
        Allow replacing an existing registration.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> from workbench.viz import figures_for, register_figures
    >>> class Count:
    ...     value = 3
    >>> register_figures(Count, lambda r: {"bar": go.Figure(go.Bar(y=[r.value]))}, replace=True)
    >>> list(figures_for(Count()))
    ['bar']
    """
    _BUILDERS.register(result_type, builder, replace=replace)


def figures_for(result: Any) -> dict[str, Any]:
    """The figures of a result, ``{name: go.Figure}`` with the main figure first (``{}`` if none are registered).

    Parameters
    ----------
    result : Any
        A result whose type (or a base class of it) has figures registered with :func:`register_figures`.

    Returns
    -------
    dict[str, plotly.graph_objects.Figure]
        The figures by name, main figure first; empty when none are registered for the type.

    Examples
    --------
    >>> from workbench.tradeoff import TradeoffPoint, TradeoffResult
    >>> from workbench.viz import figures_for
    >>> point = TradeoffPoint(technique="dp", parameter="epsilon", value=1.0, epsilon=1.0, utility={"accuracy": 0.8})
    >>> curve = TradeoffResult(points=(point,), technique="dp", parameter="epsilon", grid=(1.0,))
    >>> list(figures_for(curve))
    ['utility-vs-epsilon']
    """
    builder = _BUILDERS.lookup(result)
    return {} if builder is None else dict(builder(result))
