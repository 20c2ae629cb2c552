"""Live trade-off figures from partial points: the curve and its Pareto frontier."""

from __future__ import annotations

import math

from workbench.tradeoff._point import TradeoffPoint
from workbench.widgets.views.plots import tradeoff_figure_for, training_figure


def _k(k, accuracy, risk):
    return TradeoffPoint("k-anonymity", "k", k, k=k, utility={"accuracy": accuracy},
                         leakage={"expected_reidentification": risk})  # fmt: skip


def test_k_anonymity_frontier_drops_dominated_points():
    points = [_k(2, 0.855, 0.3), _k(5, 0.842, 0.1), _k(10, 0.845, 0.05), _k(50, 0.83, 0.01)]
    fig = tradeoff_figure_for(points, "k-anonymity")
    traces = {t.name: t for t in fig.data}
    assert list(traces["accuracy"].x) == [2, 5, 10, 50]
    assert sorted(traces["Pareto frontier"].x) == [2, 10, 50]  # k=5: k=10 is better on both
    assert "(4 points)" in fig.layout.title.text


def test_dp_frontier_and_baseline():
    points = [
        TradeoffPoint("dp", "epsilon", e, epsilon=e, utility={"accuracy": a})
        for e, a in [(0.1, 0.76), (1.0, 0.80), (4.0, 0.79), (math.inf, 0.85)]
    ]
    fig = tradeoff_figure_for(points, "dp")
    traces = {t.name: t for t in fig.data}
    assert list(traces["dp"].x) == [0.1, 1.0, 4.0]  # the no-DP point is a baseline line, not a marker
    assert sorted(traces["Pareto frontier"].x) == [0.1, 1.0]
    assert any("no DP" in (a.text or "") for a in fig.layout.annotations)


def test_empty_figures_while_waiting():
    assert "waiting for the first point" in tradeoff_figure_for([], "dp").layout.title.text
    assert "waiting for the first epoch" in training_figure([]).layout.title.text
