"""Dashboard figures: plotly warmed in the background, and a live figure's synced state holding its data."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from workbench.widgets.views.figures import LiveFigure, warm_plotly


def test_plotly_is_warmed_once_in_a_background_thread():
    thread = warm_plotly()
    assert thread.daemon and warm_plotly() is thread
    thread.join(300)
    assert not thread.is_alive()


def test_the_synced_state_holds_every_update():
    # a browser model that was still loading plotly's code misses the one-off edit messages; when its view
    # renders it reads _widget_data / _widget_layout, which must therefore hold the latest figure
    live = LiveFigure("demo", mode="widget")
    if live.mode != "widget":
        pytest.skip("FigureWidget needs anywidget")
    live.request(lambda: go.Figure(go.Bar(x=[1, 2], y=[3, 4]), layout={"title": {"text": "first"}}))
    live.flush()
    live.request(lambda: go.Figure(go.Bar(x=[1, 2], y=[5, 6]), layout={"title": {"text": "second"}}))
    live.flush()
    assert [list(t["y"]) for t in live.figure._widget_data] == [[5, 6]]
    assert live.figure._widget_layout["title"]["text"] == "second"
