"""Figures: titles, units, log axes, baselines, diagonals, hover statements and the colour-blind-safe palette."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from workbench import viz
from workbench.errors import InvalidParameterError, UnknownColumnError

OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}


def _colours(fig: go.Figure) -> set[str]:
    found = set()
    for trace in fig.data:
        for part in (getattr(trace, "marker", None), getattr(trace, "line", None)):
            colour = getattr(part, "color", None) if part is not None else None
            if isinstance(colour, str):
                found.add(colour)
            elif isinstance(colour, (list, tuple)):
                found.update(colour)
    return found


def _check_labelled(fig: go.Figure) -> None:
    assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_utility_vs_epsilon_is_log_with_the_non_private_baseline_as_a_line(dp_result):
    fig = viz.tradeoff_figure(dp_result)
    _check_labelled(fig)
    assert fig.layout.xaxis.type == "log" and "ε" in fig.layout.xaxis.title.text
    (trace,) = fig.data
    assert list(trace.x) == [0.5, 1.0, 4.0]  # the baseline is not a point on the log axis ...
    (line,) = fig.layout.shapes  # ... but a horizontal line at its accuracy
    assert line.y0 == line.y1 == pytest.approx(0.83)
    assert "no DP" in fig.layout.annotations[0].text
    assert "noise_multiplier: 1.3" in trace.hovertext[0] and "accountant: prv" in trace.hovertext[0]
    assert _colours(fig) <= OKABE_ITO
    assert fig.layout.yaxis.tickformatstops and fig.layout.yaxis.tickformat is None


def test_leakage_vs_epsilon_has_the_claimed_epsilon_diagonal(dp_result):
    fig = viz.leakage_figure(dp_result)
    _check_labelled(fig)
    diagonal = fig.data[0]
    assert list(diagonal.x) == list(diagonal.y) and "claimed" in diagonal.name
    assert list(fig.data[1].y) == [0.0, 0.05, 0.1]
    advantage = viz.leakage_figure(dp_result, metric="mia_advantage")
    assert max(advantage.data[0].y) < 1  # the ε-DP advantage bound (e^ε − 1)/(e^ε + 1)


def test_utility_vs_leakage_puts_both_families_on_one_plot(dp_result, kanon_result):
    fig = viz.utility_vs_leakage_figure(dp_result, kanon_result)
    _check_labelled(fig)
    names = [t.name for t in fig.data]
    assert names == ["dp (mia advantage)", "k-anonymity (reidentification rate)"]
    assert list(fig.data[0].text) == ["ε=0.5", "ε=1", "ε=4", "no DP"] and tuple(fig.data[1].text)[:1] == ("k=2",)
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol and _colours(fig) <= OKABE_ITO


def test_k_figure_shows_utility_and_reidentification_on_two_axes(kanon_result):
    fig = viz.k_figure(kanon_result)
    _check_labelled(fig)
    assert fig.data[1].yaxis == "y2" and fig.layout.yaxis2.title.text.startswith("Re-identification")
    assert "original data" in fig.layout.annotations[0].text
    assert "method: mondrian" in fig.data[0].hovertext[0]


def test_roc_is_log_log_with_the_chance_line(dp_result):
    fig = viz.roc_figure(dp_result.points[0], ([0.0, 0.5, 1.0], [0.0, 0.6, 1.0]))
    _check_labelled(fig)
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "log"
    assert fig.data[0].name.startswith("chance") and len(fig.data) == 3
    assert min(fig.data[1].x) > 0  # zeros are clipped to the axis floor, not dropped silently
    assert len(viz.roc_figure(dp_result).data) == 1 + len(dp_result.points)


def test_class_size_histogram_and_risk_bars(kanon_result):
    fig = viz.class_size_figure(pd.Series([1, 1, 1, 2, 2, 7]))
    _check_labelled(fig)
    assert list(fig.data[0].x) == [1, 2, 7] and list(fig.data[0].y) == [3, 2, 1]
    assert len(viz.class_size_figure(*kanon_result.points).data) == 3
    bars = viz.risk_figure({"highest": 1.0, "average": 0.25, "records_at_risk": 0.1})
    assert list(bars.data[0].y) == [1.0, 0.25, 0.1] and bars.layout.yaxis.tickformatstops


def test_training_curve_shows_epsilon_spent_on_a_second_axis(dp_result):
    fig = viz.training_figure(dp_result.points[0])
    _check_labelled(fig)
    assert [t.name for t in fig.data] == ["accuracy", "loss", "ε spent"] and fig.data[2].yaxis == "y2"


def test_figures_reject_what_they_cannot_draw(dp_result):
    with pytest.raises(InvalidParameterError, match="TradeoffResult"):
        viz.tradeoff_figure([1, 2, 3])
    with pytest.raises(UnknownColumnError, match="accuracy"):
        viz.tradeoff_figure(dp_result.results.drop(columns=["accuracy"]))
    with pytest.raises(InvalidParameterError, match="roc_figure"):
        viz.roc_figure("curve")
    with pytest.raises(InvalidParameterError, match="class sizes"):
        viz.class_size_figure(3.5)


def test_figures_do_not_change_their_input(dp_result, digest):
    frame = dp_result.results
    before = digest(frame.drop(columns=["statement"])), frame["statement"].tolist()
    viz.tradeoff_figure(frame)
    viz.leakage_figure(frame)
    viz.utility_vs_leakage_figure(frame)
    assert (digest(frame.drop(columns=["statement"])), frame["statement"].tolist()) == before


@pytest.mark.parametrize("dtick", [m * 10.0**e for e in range(-6, 0) for m in (1, 2, 5)])
def test_percent_ticks_are_distinct_and_honest_at_every_zoom(dtick):
    # plotly spaces linear ticks by 1, 2 or 5 x 10^n and picks the tickformatstops entry holding that spacing
    from workbench.viz._style import percent_axis

    stops = percent_axis()["tickformatstops"]
    chosen = [s["value"] for s in stops if (s["dtickrange"][0] or 0) <= dtick <= (s["dtickrange"][1] or math.inf)]
    assert len(chosen) == 1
    ticks = [0.83 + i * dtick for i in range(6)]
    labels = [format(t, chosen[0]) for t in ticks]  # Python's format spec is d3's for these
    assert len(set(labels)) == len(labels), labels
    decimals = int(chosen[0][1:-1])
    half_unit = 0.5 * 10 ** -(decimals + 2) + 1e-12
    assert all(abs(float(label[:-1]) / 100 - t) <= half_unit for label, t in zip(labels, ticks, strict=True))
