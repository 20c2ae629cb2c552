"""Dashboard figures: plotly's first-figure cost is paid in a background thread, once."""

from __future__ import annotations

from workbench.widgets.views.figures import warm_plotly


def test_plotly_is_warmed_once_in_a_background_thread():
    thread = warm_plotly()
    assert thread.daemon and warm_plotly() is thread
    thread.join(300)
    assert not thread.is_alive()
